"""The figure definitions on hand-built numbers: rounding, empty periods, comparisons."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridgov.cases.models import Board, Item
from gridgov.metrics import figures
from gridgov.metrics.figures import Scope, Span, ratio
from gridgov.metrics.models import CaseRollup

COUNTY = "220283"


def test_the_shulan_closure_rate():
    # 舒兰: 13,639 accepted, 13,602 closed → 办结率 99.73%
    assert ratio(13_602, 13_639, "rate") == Decimal("99.73")
    assert figures.display(ratio(13_602, 13_639, "rate"), "rate") == "99.73%"


def test_rounding_is_half_up_and_nothing_to_divide_by_is_a_dash():
    assert ratio(1, 8, "rate") == Decimal("12.50")
    assert ratio(2, 3, "rate") == Decimal("66.67")
    assert ratio(1, 3, "rate") == Decimal("33.33")
    assert ratio(1, 200_000, "rate") == Decimal("0.00")  # 0.0005 → 0.00, not 0.01
    assert ratio(1, 20_000, "rate") == Decimal("0.01")  # 0.005 → 0.01 (half up)
    assert ratio(0, 0, "rate") is None and ratio(5, 0, "hours") is None
    assert figures.display(None, "rate") == "—"
    assert ratio(7200 * 3 + 1800, 3, "hours") == Decimal("2.17")
    assert figures.display(ratio(12_345, None, "count"), "count") == "12,345"


@given(st.integers(0, 10**7), st.integers(1, 10**7))
def test_a_rate_is_a_two_place_percentage(numerator, denominator):
    value = ratio(min(numerator, denominator), denominator, "rate")
    assert value is not None and Decimal(0) <= value <= Decimal(100)
    assert value == value.quantize(Decimal("0.01"))


def test_spans_parse_and_step_back():
    assert Span.parse("2026-11") == Span(dt.date(2026, 11, 1), dt.date(2026, 11, 30), "month")
    assert Span.parse("2026-03").previous() == Span.month(2026, 2)
    assert Span.parse("2026-01").previous() == Span.month(2025, 12)
    assert Span.parse("2026").previous() == Span.year(2025)
    assert Span.parse("2026-11-05").previous() == Span.day(dt.date(2026, 11, 4))
    week = Span.parse("2026-11-09..2026-11-15")
    assert week.previous() == Span(dt.date(2026, 11, 2), dt.date(2026, 11, 8))
    assert Span.month(2024, 2).end == dt.date(2024, 2, 29)
    assert Span.month(2026, 11).label == "2026年11月" and Span.month(2026, 11).key == "2026-11"
    for bad in ("2026-13", "11/2026", "2026-11-31", "2026-11-15..2026-11-01", ""):
        with pytest.raises(ValueError):
            Span.parse(bad)


@pytest.fixture
def rollups(db):
    """A hand-built month: the seed's 13,639 accepted and 13,602 closed, split over two
    villages, and a smaller previous month."""
    board = Board.objects.create(code="TST", name="测试板块", sort_order=99)
    item = Item.objects.create(code="T-001", name="路灯损坏", board=board, level="village")

    def add(day, path, **measures):
        CaseRollup.objects.create(
            day=day,
            region_path=path,
            item=item,
            board=board,
            channel="patrol",
            status="closed",
            **measures,
        )

    add(
        dt.date(2026, 10, 3),
        "220283001001",
        received=14_000,
        accepted=13_639,
        closed=13_000,
        closed_on_time=12_000,
        rated=900,
        satisfied=880,
        handle_seconds=13_000 * 36 * 3600,
    )
    add(dt.date(2026, 10, 20), "220283002001", closed=602, closed_on_time=600)
    add(
        dt.date(2026, 9, 30),
        "220283001001",
        received=100,
        accepted=100,
        closed=95,
        closed_on_time=95,
        rated=10,
        satisfied=10,
        handle_seconds=95 * 40 * 3600,
    )
    return item


def test_figures_of_a_hand_built_month(rollups):
    values = {v.figure.key: v for v in figures.compute(Scope(region=COUNTY), Span.month(2026, 10))}
    assert values["close_rate"].text == "99.73%"
    assert (values["close_rate"].numerator, values["close_rate"].denominator) == (13_602, 13_639)
    assert values["accept_rate"].text == "97.42%"  # 13,639 / 14,000
    assert values["on_time_rate"].text == "92.63%"  # 12,600 / 13,602
    assert values["satisfaction_rate"].text == "97.78%"
    assert values["average_hours"].text == "34.41"  # 13,000 × 36 h / 13,602
    assert values["sign_rate"].text == "—" and values["callback_rate"].text == "—"
    assert values["received"].text == "14,000"
    # previous month beside it
    assert values["close_rate"].previous.text == "95.00%"
    assert values["close_rate"].change == Decimal("4.73")
    assert values["close_rate"].change_text == "+4.73个百分点"
    assert values["close_rate"].trend == "good"
    assert values["average_hours"].trend == "good"  # shorter than 40 h
    assert values["received"].change_text == "+13,900"
    # one township only
    township = {
        v.figure.key: v for v in figures.compute(Scope(region="220283002"), Span.month(2026, 10))
    }
    assert township["close_rate"].text == "—"  # 602 closed but nothing accepted in the cohort


def test_an_empty_period_shows_dashes_not_zero_or_hundred(rollups):
    values = figures.compute(Scope(region=COUNTY), Span.month(2027, 1))
    for value in values:
        if value.figure.kind == "count":
            assert value.text == "0"
        else:
            assert value.text == "—" and value.value is None
        assert value.change_text in ("—", "+0")


def test_breakdowns_by_child_region_and_month(rollups):
    span = Span.year(2026)
    by_township = figures.grouped_sums(Scope(region=COUNTY), span, "child", child_width=9)
    assert set(by_township) == {"220283001", "220283002"}
    assert by_township["220283001"]["accepted"] == 13_739
    by_month = figures.grouped_sums(Scope(region=COUNTY), span, "month")
    assert by_month["2026-09"]["closed"] == 95 and by_month["2026-10"]["closed"] == 13_602
    rows = figures.rows_from(
        by_month, {}, {}, [figures.BY_KEY["close_rate"]], keep_empty=["2026-08"]
    )
    assert [(r.key, r.values[0].text) for r in rows] == [
        ("2026-08", "—"),
        ("2026-09", "95.00%"),
        ("2026-10", "99.73%"),
    ]
    with pytest.raises(ValueError):
        figures.grouped_sums(Scope(), span, "weather")
