"""Working days of grid workers (工作日历): what the check-in rate and the patrol plans count.

* ``working_days(span)``: the State Council's working days (法定节假日、调休) of the span, from
  the case engine's calendar with the administrators' overrides (``cases.context.work_calendar``,
  which is ``cases.calendar.WorkCalendar`` over ``holidays.China``).
* ``worker_days(worker_ids, span)``: each worker's expected days = working days + their duty
  days (值班, usually weekends and holidays) − their approved, not cancelled leave days, only
  inside their employment (``hired_on`` … ``left_on``). Three queries for any number of workers.
* ``planned_patrols(plan, span)``: how many patrols a plan asks for in the span, counted only
  on the days the plan is in force (``starts_on`` … ``ends_on``):

  - every working day (``working_day``): ``times`` × working days;
  - weekly (``week``): ``times`` × weeks, a partial ISO week counting pro rata by its days
    (days ÷ 7), so ``times × days ÷ 7``;
  - monthly (``month``): ``times`` × months, a partial month counting pro rata by its days
    (days in the span ÷ days of that month).

  The pro rata total is rounded half up once, at the end (2 a week over November's 30 days:
  2 × 30 ÷ 7 = 8.57 → 9).

Both count only the days that have come (``due``): a month in progress is measured up to and
including today, so on 7 December a worker who checked in every working day so far has 100 %,
not 5 of 23; a span wholly in the future expects nothing.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from gridgov.metrics.figures import Span
from gridgov.ops.choices import PlanPeriod
from gridgov.ops.models import DutyShift, Leave, PatrolPlan, Worker

__all__ = ["clip", "days_of", "due", "planned_patrols", "worker_days", "working_days"]

ONE_DAY = dt.timedelta(days=1)


def days_of(start: dt.date, end: dt.date) -> list[dt.date]:
    """Every date from ``start`` to ``end``, both included (empty if reversed)."""
    count = (end - start).days + 1
    return [start + dt.timedelta(days=i) for i in range(max(count, 0))]


def clip(span: Span, first: dt.date | None, last: dt.date | None) -> Span | None:
    """The part of ``span`` between ``first`` and ``last`` (None = open), or None if empty."""
    start = max(span.start, first) if first else span.start
    end = min(span.end, last) if last else span.end
    if end < start:
        return None
    return Span(start, end)


def due(span: Span) -> Span | None:
    """The part of ``span`` up to and including today (local date), or None if none has come."""
    from django.utils import timezone

    return clip(span, None, timezone.localdate())


def working_days(span: Span) -> list[dt.date]:
    """The span's working days in order (State Council calendar with overrides)."""
    from gridgov.cases.context import work_calendar

    cal = work_calendar()
    return [day for day in days_of(span.start, span.end) if cal.is_working_day(day)]


def worker_days(worker_ids: Iterable[int], span: Span) -> dict[int, set[dt.date]]:
    """Each worker's expected days in ``span``: working days + duty days − approved leave days,
    inside ``hired_on`` … ``left_on``. Workers not found get no entry."""
    ids = sorted(set(worker_ids))
    come = due(span)
    if not ids or come is None:
        return {}
    span = come
    working = set(working_days(span))
    employment = {
        pk: (hired, left)
        for pk, hired, left in Worker.objects.filter(pk__in=ids).values_list(
            "pk", "hired_on", "left_on"
        )
    }
    result: dict[int, set[dt.date]] = {pk: set(working) for pk in employment}
    duties = DutyShift.objects.filter(
        worker_id__in=ids, day__gte=span.start, day__lte=span.end
    ).values_list("worker_id", "day")
    for worker_id, day in duties:
        if worker_id in result:
            result[worker_id].add(day)
    leaves = Leave.objects.filter(
        worker_id__in=ids,
        approved_at__isnull=False,
        cancelled=False,
        starts_on__lte=span.end,
        ends_on__gte=span.start,
    ).values_list("worker_id", "starts_on", "ends_on")
    for worker_id, starts_on, ends_on in leaves:
        if worker_id in result:
            result[worker_id].difference_update(
                days_of(max(starts_on, span.start), min(ends_on, span.end))
            )
    for pk, (hired, left) in employment.items():
        result[pk] = {day for day in result[pk] if day >= hired and (left is None or day <= left)}
    return result


def _half_up(value: Fraction) -> int:
    decimal = Decimal(value.numerator) / Decimal(value.denominator)
    return int(decimal.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def planned_patrols(plan: PatrolPlan, span: Span) -> int:
    """How many patrols ``plan`` asks for in ``span`` (see the module docstring)."""
    come = due(span)
    inside = clip(come, plan.starts_on, plan.ends_on) if come is not None else None
    if inside is None or plan.times <= 0:
        return 0
    if plan.period == PlanPeriod.WORKING_DAY:
        return plan.times * len(working_days(inside))
    days = (inside.end - inside.start).days + 1
    if plan.period == PlanPeriod.WEEK:
        return _half_up(Fraction(plan.times * days, 7))
    # month: each calendar month touched counts (its days in the span) ÷ (its days)
    months = Fraction(0)
    for month in inside.months():
        part = clip(month, inside.start, inside.end)
        if part is not None:
            length = calendar.monthrange(month.start.year, month.start.month)[1]
            months += Fraction((part.end - part.start).days + 1, length)
    return _half_up(plan.times * months)
