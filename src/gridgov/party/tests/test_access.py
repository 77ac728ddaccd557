"""The table of who may do what (party.access)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from gridgov.accounts.models import Department
from gridgov.party import access
from gridgov.party.models import ServiceRegistration
from gridgov.party.tests.factories import (
    COMMUNITY,
    COUNTY,
    GRID_A,
    GRID_B,
    TOWNSHIP,
    make_member,
    make_tree,
)
from gridgov.regions.models import Region
from gridgov.testing import staff

pytestmark = pytest.mark.django_db
BUILDING = GRID_A + "001"
ELSEWHERE = "220283002001001"


@pytest.mark.parametrize(
    ("username", "path", "manage", "rate", "publish"),
    [
        ("county_op", COUNTY, True, False, True),
        ("county_op", TOWNSHIP, True, True, True),
        ("township_op", TOWNSHIP, True, False, True),
        ("township_op", COMMUNITY, True, True, True),
        ("township_op", COUNTY, False, False, False),
        ("village_op", COMMUNITY, True, False, True),
        ("village_op", GRID_A, True, True, True),
        ("village_op", ELSEWHERE, False, False, False),
        ("grid_chief", GRID_B, True, True, True),
        ("grid_worker", GRID_A, False, False, True),
        ("grid_worker", BUILDING, False, False, True),
        ("grid_worker", GRID_B, False, False, False),
        ("leader", GRID_A, False, False, False),
        ("supervisor", GRID_A, False, False, False),
        ("dept_handler", GRID_A, False, False, False),
        ("admin", ELSEWHERE, True, True, True),
    ],
)
def test_table(people, username, path, manage, rate, publish):
    user = getattr(people, username)
    assert access.may_manage(user, path) is manage
    assert access.may_rate(user, path) is rate
    assert access.may_publish(user, path) is publish
    assert access.may_record_hours(user, path) is publish


def test_nobody_anonymous_or_inactive(people):
    assert not access.may_manage(AnonymousUser(), GRID_A)
    assert not access.may_manage(None, GRID_A)
    user = staff("village_operator", region=Region.objects.get(path=COMMUNITY))
    user.is_active = False
    assert not access.may_manage_anywhere(user)
    assert access.may_manage_anywhere(people.village_op)
    assert not access.may_manage_anywhere(people.leader)
    assert access.may_publish_anywhere(people.grid_worker)


def test_cache_forgotten_after_post_changes(people):
    user = staff("grid_worker", region=Region.objects.get(path=GRID_A))
    assert not access.may_manage(user, GRID_A)
    staff_post = user.posts.get()
    staff_post.role = "grid_chief"
    staff_post.save()
    assert not access.may_manage(user, GRID_A)  # cached per user object
    access.forget(user)
    assert access.may_manage(user, GRID_A)


def test_who_acts_for_a_registration(people):
    tree = make_tree()
    unit = Department.objects.get(short_name="城管局")
    own = staff("department_handler", department=unit)
    member = make_member(
        tree.branch_a,
        user=own,
        member_fields={"in_service_unit": "市城管局", "in_service_department": unit},
    )
    registration = ServiceRegistration(
        kind="member",
        member=member,
        community=Region.objects.get(path=COMMUNITY),
        region_path=COMMUNITY,
    )
    assert access.may_act_for_registration(own, registration)
    assert access.may_act_for_registration(people.dept_handler, registration)  # the unit
    assert access.may_act_for_registration(people.village_op, registration)  # manager above
    assert not access.may_act_for_registration(people.grid_worker, registration)
    assert not access.may_act_for_registration(people.leader, registration)
    other_unit = staff(
        "department_handler",
        department=Department.objects.exclude(pk=unit.pk).exclude(kind="party")[0],
    )
    assert not access.may_act_for_registration(other_unit, registration)
    by_unit = ServiceRegistration(
        kind="unit", unit=unit, community=registration.community, region_path=COMMUNITY
    )
    assert access.may_act_for_registration(people.dept_handler, by_unit)
    assert not access.may_act_for_registration(other_unit, by_unit)
    assert access.may_act_for_registration(own, by_unit)  # a handler of the unit too
