"""Building the workflow's context (limits, calendar) from settings and the database."""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.db.models import Count, Max

from gridgov.cases.calendar import Limit, Unit, WorkCalendar
from gridgov.cases.choices import URGENCY_FACTOR, Urgency
from gridgov.cases.models import CalendarOverride, ItemVersion
from gridgov.cases.workflow import Context, Limits

_lock = threading.Lock()
_cached: tuple[object, WorkCalendar] | None = None
_checked = 0.0
RECHECK_SECONDS = 30.0


def work_calendar() -> WorkCalendar:
    """The calendar with the administrators' overrides; rebuilt when they change."""
    global _cached, _checked
    now = time.monotonic()
    if _cached is not None and now - _checked < RECHECK_SECONDS:
        return _cached[1]
    with _lock:
        stamp = tuple(CalendarOverride.objects.aggregate(n=Count("id"), m=Max("id")).values())
        if _cached is None or _cached[0] != stamp:
            overrides = dict(CalendarOverride.objects.values_list("day", "is_working_day"))
            _cached = (stamp, WorkCalendar(overrides=overrides))
        _checked = time.monotonic()
        return _cached[1]


def forget_calendar() -> None:
    global _cached
    with _lock:
        _cached = None


def _setting_limit(name: str, default: tuple[float, str], factor: float = 1.0) -> Limit:
    amount, unit = getattr(settings, name, default)
    return Limit(round(float(amount) * factor, 4), Unit(unit))


def limits_for(version: ItemVersion, urgency: str) -> Limits:
    """The item version's limits, shortened by urgency (紧急 ×0.5, 特急 ×0.25) for every step
    but the callback."""
    factor = URGENCY_FACTOR[Urgency(urgency)]

    def limit(amount: float, unit: str) -> Limit:
        return Limit(round(amount * factor, 4), Unit(unit))

    return Limits(
        sign=limit(version.sign_amount, version.sign_unit),
        handle=limit(version.handle_amount, version.handle_unit),
        verify=limit(version.verify_amount, version.verify_unit),
        accept=_setting_limit("GRIDGOV_ACCEPT_LIMIT", (2, "working_hours"), factor),
        dispatch=_setting_limit("GRIDGOV_DISPATCH_LIMIT", (2, "working_hours"), factor),
        callback=_setting_limit("GRIDGOV_CALLBACK_LIMIT", (3, "working_days")),
    )


def context_for(version: ItemVersion, urgency: str) -> Context:
    return Context(
        limits=limits_for(version, urgency),
        calendar=work_calendar(),
        yellow_share=float(getattr(settings, "GRIDGOV_YELLOW_SHARE", 0.8)),
    )
