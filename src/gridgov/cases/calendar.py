"""Deadline calendar (限时办结) on the Chinese working-day calendar.

Pure Python, no Django. Three units of time can be counted:

* ``Unit.WORKING_DAYS`` (工作日): time counts only on working days, 24 hours per working day;
* ``Unit.WORKING_HOURS`` (工作小时): time counts only inside office hours on working days;
* ``Unit.CALENDAR_HOURS`` (自然小时): elapsed hours, every hour counts.

A working day is decided by administrator overrides first (the State Council's announcement for
a year the library does not know yet), then by ``holidays.China`` (statutory holidays, days off
in lieu and make-up working days, 调休), and if the library fails by the Monday–Friday rule.

Internally every counted unit is reduced to one monotonic function ``F(t)``: the counted
microseconds from the start of ``t``'s local year. ``between`` is a difference of ``F`` and
``add`` is its inverse, so the two are exact inverses and ``between`` is additive by construction.
Where ``F`` is flat (nights, weekends, holidays) ``add`` answers the *last* instant of the flat
stretch, which is the next instant that counts: a limit that runs out at 17:30 on Friday is due at
08:30 on Monday, and a deadline is always a counted instant.
"""

from __future__ import annotations

import logging
import math
import threading
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from functools import cache
from typing import Literal
from zoneinfo import ZoneInfo

import holidays

__all__ = [
    "DEFAULT_OFFICE_HOURS",
    "SHANGHAI",
    "Light",
    "Limit",
    "Unit",
    "WorkCalendar",
    "default_calendar",
    "light",
]

log = logging.getLogger(__name__)

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: 上午 8:30–12:00, 下午 13:30–17:30 — the usual county office hours (7.5 hours a day).
DEFAULT_OFFICE_HOURS: tuple[tuple[time, time], ...] = (
    (time(8, 30), time(12, 0)),
    (time(13, 30), time(17, 30)),
)

_US_PER_HOUR = 3_600_000_000
_US_PER_DAY = 24 * _US_PER_HOUR
_UTC = UTC

Light = Literal["green", "yellow", "red"]


class Unit(StrEnum):
    WORKING_DAYS = "working_days"  # 工作日
    WORKING_HOURS = "working_hours"  # 工作小时 (office hours on working days)
    CALENDAR_HOURS = "calendar_hours"  # 自然小时

    @property
    def label_zh(self) -> str:
        return _UNIT_LABELS[self]

    @property
    def microseconds(self) -> int:
        """Length of one unit in microseconds: a day for working days, an hour otherwise."""
        return _US_PER_DAY if self is Unit.WORKING_DAYS else _US_PER_HOUR


_UNIT_LABELS = {
    Unit.WORKING_DAYS: "工作日",
    Unit.WORKING_HOURS: "工作小时",
    Unit.CALENDAR_HOURS: "自然小时",
}


def _format_amount(amount: float) -> str:
    if float(amount).is_integer():
        return str(int(amount))
    return f"{amount:.4f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Limit:
    """A time limit (时限), e.g. ``Limit(5, Unit.WORKING_DAYS)``; the amount is > 0."""

    amount: float
    unit: Unit

    def __post_init__(self) -> None:
        unit = Unit(self.unit)  # accepts the stored string value too
        object.__setattr__(self, "unit", unit)
        if isinstance(self.amount, bool) or not isinstance(self.amount, int | float):
            raise TypeError(f"Limit amount must be a number, not {self.amount!r}")
        if not math.isfinite(self.amount) or self.amount <= 0:
            raise ValueError(f"Limit amount must be a finite number > 0, not {self.amount!r}")

    @property
    def label_zh(self) -> str:
        """``"5 个工作日"``, ``"2 个工作小时"``, ``"24 小时"``."""
        amount = _format_amount(self.amount)
        if self.unit is Unit.CALENDAR_HOURS:
            return f"{amount} 小时"
        return f"{amount} 个{self.unit.label_zh}"

    def __str__(self) -> str:
        return self.label_zh


@dataclass(frozen=True, slots=True)
class _Year:
    """Counted microseconds of one unit in one local year.

    ``cum[i]`` is the counted time from 1 January 00:00 to the start of day ``i`` (0-based);
    ``cum[-1]`` is the year's total. Day ``i`` counts iff ``cum[i + 1] > cum[i]``.
    """

    first_ordinal: int
    cum: list[int]

    @property
    def total(self) -> int:
        return self.cum[-1]


class WorkCalendar:
    """Working-day calendar with deadline arithmetic; see the module docstring.

    ``overrides`` maps a date to True (working day, e.g. a make-up Saturday) or False (day off);
    they win over the library. Instances are immutable after construction and cache per date and
    per year, so keep one around (``default_calendar()`` is one without overrides).
    """

    def __init__(
        self,
        *,
        overrides: Mapping[date, bool] | None = None,
        office_hours: Sequence[tuple[time, time]] = DEFAULT_OFFICE_HOURS,
        tz: tzinfo = SHANGHAI,
    ) -> None:
        self._overrides: dict[date, bool] = {}
        for day, working in (overrides or {}).items():
            if isinstance(day, datetime) or not isinstance(day, date):
                raise TypeError(f"override keys must be dates, not {day!r}")
            self._overrides[day] = bool(working)
        self._office = _office_intervals(office_hours)
        self._office_total = sum(end - start for start, end in self._office)
        self.office_hours: tuple[tuple[time, time], ...] = tuple(
            (start, end) for start, end in office_hours
        )
        self.tz = tz
        self._days: dict[date, bool] = {}
        self._years: dict[tuple[Unit, int], _Year] = {}
        self._lock = threading.Lock()
        self._library: holidays.HolidayBase | None = None
        self._library_failed = False

    @property
    def overrides(self) -> Mapping[date, bool]:
        return dict(self._overrides)

    # -- working days ---------------------------------------------------------------------

    def is_working_day(self, day: date) -> bool:
        """True on a working day. Never raises for a valid ``date`` of any year."""
        if isinstance(day, datetime):
            day = day.date()
        cached = self._days.get(day)
        if cached is not None:
            return cached
        working = self._overrides.get(day)
        if working is None:
            working = self._library_says(day)
        self._days[day] = working
        return working

    def _library_says(self, day: date) -> bool:
        with self._lock:
            if not self._library_failed:
                try:
                    if self._library is None:
                        self._library = holidays.country_holidays("CN")
                    return bool(self._library.is_working_day(day))
                except Exception:
                    log.warning(
                        "holidays.China failed for %s; using the Monday–Friday rule",
                        day,
                        exc_info=True,
                    )
                    self._library_failed = True
        return day.weekday() < 5

    # -- the counting function F ----------------------------------------------------------

    def _year(self, unit: Unit, year: int) -> _Year:
        key = (unit, year)
        found = self._years.get(key)
        if found is not None:
            return found
        per_day = _US_PER_DAY if unit is Unit.WORKING_DAYS else self._office_total
        first = date(year, 1, 1)
        ndays = (date(year, 12, 31) - first).days + 1
        cum = [0] * (ndays + 1)
        running = 0
        day = first
        one = timedelta(days=1)
        for i in range(ndays):
            if self.is_working_day(day):
                running += per_day
            cum[i + 1] = running
            if i + 1 < ndays:
                day += one
        built = _Year(first.toordinal(), cum)
        self._years[key] = built
        return built

    def _within(self, unit: Unit, tod: int) -> int:
        """Counted microseconds from midnight to time of day ``tod`` on a counted day."""
        if unit is Unit.WORKING_DAYS:
            return tod
        counted = 0
        for start, end in self._office:
            if tod <= start:
                break
            counted += (tod if tod < end else end) - start
        return counted

    def _position(self, local: datetime, unit: Unit) -> tuple[int, int]:
        """(year, counted microseconds from the start of that local year to ``local``)."""
        year = self._year(unit, local.year)
        i = local.toordinal() - year.first_ordinal
        before = year.cum[i]
        if year.cum[i + 1] == before:  # the day does not count
            return local.year, before
        tod = (local.hour * 3600 + local.minute * 60 + local.second) * 1_000_000 + local.microsecond
        return local.year, before + self._within(unit, tod)

    def _instant(self, unit: Unit, year_number: int, target: int) -> datetime:
        """The last instant ``t`` with ``F(t) == target`` (the next counted instant)."""
        if target > (10_000 - year_number) * 366 * _US_PER_DAY:
            raise OverflowError("deadline beyond the year 9999")
        while True:
            year = self._year(unit, year_number)
            if target < year.total:
                break
            target -= year.total
            year_number += 1
            if year_number > 9999:
                raise OverflowError("deadline beyond the year 9999")
        i = bisect_right(year.cum, target) - 1
        # 0 <= rest < counted time of day i, so day i counts and the instant lies on it.
        tod = self._time_of_day(unit, target - year.cum[i])
        day = date.fromordinal(year.first_ordinal + i)
        naive = datetime.combine(day, time()) + timedelta(microseconds=tod)
        return naive.replace(tzinfo=self.tz)

    def _time_of_day(self, unit: Unit, counted: int) -> int:
        """Inverse of ``_within`` for 0 <= counted < the day's counted time."""
        if unit is Unit.WORKING_DAYS:
            return counted
        for start, end in self._office:
            if counted < end - start:
                return start + counted
            counted -= end - start
        raise AssertionError("counted time beyond the office day")  # pragma: no cover

    def _local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"naive datetime {moment!r}: deadlines need timezone-aware times")
        return moment.astimezone(self.tz)

    # -- public arithmetic ----------------------------------------------------------------

    def add(self, start: datetime, limit: Limit) -> datetime:
        """The deadline: ``start`` plus ``limit`` counted time, as an aware datetime in ``tz``."""
        local = self._local(start)
        unit = limit.unit
        amount = round(limit.amount * unit.microseconds)
        if unit is Unit.CALENDAR_HOURS:
            return (local.astimezone(_UTC) + timedelta(microseconds=amount)).astimezone(self.tz)
        year, position = self._position(local, unit)
        return self._instant(unit, year, position + amount)

    def between(self, start: datetime, end: datetime, unit: Unit) -> float:
        """Counted time from ``start`` to ``end`` in ``unit`` (days or hours); < 0 if reversed."""
        unit = Unit(unit)
        a, b = self._local(start), self._local(end)
        if unit is Unit.CALENDAR_HOURS:
            delta = b.astimezone(_UTC) - a.astimezone(_UTC)
            return _micros(delta) / _US_PER_HOUR
        return self._counted(a, b, unit) / unit.microseconds

    def _counted(self, a: datetime, b: datetime, unit: Unit) -> int:
        year_a, pos_a = self._position(a, unit)
        year_b, pos_b = self._position(b, unit)
        if year_a == year_b:
            return pos_b - pos_a
        sign = 1
        if year_a > year_b:
            year_a, pos_a, year_b, pos_b, sign = year_b, pos_b, year_a, pos_a, -1
        counted = self._year(unit, year_a).total - pos_a + pos_b
        for year in range(year_a + 1, year_b):
            counted += self._year(unit, year).total
        return sign * counted

    def next_working_moment(self, at: datetime, unit: Unit) -> datetime:
        """The first instant at or after ``at`` that counts for ``unit``, in ``tz``."""
        unit = Unit(unit)
        local = self._local(at)
        if unit is Unit.CALENDAR_HOURS:
            return local
        year, position = self._position(local, unit)
        return self._instant(unit, year, position)

    def is_counted(self, at: datetime, unit: Unit) -> bool:
        """True if the instant ``at`` counts for ``unit`` (inside office hours, say)."""
        return self.next_working_moment(at, unit) == at


def _micros(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _office_intervals(office_hours: Sequence[tuple[time, time]]) -> tuple[tuple[int, int], ...]:
    intervals: list[tuple[int, int]] = []
    for start, end in office_hours:
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError("office hours are local wall-clock times without tzinfo")
        a = _time_micros(start)
        b = _time_micros(end)
        if b <= a:
            raise ValueError(f"office hours {start}–{end}: the end must be after the start")
        if intervals and a < intervals[-1][1]:
            raise ValueError("office hours must be in order and must not overlap")
        intervals.append((a, b))
    if not intervals:
        raise ValueError("office hours must not be empty")
    return tuple(intervals)


def _time_micros(moment: time) -> int:
    return (moment.hour * 3600 + moment.minute * 60 + moment.second) * 1_000_000 + (
        moment.microsecond
    )


@cache
def default_calendar() -> WorkCalendar:
    """A shared calendar with no overrides, default office hours, Asia/Shanghai."""
    return WorkCalendar()


def light(
    started: datetime,
    due: datetime,
    now: datetime,
    unit: Unit,
    *,
    yellow_share: float = 0.8,
    calendar: WorkCalendar | None = None,
) -> Light:
    """Traffic light (红黄绿灯) of a step: red once ``now`` is past ``due``; yellow once the used
    share of the limit, counted in ``unit``, reaches ``yellow_share``; green before that."""
    cal = calendar if calendar is not None else default_calendar()
    for moment in (started, due, now):
        cal._local(moment)  # refuses naive datetimes before they are compared
    if now > due:
        return "red"
    allowed = cal.between(started, due, unit)
    if allowed <= 0:
        return "yellow"
    used = cal.between(started, now, unit)
    return "yellow" if used / allowed >= yellow_share else "green"
