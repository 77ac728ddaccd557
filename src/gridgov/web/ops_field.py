"""Workbench pages of the field work itself: check-ins (考勤签到: list with anomalies, and the
month's check-in coverage map), patrols (巡查: list, and one patrol's track drawn on its grid
with distance, duration, points and the cases reported during it) and patrol plans (巡查计划:
per grid, new / end, and the month's plan coverage map and table)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gridgov.cases.models import Case
from gridgov.core.jurisdiction import restrict
from gridgov.ops import selectors, services
from gridgov.ops.models import Patrol, PatrolPlan
from gridgov.regions import selectors as regions
from gridgov.web import ops as o
from gridgov.web import registry as base
from gridgov.web.ops_forms import CheckInFilterForm, EndPlanForm, PatrolFilterForm, PlanForm

PLANS_SHOWN = 300

# -- check-ins -------------------------------------------------------------------------------


@login_required
@require_GET
def checkins_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    region = o.filter_region(request)
    form = CheckInFilterForm(request.GET or None, regions=o.region_choices(user))
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    rows = selectors.checkins(
        user,
        region=region,
        day_from=data.get("day_from"),
        day_to=data.get("day_to"),
        anomalies=bool(data.get("anomalies")),
    )
    page = base.paginate(request, rows)
    return o.page(
        request,
        "web/ops/checkins.html",
        {
            "form": form,
            "page": page,
            "rows": list(page.object_list),
            "total": page.paginator.count,
            "query": base.query_without_page(request),
            "section": "checkins",
        },
    )


@login_required
@require_GET
def checkins_map(request: HttpRequest) -> HttpResponse:
    """The month's check-in rate of each grid under the region, as a map and a table."""
    from gridgov.ops import figures

    user = request.user
    region = o.chosen_region(request)
    month, span = o.month_of(request)
    rows, added = o.child_rows(
        figures.checkin_coverage(user, region.path, span) if region else [], region
    )
    return o.page(
        request,
        "web/ops/checkins_map.html",
        {
            "region": region,
            "regions": o.region_choices(user),
            "month": month,
            "rows": rows,
            "added": added,
            "map": o.map_config(request, region, "checkins", month) if region else None,
            "section": "checkins",
        },
    )


# -- patrols ---------------------------------------------------------------------------------


@login_required
@require_GET
def patrols_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    region = o.filter_region(request)
    form = PatrolFilterForm(request.GET or None, regions=o.region_choices(user))
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    rows = selectors.patrols(
        user,
        region=region,
        day_from=data.get("day_from"),
        day_to=data.get("day_to"),
        state=data.get("state") or "",
    )
    page = base.paginate(request, rows)
    return o.page(
        request,
        "web/ops/patrols.html",
        {
            "form": form,
            "page": page,
            "rows": list(page.object_list),
            "total": page.paginator.count,
            "query": base.query_without_page(request),
            "section": "patrols",
        },
    )


def _cases(user: Any, patrol: Patrol) -> list[Case]:
    return list(restrict(Case.objects.filter(patrol=patrol), user).order_by("created_at"))


@login_required
@require_GET
def patrol_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    patrol = selectors.get_patrol(user, pk)
    config = {
        "track": reverse("ops-patrol-track", args=[patrol.pk]),
        "tiles": o.tile_url(),
        "labels": {
            "start": _("起点"),
            "end": _("终点"),
            "last": _("当前位置"),
            "empty": _("没有轨迹点"),
            "grid": _("网格"),
        },
    }
    return o.page(
        request,
        "web/ops/patrol.html",
        {
            "patrol": patrol,
            "km": round(patrol.distance_m / 1000, 2),
            "minutes": patrol.duration_s // 60,
            "cases": _cases(user, patrol),
            "map": config,
            "section": "patrols",
        },
    )


@login_required
@require_GET
def patrol_track(request: HttpRequest, pk: int) -> JsonResponse:
    """The patrol's grid outline and its track (a LineString, WGS-84) as GeoJSON."""
    patrol = selectors.get_patrol(request.user, pk)
    features: list[dict[str, Any]] = []
    if patrol.grid.geometry:
        features.append(
            {
                "type": "Feature",
                "geometry": patrol.grid.geometry,
                "properties": {"kind": "grid", "name": patrol.grid.name},
            }
        )
    points = selectors.track(patrol)
    if points:
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[lng, lat] for lng, lat, _at in points],
                },
                "properties": {
                    "kind": "track",
                    "times": [timezone.localtime(at).strftime("%H:%M:%S") for _x, _y, at in points],
                },
            }
        )
    response = JsonResponse({"type": "FeatureCollection", "features": features})
    base.no_store(response)
    return response


# -- plans -----------------------------------------------------------------------------------


def _plans_context(
    request: HttpRequest, form: PlanForm | None = None, end_forms: dict[int, Any] | None = None
) -> dict[str, Any]:
    from gridgov.ops import figures

    user = request.user
    region = o.chosen_region(request)
    month, span = o.month_of(request)
    path = region.path if region else ""
    coverage, added = o.child_rows(
        figures.plan_coverage(user, path, span) if region else [], region
    )
    # the current plans one by one under a village; above it the coverage table is enough
    listed = region is not None and not added
    current = selectors.plans(user, region=path, current=True) if listed else None
    rows = list(current[:PLANS_SHOWN]) if current is not None else []
    context: dict[str, Any] = {
        "region": region,
        "regions": o.region_choices(user),
        "month": month,
        "plans": [(plan, o.may_manage(user, plan.region_path)) for plan in rows],
        "plans_total": current.count() if current is not None else 0,
        "coverage": coverage,
        "added": added,
        "end_forms": end_forms or {},
        "today": timezone.localdate(),
        "map": o.map_config(request, region, "plans", month) if region else None,
        "may_manage": bool(region) and o.may_manage_anywhere(user),
        "open": "plan" if form else "",
        "section": "plans",
    }
    if context["may_manage"]:
        context["plan_form"] = form or PlanForm(
            grids=o.grid_choices(user, under=path),
            initial={
                "times": 1,
                "period": "working_day",
                "starts_on": timezone.localdate(),
                "min_minutes": 30,
                "min_distance_m": 500,
            },
        )
    return context


@login_required
@require_http_methods(["GET", "POST"])
def plans(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "GET":
        return o.page(request, "web/ops/plans.html", _plans_context(request))
    if not o.may_manage_anywhere(user):
        raise PermissionDenied(_("您的岗位只能查看，不能修改"))
    region = o.chosen_region(request)
    form = PlanForm(request.POST, grids=o.grid_choices(user, under=region.path if region else ""))

    def call() -> PatrolPlan:
        data = form.cleaned_data
        grid = regions.visible_regions(user).filter(path=data["grid"]).first()
        if grid is None:
            raise ValidationError({"grid": _("请选择网格")})
        minutes, metres = data.get("min_minutes"), data.get("min_distance_m")
        return services.create_plan(
            actor=o.staff(request),
            grid=grid,
            times=data["times"],
            period=data["period"],
            starts_on=data["starts_on"],
            min_minutes=30 if minutes is None else minutes,
            min_distance_m=500 if metres is None else metres,
            note=data.get("note") or "",
        )

    plan, status = o.attempt(form, call)
    back = request.get_full_path()
    if plan is not None:
        return o.done(request, _("已制定 %(grid)s 的巡查计划") % {"grid": plan.grid.name}, back)
    return o.form_error(
        request,
        form,
        back,
        status,
        lambda: o.page(request, "web/ops/plans.html", _plans_context(request, form)),
    )


@login_required
@require_POST
def plan_end(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    plan = selectors.plans(user).filter(pk=pk).first()
    if plan is None:
        raise Http404(_("记录不存在或不在您的辖区内"))
    if not o.may_manage(user, plan.region_path):
        raise PermissionDenied(_("您的岗位只能查看，不能修改"))
    form = EndPlanForm(request.POST)
    action = reverse("ops-plan-end", args=[pk])
    result, status = o.attempt(
        form,
        lambda: services.end_plan(
            actor=o.staff(request), plan=plan, ends_on=form.cleaned_data["ends_on"]
        ),
    )
    if result is not None:
        return o.done(request, _("已结束巡查计划"), reverse("ops-plans"))
    return o.form_error(
        request,
        form,
        action,
        status,
        lambda: o.page(
            request, "web/ops/plans.html", _plans_context(request, end_forms={pk: form})
        ),
        submit=_("结束计划"),
    )
