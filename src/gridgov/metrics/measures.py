"""What one case contributes to the figures: a rollup key and a vector of measures.

A case counts in the cohort of the day it was received (its ``created_at``, local date). The
measures are yes/no facts of its current state (accepted, closed, closed on time …), so every
figure's numerator and denominator are sums of them, and each measure is also a ``CaseFilter``
flag: the same definition gives the number and the list of cases behind it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from gridgov.cases.selectors import CaseFilter

# measure → the CaseFilter that selects the cases it counts (within a cohort)
MEASURE_FILTERS: dict[str, CaseFilter] = {
    "received": CaseFilter(),
    "accepted": CaseFilter(accepted=True),
    "dispatched": CaseFilter(dispatched=True),
    "signed_on_time": CaseFilter(dispatched=True, signed_on_time=True),
    "closed": CaseFilter(closed=True),
    "closed_on_time": CaseFilter(closed=True, handled_on_time=True),
    "reachable_closed": CaseFilter(closed=True, reachable=True),
    "called_back": CaseFilter(closed=True, reachable=True, called_back=True),
    "called_back_any": CaseFilter(called_back=True),
    "rated": CaseFilter(rated=True),
    "satisfied": CaseFilter(satisfied=True),
    "reopened": CaseFilter(called_back=True, reopened=True),
    "reworked": CaseFilter(closed=True, reworked=True),
    "overdue": CaseFilter(ever_overdue=True),
    "supervised": CaseFilter(ever_supervised=True),
    "solved_village": CaseFilter(closed=True, solved_level="village"),
    "solved_township": CaseFilter(closed=True, solved_level="township"),
    "solved_county": CaseFilter(closed=True, solved_level="county"),
    "self_handled": CaseFilter(self_handled=True),
}
MEASURES: tuple[str, ...] = (*MEASURE_FILTERS, "handle_seconds")
REGION_WIDTH = 12  # rollups are kept per village (a case placed higher keeps its own path)


def rollup_key(case: Any) -> tuple[dt.date, str, int, str, str]:
    """(received day, region path cut to the village, item id, channel, status)."""
    return (
        timezone.localdate(case.created_at),
        case.region_path[:REGION_WIDTH],
        case.item_id,
        case.channel,
        case.status,
    )


def contribution(case: Any) -> dict[str, int]:
    """The measures of one case row (anything with the Case columns)."""
    closed = case.closed_at is not None
    rating = case.rating or ""
    called_back = case.callback_reached is True
    values = {
        "received": 1,
        "accepted": case.accepted_at is not None,
        "dispatched": case.dispatched_at is not None,
        "signed_on_time": case.dispatched_at is not None and case.signed_on_time is True,
        "closed": closed,
        "closed_on_time": closed and case.handled_on_time is True,
        "reachable_closed": closed and case.reachable,
        "called_back": closed and case.reachable and called_back,
        "called_back_any": called_back,
        "rated": rating != "",
        "satisfied": rating in ("satisfied", "basically_satisfied"),
        "reopened": called_back and case.reopen_count > 0,
        "reworked": closed and case.rework_count > 0,
        "overdue": case.overdue_step > 0,
        "supervised": case.supervision_count > 0,
        "solved_village": closed and case.solved_level == "village",
        "solved_township": closed and case.solved_level == "township",
        "solved_county": closed and case.solved_level == "county",
        "self_handled": bool(case.self_handled),
    }
    result = {name: int(bool(value)) for name, value in values.items()}
    seconds = 0
    if closed and case.accepted_at is not None:
        seconds = max(0, int((case.closed_at - case.accepted_at).total_seconds()))
    result["handle_seconds"] = seconds
    return result


def difference(before: Mapping[str, int] | None, after: Mapping[str, int] | None) -> dict[str, int]:
    return {name: (after or {}).get(name, 0) - (before or {}).get(name, 0) for name in MEASURES}
