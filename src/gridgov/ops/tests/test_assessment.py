"""The monthly assessment on a hand-built November 2026: five workers in two grids, their
check-ins, patrols, cases, visits and register updates; every figure, the weighted score by
hand, ranks with a tie, the worker's own row, the grids, and a ranking in a few queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gridgov.cases.models import Case
from gridgov.cases.services import act
from gridgov.cases.tests.fixtures import TZ, VILLAGE
from gridgov.cases.workflow import Action
from gridgov.metrics import rankings
from gridgov.metrics.figures import Span
from gridgov.ops import assessment
from gridgov.ops import choices as c
from gridgov.ops.models import Assignment, CheckIn, DutyShift, Leave, Patrol, PatrolPlan
from gridgov.ops.tests.factories import GRID_A, GRID_B, make_worker, region
from gridgov.ops.workdays import working_days
from gridgov.registry.models import RegistryChange, Visit

pytestmark = pytest.mark.django_db
NOVEMBER = Span.month(2026, 11)
D = dt.date
# November 2026: Monday 2 to Monday 30, no public holiday — 21 working days, by hand
WORKING = [2, 3, 4, 5, 6, 9, 10, 11, 12, 13, 16, 17, 18, 19, 20, 23, 24, 25, 26, 27, 30]


def at(day: int, hour: int = 9, minute: int = 0, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=TZ)


def check_in(worker, path, day, *, kind=c.CheckInKind.ON, accepted=True, month=11):
    grid = region(path)
    moment = at(day, 8, 30, month)
    return CheckIn.objects.create(
        worker=worker,
        grid=grid,
        region_path=grid.path,
        kind=kind,
        at=moment,
        day=moment.date(),
        accepted=accepted,
        reason="" if accepted else c.RefuseReason.OUTSIDE,
    )


def patrol(worker, path, day, minutes, metres, *, state=c.PatrolState.STOPPED, month=11):
    grid = region(path)
    start = at(day, 14, 0, month)
    return Patrol.objects.create(
        worker=worker,
        grid=grid,
        region_path=grid.path,
        state=state,
        started_at=start,
        stopped_at=start + dt.timedelta(minutes=minutes),
        day=start.date(),
        distance_m=metres,
        duration_s=minutes * 60,
    )


def make_plan(path, times, period, starts_on, ends_on=None, minutes=30, metres=500):
    grid = region(path)
    return PatrolPlan.objects.create(
        grid=grid,
        region_path=grid.path,
        times=times,
        period=period,
        starts_on=starts_on,
        ends_on=ends_on,
        min_minutes=minutes,
        min_distance_m=metres,
    )


def run(case, user, action, moment, **payload):
    act(case=case, user=user, action=action, payload=payload, at=moment)
    case.refresh_from_db()
    return case


@pytest.fixture
def month(report, people):
    """The hand-built month (see the module docstring and the comments for each worker)."""
    op = people.village_op
    w1 = make_worker(name="甲")  # GRID_A, full time
    w2 = make_worker(name="乙")  # GRID_A, full time
    w3 = make_worker(name="丙", grid_path=GRID_B)
    w4 = make_worker(name="丁", grid_path=GRID_B)
    w5 = make_worker(name="戊", grid_path=GRID_B, kind=c.WorkerKind.PART_TIME)
    gone = make_worker(name="己")  # assignment ended before today: not on the roster
    Assignment.objects.filter(worker=gone).update(ends_on=D(2026, 10, 31))

    # plans: GRID_A every working day (an older, stricter plan ended in October); GRID_B twice
    # a week (2 × 30 / 7 = 8.57 → 9 planned patrols)
    make_plan(GRID_A, 5, c.PlanPeriod.WORKING_DAY, D(2026, 1, 1), D(2026, 10, 31), minutes=120)
    make_plan(GRID_A, 1, c.PlanPeriod.WORKING_DAY, D(2026, 11, 1))
    make_plan(GRID_B, 2, c.PlanPeriod.WEEK, D(2026, 11, 1))

    # 甲: checked in on every working day but the 30th (refused there), on a Saturday too
    for day in WORKING[:-1]:
        check_in(w1, GRID_A, day)
        check_in(w1, GRID_A, day, kind=c.CheckInKind.OFF)
    check_in(w1, GRID_A, 7)  # Saturday, no duty: not an expected day
    check_in(w1, GRID_A, 30, accepted=False)
    check_in(w1, GRID_A, 30, kind=c.CheckInKind.OFF)
    # 乙: approved leave 23–27, on duty Saturday 14th, checked in 2–14 and 16–20 (twice on 2nd)
    Leave.objects.create(
        worker=w2,
        region_path=w2.region_path,
        kind=c.LeaveKind.ANNUAL,
        starts_on=D(2026, 11, 23),
        ends_on=D(2026, 11, 27),
        approved_at=timezone.now(),
    )
    grid_a = region(GRID_A)
    DutyShift.objects.create(worker=w2, region=grid_a, region_path=GRID_A, day=D(2026, 11, 14))
    for day in [*WORKING[:10], 14, *WORKING[10:15]]:
        check_in(w2, GRID_A, day)
    check_in(w2, GRID_A, 2)
    # 丙 and 丁 alike: ten days each; 戊 (part time) once
    for worker in (w3, w4):
        for day in WORKING[:10]:
            check_in(worker, GRID_B, day)
    check_in(w5, GRID_B, 2)
    check_in(w1, GRID_A, 30, month=10)  # October: not counted

    # patrols. 甲: 22 meeting the plan (one extra on the 2nd), one too short, one still open
    for day in [*WORKING, 2]:
        patrol(w1, GRID_A, day, 40, 1234)
    patrol(w1, GRID_A, 3, 10, 2000)
    patrol(w1, GRID_A, 30, 60, 3000, state=c.PatrolState.OPEN)
    patrol(w1, GRID_A, 30, 60, 3000, month=10)
    # 乙: 10 meeting, 3 too short in distance
    for day in WORKING[:10]:
        patrol(w2, GRID_A, day, 35, 600)
    for day in WORKING[10:13]:
        patrol(w2, GRID_A, day, 60, 400)
    # 丙 and 丁: 6 each, exactly the minimum (30 minutes, 500 m) — they meet it
    for worker in (w3, w4):
        for day in WORKING[:6]:
            patrol(worker, GRID_B, day, 30, 500)

    # cases. 甲 reports five in November (and one in October)
    u1, u2 = w1.user, w2.user
    assert u1 is not None and u2 is not None
    c1 = report(at=at(3), user=u1, self_handle_result="当场修好")  # self-handled
    c2 = run(report(at=at(4), user=u1), op, Action.ACCEPT, at(4, 10))
    run(report(at=at(5), user=u1), op, Action.REJECT, at(5, 10), reason="不属于受理范围")
    report(at=at(6), user=u1)  # still waiting: not accepted
    c5 = run(report(at=at(9), user=u1), op, Action.ACCEPT, at(9, 10))
    report(at=at(30, 10, month=10), user=u1)
    # 乙 reports two, both accepted
    for day in (10, 11):
        run(report(at=at(day), user=u2), op, Action.ACCEPT, at(day, 10))
    # ratings and supervision; c5 is reported by 甲 and led by 乙
    Case.objects.filter(pk=c1.pk).update(rating="satisfied")
    Case.objects.filter(pk=c2.pk).update(rating="basically_satisfied", supervision_count=1)
    Case.objects.filter(pk=c5.pk).update(lead_user=u2, rating="unsatisfied", supervision_count=2)
    c1.refresh_from_db()
    assert c1.self_handled and c1.accepted_at is not None

    # visits and register updates of 甲 (local times at the month's edges)
    for moment in (at(5, 10), at(12, 15), at(30, 23, 30), at(1, 0, 10, month=12)):
        Visit.objects.create(
            region_path=GRID_A,
            visitor=u1,
            visited_at=moment,
            kind="routine",
            result="normal",
        )
    for moment in (at(6), at(20), at(31, 23, 50, month=10)):
        RegistryChange.objects.create(
            model="Person", object_id=1, region_path=GRID_A, action="update", actor=u1, at=moment
        )
    return SimpleNamespace(w1=w1, w2=w2, w3=w3, w4=w4, w5=w5, gone=gone, op=op)


def texts(values) -> dict[str, str]:
    return {v.figure.key: v.text for v in values}


def test_november_has_21_working_days():
    assert len(WORKING) == 21
    assert working_days(NOVEMBER) == [D(2026, 11, d) for d in WORKING]


def test_each_figure_of_each_worker(month):
    sums = assessment.worker_sums([month.w1, month.w2, month.w3, month.w5], NOVEMBER)
    assert sums[month.w1.pk] == {
        "expected_days": 21,
        "checkin_days": 20,
        "patrols_planned": 21,
        "patrols_done": 21,  # 22 met the plan, capped at the 21 planned
        "patrols": 23,  # the open one and October's are not counted
        "patrol_m": 22 * 1234 + 2000,
        "reported": 5,
        "valid_reports": 3,  # self-handled, and two accepted; not the rejected or waiting one
        "self_handled": 1,
        "visits": 3,
        "register_updates": 2,
        "supervised": 2,
        "rated": 3,
        "satisfied": 2,
    }
    assert texts(assessment.worker_values(month.w1, NOVEMBER)) == {
        "checkin_rate": "95.24%",  # 20 / 21
        "patrol_coverage": "100.00%",
        "patrols": "23",
        "patrol_km": "29.1",  # 29 148 m
        "reported": "5",
        "valid_report_rate": "60.00%",
        "self_handled": "1",
        "self_handled_rate": "20.00%",
        "visits": "3",
        "register_updates": "2",
        "supervised": "2",
        "satisfaction_rate": "66.67%",  # satisfied + basically satisfied of 3 rated
    }
    assert texts(assessment.worker_values(month.w2, NOVEMBER)) == {
        "checkin_rate": "94.12%",  # 16 / (21 − 5 leave + 1 duty)
        "patrol_coverage": "47.62%",  # 10 / 21
        "patrols": "13",
        "patrol_km": "7.2",
        "reported": "2",
        "valid_report_rate": "100.00%",
        "self_handled": "0",
        "self_handled_rate": "0.00%",
        "visits": "0",
        "register_updates": "0",
        "supervised": "1",  # c5, which they lead
        "satisfaction_rate": "0.00%",  # c5 rated unsatisfied
    }
    assert texts(assessment.worker_values(month.w3, NOVEMBER)) == {
        "checkin_rate": "47.62%",  # 10 / 21
        "patrol_coverage": "66.67%",  # 6 / 9
        "patrols": "6",
        "patrol_km": "3.0",
        "reported": "0",
        "valid_report_rate": "—",
        "self_handled": "0",
        "self_handled_rate": "—",
        "visits": "0",
        "register_updates": "0",
        "supervised": "0",
        "satisfaction_rate": "—",
    }
    # a part-time worker: no check-in rate or coverage to measure
    w5 = texts(assessment.worker_values(month.w5, NOVEMBER))
    assert w5["checkin_rate"] == "—" and w5["patrol_coverage"] == "—"
    assert sums[month.w5.pk]["expected_days"] == 0


def test_ranking_scores_by_hand_with_a_tie(month):
    ranking = rankings.rank("grid_worker", region(VILLAGE), NOVEMBER)
    assert ranking.kind == "grid_worker" and ranking.title == "网格员排名"
    assert [f.key for f in ranking.figures] == [f.key for f in assessment.WORKER_FIGURES]
    assert ranking.weights == {
        "checkin_rate": 25,
        "patrol_coverage": 25,
        "valid_report_rate": 20,
        "self_handled_rate": 10,
        "satisfaction_rate": 20,
    }
    rows = {row.key: row for row in ranking.rows}
    assert month.gone.pk not in rows  # their assignment ended
    # 甲: (25 × 95.24 + 25 × 100 + 20 × 60 + 10 × 20 + 20 × 66.67) / 100 = 76.144
    assert rows[month.w1.pk].score == Decimal("76.14")
    # 乙: (25 × 94.12 + 25 × 47.62 + 20 × 100 + 10 × 0 + 20 × 0) / 100 = 55.435
    assert rows[month.w2.pk].score == Decimal("55.44")
    # 丙 = 丁: only the two attendance figures, (25 × 47.62 + 25 × 66.67) / 50 = 57.145
    assert rows[month.w3.pk].score == rows[month.w4.pk].score == Decimal("57.15")
    assert rows[month.w5.pk].score is None  # nothing to score: listed last, unranked
    assert [(row.label, row.rank) for row in ranking.rows] == [
        ("甲", 1),
        ("丙", 2),
        ("丁", 2),
        ("乙", 4),
        ("戊", None),
    ]
    grid_a, grid_b = region(GRID_A).name, region(GRID_B).name
    assert rows[month.w1.pk].note == grid_a and rows[month.w3.pk].note == grid_b
    # the worker's own row is their own figures
    own = rows[month.w2.pk]
    assert [v.text for v in own.values] == [
        v.text for v in assessment.worker_values(month.w2, NOVEMBER)
    ]
    # other weights, same figures: by patrol coverage alone
    alone = assessment.rank_workers(
        region(VILLAGE), NOVEMBER, weights={"patrol_coverage": Decimal(1)}
    )
    assert [row.label for row in alone.rows] == ["甲", "丙", "丁", "乙", "戊"]
    assert [row.score for row in alone.rows][:4] == [
        Decimal("100.00"),
        Decimal("66.67"),
        Decimal("66.67"),
        Decimal("47.62"),
    ]


def test_a_region_elsewhere_ranks_nobody_from_here(month):
    other = region(VILLAGE[:9] + "002")
    assert assessment.rank_workers(other, NOVEMBER).rows == []


def test_grid_ranking(month):
    ranking = rankings.rank("grid", region(VILLAGE), NOVEMBER)
    assert ranking.kind == "grid" and ranking.title == "各网格排名"
    rows = {row.key: row for row in ranking.rows}
    a, b = rows[GRID_A], rows[GRID_B]
    assert a.note == "甲、乙" or a.note == "乙、甲"
    assert texts(a.values) == {
        "checkin_rate": "94.74%",  # (20 + 16) / (21 + 17)
        "patrol_coverage": "100.00%",  # 32 met, capped at 21
        "patrols": "36",
        "patrol_km": "36.3",  # 29 148 + 7 200 m
        "reported": "7",
        "valid_report_rate": "71.43%",  # 5 / 7
        "self_handled": "1",
        "self_handled_rate": "14.29%",
        "visits": "3",
        "register_updates": "2",
        "supervised": "2",  # c2 and c5; c5 (甲 reported, 乙 led) once
        "satisfaction_rate": "66.67%",  # 2 of 3 rated
    }
    # (25 × 94.74 + 25 × 100 + 20 × 71.43 + 10 × 14.29 + 20 × 66.67) / 100 = 77.734
    assert a.score == Decimal("77.73")
    # GRID_B: 20 / 42 days (the part-time worker is not expected daily); 12 met, capped at 9
    assert texts(b.values)["checkin_rate"] == "47.62%"
    assert texts(b.values)["patrol_coverage"] == "100.00%"
    assert b.score == Decimal("73.81")  # (25 × 47.62 + 25 × 100) / 50
    assert [row.key for row in ranking.rows][:2] == [GRID_A, GRID_B]
    assert [row.rank for row in ranking.rows][:2] == [1, 2]
    # the village's other grids have no workers nor plans: unranked, listed last
    others = ranking.rows[2:]
    assert others and all(row.rank is None and row.score is None for row in others)


def test_worker_weights_come_from_the_setting(settings, month):
    settings.GRIDGOV_WORKER_WEIGHTS = "checkin_rate=1"
    ranking = assessment.rank_workers(region(VILLAGE), NOVEMBER)
    assert ranking.weights == {"checkin_rate": Decimal(1)}
    assert ranking.rows[0].label == "甲" and ranking.rows[0].score == Decimal("95.24")
    for bad, message in (
        ("patrols=5", "不是比率类指标"),  # a count
        ("close_rate=5", "不是比率类指标"),  # a case figure, not a worker figure
        ("checkin_rate=0", "大于零"),
        ("checkin_rate", "指标=权重"),
    ):
        settings.GRIDGOV_WORKER_WEIGHTS = bad
        with pytest.raises(ImproperlyConfigured, match=message):
            assessment.configured_worker_weights()


def populate(count: int, start: int) -> None:
    """``count`` more workers in GRID_A/GRID_B with a check-in, a patrol and a report each."""
    for i in range(count):
        path = GRID_A if i % 2 else GRID_B
        worker = make_worker(name=f"批量{start + i}", grid_path=path)
        check_in(worker, path, 2)
        patrol(worker, path, 3, 40, 800)
        assert worker.user is not None
        Visit.objects.create(
            region_path=path, visitor=worker.user, visited_at=at(4), kind="routine", result="normal"
        )


def test_a_ranking_takes_the_same_few_queries_for_any_number_of_workers(
    month, django_assert_max_num_queries, monkeypatch
):
    monkeypatch.setattr("gridgov.cases.context.RECHECK_SECONDS", 1e9)  # no calendar re-check
    county = region(VILLAGE[:6])
    for kind in ("grid_worker", "grid"):
        rankings.rank(kind, county, NOVEMBER)  # warm the calendar cache
    counts = {}
    for size, more in ((5, 0), (11, 6)):
        populate(more, size)
        for kind in ("grid_worker", "grid"):
            with CaptureQueriesContext(connection) as queries:
                ranking = rankings.rank(kind, county, NOVEMBER)
            counts[(kind, size)] = len(queries)
        assert len(rankings.rank("grid_worker", county, NOVEMBER).rows) == size
    assert counts[("grid_worker", 5)] == counts[("grid_worker", 11)]
    assert counts[("grid", 5)] == counts[("grid", 11)]
    with django_assert_max_num_queries(15):
        ranking = assessment.rank_workers(county, NOVEMBER)
    assert len(ranking.rows) == 11
    with django_assert_max_num_queries(15):
        assessment.rank_grids(county, NOVEMBER)


def test_a_ranking_note_lists_at_most_three_names():
    from gridgov.ops.assessment import listed

    assert listed([], "人") == ""
    assert listed(["甲", "乙", "丙"], "人") == "甲、乙、丙"
    grids = [f"育才社区第{i}网格" for i in range(1, 6)]
    assert listed(grids, "个网格") == "育才社区第1网格、育才社区第2网格 等 5 个网格"
