"""Reads of field work: visibility (own rows, the village, another village), roster filters,
assignments, check-ins, patrols, training, leave, and who is on duty now."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.http import Http404

from gridgov.accounts.roles import Role
from gridgov.ops import choices as c
from gridgov.ops import selectors as s
from gridgov.ops.models import (
    Assignment,
    CheckIn,
    Course,
    DutyShift,
    Leave,
    Patrol,
    PatrolPlan,
    PatrolPoint,
    TrainingAttendance,
    TrainingSession,
    Worker,
)
from gridgov.ops.tests.factories import GRID_A, GRID_B, make_worker, point_in, region
from gridgov.regions.models import Region
from gridgov.testing import staff

TZ = ZoneInfo("Asia/Shanghai")
VILLAGE = GRID_A[:12]
TOWNSHIP = GRID_A[:9]
NOW = dt.datetime(2026, 11, 18, 15, 0, tzinfo=TZ)  # a Wednesday afternoon
TODAY = NOW.date()

OPS_MODELS = (
    Worker,
    Assignment,
    Course,
    TrainingSession,
    TrainingAttendance,
    Leave,
    DutyShift,
    CheckIn,
    PatrolPlan,
    Patrol,
)


def isolate_ops_rows() -> None:
    """Move any ops rows already in the test database (a demo) out of every scope and off
    every account, so that the tests see only the rows they build."""
    for model in OPS_MODELS:
        model.objects.update(region_path="99")
    Worker.objects.update(user=None)


@pytest.fixture(autouse=True)
def _isolated(db: Any) -> None:
    isolate_ops_rows()


def other_village() -> Region:
    """Another village of the same township, with at least one grid."""
    village = (
        Region.objects.filter(level="village", is_active=True, path__startswith=TOWNSHIP)
        .exclude(path=VILLAGE)
        .filter(children__level="grid")
        .order_by("path")
        .first()
    )
    assert village is not None
    return village


def first_grid(village: str) -> str:
    path = (
        Region.objects.filter(level="grid", is_active=True, path__startswith=village)
        .order_by("path")
        .values_list("path", flat=True)
        .first()
    )
    assert path is not None
    return path


def ids(qs: Any) -> set[int]:
    return {obj.pk for obj in qs}


def checkin(
    worker: Worker,
    at: dt.datetime,
    kind: str = c.CheckInKind.ON,
    *,
    grid: str = GRID_A,
    accepted: bool = True,
    position: tuple[float, float] | None = None,
) -> CheckIn:
    lng, lat = position or point_in(grid)
    return CheckIn.objects.create(
        worker=worker,
        grid=region(grid) if accepted else None,
        region_path=grid,
        kind=kind,
        at=at,
        day=at.astimezone(TZ).date(),
        lng=lng,
        lat=lat,
        accepted=accepted,
        reason="" if accepted else c.RefuseReason.OUTSIDE,
        distance_m=0 if accepted else 1000,
    )


def patrol(
    worker: Worker,
    started: dt.datetime,
    *,
    grid: str = GRID_A,
    state: str = c.PatrolState.OPEN,
    minutes: int = 40,
    metres: float = 800,
    last: tuple[float, float] | None = None,
) -> Patrol:
    return Patrol.objects.create(
        worker=worker,
        grid=region(grid),
        region_path=grid,
        state=state,
        started_at=started,
        stopped_at=None if state == c.PatrolState.OPEN else started + dt.timedelta(minutes=minutes),
        day=started.astimezone(TZ).date(),
        distance_m=metres,
        duration_s=minutes * 60,
        last_lng=last[0] if last else None,
        last_lat=last[1] if last else None,
    )


# -- visibility -------------------------------------------------------------------------------


def test_grid_worker_sees_own_entry_village_operator_the_village_other_village_nothing(
    people: Any,
) -> None:
    me = make_worker(name="张三")
    colleague = make_worker(grid_path=GRID_B, name="李四")
    assert me.region_path == VILLAGE  # managed by the village, above the worker's grid post
    assert me.user is not None

    assert ids(s.workers(me.user)) == {me.pk}
    assert s.get_worker(me.user, me.pk) == me
    with pytest.raises(Http404):
        s.get_worker(me.user, colleague.pk)

    assert ids(s.workers(people.village_op)) == {me.pk, colleague.pk}
    assert s.get_worker(people.village_op, str(colleague.pk)) == colleague

    outsider = staff(Role.VILLAGE_OPERATOR, region=other_village())
    assert ids(s.workers(outsider)) == set()
    with pytest.raises(Http404):
        s.get_worker(outsider, me.pk)
    with pytest.raises(Http404):
        s.get_worker(outsider, "not a number")


def test_own_rows_are_added_to_the_jurisdiction(people: Any) -> None:
    me = make_worker()
    colleague = make_worker()
    leave = Leave.objects.create(
        worker=me,
        region_path=me.region_path,
        kind=c.LeaveKind.SICK,
        starts_on=TODAY,
        ends_on=TODAY,
    )
    Leave.objects.create(
        worker=colleague,
        region_path=colleague.region_path,
        kind=c.LeaveKind.SICK,
        starts_on=TODAY,
        ends_on=TODAY,
    )
    duty = DutyShift.objects.create(
        worker=me, region=region(VILLAGE), region_path=VILLAGE, day=TODAY
    )
    # a check-in recorded against another grid (a refused attempt in GRID_B): still mine
    mine_elsewhere = checkin(me, NOW, grid=GRID_B, accepted=False)
    theirs = checkin(colleague, NOW, grid=GRID_B, accepted=False)
    course = Course.objects.create(name="网格员履职", region=region("220283"), region_path="220283")
    session = TrainingSession.objects.create(
        course=course,
        region=region("220283"),
        region_path="220283",
        starts_at=NOW,
        ends_at=NOW + dt.timedelta(hours=2),
    )
    TrainingAttendance.objects.create(session=session, worker=me, region_path="220283")
    assert me.user is not None

    assert ids(s.leaves(me.user)) == {leave.pk}
    assert ids(s.duties(me.user)) == {duty.pk}
    assert ids(s.checkins(me.user)) == {mine_elsewhere.pk}
    assert ids(s.sessions(me.user)) == {session.pk}
    assert ids(s.courses(me.user)) == {course.pk}
    assert s.get_session(me.user, session.pk) == session
    assert ids(s.attendance(me.user, session)) == {TrainingAttendance.objects.get(worker=me).pk}
    # the village operator sees both leaves and both check-ins, not the county's course
    assert len(s.leaves(people.village_op)) == 2
    assert ids(s.checkins(people.village_op)) == {mine_elsewhere.pk, theirs.pk}
    assert ids(s.courses(people.village_op)) == set()
    with pytest.raises(Http404):
        s.get_session(people.village_op, session.pk)
    assert ids(s.leaves(people.village_op, pending=True, worker=colleague)) == {
        Leave.objects.get(worker=colleague).pk
    }


# -- roster filters ---------------------------------------------------------------------------


def test_worker_filter_name_never_phone_and_unassigned(people: Any) -> None:
    wang = make_worker(name="王小明")
    Worker.objects.filter(pk=wang.pk).update(phone_masked="138****1234")
    spare = make_worker(name="赵六", assign=False, with_user=False)
    left = make_worker(name="王离职", with_user=False)
    Worker.objects.filter(pk=left.pk).update(state=c.WorkerState.LEFT)
    op = people.village_op

    assert ids(s.workers(op, s.WorkerFilter(q="小明"))) == {wang.pk}
    assert ids(s.workers(op, s.WorkerFilter(q="1234"))) == set()
    assert ids(s.workers(op, s.WorkerFilter(q="王"))) == {wang.pk}
    assert ids(s.workers(op, s.WorkerFilter(q="王", state=""))) == {wang.pk, left.pk}
    assert ids(s.workers(op, s.WorkerFilter(state=c.WorkerState.LEFT))) == {left.pk}
    assert ids(s.workers(op, s.WorkerFilter(unassigned=True))) == {spare.pk}
    assert ids(s.workers(op, s.WorkerFilter(kind=c.WorkerKind.FULL_TIME))) == {wang.pk, spare.pk}


def test_region_filter_includes_workers_assigned_to_its_grids(people: Any) -> None:
    village = other_village()
    local = make_worker(name="本村")
    # managed by another village (another township's view would not matter), assigned to GRID_A
    visitor = make_worker(grid_path=GRID_A, manager_path=village.path, name="外村")
    elsewhere = make_worker(grid_path=first_grid(village.path), name="他村")
    op = people.township_op

    assert ids(s.workers(op, s.WorkerFilter(region=TOWNSHIP))) == {
        local.pk,
        visitor.pk,
        elsewhere.pk,
    }
    assert ids(s.workers(op, s.WorkerFilter(region=VILLAGE))) == {local.pk, visitor.pk}
    assert ids(s.workers(op, s.WorkerFilter(region=GRID_A))) == {local.pk, visitor.pk}
    assert ids(s.workers(op, s.WorkerFilter(region=village.path))) == {visitor.pk, elsewhere.pk}
    # an ended assignment no longer brings the worker in
    Assignment.objects.filter(worker=visitor).update(ends_on=TODAY - dt.timedelta(days=400))
    assert ids(s.workers(op, s.WorkerFilter(region=VILLAGE))) == {local.pk}
    # any string is safe: nothing matches
    for bad in ("abc", "2202830010019999999999", "'; drop table x; --", "%", "２２０２"):
        assert ids(s.workers(op, s.WorkerFilter(region=bad))) == set()
        assert list(s.checkins(op, region=bad)) == []
    assert ids(s.workers(op, s.WorkerFilter(kind="nonsense"))) == set()
    assert s.WorkerFilter.from_params({"region": "x", "state": "all", "unassigned": "1"}) == (
        s.WorkerFilter(region="", state="", unassigned=True)
    )


def test_assignments_main_first_then_by_start() -> None:
    worker = make_worker(assign=False, with_user=False)
    old = Assignment.objects.create(
        worker=worker,
        grid=region(GRID_B),
        region_path=GRID_B,
        is_main=True,
        starts_on=dt.date(2024, 1, 1),
        ends_on=dt.date(2024, 12, 31),
    )
    second_b = Assignment.objects.create(
        worker=worker,
        grid=region(GRID_B),
        region_path=GRID_B,
        is_main=False,
        starts_on=dt.date(2025, 6, 1),
    )
    second_a = Assignment.objects.create(
        worker=worker,
        grid=region(GRID_A),
        region_path=GRID_A,
        is_main=False,
        starts_on=dt.date(2025, 3, 1),
    )
    main = Assignment.objects.create(
        worker=worker,
        grid=region(GRID_A),
        region_path=GRID_A,
        is_main=True,
        starts_on=dt.date(2025, 1, 1),
    )
    assert s.current_assignments(worker) == [main, second_a, second_b]
    assert s.assignment_history(worker) == [old, main, second_a, second_b]
    # the last day of an assignment still counts
    assert s.current_assignments(worker, dt.date(2024, 12, 31)) == [old]


# -- check-ins, patrols, plans ----------------------------------------------------------------


def test_checkins_and_patrols_filters(people: Any) -> None:
    worker = make_worker()
    ok = checkin(worker, NOW)
    refused = checkin(worker, NOW - dt.timedelta(days=1), accepted=False)
    op = people.village_op
    assert list(s.checkins(op)) == [ok, refused]  # newest first
    assert list(s.checkins(op, anomalies=True)) == [refused]
    assert list(s.checkins(op, day_from=TODAY)) == [ok]
    assert list(s.checkins(op, day_to=TODAY - dt.timedelta(days=1))) == [refused]
    assert list(s.checkins(op, day_from="garbage", worker=worker)) == [ok, refused]
    assert list(s.checkins(op, worker="x")) == []

    open_one = patrol(worker, NOW - dt.timedelta(hours=1))
    done = patrol(worker, NOW - dt.timedelta(days=2), state=c.PatrolState.STOPPED)
    assert list(s.patrols(op)) == [open_one, done]
    assert list(s.patrols(op, state=c.PatrolState.STOPPED)) == [done]
    assert list(s.patrols(op, region=GRID_B)) == []
    assert s.get_patrol(op, open_one.pk) == open_one
    outsider = staff(Role.VILLAGE_OPERATOR, region=other_village())
    with pytest.raises(Http404):
        s.get_patrol(outsider, open_one.pk)
    t0 = NOW - dt.timedelta(minutes=50)
    for seq, lng in ((2, 126.2), (0, 126.0), (1, 126.1)):
        PatrolPoint.objects.create(
            patrol=open_one, seq=seq, at=t0 + dt.timedelta(seconds=30 * seq), lng=lng, lat=44.0
        )
    assert s.track(open_one) == [
        (126.0, 44.0, t0),
        (126.1, 44.0, t0 + dt.timedelta(seconds=30)),
        (126.2, 44.0, t0 + dt.timedelta(seconds=60)),
    ]


def test_plans_and_current_plan(people: Any) -> None:
    grid = region(GRID_A)
    old = PatrolPlan.objects.create(
        grid=grid, region_path=GRID_A, starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 6, 30)
    )
    new = PatrolPlan.objects.create(grid=grid, region_path=GRID_A, starts_on=dt.date(2026, 7, 1))
    assert s.current_plan(grid, TODAY) == new
    assert s.current_plan(grid, dt.date(2026, 6, 30)) == old
    assert s.current_plan(grid, dt.date(2025, 6, 30)) is None
    assert list(s.plans(people.village_op)) == [new, old]
    assert list(s.plans(people.village_op, region=GRID_B)) == []
    outsider = staff(Role.VILLAGE_OPERATOR, region=other_village())
    assert list(s.plans(outsider)) == []


# -- on duty ----------------------------------------------------------------------------------


def test_on_duty_states(people: Any) -> None:
    on = make_worker(name="甲")
    on_off = make_worker(name="乙")
    walking = make_worker(grid_path=GRID_B, name="丙")
    both = make_worker(name="丁")
    refused = make_worker(name="戊")
    yesterday = make_worker(name="己")
    morning = NOW.replace(hour=8, minute=30)

    first = checkin(on, morning)
    checkin(on_off, morning)
    checkin(on_off, NOW.replace(hour=12), c.CheckInKind.OFF)
    trip = patrol(walking, NOW - dt.timedelta(hours=1), grid=GRID_B, last=(126.5, 44.5))
    checkin(both, morning)
    both_trip = patrol(both, NOW - dt.timedelta(minutes=20))  # no point yet
    checkin(refused, morning, accepted=False)
    checkin(yesterday, morning - dt.timedelta(days=1))
    # a patrol left open since yesterday (not yet swept) does not count
    patrol(yesterday, NOW - dt.timedelta(hours=20))

    rows = s.on_duty(people.village_op, VILLAGE, NOW)
    by_name = {row.name: row for row in rows}
    assert set(by_name) == {"甲", "丙", "丁"}
    assert by_name["甲"] == s.OnDuty(
        worker_id=on.pk,
        name="甲",
        kind=c.WorkerKind.FULL_TIME,
        grid_path=GRID_A,
        grid_name=region(GRID_A).name,
        lng=first.lng,
        lat=first.lat,
        since=morning,
        patrol_id=None,
        status="checked_in",
    )
    assert (by_name["丙"].status, by_name["丙"].patrol_id) == ("patrol", trip.pk)
    assert (by_name["丙"].lng, by_name["丙"].lat, by_name["丙"].grid_path) == (126.5, 44.5, GRID_B)
    assert by_name["丙"].since == NOW - dt.timedelta(hours=1)
    # on patrol without a point yet: the check-in's position
    assert (by_name["丁"].status, by_name["丁"].patrol_id) == ("patrol", both_trip.pk)
    assert (by_name["丁"].lng, by_name["丁"].lat) == point_in(GRID_A)
    assert [row.grid_path for row in rows] == sorted(row.grid_path for row in rows)

    assert {row.name for row in s.on_duty(people.village_op, GRID_B, NOW)} == {"丙"}
    # before the 下班 the second worker was on duty
    assert "乙" in {
        row.name for row in s.on_duty(people.village_op, VILLAGE, morning.replace(hour=11))
    }
    outsider = staff(Role.VILLAGE_OPERATOR, region=other_village())
    assert s.on_duty(outsider, VILLAGE, NOW) == []
    assert s.on_duty(outsider, "", NOW) == []
    assert s.on_duty(people.village_op, "nonsense", NOW) == []
    # the grid worker sees themself (their post is on GRID_A)
    assert on.user is not None
    assert {row.name for row in s.on_duty(on.user, "", NOW)} == {"甲", "丁"}


def test_on_duty_query_count_does_not_grow(people: Any, django_assert_max_num_queries: Any) -> None:
    morning = NOW.replace(hour=8)
    for i in range(12):
        worker = make_worker(grid_path=GRID_A if i % 2 else GRID_B, with_user=False)
        checkin(worker, morning)
        if i % 3 == 0:
            patrol(
                worker, NOW - dt.timedelta(minutes=30), grid=worker.assignments.get().region_path
            )
    user = people.village_op
    with django_assert_max_num_queries(5):  # scope, own entry ×2, check-ins, patrols
        rows = s.on_duty(user, TOWNSHIP, NOW)
    assert len(rows) == 12
    assert sum(row.status == "patrol" for row in rows) == 4
