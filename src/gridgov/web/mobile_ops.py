"""网格通 · 考勤巡查: the grid worker's field work on the phone, at ``/m/ops/``.

Thin pages: each renders a template with what its script needs (the worker's grids and their
outlines for the offline map, the API's URLs, the texts in Chinese); check-ins, patrols and the
month's figures go through the JSON API (``/api/v1/ops/…``) from ``gridgov/mobile/ops.js``, so
a check-in or a patrol's points made without a connection wait in IndexedDB and are sent when it
returns. Only the caller's own roster entry (``ops.access.own_worker``) is ever shown; a user
without one gets a page saying so.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from gridgov.cases.permissions import current_posts
from gridgov.metrics.figures import Span, parse_period
from gridgov.ops import selectors as ops_selectors
from gridgov.ops.access import own_worker
from gridgov.ops.choices import WorkerKind
from gridgov.ops.models import Worker
from gridgov.regions.models import Region

API = "/api/v1/ops"


def worker_grids(worker: Worker) -> list[Region]:
    """The worker's current grids (the main one first), from their own assignments."""
    grids: dict[str, Region] = {}
    for row in ops_selectors.current_assignments(worker):
        grids.setdefault(row.grid.path, row.grid)
    return list(grids.values())


def grid_outlines(grids: list[Region]) -> dict[str, Any]:
    """The outlines of the worker's own grids (GeoJSON, WGS-84), for the offline map."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": grid.geometry,
                "properties": {"path": grid.path, "name": grid.name},
            }
            for grid in grids
            if grid.geometry
        ],
    }


def messages() -> dict[str, Any]:
    """The script's texts ({name} marks a value the script fills in)."""
    return {
        "kinds": {"on": _("上班签到"), "off": _("下班签退")},
        "done": {"on": _("已签到"), "off": _("已签退")},
        "locating": _("正在获取位置…"),
        "noGeo": _("此手机浏览器不支持定位，无法签到。"),
        "geoDenied": _(
            "无法获取位置：请在手机设置中开启定位服务，并允许网格通使用位置信息后重试。"
        ),
        "geoFailed": _("未能获取位置，请到室外开阔处重试；若仍失败，请检查手机定位是否开启。"),
        "sending": _("正在提交…"),
        "accepted": _("{kind}成功：{grid} {time}"),
        "refused": _("{kind}未成功：{reason}"),
        "outside": _("不在网格内：距网格边界约 {distance} 米"),
        "queued": _("已保存，联网后自动提交"),
        "queuedSent": _("离线保存的{kind}已提交：{message}"),
        "queuedCount": _("{n} 条签到待提交"),
        "loginExpired": _("登录已过期，请重新登录后再提交。"),
        "serverError": _("服务器暂时无法处理，请稍后重试。"),
        "notSigned": _("未签"),
        "waiting": _("待提交"),
        "anomalies": _("今日异常签到 {n} 次"),
        "offlineStatus": _("当前离线，显示的是本机记录"),
        # patrols
        "start": _("开始巡查"),
        "starting": _("正在开始巡查…"),
        "resume": _("继续巡查"),
        "open": _("巡查中"),
        "openSince": _("巡查中 · {since} 开始"),
        "noPatrol": _("当前没有进行中的巡查"),
        "startQueued": _("当前没有网络，巡查已在本机开始，联网后自动提交。"),
        "startRefused": _("未能开始巡查：{message}"),
        "stop": _("结束巡查"),
        "stopping": _("正在结束巡查…"),
        "confirmStop": _("确定结束本次巡查吗？"),
        "stopped": _("巡查已结束：里程 {km} 公里，用时 {duration}"),
        "stopQueued": _("巡查已在本机结束，轨迹和结束时间将在联网后自动提交。"),
        "previousPending": _("上一次巡查的结束尚未提交，请联网后再开始新的巡查。"),
        "closedByServer": _("本次巡查已由系统结束（超时或已在其他设备结束）。"),
        "points": _("轨迹点 {n} 个"),
        "pending": _("{n} 个待上传"),
        "allSent": _("已全部上传"),
        "gpsWaiting": _("正在等待定位…"),
        "gpsOk": _("定位正常（精度约 {accuracy} 米）"),
        "gpsLost": _("定位中断：{message}"),
        "outsideGrid": _("当前位置不在您的网格内"),
        "km": _("公里"),
        "metres": _("米"),
        "hours": _("小时"),
        "minutes": _("分钟"),
        "noStorage": _("此浏览器无法在本机保存数据，离线时无法签到或记录轨迹。"),
        # figures
        "noFigures": _("本月暂无考核数据"),
        "figuresOffline": _("当前离线，无法查看考核数据。"),
        "score": _("综合得分"),
        "rank": _("在本村（社区）网格员中排第 {rank} 名，共 {total} 人"),
    }


def _not_on_roster(request: HttpRequest) -> HttpResponse:
    """A clear page for an account without an active roster entry (not an error)."""
    return render(
        request,
        "web/mobile/ops_not_on_roster.html",
        {"posts": current_posts(request.user), "tab": "home"},
    )


def _context(request: HttpRequest, worker: Worker, page: str) -> dict[str, Any]:
    grids = worker_grids(worker)
    config = {
        "page": page,
        "user": request.user.pk,
        "worker": {"name": worker.name, "kind": str(WorkerKind(worker.kind).label)},
        "grids": [{"path": g.path, "name": g.name} for g in grids],
        "api": {
            "me": f"{API}/me",
            "checkins": f"{API}/checkins",
            "patrols": f"{API}/patrols",
            "points": f"{API}/patrols/ID/points",
            "stop": f"{API}/patrols/ID/stop",
            "track": f"{API}/patrols/ID/track",
            "figures": f"{API}/me/figures",
        },
        "pages": {
            "today": reverse("mobile-ops"),
            "patrol": reverse("mobile-ops-patrol"),
            "month": reverse("mobile-ops-month"),
            "report": reverse("mobile-report"),
        },
        "messages": messages(),
    }
    return {
        "worker": worker,
        "kind_label": WorkerKind(worker.kind).label,
        "grids": grids,
        "geojson": grid_outlines(grids),
        "config": config,
        "today": timezone.localdate(),
        "tab": "home",
    }


@login_required
@require_GET
def today(request: HttpRequest) -> HttpResponse:
    """Today: my grids, today's check-ins, 上班签到 / 下班签退, and the patrol."""
    worker = own_worker(request.user)
    if worker is None:
        return _not_on_roster(request)
    return render(request, "web/mobile/ops_today.html", _context(request, worker, "today"))


@login_required
@require_GET
def patrol(request: HttpRequest) -> HttpResponse:
    """The open patrol: the track drawn on the grid map as the points come, elapsed time and
    distance, and 结束巡查 (the script finds the open patrol through ``GET …/ops/me``)."""
    worker = own_worker(request.user)
    if worker is None:
        return _not_on_roster(request)
    return render(request, "web/mobile/ops_patrol.html", _context(request, worker, "patrol"))


def _month(text: str, today: dt.date, hired_on: dt.date) -> Span:
    """The month asked for (``?period=YYYY-MM``), else this month; never after this month nor
    before the month the worker was hired."""
    current = Span.month(today.year, today.month)
    try:
        span = parse_period(text) if text else current
    except ValueError:
        return current
    if span.unit != "month" or span.start > current.start:
        return current
    if span.end < hired_on:
        return Span.month(hired_on.year, hired_on.month)
    return span


@login_required
@require_GET
def month(request: HttpRequest) -> HttpResponse:
    """My month's figures (the script reads ``GET …/ops/me/figures?period=YYYY-MM``)."""
    worker = own_worker(request.user)
    if worker is None:
        return _not_on_roster(request)
    today_ = timezone.localdate()
    span = _month(request.GET.get("period", ""), today_, worker.hired_on)
    before = span.previous()
    after = Span.month(
        span.end.year + (span.end.month == 12), span.end.month % 12 + 1
    )  # the month after
    context = _context(request, worker, "month")
    context["config"]["period"] = span.key
    context.update(
        {
            "span": span,
            # nothing to show before the month the worker was hired
            "previous": before.key if before.end >= worker.hired_on else "",
            "next": after.key if after.start <= today_ else "",
        }
    )
    return render(request, "web/mobile/ops_month.html", context)
