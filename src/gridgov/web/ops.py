"""Workbench pages of field work (网格力量) at ``/work/ops/``: the overview, grid coverage, the
monthly assessment, the grid map layer, and the helpers shared by the roster
(``ops_workers``), training / leave / duty (``ops_training``) and check-in / patrol / plan
(``ops_field``) pages.

Views are thin: reads through ``ops.selectors``, ``ops.figures`` and ``ops.assessment`` (the
jurisdiction function inside: 404 outside it), writes through ``ops.services`` (403 for a wrong
role, ``ValidationError`` on the form's fields, ``OpsConflict`` above the form with status 409).
Forms are shown only where ``ops.access.may_manage`` allows. A form posted by htmx gets the form
again on an error and an ``HX-Redirect`` on success. Every page is sent
``Cache-Control: no-store`` (names, positions, masked phones)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from gridgov.metrics.figures import Span, parse_period
from gridgov.ops import access, selectors
from gridgov.ops.errors import OpsConflict
from gridgov.ops.models import Worker
from gridgov.regions import codes
from gridgov.regions import selectors as regions
from gridgov.regions.choices import Level
from gridgov.regions.models import Region
from gridgov.web import registry as base
from gridgov.web.registry_forms import apply_errors

T = TypeVar("T")
CHOICES_LIMIT = 500
MAP_GRIDS_LIMIT = 3000
RANKING_PAGE = 100

may_manage = access.may_manage
may_manage_anywhere = access.may_manage_anywhere


# -- helpers ---------------------------------------------------------------------------------


def page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """A page that no cache keeps."""
    return base.no_store(render(request, template, context, status=status))


def attempt(
    form: forms.Form, call: Callable[[], T], aliases: dict[str, str] | None = None
) -> tuple[T | None, int]:
    """Run a service call for a valid form: (result, 0) on success; a ``ValidationError`` lands
    on the form's fields (status 200), an ``OpsConflict`` above the form (409). A form with
    errors of its own is not sent to the service."""
    if not form.is_valid():
        return None, 200
    try:
        return call(), 0
    except ValidationError as exc:
        apply_errors(form, exc, aliases)
        return None, 200
    except OpsConflict as exc:
        form.add_error(None, exc.message)
        return None, 409


def done(request: HttpRequest, message: str, to: str) -> HttpResponse:
    """After a successful form: a message and a redirect (``HX-Redirect`` for htmx)."""
    messages.success(request, message)
    if base.is_htmx(request):
        response = HttpResponse(status=200)
        response["HX-Redirect"] = to
        return response
    return redirect(to)


def form_error(
    request: HttpRequest,
    form: forms.Form,
    action: str,
    status: int,
    full: Callable[[], HttpResponse],
    **extra: Any,
) -> HttpResponse:
    """A form with errors: alone for htmx (status 200 so that htmx swaps it in, the conflict
    shown above it), else the whole page with ``status``."""
    if base.is_htmx(request):
        context = {"form": form, "action": action, **extra}
        return page(request, "web/ops/_form.html", context)
    response = full()
    response.status_code = status
    return response


def staff(request: HttpRequest) -> Any:
    return base.staff(request)


def default_region(user: Any) -> Region | None:
    """The top of the user's territory (the first, for a post in several places)."""
    roots = sorted(regions.root_regions(user), key=lambda r: r.path)
    return roots[0] if roots else None


def chosen_region(request: HttpRequest, name: str = "region") -> Region | None:
    """``?region=`` (404 outside the territory, or not a path) or the top of the user's
    territory."""
    path = (request.GET.get(name) or "").strip()[:18]
    if path:
        if not path.isdigit():
            raise Http404(_("区划不存在或不在您的辖区内"))
        return regions.get_region(request.user, path)
    return default_region(request.user)


def filter_region(request: HttpRequest) -> str:
    """A list filter's ``?region=``: checked like a page's region (404 outside)."""
    path = (request.GET.get("region") or "").strip()[:18]
    if not path:
        return ""
    if not path.isdigit():
        raise Http404(_("区划不存在或不在您的辖区内"))
    return regions.get_region(request.user, path).path


def month_of(request: HttpRequest, *, to_date: bool = True) -> tuple[str, Span]:
    """``?month=YYYY-MM`` (this month when missing or not a month). With ``to_date`` the
    current month runs to today (a rate counts the days so far, not the days to come)."""
    today = timezone.localdate()
    text = (request.GET.get("month") or "").strip()[:7]
    span: Span | None = None
    if text:
        try:
            span = parse_period(text)
        except ValueError:
            span = None
        if span is not None and span.unit != "month":
            span = None
    if span is None:
        text = today.strftime("%Y-%m")
        span = parse_period(text)
    if to_date and span.start <= today < span.end:
        span = Span(span.start, today, span.unit)
    return text, span


def region_choices(user: Any) -> list[tuple[str, str]]:
    return base.region_choices(user)


def level_choices(
    user: Any, levels: Iterable[str], *, manage: bool = False, under: str = ""
) -> list[tuple[str, str]]:
    """Regions of ``levels`` the user sees (may manage), as (path, name · parent)."""
    rows = regions.visible_regions(user).filter(level__in=list(levels)).select_related("parent")
    if under:
        rows = rows.filter(path__startswith=under)
    out = []
    for region in rows.order_by("path")[: CHOICES_LIMIT * 4]:
        if manage and not may_manage(user, region.path):
            continue
        label = region.name
        if region.level == Level.GRID and region.parent is not None:
            label = f"{region.parent.name} · {region.name}"
        out.append((region.path, label))
        if len(out) >= CHOICES_LIMIT:
            break
    return out


def manager_choices(user: Any) -> list[tuple[str, str]]:
    """Regions a roster entry, a course or a session may belong to (the user manages)."""
    return level_choices(user, (Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE), manage=True)


def grid_choices(user: Any, under: str = "") -> list[tuple[str, str]]:
    return level_choices(user, (Level.GRID,), manage=True, under=under)


def worker_label(worker: Worker) -> str:
    return f"{worker.name}（{worker.get_kind_display()}）"


def worker_choices(user: Any, *, manage: bool = True, region: str = "") -> list[tuple[str, str]]:
    """Active roster entries the user sees (may manage), for a list."""
    rows = selectors.workers(user, selectors.WorkerFilter(region=region))
    out = []
    for worker in rows[: CHOICES_LIMIT * 2]:
        if manage and not may_manage(user, worker.region_path):
            continue
        out.append((str(worker.pk), worker_label(worker)))
        if len(out) >= CHOICES_LIMIT:
            break
    return out


def get(row: Any, name: str, default: Any = None) -> Any:
    """A field of a figures row (a dict or an object)."""
    if isinstance(row, dict):
        return row.get(name, default)
    return getattr(row, name, default)


def pct(numerator: Any, denominator: Any) -> float | None:
    if not denominator:
        return None
    return round(100 * float(numerator or 0) / float(denominator), 1)


ABOVE_VILLAGE = (Level.PROVINCE, Level.PREFECTURE, Level.COUNTY, Level.TOWNSHIP)


def child_rows(rows: list[Any], region: Region | None) -> tuple[list[Any], bool]:
    """Grid rows as they are under a village, else added up into the region's children (the
    townships of a county, the villages of a township): (rows, added up)."""
    if region is None or region.level not in ABOVE_VILLAGE:
        return rows, False
    from gridgov.ops import figures

    width = next(w for w in sorted(codes.PATH_WIDTH.values()) if w > len(region.path))
    return figures.by_child(rows, width), True


def own_row_only(user: Any) -> tuple[bool, Worker | None]:
    """Whether the user sees no more than their own field work, and their roster entry: a
    grid worker whose territory does not include the region that manages their entry, or a
    user without a roster entry whose territory is only grids (or buildings) and who manages
    nothing."""
    own = access.own_worker(user)
    if own is not None:
        if regions.visible_regions(user).filter(path=own.region_path).exists():
            return False, own
        return True, own
    if may_manage_anywhere(user):
        return False, None
    roots = regions.root_regions(user)
    small = bool(roots) and all(r.level in (Level.GRID, Level.BUILDING) for r in roots)
    return small, None


# -- overview --------------------------------------------------------------------------------


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    """The roster summary, today's check-ins and who is on duty, open patrols, training
    coverage and this month's plan coverage and check-in rate of the chosen region."""
    from gridgov.ops import figures

    user = request.user
    region = chosen_region(request)
    month, span = month_of(request)
    context: dict[str, Any] = {
        "region": region,
        "regions": region_choices(user),
        "section": "home",
        "month": month,
        "may_manage": may_manage_anywhere(user),
    }
    if region is not None:
        path = region.path
        today = timezone.localdate()
        summary = figures.roster_summary(user, path, today)
        todays = selectors.checkins(user, region=path, day_from=today, day_to=today)
        checkin = figures.by_child(figures.checkin_coverage(user, path, span), len(path))
        plan = figures.by_child(figures.plan_coverage(user, path, span), len(path))
        year = Span(dt.date(today.year, 1, 1), dt.date(today.year, 12, 31))
        training = figures.training_coverage(user, path, year)
        trained_workers = sum(r.workers for r in training)
        trained = sum(r.trained for r in training)
        context.update(
            summary=summary,
            today=today,
            checkins_today=todays.filter(accepted=True).count(),
            anomalies_today=todays.filter(accepted=False).count(),
            on_duty=selectors.on_duty(user, path),
            open_patrols=selectors.patrols(user, region=path, state="open").count(),
            checkin=checkin[0] if checkin else None,
            plan=plan[0] if plan else None,
            training_rate=pct(trained, trained_workers),
            trained=trained,
            trained_workers=trained_workers,
            year=today.year,
        )
    return page(request, "web/ops/home.html", context)


# -- coverage --------------------------------------------------------------------------------


@login_required
@require_GET
def coverage(request: HttpRequest) -> HttpResponse:
    """Grids with and without a current main worker under the chosen region (list + map)."""
    from gridgov.ops import figures

    user = request.user
    region = chosen_region(request)
    rows = figures.grid_coverage(user, region.path) if region is not None else []
    only = request.GET.get("show") or ""
    children: list[Any] = []
    if only == "uncovered":
        rows = [r for r in rows if r.flagged]
    else:
        # a county or township: its children added up, a click away from their grids
        children, added = child_rows(rows, region)
        if added:
            rows = []
        else:
            children = []
    return page(
        request,
        "web/ops/coverage.html",
        {
            "region": region,
            "regions": region_choices(user),
            "rows": rows,
            "children": children,
            "crumbs": regions.breadcrumbs(user, region) if region is not None else [],
            "show": only,
            "section": "coverage",
            "map": map_config(request, region, "coverage") if region is not None else None,
        },
    )


# -- the grid map layer ----------------------------------------------------------------------

LAYERS = ("coverage", "checkins", "plans")


def map_config(request: HttpRequest, region: Region, layer: str, month: str = "") -> dict[str, Any]:
    query = f"?region={region.path}&layer={layer}"
    if month:
        query += f"&month={month}"
    return {
        "layer": reverse("ops-map-layer") + query,
        "tiles": tile_url(),
        "labels": {
            "empty": _("该区域没有网格边界"),
            "legend": legend(layer),
        },
    }


def tile_url() -> str:
    from gridgov.web.screen import tile_settings

    return tile_settings()["url"]


def legend(layer: str) -> list[tuple[str, str]]:
    if layer == "coverage":
        return [("good", _("有主责网格员")), ("bad", _("无主责网格员"))]
    return [
        ("good", _("≥ 90%")),
        ("warn", _("60% – 90%")),
        ("bad", _("< 60%")),
        ("none", _("无应出勤") if layer == "checkins" else _("未制定计划")),
    ]


def _rate_class(rate: float | None) -> str:
    if rate is None:
        return "none"
    if rate >= 90:
        return "good"
    if rate >= 60:
        return "warn"
    return "bad"


def _rate_text(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:g}%"


def layer_rows(user: Any, region: Region, layer: str, span: Span) -> dict[str, dict[str, Any]]:
    """Each grid's class (good / warn / bad / none) and popup lines for ``layer``."""
    from gridgov.ops import figures

    out: dict[str, dict[str, Any]] = {}
    if layer == "coverage":
        for grid in figures.grid_coverage(user, region.path):
            lines = [[_("主责网格员"), "、".join(grid.main) or _("无")]]
            if grid.secondary:
                lines.append([_("协助"), "、".join(grid.secondary)])
            out[grid.path] = {"state": "bad" if grid.flagged else "good", "lines": lines}
    elif layer == "checkins":
        for row in figures.checkin_coverage(user, region.path, span):
            rate = _float(row.rate)
            out[row.path] = {
                "state": _rate_class(rate),
                "lines": [
                    [_("签到率"), _rate_text(rate)],
                    [_("网格员"), str(row.workers)],
                    [_("应出勤（人·天）"), str(row.expected)],
                    [_("已签到（人·天）"), str(row.checked)],
                    [_("异常签到"), str(row.anomalies)],
                ],
            }
    elif layer == "plans":
        for plan in figures.plan_coverage(user, region.path, span):
            rate = _float(plan.rate)
            out[plan.path] = {
                "state": _rate_class(rate),
                "lines": [
                    [_("计划完成率"), _rate_text(rate) if plan.has_plan else _("未制定计划")],
                    [_("应巡查（次）"), str(plan.planned)],
                    [_("达标巡查（次）"), str(plan.done)],
                ],
            }
    return out


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


@login_required
@require_GET
def map_layer(request: HttpRequest) -> JsonResponse:
    """``?region=…&layer=coverage|checkins|plans&month=…``: the grids under the region as
    outlines with their class and popup lines (404 outside the territory)."""
    region = chosen_region(request)
    if region is None:
        raise Http404(_("区划不存在或不在您的辖区内"))
    layer = request.GET.get("layer") or "coverage"
    if layer not in LAYERS:
        raise Http404(_("没有这个图层"))
    _month, span = month_of(request)
    rows = layer_rows(request.user, region, layer, span)
    grids = (
        regions.visible_regions(request.user)
        .filter(level=Level.GRID, path__startswith=region.path, geometry__isnull=False)
        .values("path", "name", "geometry")
        .order_by("path")[:MAP_GRIDS_LIMIT]
    )
    features = []
    for grid in grids:
        row = rows.get(grid["path"], {"state": "none", "lines": []})
        features.append(
            {
                "type": "Feature",
                "geometry": grid["geometry"],
                "properties": {"path": grid["path"], "name": grid["name"], **row},
            }
        )
    return base.no_store(JsonResponse({"type": "FeatureCollection", "features": features}))  # type: ignore[return-value]


# -- assessment ------------------------------------------------------------------------------


@login_required
@require_GET
def assessment(request: HttpRequest) -> HttpResponse:
    """The month's ranking of grid workers (``?kind=worker``) or of grids (``?kind=grid``)
    under the region. A grid worker sees only their own row and rank, among the workers of
    the region that manages them."""
    from gridgov.ops import assessment as scoring

    user = request.user
    month, span = month_of(request)
    kind = "grid" if request.GET.get("kind") == "grid" else "worker"
    own_mode, own = own_row_only(user)
    region: Region | None
    if own_mode:
        region, kind = (own.region if own is not None else None), "worker"
    else:
        region = chosen_region(request)
    context: dict[str, Any] = {
        "region": region,
        "regions": [] if own_mode else region_choices(user),
        "own_mode": own_mode,
        "month": month,
        "span": span,
        "kind": kind,
        "kind_extra": {"kind": kind},
        "own": own,
        "section": "assessment",
    }
    if region is not None:
        ranking = (
            scoring.rank_grids(region, span)
            if kind == "grid"
            else scoring.rank_workers(region, span)
        )
        rows = ranking.rows
        total = len(rows)
        if own_mode:
            rows = [r for r in rows if own is not None and _row_worker_id(r) == own.pk]
        listed = Paginator(rows, RANKING_PAGE).get_page(request.GET.get("page"))
        context.update(
            ranking=ranking,
            rows=list(listed.object_list),
            page=listed,
            query=base.query_without_page(request),
            total=total,
        )
    return page(request, "web/ops/assessment.html", context)


def _row_worker_id(row: Any) -> int | None:
    key = get(row, "key")
    if isinstance(key, Worker):
        return key.pk
    try:
        return int(key)
    except (TypeError, ValueError):
        return None
