"""The big screen (大屏) of a command centre: one region and its subtree on a 1920×1080 wall.

Thin views: the figures come from ``gridgov.cases.figures`` (each a ``CaseFilter``, so every
number links to the workbench list of exactly the cases it counts), the people on duty from
``accounts.selectors.visible_posts``, the one-click command panel (一键式指挥) calls
``cases.services.act``, and the switchable party layer (党建图层, off by default) is the party
map's layer (``web.party_map.layer_data``) of the screen's region. The switchable layer of grid
workers on duty now (在岗网格员, off by default) comes from ``ops.selectors.on_duty``.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gridgov.accounts.models import Post
from gridgov.accounts.roles import Role
from gridgov.accounts.selectors import visible_departments, visible_posts
from gridgov.cases import figures
from gridgov.cases import selectors as case_selectors
from gridgov.cases.choices import Light, SupervisionLevel
from gridgov.cases.errors import CaseConflict, CaseForbidden, CaseNotFound
from gridgov.cases.models import Case
from gridgov.cases.services import act
from gridgov.cases.workflow import TABLE, Action, HandlingUnit, PayloadError, Status
from gridgov.ops import selectors as ops_selectors
from gridgov.ops.choices import WorkerKind
from gridgov.party.choices import OrgKind
from gridgov.party.figures import star_distribution
from gridgov.regions import codes
from gridgov.regions import selectors as regions
from gridgov.regions.models import Region, subtree_q
from gridgov.web import party_map

COMMANDS = (Action.INSTRUCT, Action.SUPERVISE, Action.URGE)
DUTY_ORDER = (
    Role.LEADER,
    Role.COUNTY_OPERATOR,
    Role.TOWNSHIP_OPERATOR,
    Role.VILLAGE_OPERATOR,
    Role.GRID_CHIEF,
    Role.GRID_WORKER,
    Role.SUPERVISOR,
    Role.DEPARTMENT_HANDLER,
)
DEFAULT_PERIOD = "year"


def tile_settings() -> dict[str, str]:
    """The optional online tile layer: ``GRIDGOV_TILE_URL`` (empty, the default: none; the
    region outlines are the base layer) and ``GRIDGOV_TILE_SUBDOMAINS``."""
    url = getattr(settings, "GRIDGOV_TILE_URL", None)
    if url is None:
        url = os.environ.get("GRIDGOV_TILE_URL", "")
    subdomains = getattr(settings, "GRIDGOV_TILE_SUBDOMAINS", None)
    if subdomains is None:
        subdomains = os.environ.get("GRIDGOV_TILE_SUBDOMAINS", "")
    return {"url": str(url or ""), "subdomains": str(subdomains or "abc")}


def child_title(region: Region) -> str:
    titles = {
        "prefecture": _("各县（市、区）"),
        "county": _("各乡镇（街道）"),
        "township": _("各村（社区）"),
        "village": _("各网格"),
    }
    return titles.get(region.level, _("事项排名"))


def _period(request: HttpRequest) -> str:
    key = request.GET.get("period", DEFAULT_PERIOD)
    return key if key in figures.PERIODS else DEFAULT_PERIOD


# ---------------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------------


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The user's own territory: its one root, or a choice when the posts give several."""
    roots = sorted(regions.root_regions(request.user), key=lambda r: r.path)
    if not roots:
        raise Http404(_("您没有任何辖区，无法查看大屏"))
    if len(roots) == 1:
        return redirect("screen-region", path=roots[0].path)
    return render(request, "web/screen/roots.html", {"roots": roots})


def _headline_rows(user: Any, region: Region, now: dt.datetime) -> list[dict[str, Any]]:
    return [
        {
            "period": key,
            "label": figures.PERIOD_LABELS[key],
            "values": figures.headline(user, region, key, now),
        }
        for key in figures.PERIODS
    ]


def _charts(user: Any, region: Region, period_key: str, now: dt.datetime) -> dict[str, Any]:
    when = figures.period(period_key, now)
    children = figures.child_regions(user, region)
    if children:
        places = figures.by_child(user, region, when, now, children)
    else:
        places = figures.by_item(user, region, when, now)
    return {
        "period": str(when.label),
        "board": [g.as_json() for g in figures.by_board(user, region, when, now)],
        "places": [g.as_json() for g in places],
        "placesTitle": child_title(region) if children else _("事项排名"),
        "channel": [g.as_json() for g in figures.by_channel(user, region, when, now)],
        "solved": [g.as_json() for g in figures.by_solved_level(user, region, when, now)],
        "daily": [p.as_json() for p in figures.trend_daily(user, region, now)],
        "monthly": [p.as_json() for p in figures.trend_monthly(user, region, now)],
    }


def _config(region: Region) -> dict[str, Any]:
    return {
        "path": region.path,
        "level": region.level,
        "mapUrl": reverse("screen-map", args=[region.path]),
        "pointsUrl": reverse("screen-points", args=[region.path]),
        "partyUrl": reverse("screen-party", args=[region.path]),
        "workersUrl": reverse("screen-workers", args=[region.path]),
        "base": reverse("screen"),
        "caseUrl": reverse("screen-case", args=["NUMBER"]),
        "tiles": tile_settings(),
        "labels": {
            "open": _("在办"),
            "overdue": _("其中超期"),
            "share": _("超期占比"),
            "received": _("上报"),
            "closed": _("办结"),
            "cases": _("件"),
            "points": _("案件点位"),
            "shown": _("显示"),
            "of": _("共"),
            "red": str(Light.RED.label),
            "yellow": str(Light.YELLOW.label),
            "green": str(Light.GREEN.label),
            "party": party_labels(),
            "workers": worker_labels(),
        },
    }


def party_labels() -> dict[str, Any]:
    """The labels of the party layer (党建图层) on the screen's map."""
    return {
        "kinds": {value: str(label) for value, label in OrgKind.choices},
        "centre": _("党群服务中心"),
        "centreShort": _("党"),
        "secretary": _("书记"),
        "members": _("党员"),
        "stars": _("星级"),
        "unrated": _("未评定"),
        "sunk": _("下沉力量"),
        "region": _("所在区域"),
        "people": _("名"),
        "coverage": _("党组织覆盖率"),
        "organisations": _("党组织"),
        "memberTotal": _("党员"),
        "sunkTotal": _("下沉力量"),
        "starred": _("四星级以上"),
        "centres": _("服务阵地"),
        "unit": _("个"),
    }


def worker_labels() -> dict[str, Any]:
    """The labels of the layer of grid workers on duty (在岗网格员) on the screen's map."""
    return {
        "title": _("在岗网格员"),
        "kinds": {value: str(label) for value, label in WorkerKind.choices},
        "status": {"checked_in": _("签到在岗"), "patrol": _("巡查中")},
        "grid": _("网格"),
        "since": _("开始"),
        "people": _("名"),
    }


@login_required
@require_GET
def region_screen(request: HttpRequest, path: str) -> HttpResponse:
    region = regions.get_region(request.user, path)
    now = timezone.now()
    period_key = _period(request)
    context = {
        "region": region,
        "crumbs": regions.breadcrumbs(request.user, region),
        "period": period_key,
        "periods": [(key, figures.PERIOD_LABELS[key]) for key in figures.PERIODS],
        "headline": _headline_rows(request.user, region, now),
        "charts": _charts(request.user, region, period_key, now),
        "config": _config(region),
        "now": now,
    }
    return render(request, "web/screen/screen.html", context)


@login_required
@require_GET
def headline_partial(request: HttpRequest, path: str) -> HttpResponse:
    region = regions.get_region(request.user, path)
    now = timezone.now()
    return render(
        request,
        "web/screen/_headline.html",
        {"region": region, "headline": _headline_rows(request.user, region, now), "now": now},
    )


@login_required
@require_GET
def feed_partial(request: HttpRequest, path: str) -> HttpResponse:
    """New and overdue cases (htmx polls it every 30 s)."""
    region = regions.get_region(request.user, path)
    now = timezone.now()
    today = figures.today_filter(region, now)
    red = figures.red_filter(region)
    context = {
        "region": region,
        "now": now,
        "newest": list(figures.newest_cases(request.user, region)),
        "overdue": list(figures.newest_overdue(request.user, region, now)),
        "today_count": figures.count(request.user, today, now),
        "today_link": figures.link(today),
        "red_count": figures.count(request.user, red, now),
        "red_link": figures.link(red),
    }
    return render(request, "web/screen/_feed.html", context)


# ---------------------------------------------------------------------------------------------
# Map data
# ---------------------------------------------------------------------------------------------


@login_required
@require_GET
def map_json(request: HttpRequest, path: str) -> JsonResponse:
    """The region's children with their open and overdue cases (links included)."""
    region = regions.get_region(request.user, path)
    now = timezone.now()
    data = regions.children_geojson(request.user, region)
    load = {row.region.path: row for row in figures.child_load(request.user, region, now)}
    for feature in data["features"]:
        props = feature["properties"]
        row = load.get(props["path"])
        props["drill"] = row is not None and not props.get("self")
        if row is not None:
            props.update(
                open=row.open.count,
                overdue=row.overdue.count,
                share=round(row.share, 4),
                openLink=row.open.link,
                overdueLink=row.overdue.link,
            )
    own_open = figures.open_filter(region.path)
    own_red = figures.overdue_open_filter(region.path)
    data["outline"] = region.geometry
    data["region"] = {
        "path": region.path,
        "name": region.name,
        "open": figures.count(request.user, own_open, now),
        "openLink": figures.link(own_open),
        "overdue": figures.count(request.user, own_red, now),
        "overdueLink": figures.link(own_red),
    }
    return JsonResponse(data)


@login_required
@require_GET
def points_json(request: HttpRequest, path: str) -> JsonResponse:
    """Open cases with a location: ``[lng, lat, light, number, title]``, at most a few
    thousand (red and yellow first)."""
    region = regions.get_region(request.user, path)
    return JsonResponse(figures.case_points(request.user, region, timezone.now()))


@login_required
@require_GET
def party_json(request: HttpRequest, path: str) -> JsonResponse:
    """The party layer (党建图层) of the region: the party map's points through the same reader
    (the organisations and centres of the region's level and the two below, as the party map
    first shows them), and the summary of the whole area with the star distribution."""
    region = regions.get_region(request.user, path)
    data = party_map.layer_data(request.user, region, levels=party_map.default_levels(region))
    stars = star_distribution(request.user, region.path)
    data["summary"]["stars"] = {str(n): count for n, count in stars.items()}
    data["summary"]["organisations"] = sum(stars.values())
    return JsonResponse(data)


@login_required
@require_GET
def workers_json(request: HttpRequest, path: str) -> JsonResponse:
    """The layer of grid workers on duty now (在岗网格员) in the region: an accepted 上班
    check-in today without a later 下班 (at its position), or an open patrol (at its last
    point), through ``ops.selectors.on_duty`` (the viewer's jurisdiction), as GeoJSON points
    with the counts for the legend."""
    region = regions.get_region(request.user, path)
    status = worker_labels()["status"]
    kinds = dict(WorkerKind.choices)
    features: list[dict[str, Any]] = []
    for row in ops_selectors.on_duty(request.user, region.path):
        if row.lng is None or row.lat is None:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [row.lng, row.lat]},
                "properties": {
                    "name": row.name,
                    "kind": row.kind,
                    "kind_label": str(kinds.get(row.kind, row.kind)),
                    "grid": row.grid_name,
                    "grid_path": row.grid_path,
                    "status": row.status,
                    "status_label": str(status.get(row.status, row.status)),
                    "since": timezone.localtime(row.since).isoformat(),
                    "since_text": timezone.localtime(row.since).strftime("%H:%M"),
                },
            }
        )
    patrolling = sum(f["properties"]["status"] == "patrol" for f in features)
    return JsonResponse(
        {
            "type": "FeatureCollection",
            "features": features,
            "summary": {
                "total": len(features),
                "patrol": patrolling,
                "checked_in": len(features) - patrolling,
            },
        }
    )


# ---------------------------------------------------------------------------------------------
# People on duty
# ---------------------------------------------------------------------------------------------


def _duty_posts(user: Any, region: Region) -> list[Post]:
    """The posts at this node that the viewer may see (grid: its grid workers; village: its
    operators and grid chief; township and county: operators, leaders, supervisors)."""
    posts = list(
        visible_posts(user)
        .filter(region=region)
        .select_related("user", "department")
        .order_by("role", "user__full_name")
    )
    order: dict[str, int] = {role.value: i for i, role in enumerate(DUTY_ORDER)}
    posts = [p for p in posts if p.role in order]
    return sorted(posts, key=lambda p: (order[p.role], p.user.full_name or p.user.username))


def _duty_context(user: Any, region: Region, now: dt.datetime, *, drill: bool) -> dict[str, Any]:
    opened = figures.open_filter(region.path)
    red = figures.overdue_open_filter(region.path)
    context: dict[str, Any] = {
        "region": region,
        "posts": _duty_posts(user, region),
        "open_count": figures.count(user, opened, now),
        "open_link": figures.link(opened),
        "red_count": figures.count(user, red, now),
        "red_link": figures.link(red),
        "drill": drill and region.level != "building",
    }
    if region.level not in ("grid", "building"):
        workers: QuerySet[Post] = visible_posts(user).filter(
            subtree_q(region.path, "region__path"), role=Role.GRID_WORKER
        )
        context["grid_workers"] = workers.count()
    return context


@login_required
@require_GET
def duty_partial(request: HttpRequest, path: str) -> HttpResponse:
    """The panel shown when a region on the map is clicked: its load and its people on duty
    (``?here=1``: the screen's own region, so no drill-down link)."""
    region = regions.get_region(request.user, path)
    drill = not request.GET.get("here")
    context = _duty_context(request.user, region, timezone.now(), drill=drill)
    return render(request, "web/screen/_duty.html", context)


# ---------------------------------------------------------------------------------------------
# One-click command: the case panel
# ---------------------------------------------------------------------------------------------


def _get_case(user: Any, number: str) -> Case:
    case = case_selectors.get_case(user, number)
    if case is None:
        raise Http404(_("案件不存在或不在您的辖区内"))
    return case


def _call_units(user: Any, case: Case) -> dict[str, Any]:
    """Units a leader may call in with an instruction: the centres above the case's place
    (county, township, village) and the departments the viewer may see, the case's own
    department first."""
    suffix = {"county": _("指挥中心"), "township": _("中心"), "village": _("工作站")}
    paths = [case.region_path[: codes.PATH_WIDTH[level]] for level in suffix]
    centres = [
        {"value": f"centre:{region.path}", "label": f"{region.name}{suffix[region.level]}"}
        for region in Region.objects.filter(path__in=paths, level__in=list(suffix)).order_by("path")
    ]
    own = case.lead_department_id or case.item.department_id
    departments = sorted(
        visible_departments(user).only("id", "name"), key=lambda d: (d.pk != own, d.name)
    )
    return {
        "centres": centres,
        "departments": [{"value": f"department:{d.pk}", "label": d.name} for d in departments],
    }


def _lead_label(case: Case) -> str:
    if case.lead_user is not None:
        return case.lead_user.full_name or case.lead_user.username
    if case.lead_department is not None:
        return case.lead_department.name
    if case.lead_centre is not None:
        return case.lead_centre.name
    return ""


def _called(payload: dict[str, Any]) -> list[str]:
    """The names of the units an instruction called in (``payload["to"]``)."""
    labels: list[str] = []
    for raw in payload.get("to") or []:
        try:
            labels.append(case_selectors.unit_label(HandlingUnit.parse(raw)))
        except (PayloadError, ValueError):
            continue
    return labels


def _panel_context(
    request: HttpRequest,
    case: Case,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    error: str = "",
    done: str = "",
    form: str = "",
) -> dict[str, Any]:
    user = request.user
    now = timezone.now()
    in_table = TABLE[Status(case.status)]
    allowed = case_selectors.allowed_actions(user, case)
    events = case_selectors.timeline(user, case)
    called = {event.pk: _called(event.payload) for event in events if event.action == "instruct"}
    return {
        "case": case,
        "light": case_selectors.light_of(case, now),
        "events": [(event, called.get(event.pk, [])) for event in events],
        "lead": _lead_label(case),
        "show_instruct": Action.INSTRUCT in in_table,
        "show_urge": Action.URGE in in_table,
        "show_supervise": Action.SUPERVISE in allowed,
        "units": _call_units(user, case) if Action.INSTRUCT in in_table else None,
        "supervision_levels": SupervisionLevel.choices,
        "values": values or {},
        "errors": errors or {},
        "error": error,
        "done": done,
        "form": form,
    }


@login_required
@require_GET
def case_panel(request: HttpRequest, number: str) -> HttpResponse:
    case = _get_case(request.user, number)
    return render(request, "web/screen/_case.html", _panel_context(request, case))


def _parse_units(raw: list[str]) -> list[dict[str, str]]:
    units: list[dict[str, str]] = []
    for value in raw:
        kind, _sep, ref = value.partition(":")
        if kind not in ("centre", "department") or not ref.isdigit():
            raise ValidationError({"to": _("调度单位格式不对")})
        units.append({"kind": kind, "ref": ref})
    return units


def _payload(action: Action, post: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {"note": post.get("note", "")}
    if action == Action.INSTRUCT:
        units = _parse_units([v for v in post.getlist("to") if v])
        if units:
            payload["to"] = units
    elif action == Action.SUPERVISE:
        payload["level"] = post.get("level", "")
        payload["requires_response"] = post.get("requires_response") in ("on", "true", "1")
    return payload


def _done_message(action: Action) -> str:
    messages = {
        Action.INSTRUCT: _("批示已发出"),
        Action.SUPERVISE: _("已启动督办"),
        Action.URGE: _("已催办"),
    }
    return messages[action]


@login_required
@require_POST
def case_command(request: HttpRequest, number: str) -> HttpResponse:
    """Instruct (批示), supervise (督办) or urge (催办) from the screen; the panel answers with
    the case again, or with the errors (nothing is written then)."""
    case = _get_case(request.user, number)
    raw_action = request.POST.get("action", "")
    if raw_action not in COMMANDS:
        context = _panel_context(request, case, error=_("不支持的操作"))
        return render(request, "web/screen/_case.html", context, status=400)
    action = Action(raw_action)
    values = {
        "note": request.POST.get("note", ""),
        "level": request.POST.get("level", ""),
        "to": request.POST.getlist("to"),
        "requires_response": request.POST.get("requires_response") in ("on", "true", "1"),
    }
    status = 200
    errors: dict[str, list[str]] = {}
    error = ""
    try:
        act(case=case, user=request.user, action=action, payload=_payload(action, request.POST))  # type: ignore[arg-type]
    except ValidationError as exc:
        status = 400
        if hasattr(exc, "error_dict"):
            errors = {field: list(messages) for field, messages in exc.message_dict.items()}
        else:
            error = "；".join(exc.messages)
    except CaseForbidden as exc:
        status, error = 403, exc.message
    except CaseConflict as exc:
        status, error = 409, exc.message
    except CaseNotFound as exc:
        raise Http404(exc.message) from exc
    if status != 200:
        context = _panel_context(
            request, case, values=values, errors=errors, error=error, form=action.value
        )
        return render(request, "web/screen/_case.html", context, status=status)
    fresh = _get_case(request.user, number)
    context = _panel_context(request, fresh, done=_done_message(action), form=action.value)
    response = render(request, "web/screen/_case.html", context)
    response["HX-Trigger"] = "gridgov-case-acted"
    return response
