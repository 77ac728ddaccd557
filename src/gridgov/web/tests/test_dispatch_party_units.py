"""Dispatch options for party units: a party organisation that takes cases is offered where it
leads the case's place, and members sunk into the case's grid are offered as persons."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gridgov.accounts.models import Department
from gridgov.cases.tests.fixtures import GRID_A, GRID_B
from gridgov.party.models import PartyMember, PartyOrganisation, ServiceRegistration
from gridgov.regions.models import Region
from gridgov.registry.services import create_person
from gridgov.registry.tests.fixtures import person_values
from gridgov.testing import staff
from gridgov.web.forms import call_in_choices, dispatch_choices, sunk_members

pytestmark = pytest.mark.django_db


def party_department(path: str, name: str) -> Department:
    region = Region.objects.get(path=path)
    return Department.objects.create(
        code=f"party-test-{path}", name=name, kind=Department.Kind.PARTY, region=region
    )


def sunk_member(people, grid_path: str, *, name: str) -> PartyMember:
    grid = Region.objects.get(path=grid_path)
    branch = PartyOrganisation.objects.create(
        name=f"{grid.name}党支部{name}",
        kind="branch",
        region=grid,
        region_path=grid.path,
        level="grid",
    )
    person = create_person(actor=people.grid_worker, values=person_values(name=name))
    user = staff("department_handler", department=Department.objects.exclude(kind="party")[0])
    member = PartyMember.objects.create(
        person=person,
        organisation=branch,
        region_path=branch.region_path,
        joined_on=dt.date(2010, 7, 1),
        in_service_unit="市城管局",
        user=user,
    )
    ServiceRegistration.objects.create(
        kind="member",
        member=member,
        community=Region.objects.get(path=grid_path[:12]),
        grid=grid,
        region_path=grid.path,
        state="assigned",
        registered_at=timezone.now(),
    )
    return member


def test_party_units_offered_only_where_they_lead(report, people):
    case = report()
    here = party_department(GRID_A, "网格一党支部")
    there = party_department(GRID_B, "网格二党支部")
    values = [value for value, _label in dispatch_choices(case)]
    assert f"department:{here.pk}" in values
    assert f"department:{there.pk}" not in values
    called = [value for value, _label in call_in_choices(case)]
    assert f"department:{here.pk}" in called and f"department:{there.pk}" not in called
    # Ordinary departments are still offered.
    assert any(v.startswith("department:") and v != f"department:{here.pk}" for v in values)


def test_sunk_members_offered_as_persons_in_their_grid(report, people):
    case = report()
    member = sunk_member(people, GRID_A, name="李下沉")
    elsewhere = sunk_member(people, GRID_B, name="赵别处")
    options = dict(dispatch_choices(case))
    assert f"user:{member.user_id}" in options
    assert "下沉党员 李下沉" in options[f"user:{member.user_id}"]
    assert f"user:{elsewhere.user_id}" not in options
    assert [row[0] for row in sunk_members(GRID_B)] == [elsewhere.user_id]
