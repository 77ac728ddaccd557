"""Rebuilding cases from their events: the timeline is the audit trail."""

from __future__ import annotations

import dataclasses

from gridgov.cases.context import context_for
from gridgov.cases.models import Case
from gridgov.cases.services import state_of
from gridgov.cases.workflow import Action, CaseState, replay


def replayed_state(case: Case) -> CaseState:
    events = list(case.events.order_by("seq").values_list("action", "payload", "at"))
    first = events[0][1]
    return replay(
        ((Action(a), p, at) for a, p, at in events),
        level=str(first["level"]),
        centre=str(first["centre"]),
        ctx=context_for(case.item_version, case.urgency),
    )


def differences(case: Case) -> list[str]:
    """Fields where the case row and the replay of its events disagree (empty: consistent)."""
    stored = _normalised(state_of(case))
    rebuilt = _normalised(replayed_state(case))
    return [
        f.name
        for f in dataclasses.fields(CaseState)
        if getattr(stored, f.name) != getattr(rebuilt, f.name)
    ]


def _normalised(state: CaseState) -> CaseState:
    """Co-handlers are a set: their order in the rows is not meaningful."""
    return state.replace(co=tuple(sorted(state.co, key=lambda c: (c.unit.kind, c.unit.ref))))


def verify_all(*, limit: int | None = None) -> tuple[int, list[tuple[str, str]]]:
    queryset = Case.objects.select_related("centre", "lead_centre", "master", "item_version")
    checked = 0
    mismatches: list[tuple[str, str]] = []
    for case in queryset.order_by("pk")[:limit] if limit else queryset.order_by("pk").iterator():
        checked += 1
        for field in differences(case):
            mismatches.append((case.number, field))
    return checked, mismatches
