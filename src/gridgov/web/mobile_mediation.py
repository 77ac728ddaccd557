"""网格通 · 矛盾纠纷排查: the screening campaigns open for the grids of a grid worker or grid
chief, at ``/m/screening/``, each grid's state (零报告 / 有纠纷 / 待报 / 未报, and when it
reported), and the report: 零报告 in one tap, or the registered disputes found in the grid,
through ``mediation.services.report_screening``.

Only the user's own grids appear (``mediation.selectors.screening_grids``); another grid or a
campaign not covering theirs is 404, an account without a grid-worker or grid-chief post gets
a clear page (403).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from gridgov.cases.permissions import current_posts
from gridgov.core.apiutil import throttle
from gridgov.core.ratelimit import RateLimited
from gridgov.mediation import selectors, services
from gridgov.mediation.errors import MediationConflict
from gridgov.mediation.models import Campaign
from gridgov.regions.models import Region

LIST_LIMIT = 50  # disputes offered in a report


def _refused(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/mobile/screening_refused.html",
        {"posts": current_posts(request.user)},
        status=403,
    )


def _label(state: str) -> str:
    return str(
        {
            selectors.NIL: _("零报告"),
            selectors.FOUND: _("有纠纷"),
            selectors.MISSING: _("未报（已过截止日期）"),
            selectors.PENDING: _("待报"),
        }[state]
    )


def _rows(user: Any, campaign: Campaign, grids: list[Region]) -> list[dict[str, Any]]:
    mine = {grid.path for grid in grids}
    return [
        {
            "grid": row.grid,
            "state": row.state,
            "label": _label(row.state),
            "report": row.report,
            "disputes": row.disputes,
            "late": row.report is not None and row.report.late,
        }
        for row in selectors.screening(user, campaign)
        if row.grid.path in mine
    ]


@login_required
@require_GET
def screening(request: HttpRequest) -> HttpResponse:
    """The open campaigns and whether each of my grids has reported."""
    grids = selectors.screening_grids(request.user)
    if not grids:
        return _refused(request)
    found = selectors.open_campaigns(request.user, grids)
    return render(
        request,
        "web/mobile/screening.html",
        {
            "campaigns": [{"campaign": c, "rows": _rows(request.user, c, grids)} for c in found],
            "today": timezone.localdate(),
            "tab": "home",
        },
    )


def _campaign_and_grid(request: HttpRequest, pk: int, path: str) -> tuple[Campaign, Region]:
    grids = selectors.screening_grids(request.user)
    if not grids:
        raise PermissionDenied(_("您不是网格员或网格长"))
    grid = next((g for g in grids if g.path == path), None)
    campaign = next((c for c in selectors.open_campaigns(request.user, grids) if c.pk == pk), None)
    if grid is None or campaign is None or not grid.path.startswith(campaign.region_path):
        raise Http404(_("未找到该排查或网格"))
    return campaign, grid


@login_required
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, pk: int, path: str) -> HttpResponse:
    """One grid's report: 零报告 (``nil=1``) or the disputes found (``disputes``), with a note."""
    try:
        campaign, grid = _campaign_and_grid(request, pk, path)
    except PermissionDenied:
        return _refused(request)
    disputes = list(selectors.grid_disputes(request.user, grid)[:LIST_LIMIT])
    done = campaign.reports.filter(grid=grid).prefetch_related("disputes").first()
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {"note": "", "disputes": []}
    status = 200
    if request.method == "POST" and done is None:
        nil = request.POST.get("nil") == "1"
        chosen = request.POST.getlist("disputes")
        values = {"note": request.POST.get("note", "").strip(), "disputes": chosen}
        by_id = {str(d.pk): d for d in disputes}
        picked = [by_id[x] for x in dict.fromkeys(chosen) if x in by_id]
        if len(picked) != len(set(chosen)):
            errors["disputes"] = [_("只能选择本网格登记的纠纷")]
        else:
            try:
                throttle(
                    request,
                    "screening-report",
                    account=str(request.user.pk),
                    ip_limit=(30, 600),
                    account_limit=(20, 600),
                )
                services.report_screening(
                    actor=request.user,
                    campaign=campaign,
                    grid=grid,
                    nil=nil,
                    disputes=picked,
                    note=values["note"],
                )
            except RateLimited as exc:
                minutes = max(1, (exc.retry_after + 59) // 60)
                errors["form"] = [_("操作过于频繁，请 %(m)s 分钟后再试。") % {"m": minutes}]
                status = 429
            except ValidationError as exc:
                for name, found in exc.message_dict.items():
                    errors.setdefault(name if name in ("disputes", "note") else "form", []).extend(
                        found
                    )
            except MediationConflict as exc:
                errors["form"] = [exc.message]
                status = 409
            except PermissionDenied as exc:
                errors["form"] = [str(exc) or _("您的岗位不能办理此项")]
                status = 403
            else:
                if nil:
                    messages.success(request, _("%(grid)s 已零报告") % {"grid": grid.name})
                else:
                    messages.success(
                        request,
                        _("%(grid)s 已上报 %(n)s 件纠纷") % {"grid": grid.name, "n": len(picked)},
                    )
                return redirect("mobile-screening")
        if errors and status == 200:
            status = 400
    elif request.method == "POST":
        errors["form"] = [_("本网格已上报本次排查")]
        status = 409
    return render(
        request,
        "web/mobile/screening_report.html",
        {
            "campaign": campaign,
            "grid": grid,
            "report": done,
            "late": done is not None and done.late,
            "disputes": disputes,
            "values": values,
            "errors": errors,
            "today": timezone.localdate(),
            "tab": "home",
        },
        status=status,
    )
