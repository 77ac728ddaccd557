"""Ranking scores: weights, lower-is-better figures, missing figures, ties."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured

from gridgov.metrics import rankings
from gridgov.metrics.figures import BY_KEY, Value, ratio
from gridgov.metrics.rankings import RankRow, parse_weights, score


def value(key, numerator, denominator):
    figure = BY_KEY[key]
    return Value(figure, numerator, denominator, ratio(numerator, denominator, figure.kind))


def test_weights_parse_and_refuse_nonsense():
    assert parse_weights("close_rate=30, rework_rate=20") == {
        "close_rate": Decimal(30),
        "rework_rate": Decimal(20),
    }
    assert parse_weights({"satisfaction_rate": 1.5}) == {"satisfaction_rate": Decimal("1.5")}
    for bad, message in (
        ("close_rate", "指标=权重"),
        ("received=10", "不是比率类指标"),
        ("weather=10", "不是比率类指标"),
        ("close_rate=ten", "不是数字"),
        ("close_rate=0", "大于零"),
        ("", "不能为空"),
    ):
        with pytest.raises(ImproperlyConfigured, match=message):
            parse_weights(bad)


def test_score_inverts_lower_is_better_and_skips_missing_figures():
    weights = parse_weights("close_rate=30,on_time_rate=30,rework_rate=20,satisfaction_rate=20")
    values = [
        value("close_rate", 9, 10),  # 90
        value("on_time_rate", 8, 10),  # 80
        value("rework_rate", 1, 10),  # 10 → counts as 90
        value("satisfaction_rate", 0, 0),  # — : left out, weights renormalised
    ]
    assert score(values, weights) == Decimal("86.25")  # (2700 + 2400 + 1800) / 80
    assert score([value("satisfaction_rate", 0, 0)], weights) is None


def test_ties_share_a_rank_and_units_without_a_score_come_last():
    rows = [
        RankRow("a", "甲", Decimal("90"), totals={"closed": 5}),
        RankRow("b", "乙", None),
        RankRow("c", "丙", Decimal("95"), totals={"closed": 1}),
        RankRow("d", "丁", Decimal("90"), totals={"closed": 9}),
        RankRow("e", "戊", Decimal("80")),
    ]
    ranked = rankings._ranked(rows)
    assert [(r.key, r.rank) for r in ranked] == [
        ("c", 1),
        ("d", 2),
        ("a", 2),
        ("e", 4),
        ("b", None),
    ]
    assert ranked[-1].score_text == "—"


def test_unknown_kind_is_refused(db):
    from gridgov.metrics.figures import Span
    from gridgov.regions.models import Region

    with pytest.raises(ValueError):
        rankings.rank("planet", Region.objects.get(path="220283"), Span.month(2026, 11))


def test_worker_weights_parse_against_the_worker_figures():
    from gridgov.ops.assessment import WORKER_FIGURES

    assert parse_weights("checkin_rate=25, patrol_coverage=1.5", figures=WORKER_FIGURES) == {
        "checkin_rate": Decimal(25),
        "patrol_coverage": Decimal("1.5"),
    }
    for bad in ("close_rate=10", "patrols=10", "patrol_km=1"):  # a case figure; counts; km
        with pytest.raises(ImproperlyConfigured, match="不是比率类指标"):
            parse_weights(bad, figures=WORKER_FIGURES)
    with pytest.raises(ImproperlyConfigured, match="不是比率类指标"):
        parse_weights("checkin_rate=10")  # not a case figure


def test_grid_worker_ranking_lists_the_field_work_roster(db, report, people):
    """Grid workers are ranked from the ops roster (not from posts): every active worker with
    a current grid in the region, each with their grid; not the demo post holders."""
    from gridgov.metrics.figures import Span
    from gridgov.ops.assessment import WORKER_FIGURES
    from gridgov.ops.tests.factories import GRID_A, GRID_B, make_worker
    from gridgov.regions.models import Region

    a = make_worker(name="甲", grid_path=GRID_A)
    b = make_worker(name="乙", grid_path=GRID_B, with_user=False)
    report(user=a.user)
    village = Region.objects.get(path="220283001001")
    result = rankings.rank("grid_worker", village, Span.month(2026, 11))
    assert {r.key for r in result.rows} == {a.pk, b.pk}
    assert people.grid_worker.pk not in {r.key for r in result.rows}
    notes = {r.key: r.note for r in result.rows}
    assert notes[a.pk] == Region.objects.get(path=GRID_A).name
    assert result.figures == list(WORKER_FIGURES)
    row = next(r for r in result.rows if r.key == a.pk)
    assert row.get("reported").text == "1"
    grids = rankings.rank("grid", village, Span.month(2026, 11))
    assert GRID_A in {r.key for r in grids.rows} and grids.kind == "grid"
