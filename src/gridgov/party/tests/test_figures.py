"""Figures of party building: coverage, member structure, sinking, needs, participation,
stars — their values, their jurisdiction and their query counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from gridgov.accounts.models import Department
from gridgov.metrics.figures import Span
from gridgov.party import choices as c
from gridgov.party import figures as f
from gridgov.party.models import Attendance, Claim, Need, PartyOrganisation
from gridgov.party.tests.factories import (
    COMMUNITY,
    COUNTY,
    GRID_A,
    GRID_B,
    TOWNSHIP,
    first_building,
    make_member,
    make_org,
    make_tree,
    region,
)
from gridgov.party.tests.test_selectors import (
    isolate_party_rows,
    local,
    meeting_of,
    registration,
)
from gridgov.regions.models import Region

GRID_C = "220283001001003"


@pytest.fixture(autouse=True)
def _isolated(db: Any) -> None:
    isolate_party_rows()


def grids_of(path: str) -> list[str]:
    return list(
        Region.objects.filter(level="grid", is_active=True, path__startswith=path)
        .order_by("path")
        .values_list("path", flat=True)
    )


# -- coverage --------------------------------------------------------------------------------


def test_coverage_counts_grids_with_an_organisation_in_them(people: Any) -> None:
    grids = grids_of(COMMUNITY)
    assert grids[:3] == [GRID_A, GRID_B, GRID_C]
    # Only three active grids in the community, whatever the demo has.
    Region.objects.filter(level="grid", path__in=grids[3:]).update(is_active=False)
    tree = make_tree()  # branches on grids A and B, a group on a building of A
    # Grid C: only a building group (counts) …
    make_org("楼栋党小组", c.OrgKind.GROUP, first_building(GRID_C), tree.community)
    cov = f.coverage(people.leader, COMMUNITY)
    assert (cov.grids, cov.covered, cov.share, cov.uncovered) == (3, 3, 1.0, [])
    # … and not when it is dissolved; B's branch dissolved too leaves 1 of 3.
    PartyOrganisation.objects.filter(region_path__startswith=GRID_C).update(is_active=False)
    cov = f.coverage(people.leader, COMMUNITY)
    assert (cov.grids, cov.covered, cov.share) == (3, 2, 0.667)
    assert cov.uncovered == [(GRID_C, region(GRID_C).name)]
    assert cov.percent == 66.7
    PartyOrganisation.objects.filter(pk=tree.branch_b.pk).update(is_active=False)
    cov = f.coverage(people.leader, COMMUNITY)
    assert (cov.covered, cov.share) == (1, 0.333)
    assert [path for path, _name in cov.uncovered] == [GRID_B, GRID_C]
    # An organisation above the grids does not cover them.
    assert f.coverage(people.leader, GRID_C).covered == 0


def test_coverage_follows_the_jurisdiction(people: Any, django_assert_max_num_queries: Any) -> None:
    make_tree()
    leader, worker = people.leader, people.grid_worker
    f.coverage(leader, GRID_A)  # the scope is computed once per user object
    f.coverage(worker, GRID_A)
    with django_assert_max_num_queries(2):
        whole = f.coverage(leader, COUNTY)
    assert whole.grids == len(grids_of(COUNTY)) and whole.covered == 2
    assert len(whole.uncovered) == 50
    # A grid worker asking for the county sees their grid only.
    assert (f.coverage(worker, COUNTY).grids, f.coverage(worker, COUNTY).covered) == (1, 1)
    assert f.coverage(worker, "").grids == 1
    assert f.coverage(worker, GRID_B) == f.Coverage(0, 0, 0.0, [])
    # A department handler sees no territory of figures, though their department serves one.
    assert f.coverage(people.dept_handler, COUNTY) == f.Coverage(0, 0, 0.0, [])


# -- members ---------------------------------------------------------------------------------


def test_member_structure(people: Any, django_assert_max_num_queries: Any) -> None:
    from gridgov.registry.tests.fixtures import make_id

    tree = make_tree()
    today = dt.date(2026, 6, 1)

    def born(age: int, male: bool = True) -> dict[str, Any]:
        birth = dt.date(today.year - age, 1, 1)
        return {"id_number": make_id(birth, male=male)}

    make_member(tree.branch_a, **born(25))
    make_member(tree.branch_a, status=c.MemberStatus.PROBATIONARY, **born(35, male=False))
    make_member(tree.branch_a, member_fields={"in_service_unit": "市财政局"}, **born(45))
    make_member(tree.branch_b, member_fields={"is_mobile": True}, **born(46, male=False))
    make_member(tree.branch_b, **born(60))
    make_member(tree.branch_b, **born(61, male=False))
    make_member(tree.branch_b, member_fields={"state": "removed"}, **born(70))
    leader = people.leader
    f.member_structure(leader, COMMUNITY, today=today)
    with django_assert_max_num_queries(1):
        figures = f.member_structure(leader, COMMUNITY, today=today)
    assert figures == {
        "total": 6,
        "formal": 5,
        "probationary": 1,
        "in_service": 1,
        "mobile": 1,
        "gender": {"male": 3, "female": 3},
        "age": {"under_35": 1, "35_45": 2, "46_60": 2, "over_60": 1},
    }
    mine = f.member_structure(people.grid_worker, COUNTY, today=today)
    assert (mine["total"], mine["age"]["under_35"]) == (3, 1)
    assert f.member_structure(people.dept_handler, COUNTY, today=today)["total"] == 0
    assert set(f.age_band_labels()) == set(figures["age"])


# -- sinking ---------------------------------------------------------------------------------


def test_sinking_by_grid_and_by_unit(people: Any, django_assert_max_num_queries: Any) -> None:
    tree = make_tree()
    finance = Department.objects.filter(kind="functional").order_by("id")[0]
    other = Department.objects.filter(kind="functional").order_by("id")[1]
    cadre_a = make_member(tree.branch_a, member_fields={"in_service_department": finance})
    cadre_b = make_member(tree.branch_b, member_fields={"in_service_unit": "市第一中学"})
    cadre_c = make_member(tree.branch_b, member_fields={"in_service_unit": "市第一中学"})
    r1 = registration(member=cadre_a, grid=GRID_A, hours=Decimal("3.5"))
    registration(unit=finance, grid=GRID_A, hours=Decimal("2"))
    registration(member=cadre_b, grid=GRID_B, hours=Decimal("1"))
    registration(member=cadre_c)  # registered, waiting for a grid
    registration(unit=other, state=c.RegistrationState.ENDED, grid=GRID_B)  # ended: left out
    for state in (c.ClaimState.CONFIRMED, c.ClaimState.REPORTED):
        need = Need.objects.create(
            kind=c.NeedKind.WISH,
            title="买药",
            region=region(GRID_A),
            region_path=GRID_A,
            published_at=timezone.now(),
        )
        Claim.objects.create(
            need=need,
            registration=r1,
            region_path=GRID_A,
            state=state,
            claimed_at=timezone.now(),
        )
    leader = people.leader
    with django_assert_max_num_queries(3):
        rows = f.sinking(leader, COMMUNITY)
    as_tuples = [
        (r.key, r.registered, r.assigned, r.members, r.units, r.hours, r.claims_confirmed)
        for r in rows
    ]
    assert as_tuples == [
        (GRID_A, 2, 2, 1, 1, Decimal("5.5"), 1),
        (GRID_B, 1, 1, 1, 0, Decimal("1"), 0),
        ("", 1, 0, 1, 0, Decimal("0"), 0),
    ]
    assert rows[0].name == region(GRID_A).name
    assert rows[2].name == "待分配网格"

    by_unit = {r.key: r for r in f.sinking(leader, COMMUNITY, by="unit")}
    assert set(by_unit) == {f"unit:{finance.pk}", "text:市第一中学"}
    finance_row = by_unit[f"unit:{finance.pk}"]
    assert (finance_row.name, finance_row.registered, finance_row.members, finance_row.units) == (
        finance.name,
        2,
        1,
        1,
    )
    assert finance_row.claims_confirmed == 1
    school = by_unit["text:市第一中学"]
    assert (school.registered, school.assigned, school.hours) == (2, 1, Decimal("1"))

    # The grid worker sees grid A's registrations only (those still at the community are not
    # in their grid).
    assert [r.key for r in f.sinking(people.grid_worker, COUNTY)] == [GRID_A]
    assert f.sinking(people.dept_handler, COUNTY) == []


# -- needs -----------------------------------------------------------------------------------


def test_needs_summary(people: Any) -> None:
    make_tree()
    span = Span.month(2026, 3)

    def need(kind: str, state: str, when: dt.datetime, path: str = GRID_A) -> None:
        Need.objects.create(
            kind=kind,
            title="需求",
            region=region(path),
            region_path=path,
            state=state,
            published_at=when,
        )

    march = local(2026, 3, 10, 9)
    need(c.NeedKind.WISH, c.NeedState.DONE, march)
    need(c.NeedKind.WISH, c.NeedState.DONE, march)
    need(c.NeedKind.WISH, c.NeedState.CLAIMED, march)
    need(c.NeedKind.WISH, c.NeedState.CANCELLED, march)
    need(c.NeedKind.PROJECT, c.NeedState.OPEN, march, path=GRID_B)
    need(c.NeedKind.WISH, c.NeedState.DONE, local(2026, 4, 1, 0, 30))  # April: left out
    need(c.NeedKind.WISH, c.NeedState.DONE, local(2026, 2, 28, 23, 30))  # February: left out
    summary = f.needs_summary(people.leader, COMMUNITY, span)
    assert {k: summary[k] for k in ("published", "open", "claimed", "done", "cancelled")} == {
        "published": 5,
        "open": 1,
        "claimed": 3,
        "done": 2,
        "cancelled": 1,
    }
    assert summary["rate"] == 0.5  # 2 done of 5 published less 1 cancelled
    assert summary["span"] == "2026-03"
    wish = summary["by_kind"]["wish"]
    assert (wish["label"], wish["published"], wish["done"], wish["rate"]) == ("微心愿", 4, 2, 0.667)
    assert summary["by_kind"]["call"]["rate"] is None
    mine = f.needs_summary(people.grid_worker, COUNTY, span)
    assert (mine["published"], mine["rate"]) == (4, 0.667)
    assert f.needs_summary(people.dept_handler, COUNTY, span)["published"] == 0


# -- participation ---------------------------------------------------------------------------


def test_participation_counts_members_without_a_row_absent(
    people: Any, django_assert_max_num_queries: Any
) -> None:
    tree = make_tree()
    a1, a2, a3, _a4 = (make_member(tree.branch_a, joined_on=dt.date(2020, 1, 1)) for _ in range(4))
    late = make_member(tree.branch_a, joined_on=dt.date(2026, 3, 20))
    b1 = make_member(tree.branch_b)
    first = meeting_of(tree.branch_a, local(2026, 3, 5, 9))
    second = meeting_of(tree.branch_a, local(2026, 3, 25, 9))
    meeting_of(tree.branch_a, local(2026, 3, 28, 9), state=c.MeetingState.PLANNED)  # not held
    meeting_of(tree.branch_a, local(2026, 4, 2, 9))  # outside the period
    other = meeting_of(tree.branch_b, local(2026, 3, 6, 9))

    def attend(meeting: Any, member: Any, kind: str) -> None:
        Attendance.objects.create(
            meeting=meeting, member=member, region_path=meeting.region_path, kind=kind
        )

    # First meeting: 4 expected (the late member had not joined); a4 has no row → absent.
    attend(first, a1, c.AttendanceKind.PRESENT)
    attend(first, a2, c.AttendanceKind.REMOTE)
    attend(first, a3, c.AttendanceKind.LEAVE)
    # Second meeting: 5 expected; a1, late present, a2 absent (row), a3, a4 without rows.
    attend(second, a1, c.AttendanceKind.PRESENT)
    attend(second, late, c.AttendanceKind.PRESENT)
    attend(second, a2, c.AttendanceKind.ABSENT)
    attend(other, b1, c.AttendanceKind.PRESENT)
    span = Span.month(2026, 3)
    leader = people.leader
    f.coverage(leader, GRID_A)  # the scope is computed once per user object
    with django_assert_max_num_queries(5):
        rows = f.participation(leader, COMMUNITY, span)
    assert [r.organisation_id for r in rows] == [tree.branch_a.pk, tree.branch_b.pk]
    a = rows[0]
    assert (a.meetings, a.expected, a.present, a.remote, a.leave, a.absent) == (2, 9, 3, 1, 1, 4)
    assert a.attended == 4 and a.rate == 0.444
    b = rows[1]
    assert (b.meetings, b.expected, b.present, b.absent, b.rate) == (1, 1, 1, 0, 1.0)

    only_a = f.participation(leader, COUNTY, span, organisation=tree.branch_a)
    assert [r.organisation_id for r in only_a] == [tree.branch_a.pk]
    assert f.participation(leader, COUNTY, span, organisation=tree.branch_b.pk)[0].expected == 1
    assert [r.organisation_id for r in f.participation(people.grid_worker, COUNTY, span)] == [
        tree.branch_a.pk
    ]
    assert f.participation(people.dept_handler, COUNTY, span) == []
    assert f.participation(leader, COUNTY, Span.month(2025, 3)) == []


# -- stars -----------------------------------------------------------------------------------


def test_star_distribution(people: Any) -> None:
    tree = make_tree()
    PartyOrganisation.objects.filter(pk__in=[tree.branch_a.pk, tree.branch_b.pk]).update(stars=5)
    PartyOrganisation.objects.filter(pk=tree.community.pk).update(stars=3)
    make_org("已撤销", c.OrgKind.BRANCH, GRID_B, tree.community, stars=5, is_active=False)
    assert f.star_distribution(people.leader, COUNTY) == {0: 3, 1: 0, 2: 0, 3: 1, 4: 0, 5: 2}
    assert f.star_distribution(people.leader, TOWNSHIP) == {0: 2, 1: 0, 2: 0, 3: 1, 4: 0, 5: 2}
    assert f.star_distribution(people.grid_worker, COUNTY) == {0: 1, 1: 0, 2: 0, 3: 0, 4: 0, 5: 1}
    assert sum(f.star_distribution(people.dept_handler, COUNTY).values()) == 0
