"""Deadline calendar (限时办结): Chinese working days, working hours and calendar hours.

Pure Python, no database: runs under plain pytest (``-p no:django``) and under pytest-django.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridgov.cases.calendar import (
    SHANGHAI,
    Limit,
    Unit,
    WorkCalendar,
    default_calendar,
    light,
)

WD, WH, CH = Unit.WORKING_DAYS, Unit.WORKING_HOURS, Unit.CALENDAR_HOURS
CAL = WorkCalendar()


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A Beijing-time instant."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


# -- 2026: National Day and Spring Festival (国庆节、春节) with make-up working days (调休) -------


def test_national_day_2026_days():
    off = [date(2026, 10, d) for d in range(1, 8)]  # 1–3 holiday, 4 Sun, 5 observed, 6–7 in lieu
    assert not any(CAL.is_working_day(d) for d in off)
    assert CAL.is_working_day(date(2026, 9, 30))
    assert CAL.is_working_day(date(2026, 10, 8))
    assert CAL.is_working_day(date(2026, 9, 20))  # Sunday, make-up working day
    assert CAL.is_working_day(date(2026, 10, 10))  # Saturday, make-up working day
    assert not CAL.is_working_day(date(2026, 9, 19))  # plain Saturday
    assert not CAL.is_working_day(date(2026, 10, 11))  # plain Sunday


def test_working_days_across_national_day():
    assert CAL.add(at(2026, 9, 30, 10), Limit(1, WD)) == at(2026, 10, 8, 10)
    assert CAL.between(at(2026, 9, 30, 10), at(2026, 10, 8, 10), WD) == 1
    # A start on a day off counts from 00:00 of the next working day: Sun 20 Sep is one.
    assert CAL.add(at(2026, 9, 19, 10), Limit(1, WD)) == at(2026, 9, 21)
    # Sat 10 Oct is a working day, so Fri 9 Oct + 1 working day ends on it.
    assert CAL.add(at(2026, 10, 9, 10), Limit(1, WD)) == at(2026, 10, 10, 10)
    assert CAL.add(at(2026, 10, 9, 10), Limit(2, WD)) == at(2026, 10, 12, 10)
    # Fractional: half a working day is 12 counted hours.
    assert CAL.add(at(2026, 9, 30, 18), Limit(0.5, WD)) == at(2026, 10, 8, 6)
    # 28, 29, 30 Sep and 8, 9, 10 Oct; Sun 11 Oct is a day off again.
    assert CAL.between(at(2026, 9, 28), at(2026, 10, 12), WD) == 6


def test_working_hours_across_national_day():
    # Office hours 8:30–12:00 and 13:30–17:30: half an hour left on 30 Sep, 1.5 h on 8 Oct.
    assert CAL.add(at(2026, 9, 30, 17), Limit(2, WH)) == at(2026, 10, 8, 10)
    assert CAL.between(at(2026, 9, 30, 17), at(2026, 10, 8, 10), WH) == 2
    # With the office open until 18:00 the same limit runs out at 9:30.
    late = WorkCalendar(office_hours=((time(8, 30), time(12)), (time(13, 30), time(18))))
    assert late.add(at(2026, 9, 30, 17), Limit(2, WH)) == at(2026, 10, 8, 9, 30)
    # The lunch break does not count; the make-up Sunday does.
    assert CAL.add(at(2026, 9, 18, 11), Limit(2, WH)) == at(2026, 9, 18, 14, 30)
    assert CAL.add(at(2026, 9, 18, 17), Limit(1, WH)) == at(2026, 9, 20, 9)
    assert CAL.between(at(2026, 9, 20), at(2026, 9, 21), WH) == 7.5


def test_a_limit_that_runs_out_at_closing_time_is_due_at_the_next_opening():
    # Due instants always count: 16:30 + 1 h is due at the next 8:30, not at 17:30 on Friday.
    assert CAL.add(at(2026, 9, 17, 16, 30), Limit(1, WH)) == at(2026, 9, 18, 8, 30)
    assert CAL.add(at(2026, 9, 18, 16, 30), Limit(1, WH)) == at(2026, 9, 20, 8, 30)
    assert CAL.add(at(2026, 9, 24, 16, 30), Limit(1, WH)) == at(2026, 9, 28, 8, 30)  # 中秋节
    assert CAL.add(at(2026, 9, 30, 16, 30), Limit(1, WH)) == at(2026, 10, 8, 8, 30)
    assert CAL.add(at(2026, 9, 30), Limit(1, WD)) == at(2026, 10, 8)


def test_spring_festival_2026():
    # 15–23 Feb off (Sun–Mon, nine days); Sat 14 Feb and Sat 28 Feb are make-up working days.
    assert CAL.is_working_day(date(2026, 2, 14))
    assert CAL.is_working_day(date(2026, 2, 28))
    assert not any(CAL.is_working_day(date(2026, 2, d)) for d in range(15, 24))
    assert CAL.add(at(2026, 2, 13, 10), Limit(1, WD)) == at(2026, 2, 14, 10)
    assert CAL.add(at(2026, 2, 14, 10), Limit(1, WD)) == at(2026, 2, 24, 10)
    assert CAL.between(at(2026, 2, 14), at(2026, 2, 25), WD) == 2
    assert CAL.add(at(2026, 2, 14, 17), Limit(1, WH)) == at(2026, 2, 24, 9)
    assert CAL.next_working_moment(at(2026, 2, 18, 15), WH) == at(2026, 2, 24, 8, 30)


def test_next_working_moment():
    assert CAL.next_working_moment(at(2026, 9, 30, 12, 15), WH) == at(2026, 9, 30, 13, 30)
    assert CAL.next_working_moment(at(2026, 9, 30, 9), WH) == at(2026, 9, 30, 9)
    assert CAL.next_working_moment(at(2026, 9, 30, 17, 30), WH) == at(2026, 10, 8, 8, 30)
    assert CAL.next_working_moment(at(2026, 10, 3, 15), WD) == at(2026, 10, 8)
    assert CAL.next_working_moment(at(2026, 10, 3, 15), CH) == at(2026, 10, 3, 15)
    utc = datetime(2026, 10, 3, 7, tzinfo=UTC)
    assert CAL.next_working_moment(utc, CH) == at(2026, 10, 3, 15)
    assert CAL.next_working_moment(utc, CH).tzinfo is SHANGHAI


def test_year_end():
    # 1 Jan 2027 is New Year's Day (Fri), then the weekend.
    assert CAL.add(at(2026, 12, 31, 17), Limit(2, WH)) == at(2027, 1, 4, 10)
    assert CAL.between(at(2026, 12, 31, 12), at(2027, 1, 4, 12), WD) == 1
    assert CAL.between(at(2027, 1, 4, 12), at(2026, 12, 31, 12), WD) == -1


# -- overrides and unannounced years --------------------------------------------------------


def test_overrides_for_a_newly_announced_year():
    # Say the State Council extends the 2027 Spring Festival to Thu 11 Feb and makes
    # Sat 20 Feb a working day; the library's estimate knows neither.
    extra_day_off, make_up_day = date(2027, 2, 11), date(2027, 2, 20)
    assert CAL.is_working_day(extra_day_off)
    assert not CAL.is_working_day(make_up_day)
    cal = WorkCalendar(overrides={extra_day_off: False, make_up_day: True})
    assert not cal.is_working_day(extra_day_off)
    assert cal.is_working_day(make_up_day)
    assert cal.add(at(2027, 2, 4, 10), Limit(1, WD)) == at(2027, 2, 12, 10)
    assert CAL.add(at(2027, 2, 4, 10), Limit(1, WD)) == at(2027, 2, 11, 10)
    assert cal.add(at(2027, 2, 19, 17), Limit(1, WH)) == at(2027, 2, 20, 9)
    assert CAL.between(at(2027, 2, 1), at(2027, 2, 15), WD) == 6
    assert cal.between(at(2027, 2, 1), at(2027, 2, 15), WD) == 5
    assert cal.between(at(2027, 2, 1), at(2027, 3, 1), WD) == 16  # one day moved, not lost
    # Overrides also win over announced holidays, and other calendars are unaffected.
    national_day = WorkCalendar(overrides={date(2026, 10, 1): True})
    assert national_day.is_working_day(date(2026, 10, 1))
    assert not default_calendar().is_working_day(date(2026, 10, 1))


def test_overrides_are_copied():
    overrides = {date(2027, 2, 11): False}
    cal = WorkCalendar(overrides=overrides)
    overrides[date(2027, 2, 11)] = True
    assert not cal.is_working_day(date(2027, 2, 11))
    assert cal.overrides == {date(2027, 2, 11): False}


def test_unannounced_year_never_raises():
    cal = WorkCalendar()
    day = date(2030, 1, 1)
    working = 0
    while day.year == 2030:
        working += cal.is_working_day(day)
        day += timedelta(days=1)
    assert 230 < working < 260
    assert not cal.is_working_day(date(2030, 10, 1))
    assert cal.add(at(2030, 9, 30, 10), Limit(5, WD)) > at(2030, 10, 4)
    assert cal.between(at(2029, 12, 1), at(2031, 2, 1), WH) > 0
    for year in (1, 1900, 2099, 9999):
        assert isinstance(cal.is_working_day(date(year, 6, 1)), bool)


def test_library_failure_falls_back_to_monday_to_friday(monkeypatch):
    def broken(*args: object, **kwargs: object) -> object:
        raise NotImplementedError("no data for this year")

    monkeypatch.setattr(holidays, "country_holidays", broken)
    cal = WorkCalendar(overrides={date(2031, 1, 4): True})
    assert cal.is_working_day(date(2031, 1, 3))  # Friday
    assert not cal.is_working_day(date(2031, 1, 5))  # Sunday
    assert cal.is_working_day(date(2031, 1, 4))  # Saturday, override
    assert cal.add(at(2031, 1, 2, 10), Limit(3, WD)) == at(2031, 1, 6, 10)


def test_a_library_that_fails_on_one_call_falls_back_too():
    cal = WorkCalendar()
    assert not cal.is_working_day(date(2026, 10, 1))

    class Broken:
        def is_working_day(self, day: date) -> bool:
            raise NotImplementedError(day)

    cal._library = Broken()
    assert cal.is_working_day(date(2032, 3, 1))  # Monday
    assert not cal.is_working_day(date(2032, 3, 6))  # Saturday
    assert not cal.is_working_day(date(2026, 10, 1))  # cached before the failure


# -- calendar hours, time zones, refusals -----------------------------------------------------


def test_calendar_hours_are_elapsed_hours():
    assert CAL.add(at(2026, 9, 30, 17), Limit(24, CH)) == at(2026, 10, 1, 17)
    assert CAL.add(at(2026, 9, 30, 17), Limit(1.5, CH)) == at(2026, 9, 30, 18, 30)
    assert CAL.between(at(2026, 9, 30, 17), at(2026, 10, 8, 17), CH) == 192
    # Input in another zone comes back in Beijing time (no daylight saving since 1991).
    new_york = ZoneInfo("America/New_York")
    start = datetime(2026, 3, 7, 12, tzinfo=new_york)  # US clocks go forward on 8 March
    due = CAL.add(start, Limit(24, CH))
    assert due.tzinfo is SHANGHAI
    assert due == datetime(2026, 3, 8, 13, tzinfo=new_york)
    assert CAL.between(start, datetime(2026, 3, 8, 12, tzinfo=new_york), CH) == 23
    assert CAL.between(at(2026, 1, 1), at(2026, 7, 1), CH) == 181 * 24


def test_results_are_in_the_calendar_zone():
    start = datetime(2026, 9, 30, 2, tzinfo=UTC)  # 10:00 in Beijing
    due = CAL.add(start, Limit(1, WD))
    assert due == at(2026, 10, 8, 10)
    assert due.tzinfo is SHANGHAI and due.utcoffset() == timedelta(hours=8)
    utc_cal = WorkCalendar(tz=UTC)
    assert utc_cal.add(start, Limit(1, WD)).tzinfo is UTC


def test_naive_datetimes_are_refused():
    naive = datetime(2026, 9, 30, 10)
    with pytest.raises(ValueError, match="naive"):
        CAL.add(naive, Limit(1, WD))
    with pytest.raises(ValueError, match="naive"):
        CAL.between(naive, at(2026, 10, 8), WH)
    with pytest.raises(ValueError, match="naive"):
        CAL.between(at(2026, 10, 8), naive, CH)
    with pytest.raises(ValueError, match="naive"):
        CAL.next_working_moment(naive, WD)
    with pytest.raises(ValueError, match="naive"):
        light(naive, naive, naive, WD)


def test_limit():
    assert Limit(5, WD).label_zh == "5 个工作日"
    assert Limit(2, WH).label_zh == "2 个工作小时"
    assert Limit(24, CH).label_zh == "24 小时"
    assert Limit(0.5, WD).label_zh == "0.5 个工作日"
    assert str(Limit(1.25, CH)) == "1.25 小时"
    assert Limit(3, "working_days").unit is WD
    for bad in (0, -1, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            Limit(bad, WD)
    with pytest.raises(ValueError):
        Limit(1, "fortnights")
    with pytest.raises(TypeError):
        Limit("5", WD)
    with pytest.raises(OverflowError):
        CAL.add(at(2026, 1, 1), Limit(1e9, WD))


def test_bad_office_hours():
    with pytest.raises(ValueError):
        WorkCalendar(office_hours=())
    with pytest.raises(ValueError):
        WorkCalendar(office_hours=((time(12), time(8)),))
    with pytest.raises(ValueError):
        WorkCalendar(office_hours=((time(8), time(12)), (time(11), time(17))))


def test_default_calendar_is_shared():
    assert default_calendar() is default_calendar()
    assert default_calendar().tz is SHANGHAI


# -- traffic light (红黄绿灯) ------------------------------------------------------------------


def test_light_thresholds():
    started = at(2026, 9, 28, 8, 30)  # Monday
    due = CAL.add(started, Limit(10, WH))  # 7.5 h on Monday, 2.5 h on Tuesday
    assert due == at(2026, 9, 29, 11)
    assert light(started, due, started, WH) == "green"
    assert light(started, due, at(2026, 9, 29, 8, 59), WH) == "green"  # 7.98 h used
    assert light(started, due, at(2026, 9, 29, 9, 30), WH) == "yellow"  # 8 h = 80 %
    assert light(started, due, due, WH) == "yellow"
    assert light(started, due, due + timedelta(microseconds=1), WH) == "red"
    assert light(started, due, at(2026, 9, 29, 9, 30), WH, yellow_share=0.9) == "green"
    # Overnight nothing is used: Monday evening is still green.
    assert light(started, due, at(2026, 9, 28, 23), WH) == "green"
    # In calendar hours the same evening is most of the way there.
    assert light(started, due, at(2026, 9, 29, 0, 30), CH) == "green"  # 16 of 26.5 h
    assert light(started, due, at(2026, 9, 29, 6), CH) == "yellow"  # 21.5 of 26.5 h


def test_light_of_a_zero_length_step():
    moment = at(2026, 10, 3, 10)  # a holiday: no working time between start and due
    due = at(2026, 10, 4, 10)
    assert light(moment, moment, moment, WD) == "yellow"
    assert light(moment, moment, moment + timedelta(seconds=1), WD) == "red"
    assert light(moment, due, due, WD) == "yellow"
    assert light(moment, due, at(2026, 10, 3, 12), WD) == "yellow"


def test_light_with_a_calendar_of_its_own():
    cal = WorkCalendar(overrides={date(2027, 2, 11): False})
    started, due = at(2027, 2, 11, 8, 30), at(2027, 2, 12, 17, 30)
    now = at(2027, 2, 12, 14, 30)
    assert light(started, due, now, WH) == "yellow"  # 12 of 15 working hours
    assert light(started, due, now, WH, calendar=cal) == "green"  # 4.5 of 7.5 working hours


# -- properties over 2025–2028 -----------------------------------------------------------------

BOUNDARIES = [time(0), time(8, 30), time(12), time(13, 30), time(17, 30), time(23, 59, 59, 999999)]


@st.composite
def instants(draw: st.DrawFn) -> datetime:
    """Aware instants in 2025–2028, often on a day or office-hour boundary, in varied zones."""
    if draw(st.booleans()):
        moment = draw(
            st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31))
        )
    else:
        day = draw(st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 12, 31)))
        moment = datetime.combine(day, draw(st.sampled_from(BOUNDARIES)))
    local = moment.replace(tzinfo=SHANGHAI)
    return local.astimezone(draw(st.sampled_from([SHANGHAI, UTC])))


units = st.sampled_from(list(Unit))
amounts = st.one_of(
    st.floats(min_value=1e-6, max_value=400, allow_nan=False, allow_infinity=False),
    st.integers(min_value=1, max_value=60).map(float),
    st.integers(min_value=1, max_value=200).map(lambda n: n / 8),
)
PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(start=instants(), amount=amounts, unit=units)
def test_between_inverts_add(start: datetime, amount: float, unit: Unit):
    due = CAL.add(start, Limit(amount, unit))
    assert due.tzinfo is SHANGHAI
    assert due >= start
    assert CAL.between(start, due, unit) == pytest.approx(amount, abs=1e-9)
    assert CAL.next_working_moment(due, unit) == due  # a deadline is an instant that counts


@PROPS
@given(a=instants(), b=instants(), unit=units)
def test_add_inverts_between(a: datetime, b: datetime, unit: Unit):
    start, end = min(a, b), max(a, b)
    end = CAL.next_working_moment(end, unit)  # a counted instant
    counted = CAL.between(start, end, unit)
    if counted == 0:  # nothing counts from start up to end: end is where counting resumes
        assert end == CAL.next_working_moment(start, unit)
    else:
        assert counted > 0
        assert CAL.add(start, Limit(counted, unit)) == end


@PROPS
@given(a=instants(), b=instants(), c=instants(), unit=units)
def test_between_is_additive_and_antisymmetric(a: datetime, b: datetime, c: datetime, unit: Unit):
    ab, bc, ac = CAL.between(a, b, unit), CAL.between(b, c, unit), CAL.between(a, c, unit)
    assert ac == pytest.approx(ab + bc, abs=1e-9)
    assert CAL.between(b, a, unit) == -ab
    assert CAL.between(a, a, unit) == 0


@PROPS
@given(a=instants(), b=instants(), amount=amounts, more=amounts, unit=units)
def test_monotonic(a: datetime, b: datetime, amount: float, more: float, unit: Unit):
    early, late = min(a, b), max(a, b)
    assert CAL.between(early, late, unit) >= 0
    assert CAL.add(early, Limit(amount, unit)) <= CAL.add(late, Limit(amount, unit))
    assert CAL.add(early, Limit(amount, unit)) <= CAL.add(early, Limit(amount + more, unit))
    assert CAL.between(early, late, WH) <= CAL.between(early, late, CH)
    assert CAL.between(early, late, WD) * 24 <= CAL.between(early, late, CH) + 1e-9


@PROPS
@given(start=instants(), n=st.integers(1, 200), m=st.integers(1, 200), unit=units)
def test_limits_compose(start: datetime, n: int, m: int, unit: Unit):
    first = CAL.add(start, Limit(n / 8, unit))
    assert CAL.add(first, Limit(m / 8, unit)) == CAL.add(start, Limit((n + m) / 8, unit))


def brute_force_between(cal: WorkCalendar, start: datetime, end: datetime, unit: Unit) -> float:
    """Walk day by day and intersect the counted stretches with [start, end]."""
    start, end = start.astimezone(SHANGHAI), end.astimezone(SHANGHAI)
    if unit is CH:
        return (end - start) / timedelta(hours=1)
    stretches = [(time(0), None)] if unit is WD else cal.office_hours
    total = timedelta()
    day = start.date()
    while day <= end.date():
        if cal.is_working_day(day):
            for open_, close in stretches:
                lo = datetime.combine(day, open_, SHANGHAI)
                hi = (
                    datetime.combine(day + timedelta(days=1), time(0), SHANGHAI)
                    if close is None
                    else datetime.combine(day, close, SHANGHAI)
                )
                lo, hi = max(lo, start), min(hi, end)
                if hi > lo:
                    total += hi - lo
        day += timedelta(days=1)
    return total / (timedelta(days=1) if unit is WD else timedelta(hours=1))


@PROPS
@given(start=instants(), span=st.timedeltas(timedelta(0), timedelta(days=45)), unit=units)
def test_between_matches_a_day_by_day_walk(start: datetime, span: timedelta, unit: Unit):
    end = start + span
    expected = brute_force_between(CAL, start, end, unit)
    assert CAL.between(start, end, unit) == pytest.approx(expected, abs=1e-9)
