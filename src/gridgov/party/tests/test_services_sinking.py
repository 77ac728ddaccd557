"""双报到 and sinking into grids: registering, assigning, ending, service hours."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from gridgov.accounts.models import Department
from gridgov.party import choices as c
from gridgov.party import services
from gridgov.party.errors import PartyConflict
from gridgov.party.models import ServiceRecord, ServiceRegistration
from gridgov.party.tests.factories import COMMUNITY, GRID_A, GRID_B, make_member, make_tree
from gridgov.regions.models import Region
from gridgov.testing import staff

pytestmark = pytest.mark.django_db
OTHER_VILLAGE = "220283002001"


def unit():
    return Department.objects.get(short_name="城管局")


def in_service(tree, **fields):
    user = staff("department_handler", department=unit())
    return make_member(
        tree.branch_a,
        user=user,
        member_fields={"in_service_unit": "市城管局", "in_service_department": unit(), **fields},
    )


def test_member_registers_themself_and_is_assigned(people):
    tree = make_tree()
    member = in_service(tree)
    registration = services.register_service(
        actor=member.user,
        kind="member",
        community=COMMUNITY,
        member_id=str(member.pk),
        skills="法律咨询",
    )
    assert registration.state == c.RegistrationState.REGISTERED
    assert registration.region_path == COMMUNITY and registration.grid is None
    # One live registration per member and community.
    with pytest.raises(ValidationError) as info:
        services.register_service(
            actor=member.user, kind="member", community=COMMUNITY, member_id=member.pk
        )
    assert "community" in info.value.message_dict
    assigned = services.assign_registration(
        actor=people.village_op, registration_id=registration.pk, grid=GRID_B
    )
    assert assigned.state == c.RegistrationState.ASSIGNED and assigned.grid.path == GRID_B
    assert assigned.region_path == GRID_B and assigned.assigned_by == people.village_op
    assert assigned.version == 2
    # The community assigns only inside itself.
    with pytest.raises(ValidationError) as info:
        services.assign_registration(
            actor=people.village_op, registration_id=registration.pk, grid=f"{OTHER_VILLAGE}001"
        )
    assert "grid" in info.value.message_dict


def test_unit_registration_by_its_handler(people):
    make_tree()
    registration = services.register_service(
        actor=people.dept_handler, kind="unit", community=COMMUNITY, unit_id=unit().pk
    )
    assert registration.unit == unit() and registration.member is None
    with pytest.raises(ValidationError) as info:
        services.register_service(
            actor=people.dept_handler, kind="unit", community=COMMUNITY, unit_id=unit().pk
        )
    assert "community" in info.value.message_dict


def test_register_refusals_write_nothing(people):
    tree = make_tree()
    retired = make_member(tree.branch_a)  # not in service
    member = in_service(tree)
    before = ServiceRegistration.objects.count()
    with pytest.raises(ValidationError) as info:
        services.register_service(
            actor=people.village_op, kind="member", community=COMMUNITY, member_id=retired.pk
        )
    assert "member" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        services.register_service(
            actor=people.village_op,
            kind="member",
            community=GRID_A,
            member_id=member.pk,
            unit_id=unit().pk,
            skills="长" * 201,
        )
    assert {"community", "unit", "skills"} <= set(info.value.message_dict)
    with pytest.raises(ValidationError) as info:
        services.register_service(actor=people.village_op, kind="robot", community=COMMUNITY)
    assert "kind" in info.value.message_dict
    # Someone else's member: neither the member, nor the unit's handler, nor a manager above.
    stranger = staff("grid_worker", region=Region.objects.get(path=GRID_A))
    with pytest.raises(PermissionDenied):
        services.register_service(
            actor=stranger, kind="member", community=COMMUNITY, member_id=member.pk
        )
    with pytest.raises(PermissionDenied):
        services.register_service(
            actor=people.leader, kind="unit", community=COMMUNITY, unit_id=unit().pk
        )
    assert ServiceRegistration.objects.count() == before


def test_assign_and_end_refusals(people):
    tree = make_tree()
    member = in_service(tree)
    registration = services.register_service(
        actor=member.user, kind="member", community=COMMUNITY, member_id=member.pk
    )
    with pytest.raises(PermissionDenied):
        services.assign_registration(
            actor=people.leader, registration_id=registration.pk, grid=GRID_A
        )
    with pytest.raises(Http404):  # still at the community: not in the grid worker's view
        services.assign_registration(
            actor=people.grid_worker, registration_id=registration.pk, grid=GRID_A
        )
    other = staff("village_operator", region=Region.objects.get(path=OTHER_VILLAGE))
    with pytest.raises(Http404):
        services.assign_registration(actor=other, registration_id=registration.pk, grid=GRID_A)
    with pytest.raises(Http404):
        services.end_registration(actor=other, registration_id=registration.pk, reason="x")
    with pytest.raises(ValidationError) as info:
        services.end_registration(actor=member.user, registration_id=registration.pk, reason="")
    assert "reason" in info.value.message_dict
    ended = services.end_registration(
        actor=member.user, registration_id=registration.pk, reason="工作调动"
    )
    assert ended.state == c.RegistrationState.ENDED and ended.ended_at is not None
    with pytest.raises(PartyConflict):
        services.end_registration(actor=member.user, registration_id=registration.pk, reason="x")
    with pytest.raises(PartyConflict):
        services.assign_registration(
            actor=people.village_op, registration_id=registration.pk, grid=GRID_A
        )
    # Ended: a new registration with the same community is allowed.
    again = services.register_service(
        actor=member.user, kind="member", community=COMMUNITY, member_id=member.pk
    )
    assert again.pk != registration.pk


def test_record_service_hours(people):
    tree = make_tree()
    member = in_service(tree)
    registration = services.register_service(
        actor=member.user, kind="member", community=COMMUNITY, member_id=member.pk
    )
    services.assign_registration(
        actor=people.village_op, registration_id=registration.pk, grid=GRID_A
    )
    today = timezone.localdate()
    record = services.record_service(
        actor=people.grid_worker,
        registration_id=registration.pk,
        day=today,
        hours="2.5",
        content="清理楼道杂物",
    )
    assert record.hours == Decimal("2.5") and record.region_path == GRID_A
    assert record.recorded_by == people.grid_worker and record.claim is None
    registration.refresh_from_db()
    assert registration.hours == Decimal("2.5") and registration.version == 3
    before = ServiceRecord.objects.count()
    with pytest.raises(ValidationError) as info:
        services.record_service(
            actor=people.grid_worker,
            registration_id=registration.pk,
            day=today + dt.timedelta(days=1),
            hours="0.2",
            content="",
        )
    assert {"day", "hours", "content"} <= set(info.value.message_dict)
    with pytest.raises(ValidationError) as info:
        services.record_service(
            actor=people.grid_worker,
            registration_id=registration.pk,
            day=today,
            hours=22,
            content="通宵值守",
        )
    assert "hours" in info.value.message_dict  # 2.5 + 22 > 24 on one day
    with pytest.raises(PermissionDenied):
        services.record_service(
            actor=people.leader,
            registration_id=registration.pk,
            day=today,
            hours=1,
            content="x",
        )
    grid_b_worker = people.grid_worker_of(GRID_B)
    with pytest.raises(Http404):
        services.record_service(
            actor=grid_b_worker,
            registration_id=registration.pk,
            day=today,
            hours=1,
            content="x",
        )
    assert ServiceRecord.objects.count() == before
    registration.refresh_from_db()
    assert registration.hours == Decimal("2.5")
