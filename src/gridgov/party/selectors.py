"""Reads of party building, every one through the jurisdiction function. Filters are dataclasses
built from URL parameters (the same names in pages, the API and exports); a bad value is
ignored, never an error."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.core.jurisdiction import restrict
from gridgov.party import choices as c
from gridgov.party.models import (
    GridChiefAppointment,
    Meeting,
    Need,
    PartyMember,
    PartyOrganisation,
    Seat,
    ServiceCentre,
    ServiceRegistration,
    StarCriterion,
    StarRating,
)
from gridgov.regions import codes
from gridgov.regions.models import subtree_q

NOT_VISIBLE = "记录不存在或不在您的辖区内"
MAX_TEXT = 100
# How long after its start a meeting without an end still counts as upcoming (sign-in window).
MEETING_HOURS = 4


# -- parameter parsing ------------------------------------------------------------------------


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _text(value: Any) -> str:
    return str(value if value is not None else "").strip()[:MAX_TEXT]


def _bool(value: Any) -> bool | None:
    """ "1"/"true"/"yes"/"on" → True, "0"/"false"/"no"/"off" → False, anything else → None."""
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    return None


def _path(value: Any) -> str:
    """A region path from a path or a code; "" when it is neither."""
    text = _text(value)
    if not text:
        return ""
    try:
        return codes.path_from_code(text)
    except codes.CodeError:
        return ""


def _choice(value: Any, choices: type[Any]) -> str:
    text = _text(value)
    return text if text in choices.values else ""


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(_text(value))
    except ValueError:
        return None


def _params(flt: Any) -> dict[str, str]:
    """The non-default values of a filter as strings (booleans as "1"/"0")."""
    out: dict[str, str] = {}
    for f in fields(flt):
        value = getattr(flt, f.name)
        if value == f.default or value is None or value == "":
            continue
        if isinstance(value, bool):
            out[f.name] = "1" if value else "0"
        elif isinstance(value, dt.date):
            out[f.name] = value.isoformat()
        else:
            out[f.name] = str(value)
    return out


def _not_visible() -> Http404:
    return Http404(_(NOT_VISIBLE))


# -- organisations ----------------------------------------------------------------------------


@dataclass(frozen=True)
class OrgFilter:
    """``active``: True (default, active only), False (dissolved only) or None (all; "all" in
    URLs). ``q``: part of the name. ``stars``: 0–5 (0: not rated)."""

    region: str = ""
    kind: str = ""
    category: str = ""
    parent: int | None = None
    q: str = ""
    stars: int | None = None
    active: bool | None = True

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> OrgFilter:
        values: dict[str, Any] = {}
        if "region" in params:
            values["region"] = _path(params.get("region"))
        if "kind" in params:
            values["kind"] = _choice(params.get("kind"), c.OrgKind)
        if "category" in params:
            values["category"] = _choice(params.get("category"), c.OrgCategory)
        if "parent" in params:
            values["parent"] = _int(params.get("parent"))
        if "q" in params:
            values["q"] = _text(params.get("q"))
        if "stars" in params:
            stars = _int(params.get("stars"))
            values["stars"] = stars if stars is not None and 0 <= stars <= 5 else None
        if "active" in params:
            values["active"] = _bool(params.get("active"))
        return cls(**values)

    def as_params(self) -> dict[str, str]:
        out = _params(self)
        if self.active is None:
            out["active"] = "all"
        return out


def organisations(user: Any, flt: OrgFilter | None = None) -> QuerySet[PartyOrganisation]:
    flt = flt or OrgFilter()
    qs = restrict(PartyOrganisation.objects.all(), user, "view").select_related(
        "region", "parent", "organisation", "department"
    )
    if flt.active is not None:
        qs = qs.filter(is_active=flt.active)
    if flt.region:
        qs = qs.filter(subtree_q(flt.region, "region_path"))
    if flt.kind:
        qs = qs.filter(kind=flt.kind)
    if flt.category:
        qs = qs.filter(category=flt.category)
    if flt.parent is not None:
        qs = qs.filter(parent_id=flt.parent)
    if flt.q:
        qs = qs.filter(name__contains=flt.q)
    if flt.stars is not None:
        qs = qs.filter(stars=flt.stars)
    return qs


def get_organisation(user: Any, pk: Any) -> PartyOrganisation:
    org = (
        restrict(PartyOrganisation.objects.all(), user, "view")
        .select_related("region", "parent", "organisation", "department")
        .filter(pk=_int(pk) or 0)
        .first()
    )
    if org is None:
        raise _not_visible()
    return org


@dataclass
class TreeNode:
    """One organisation in the tree: ``members`` its own active members, ``total_members``
    those of its whole visible subtree."""

    org: PartyOrganisation
    children: list[TreeNode] = field(default_factory=list)
    members: int = 0
    total_members: int = 0

    @property
    def member_count(self) -> int:
        return self.members


def org_tree(user: Any, root_path: str = "", depth: int = 3) -> list[TreeNode]:
    """The visible active organisations inside ``root_path`` (everything visible when "") as a
    forest: the roots are those whose parent is not in the set; ``depth`` levels of the
    organisation tree are kept (1: the roots only). One query for the organisations and one
    aggregate for the member counts."""
    flt = OrgFilter(region=_path(root_path)) if root_path else OrgFilter()
    orgs = list(organisations(user, flt).select_related(None).select_related("region"))
    if not orgs:
        return []
    counts = dict(
        restrict(PartyMember.objects.all(), user, "view")
        .filter(state=c.MemberState.ACTIVE, organisation_id__in=[o.pk for o in orgs])
        .values_list("organisation_id")
        .annotate(n=Count("id"))
        .values_list("organisation_id", "n")
    )
    nodes = {o.pk: TreeNode(org=o, members=counts.get(o.pk, 0)) for o in orgs}
    roots: list[TreeNode] = []
    for org in orgs:  # ordered by region_path: parents before children
        parent = nodes.get(org.parent_id) if org.parent_id is not None else None
        if parent is None:
            roots.append(nodes[org.pk])
        else:
            parent.children.append(nodes[org.pk])
    for root in roots:
        _finish(root, 1, max(1, depth))
    return roots


def _finish(node: TreeNode, level: int, depth: int) -> int:
    """Sum the subtree's members into ``total_members`` and cut the tree below ``depth``."""
    total = node.members + sum(_finish(child, level + 1, depth) for child in node.children)
    node.total_members = total
    if level >= depth:
        node.children = []
    return total


def secretary_of(org: PartyOrganisation) -> PartyMember | None:
    seat = (
        Seat.objects.filter(organisation=org, title=c.SeatTitle.SECRETARY, ends_on__isnull=True)
        .select_related("member__person")
        .first()
    )
    return seat.member if seat is not None else None


# -- members ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberFilter:
    """``q``: the start of the name. ``state``: "active" by default, "" for every state."""

    region: str = ""
    organisation: int | None = None
    status: str = ""
    in_service: bool | None = None
    mobile: bool | None = None
    q: str = ""
    state: str = c.MemberState.ACTIVE.value

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> MemberFilter:
        values: dict[str, Any] = {}
        if "region" in params:
            values["region"] = _path(params.get("region"))
        if "organisation" in params:
            values["organisation"] = _int(params.get("organisation"))
        if "status" in params:
            values["status"] = _choice(params.get("status"), c.MemberStatus)
        if "in_service" in params:
            values["in_service"] = _bool(params.get("in_service"))
        if "mobile" in params:
            values["mobile"] = _bool(params.get("mobile"))
        if "q" in params:
            values["q"] = _text(params.get("q"))
        if "state" in params:
            state = _text(params.get("state"))
            values["state"] = state if state in c.MemberState.values else ""
        return cls(**values)

    def as_params(self) -> dict[str, str]:
        out = _params(self)
        if not self.state:
            out["state"] = ""
        return out


def in_service_q(prefix: str = "") -> Q:
    """Members with an in-service unit (a text or a department)."""
    return ~Q(**{f"{prefix}in_service_unit": ""}) | Q(
        **{f"{prefix}in_service_department__isnull": False}
    )


def members(user: Any, flt: MemberFilter | None = None) -> QuerySet[PartyMember]:
    flt = flt or MemberFilter()
    qs = restrict(PartyMember.objects.all(), user, "view").select_related(
        "person", "organisation", "in_service_department", "user"
    )
    if flt.state:
        qs = qs.filter(state=flt.state)
    if flt.region:
        qs = qs.filter(subtree_q(flt.region, "region_path"))
    if flt.organisation is not None:
        qs = qs.filter(organisation_id=flt.organisation)
    if flt.status:
        qs = qs.filter(status=flt.status)
    if flt.in_service is True:
        qs = qs.filter(in_service_q())
    elif flt.in_service is False:
        qs = qs.exclude(in_service_q())
    if flt.mobile is not None:
        qs = qs.filter(is_mobile=flt.mobile)
    if flt.q:
        qs = qs.filter(person__name__startswith=flt.q)
    return qs


def get_member(user: Any, pk: Any) -> PartyMember:
    member = (
        restrict(PartyMember.objects.all(), user, "view")
        .select_related("person", "organisation", "in_service_department", "user")
        .filter(pk=_int(pk) or 0)
        .first()
    )
    if member is None:
        raise _not_visible()
    return member


def member_for_user(user: Any) -> PartyMember | None:
    """The active membership whose staff account is ``user``."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.pk:
        return None
    return (
        PartyMember.objects.filter(user_id=user.pk, state=c.MemberState.ACTIVE)
        .select_related("person", "organisation")
        .order_by("id")
        .first()
    )


def member_for_resident(resident: Any, *, phone_lookup: str = "") -> PartyMember | None:
    """The active member whose register person's phone is the resident account's phone,
    matched by the register's keyed lookup hash (``core.protection.lookup_hash(phone,
    "phone")``): ``phone_lookup`` when given (a login that kept it), else the resident's
    ``phone_hash``. None when there is none, or when the phone is shared by more than one
    active member (a family phone): a sign-in must not guess who is signing in."""
    phone_hash = phone_lookup or getattr(resident, "phone_hash", "") or ""
    if not phone_hash:
        return None
    found = list(
        PartyMember.objects.filter(
            state=c.MemberState.ACTIVE,
            person__phone_hash=phone_hash,
            person__state="active",
        )
        .select_related("person", "organisation")
        .order_by("id")[:2]
    )
    return found[0] if len(found) == 1 else None


def seats(user: Any, organisation: PartyOrganisation) -> list[Seat]:
    """The organisation's seats: current ones first (secretary, deputy, … in the order of the
    titles), then the history, newest first."""
    rows = list(
        restrict(Seat.objects.all(), user, "view")
        .filter(organisation=organisation)
        .select_related("member__person")
    )
    order = {value: index for index, value in enumerate(c.SeatTitle.values)}
    current = sorted(
        (s for s in rows if s.ends_on is None),
        key=lambda s: (order.get(s.title, 99), s.starts_on, s.pk),
    )
    history = sorted(
        (s for s in rows if s.ends_on is not None),
        key=lambda s: (s.ends_on or dt.date.min, s.starts_on, s.pk),
        reverse=True,
    )
    return current + history


def chief_appointments(user: Any, grid_path: str) -> QuerySet[GridChiefAppointment]:
    """The grid's chief appointments, the current one (no end date) first."""
    return (
        restrict(GridChiefAppointment.objects.all(), user, "view")
        .filter(grid__path=_path(grid_path) or "-")
        .select_related("grid", "member__person", "post", "appointed_by")
        .order_by("-starts_on", "-id")
    )


# -- sinking (双报到) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RegistrationFilter:
    """``q``: the start of the member's name or part of the unit's name. ``community`` and
    ``grid``: region paths (or codes). ``state``: "" for every state, "live" for not ended."""

    region: str = ""
    kind: str = ""
    state: str = ""
    community: str = ""
    grid: str = ""
    member: int | None = None
    unit: int | None = None
    q: str = ""

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> RegistrationFilter:
        values: dict[str, Any] = {}
        for name in ("region", "community", "grid"):
            if name in params:
                values[name] = _path(params.get(name))
        if "kind" in params:
            values["kind"] = _choice(params.get("kind"), c.RegistrantKind)
        if "state" in params:
            state = _text(params.get("state"))
            values["state"] = state if state in (*c.RegistrationState.values, "live") else ""
        for name in ("member", "unit"):
            if name in params:
                values[name] = _int(params.get(name))
        if "q" in params:
            values["q"] = _text(params.get("q"))
        return cls(**values)

    def as_params(self) -> dict[str, str]:
        return _params(self)


def registrations(
    user: Any, flt: RegistrationFilter | None = None
) -> QuerySet[ServiceRegistration]:
    flt = flt or RegistrationFilter()
    qs = restrict(ServiceRegistration.objects.all(), user, "view").select_related(
        "member__person", "member__organisation", "unit", "community", "grid"
    )
    if flt.region:
        qs = qs.filter(subtree_q(flt.region, "region_path"))
    if flt.kind:
        qs = qs.filter(kind=flt.kind)
    if flt.state == "live":
        qs = qs.exclude(state=c.RegistrationState.ENDED)
    elif flt.state:
        qs = qs.filter(state=flt.state)
    if flt.community:
        qs = qs.filter(community__path=flt.community)
    if flt.grid:
        qs = qs.filter(grid__path=flt.grid)
    if flt.member is not None:
        qs = qs.filter(member_id=flt.member)
    if flt.unit is not None:
        qs = qs.filter(unit_id=flt.unit)
    if flt.q:
        qs = qs.filter(Q(member__person__name__startswith=flt.q) | Q(unit__name__contains=flt.q))
    return qs


# -- needs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NeedFilter:
    """``q``: part of the title. ``due_before``: due on or before this day."""

    region: str = ""
    kind: str = ""
    state: str = ""
    q: str = ""
    due_before: dt.date | None = None

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> NeedFilter:
        values: dict[str, Any] = {}
        if "region" in params:
            values["region"] = _path(params.get("region"))
        if "kind" in params:
            values["kind"] = _choice(params.get("kind"), c.NeedKind)
        if "state" in params:
            values["state"] = _choice(params.get("state"), c.NeedState)
        if "q" in params:
            values["q"] = _text(params.get("q"))
        if "due_before" in params:
            values["due_before"] = _date(params.get("due_before"))
        return cls(**values)

    def as_params(self) -> dict[str, str]:
        return _params(self)


def needs(user: Any, flt: NeedFilter | None = None) -> QuerySet[Need]:
    flt = flt or NeedFilter()
    qs = (
        restrict(Need.objects.all(), user, "view")
        .select_related("region", "published_by")
        .annotate(
            live_claims=Count("claims", filter=~Q(claims__state=c.ClaimState.WITHDRAWN)),
        )
    )
    if flt.region:
        qs = qs.filter(subtree_q(flt.region, "region_path"))
    if flt.kind:
        qs = qs.filter(kind=flt.kind)
    if flt.state:
        qs = qs.filter(state=flt.state)
    if flt.q:
        qs = qs.filter(title__contains=flt.q)
    if flt.due_before is not None:
        qs = qs.filter(due_on__lte=flt.due_before)
    return qs


def get_need(user: Any, pk: Any) -> Need:
    need = (
        restrict(Need.objects.all(), user, "view")
        .select_related("region", "published_by")
        .filter(pk=_int(pk) or 0)
        .first()
    )
    if need is None:
        raise _not_visible()
    return need


# -- organisational life ----------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingFilter:
    """``start``/``end``: the meeting's local day range (both included). ``q``: part of the
    title."""

    region: str = ""
    organisation: int | None = None
    kind: str = ""
    state: str = ""
    start: dt.date | None = None
    end: dt.date | None = None
    q: str = ""

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> MeetingFilter:
        values: dict[str, Any] = {}
        if "region" in params:
            values["region"] = _path(params.get("region"))
        if "organisation" in params:
            values["organisation"] = _int(params.get("organisation"))
        if "kind" in params:
            values["kind"] = _choice(params.get("kind"), c.MeetingKind)
        if "state" in params:
            values["state"] = _choice(params.get("state"), c.MeetingState)
        for name in ("start", "end"):
            if name in params:
                values[name] = _date(params.get(name))
        if "q" in params:
            values["q"] = _text(params.get("q"))
        return cls(**values)

    def as_params(self) -> dict[str, str]:
        return _params(self)


def meetings(user: Any, flt: MeetingFilter | None = None) -> QuerySet[Meeting]:
    flt = flt or MeetingFilter()
    qs = restrict(Meeting.objects.all(), user, "view").select_related("organisation", "created_by")
    if flt.region:
        qs = qs.filter(subtree_q(flt.region, "region_path"))
    if flt.organisation is not None:
        qs = qs.filter(organisation_id=flt.organisation)
    if flt.kind:
        qs = qs.filter(kind=flt.kind)
    if flt.state:
        qs = qs.filter(state=flt.state)
    if flt.start is not None:
        qs = qs.filter(starts_at__date__gte=flt.start)
    if flt.end is not None:
        qs = qs.filter(starts_at__date__lte=flt.end)
    if flt.q:
        qs = qs.filter(title__contains=flt.q)
    return qs


def get_meeting(user: Any, pk: Any) -> Meeting:
    meeting = (
        restrict(Meeting.objects.all(), user, "view")
        .select_related("organisation", "created_by")
        .filter(pk=_int(pk) or 0)
        .first()
    )
    if meeting is None:
        raise _not_visible()
    return meeting


def expected_q(organisation: Any, kind: str, day: Any) -> Q:
    """Which members (a ``Q`` on ``PartyMember``) are expected at a meeting of ``organisation``
    of ``kind`` on ``day``: a 支委会 is for the holders of the organisation's seats on that day;
    a 党小组会 for the group's members; every other meeting (支部党员大会, 党课, 主题党日 …) for
    the organisation's members and those of its groups (a branch's members who sit in a
    building group belong to the branch's meetings too). Only active members who had joined by
    that day. ``organisation`` and ``day`` may be ``OuterRef`` expressions."""
    base = Q(state=c.MemberState.ACTIVE, joined_on__lte=day)
    if kind == c.MeetingKind.COMMITTEE_MEETING:
        return base & Q(
            Q(seats__ends_on__isnull=True) | Q(seats__ends_on__gt=day),
            seats__organisation_id=organisation,
            seats__starts_on__lte=day,
        )
    if kind == c.MeetingKind.GROUP_MEETING:
        return base & Q(organisation_id=organisation)
    return base & (
        Q(organisation_id=organisation)
        | Q(organisation__parent_id=organisation, organisation__kind=c.OrgKind.GROUP)
    )


def expected_attendees(meeting: Meeting) -> QuerySet[PartyMember]:
    """Who is expected at the meeting (see :func:`expected_q`)."""
    day = timezone.localtime(meeting.starts_at).date()
    return (
        PartyMember.objects.filter(expected_q(meeting.organisation_id, meeting.kind, day))
        .distinct()
        .select_related("person", "organisation")
        .order_by("person__name", "id")
    )


def meetings_for_member(member: PartyMember, *, upcoming: bool = True) -> QuerySet[Meeting]:
    """The meetings the member is expected at (the online branch): their organisation's, the
    parent branch's meetings for all members when they sit in a group, and the 支委会 of
    organisations where they hold a seat. ``upcoming`` — not cancelled and not over yet (an
    end, or the start plus four hours), soonest first; else the past ones, newest first."""
    now = timezone.now()
    today = timezone.localdate()
    mine = Q(organisation_id=member.organisation_id) & ~Q(kind=c.MeetingKind.COMMITTEE_MEETING)
    parent_id = (
        member.organisation.parent_id if member.organisation.kind == c.OrgKind.GROUP else None
    )
    if parent_id is not None:
        mine |= Q(organisation_id=parent_id) & ~Q(
            kind__in=(c.MeetingKind.COMMITTEE_MEETING, c.MeetingKind.GROUP_MEETING)
        )
    seated = Seat.objects.filter(member=member, starts_on__lte=today).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gt=today)
    )
    mine |= Q(
        kind=c.MeetingKind.COMMITTEE_MEETING,
        organisation_id__in=seated.values("organisation_id"),
    )
    qs = Meeting.objects.filter(mine).select_related("organisation")
    over = Q(ends_at__lt=now) | Q(
        ends_at__isnull=True, starts_at__lt=now - dt.timedelta(hours=MEETING_HOURS)
    )
    if upcoming:
        return qs.exclude(state=c.MeetingState.CANCELLED).exclude(over).order_by("starts_at", "id")
    return qs.filter(over).order_by("-starts_at", "-id")


# -- stars and places -------------------------------------------------------------------------


def ratings(user: Any, organisation: PartyOrganisation) -> QuerySet[StarRating]:
    """The organisation's ratings, newest year and newest rating first."""
    return (
        restrict(StarRating.objects.all(), user, "view")
        .filter(organisation=organisation)
        .select_related("rated_by")
        .order_by("-year", "-rated_at", "-id")
    )


def service_centres(user: Any, region: str = "") -> QuerySet[ServiceCentre]:
    qs = (
        restrict(ServiceCentre.objects.all(), user, "view")
        .filter(is_active=True)
        .select_related("region", "organisation")
    )
    if region:
        path = _path(region)
        qs = qs.filter(subtree_q(path, "region_path")) if path else qs.none()
    return qs


def star_criteria() -> QuerySet[StarCriterion]:
    """The active criteria of the star rating (one county-wide list, edited in the admin)."""
    return StarCriterion.objects.filter(is_active=True).order_by("order", "code")
