"""The party map (党建地图): party organisations and party-and-people service centres as a GeoJSON
FeatureCollection of points, with a summary of the area's figures.

An organisation is placed at the label point of the region it is bound to (or of the nearest
ancestor that has one; skipped when none has); a centre at its own point (or the same fallback
from its region). A fixed handful of queries whatever the number of organisations: the
organisations, their member counts, their secretaries, the label points of ancestors, the
assigned registrations by grid, the centres, and the two coverage queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Count
from django.utils.translation import gettext as _

from gridgov.party import choices as c
from gridgov.party.figures import coverage, in_area
from gridgov.party.models import (
    PartyMember,
    PartyOrganisation,
    Seat,
    ServiceCentre,
    ServiceRegistration,
)
from gridgov.regions import codes
from gridgov.regions.models import Region

# A county has ~1,500 grid branches and more building groups; past this many organisations the
# layer is cut (top levels first) and the summary says so; pass ``levels`` to narrow it.
DEFAULT_LIMIT = 3000
CENTRE = "centre"  # the kind of a service centre's point
LEVEL_ORDER = {level: index for index, level in enumerate(codes.LEVELS)}
Point = tuple[float, float]


def party_layer(
    user: Any,
    region_path: str,
    *,
    kinds: Iterable[str] = (),
    levels: Iterable[str] = (),
    limit: int | None = DEFAULT_LIMIT,
) -> dict[str, Any]:
    """The layer of the visible area of ``region_path`` ("" for the user's whole view).

    ``kinds``: organisation kinds and/or ``"centre"`` (service centres) to show (all when
    empty); ``levels``: region levels the organisations are bound to and the centres serve
    (all when empty); ``limit``: at most this many organisations, the upper levels first
    (None: no limit).
    """
    asked = [k for k in kinds if k in c.OrgKind.values or k == CENTRE]
    org_kinds = [k for k in asked if k != CENTRE]
    show_centres = not asked or CENTRE in asked
    levels = [level for level in levels if level in LEVEL_ORDER]
    orgs_qs = in_area(PartyOrganisation.objects.filter(is_active=True), user, region_path)
    if asked and not org_kinds:
        orgs_qs = orgs_qs.none()
    if org_kinds:
        orgs_qs = orgs_qs.filter(kind__in=org_kinds)
    if levels:
        orgs_qs = orgs_qs.filter(level__in=levels)
    orgs = list(
        orgs_qs.select_related("region").only(
            "id",
            "name",
            "kind",
            "level",
            "stars",
            "region_path",
            "region__path",
            "region__name",
            "region__label_lng",
            "region__label_lat",
        )
    )
    total_orgs = len(orgs)
    truncated = limit is not None and total_orgs > limit
    if truncated:
        orgs.sort(key=lambda o: (LEVEL_ORDER.get(o.level, 99), o.region_path, o.pk))
        orgs = orgs[: max(0, limit or 0)]

    # Grouped over the whole area (no long id lists): the summary counts every member.
    member_counts: dict[int, int] = dict(
        in_area(PartyMember.objects.filter(state=c.MemberState.ACTIVE), user, region_path)
        .order_by()
        .values_list("organisation_id")
        .annotate(n=Count("id"))
        .values_list("organisation_id", "n")
    )
    secretaries: dict[int, str] = dict(
        in_area(
            Seat.objects.filter(title=c.SeatTitle.SECRETARY, ends_on__isnull=True),
            user,
            region_path,
        ).values_list("organisation_id", "member__person__name")
    )
    sunk_by_grid = (
        in_area(
            ServiceRegistration.objects.filter(
                state=c.RegistrationState.ASSIGNED, grid__isnull=False
            ),
            user,
            region_path,
        )
        .order_by()
        .values_list("grid__path")
        .annotate(n=Count("id"))
    )
    sunk: dict[str, int] = defaultdict(int)
    sunk_total = 0
    for grid_path, n in sunk_by_grid:
        sunk_total += n
        for path in (*codes.ancestor_paths(grid_path), grid_path):
            sunk[path] += n

    centres_qs = in_area(ServiceCentre.objects.filter(is_active=True), user, region_path)
    if levels:
        centres_qs = centres_qs.filter(level__in=levels)
    centres = (
        list(centres_qs.select_related("region").order_by("region_path", "name"))
        if show_centres
        else []
    )
    points = _label_points(
        [o.region for o in orgs]
        + [centre.region for centre in centres if centre.lng is None or centre.lat is None]
    )

    features: list[dict[str, Any]] = []
    for org in orgs:
        point = points.get(org.region_path)
        count = member_counts.get(org.pk, 0)
        if point is None:
            continue
        features.append(
            _feature(
                point,
                {
                    "id": org.pk,
                    "type": "organisation",
                    "name": org.name,
                    "kind": org.kind,
                    "kind_label": str(c.OrgKind(org.kind).label),
                    "level": org.level,
                    "members": count,
                    "secretary": secretaries.get(org.pk, ""),
                    "stars": org.stars,
                    "sunk": None if org.level == "building" else sunk.get(org.region_path, 0),
                    "region_path": org.region_path,
                    "region": org.region.name,
                },
            )
        )
    for centre in centres:
        own = (
            (centre.lng, centre.lat) if centre.lng is not None and centre.lat is not None else None
        )
        point = own or points.get(centre.region_path)
        if point is None:
            continue
        features.append(
            _feature(
                point,
                {
                    "id": centre.pk,
                    "type": "centre",
                    "name": centre.name,
                    "kind": "centre",
                    "kind_label": _("党群服务中心"),
                    "level": centre.level,
                    "level_label": str(c.CentreLevel(centre.level).label)
                    if centre.level in c.CentreLevel.values
                    else centre.level,
                    "members": None,
                    "secretary": "",
                    "stars": None,
                    "sunk": None,
                    "region_path": centre.region_path,
                    "region": centre.region.name,
                    "address": centre.address,
                    "phone": centre.phone,
                    "opening_hours": centre.opening_hours,
                },
            )
        )
    cov = coverage(user, region_path)
    return {
        "type": "FeatureCollection",
        "features": features,
        "summary": {
            "coverage": cov.share,
            "grids": cov.grids,
            "covered": cov.covered,
            "organisations": total_orgs,
            "shown": len(orgs),
            "truncated": truncated,
            "members": sum(member_counts.values()),
            "sunk": sunk_total,
            "centres": len(centres),
        },
    }


def _feature(point: Point, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [point[0], point[1]]},
        "properties": properties,
    }


def _label_points(regions: Iterable[Region]) -> dict[str, Point]:
    """The point for each region path: its own label point, else the nearest ancestor's (one
    query for the ancestors of those without one). Paths without any point are left out."""
    points: dict[str, Point] = {}
    missing: set[str] = set()
    for region in regions:
        if region.label_lng is not None and region.label_lat is not None:
            points[region.path] = (region.label_lng, region.label_lat)
        else:
            missing.add(region.path)
    missing -= set(points)
    if not missing:
        return points
    wanted = {a for path in missing for a in codes.ancestor_paths(path)}
    # Only coordinates of the ancestors of visible nodes (public geography): not restricted,
    # since an ancestor lies outside a grid worker's territory.
    ancestors: dict[str, Point] = {
        path: (float(lng), float(lat))
        for path, lng, lat in Region.objects.filter(
            path__in=wanted, label_lng__isnull=False, label_lat__isnull=False
        ).values_list("path", "label_lng", "label_lat")
        if lng is not None and lat is not None
    }
    for path in missing:
        for ancestor in reversed(list(codes.ancestor_paths(path))):
            if ancestor in ancestors:
                points[path] = ancestors[ancestor]
                break
    return points
