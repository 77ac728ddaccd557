"""Figures of party building for a region subtree: coverage (党组织覆盖率), member structure,
sinking (下沉), needs, participation (参会率) and stars. See docs/party.md ("Figures").

Every figure covers the part of ``region_path``'s subtree that the user can see (the
intersection with the user's view scope; the user's whole view when ``region_path`` is ""), and
every query goes through the jurisdiction function. A region outside the user's view gives
empty figures (zeros, no rows), not an error: a figure page then shows nothing rather than
telling whether the region has any party organisation. Each figure is a few aggregate queries,
whatever the number of grids or organisations.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from django.db.models import (
    Count,
    Model,
    Q,
    QuerySet,
    Sum,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.core.jurisdiction import paths_q, restrict, scope_for
from gridgov.metrics.figures import Span
from gridgov.party import choices as c
from gridgov.party.models import (
    Attendance,
    Claim,
    Meeting,
    Need,
    PartyMember,
    PartyOrganisation,
    Seat,
    ServiceRegistration,
)
from gridgov.party.selectors import in_service_q
from gridgov.regions import codes
from gridgov.regions.models import Region
from gridgov.registry.choices import Gender

M = TypeVar("M", bound=Model)
GRID_WIDTH = codes.PATH_WIDTH["grid"]
UNCOVERED_LIMIT = 50
AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    # key, lowest age, highest age (None: no upper bound)
    ("under_35", 0, 34),
    ("35_45", 35, 45),
    ("46_60", 46, 60),
    ("over_60", 61, None),
)


# -- the area a figure covers -----------------------------------------------------------------


def area_roots(user: Any, region_path: str) -> tuple[str, ...] | None:
    """The subtree roots a figure covers: ``None`` for everything (a user who sees everything,
    no region given), ``()`` for nothing."""
    scope = scope_for(user)
    if scope.everything:
        return (region_path,) if region_path else None
    if not region_path:
        return scope.view_paths
    if scope.covers_path(region_path, "view"):
        return (region_path,)
    return tuple(root for root in scope.view_paths if root.startswith(region_path))


def in_area(
    qs: QuerySet[M], user: Any, region_path: str, lookup: str = "region_path"
) -> QuerySet[M]:
    """``qs`` restricted to what the user can see, inside the area of ``region_path``."""
    qs = restrict(qs, user, "view")
    roots = area_roots(user, region_path)
    if roots is None:
        return qs
    return qs.filter(paths_q(roots, lookup))


def _rate(part: int | Decimal, whole: int | Decimal) -> float | None:
    """``part / whole`` rounded to 3 places; None when there is no whole."""
    return round(float(part) / float(whole), 3) if whole else None


# -- coverage ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    """党组织覆盖率: ``covered`` of ``grids`` active grids have an active organisation bound to
    the grid or to a building inside it; ``uncovered``: (path, name) of the first 50 others."""

    grids: int
    covered: int
    share: float  # 0..1, rounded to 3 places; 0 when there are no grids
    uncovered: list[tuple[str, str]] = field(default_factory=list)

    @property
    def percent(self) -> float:
        return round(self.share * 100, 1)


def coverage(user: Any, region_path: str) -> Coverage:
    """Two queries: the active grids of the area, the grids of its active grid- and
    building-level organisations."""
    grids = list(
        in_area(Region.objects.filter(level="grid", is_active=True), user, region_path, "path")
        .order_by("path")
        .values_list("path", "name")
    )
    org_paths = (
        in_area(
            PartyOrganisation.objects.filter(is_active=True, level__in=("grid", "building")),
            user,
            region_path,
        )
        .values_list("region_path", flat=True)
        .distinct()
    )
    bound = {path[:GRID_WIDTH] for path in org_paths}
    uncovered = [(path, name) for path, name in grids if path not in bound]
    covered = len(grids) - len(uncovered)
    return Coverage(
        grids=len(grids),
        covered=covered,
        share=_rate(covered, len(grids)) or 0.0,
        uncovered=uncovered[:UNCOVERED_LIMIT],
    )


# -- members ----------------------------------------------------------------------------------


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def age_band_q(low: int, high: int | None, today: dt.date, prefix: str = "person__") -> Q:
    """Ages ``low``..``high`` (whole years on ``today``): born after ``today`` − (high + 1)
    years and on or before ``today`` − low years."""
    q = Q(**{f"{prefix}birth_date__lte": _years_before(today, low)})
    if high is not None:
        q &= Q(**{f"{prefix}birth_date__gt": _years_before(today, high + 1)})
    return q


def member_structure(
    user: Any, region_path: str, *, today: dt.date | None = None
) -> dict[str, Any]:
    """Active members of the area in one aggregate query: ``total``, ``formal``,
    ``probationary``, ``in_service``, ``mobile``, ``gender`` {male, female}, ``age``
    {under_35, 35_45, 46_60, over_60} (ages from the register's birth date, on ``today``)."""
    today = today or timezone.localdate()
    qs = in_area(PartyMember.objects.filter(state=c.MemberState.ACTIVE), user, region_path)
    aggregates: dict[str, Any] = {
        "total": Count("id"),
        "formal": Count("id", filter=Q(status=c.MemberStatus.FORMAL)),
        "probationary": Count("id", filter=Q(status=c.MemberStatus.PROBATIONARY)),
        "in_service": Count("id", filter=in_service_q()),
        "mobile": Count("id", filter=Q(is_mobile=True)),
    }
    for gender in Gender.values:
        aggregates[f"gender_{gender}"] = Count("id", filter=Q(person__gender=gender))
    for key, low, high in AGE_BANDS:
        aggregates[f"age_{key}"] = Count("id", filter=age_band_q(low, high, today))
    row = qs.aggregate(**aggregates)
    return {
        "total": row["total"],
        "formal": row["formal"],
        "probationary": row["probationary"],
        "in_service": row["in_service"],
        "mobile": row["mobile"],
        "gender": {gender: row[f"gender_{gender}"] for gender in Gender.values},
        "age": {key: row[f"age_{key}"] for key, _low, _high in AGE_BANDS},
    }


def age_band_labels() -> dict[str, str]:
    return {
        "under_35": _("35 岁以下"),
        "35_45": _("35–45 岁"),
        "46_60": _("46–60 岁"),
        "over_60": _("60 岁以上"),
    }


# -- sinking ----------------------------------------------------------------------------------


@dataclass
class SinkingRow:
    """下沉 per grid or per unit: ``registered`` live registrations (not ended), ``assigned``
    those assigned to a grid, ``members``/``units`` by registrant kind, ``hours`` the service
    hours of those registrations, ``claims_confirmed`` their confirmed claims."""

    key: str  # grid path / "unit:<department id>" / "text:<in-service unit>"; "" unassigned
    name: str
    registered: int = 0
    assigned: int = 0
    members: int = 0
    units: int = 0
    hours: Decimal = Decimal("0")
    claims_confirmed: int = 0


def sinking(user: Any, region_path: str, *, by: str = "grid") -> list[SinkingRow]:
    """Live registrations of the area grouped by the grid they are assigned to (``by="grid"``;
    those not yet assigned in one row with key "") or by the unit that serves (``by="unit"``:
    the registering department, or a member's in-service department or unit text). Sorted by
    assigned, then registered, descending. Three queries."""
    regs = in_area(
        ServiceRegistration.objects.exclude(state=c.RegistrationState.ENDED), user, region_path
    )
    group: tuple[str, ...]
    if by == "unit":
        group = (
            "unit_id",
            "unit__name",
            "member__in_service_department_id",
            "member__in_service_department__name",
            "member__in_service_unit",
        )
    else:
        group = ("grid__path", "grid__name")
    rows = regs.values(*group, "kind", "state").annotate(n=Count("id"), hours=Sum("hours"))
    claims = (
        restrict(Claim.objects.filter(state=c.ClaimState.CONFIRMED), user, "view")
        .filter(registration__in=regs.values("pk"))
        .values(*(f"registration__{name}" for name in group))
        .annotate(n=Count("id"))
    )
    out: dict[str, SinkingRow] = {}

    def row_for(values: dict[str, Any], prefix: str = "") -> SinkingRow:
        key, name = _sinking_key(values, by, prefix)
        if key not in out:
            out[key] = SinkingRow(key=key, name=name)
        return out[key]

    for values in rows:
        row = row_for(values)
        row.registered += values["n"]
        if values["state"] == c.RegistrationState.ASSIGNED:
            row.assigned += values["n"]
        if values["kind"] == c.RegistrantKind.UNIT:
            row.units += values["n"]
        else:
            row.members += values["n"]
        row.hours += values["hours"] or Decimal("0")
    for values in claims:
        row_for(values, "registration__").claims_confirmed += values["n"]
    return sorted(out.values(), key=lambda r: (-r.assigned, -r.registered, r.key))


def _sinking_key(values: dict[str, Any], by: str, prefix: str) -> tuple[str, str]:
    def get(name: str) -> Any:
        return values.get(prefix + name)

    if by == "unit":
        if get("unit_id"):
            return f"unit:{get('unit_id')}", get("unit__name") or ""
        if get("member__in_service_department_id"):
            return (
                f"unit:{get('member__in_service_department_id')}",
                get("member__in_service_department__name") or "",
            )
        text = get("member__in_service_unit") or ""
        return (f"text:{text}", text) if text else ("", _("未填写单位"))
    if get("grid__path"):
        return get("grid__path"), get("grid__name") or ""
    return "", _("待分配网格")


# -- needs ------------------------------------------------------------------------------------


def needs_summary(user: Any, region_path: str, span: Span) -> dict[str, Any]:
    """Needs published in ``span`` (local days) in the area, by their state now: ``published``,
    ``open``, ``claimed`` (taken up: claimed or done), ``done``, ``cancelled``, ``rate`` =
    done ÷ (published − cancelled) (None when nothing is left), and ``by_kind`` {kind: {label,
    published, claimed, done, cancelled, rate}}. One query."""
    rows = (
        in_area(Need.objects.all(), user, region_path)
        .filter(published_at__date__gte=span.start, published_at__date__lte=span.end)
        .values("kind", "state")
        .annotate(n=Count("id"))
    )
    labels = dict(c.NeedKind.choices)
    by_kind = {kind: _need_counts() for kind in c.NeedKind.values}
    total = _need_counts()
    for row in rows:
        for counts in (total, by_kind.setdefault(row["kind"], _need_counts())):
            counts["published"] += row["n"]
            counts[row["state"]] = counts.get(row["state"], 0) + row["n"]
    result = _need_figures(total)
    result["span"] = span.key
    result["by_kind"] = {
        kind: {"label": str(labels.get(kind, kind)), **_need_figures(counts)}
        for kind, counts in by_kind.items()
    }
    return result


def _need_counts() -> dict[str, int]:
    return {"published": 0, **dict.fromkeys(c.NeedState.values, 0)}


def _need_figures(counts: dict[str, int]) -> dict[str, Any]:
    done = counts[c.NeedState.DONE]
    cancelled = counts[c.NeedState.CANCELLED]
    return {
        "published": counts["published"],
        "open": counts[c.NeedState.OPEN],
        "claimed": counts[c.NeedState.CLAIMED] + done,
        "done": done,
        "cancelled": cancelled,
        "rate": _rate(done, counts["published"] - cancelled),
    }


# -- participation ----------------------------------------------------------------------------


@dataclass
class ParticipationRow:
    """参会 of one organisation in a period: ``meetings`` held, ``expected`` attendances
    (each meeting's attendance rows plus the active members who had joined by its day and have
    no row), ``present``, ``remote``, ``leave``, ``absent`` (absent rows plus members without a
    row), ``rate`` = (present + remote) ÷ expected."""

    organisation_id: int
    name: str
    region_path: str
    meetings: int = 0
    expected: int = 0
    present: int = 0
    remote: int = 0
    leave: int = 0
    absent: int = 0

    @property
    def attended(self) -> int:
        return self.present + self.remote

    @property
    def rate(self) -> float | None:
        return _rate(self.attended, self.expected)


def participation(
    user: Any,
    region_path: str,
    span: Span,
    *,
    organisation: PartyOrganisation | int | None = None,
) -> list[ParticipationRow]:
    """Rows per organisation with a meeting held in ``span`` (local days of the start), in
    region order. Who is expected follows ``selectors.expected_q`` (seat holders for a 支委会,
    the organisation's and its groups' members otherwise); it is worked out here in Python from
    at most five queries (meetings, organisations, members, seats, attendance rows) — a
    correlated subquery per meeting took minutes for a county."""
    held = in_area(Meeting.objects.filter(state=c.MeetingState.HELD), user, region_path).filter(
        starts_at__date__gte=span.start, starts_at__date__lte=span.end
    )
    if organisation is not None:
        org_id = organisation.pk if isinstance(organisation, PartyOrganisation) else organisation
        held = held.filter(organisation_id=org_id)
    meetings = [
        (pk, org_id, kind, timezone.localtime(starts_at).date())
        for pk, org_id, kind, starts_at in held.values_list(
            "pk", "organisation_id", "kind", "starts_at"
        )
    ]
    if not meetings:
        return []
    org_ids = sorted({m[1] for m in meetings})
    orgs = {
        org.pk: org
        for org in PartyOrganisation.objects.filter(pk__in=org_ids).only(
            "id", "name", "region_path"
        )
    }
    # Active members of those organisations and of their groups: (id, joined) per organisation
    # (own members) and per parent (group members).
    own: dict[int, list[tuple[int, dt.date]]] = defaultdict(list)
    in_groups: dict[int, list[tuple[int, dt.date]]] = defaultdict(list)
    for pk, org_id, parent_id, org_kind, joined in PartyMember.objects.filter(
        Q(organisation_id__in=org_ids)
        | Q(organisation__parent_id__in=org_ids, organisation__kind=c.OrgKind.GROUP),
        state=c.MemberState.ACTIVE,
    ).values_list(
        "pk", "organisation_id", "organisation__parent_id", "organisation__kind", "joined_on"
    ):
        if org_id in orgs:
            own[org_id].append((pk, joined))
        if org_kind == c.OrgKind.GROUP and parent_id in orgs:
            in_groups[parent_id].append((pk, joined))
    seats: dict[int, list[tuple[int, dt.date, dt.date, dt.date | None]]] = defaultdict(list)
    committee_orgs = sorted({m[1] for m in meetings if m[2] == c.MeetingKind.COMMITTEE_MEETING})
    if committee_orgs:
        for org_id, member_id, joined, starts, ends in Seat.objects.filter(
            organisation_id__in=committee_orgs, member__state=c.MemberState.ACTIVE
        ).values_list("organisation_id", "member_id", "member__joined_on", "starts_on", "ends_on"):
            seats[org_id].append((member_id, joined, starts, ends))
    rows_of: dict[int, dict[int, str]] = defaultdict(dict)
    for meeting_id, member_id, kind in (
        restrict(Attendance.objects.all(), user, "view")
        .filter(meeting__in=held.values("pk"))
        .values_list("meeting_id", "member_id", "kind")
    ):
        rows_of[meeting_id][member_id] = kind
    rows = {
        pk: ParticipationRow(organisation_id=pk, name=org.name, region_path=org.region_path)
        for pk, org in orgs.items()
    }
    for meeting_id, org_id, kind, day in meetings:
        if kind == c.MeetingKind.COMMITTEE_MEETING:
            expected = {
                member_id
                for member_id, joined, starts, ends in seats.get(org_id, ())
                if joined <= day and starts <= day and (ends is None or ends > day)
            }
        else:
            pool = own.get(org_id, [])
            if kind != c.MeetingKind.GROUP_MEETING:
                pool = pool + in_groups.get(org_id, [])
            expected = {member_id for member_id, joined in pool if joined <= day}
        row = rows[org_id]
        row.meetings += 1
        marked = rows_of.get(meeting_id, {})
        missing = len(expected - marked.keys())
        row.expected += len(marked) + missing
        row.absent += missing
        for attendance_kind in marked.values():
            if attendance_kind == c.AttendanceKind.PRESENT:
                row.present += 1
            elif attendance_kind == c.AttendanceKind.REMOTE:
                row.remote += 1
            elif attendance_kind == c.AttendanceKind.LEAVE:
                row.leave += 1
            else:
                row.absent += 1
    return sorted(rows.values(), key=lambda r: (r.region_path, r.name))


# -- stars ------------------------------------------------------------------------------------


def star_distribution(user: Any, region_path: str) -> dict[int, int]:
    """Active organisations of the area by current stars {0..5: count} (0: not rated)."""
    counts: dict[int, int] = defaultdict(int)
    rows = (
        in_area(PartyOrganisation.objects.filter(is_active=True), user, region_path)
        .order_by()
        .values_list("stars")
        .annotate(n=Count("id"))
    )
    for stars, n in rows:
        counts[min(int(stars), 5)] += n
    return {stars: counts[stars] for stars in range(6)}
