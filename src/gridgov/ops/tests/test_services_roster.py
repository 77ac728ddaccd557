"""The roster (网格力量名册), assignments with their posts, leave and duty rosters."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from gridgov.accounts.models import Post
from gridgov.accounts.roles import Role
from gridgov.core import protection
from gridgov.ops import choices as c
from gridgov.ops import services
from gridgov.ops.errors import OpsConflict
from gridgov.ops.models import Assignment, DutyShift, Leave, Worker
from gridgov.ops.tests.factories import GRID_A, GRID_B, make_worker, region
from gridgov.regions.models import Region
from gridgov.testing import staff

pytestmark = pytest.mark.django_db

VILLAGE = GRID_A[:12]
TOWNSHIP = GRID_A[:9]
OTHER_VILLAGE = "220283002001"
D = dt.timedelta(days=1)


def today() -> dt.date:
    return timezone.localdate()


def create(actor, **kwargs):
    values = {
        "region": region(VILLAGE),
        "name": "李晓梅",
        "gender": c.Gender.FEMALE,
        "kind": c.WorkerKind.FULL_TIME,
        "hired_on": dt.date(2025, 3, 1),
        "birth_date": dt.date(1988, 6, 15),
        "phone": "138 0432 1234",
        "education": c.Education.BACHELOR,
        "political_status": c.PoliticalStatus.PARTY_MEMBER,
    }
    values.update(kwargs)
    return services.create_worker(actor=actor, **values)


def no_posts(username):
    """A new staff account without any post (what an administrator creates for a new hire)."""
    from gridgov.accounts.services import create_staff_user

    return create_staff_user(username=username, full_name="新网格员", password=None, actor=None)


def current_posts(user, path):
    return Post.objects.current().filter(user=user, role=Role.GRID_WORKER, region__path=path)


def test_create_worker_protects_the_phone(people):
    worker = create(people.village_op, note="原村妇联主任")
    assert worker.region_path == VILLAGE and worker.state == c.WorkerState.ACTIVE
    assert worker.phone_masked == "138****1234"
    assert protection.decrypt(worker.phone_cipher) == "13804321234"
    assert worker.phone_hash == protection.lookup_hash("13804321234", "phone")
    assert "1234" not in worker.phone_masked[:7] and worker.version == 1
    township_level = create(people.township_op, region=region(TOWNSHIP), phone="")
    assert township_level.phone_masked == "" and township_level.phone_hash == ""


def test_create_worker_checks_every_field_and_stores_nothing(people):
    before = Worker.objects.count()
    with pytest.raises(ValidationError) as info:
        create(
            people.village_op,
            region=region(GRID_A),
            name=" ",
            gender="x",
            kind="boss",
            phone="12345",
            education="phd",
        )
    assert set(info.value.message_dict) == {
        "region",
        "name",
        "gender",
        "kind",
        "phone",
        "education",
    }
    with pytest.raises(ValidationError) as info:
        create(people.village_op, birth_date=dt.date(2008, 3, 2))  # 16 on the day of hire
    assert "16" in info.value.message_dict["birth_date"][0]
    with pytest.raises(ValidationError) as info:
        create(people.village_op, birth_date=dt.date(1959, 1, 1))  # 66
    assert "birth_date" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        create(people.village_op, hired_on=today() + D)
    assert "hired_on" in info.value.message_dict
    assert create(people.village_op, birth_date=dt.date(2007, 3, 1)).birth_date  # exactly 18
    assert Worker.objects.count() == before + 1


def test_create_worker_jurisdiction_and_role(people):
    with pytest.raises(Http404):
        create(people.village_op, region=region(OTHER_VILLAGE))
    with pytest.raises(PermissionDenied):
        create(people.leader)
    assert not Worker.objects.exists()


def test_one_active_worker_per_account(people):
    user = staff(Role.GRID_WORKER, region=region(GRID_A))
    first = create(people.village_op, user=user)
    with pytest.raises(ValidationError) as info:
        create(people.village_op, user=user, name="另一人")
    assert "user" in info.value.message_dict
    services.end_worker(actor=people.village_op, worker=first, left_on=today(), reason="辞职")
    second = create(people.village_op, user=user, name="再入职")
    first.refresh_from_db()
    assert second.user == user and first.user is None  # the former entry lets the account go


def test_a_manager_links_only_accounts_of_their_own_area(people):
    fresh = no_posts("new-worker")
    elsewhere = staff(Role.GRID_WORKER, region=region(OTHER_VILLAGE + "001"))
    county = staff(Role.COUNTY_OPERATOR, region=region(GRID_A[:6]))
    fresh_worker = create(people.village_op, user=fresh)  # no posts yet: fine
    assert fresh_worker.user == fresh
    for account in (elsewhere, county, people.admin):
        with pytest.raises(ValidationError) as info:
            create(people.village_op, user=account, name="越权")
        assert list(info.value.message_dict) == ["user"], account
    assert not Worker.objects.filter(name="越权").exists()
    # an update may not link one either, but keeping the linked account is always fine
    worker = create(people.village_op, name="改账号")
    with pytest.raises(ValidationError):
        services.update_worker(
            actor=people.village_op, worker=worker, version=worker.version, user=elsewhere
        )
    worker.refresh_from_db()
    assert worker.user is None
    # the county operator manages both villages: they may link the other village's account
    linked = services.update_worker(
        actor=people.county_op, worker=worker, version=worker.version, user=elsewhere
    )
    assert linked.user == elsewhere
    kept = services.update_worker(
        actor=people.village_op, worker=linked, version=linked.version, note="备注"
    )
    assert kept.user == elsewhere and kept.note == "备注"


def test_update_worker_with_version(people):
    worker = create(people.village_op)
    updated = services.update_worker(
        actor=people.village_op, worker=worker, version=1, phone="0432-68221234", note="调岗"
    )
    assert updated.version == 2 and updated.phone_masked == "043****1234"
    assert protection.decrypt(updated.phone_cipher) == "043268221234"
    assert updated.note == "调岗" and updated.name == "李晓梅"
    with pytest.raises(OpsConflict):
        services.update_worker(actor=people.village_op, worker=worker, version=1, note="旧版本")
    with pytest.raises(ValidationError) as info:
        services.update_worker(actor=people.village_op, worker=worker, version=2, phone="1")
    assert "phone" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        services.update_worker(actor=people.village_op, worker=worker, version=2, state="left")
    assert "state" in info.value.message_dict
    with pytest.raises(Http404):
        services.update_worker(
            actor=people.village_op, worker=worker, version=2, region=region(OTHER_VILLAGE)
        )
    worker.refresh_from_db()
    assert worker.version == 2 and worker.note == "调岗" and worker.region_path == VILLAGE
    moved = services.update_worker(
        actor=people.township_op, worker=worker, version=2, region=region(TOWNSHIP)
    )
    assert moved.region_path == TOWNSHIP and moved.version == 3


def test_assign_moves_the_main_grid_and_the_posts(people):
    worker = create(people.village_op, user=no_posts("to-assign"))
    user = worker.user
    first = services.assign(
        actor=people.village_op, worker=worker, grid=region(GRID_A), starts_on=dt.date(2025, 3, 1)
    )
    assert first.is_main and first.region_path == GRID_A and first.created_by == people.village_op
    assert current_posts(user, GRID_A).count() == 1
    second = services.assign(
        actor=people.village_op,
        worker=worker,
        grid=region(GRID_B),
        starts_on=today(),
        reason="调整",
    )
    first.refresh_from_db()
    assert first.ends_on == today() - D and second.ends_on is None
    assert current_posts(user, GRID_B).count() == 1
    assert current_posts(user, GRID_A).count() == 0  # the post of the old grid ended
    # a new main grid starting the same day as the current one ends it that day
    third = services.assign(
        actor=people.village_op, worker=worker, grid=region(GRID_A), starts_on=today()
    )
    second.refresh_from_db()
    assert second.ends_on == today() and third.ends_on is None


def test_assign_checks(people):
    worker = create(people.village_op)
    services.assign(
        actor=people.village_op, worker=worker, grid=region(GRID_A), starts_on=dt.date(2025, 3, 1)
    )
    before = Assignment.objects.count()
    with pytest.raises(ValidationError) as info:
        services.assign(
            actor=people.village_op, worker=worker, grid=region(GRID_A), starts_on=today()
        )
    assert "grid" in info.value.message_dict  # the same current assignment
    with pytest.raises(ValidationError) as info:
        services.assign(
            actor=people.village_op,
            worker=worker,
            grid=region(GRID_B),
            starts_on=dt.date(2025, 2, 1),
        )
    assert "starts_on" in info.value.message_dict  # before hire
    with pytest.raises(ValidationError) as info:
        services.assign(
            actor=people.village_op, worker=worker, grid=region(VILLAGE), starts_on=today()
        )
    assert "grid" in info.value.message_dict
    other_grid = Region.objects.filter(level="grid", path__startswith=OTHER_VILLAGE).first()
    with pytest.raises(Http404):
        services.assign(actor=people.village_op, worker=worker, grid=other_grid, starts_on=today())
    with pytest.raises(PermissionDenied):
        services.assign(actor=people.leader, worker=worker, grid=region(GRID_B), starts_on=today())
    assert Assignment.objects.count() == before


def test_a_township_operator_assigns_across_villages(people):
    worker = create(people.village_op)
    grid = (
        Region.objects.filter(level="grid", path__startswith=TOWNSHIP)
        .exclude(path__startswith=VILLAGE)
        .first()
    )
    assert grid is not None
    secondary = services.assign(
        actor=people.township_op, worker=worker, grid=grid, starts_on=today(), is_main=False
    )
    assert not secondary.is_main and secondary.region_path == grid.path


def test_end_assignment_and_end_worker(people):
    worker = make_worker()
    user = worker.user
    extra = services.assign(
        actor=people.village_op,
        worker=worker,
        grid=region(GRID_B),
        starts_on=today() - 10 * D,
        is_main=False,
    )
    assert current_posts(user, GRID_B).count() == 1
    with pytest.raises(ValidationError):
        services.end_assignment(actor=people.village_op, assignment=extra, ends_on=today() - 11 * D)
    services.end_assignment(actor=people.village_op, assignment=extra, ends_on=today() - D)
    assert current_posts(user, GRID_B).count() == 0
    assert current_posts(user, GRID_A).count() == 1
    with pytest.raises(OpsConflict):
        services.end_assignment(actor=people.village_op, assignment=extra, ends_on=today())
    with pytest.raises(ValidationError) as info:
        services.end_worker(actor=people.village_op, worker=worker, left_on=today(), reason="")
    assert "reason" in info.value.message_dict
    left = services.end_worker(
        actor=people.village_op, worker=worker, left_on=today() - D, reason="考取公务员"
    )
    assert left.state == c.WorkerState.LEFT and left.left_on == today() - D
    main = Assignment.objects.get(worker=worker, grid__path=GRID_A)
    assert main.ends_on == today() - D
    assert current_posts(user, GRID_A).count() == 0
    with pytest.raises(OpsConflict):
        services.end_worker(actor=people.village_op, worker=worker, left_on=today(), reason="x")
    with pytest.raises(OpsConflict):
        services.assign(
            actor=people.village_op, worker=worker, grid=region(GRID_A), starts_on=today()
        )


# -- leave -----------------------------------------------------------------------------------


def test_leave_request_approve_cancel(people):
    worker = make_worker()
    leave = services.request_leave(
        actor=worker.user,
        worker=worker,
        kind=c.LeaveKind.SICK,
        starts_on=today() + D,
        ends_on=today() + 3 * D,
        reason="住院",
    )
    assert leave.region_path == worker.region_path and leave.approved_at is None
    with pytest.raises(PermissionDenied, match="不能批准自己的请假"):
        services.approve_leave(actor=worker.user, leave=leave)
    approved = services.approve_leave(actor=people.village_op, leave=leave)
    assert approved.approved_by == people.village_op and approved.approved_at is not None
    with pytest.raises(OpsConflict):
        services.approve_leave(actor=people.village_op, leave=leave)
    cancelled = services.cancel_leave(actor=worker.user, leave=leave)
    assert cancelled.cancelled
    with pytest.raises(OpsConflict):
        services.cancel_leave(actor=worker.user, leave=leave)
    with pytest.raises(OpsConflict):
        services.approve_leave(actor=people.village_op, leave=leave)


def test_leave_checks(people):
    worker = make_worker()
    services.request_leave(
        actor=people.village_op,
        worker=worker,
        kind=c.LeaveKind.ANNUAL,
        starts_on=dt.date(2026, 5, 1),
        ends_on=dt.date(2026, 5, 5),
    )
    before = Leave.objects.count()
    for starts_on, ends_on, kind, field in [
        (dt.date(2026, 6, 2), dt.date(2026, 6, 1), "annual", "ends_on"),
        (dt.date(2026, 6, 1), dt.date(2026, 8, 30), "annual", "ends_on"),  # 91 days
        (dt.date(2026, 5, 5), dt.date(2026, 5, 6), "annual", "starts_on"),  # overlaps
        (dt.date(2026, 6, 1), dt.date(2026, 6, 1), "holiday", "kind"),
    ]:
        with pytest.raises(ValidationError) as info:
            services.request_leave(
                actor=worker.user, worker=worker, kind=kind, starts_on=starts_on, ends_on=ends_on
            )
        assert field in info.value.message_dict
    assert services.request_leave(  # exactly 90 days
        actor=worker.user,
        worker=worker,
        kind="annual",
        starts_on=dt.date(2026, 6, 1),
        ends_on=dt.date(2026, 8, 29),
    )
    assert Leave.objects.count() == before + 1
    colleague = make_worker()
    with pytest.raises(Http404):  # a colleague cannot see the village roster
        services.request_leave(
            actor=colleague.user,
            worker=worker,
            kind="annual",
            starts_on=dt.date(2026, 9, 1),
            ends_on=dt.date(2026, 9, 1),
        )
    assert Leave.objects.count() == before + 1


# -- duty ------------------------------------------------------------------------------------


def test_duty(people):
    worker = make_worker()
    saturday = dt.date(2026, 11, 7)
    duty = services.set_duty(
        actor=people.village_op, worker=worker, region=region(VILLAGE), day=saturday
    )
    assert duty.region_path == VILLAGE and duty.created_by == people.village_op
    with pytest.raises(ValidationError) as info:
        services.set_duty(
            actor=people.village_op, worker=worker, region=region(GRID_A), day=saturday
        )
    assert "day" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        services.set_duty(
            actor=people.village_op, worker=worker, region=region(GRID_B), day=saturday + D
        )
    assert "region" in info.value.message_dict  # not the worker's grid nor above it
    with pytest.raises(Http404):  # the township is above the village operator's view
        services.set_duty(
            actor=people.village_op, worker=worker, region=region(TOWNSHIP), day=saturday + D
        )
    with pytest.raises(PermissionDenied):
        services.set_duty(actor=people.leader, worker=worker, region=region(GRID_A), day=saturday)
    on_grid = services.set_duty(
        actor=people.township_op, worker=worker, region=region(GRID_A), day=saturday + D
    )
    assert DutyShift.objects.filter(worker=worker).count() == 2
    services.remove_duty(actor=people.village_op, duty=on_grid)
    assert list(DutyShift.objects.filter(worker=worker)) == [duty]
    outsider = staff(Role.VILLAGE_OPERATOR, region=region(OTHER_VILLAGE))
    with pytest.raises(Http404):
        services.remove_duty(actor=outsider, duty=duty)
