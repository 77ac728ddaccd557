"""The demo field work (gridgov.demo.ops) on one township of the test database: every grid
covered except the deliberately uncovered ones, patrol rows agree with their stored points and
stay in the grid, accepted check-ins lie in their grid, someone is on duty now, training covers
everyone, and the same seed gives the same data."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.db.models import Count, Q

from gridgov.accounts.models import Post, User
from gridgov.accounts.roles import Role
from gridgov.demo.ops import OpsCounts, generate_ops
from gridgov.ops import choices as c
from gridgov.ops.geometry import GridShape, track_length_m
from gridgov.ops.models import (
    Assignment,
    CheckIn,
    DutyShift,
    Leave,
    Patrol,
    PatrolPlan,
    PatrolPoint,
    TrainingAttendance,
    TrainingSession,
    Worker,
)
from gridgov.ops.selectors import on_duty
from gridgov.regions.models import Region, subtree_q

pytestmark = pytest.mark.django_db

TOWNSHIP = "220283001"  # 北城街道: the demo accounts' street
TZ = ZoneInfo("Asia/Shanghai")
# A Wednesday morning (a working day) after the check-ins and at patrol time.
NOW = dt.datetime(2026, 12, 9, 10, 30, tzinfo=TZ)
TODAY = NOW.date()


@pytest.fixture
def county() -> Region:
    return Region.objects.get(path="220283")


@pytest.fixture
def built(county: Region) -> OpsCounts:
    return generate_ops(county=county, log=lambda *_: None, only=TOWNSHIP, now=NOW)


def shapes() -> dict[int, GridShape]:
    grids = Region.objects.filter(subtree_q(TOWNSHIP, "path"), level="grid")
    return {g.pk: GridShape(g.geometry) for g in grids}


def test_every_grid_has_a_main_worker_but_the_uncovered_ones(built):
    grids = set(
        Region.objects.filter(subtree_q(TOWNSHIP, "path"), level="grid").values_list(
            "path", flat=True
        )
    )
    covered = set(
        Assignment.objects.filter(
            region_path__startswith=TOWNSHIP,
            is_main=True,
            ends_on__isnull=True,
            worker__state=c.WorkerState.ACTIVE,
        ).values_list("region_path", flat=True)
    )
    left = Worker.objects.filter(region_path__startswith=TOWNSHIP, state=c.WorkerState.LEFT)
    uncovered = set(
        Assignment.objects.filter(worker__in=left, is_main=True).values_list(
            "region_path", flat=True
        )
    )
    assert grids - covered == uncovered
    assert len(uncovered) == built.uncovered == left.count()
    assert all(w.left_on is not None and w.left_on < TODAY for w in left)
    # One roster entry per grid-worker account of the township, linked to it.
    accounts = set(
        Post.objects.current()
        .filter(role=Role.GRID_WORKER, region__path__startswith=TOWNSHIP)
        .values_list("user_id", flat=True)
    )
    linked = set(
        Worker.objects.filter(
            region_path__startswith=TOWNSHIP,
            kind__in=(c.WorkerKind.FULL_TIME, c.WorkerKind.PART_TIME),
            user__isnull=False,
        ).values_list("user_id", flat=True)
    )
    assert linked == accounts
    demo = Worker.objects.get(user=User.objects.get(username="grid_worker"))
    assert demo.kind == c.WorkerKind.FULL_TIME and demo.state == c.WorkerState.ACTIVE
    assert demo.assignments.get(ends_on__isnull=True).region_path == "220283001001001"
    # Phones are stored as the registers store them.
    assert not Worker.objects.filter(region_path__startswith=TOWNSHIP, phone_hash="").exists()
    assert all("*" in m for m in Worker.objects.values_list("phone_masked", flat=True))
    kinds = Counter(Worker.objects.values_list("kind", flat=True))
    assert kinds[c.WorkerKind.JUDGE] == 1  # one per township
    villages = Region.objects.filter(subtree_q(TOWNSHIP, "path"), level="village").count()
    assert kinds[c.WorkerKind.POLICE] == villages
    assert kinds[c.WorkerKind.GRID_CHIEF] == villages
    assert built.workers == kinds


def test_patrols_agree_with_their_points_and_stay_in_the_grid(built):
    grid_shapes = shapes()
    patrols = list(Patrol.objects.filter(region_path__startswith=TOWNSHIP))
    assert len(patrols) == built.patrols > 100
    points: dict[int, list[tuple[int, float, float, dt.datetime]]] = {}
    for pid, seq, lng, lat, at in PatrolPoint.objects.order_by("patrol_id", "seq").values_list(
        "patrol_id", "seq", "lng", "lat", "at"
    ):
        points.setdefault(pid, []).append((seq, lng, lat, at))
    assert sum(len(p) for p in points.values()) == built.points
    for patrol in patrols:
        track = points[patrol.pk]
        assert [p[0] for p in track] == list(range(patrol.point_count))
        length = track_length_m([p[1] for p in track], [p[2] for p in track])
        assert abs(length - patrol.distance_m) < 1.0
        assert patrol.last_seq == patrol.point_count - 1
        assert (patrol.last_lng, patrol.last_lat, patrol.last_at) == track[-1][1:]
        assert track[0][3] == patrol.started_at
        assert patrol.duration_s == int((track[-1][3] - patrol.started_at).total_seconds())
        assert all(a[3] <= b[3] for a, b in pairwise(track))
        shape = grid_shapes[patrol.grid_id]
        assert all(shape.contains(p[1], p[2]) for p in track)
        if patrol.state == c.PatrolState.STOPPED:
            assert patrol.stopped_at == patrol.last_at
            # walking speed, fixes measured in straight lines
            assert patrol.distance_m <= 1.5 * patrol.duration_s + 20
        else:
            assert patrol.stopped_at is None and patrol.day == TODAY
            assert patrol.last_at is not None and patrol.last_at <= NOW


def test_accepted_check_ins_lie_in_their_grid_and_refused_ones_outside(built):
    grid_shapes = shapes()
    rows = list(CheckIn.objects.filter(region_path__startswith=TOWNSHIP))
    assert len(rows) == built.checkins
    accepted = [r for r in rows if r.accepted]
    refused = [r for r in rows if not r.accepted]
    assert len(refused) == built.anomalies
    for row in accepted:
        assert row.reason == "" and row.distance_m == 0.0
        assert grid_shapes[row.grid_id].contains(row.lng, row.lat)
        assert row.day == row.at.astimezone(TZ).date() and row.at <= NOW
    for row in refused:
        assert row.reason in (c.RefuseReason.OUTSIDE, c.RefuseReason.INACCURATE)
        if row.reason == c.RefuseReason.OUTSIDE:
            measured = grid_shapes[row.grid_id].distance_m(row.lng, row.lat)
            assert row.distance_m is not None
            assert 300 < measured < 2100 and abs(measured - row.distance_m) < 0.1
        else:
            assert row.accuracy is not None and row.accuracy > 500
    # No check-in on an approved leave day; every 上班 at most once accepted a day.
    for leave in Leave.objects.filter(approved_at__isnull=False, cancelled=False):
        assert not CheckIn.objects.filter(
            worker=leave.worker, day__gte=leave.starts_on, day__lte=leave.ends_on
        ).exists()
    doubles = (
        CheckIn.objects.filter(accepted=True, kind="on")
        .values("worker_id", "day")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not doubles.exists()


def test_someone_is_on_duty_now_and_daily_workers_checked_in(built):
    admin = User.objects.get(username="admin")
    duty = on_duty(admin, TOWNSHIP, NOW)
    assert built.checked_in_today > 0 and built.open_patrols > 0
    assert len(duty) >= built.checked_in_today
    assert sum(1 for d in duty if d.status == "patrol") == built.open_patrols
    daily = Worker.objects.filter(
        region_path__startswith=TOWNSHIP,
        state=c.WorkerState.ACTIVE,
        kind__in=(c.WorkerKind.FULL_TIME, c.WorkerKind.GRID_CHIEF),
    ).count()
    assert 0.5 * daily < built.checked_in_today < 0.9 * daily
    # Workers without an account never check in.
    assert not CheckIn.objects.filter(worker__user__isnull=True).exists()
    assert not CheckIn.objects.filter(at__gt=NOW).exists()
    assert DutyShift.objects.filter(region_path__startswith=TOWNSHIP).exists()
    # The demo logins start the day themselves.
    for username in ("grid_worker", "grid_chief"):
        worker = Worker.objects.get(user__username=username)
        assert not CheckIn.objects.filter(worker=worker, day=TODAY).exists()
        assert CheckIn.objects.filter(worker=worker, day__lt=TODAY, accepted=True).count() > 10


def test_training_covers_everyone_and_plans_cover_every_grid(built):
    workers = Worker.objects.filter(region_path__startswith=TOWNSHIP)
    trained = set(
        TrainingAttendance.objects.filter(
            status=c.AttendanceStatus.PRESENT, passed=True
        ).values_list("worker_id", flat=True)
    )
    assert set(workers.values_list("pk", flat=True)) <= trained
    assert not TrainingAttendance.objects.filter(
        ~Q(status=c.AttendanceStatus.PRESENT), passed__isnull=False
    ).exists()
    for row in TrainingAttendance.objects.select_related("session", "worker"):
        assert row.worker.region_path.startswith(row.session.region_path)
        assert row.region_path == row.session.region_path
        assert row.worker.hired_on <= row.session.starts_at.date()
    assert TrainingSession.objects.count() == built.sessions
    grids = Region.objects.filter(subtree_q(TOWNSHIP, "path"), level="grid")
    current = PatrolPlan.objects.filter(ends_on__isnull=True)
    assert set(current.values_list("grid_id", flat=True)) == set(grids.values_list("pk", flat=True))
    assert current.count() == grids.count()


def test_nothing_twice_and_the_same_seed_gives_the_same_data(county, built):
    assert generate_ops(county=county, log=lambda *_: None, only=TOWNSHIP, now=NOW) == OpsCounts()

    def fingerprint() -> tuple[
        list[tuple[str, str, str]], list[tuple[dt.datetime, float]], int, int
    ]:
        return (
            list(Worker.objects.order_by("pk").values_list("name", "kind", "region_path")),
            list(Patrol.objects.order_by("pk").values_list("started_at", "distance_m")),
            CheckIn.objects.count(),
            PatrolPoint.objects.count(),
        )

    first = fingerprint()
    with transaction.atomic():
        Patrol.objects.all().delete()
        for model in (CheckIn, TrainingAttendance, Leave, DutyShift, Assignment):
            model.objects.all().delete()
        Worker.objects.all().delete()
        again = generate_ops(county=county, log=lambda *_: None, only=TOWNSHIP, now=NOW)
        assert again.patrols == built.patrols and again.points == built.points
        assert again.checkins == built.checkins and again.workers == built.workers
        second = fingerprint()
        transaction.set_rollback(True)
    assert first[0] == second[0]
    assert [r[1] for r in first[1]] == [r[1] for r in second[1]]
    assert first[2:] == second[2:]
