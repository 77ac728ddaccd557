"""The party map (党建地图) at ``/work/party/map/``: the chosen region's children as outlines,
the party organisations and party-and-people service centres inside it as points (styled by
kind, filtered by kind and region level), and a side panel with the party figures of the region
(coverage, organisations per kind, member structure, sinking per grid, stars).

Thin views: the points come from ``party.maplayer.party_layer`` and the figures from
``party.figures``, both through the jurisdiction function; a region outside the user's territory
is 404. The big screen's party layer (``web.screen``) uses the same ``layer_data``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from gridgov.party import choices as c
from gridgov.party import figures as party_figures
from gridgov.party import selectors as party_selectors
from gridgov.party.maplayer import CENTRE, party_layer
from gridgov.regions import codes
from gridgov.regions import selectors as regions
from gridgov.regions.choices import Level
from gridgov.regions.models import Region
from gridgov.registry.choices import Gender

# The region levels an organisation or a centre may be bound to, top down.
LAYER_LEVELS = (
    Level.PREFECTURE,
    Level.COUNTY,
    Level.TOWNSHIP,
    Level.VILLAGE,
    Level.GRID,
    Level.BUILDING,
)
SINKING_TOP = 10


def _choose_region(request: HttpRequest) -> tuple[Region, list[Region]]:
    """The region asked for (``?region=``, a path or code, 404 outside the territory), else the
    user's first root; and the user's roots for the switcher."""
    roots = sorted(regions.root_regions(request.user), key=lambda r: r.path)
    wanted = (request.GET.get("region") or "").strip()
    if wanted:
        if not wanted.isdigit():
            raise Http404(_("区划不存在或不在您的辖区内"))
        return regions.get_region(request.user, wanted), roots
    if not roots:
        raise Http404(_("您没有任何辖区，无法查看党建地图"))
    return roots[0], roots


def _filters(request: HttpRequest) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The kinds (organisation kinds and ``centre``) and levels asked for; unknown values are
    dropped, nothing asked for means everything."""
    known_kinds = {*c.OrgKind.values, CENTRE}
    kinds = tuple(k for k in request.GET.getlist("kind") if k in known_kinds)
    levels = tuple(v for v in request.GET.getlist("level") if v in LAYER_LEVELS)
    return kinds, levels


def layer_data(
    user: Any, region: Region, kinds: tuple[str, ...] = (), levels: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The party layer of ``region`` (a FeatureCollection with its ``summary``); ``kinds`` may
    hold ``centre`` besides the organisation kinds."""
    return party_layer(user, region.path, kinds=kinds, levels=levels)


def panel_summary(user: Any, region: Region) -> dict[str, Any]:
    """The side panel's figures for ``region``'s subtree."""
    coverage = party_figures.coverage(user, region.path)
    structure = party_figures.member_structure(user, region.path)
    kinds = dict(
        party_selectors.organisations(user, party_selectors.OrgFilter(region=region.path))
        .order_by()
        .values_list("kind")
        .annotate(n=Count("id"))
    )
    sinking = party_figures.sinking(user, region.path, by="grid")  # most sunk first
    stars = party_figures.star_distribution(user, region.path)
    star_rows: list[dict[str, Any]] = [
        {"stars": n, "label": "★" * n if n else _("未评定"), "count": stars.get(n, 0)}
        for n in (5, 4, 3, 2, 1, 0)
    ]
    return {
        "coverage": coverage,
        "coverage_pct": round(100 * coverage.share, 1),
        "kinds": [
            {"kind": value, "label": label, "count": kinds.get(value, 0)}
            for value, label in c.OrgKind.choices
        ],
        "organisations": sum(kinds.values()),
        "members": structure,
        "sinking": [row for row in sinking if row.key and row.assigned][:SINKING_TOP],
        "gender": [
            {"label": label, "count": structure["gender"].get(value, 0)}
            for value, label in Gender.choices
            if value in structure["gender"]
        ],
        "ages": [
            {"label": label, "count": structure["age"].get(key, 0)}
            for key, label in party_figures.age_band_labels().items()
        ],
        "stars": star_rows,
        "stars_max": max([1, *(int(row["count"]) for row in star_rows)]),
    }


def _labels() -> dict[str, Any]:
    return {
        "kinds": dict(c.OrgKind.choices),
        "centre": _("党群服务中心"),
        "centreShort": _("党"),
        "region": _("所在区域"),
        "levels": dict(Level.choices),
        "secretary": _("书记"),
        "members": _("党员"),
        "stars": _("星级"),
        "unrated": _("未评定"),
        "sunk": _("下沉力量"),
        "address": _("地址"),
        "phone": _("电话"),
        "hours": _("开放时间"),
        "none": _("暂无"),
        "people": _("名"),
        "shown": _("显示点位"),
        "empty": _("该区域暂无符合条件的党组织或服务阵地"),
    }


@login_required
@require_GET
def map_page(request: HttpRequest) -> HttpResponse:
    region, roots = _choose_region(request)
    children = list(regions.visible_regions(request.user).filter(parent=region).order_by("path"))
    kinds, levels = _filters(request)
    if "level" not in request.GET:
        levels = default_levels(region)
    config = {
        "region": region.path,
        "boundaries": reverse("region-children-geojson", args=[region.path]),
        "layer": reverse("party-map-layer"),
        "page": reverse("party-map"),
        "labels": _labels(),
    }
    context = {
        "section": "map",
        "region": region,
        "roots": roots if len(roots) > 1 else [],
        "crumbs": regions.breadcrumbs(request.user, region),
        "children": children,
        "summary": panel_summary(request.user, region),
        "kind_choices": [*c.OrgKind.choices, (CENTRE, _("党群服务中心"))],
        "level_choices": [(lv.value, lv.label) for lv in LAYER_LEVELS if lv in _below(region)],
        "kinds": kinds,
        "levels": levels,
        "config": config,
    }
    return render(request, "web/party/map.html", context)


def default_levels(region: Region) -> tuple[str, ...]:
    """The levels shown first: the region's own and the two below it (a county shows its
    committee, the townships' and the villages' organisations; a grid shows everything)."""
    return tuple(_below(region)[:3])


def _below(region: Region) -> list[str]:
    """The levels of ``region`` and the nodes under it."""
    return [lv for lv in LAYER_LEVELS if codes.LEVELS.index(lv) >= codes.LEVELS.index(region.level)]


@login_required
@require_GET
def layer_geojson(request: HttpRequest) -> JsonResponse:
    """``?region=…&kind=…&level=…``: the party layer of the region (404 outside the
    territory)."""
    region, _roots = _choose_region(request)
    kinds, levels = _filters(request)
    return JsonResponse(layer_data(request.user, region, kinds, levels))
