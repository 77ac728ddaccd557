"""Reads of party building: jurisdiction, filters, the tree, members and meetings."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from unittest import mock

import pytest
from django.http import Http404
from django.utils import timezone

from gridgov.accounts import tokens
from gridgov.accounts.models import Resident
from gridgov.core import protection
from gridgov.party import choices as c
from gridgov.party import selectors as s
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
    ServiceRegistration,
    StarRating,
)
from gridgov.party.tests.factories import (
    COMMUNITY,
    GRID_A,
    GRID_B,
    make_member,
    make_org,
    make_tree,
    region,
)

PARTY_MODELS = (
    PartyOrganisation,
    PartyMember,
    Seat,
    GridChiefAppointment,
    ServiceRegistration,
    Need,
    Claim,
    Meeting,
    Attendance,
    ServiceCentre,
)


def isolate_party_rows() -> None:
    """Move any party rows already in the test database (a demo) out of every scope, so that
    counts see only the rows a test builds (rolled back with the test)."""
    for model in PARTY_MODELS:
        model.objects.update(region_path="99")


@pytest.fixture(autouse=True)
def _isolated(db: Any) -> None:
    isolate_party_rows()


def ids(qs: Any) -> set[int]:
    return {obj.pk for obj in qs}


def meeting_of(org: PartyOrganisation, when: dt.datetime, **fields: Any) -> Meeting:
    values: dict[str, Any] = {
        "kind": c.MeetingKind.GENERAL_MEETING,
        "title": "支部党员大会",
        "state": c.MeetingState.HELD,
    }
    values.update(fields)
    return Meeting.objects.create(
        organisation=org, region_path=org.region_path, starts_at=when, **values
    )


def local(*args: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


# -- jurisdiction ----------------------------------------------------------------------------


def test_organisations_follow_the_jurisdiction(people: Any) -> None:
    tree = make_tree()
    assert ids(s.organisations(people.grid_worker)) == {tree.branch_a.pk, tree.group_a.pk}
    assert ids(s.organisations(people.village_op)) == {
        tree.community.pk,
        tree.branch_a.pk,
        tree.branch_b.pk,
        tree.group_a.pk,
    }
    assert ids(s.organisations(people.leader)) == {o.pk for o in tree.all}
    assert ids(s.organisations(people.dept_handler)) == set()


def test_get_raises_404_outside_the_jurisdiction(people: Any) -> None:
    tree = make_tree()
    member = make_member(tree.branch_b)
    assert s.get_organisation(people.grid_worker, str(tree.branch_a.pk)) == tree.branch_a
    with pytest.raises(Http404, match="不在您的辖区内"):
        s.get_organisation(people.grid_worker, tree.branch_b.pk)
    with pytest.raises(Http404):
        s.get_organisation(people.grid_worker, "not-a-number")
    with pytest.raises(Http404):
        s.get_member(people.grid_worker, member.pk)
    assert s.get_member(people.leader, member.pk) == member
    with pytest.raises(Http404):
        s.get_member(people.dept_handler, member.pk)


# -- filters ---------------------------------------------------------------------------------


def test_org_filter_from_params_is_robust_and_round_trips() -> None:
    flt = s.OrgFilter.from_params(
        {
            "region": GRID_A,
            "kind": "branch",
            "parent": "x",
            "stars": "9",
            "active": "0",
            "q": " 网格 ",
        }
    )
    assert flt == s.OrgFilter(region=GRID_A, kind="branch", q="网格", active=False)
    assert s.OrgFilter.from_params(flt.as_params()) == flt
    assert s.OrgFilter.from_params({"kind": "nonsense", "category": 3}) == s.OrgFilter()
    everything = s.OrgFilter.from_params({"active": "all", "stars": "0", "parent": "12"})
    assert everything.active is None and everything.stars == 0 and everything.parent == 12
    assert everything.as_params() == {"active": "all", "stars": "0", "parent": "12"}
    assert s.OrgFilter.from_params(everything.as_params()) == everything
    # A statistical code is taken as its path.
    assert s.OrgFilter.from_params({"region": "220283000000"}).region == "220283"
    assert s.OrgFilter.from_params({"region": "abc"}).region == ""


def test_organisation_filters(people: Any) -> None:
    tree = make_tree()
    PartyOrganisation.objects.filter(pk=tree.branch_b.pk).update(stars=4)
    dissolved = make_org("已撤销党支部", c.OrgKind.BRANCH, GRID_B, tree.community, is_active=False)
    leader = people.leader
    assert ids(s.organisations(leader, s.OrgFilter(region=GRID_A))) == {
        tree.branch_a.pk,
        tree.group_a.pk,
    }
    assert ids(s.organisations(leader, s.OrgFilter(kind="branch"))) == {
        tree.branch_a.pk,
        tree.branch_b.pk,
    }
    assert ids(s.organisations(leader, s.OrgFilter(parent=tree.community.pk))) == {
        tree.branch_a.pk,
        tree.branch_b.pk,
    }
    assert ids(s.organisations(leader, s.OrgFilter(q="第二"))) == {tree.branch_b.pk}
    assert ids(s.organisations(leader, s.OrgFilter(stars=4))) == {tree.branch_b.pk}
    assert ids(s.organisations(leader, s.OrgFilter(active=False))) == {dissolved.pk}
    assert dissolved.pk in ids(s.organisations(leader, s.OrgFilter(active=None)))
    assert ids(s.organisations(leader, s.OrgFilter(category="enterprise"))) == set()


def test_member_filters(people: Any) -> None:
    tree = make_tree()
    formal = make_member(tree.branch_a, name="张正式")
    probationary = make_member(tree.branch_a, status=c.MemberStatus.PROBATIONARY, name="李预备")
    in_service = make_member(
        tree.branch_b, name="王在职", member_fields={"in_service_unit": "市财政局"}
    )
    mobile = make_member(
        tree.branch_b, name="赵流动", member_fields={"is_mobile": True, "mobile_location": "长春"}
    )
    gone = make_member(tree.branch_b, name="钱转出", member_fields={"state": "transferred"})
    leader = people.leader
    assert ids(s.members(leader)) == {formal.pk, probationary.pk, in_service.pk, mobile.pk}
    assert ids(s.members(leader, s.MemberFilter(state=""))) == {
        formal.pk,
        probationary.pk,
        in_service.pk,
        mobile.pk,
        gone.pk,
    }
    assert ids(s.members(leader, s.MemberFilter(status="probationary"))) == {probationary.pk}
    assert ids(s.members(leader, s.MemberFilter(in_service=True))) == {in_service.pk}
    assert in_service.pk not in ids(s.members(leader, s.MemberFilter(in_service=False)))
    assert ids(s.members(leader, s.MemberFilter(mobile=True))) == {mobile.pk}
    assert ids(s.members(leader, s.MemberFilter(q="王"))) == {in_service.pk}
    assert ids(s.members(leader, s.MemberFilter(region=GRID_A))) == {formal.pk, probationary.pk}
    assert ids(s.members(leader, s.MemberFilter(organisation=tree.branch_b.pk))) == {
        in_service.pk,
        mobile.pk,
    }
    assert ids(s.members(people.grid_worker)) == {formal.pk, probationary.pk}

    flt = s.MemberFilter.from_params(
        {"in_service": "1", "mobile": "maybe", "organisation": "", "state": "", "status": "x"}
    )
    assert flt == s.MemberFilter(in_service=True, state="")
    assert s.MemberFilter.from_params(flt.as_params()) == flt


def test_other_filters_parse_without_raising() -> None:
    reg = s.RegistrationFilter.from_params(
        {"state": "live", "member": "7", "unit": "u", "grid": GRID_A}
    )
    assert reg == s.RegistrationFilter(state="live", member=7, grid=GRID_A)
    assert s.RegistrationFilter.from_params(reg.as_params()) == reg
    need = s.NeedFilter.from_params({"kind": "wish", "state": "bogus", "due_before": "2026-13-01"})
    assert need == s.NeedFilter(kind="wish")
    need = s.NeedFilter.from_params({"due_before": "2026-03-01"})
    assert need.due_before == dt.date(2026, 3, 1) and need.as_params() == {
        "due_before": "2026-03-01"
    }
    meeting = s.MeetingFilter.from_params(
        {"organisation": "3", "start": "2026-01-01", "end": "yesterday", "kind": "theme_day"}
    )
    assert meeting == s.MeetingFilter(organisation=3, start=dt.date(2026, 1, 1), kind="theme_day")
    assert s.MeetingFilter.from_params(meeting.as_params()) == meeting


# -- the tree --------------------------------------------------------------------------------


def test_org_tree_nests_counts_and_cuts_at_depth(
    people: Any, django_assert_max_num_queries: Any
) -> None:
    tree = make_tree()
    make_member(tree.branch_a)
    make_member(tree.branch_a)
    make_member(tree.group_a)
    make_member(tree.branch_b)
    leader = people.leader
    s.organisations(leader).exists()  # the scope is computed once per user object
    with django_assert_max_num_queries(2):
        roots = s.org_tree(leader, depth=10)
    assert [r.org for r in roots] == [tree.county]
    assert roots[0].total_members == 4
    community = roots[0].children[0].children[0]
    assert community.org == tree.community
    assert [(n.org, n.members, n.total_members) for n in community.children] == [
        (tree.branch_a, 2, 3),
        (tree.branch_b, 1, 1),
    ]
    assert [n.org for n in community.children[0].children] == [tree.group_a]

    shallow = s.org_tree(leader, depth=2)
    assert shallow[0].children[0].org == tree.township
    assert shallow[0].children[0].children == []
    assert shallow[0].children[0].total_members == 4

    # A grid worker's forest starts at the visible top: their grid's branch.
    mine = s.org_tree(people.grid_worker)
    assert [(n.org, n.member_count) for n in mine] == [(tree.branch_a, 2)]
    assert [n.org for n in mine[0].children] == [tree.group_a]
    assert [n.org for n in s.org_tree(leader, COMMUNITY, depth=1)] == [tree.community]
    assert s.org_tree(people.dept_handler) == []


def test_secretary_and_seats(people: Any) -> None:
    tree = make_tree()
    secretary = make_member(tree.branch_a, seat="secretary", name="书记甲")
    deputy = make_member(tree.branch_a, seat="deputy")
    old = make_member(tree.branch_a)
    Seat.objects.create(
        organisation=tree.branch_a,
        member=old,
        region_path=tree.branch_a.region_path,
        title=c.SeatTitle.SECRETARY,
        starts_on=dt.date(2015, 1, 1),
        ends_on=dt.date(2020, 12, 31),
    )
    assert s.secretary_of(tree.branch_a) == secretary
    assert s.secretary_of(tree.branch_b) is None
    assert [(x.member, x.ends_on is None) for x in s.seats(people.grid_worker, tree.branch_a)] == [
        (secretary, True),
        (deputy, True),
        (old, False),
    ]
    assert s.seats(people.dept_handler, tree.branch_a) == []


# -- members of accounts ---------------------------------------------------------------------


def test_member_for_user(people: Any) -> None:
    tree = make_tree()
    account = people.grid_worker
    member = make_member(tree.branch_a, user=account)
    make_member(tree.branch_b, user=account, member_fields={"state": "transferred"})
    assert s.member_for_user(account) == member
    assert s.member_for_user(people.village_op) is None
    from django.contrib.auth.models import AnonymousUser

    assert s.member_for_user(AnonymousUser()) is None


def test_member_for_resident_matches_the_register_phone_hash(people: Any) -> None:
    tree = make_tree()
    member = make_member(tree.branch_a, phone="13912345678")
    register_hash = protection.lookup_hash("13912345678", "phone")
    assert member.person.phone_hash == register_hash
    resident = Resident.objects.create(phone_hash=register_hash, phone_masked="139****5678")
    assert s.member_for_resident(resident) == member
    stranger = Resident.objects.create(
        phone_hash=protection.lookup_hash("13900000000", "phone"), phone_masked="139****0000"
    )
    assert s.member_for_resident(stranger) is None
    # The same lookup with the hash given explicitly (a login that kept it in the session).
    assert s.member_for_resident(stranger, phone_lookup=register_hash) == member
    # A phone shared by two members (a family phone) names no one.
    make_member(tree.branch_a, phone="13912345678")
    assert s.member_for_resident(resident) is None


def test_member_for_resident_after_a_real_login(people: Any) -> None:
    tree = make_tree()
    member = make_member(tree.branch_a, phone="13912345678")
    # An account made before logins used the register's hash is moved onto it.
    legacy = Resident.objects.create(
        phone_hash=tokens.keyed_hash("13912345678", "phone"), phone_masked="139****5678"
    )
    codes: list[str] = []

    def capture(phone: str, text: str) -> None:
        codes.append(text)

    with mock.patch.object(tokens, "send_sms", capture):
        tokens.send_login_code(phone="13912345678")
    code = re.search(r"\d{6}", codes[0])
    assert code is not None
    resident = tokens.verify_login_code(phone="13912345678", code=code.group())
    assert resident.pk == legacy.pk
    assert s.member_for_resident(resident) == member


# -- grid chiefs, sinking, needs -------------------------------------------------------------


def test_chief_appointments(people: Any) -> None:
    tree = make_tree()
    member = make_member(tree.branch_a, seat="secretary")
    appointment = GridChiefAppointment.objects.create(
        grid=region(GRID_A), region_path=GRID_A, member=member, starts_on=dt.date(2024, 1, 1)
    )
    assert list(s.chief_appointments(people.grid_worker, GRID_A)) == [appointment]
    assert list(s.chief_appointments(people.grid_worker, GRID_B)) == []
    assert list(s.chief_appointments(people.dept_handler, GRID_A)) == []
    assert list(s.chief_appointments(people.leader, "junk")) == []


def registration(
    *, member: PartyMember | None = None, unit: Any = None, grid: str = "", **fields: Any
) -> ServiceRegistration:
    values: dict[str, Any] = {
        "kind": c.RegistrantKind.MEMBER if member is not None else c.RegistrantKind.UNIT,
        "member": member,
        "unit": unit,
        "community": region(COMMUNITY),
        "region_path": grid or COMMUNITY,
        "registered_at": timezone.now(),
    }
    if grid:
        values.update(grid=region(grid), state=c.RegistrationState.ASSIGNED)
    values.update(fields)
    return ServiceRegistration.objects.create(**values)


def test_registrations_filters(people: Any) -> None:
    from gridgov.accounts.models import Department

    tree = make_tree()
    cadre = make_member(tree.branch_a, name="周干部", member_fields={"in_service_unit": "市财政局"})
    unit = Department.objects.filter(kind="functional").first()
    assert unit is not None
    sunk = registration(member=cadre, grid=GRID_A)
    waiting = registration(unit=unit)
    ended = registration(member=make_member(tree.branch_b), state=c.RegistrationState.ENDED)
    leader = people.leader
    assert ids(s.registrations(leader)) == {sunk.pk, waiting.pk, ended.pk}
    live = s.RegistrationFilter(state="live")
    assert ids(s.registrations(leader, live)) == {sunk.pk, waiting.pk}
    assert ids(s.registrations(leader, s.RegistrationFilter(grid=GRID_A))) == {sunk.pk}
    assert ids(s.registrations(leader, s.RegistrationFilter(kind="unit"))) == {waiting.pk}
    assert ids(s.registrations(leader, s.RegistrationFilter(q="周"))) == {sunk.pk}
    assert ids(s.registrations(leader, s.RegistrationFilter(q=unit.name[:2]))) >= {waiting.pk}
    assert ids(s.registrations(people.grid_worker)) == {sunk.pk}


def test_needs_and_get_need(people: Any) -> None:
    make_tree()
    now = timezone.now()
    wish = Need.objects.create(
        kind=c.NeedKind.WISH,
        title="帮独居老人买药",
        region=region(GRID_A),
        region_path=GRID_A,
        published_at=now,
        due_on=dt.date(2030, 1, 1),
    )
    project = Need.objects.create(
        kind=c.NeedKind.PROJECT,
        title="社区清雪",
        region=region(COMMUNITY),
        region_path=COMMUNITY,
        published_at=now,
        state=c.NeedState.CLAIMED,
    )
    assert ids(s.needs(people.leader)) == {wish.pk, project.pk}
    assert ids(s.needs(people.grid_worker)) == {wish.pk}
    assert ids(s.needs(people.leader, s.NeedFilter(kind="project"))) == {project.pk}
    assert ids(s.needs(people.leader, s.NeedFilter(state="claimed"))) == {project.pk}
    assert ids(s.needs(people.leader, s.NeedFilter(q="老人"))) == {wish.pk}
    assert ids(s.needs(people.leader, s.NeedFilter(due_before=dt.date(2031, 1, 1)))) == {wish.pk}
    listed: Any = s.needs(people.leader).get(pk=wish.pk)
    assert listed.live_claims == 0
    assert s.get_need(people.grid_worker, wish.pk) == wish
    with pytest.raises(Http404):
        s.get_need(people.grid_worker, project.pk)


# -- meetings --------------------------------------------------------------------------------


def test_meetings_filters_and_get(people: Any) -> None:
    tree = make_tree()
    a = meeting_of(tree.branch_a, local(2026, 3, 5, 9), kind=c.MeetingKind.THEME_DAY)
    b = meeting_of(tree.branch_b, local(2026, 4, 5, 9), state=c.MeetingState.PLANNED)
    leader = people.leader
    assert ids(s.meetings(leader)) == {a.pk, b.pk}
    assert ids(s.meetings(people.grid_worker)) == {a.pk}
    assert ids(s.meetings(leader, s.MeetingFilter(kind="theme_day"))) == {a.pk}
    assert ids(s.meetings(leader, s.MeetingFilter(state="planned"))) == {b.pk}
    assert ids(s.meetings(leader, s.MeetingFilter(start=dt.date(2026, 4, 1)))) == {b.pk}
    assert ids(s.meetings(leader, s.MeetingFilter(end=dt.date(2026, 3, 5)))) == {a.pk}
    assert ids(s.meetings(leader, s.MeetingFilter(organisation=tree.branch_b.pk))) == {b.pk}
    assert ids(s.meetings(leader, s.MeetingFilter(region=GRID_B))) == {b.pk}
    assert s.get_meeting(people.grid_worker, a.pk) == a
    with pytest.raises(Http404):
        s.get_meeting(people.grid_worker, b.pk)


def test_expected_attendees_joined_by_the_meeting_day(people: Any) -> None:
    tree = make_tree()
    early = make_member(tree.branch_a, joined_on=dt.date(2020, 1, 1))
    same_day = make_member(tree.branch_a, joined_on=dt.date(2026, 3, 5))
    make_member(tree.branch_a, joined_on=dt.date(2026, 3, 6))  # joined after
    make_member(tree.branch_a, member_fields={"state": "deceased"})
    make_member(tree.branch_b)  # another organisation
    grouped = make_member(tree.group_a)  # the branch's group: at the branch's meetings too
    meeting = meeting_of(tree.branch_a, local(2026, 3, 5, 9))
    assert ids(s.expected_attendees(meeting)) == {early.pk, same_day.pk, grouped.pk}


def test_meetings_for_member(people: Any) -> None:
    tree = make_tree()
    member = make_member(tree.branch_a)
    now = timezone.now()
    soon = meeting_of(tree.branch_a, now + dt.timedelta(days=1), state=c.MeetingState.PLANNED)
    running = meeting_of(tree.branch_a, now - dt.timedelta(hours=1), state=c.MeetingState.PLANNED)
    meeting_of(
        tree.branch_a, now + dt.timedelta(days=2), state=c.MeetingState.CANCELLED
    )  # cancelled: not upcoming
    past = meeting_of(tree.branch_a, now - dt.timedelta(days=3))
    meeting_of(tree.branch_b, now + dt.timedelta(days=1))  # not their organisation
    assert list(s.meetings_for_member(member)) == [running, soon]
    assert list(s.meetings_for_member(member, upcoming=False)) == [past]


def test_ratings_and_centres(people: Any) -> None:
    tree = make_tree()
    centre = ServiceCentre.objects.create(
        name="社区党群服务中心",
        level=c.CentreLevel.VILLAGE,
        region=region(COMMUNITY),
        region_path=COMMUNITY,
        organisation=tree.community,
    )
    ServiceCentre.objects.create(
        name="已停用",
        level=c.CentreLevel.GRID,
        region=region(GRID_A),
        region_path=GRID_A,
        is_active=False,
    )
    assert list(s.service_centres(people.leader)) == [centre]
    assert list(s.service_centres(people.leader, COMMUNITY)) == [centre]
    assert list(s.service_centres(people.leader, GRID_B)) == []
    assert list(s.service_centres(people.leader, "junk")) == []
    assert list(s.service_centres(people.grid_worker)) == []
    older = StarRating.objects.create(
        organisation=tree.branch_a,
        region_path=GRID_A,
        year=2025,
        total=85,
        max_total=100,
        stars=4,
        rated_at=timezone.now(),
    )
    newer = StarRating.objects.create(
        organisation=tree.branch_a,
        region_path=GRID_A,
        year=2026,
        total=65,
        max_total=100,
        stars=2,
        rated_at=timezone.now() - dt.timedelta(days=1),
    )
    assert list(s.ratings(people.grid_worker, tree.branch_a)) == [newer, older]
    assert list(s.ratings(people.grid_worker, tree.branch_b)) == []
    assert list(s.ratings(people.dept_handler, tree.branch_a)) == []
