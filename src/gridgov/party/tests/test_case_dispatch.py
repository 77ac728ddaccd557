"""Cases reach party units: an organisation that takes cases (接单) is dispatched to like a
department, and a member sunk into a grid (双报到) can be dispatched a case as a person by the
centres above that grid — not by a centre elsewhere."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from gridgov.accounts.models import Department
from gridgov.accounts.services import create_staff_user
from gridgov.cases.services import act
from gridgov.cases.tests.fixtures import GRID_A, T0
from gridgov.cases.workflow import Action, Status
from gridgov.core.jurisdiction import can
from gridgov.party import services
from gridgov.party.tests.factories import make_member, make_tree
from gridgov.testing import PASSWORD, staff

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)
ELSEWHERE_VILLAGE = "220283002001"


def account(name: str):
    return create_staff_user(username=name, full_name="测试党员", password=PASSWORD, actor=None)


def in_service_account():
    """An in-service member's staff account: a handler post in their own unit."""
    return staff("department_handler", department=Department.objects.get(short_name="城管局"))


def accepted(report, people):
    case = report()
    act(case=case, user=people.village_op, action=Action.ACCEPT, at=T0)
    case.refresh_from_db()
    return case


def dispatch(case, people, lead):
    act(case=case, user=people.village_op, action=Action.DISPATCH, payload={"lead": lead}, at=T0)
    case.refresh_from_db()
    return case


def sunk(people, org, *, user, community, grid):
    member = make_member(org, user=user, member_fields={"in_service_unit": "市城管局"})
    registration = services.register_service(
        actor=people.county_op, kind="member", community=community, member_id=member.pk
    )
    services.assign_registration(actor=people.county_op, registration_id=registration.pk, grid=grid)
    return member


def test_case_dispatched_to_a_party_organisation_that_takes_cases(report, people):
    tree = make_tree()
    secretary = account("party-secretary")
    make_member(tree.branch_a, user=secretary, seat="secretary")
    org = services.set_takes_cases(
        actor=people.village_op, organisation_id=tree.branch_a.pk, on=True
    )
    case = accepted(report, people)
    assert not can(secretary, case)
    case = dispatch(case, people, {"kind": "department", "ref": str(org.department_id)})
    assert case.status == Status.DISPATCHED and case.lead_department_id == org.department_id
    assert can(secretary, case)
    act(case=case, user=secretary, action=Action.SIGN, at=T0 + H)
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS


def test_case_dispatched_to_a_sunk_member(report, people):
    tree = make_tree()
    user = in_service_account()
    sunk(people, tree.branch_a, user=user, community=tree.community.region_path, grid=GRID_A)
    case = accepted(report, people)
    assert not can(user, case)
    case = dispatch(case, people, {"kind": "user", "ref": str(user.pk)})
    assert case.status == Status.DISPATCHED and case.lead_user == user
    assert can(user, case)
    act(case=case, user=user, action=Action.SIGN, at=T0 + H)
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS


def test_not_to_a_member_sunk_elsewhere_or_only_registered(report, people):
    tree = make_tree()
    elsewhere_user = in_service_account()
    elsewhere_grid = f"{ELSEWHERE_VILLAGE}001"
    sunk(
        people,
        tree.branch_a,
        user=elsewhere_user,
        community=ELSEWHERE_VILLAGE,
        grid=elsewhere_grid,
    )
    waiting_user = in_service_account()
    waiting = make_member(
        tree.branch_b, user=waiting_user, member_fields={"in_service_unit": "市水务局"}
    )
    services.register_service(
        actor=people.county_op,
        kind="member",
        community=tree.community.region_path,
        member_id=waiting.pk,
    )
    case = accepted(report, people)
    for user in (elsewhere_user, waiting_user):
        with pytest.raises(ValidationError) as info:
            dispatch(case, people, {"kind": "user", "ref": str(user.pk)})
        assert "lead" in info.value.message_dict
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED
