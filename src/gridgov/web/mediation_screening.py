"""Workbench pages of dispute screening (矛盾纠纷排查) at ``/work/mediation/screening/``: the
campaigns (and a new one, for the operators of a county or township), a campaign with its
summary (零报告 / 有纠纷 / 未报 / 待报), the per-grid table and the map of the grids coloured by
their state, and the report form of a grid worker or grid chief (nothing found, or the
disputes found in the grid).

Reads through ``mediation.selectors`` (a campaign outside what the user sees: 404), writes
through ``mediation.services`` (403 for a wrong role, field errors on the form, a second report
of a grid: 409 above the form)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gridgov.mediation import access, selectors, services
from gridgov.mediation.models import Campaign, ScreeningReport
from gridgov.regions import selectors as regions
from gridgov.regions.choices import Level
from gridgov.web import ops as o
from gridgov.web import registry as base
from gridgov.web.mediation_petitions import _marked
from gridgov.web.mediation_room import attempt
from gridgov.web.ops_forms import BLANK, _area, _date, _select, _text

GRIDS_PAGE = 50
REPORT_GRIDS_LIMIT = 30  # the report form lists the grids one may still report for
DISPUTES_LIMIT = 200
# a grid's screening state → the map's colour class and the legend's words
STATE_CLASS = {
    selectors.NIL: "good",
    selectors.FOUND: "warn",
    selectors.MISSING: "bad",
    selectors.PENDING: "none",
}
STATE_NAMES = {
    selectors.NIL: gettext_lazy("零报告"),
    selectors.FOUND: gettext_lazy("有纠纷"),
    selectors.MISSING: gettext_lazy("未报"),
    selectors.PENDING: gettext_lazy("待报"),
}


# -- forms -----------------------------------------------------------------------------------


class CampaignForm(forms.Form):
    region = _marked(_select(gettext_lazy("组织单位（区划）")))
    title = _marked(_text(gettext_lazy("排查名称"), max_length=80))
    starts_on = _date(gettext_lazy("开始日期"), required=True)
    ends_on = _date(gettext_lazy("结束日期"), required=True)
    due_on = _date(gettext_lazy("上报截止日期"))

    def __init__(self, *args: Any, places: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].widget.choices = BLANK + list(places)


class ReportForm(forms.Form):
    grid = _select(gettext_lazy("网格"), required=True)
    nil = forms.TypedChoiceField(
        label=gettext_lazy("排查结果"),
        choices=[
            ("1", gettext_lazy("零报告（未发现矛盾纠纷）")),
            ("0", gettext_lazy("发现矛盾纠纷")),
        ],
        coerce=lambda v: v == "1",
        initial="1",
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("请选择排查结果")},
    )
    disputes = forms.MultipleChoiceField(
        label=gettext_lazy("排查发现的纠纷"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": gettext_lazy("请选择本网格已登记的纠纷")},
    )
    note = _area(gettext_lazy("排查情况"), max_length=500)

    def __init__(self, *args: Any, grids: Any, disputes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grid"].widget.choices = BLANK + list(grids)
        self.fields["disputes"].choices = list(disputes)  # type: ignore[attr-defined]
        if not disputes:
            self.fields["disputes"].help_text = _("本网格还没有登记的矛盾纠纷")


# -- helpers ---------------------------------------------------------------------------------


def organiser_choices(user: Any) -> list[tuple[str, str]]:
    """The counties and townships in which the user may organise a screening."""
    rows = regions.visible_regions(user).filter(
        level__in=[Level.COUNTY, Level.TOWNSHIP], is_active=True
    )
    return [
        (r.path, r.name)
        for r in rows.order_by("path")[:500]
        if access.may(user, access.ORGANISE, r.path)
    ]


def get_campaign(user: Any, pk: int) -> Campaign:
    found = selectors.campaigns(user).filter(pk=pk).first()
    if found is None:
        raise Http404(_("记录不存在或不在您的辖区内"))
    return found


def phase(campaign: Campaign, today: Any) -> str:
    if today < campaign.starts_on:
        return str(_("未开始"))
    if today <= campaign.due_on:
        return str(_("进行中"))
    return str(_("已截止"))


def reportable(user: Any, rows: list[selectors.GridScreening]) -> list[selectors.GridScreening]:
    """The grids not yet reported in which the user may report."""
    return [
        row
        for row in rows
        if row.report is None and access.may(user, access.MEDIATE, row.grid.path)
    ]


def by_child(campaign: Campaign, rows: list[selectors.GridScreening]) -> list[dict[str, Any]]:
    """The grids' states added up into the campaign region's children (the townships of a
    county, the villages of a township); nothing for a village's campaign."""
    from gridgov.regions import codes
    from gridgov.regions.models import Region

    width = len(campaign.region_path)
    child = next((w for w in sorted(codes.PATH_WIDTH.values()) if w > width), 0)
    if child >= codes.PATH_WIDTH[Level.GRID] or not child:
        return []
    sums: dict[str, dict[str, int]] = {}
    for row in rows:
        counts = sums.setdefault(row.grid.path[:child], dict.fromkeys(selectors.STATES, 0))
        counts[row.state] += 1
    names = dict(Region.objects.filter(path__in=list(sums)).values_list("path", "name"))
    return [
        {"path": path, "name": names.get(path, path), "grids": sum(c.values()), **c}
        for path, c in sorted(sums.items())
    ]


def dispute_choices(user: Any, grids: list[Any]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for grid in grids:
        for dispute in selectors.grid_disputes(user, grid)[:DISPUTES_LIMIT]:
            label = f"{dispute.case.number} {dispute.case.title}"
            if len(grids) > 1:
                label = f"{grid.name} · {label}"
            out.append((str(dispute.pk), label))
    return out


# -- campaigns -------------------------------------------------------------------------------


def _list_context(request: HttpRequest, form: CampaignForm | None = None) -> dict[str, Any]:
    user = request.user
    today = timezone.localdate()
    rows = (
        selectors.campaigns(user).annotate(reported=Count("reports")).order_by("-starts_on", "-pk")
    )
    page = base.paginate(request, rows)
    places = organiser_choices(user)
    context: dict[str, Any] = {
        "page": page,
        "rows": [(cp, phase(cp, today)) for cp in page.object_list],
        "total": page.paginator.count,
        "query": base.query_without_page(request),
        "section": "screening",
        "open": bool(form),
        "new_url": reverse("mediation-screening-new"),
    }
    if places:
        context["form"] = form or CampaignForm(
            places=places,
            initial={
                "region": places[0][0],
                "starts_on": today,
                "ends_on": today + dt.timedelta(days=6),
            },
        )
    return context


@login_required
@require_GET
def campaigns_list(request: HttpRequest) -> HttpResponse:
    return o.page(request, "web/mediation/screening_list.html", _list_context(request))


@login_required
@require_http_methods(["GET", "POST"])
def campaign_new(request: HttpRequest) -> HttpResponse:
    """A new screening campaign (operators of a county or township)."""
    user = request.user
    places = organiser_choices(user)
    if not places:
        raise PermissionDenied(_("您的岗位不能组织矛盾纠纷排查"))
    if request.method == "GET":
        context = _list_context(request)
        context["open"] = True
        return o.page(request, "web/mediation/screening_list.html", context)
    form = CampaignForm(request.POST, places=places)

    def call() -> Campaign:
        data = form.cleaned_data
        region = regions.visible_regions(user).filter(path=data["region"] or "-").first()
        if region is None or region.path not in dict(places):
            raise ValidationError({"region": _("请选择县（市）或乡镇（街道）")})
        return services.create_campaign(
            actor=o.staff(request),
            region=region,
            title=data["title"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            due_on=data.get("due_on"),
        )

    campaign, status = attempt(form, call)
    if campaign is not None:
        to = reverse("mediation-screening-campaign", args=[campaign.pk])
        return o.done(request, _("已发起排查：%(t)s") % {"t": campaign.title}, to)
    return o.form_error(
        request,
        form,
        reverse("mediation-screening-new"),
        status,
        lambda: o.page(request, "web/mediation/screening_list.html", _list_context(request, form)),
        submit=_("发起排查"),
    )


# -- one campaign ----------------------------------------------------------------------------


def _campaign_context(
    request: HttpRequest, campaign: Campaign, form: ReportForm | None = None
) -> dict[str, Any]:
    user = request.user
    today = timezone.localdate()
    rows = selectors.screening(user, campaign, today=today)
    summary = selectors.screening_summary(rows)
    shown = request.GET.get("state") or ""
    listed = [r for r in rows if r.state == shown] if shown in selectors.STATES else rows
    page = Paginator(listed, GRIDS_PAGE).get_page(request.GET.get("page"))
    open_rows = reportable(user, rows)
    children = by_child(campaign, rows)
    context: dict[str, Any] = {
        "campaign": campaign,
        "phase": phase(campaign, today),
        "summary": summary,
        "cards": [
            (key, STATE_NAMES[key], STATE_CLASS[key], summary[key]) for key in selectors.STATES
        ],
        "rows": [
            {"row": r, "name": STATE_NAMES[r.state], "cls": STATE_CLASS[r.state]}
            for r in page.object_list
        ],
        "page": page,
        "children": children if len(children) > 1 else [],
        "shown": shown,
        "query": f"state={shown}" if shown else "",
        "map": {
            "layer": reverse("mediation-screening-map", args=[campaign.pk]),
            "tiles": o.tile_url(),
            "labels": {
                "empty": _("该区域没有网格边界"),
                "legend": [(STATE_CLASS[k], STATE_NAMES[k]) for k in selectors.STATES],
            },
        },
        "section": "screening",
        "open_count": len(open_rows),
        "report_url": reverse("mediation-screening-report", args=[campaign.pk]),
    }
    if open_rows and len(open_rows) <= REPORT_GRIDS_LIMIT:
        grids = [r.grid for r in open_rows]
        context["report_form"] = form or ReportForm(
            grids=[(g.path, g.name) for g in grids],
            disputes=dispute_choices(user, grids),
            initial={"grid": grids[0].path if len(grids) == 1 else "", "nil": "1"},
        )
    elif form is not None:
        context["report_form"] = form
    return context


@login_required
@require_GET
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_campaign(request.user, pk)
    return o.page(request, "web/mediation/screening.html", _campaign_context(request, campaign))


@login_required
@require_GET
def campaign_map(request: HttpRequest, pk: int) -> JsonResponse:
    """The campaign's grids that the user sees, as GeoJSON outlines with their screening
    state (``screening``: nil / found / missing / pending), the map's colour class and popup
    lines."""
    user = request.user
    campaign = get_campaign(user, pk)
    features = []
    for row in selectors.screening(user, campaign):
        if not row.grid.geometry:
            continue
        lines = [[str(_("排查状态")), str(STATE_NAMES[row.state])]]
        if row.report is not None:
            reported = timezone.localtime(row.report.reported_at).strftime("%Y-%m-%d %H:%M")
            lines.append([str(_("上报时间")), reported])
            if row.report.late:
                lines.append([str(_("逾期上报")), str(_("是"))])
            if row.state == selectors.FOUND:
                lines.append([str(_("发现纠纷")), str(row.disputes)])
        features.append(
            {
                "type": "Feature",
                "geometry": row.grid.geometry,
                "properties": {
                    "path": row.grid.path,
                    "name": row.grid.name,
                    "screening": row.state,
                    "state": STATE_CLASS[row.state],
                    "lines": lines,
                },
            }
        )
    response = JsonResponse({"type": "FeatureCollection", "features": features})
    base.no_store(response)
    return response


@login_required
@require_POST
def campaign_report(request: HttpRequest, pk: int) -> HttpResponse:
    """A grid's report: 零报告, or the disputes found in the grid."""
    user = request.user
    campaign = get_campaign(user, pk)
    rows = selectors.screening(user, campaign)
    mine = [r.grid for r in rows if access.may(user, access.MEDIATE, r.grid.path)]
    if not mine:
        raise PermissionDenied(_("您的岗位不能办理此项"))
    by_path = {g.path: g for g in mine}
    chosen = by_path.get(str(request.POST.get("grid") or ""))
    form = ReportForm(
        request.POST,
        grids=[(g.path, g.name) for g in mine],
        disputes=dispute_choices(user, [chosen]) if chosen is not None else [],
    )

    def call() -> ScreeningReport:
        data = form.cleaned_data
        grid = by_path.get(data["grid"])
        if grid is None:
            raise ValidationError({"grid": _("请选择本次排查范围内的网格")})
        found = list(
            selectors.grid_disputes(user, grid).filter(pk__in=[int(x) for x in data["disputes"]])
        )
        if len(found) != len(data["disputes"]):
            raise ValidationError({"disputes": _("只能登记本网格的纠纷")})
        return services.report_screening(
            actor=o.staff(request),
            campaign=campaign,
            grid=grid,
            nil=bool(data["nil"]),
            disputes=found,
            note=data.get("note") or "",
        )

    report, status = attempt(form, call)
    back = reverse("mediation-screening-campaign", args=[pk])
    if report is not None:
        return o.done(request, _("%(g)s 已上报排查结果") % {"g": report.grid.name}, back)
    return o.form_error(
        request,
        form,
        reverse("mediation-screening-report", args=[pk]),
        status,
        lambda: o.page(
            request, "web/mediation/screening.html", _campaign_context(request, campaign, form)
        ),
        submit=_("上报"),
    )
