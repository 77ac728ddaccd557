"""Keeping the rollups: the difference of every case action, and rebuilding from scratch."""

from __future__ import annotations

import types
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from django.db import connection, transaction

from gridgov.cases.models import Case
from gridgov.metrics.measures import MEASURES, contribution, difference, rollup_key
from gridgov.metrics.models import CaseRollup
from gridgov.regions.models import subtree_q

Key = tuple[Any, str, int, str, str]
Snapshot = tuple[Key, int, dict[str, int]]  # (key, board id, measures)

_TABLE = CaseRollup._meta.db_table
_KEY_COLUMNS = ("day", "region_path", "item_id", "channel", "status")
_COLUMNS = (*_KEY_COLUMNS, "board_id", *MEASURES)
_UPSERT = (
    f"INSERT INTO {_TABLE} ({', '.join(_COLUMNS)}) "  # noqa: S608 - our own table and columns
    f"VALUES ({', '.join(['%s'] * len(_COLUMNS))}) "
    f"ON CONFLICT ({', '.join(_KEY_COLUMNS)}) DO UPDATE SET "
    + ", ".join(f"{m} = {_TABLE}.{m} + excluded.{m}" for m in MEASURES)
)


def snapshot(case: Case) -> Snapshot:
    """What a case row contributes now (taken before and after an action)."""
    return rollup_key(case), case.board_id, contribution(case)


def _add(key: Key, board_id: int, deltas: Mapping[str, int]) -> None:
    if not any(deltas.values()):
        return
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, [*key, board_id, *(deltas[m] for m in MEASURES)])


def record(before: Snapshot | None, after: Snapshot) -> None:
    """Apply one case's change to the rollups (call inside the action's transaction)."""
    if before is not None and before[0] == after[0]:
        _add(after[0], after[1], difference(before[2], after[2]))
        return
    if before is not None:
        _add(before[0], before[1], difference(before[2], None))
    _add(after[0], after[1], difference(None, after[2]))


# -- rebuilding -------------------------------------------------------------------------------

_ROW_FIELDS = (
    "pk",
    "created_at",
    "region_path",
    "item_id",
    "board_id",
    "channel",
    "status",
    "accepted_at",
    "dispatched_at",
    "signed_on_time",
    "closed_at",
    "handled_on_time",
    "reachable",
    "callback_reached",
    "rating",
    "reopen_count",
    "rework_count",
    "overdue_step",
    "supervision_count",
    "solved_level",
    "self_handled",
)


def _rows(queryset: Any) -> Iterator[types.SimpleNamespace]:
    for values in queryset.values(*_ROW_FIELDS).iterator(chunk_size=5000):
        yield types.SimpleNamespace(**values)


def _replayed(cases: Iterable[Case]) -> Iterator[types.SimpleNamespace]:
    """Each case as its events say it is (the audit trail, not the row)."""
    from gridgov.cases.replay import replayed_state
    from gridgov.cases.services import row_values

    for case in cases:
        state = replayed_state(case)
        values = row_values(state, lambda path: 0)
        fields = {name: getattr(case, name) for name in _ROW_FIELDS if name != "pk"}
        fields.update({k: v for k, v in values.items() if k in _ROW_FIELDS})
        yield types.SimpleNamespace(**fields)


def aggregate(rows: Iterable[Any]) -> dict[Key, tuple[int, dict[str, int]]]:
    sums: dict[Key, tuple[int, dict[str, int]]] = {}
    totals: dict[Key, dict[str, int]] = defaultdict(lambda: dict.fromkeys(MEASURES, 0))
    boards: dict[Key, int] = {}
    for row in rows:
        key = rollup_key(row)
        boards[key] = row.board_id
        bucket = totals[key]
        for name, value in contribution(row).items():
            bucket[name] += value
    for key, bucket in totals.items():
        sums[key] = (boards[key], bucket)
    return sums


def _cases(region: str) -> Any:
    cases = Case.objects.all()
    if region:
        cases = cases.filter(subtree_q(region, "region_path"))
    return cases


def _from_events(cases: Any) -> Iterator[types.SimpleNamespace]:
    related = cases.select_related("centre", "lead_centre", "master", "item_version")
    return _replayed(related.iterator(chunk_size=500))


@transaction.atomic
def rebuild(*, source: str = "events", region: str = "") -> int:
    """Recompute the rollups (of a region subtree, or all) from the case events (the audit
    trail) or from the case rows (faster). Returns the number of rollup rows written."""
    cases = _cases(region)
    rollups = CaseRollup.objects.all()
    if region:
        rollups = rollups.filter(subtree_q(region, "region_path"))
    sums = aggregate(_from_events(cases) if source == "events" else _rows(cases))
    rollups.delete()
    objects = [
        CaseRollup(
            day=key[0],
            region_path=key[1],
            item_id=key[2],
            channel=key[3],
            status=key[4],
            board_id=board,
            **measures,
        )
        for key, (board, measures) in sums.items()
    ]
    CaseRollup.objects.bulk_create(objects, batch_size=2000)
    return len(objects)


def differences_from_scratch(region: str = "") -> list[str]:
    """Where the stored rollups differ from a rebuild from the events (empty: they agree)."""
    rows = CaseRollup.objects.all()
    if region:
        rows = rows.filter(subtree_q(region, "region_path"))
    stored = {
        (r.day, r.region_path, r.item_id, r.channel, r.status): {m: getattr(r, m) for m in MEASURES}
        for r in rows
    }
    stored = {k: v for k, v in stored.items() if any(v.values())}
    fresh = {
        key: measures for key, (_b, measures) in aggregate(_from_events(_cases(region))).items()
    }
    problems = []
    for key in sorted(set(stored) | set(fresh), key=str):
        if stored.get(key) != fresh.get(key):
            problems.append(f"{key}: stored {stored.get(key)} rebuilt {fresh.get(key)}")
    return problems
