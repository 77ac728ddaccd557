"""Patrol points in bulk (巡查轨迹点入库): one phone's batch (through ``services.add_points``) or
every phone's points at once (a gateway flushing every 30 s), checked, deduplicated, inserted
in bulk and folded into each patrol's aggregates, all in one transaction.

Rules, per patrol (see docs/ops.md "Bench"):

- only an OPEN patrol takes points. Called with one patrol, a closed one raises
  ``OpsConflict``; in a batch of several patrols a closed (or missing) patrol is skipped and
  reported with ``closed=True``, ``stored=0`` and all its points counted in ``dropped`` (its
  row is not touched);
- within a batch points are sorted by ``seq`` and a ``seq`` sent twice is kept once (the
  extra copies count as duplicates);
- a point later than ``now`` + 60 s or before the patrol's ``started_at`` is dropped, and so
  is a position off the globe;
- a ``seq`` already stored is a duplicate (an idempotent resend);
- a ``seq`` above the patrol's ``last_seq`` is a new point: GPS jumps faster than
  ``GRIDGOV_PATROL_MAX_SPEED_KMH`` are dropped with ``geometry.drop_jumps`` continuing from
  the patrol's last stored point, and the kept points add their segment lengths to
  ``distance_m``;
- a ``seq`` at or below ``last_seq`` that is not stored is a late point from a phone's offline
  queue: it is checked against the stored point just before it (by ``seq``), stored, and the
  patrol's distance is then recomputed from all its stored points in ``seq`` order (only
  then: otherwise the distance is incremented).

Concurrent calls for the same patrol serialise on the patrol row (``select_for_update``); the
patrol's ``version`` is not bumped (points are not an edit of the patrol).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.ops import choices as c
from gridgov.ops.errors import OpsConflict
from gridgov.ops.geometry import TrackPoint, drop_jumps, segment_lengths_m, valid_position
from gridgov.ops.models import Patrol, PatrolPoint

FUTURE_SLACK = dt.timedelta(seconds=60)
COPY_THRESHOLD = 2_000  # PostgreSQL: COPY + INSERT … SELECT from this many rows on
BULK_BATCH = 2_000
ID_CHUNK = 900  # ids per IN (…) on SQLite's parameter limit; PostgreSQL takes more
PG_ID_CHUNK = 10_000

_TEMP = "ops_ingest_points"


@dataclass(frozen=True)
class PointIn:
    """One position of a patrol, WGS-84 (already converted), with the phone's running ``seq``
    and its own time (timezone-aware)."""

    seq: int
    at: dt.datetime
    lng: float
    lat: float
    accuracy: float | None = None


@dataclass
class IngestResult:
    """What one patrol's points came to: ``stored`` new rows, ``duplicates`` (already stored or
    sent twice in the batch), ``dropped`` (out of time, off the globe, GPS jumps; for a closed
    patrol in a multi-patrol batch: all of them), and the patrol's totals afterwards."""

    stored: int
    duplicates: int
    dropped: int
    distance_m: float
    point_count: int
    closed: bool = False


@dataclass
class _State:
    """One locked patrol while its points are worked out."""

    pk: int
    started_at: dt.datetime
    last_seq: int
    last_at: dt.datetime | None
    last_lng: float | None
    last_lat: float | None
    distance_m: float
    point_count: int
    dropped_count: int
    fresh: list[PointIn] = field(default_factory=list)  # seq > last_seq, time-checked
    late: list[PointIn] = field(default_factory=list)  # seq <= last_seq, maybe stored
    kept: list[PointIn] = field(default_factory=list)  # to insert
    duplicates: int = 0
    dropped: int = 0
    recompute: bool = False


_FIELDS = (
    "pk",
    "state",
    "started_at",
    "last_seq",
    "last_at",
    "last_lng",
    "last_lat",
    "distance_m",
    "point_count",
    "dropped_count",
)


def ingest(
    batches: Mapping[int, Sequence[PointIn]], *, now: dt.datetime | None = None
) -> dict[int, IngestResult]:
    """Store the new points of one or many patrols (patrol id → points) and update each
    patrol's distance, duration, counts and last position. Returns patrol id → result."""
    now = now or timezone.now()
    limit = now + FUTURE_SLACK
    single = len(batches) == 1
    max_speed = float(settings.GRIDGOV_PATROL_MAX_SPEED_KMH)
    results: dict[int, IngestResult] = {}
    with transaction.atomic():
        rows = _lock(sorted(batches))
        if single:
            (pk,) = batches
            if pk not in rows:
                raise Patrol.DoesNotExist(f"patrol {pk} does not exist")
            if rows[pk]["state"] != c.PatrolState.OPEN:
                raise OpsConflict(_("巡查已结束，不能再上传轨迹点。"))
        states: dict[int, _State] = {}
        for pk, points in batches.items():
            row = rows.get(pk)
            if row is None or row["state"] != c.PatrolState.OPEN:
                results[pk] = IngestResult(
                    stored=0,
                    duplicates=0,
                    dropped=len(points),
                    distance_m=float(row["distance_m"]) if row else 0.0,
                    point_count=int(row["point_count"]) if row else 0,
                    closed=True,
                )
                continue
            states[pk] = _screen(row, points, limit)
        _find_stored(states)
        _fresh_points(states, max_speed)
        _late_points(states, max_speed)
        _insert(states)
        _recompute(states)
        _update(states)
        for pk, s in states.items():
            results[pk] = IngestResult(
                stored=len(s.kept),
                duplicates=s.duplicates,
                dropped=s.dropped,
                distance_m=s.distance_m,
                point_count=s.point_count,
            )
    return results


def _chunks(items: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _id_chunk() -> int:
    return PG_ID_CHUNK if connection.vendor == "postgresql" else ID_CHUNK


def _lock(ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The patrols' current aggregates, their rows locked in id order (no deadlock between
    two gateways)."""
    rows: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(ids, _id_chunk()):
        query = (
            Patrol.objects.select_for_update()
            .filter(pk__in=chunk)
            .order_by("pk")
            .values_list(*_FIELDS)
        )
        for values in query:
            rows[values[0]] = dict(zip(_FIELDS, values, strict=True))
    return rows


def _screen(row: Mapping[str, Any], points: Sequence[PointIn], limit: dt.datetime) -> _State:
    """Sort by seq, collapse repeats, drop out-of-time and off-globe points, split new and
    late ones."""
    s = _State(
        pk=row["pk"],
        started_at=row["started_at"],
        last_seq=row["last_seq"],
        last_at=row["last_at"],
        last_lng=row["last_lng"],
        last_lat=row["last_lat"],
        distance_m=float(row["distance_m"]),
        point_count=int(row["point_count"]),
        dropped_count=int(row["dropped_count"]),
    )
    ordered = sorted(points, key=lambda p: p.seq) if len(points) > 1 else list(points)
    previous_seq: int | None = None
    for point in ordered:
        if point.seq == previous_seq:
            s.duplicates += 1
            continue
        previous_seq = point.seq
        if point.at > limit or point.at < s.started_at or not valid_position(point.lng, point.lat):
            s.dropped += 1
        elif point.seq > s.last_seq:
            s.fresh.append(point)
        else:
            s.late.append(point)
    return s


def _find_stored(states: Mapping[int, _State]) -> None:
    """Late points whose seq is already stored are duplicates (an idempotent resend)."""
    with_late = [pk for pk, s in states.items() if s.late]
    for chunk in _chunks(with_late, _id_chunk()):
        seqs = sorted({p.seq for pk in chunk for p in states[pk].late})
        stored: set[tuple[int, int]] = set()
        for seq_chunk in _chunks(seqs, _id_chunk()):
            stored.update(
                PatrolPoint.objects.filter(patrol_id__in=chunk, seq__in=seq_chunk).values_list(
                    "patrol_id", "seq"
                )
            )
        for pk in chunk:
            s = states[pk]
            late = [p for p in s.late if (pk, p.seq) not in stored]
            s.duplicates += len(s.late) - len(late)
            s.late = late


def _track(point: PointIn) -> TrackPoint:
    return TrackPoint(seq=point.seq, at=point.at.timestamp(), lng=point.lng, lat=point.lat)


def _fresh_points(states: Mapping[int, _State], max_speed: float) -> None:
    """Drop GPS jumps among the new points (continuing from each patrol's last point) and add
    the kept segments to the distance. All patrols at once with numpy; a patrol with a segment
    too fast (or not forward in time) goes through ``geometry.drop_jumps``, which gives the
    same answer as the fast path when no segment is too fast."""
    active = [s for s in states.values() if s.fresh]
    if not active:
        return
    lng: list[float] = []
    lat: list[float] = []
    at: list[float] = []
    starts: list[int] = []  # index of each patrol's first position in the arrays
    joins: list[bool] = []  # whether that first position is the stored last point
    for s in active:
        starts.append(len(lng))
        has_last = s.last_at is not None and s.last_lng is not None and s.last_lat is not None
        joins.append(has_last)
        if has_last:
            assert s.last_at is not None and s.last_lng is not None and s.last_lat is not None
            lng.append(s.last_lng)
            lat.append(s.last_lat)
            at.append(s.last_at.timestamp())
        for p in s.fresh:
            lng.append(p.lng)
            lat.append(p.lat)
            at.append(p.at.timestamp())
    seg = segment_lengths_m(lng, lat)  # between consecutive positions, across patrols too
    dt_s = np.diff(np.asarray(at, dtype=np.float64))
    n = len(lng)
    # segment i joins position i and i + 1: it belongs to a patrol unless i + 1 starts one
    inside = np.ones(max(n - 1, 0), dtype=bool)
    start_idx = np.asarray(starts[1:], dtype=np.int64)
    inside[start_idx - 1] = False
    limit = max_speed / 3.6
    with np.errstate(divide="ignore", invalid="ignore"):
        bad = inside & ((dt_s <= 0) | (seg > limit * dt_s))
    seg_in = np.where(inside, seg, 0.0)
    cumulative = np.concatenate(([0.0], np.cumsum(seg_in)))
    bad_cum = np.concatenate(([0], np.cumsum(bad)))
    ends = [*starts[1:], n]
    for i, s in enumerate(active):
        first, last = starts[i], ends[i]  # positions first..last-1, segments first..last-2
        if bad_cum[last - 1] - bad_cum[first] == 0:
            kept = s.fresh
            added = float(cumulative[last - 1] - cumulative[first])
        else:
            previous = None
            if joins[i]:
                assert s.last_at is not None and s.last_lng is not None
                assert s.last_lat is not None
                previous = TrackPoint(s.last_seq, s.last_at.timestamp(), s.last_lng, s.last_lat)
            by_seq = {p.seq: p for p in s.fresh}
            good, jumps = drop_jumps([_track(p) for p in s.fresh], max_speed, previous)
            kept = [by_seq[t.seq] for t in good]
            s.dropped += len(jumps)
            path = ([previous] if previous else []) + good
            added = float(segment_lengths_m([t.lng for t in path], [t.lat for t in path]).sum())
        s.kept.extend(kept)
        s.distance_m += added
        if kept:
            tail = kept[-1]
            s.last_seq, s.last_at, s.last_lng, s.last_lat = tail.seq, tail.at, tail.lng, tail.lat


def _late_points(states: Mapping[int, _State], max_speed: float) -> None:
    """A late point (below last_seq, not stored) is kept unless it is a jump from the stored
    (or earlier late) point just before it by seq; the patrol's distance is then recomputed."""
    for s in states.values():
        if not s.late:
            continue
        stored = list(
            PatrolPoint.objects.filter(patrol_id=s.pk, seq__lt=s.late[-1].seq)
            .order_by("seq")
            .values_list("seq", "at", "lng", "lat")
        )
        track = {seq: TrackPoint(seq, at.timestamp(), lng, lat) for seq, at, lng, lat in stored}
        for point in s.late:
            before = [seq for seq in track if seq < point.seq]
            previous = track[max(before)] if before else None
            good, _jumps = drop_jumps([_track(point)], max_speed, previous)
            if good:
                track[point.seq] = good[0]
                s.kept.append(point)
                s.recompute = True
            else:
                s.dropped += 1


def _insert(states: Mapping[int, _State]) -> None:
    rows = [(pk, p) for pk, s in states.items() for p in s.kept]
    if not rows:
        return
    if connection.vendor == "postgresql" and len(rows) >= COPY_THRESHOLD:
        _copy_insert(rows)
        return
    PatrolPoint.objects.bulk_create(
        [
            PatrolPoint(patrol_id=pk, seq=p.seq, at=p.at, lng=p.lng, lat=p.lat, accuracy=p.accuracy)
            for pk, p in rows
        ],
        batch_size=BULK_BATCH,
        ignore_conflicts=True,
    )


def _copy_insert(rows: Sequence[tuple[int, PointIn]]) -> None:
    """PostgreSQL: COPY into a session temp table, then one INSERT … SELECT … ON CONFLICT DO
    NOTHING into the points table (the unique (patrol, seq) makes a race harmless)."""
    table = PatrolPoint._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {_TEMP} (patrol_id bigint, seq integer, "
            "at timestamptz, lng double precision, lat double precision, "
            "accuracy double precision) ON COMMIT DELETE ROWS"
        )
        cursor.execute(f"TRUNCATE {_TEMP}")
        raw = cursor.connection  # the psycopg 3 connection
        with (
            raw.cursor() as pg,
            pg.copy(f"COPY {_TEMP} (patrol_id, seq, at, lng, lat, accuracy) FROM STDIN") as copy,
        ):
            for pk, p in rows:
                copy.write_row((pk, p.seq, p.at, p.lng, p.lat, p.accuracy))
        cursor.execute(
            f"INSERT INTO {table} (patrol_id, seq, at, lng, lat, accuracy) "  # noqa: S608
            f"SELECT patrol_id, seq, at, lng, lat, accuracy FROM {_TEMP} "
            "ON CONFLICT (patrol_id, seq) DO NOTHING"
        )
        cursor.execute(f"TRUNCATE {_TEMP}")


def _recompute(states: Mapping[int, _State]) -> None:
    """After late points: the distance from all the patrol's stored points in seq order."""
    for s in states.values():
        if not s.recompute:
            continue
        track = list(
            PatrolPoint.objects.filter(patrol_id=s.pk).order_by("seq").values_list("lng", "lat")
        )
        s.distance_m = float(segment_lengths_m([t[0] for t in track], [t[1] for t in track]).sum())


def _update(states: Mapping[int, _State]) -> None:
    changed = [s for s in states.values() if s.kept or s.dropped]
    for s in changed:
        s.point_count += len(s.kept)
        s.dropped_count += s.dropped
    if not changed:
        return
    if connection.vendor == "postgresql":
        _update_pg(changed)
        return
    _update_sqlite(changed)


def _update_sqlite(changed: Sequence[_State]) -> None:
    """SQLite: one prepared UPDATE by primary key, ``executemany`` (Django's ``bulk_update``
    builds a CASE per field and row and is some hundred times slower here)."""
    table = Patrol._meta.db_table
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET distance_m = %s, duration_s = %s, "  # noqa: S608
            "point_count = %s, dropped_count = %s, last_seq = %s, last_at = %s, "
            "last_lng = %s, last_lat = %s WHERE id = %s",
            [
                (
                    s.distance_m,
                    _duration(s),
                    s.point_count,
                    s.dropped_count,
                    s.last_seq,
                    adapt(s.last_at),
                    s.last_lng,
                    s.last_lat,
                    s.pk,
                )
                for s in changed
            ],
        )


def _duration(s: _State) -> int:
    if s.last_at is None:
        return 0
    return max(0, math.floor((s.last_at - s.started_at).total_seconds()))


def _update_pg(changed: Sequence[_State]) -> None:
    """One UPDATE … FROM unnest(arrays) (the values are absolute: the rows are locked). Nine
    array parameters rather than a VALUES list of nine parameters a row, which PostgreSQL
    parses and plans some twenty times slower for thousands of rows."""
    table = Patrol._meta.db_table
    columns: list[list[Any]] = [[] for _ in range(9)]
    for s in changed:
        row = (
            s.pk,
            s.distance_m,
            _duration(s),
            s.point_count,
            s.dropped_count,
            s.last_seq,
            s.last_at,
            s.last_lng,
            s.last_lat,
        )
        for column, value in zip(columns, row, strict=True):
            column.append(value)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS p SET distance_m = v.distance_m, "  # noqa: S608
            "duration_s = v.duration_s, point_count = v.point_count, "
            "dropped_count = v.dropped_count, last_seq = v.last_seq, last_at = v.last_at, "
            "last_lng = v.last_lng, last_lat = v.last_lat "
            "FROM unnest(%s::bigint[], %s::float8[], %s::int[], %s::int[], %s::int[], "
            "%s::int[], %s::timestamptz[], %s::float8[], %s::float8[]) "
            "AS v(id, distance_m, duration_s, point_count, dropped_count, last_seq, last_at, "
            "last_lng, last_lat) WHERE p.id = v.id",
            columns,
        )
