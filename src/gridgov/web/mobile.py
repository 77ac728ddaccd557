"""网格通: the grid worker's phone app at ``/m/`` — an installable PWA.

Pages are thin: they read through ``cases.selectors`` and ``regions.selectors`` (so the
jurisdiction function applies), and the action forms call ``cases.services.act``. Reports are
sent by the page's script to the JSON API (``POST /api/v1/cases`` and ``…/attachments``), so a
report made offline can wait in IndexedDB and go out later. The service worker is served from
``/m/sw.js`` so that its scope is ``/m/``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from gridgov.accounts.roles import Role
from gridgov.cases import selectors, services
from gridgov.cases.choices import ActionChoice, LimitUnit, StatusChoice
from gridgov.cases.errors import CaseConflict, CaseForbidden, CaseNotFound
from gridgov.cases.media import photo_url
from gridgov.cases.models import Board, Case, Item
from gridgov.cases.permissions import current_posts
from gridgov.cases.workflow import OPEN, Action, Status
from gridgov.regions import selectors as regions
from gridgov.regions.models import Region, subtree_q

NUMBER = re.compile(r"[0-9]{14}")
LIST_LIMIT = 100

# Static files the service worker keeps for offline use (the app shell's assets).
SHELL_ASSETS = (
    "gridgov/mobile/mobile.css",
    "gridgov/mobile/app.js",
    "gridgov/mobile/map.js",
    "gridgov/mobile/report.js",
    "gridgov/mobile/icon-192.png",
    "gridgov/mobile/icon-512.png",
    "vendor/leaflet/leaflet.css",
    "vendor/leaflet/leaflet.js",
    "vendor/htmx/htmx.min.js",
)


@dataclass(frozen=True)
class FormField:
    name: str
    label: str | Promise
    kind: str = "textarea"  # textarea / number / photos
    required: bool = True


# The actions the phone offers, with their inputs; anything else is done at the workbench.
ACTION_FORMS: dict[Action, tuple[FormField, ...]] = {
    Action.SIGN: (),
    Action.HANDLE: (
        FormField("result", gettext_lazy("处置结果")),
        FormField("photos", gettext_lazy("处置照片"), "photos", required=False),
    ),
    Action.SEND_BACK: (FormField("reason", gettext_lazy("回退原因")),),
    Action.REQUEST_EXTENSION: (
        FormField("amount", gettext_lazy("延期时长"), "number"),
        FormField("reason", gettext_lazy("延期理由")),
    ),
    Action.VERIFY_PASS: (FormField("note", gettext_lazy("核查意见"), required=False),),
    Action.VERIFY_FAIL: (
        FormField("reason", gettext_lazy("不通过的原因")),
        FormField("photos", gettext_lazy("现场照片"), "photos", required=False),
    ),
    Action.REPORT_IN: (),
    Action.CO_REPORT: (FormField("note", gettext_lazy("协办意见")),),
    Action.RESPOND: (FormField("note", gettext_lazy("督办回复")),),
}
DANGER = frozenset({Action.SEND_BACK, Action.VERIFY_FAIL})
QUIET = frozenset({Action.REQUEST_EXTENSION, Action.RESPOND, Action.CO_REPORT})


# -- helpers ---------------------------------------------------------------------------------


def my_grids(user: Any) -> list[Region]:
    """The grids of the user's current grid-worker posts."""
    grids = {
        post.region.path: post.region
        for post in current_posts(user)
        if post.role == Role.GRID_WORKER and post.region is not None
    }
    return [grids[path] for path in sorted(grids)]


def _not_for_you(request: HttpRequest) -> HttpResponse:
    """A friendly page for staff without a grid-worker post (not an error)."""
    posts = current_posts(request.user)
    screens = any(post.role == Role.GRID_CHIEF for post in posts)  # 矛盾排查 on the phone
    return render(request, "web/mobile/not_grid_worker.html", {"posts": posts, "screens": screens})


def _grids_q(grids: list[Region], field: str = "region_path") -> Q:
    q = Q(pk__in=[])
    for grid in grids:
        q |= subtree_q(grid.path, field)
    return q


def _grid_geojson(user: Any, grids: list[Region]) -> dict[str, Any]:
    """My grids' outlines and their buildings (points), for the offline map."""
    features: list[dict[str, Any]] = []
    for grid in grids:
        features += regions.children_geojson(user, grid)["features"]
    return {"type": "FeatureCollection", "features": features}


def _light_label(light: str | None) -> str:
    return {"red": _("红灯"), "yellow": _("黄灯"), "green": _("绿灯")}.get(light or "", "")


def _row(case: Case, now: dt.datetime) -> dict[str, Any]:
    light = selectors.light_of(case, now)
    return {
        "case": case,
        "light": light or "none",
        "light_label": _light_label(light),
        "status_label": StatusChoice(case.status).label,
        "overdue": bool(case.due_at and case.due_at <= now),
    }


def _verification_queue(user: Any, grids: list[Region]) -> QuerySet[Case]:
    """Cases in my grids that wait for on-site verification, but not my own work."""
    return (
        selectors.visible_cases(user)
        .filter(_grids_q(grids), status=Status.HANDLED)
        .exclude(lead_user=user)
        .select_related("item", "region")
        .order_by("due_at", "pk")
    )


# -- pages -----------------------------------------------------------------------------------


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """My grid at a glance."""
    grids = my_grids(request.user)
    if not grids:
        return _not_for_you(request)
    now = timezone.now()
    in_grids = selectors.visible_cases(request.user).filter(
        _grids_q(grids), status__in=[s.value for s in OPEN]
    )
    counts = in_grids.aggregate(
        total=Count("pk"),
        red=Count("pk", filter=selectors.light_q("red", now)),
        yellow=Count("pk", filter=selectors.light_q("yellow", now)),
        green=Count("pk", filter=selectors.light_q("green", now)),
    )
    tasks = selectors.work_queue(request.user).count()
    verify = _verification_queue(request.user, grids).count()
    geojson = _grid_geojson(request.user, grids)
    return render(
        request,
        "web/mobile/home.html",
        {
            "grids": grids,
            "households": sum(g.households for g in grids),
            "population": sum(g.population for g in grids),
            "counts": counts,
            "tasks": tasks + verify,
            "buildings": sum(f["geometry"]["type"] == "Point" for f in geojson["features"]),
            "geojson": geojson,
            "tab": "home",
        },
    )


@login_required
def report(request: HttpRequest) -> HttpResponse:
    """The report form; its script sends to the JSON API or keeps a draft when offline."""
    grids = my_grids(request.user)
    if not grids:
        return _not_for_you(request)
    boards = [
        {"code": b.code, "name": b.name}
        for b in Board.objects.filter(is_active=True).order_by("sort_order", "code")
    ]
    items = [
        {"code": code, "name": name, "board": board}
        for code, name, board in Item.objects.filter(is_active=True, board__is_active=True)
        .order_by("board__sort_order", "code")
        .values_list("code", "name", "board__code")
    ]
    return render(
        request,
        "web/mobile/report.html",
        {
            "grids": grids,
            "catalogue": {"boards": boards, "items": items},
            "geojson": _grid_geojson(request.user, grids),
            "config": {
                "user": request.user.pk,
                "region": grids[0].path,
                "casesUrl": "/api/v1/cases",
                "caseUrl": reverse("mobile-case", args=["NUMBER"]),
                "messages": _report_messages(),
            },
            "tab": "report",
        },
    )


def _report_messages() -> dict[str, str]:
    """The report script's texts ({name} marks a value the script fills in)."""
    return {
        "locating": _("正在获取当前位置…"),
        "located": _("已定位：{lng}, {lat}"),
        "accuracy": _("（精度约 {accuracy} 米）"),
        "picked": _("已在地图上选定：{lng}, {lat}"),
        "locateFailed": _("未能获取位置，请在地图上点选事发位置；不选则按本网格上报。"),
        "outside": _("该位置不在您的网格内，请在地图上点选事发位置。"),
        "required": _("此项必填"),
        "invalid": _("请检查标红的内容"),
        "submit": _("上报"),
        "sending": _("正在上报…"),
        "sent": _("上报成功，案件编号"),
        "draftSent": _("草稿已发送，案件编号"),
        "offlineSaved": _("当前没有网络，已保存为草稿，联网后自动发送。"),
        "loginExpired": _("登录已过期，草稿已保存；请重新登录后发送。"),
        "serverError": _("服务器暂时无法处理，已保存为草稿，稍后自动重试。"),
        "photoRefused": _("照片未能上传：{message}"),
        "noStorage": _("此浏览器无法保存草稿。"),
        "noDrafts": _("没有草稿"),
        "draftsCount": _("{n} 条"),
        "draftWaiting": _("待发送"),
        "draftPhoto": _("已上报，照片待补传"),
        "draftError": _("未发送：{message}"),
        "withPhoto": _("含照片"),
        "remove": _("删除"),
        "confirmRemove": _("确定删除这条草稿吗？"),
    }


@login_required
def tasks(request: HttpRequest) -> HttpResponse:
    """What waits for me (soonest due first) and my grids' cases to verify on site."""
    grids = my_grids(request.user)
    if not grids:
        return _not_for_you(request)
    now = timezone.now()
    queue = list(selectors.work_queue(request.user).select_related("item", "region")[:LIST_LIMIT])
    seen = {case.pk for case in queue}
    verify = [
        case
        for case in _verification_queue(request.user, grids)[:LIST_LIMIT]
        if case.pk not in seen
    ]
    return render(
        request,
        "web/mobile/tasks.html",
        {
            "queue": [_row(case, now) for case in queue],
            "verify": [_row(case, now) for case in verify],
            "tab": "tasks",
        },
    )


def _get_case(request: HttpRequest, number: str) -> Case:
    if not NUMBER.fullmatch(number):
        raise Http404
    case = selectors.get_case(request.user, number)
    if case is None:
        raise Http404(_("案件不存在或不在您的辖区内"))
    return case


def _action_forms(
    request: HttpRequest,
    case: Case,
    *,
    failed: Action | None = None,
    errors: dict[str, list[str]] | None = None,
) -> list[dict[str, Any]]:
    errors = errors or {}
    forms = []
    for action in selectors.allowed_actions(request.user, case):
        fields = ACTION_FORMS.get(action)
        if fields is None:
            continue
        if action == Action.REQUEST_EXTENSION and case.pending_extension is not None:
            continue  # one request at a time; the panel says it is pending
        if action == Action.RESPOND and not case.supervision:
            continue  # a response answers a supervision
        mine = action == failed
        names = {f.name for f in fields}
        forms.append(
            {
                "action": action.value,
                "label": ActionChoice(action).label,
                "style": "danger" if action in DANGER else "quiet" if action in QUIET else "",
                "url": reverse("mobile-act", args=[case.number, action.value]),
                "open": mine,
                "multipart": any(f.kind == "photos" for f in fields),
                "fields": [
                    {
                        "name": f.name,
                        "label": f.label,
                        "kind": f.kind,
                        "required": f.required,
                        "value": request.POST.get(f.name, "") if mine else "",
                        "errors": errors.get(f.name, []) if mine else [],
                        "unit": LimitUnit(case.step_unit).label
                        if f.kind == "number" and case.step_unit
                        else "",
                    }
                    for f in fields
                ],
                "errors": [
                    message
                    for name, items in errors.items()
                    if name not in names
                    for message in items
                ]
                if mine
                else [],
            }
        )
    return forms


def _panel_context(
    request: HttpRequest,
    case: Case,
    *,
    failed: Action | None = None,
    errors: dict[str, list[str]] | None = None,
    done: str = "",
) -> dict[str, Any]:
    now = timezone.now()
    events = list(case.events.select_related("actor").order_by("-seq")[:30])
    forms = _action_forms(request, case, failed=failed, errors=errors)
    shown = failed is not None and any(f["action"] == failed.value for f in forms)
    return {
        "case": case,
        "row": _row(case, now),
        "forms": forms,
        # The errors of an action whose form is no longer offered (the case moved on).
        "errors": [m for items in (errors or {}).values() for m in items] if not shown else [],
        "events": [
            {
                "label": ActionChoice(e.action).label,
                "at": e.at,
                "actor": (e.actor.full_name or e.actor.username) if e.actor else _("系统"),
                "note": e.note,
            }
            for e in events
        ],
        "photos": [photo_url(a) for a in case.attachments.order_by("created_at", "pk")],
        "done": done,
        "pending_extension": case.pending_extension,
        "unit_label": LimitUnit(case.step_unit).label if case.step_unit else "",
    }


def _page_context(request: HttpRequest, case: Case) -> dict[str, Any]:
    """The case page around the panel: a small map of the place when the case has a point."""
    geojson = None
    if case.lng is not None and case.lat is not None:
        geojson = _grid_geojson(request.user, [case.region] if case.region.is_grid else [])
        geojson["features"].append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [case.lng, case.lat]},
                "properties": {"case": True, "name": case.title},
            }
        )
    return {"geojson": geojson, "tab": "tasks"}


@login_required
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    if not my_grids(request.user):
        return _not_for_you(request)
    case = _get_case(request, number)
    return render(
        request,
        "web/mobile/case.html",
        {**_panel_context(request, case), **_page_context(request, case)},
    )


@login_required
@require_POST
def case_act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """Take one action from the case page (htmx swaps the panel; without it, redirect)."""
    if not my_grids(request.user):
        return _not_for_you(request)
    try:
        chosen = Action(action)
    except ValueError:
        raise Http404 from None
    if chosen not in ACTION_FORMS:
        raise Http404
    case = _get_case(request, number)
    payload = {
        f.name: request.POST.get(f.name, "").strip()
        for f in ACTION_FORMS[chosen]
        if f.kind != "photos" and (f.required or request.POST.get(f.name, "").strip())
    }
    photos = request.FILES.getlist("photos")
    raw_version = request.POST.get("expected_version", "")
    errors: dict[str, list[str]] = {}
    if len(photos) > 6:
        errors["photos"] = [_("一次最多上传 6 张照片")]
    else:
        try:
            services.act(
                case=case.number,
                user=request.user,  # type: ignore[arg-type]
                action=chosen,
                payload=payload,
                photos=photos,
                expected_version=int(raw_version) if raw_version.isdigit() else None,
            )
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        except (CaseConflict, CaseForbidden) as exc:
            errors = {"__all__": [exc.message]}
        except CaseNotFound:
            raise Http404 from None
    htmx = request.headers.get("HX-Request") == "true"
    done = "" if errors else _("已%(action)s") % {"action": ActionChoice(chosen).label}
    if not errors and not htmx:
        messages.success(request, done)
        return redirect("mobile-case", number=case.number)
    case = _get_case(request, number)
    context = _panel_context(request, case, failed=chosen, errors=errors, done=done)
    if htmx:
        return render(request, "web/mobile/_case_panel.html", context)
    return render(
        request, "web/mobile/case.html", {**context, **_page_context(request, case)}, status=400
    )


# -- the installable app ---------------------------------------------------------------------


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    data = {
        "name": _("网格通"),
        "short_name": _("网格通"),
        "description": _("网格员掌上工作台：上报、待办、核查"),
        "lang": "zh-CN",
        "start_url": reverse("mobile-home"),
        "scope": reverse("mobile-home"),
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#f5f6f8",
        "theme_color": "#b8202e",
        "icons": [
            {
                "src": static(f"gridgov/mobile/icon-{n}.png"),
                "sizes": f"{n}x{n}",
                "type": "image/png",
            }
            for n in (192, 512)
        ],
    }
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False), content_type="application/manifest+json"
    )
    response["Cache-Control"] = "no-cache"
    return response


@lru_cache(maxsize=1)
def _shell() -> tuple[str, tuple[str, ...]]:
    """The version (a hash of the assets' contents) and the URLs of the app shell's assets."""
    digest = hashlib.sha256()
    urls = []
    for asset in SHELL_ASSETS:
        url = static(asset)
        urls.append(url)
        digest.update(url.encode())
        found = finders.find(asset)
        if isinstance(found, str):
            with open(found, "rb") as handle:
                digest.update(handle.read())
    return digest.hexdigest()[:12], tuple(urls)


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    version, assets = _shell()
    scope = reverse("mobile-home")
    config = {
        "version": version,
        "assets": list(assets),
        "scope": scope,
        "worker": reverse("mobile-sw"),
        "static": settings.STATIC_URL,
        "offline": scope,
        "offlineText": _("网络不可用，且此页面没有离线副本。"),
    }
    response = render(
        request,
        "web/mobile/sw.js",
        {"config": config, "config_json": json.dumps(config, ensure_ascii=False)},
        content_type="text/javascript; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = scope
    return response


@never_cache
@login_required
def grid_geojson(request: HttpRequest) -> JsonResponse:
    """My grids and their buildings, as GeoJSON (the pages embed it; apps may fetch it)."""
    grids = my_grids(request.user)
    return JsonResponse(_grid_geojson(request.user, grids))
