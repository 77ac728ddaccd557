"""Field work over the JSON API: the figures (roster and grid coverage, training, check-in and
patrol plan coverage) and the assessment ranking, where a plain grid worker sees only their own
row. The data are built by hand on two fixed working days (Monday 2 and Tuesday 3 November
2026), so every number below is counted by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from gridgov.ops import choices as c
from gridgov.ops.models import (
    CheckIn,
    Course,
    Patrol,
    PatrolPlan,
    TrainingAttendance,
    TrainingSession,
    Worker,
)
from gridgov.ops.tests.factories import GRID_A, GRID_B, make_worker, region
from gridgov.ops.tests.test_api_roster import (
    GRID_B_WORKER,
    OTHER_VILLAGE_OP,
    VILLAGE,
    api_as,
    demo_worker,
    fields_of,
)
from gridgov.regions.models import Region

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
MONDAY = dt.date(2026, 11, 2)
TUESDAY = dt.date(2026, 11, 3)
PERIOD = "2026-11-02..2026-11-03"


@pytest.fixture
def as_(client):
    return api_as(client)


class Field:
    """Grid A's full-time worker (the demo grid worker's account), grid B's part-timer with an
    account of their own, and an unassigned information officer, all managed by the village."""

    def __init__(self) -> None:
        self.mine = demo_worker()
        self.other = make_worker(grid_path=GRID_B, kind=c.WorkerKind.PART_TIME, name="赵兼职")
        self.spare = make_worker(
            assign=False, with_user=False, kind=c.WorkerKind.INFORMANT, name="钱信息员"
        )


@pytest.fixture
def field(people) -> Field:
    return Field()


def _moment(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TZ)


def _work(worker: Worker) -> None:
    """Grid A's plan: once every working day, at least 30 minutes and 500 m. Monday: an accepted
    上班 check-in and a 60-minute, 1.2 km patrol meeting the plan; Tuesday: a refused check-in
    (3 km outside) and no patrol."""
    grid = region(GRID_A)
    common: dict[str, Any] = {"worker": worker, "grid": grid, "region_path": GRID_A, "kind": "on"}
    CheckIn.objects.create(
        **common, at=_moment(MONDAY, 8), day=MONDAY, lng=126.0, lat=44.0, accepted=True
    )
    CheckIn.objects.create(
        **common,
        at=_moment(TUESDAY, 8),
        day=TUESDAY,
        lng=126.5,
        lat=44.5,
        accepted=False,
        reason=c.RefuseReason.OUTSIDE,
        distance_m=3000,
    )
    PatrolPlan.objects.create(
        grid=grid,
        region_path=GRID_A,
        times=1,
        period=c.PlanPeriod.WORKING_DAY,
        min_minutes=30,
        min_distance_m=500,
        starts_on=dt.date(2026, 11, 1),
    )
    Patrol.objects.create(
        worker=worker,
        grid=grid,
        region_path=GRID_A,
        state=c.PatrolState.STOPPED,
        started_at=_moment(MONDAY, 9),
        stopped_at=_moment(MONDAY, 10),
        day=MONDAY,
        distance_m=1200,
        duration_s=3600,
        point_count=10,
    )


def _grids_of_village() -> list[str]:
    return list(
        Region.objects.filter(level="grid", is_active=True, path__startswith=VILLAGE)
        .order_by("path")
        .values_list("path", flat=True)
    )


def _rate(numerator: int, denominator: int) -> str:
    return f"{Decimal(numerator * 100) / denominator:.2f}"


# -- coverage --------------------------------------------------------------------------------


def test_roster_and_grid_coverage(as_, field: Field):
    grids = _grids_of_village()
    assert GRID_A in grids and GRID_B in grids and len(grids) >= 3
    body = as_("county_op").get("/coverage", region=VILLAGE).json()
    assert (body["region"], body["workers"], body["with_account"], body["unassigned"]) == (
        VILLAGE,
        3,
        2,
        1,
    )
    kinds = {k["kind"]: k["workers"] for k in body["by_kind"]}
    assert (kinds["full_time"], kinds["part_time"], kinds["informant"], kinds["judge"]) == (
        1,
        1,
        1,
        0,
    )
    assert (body["grids"], body["covered"], body["uncovered_count"]) == (
        len(grids),
        2,
        len(grids) - 2,
    )
    assert body["coverage_rate"] == _rate(2, len(grids))
    assert [g["path"] for g in body["uncovered"]] == [p for p in grids if p not in (GRID_A, GRID_B)]
    # The grid worker's own territory by default: grid A, covered.
    mine = as_("grid_worker").get("/coverage").json()
    assert (mine["region"], mine["grids"], mine["covered"], mine["coverage_rate"]) == (
        GRID_A,
        1,
        1,
        "100.00",
    )
    assert as_(OTHER_VILLAGE_OP).get("/coverage", region=VILLAGE).status_code == 404
    assert as_("county_op").get("/coverage", region="22x").status_code == 422

    rows = as_("village_op").get("/coverage/grids", region=VILLAGE).json()["rows"]
    by_path = {r["path"]: r for r in rows}
    assert list(by_path) == grids
    assert (by_path[GRID_A]["main"], by_path[GRID_A]["flagged"]) == (["李网格"], False)
    assert (by_path[GRID_B]["main"], by_path[GRID_B]["flagged"]) == (["赵兼职"], False)
    assert all(
        r["flagged"] and r["main"] == [] for p, r in by_path.items() if p not in (GRID_A, GRID_B)
    )
    assert as_(GRID_B_WORKER).get("/coverage/grids", region=GRID_A).status_code == 404


def test_training_coverage(as_, field: Field):
    village = region(VILLAGE)
    course = Course.objects.create(name="业务培训", region=village, region_path=VILLAGE)
    session = TrainingSession.objects.create(
        course=course,
        region=village,
        region_path=VILLAGE,
        starts_at=_moment(MONDAY, 14),
        ends_at=_moment(MONDAY, 16),
    )
    for worker, passed in ((field.mine, True), (field.other, False)):
        TrainingAttendance.objects.create(
            session=session, worker=worker, region_path=VILLAGE, passed=passed
        )
    body = as_("county_op").get("/training/coverage", region=VILLAGE, period="2026-11").json()
    assert body["period"]["key"] == "2026-11"
    assert [
        (r["path"], r["workers"], r["trained"], r["rate"], r["sessions"]) for r in body["rows"]
    ] == [(VILLAGE, 3, 1, _rate(1, 3), 1)]
    before = as_("county_op").get("/training/coverage", region=VILLAGE, period="2026-10").json()
    row = before["rows"][0]
    assert (row["trained"], row["rate"], row["trained_ever"], row["sessions"]) == (0, "0.00", 1, 0)
    response = as_("county_op").get("/training/coverage", region=VILLAGE, period="2026-13")
    assert response.status_code == 400 and "period" in fields_of(response)
    assert as_(OTHER_VILLAGE_OP).get("/training/coverage", region=VILLAGE).status_code == 404


def test_check_in_and_plan_coverage(as_, field: Field):
    _work(field.mine)
    body = as_("county_op").get("/checkins/coverage", region=VILLAGE, period=PERIOD).json()
    assert body["period"]["start"] == MONDAY.isoformat()
    by_path = {r["path"]: r for r in body["rows"]}
    a, b = by_path[GRID_A], by_path[GRID_B]
    # Grid A: one daily worker, two working days, checked in on one; one refused attempt.
    assert (a["workers"], a["expected"], a["checked"], a["anomalies"], a["rate"]) == (
        1,
        2,
        1,
        1,
        "50.00",
    )
    # Grid B's part-timer does not check in every day: nothing to divide by.
    assert (b["workers"], b["expected"], b["rate"]) == (0, 0, None)
    response = as_("county_op").get("/checkins/coverage", region=VILLAGE, period="yesterday")
    assert response.status_code == 400 and "period" in fields_of(response)
    assert as_(OTHER_VILLAGE_OP).get("/checkins/coverage", region=VILLAGE).status_code == 404

    plans = as_("county_op").get("/plans/coverage", region=VILLAGE, period=PERIOD).json()
    rows = {r["path"]: r for r in plans["rows"]}
    # Once every working day for two working days; one patrol met the plan.
    assert (rows[GRID_A]["plans"], rows[GRID_A]["planned"], rows[GRID_A]["done"]) == (1, 2, 1)
    assert rows[GRID_A]["rate"] == "50.00"
    assert (rows[GRID_B]["plans"], rows[GRID_B]["planned"], rows[GRID_B]["rate"]) == (0, 0, None)
    assert as_(GRID_B_WORKER).get("/plans/coverage", region=GRID_A).status_code == 404
    response = as_("county_op").get("/plans/coverage", region=VILLAGE, period="2026-11-31")
    assert response.status_code == 400 and "period" in fields_of(response)


# -- assessment ------------------------------------------------------------------------------


def _values(row: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {v["key"]: v for v in row["values"]}


def test_the_ranking_for_managers(as_, field: Field):
    _work(field.mine)
    body = as_("county_op").get("/assessment", region=VILLAGE, period=PERIOD).json()
    assert (body["kind"], body["region"], body["own_only"], body["total"]) == (
        "grid_worker",
        VILLAGE,
        False,
        2,
    )
    rows = body["rows"]
    assert [(r["key"], r["rank"], r["score"]) for r in rows] == [
        (str(field.mine.pk), 1, "50.00"),  # check-in 50 %, patrol plan 50 %, nothing else weighted
        (str(field.other.pk), None, None),  # a part-timer: no weighted figure in the period
    ]
    values = _values(rows[0])
    assert (values["checkin_rate"]["numerator"], values["checkin_rate"]["denominator"]) == (1, 2)
    assert values["checkin_rate"]["value"] == "50.00"
    assert (values["patrol_coverage"]["numerator"], values["patrol_coverage"]["denominator"]) == (
        1,
        2,
    )
    assert values["patrols"]["numerator"] == 1
    assert set(values["checkin_rate"]) == {
        "key",
        "name",
        "kind",
        "text",
        "value",
        "numerator",
        "denominator",
    }
    assert rows[0]["label"] == "李网格" and rows[0]["note"]
    grids = as_("leader").get("/assessment", region=VILLAGE, period=PERIOD, kind="grid").json()
    assert grids["own_only"] is False and grids["total"] == len(_grids_of_village())
    assert (grids["rows"][0]["key"], grids["rows"][0]["rank"], grids["rows"][0]["score"]) == (
        GRID_A,
        1,
        "50.00",
    )
    assert as_("county_op").get("/assessment", kind="township").status_code == 422
    response = as_("county_op").get("/assessment", region=VILLAGE, period="2026-00")
    assert response.status_code == 400 and "period" in fields_of(response)
    # Outside the jurisdiction, or no figures to see: 404.
    assert as_(OTHER_VILLAGE_OP).get("/assessment", region=VILLAGE).status_code == 404
    assert as_(GRID_B_WORKER).get("/assessment", region=VILLAGE).status_code == 404
    assert as_("dept_handler").get("/assessment").status_code == 404
    # Grid B's worker post without a roster entry sees the ranking of their grid.
    theirs = as_(GRID_B_WORKER).get("/assessment", period=PERIOD).json()
    assert (theirs["region"], theirs["own_only"]) == (GRID_B, False)
    assert [r["key"] for r in theirs["rows"]] == [str(field.other.pk)]


def test_a_grid_worker_sees_only_their_own_row(as_, field: Field):
    _work(field.mine)
    body = as_("grid_worker").get("/assessment", period=PERIOD).json()
    assert (body["own_only"], body["region"], body["total"]) == (True, VILLAGE, 2)
    assert [(r["key"], r["rank"], r["score"]) for r in body["rows"]] == [
        (str(field.mine.pk), 1, "50.00")
    ]
    grids = as_("grid_worker").get("/assessment", period=PERIOD, kind="grid").json()
    assert grids["own_only"] is True and [r["key"] for r in grids["rows"]] == [GRID_A]
    # Asking for a region changes nothing but must be one they can see.
    same = as_("grid_worker").get("/assessment", region=GRID_A, period=PERIOD).json()
    assert [r["key"] for r in same["rows"]] == [str(field.mine.pk)]
    assert as_("grid_worker").get("/assessment", region=GRID_B).status_code == 404
    # Grid B's part-timer (a factory account): their own row, unranked.
    other = as_(field.other.user).get("/assessment", period=PERIOD).json()
    assert [(r["key"], r["rank"]) for r in other["rows"]] == [(str(field.other.pk), None)]


def test_my_figures(as_, field: Field):
    _work(field.mine)
    assert as_("leader").get("/me/figures").status_code == 403
    body = as_("grid_worker").get("/me/figures", period=PERIOD).json()
    assert body["worker"] == {"id": field.mine.pk, "name": "李网格"}
    values = _values(body)
    assert (values["checkin_rate"]["numerator"], values["checkin_rate"]["denominator"]) == (1, 2)
    assert (values["patrols"]["numerator"], values["patrol_coverage"]["value"]) == (1, "50.00")
    assert values["reported"]["numerator"] == 0 and values["valid_report_rate"]["value"] is None
    assert (body["score"], body["rank"], body["total"], body["region"]) == ("50.00", 1, 2, VILLAGE)
    theirs = as_(field.other.user).get("/me/figures", period=PERIOD).json()
    assert (theirs["score"], theirs["rank"], theirs["total"]) == (None, None, 2)
    this_month = as_("grid_worker").get("/me/figures").json()
    assert this_month["period"]["key"] == f"{timezone.localdate():%Y-%m}"
    response = as_("grid_worker").get("/me/figures", period="2026-13")
    assert response.status_code == 400 and "period" in fields_of(response)
