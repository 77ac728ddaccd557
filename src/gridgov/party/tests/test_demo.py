"""The demo party building (gridgov.demo.party) on one community's register: every grid has a
branch, the tree obeys the rules, members are adult party members of the register, seats,
grid chiefs, registrations, needs, meetings and ratings hang together; idempotent."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from gridgov.demo.party import DEMO_GRID, DEMO_MEMBER_PHONE, PartyCounts, generate_party
from gridgov.demo.registry import generate_registry
from gridgov.party import choices as c
from gridgov.party.figures import coverage
from gridgov.party.models import (
    Attendance,
    Claim,
    GridChiefAppointment,
    Meeting,
    Need,
    PartyMember,
    PartyOrganisation,
    Seat,
    ServiceCentre,
    ServiceRecord,
    ServiceRegistration,
    StarCriterion,
    StarRating,
)
from gridgov.party.selectors import expected_attendees
from gridgov.party.services import may_sit_under, stars_for
from gridgov.regions.models import Region, subtree_q
from gridgov.registry.models import Person
from gridgov.registry.values import protect_phone

COMMUNITY = "220283001001"  # 育才社区: five grids, the demo grid worker's among them

pytestmark = pytest.mark.django_db


@pytest.fixture
def county() -> Region:
    return Region.objects.get(path="220283")


@pytest.fixture
def built(county: Region) -> PartyCounts:
    """One community's register (the demo grid at full density, the other grids thin) and its
    party building."""
    generate_registry(
        county=county, log=lambda *_: None, within=COMMUNITY, dense=(DEMO_GRID,), organisations=12
    )
    return generate_party(county=county, log=lambda *_: None, only=COMMUNITY)


def test_every_grid_has_a_branch_and_the_tree_obeys_the_rules(built, people):
    grids = Region.objects.filter(subtree_q(COMMUNITY, "path"), level="grid")
    assert grids.count() == 5 and built.uncovered == 0
    for grid in grids:
        branch = PartyOrganisation.objects.get(region=grid, kind=c.OrgKind.BRANCH)
        assert branch.parent is not None and branch.parent.region_path == COMMUNITY
    assert coverage(people.county_op, COMMUNITY).share == 1.0
    check_tree("220283")
    kinds = Counter(PartyOrganisation.objects.values_list("level", "kind"))
    assert kinds[("county", "committee")] == 1
    assert kinds[("township", "working_committee")] == 1  # 北城街道 is a street
    assert kinds[("village", "committee")] + kinds[("village", "general_branch")] == 1
    assert kinds[("grid", "branch")] == 5
    assert kinds[("building", "group")] >= 1
    assert built.organisations[c.OrgKind.GROUP] == kinds[("building", "group")]


def test_members_are_adult_party_members_of_the_register(built):
    check_members(COMMUNITY)
    members = PartyMember.objects.filter(person__region_path__startswith=COMMUNITY)
    assert members.count() == built.members > 20
    assert members.filter(status=c.MemberStatus.PROBATIONARY).count() == built.probationary
    assert members.exclude(in_service_unit="").count() == built.in_service > 0
    for member in members.exclude(in_service_unit=""):
        assert member.in_service_department is not None
        assert member.in_service_unit == member.in_service_department.name
    mobile = members.filter(is_mobile=True)
    assert mobile.count() == built.mobile > 0
    assert not mobile.filter(mobile_location="").exists()
    # Every grid has members of its own, even the thinly registered ones.
    for grid in Region.objects.filter(subtree_q(COMMUNITY, "path"), level="grid"):
        assert members.filter(region_path__startswith=grid.path).exists()
    # The online branch's demo member: mobile, in the demo grid's branch, with the phone.
    phone = protect_phone(DEMO_MEMBER_PHONE).hash
    demo = PartyMember.objects.get(person__phone_hash=phone)
    assert demo.is_mobile and demo.organisation.region_path == DEMO_GRID
    assert Person.objects.filter(phone_hash=phone).count() == 1
    upcoming = Meeting.objects.filter(
        organisation=demo.organisation, starts_at__gt=timezone.now(), is_online=True
    )
    assert upcoming.exists()


def test_seats_and_grid_chiefs(built):
    check_seats("220283")
    chiefs = GridChiefAppointment.objects.filter(region_path__startswith=COMMUNITY)
    current = chiefs.filter(ends_on__isnull=True)
    assert current.count() == 5 == built.chiefs
    for chief in current.filter(is_default=True):
        seat = Seat.objects.get(
            organisation__region=chief.grid,
            organisation__kind=c.OrgKind.BRANCH,
            title=c.SeatTitle.SECRETARY,
            ends_on__isnull=True,
        )
        assert chief.member_id == seat.member_id and chief.post is None
    assert not current.filter(is_default=False, reason="").exists()


def test_registrations_needs_claims_and_service_hours(built):
    check_service(COMMUNITY)
    regs = ServiceRegistration.objects.all()
    assert regs.count() == built.registrations > 0
    assert regs.filter(kind="member", state="assigned").count() == built.sunk > 0
    needs = Need.objects.filter(region_path__startswith=COMMUNITY)
    assert needs.count() == built.needs > 0
    now = timezone.now()
    assert not needs.filter(published_at__lt=now - dt.timedelta(days=92)).exists()
    assert Claim.objects.count() == built.claims
    assert ServiceRecord.objects.count() == built.records > 0


def test_meetings_and_attendance(built):
    check_meetings("220283")
    assert Meeting.objects.count() == built.meetings
    meetings = Meeting.objects.filter(region_path__startswith=COMMUNITY)
    assert meetings.count() > 0
    assert Attendance.objects.count() == built.attendance > 0
    kinds = set(meetings.values_list("kind", flat=True))
    assert {"theme_day", "group_meeting"} <= kinds
    today = timezone.localdate()
    days = {timezone.localtime(m).date() for m in meetings.values_list("starts_at", flat=True)}
    assert min(days) >= today - dt.timedelta(days=35)
    assert max(days) <= today + dt.timedelta(days=7)
    assert meetings.filter(state=c.MeetingState.HELD).exists()
    assert meetings.filter(state=c.MeetingState.PLANNED).exists()


def test_ratings_follow_the_thresholds(built, settings):
    check_ratings("220283")
    rated = StarRating.objects.values_list("organisation__level", flat=True)
    assert set(rated) == {"village", "grid"} and len(rated) == built.ratings >= 6


def test_service_centres(built):
    centres = ServiceCentre.objects.filter(region_path__startswith=COMMUNITY)
    assert centres.count() == built.centres == 1
    centre = centres.get()
    assert centre.level == "village" and centre.lng is not None and centre.phone.startswith("0432-")
    assert centre.organisation is not None and centre.organisation.region_path == COMMUNITY


def test_a_second_run_adds_nothing(built, county):
    assert built.members > 0
    before = [m.objects.count() for m in (PartyOrganisation, PartyMember, Meeting, Attendance)]
    again = generate_party(county=county, log=lambda *_: None, only=COMMUNITY)
    assert again.members == 0 and sum(again.organisations.values()) == 0
    after = [m.objects.count() for m in (PartyOrganisation, PartyMember, Meeting, Attendance)]
    assert after == before


def test_the_organisations_above_are_reused(county):
    from gridgov.party.tests.factories import make_org

    top = make_org("中共舒兰市委员会", c.OrgKind.COMMITTEE, "220283")
    street = make_org("北城街道党工委", c.OrgKind.WORKING_COMMITTEE, "220283001", top)
    generate_registry(
        county=county, log=lambda *_: None, within=DEMO_GRID, dense=(DEMO_GRID,), organisations=0
    )
    made = generate_party(county=county, log=lambda *_: None, only=COMMUNITY)
    assert (
        made.organisations[c.OrgKind.COMMITTEE] + made.organisations[c.OrgKind.GENERAL_BRANCH] == 1
    )
    assert made.organisations[c.OrgKind.WORKING_COMMITTEE] == 0
    assert PartyOrganisation.objects.filter(level__in=("county", "township")).count() == 2
    village = PartyOrganisation.objects.get(level="village", category="regional")
    assert village.parent == street
    check_tree("220283")
    check_members(COMMUNITY)
    check_seats(COMMUNITY)


# -- the checks (also run on the whole demo county by hand) ------------------------------------


def check_tree(scope: str) -> None:
    orgs = {o.pk: o for o in PartyOrganisation.objects.filter(subtree_q(scope, "region_path"))}
    regions = dict(
        Region.objects.filter(pk__in=[o.region_id for o in orgs.values()]).values_list("pk", "path")
    )
    levels = dict(Region.objects.filter(pk__in=regions).values_list("pk", "level"))
    names: set[tuple[int | None, str]] = set()
    for org in orgs.values():
        assert org.region_path == regions[org.region_id] and org.level == levels[org.region_id]
        assert org.level in c.ORG_LEVELS[org.kind], org
        assert (org.parent_id, org.name) not in names
        names.add((org.parent_id, org.name))
        if org.parent_id is None:
            assert org.level in ("county", "prefecture"), org
            continue
        parent = orgs.get(org.parent_id) or PartyOrganisation.objects.get(pk=org.parent_id)
        assert org.region_path.startswith(parent.region_path), org
        assert may_sit_under(
            kind=org.kind,
            region_path=org.region_path,
            parent_kind=parent.kind,
            parent_region_path=parent.region_path,
        ), org


def check_members(scope: str) -> None:
    today = timezone.localdate()
    members = PartyMember.objects.filter(person__region_path__startswith=scope).select_related(
        "person", "organisation"
    )
    for member in members:
        person = member.person
        assert person.is_party_member and person.state == "active" and person.kind != "foreign"
        assert member.region_path == member.organisation.region_path
        assert member.joined_on <= today
        assert _age_on(person.birth_date, member.joined_on) >= 18, member
        if member.status == c.MemberStatus.PROBATIONARY:
            assert member.full_member_on is None
            assert member.joined_on > today - dt.timedelta(days=366)
        else:
            assert member.full_member_on is not None
            assert member.joined_on <= member.full_member_on <= today
        if member.is_mobile:
            assert member.mobile_location and member.mobile_since
            assert member.mobile_since <= today
    # The register's flag and the membership agree.
    flagged = Person.objects.filter(
        region_path__startswith=scope, is_party_member=True, state="active"
    ).exclude(kind="foreign")
    assert flagged.count() == members.count()


def check_seats(scope: str) -> None:
    orgs = PartyOrganisation.objects.filter(subtree_q(scope, "region_path"), is_active=True)
    seats = defaultdict(list)
    for seat in Seat.objects.filter(organisation__in=orgs, ends_on__isnull=True).select_related(
        "member__organisation", "member__person"
    ):
        seats[seat.organisation_id].append(seat)
        assert seat.starts_on >= seat.member.joined_on
        assert seat.starts_on <= timezone.localdate()
    for org in orgs:
        held = seats[org.pk]
        if org.kind == c.OrgKind.GROUP:
            leaders = [s for s in held if s.title == c.SeatTitle.GROUP_LEADER]
            assert len(leaders) == 1 and leaders[0].member.organisation_id == org.pk, org
            continue
        secretaries = [s for s in held if s.title == c.SeatTitle.SECRETARY]
        assert len(secretaries) == 1, org
        secretary = secretaries[0].member
        assert secretary.status == c.MemberStatus.FORMAL
        if org.level in ("grid", "building") or org.category != c.OrgCategory.REGIONAL:
            assert secretary.organisation_id == org.pk, org
        else:
            assert secretary.region_path.startswith(org.region_path), org
        for seat in held:
            assert seat.member.region_path.startswith(org.region_path)


def check_service(scope: str) -> None:
    regs = ServiceRegistration.objects.filter(community__path__startswith=scope).select_related(
        "member__person", "community", "grid"
    )
    for reg in regs:
        if reg.kind == c.RegistrantKind.MEMBER:
            assert reg.member.in_service_unit
            assert reg.member.person.region_path.startswith(reg.community.path)
        if reg.state == c.RegistrationState.ASSIGNED:
            assert reg.grid.path.startswith(reg.community.path)
            assert reg.assigned_at is not None and reg.assigned_at >= reg.registered_at
            assert reg.region_path == reg.grid.path
        else:
            assert reg.grid is None and reg.region_path == reg.community.path
        records = reg.service_records.aggregate(total=Sum("hours"))["total"] or Decimal(0)
        assert reg.hours == records, reg
        for record in reg.service_records.all():
            assert record.region_path == reg.region_path
            assert record.day <= timezone.localdate()
    for need in Need.objects.filter(region_path__startswith=scope).prefetch_related("claims"):
        claims = list(need.claims.all())
        live = [cl.state for cl in claims if cl.state != c.ClaimState.WITHDRAWN]
        if need.state == c.NeedState.CANCELLED:
            assert c.ClaimState.CONFIRMED not in live
        elif live and all(s == c.ClaimState.CONFIRMED for s in live):
            assert need.state == c.NeedState.DONE and need.done_at is not None
        elif len(live) >= need.slots:
            assert need.state == c.NeedState.CLAIMED
        else:
            assert need.state == c.NeedState.OPEN
        for claim in claims:
            assert claim.registration.community.path == need.region_path[:12]
            assert claim.claimed_at >= need.published_at
            if claim.state == c.ClaimState.CONFIRMED:
                assert claim.service_record.hours == claim.hours > 0
                assert claim.confirmed_at is not None and claim.reported_at is not None
                assert claim.confirmed_at >= claim.reported_at >= claim.claimed_at


def check_meetings(scope: str) -> None:
    now = timezone.now()
    meetings = Meeting.objects.filter(region_path__startswith=scope).select_related("organisation")
    rows: dict[int, list[Attendance]] = defaultdict(list)
    for row in Attendance.objects.filter(meeting__in=meetings).select_related("member"):
        rows[row.meeting_id].append(row)
    for meeting in meetings:
        assert meeting.region_path == meeting.organisation.region_path
        if meeting.kind == c.MeetingKind.GROUP_MEETING:
            assert meeting.organisation.kind == c.OrgKind.GROUP
        assert meeting.ends_at is not None
        if meeting.state == c.MeetingState.HELD:
            assert meeting.ends_at < now and rows[meeting.pk] and meeting.minutes
        else:
            assert not rows[meeting.pk]
        if meeting.state == c.MeetingState.PLANNED:
            assert meeting.ends_at > now
        if meeting.state == c.MeetingState.HELD:
            # Everyone expected (party.selectors.expected_attendees) has a row, nobody else.
            expected = set(expected_attendees(meeting).values_list("pk", flat=True))
            assert {row.member_id for row in rows[meeting.pk]} == expected
        for row in rows[meeting.pk]:
            assert row.region_path == meeting.region_path
            if row.kind == c.AttendanceKind.REMOTE:
                assert meeting.is_online and row.member.is_mobile
            assert (row.signed_at is not None) == (row.kind in c.ATTENDED)


def check_ratings(scope: str) -> None:
    maximum = dict(StarCriterion.objects.filter(is_active=True).values_list("code", "max_points"))
    year = timezone.localdate().year - 1
    rated = set()
    for rating in StarRating.objects.filter(region_path__startswith=scope).select_related(
        "organisation"
    ):
        assert rating.year == year and set(rating.scores) == set(maximum)
        assert all(0 <= rating.scores[k] <= maximum[k] for k in maximum)
        assert rating.total == Decimal(str(sum(rating.scores.values())))
        assert rating.max_total == sum(maximum.values())
        assert rating.stars == stars_for(rating.total, rating.max_total)
        assert rating.organisation.stars == rating.stars
        rated.add(rating.organisation_id)
    expected = PartyOrganisation.objects.filter(
        subtree_q(scope, "region_path"), level__in=("village", "grid")
    )
    assert set(expected.values_list("pk", flat=True)) == rated


def _age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
