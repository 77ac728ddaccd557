"""Grid workers in the field on PostgreSQL: check-ins and an hour of patrol points for every
worker of a county, through ``ops.ingest``, against a plain COPY of the same rows.

    python bench/ops_ingest.py [--workers 25884] [--minutes 60] [--interval 30]
        [--database-url postgres://postgres@127.0.0.1:5432/gridgov_bench_ops] [--keep]
    python bench/ops_ingest.py --sqlite --workers 2000 --minutes 10   # a quick run

Set-up (not compared): a fresh database (dropped and created; on ``--sqlite`` a temporary
file), migrate, the demo county's regions, departments and staff (舒兰市, 1,483 grids; no
cases, no registers), then ``--workers`` synthetic grid workers assigned round-robin to the
grids, each with a staff account holding a 网格员 post on their grid, bulk-created.

Measured:

* check-ins: one 上班 check-in per worker through ``ops.services.check_in`` (the service path:
  the worker's roster entry, their current grids, the point-in-grid test with the margin, the
  CheckIn row), one call per worker, at a random position inside the worker's grid; all of
  them unless ``--checkin-sample N``; baseline: the very same rows (every column, as stored)
  written again with one plain COPY into a copy of ``ops_checkin``;
* patrols: one open patrol per worker (bulk-created, not measured), then ``minutes × 60 /
  interval`` ticks; each tick one point per worker, a random walk at walking speed (1.0–1.6
  m/s, a random heading, a step that would leave the grid is not taken) — ingested through
  ``ops.ingest.ingest`` with every patrol in one batch per tick (a gateway flushing every
  30 s): screening, jump check, COPY into a temp table + INSERT … ON CONFLICT DO NOTHING, and
  the aggregates of every patrol (distance, duration, counts, last position) updated;
* baseline, in the same run: after each tick the very same rows written with one plain
  ``COPY`` (psycopg ``write_row`` from the same ``PointIn`` objects, then a commit) into
  ``bench_points``, a copy of ``ops_patrolpoint`` made with ``LIKE … INCLUDING ALL`` (the same
  primary key and unique (patrol, seq) index; no foreign key); and, for scale, one COPY of the
  whole stored table from a CSV file into another such copy;
* per-request: ``--requests`` calls with one patrol and one point each (a phone sending every
  point on its own) through ``ops.services.add_points`` when the services exist, else
  ``ingest`` with one patrol, as requests per second.

On ``--sqlite`` the COPYs are ``executemany`` INSERTs into the same kind of copy.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

_ENV_URL = os.environ.get("DATABASE_URL", "")
DEFAULT_URL = (
    urlparse(
        _ENV_URL if _ENV_URL.startswith("postgres") else "postgres://postgres@127.0.0.1:5432/x"
    )
    ._replace(path="/gridgov_bench_ops")
    .geturl()
)
COUNTY = "220283"
SEED = 20260302
UNUSABLE = "!"  # no password: the bench never logs in


def fresh_postgres(url: str) -> None:
    """Drop and create the bench database (never the CI and test databases)."""
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if name in ("test", "test_test", "gridgov") or not name.startswith("gridgov_bench"):
        raise SystemExit(f"refusing to drop the database {name!r}: use a gridgov_bench_… name")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_postgres(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parsed.path.lstrip("/")}" WITH (FORCE)')


def setup_django(url: str) -> None:
    os.environ.update(
        DATABASE_URL=url,
        GRIDGOV_DEMO="1",
        GRIDGOV_DATA_DIR=tempfile.mkdtemp(prefix="gridgov-bench-"),
        DJANGO_SETTINGS_MODULE="gridgov.settings",
        GRIDGOV_LOG_LEVEL="WARNING",
    )
    import django

    django.setup()


def timed(label: str) -> Callable[[], float]:
    print(f"{label} …", flush=True)
    started = time.perf_counter()
    return lambda: time.perf_counter() - started


# -- set-up ------------------------------------------------------------------------------------


def make_workers(count: int) -> tuple[list[Any], list[Any]]:
    """``count`` workers with accounts and posts, round-robin over the county's grids, in
    bulk. Returns the workers (with ``user``) and each worker's grid."""
    from django.db import transaction

    from gridgov.accounts.models import Post, User
    from gridgov.accounts.roles import Role
    from gridgov.ops import choices as c
    from gridgov.ops.models import Assignment, Worker
    from gridgov.regions.models import Region

    grids = list(
        Region.objects.filter(level="grid", path__startswith=COUNTY, geometry__isnull=False)
        .order_by("path")
        .only("pk", "path", "geometry")
    )
    villages = {
        r.path: r
        for r in Region.objects.filter(level="village", path__startswith=COUNTY).only("pk", "path")
    }
    hired = dt.date(2025, 1, 1)
    with transaction.atomic():
        users = User.objects.bulk_create(
            [
                User(username=f"bench-w-{i:06d}", full_name=f"网格员{i}", password=UNUSABLE)
                for i in range(count)
            ],
            batch_size=2000,
        )
        mine = [grids[i % len(grids)] for i in range(count)]
        Post.objects.bulk_create(
            [
                Post(user=user, role=Role.GRID_WORKER, region=grid, starts_on=hired)
                for user, grid in zip(users, mine, strict=True)
            ],
            batch_size=2000,
        )
        workers = Worker.objects.bulk_create(
            [
                Worker(
                    user=user,
                    name=f"网格员{i}",
                    gender=c.Gender.FEMALE if i % 2 else c.Gender.MALE,
                    kind=c.WorkerKind.FULL_TIME,
                    region=villages[grid.path[:12]],
                    region_path=grid.path[:12],
                    hired_on=hired,
                )
                for i, (user, grid) in enumerate(zip(users, mine, strict=True))
            ],
            batch_size=2000,
        )
        Assignment.objects.bulk_create(
            [
                Assignment(
                    worker=worker, grid=grid, region_path=grid.path, is_main=True, starts_on=hired
                )
                for worker, grid in zip(workers, mine, strict=True)
            ],
            batch_size=2000,
        )
    return workers, mine


class Walk:
    """Every worker's position: a random walk at walking speed inside their grid."""

    def __init__(self, grids: Sequence[Any], rng: np.random.Generator) -> None:
        import shapely
        from shapely.geometry import shape

        shapes: dict[int, Any] = {}
        for grid in grids:
            if grid.pk not in shapes:
                shapes[grid.pk] = shape(grid.geometry)
                shapely.prepare(shapes[grid.pk])
        self.geoms = np.array([shapes[g.pk] for g in grids], dtype=object)
        starts = [shapes[g.pk].representative_point() for g in grids]
        self.lng = np.array([p.x for p in starts])
        self.lat = np.array([p.y for p in starts])
        self.rng = rng
        self.step(300.0)  # spread the workers out from the representative points
        self.step(300.0)

    def step(self, seconds: float) -> None:
        import shapely

        n = len(self.lng)
        metres = self.rng.uniform(1.0, 1.6, n) * seconds
        heading = self.rng.uniform(0.0, 2 * math.pi, n)
        lat = self.lat + metres * np.cos(heading) / 111_195.0
        lng = self.lng + metres * np.sin(heading) / (111_195.0 * np.cos(np.radians(self.lat)))
        inside = shapely.contains_xy(self.geoms, lng, lat)
        self.lng = np.where(inside, lng, self.lng)
        self.lat = np.where(inside, lat, self.lat)


# -- measured phases ---------------------------------------------------------------------------


def checkins(workers: Sequence[Any], walk: Walk, sample: int) -> tuple[int, float, int]:
    from gridgov.ops import services

    if not hasattr(services, "check_in"):
        print("  ops.services.check_in is not there yet: skipped")
        return 0, 0.0, 0
    todo = range(len(workers)) if sample <= 0 else range(min(sample, len(workers)))
    accepted = 0
    started = time.perf_counter()
    for i in todo:
        row = services.check_in(
            actor=workers[i].user,
            kind="on",
            lng=float(walk.lng[i]),
            lat=float(walk.lat[i]),
            accuracy=10.0,
            client_id=f"bench-{i}",
        )
        accepted += bool(row.accepted)
    return len(todo), time.perf_counter() - started, accepted


def checkin_baseline(url: str, sqlite: bool) -> tuple[int, float]:
    """The same check-in rows (every column, as the service stored them) written again with one
    plain bulk insert into a copy of ``ops_checkin`` (same indexes and constraints, no foreign
    keys): PostgreSQL ``COPY``, SQLite one ``executemany``. Reading them back is not timed."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM ops_checkin ORDER BY id")
        columns = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    if not rows:
        return 0, 0.0
    names = ", ".join(columns)
    if sqlite:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_checkins")
            cursor.execute("CREATE TABLE bench_checkins AS SELECT * FROM ops_checkin WHERE 0")
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO bench_checkins ({names}) VALUES ({marks})", rows)  # noqa: S608 - our own column names
        return len(rows), time.perf_counter() - started
    import psycopg

    with psycopg.connect(url) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_checkins")
        conn.execute("CREATE TABLE bench_checkins (LIKE ops_checkin INCLUDING ALL)")
        conn.commit()
        started = time.perf_counter()
        with (
            conn.cursor() as copy_cursor,
            copy_cursor.copy(f"COPY bench_checkins ({names}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        conn.commit()
        seconds = time.perf_counter() - started
        conn.execute("DROP TABLE bench_checkins")
        conn.commit()
    return len(rows), seconds


def open_patrols(
    workers: Sequence[Any], grids: Sequence[Any], started_at: dt.datetime
) -> list[int]:
    from django.utils import timezone

    from gridgov.ops.models import Patrol

    day = timezone.localdate(started_at)
    patrols = Patrol.objects.bulk_create(
        [
            Patrol(
                worker=worker,
                grid=grid,
                region_path=grid.path,
                started_at=started_at,
                day=day,
            )
            for worker, grid in zip(workers, grids, strict=True)
        ],
        batch_size=2000,
    )
    return [p.pk for p in patrols]


class Baseline:
    """The plain bulk insert of the same rows into a copy of the points table."""

    def __init__(self, url: str, sqlite: bool) -> None:
        from django.db import connection

        self.sqlite = sqlite
        self.url = url
        if sqlite:
            with connection.cursor() as cursor:
                cursor.execute("DROP TABLE IF EXISTS bench_points")
                cursor.execute(
                    "CREATE TABLE bench_points (id integer PRIMARY KEY AUTOINCREMENT, "
                    "patrol_id bigint NOT NULL, seq integer NOT NULL, at datetime NOT NULL, "
                    "lng real NOT NULL, lat real NOT NULL, accuracy real NULL, "
                    "UNIQUE (patrol_id, seq))"
                )
            self.conn: Any = None
        else:
            import psycopg

            self.conn = psycopg.connect(url)
            self.conn.execute("DROP TABLE IF EXISTS bench_points")
            self.conn.execute("CREATE TABLE bench_points (LIKE ops_patrolpoint INCLUDING ALL)")
            self.conn.commit()

    def write(self, batches: dict[int, list[Any]]) -> float:
        started = time.perf_counter()
        if self.sqlite:
            from django.db import connection, transaction

            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO bench_points (patrol_id, seq, at, lng, lat, accuracy) "
                    "VALUES (%s, %s, %s, %s, %s, %s)",
                    [
                        (pk, p.seq, p.at.isoformat(), p.lng, p.lat, p.accuracy)
                        for pk, points in batches.items()
                        for p in points
                    ],
                )
        else:
            with (
                self.conn.cursor() as cursor,
                cursor.copy(
                    "COPY bench_points (patrol_id, seq, at, lng, lat, accuracy) FROM STDIN"
                ) as copy,
            ):
                for pk, points in batches.items():
                    for p in points:
                        copy.write_row((pk, p.seq, p.at, p.lng, p.lat, p.accuracy))
            self.conn.commit()
        return time.perf_counter() - started

    def copy_whole_table(self) -> tuple[int, float]:
        """For scale: one COPY of all the stored points (CSV) into another copy of the table."""
        if self.sqlite:
            return 0, 0.0
        path = Path(tempfile.gettempdir()) / "gridgov-bench-ops-points.csv"
        columns = "patrol_id, seq, at, lng, lat, accuracy"
        with (
            path.open("wb") as out,
            self.conn.cursor().copy(
                f"COPY ops_patrolpoint ({columns}) TO STDOUT (FORMAT csv)"
            ) as copy,
        ):
            for data in copy:
                out.write(data)
        self.conn.execute("DROP TABLE IF EXISTS bench_points_all")
        self.conn.execute("CREATE TABLE bench_points_all (LIKE ops_patrolpoint INCLUDING ALL)")
        self.conn.commit()
        started = time.perf_counter()
        with (
            path.open("rb") as source,
            self.conn.cursor().copy(
                f"COPY bench_points_all ({columns}) FROM STDIN (FORMAT csv)"
            ) as copy,
        ):
            while chunk := source.read(1 << 20):
                copy.write(chunk)
        self.conn.commit()
        seconds = time.perf_counter() - started
        (rows,) = self.conn.execute("SELECT count(*) FROM bench_points_all").fetchone()
        self.conn.execute("DROP TABLE bench_points_all")
        self.conn.commit()
        path.unlink()
        return int(rows), seconds

    def count(self) -> int:
        if self.sqlite:
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM bench_points")
                return int(cursor.fetchone()[0])
        return int(self.conn.execute("SELECT count(*) FROM bench_points").fetchone()[0])

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


def per_request(workers: Sequence[Any], patrol_ids: Sequence[int], calls: int, walk: Walk) -> float:
    """``calls`` requests with one patrol and one point each (the next seq of the patrol)."""
    from django.utils import timezone

    from gridgov.ops.ingest import PointIn, ingest
    from gridgov.ops.models import Patrol

    try:
        from gridgov.ops import services

        add_points = getattr(services, "add_points", None)
    except ImportError:
        add_points = None
    print(f"per-request through {'services.add_points' if add_points else 'ingest'} …")
    n = min(calls, len(patrol_ids))
    patrols = Patrol.objects.in_bulk(list(patrol_ids[:n]))
    base = timezone.now() - dt.timedelta(seconds=30)
    started = time.perf_counter()
    for i in range(n):
        patrol = patrols[patrol_ids[i]]
        point = PointIn(
            seq=patrol.last_seq + 1,
            at=base,
            lng=float(walk.lng[i]),
            lat=float(walk.lat[i]),
            accuracy=8.0,
        )
        if add_points is not None:
            add_points(actor=workers[i].user, patrol=patrol, points=[point])
        else:
            ingest({patrol.pk: [point]})
    return time.perf_counter() - started


# -- main --------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=25_884)
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--interval", type=float, default=30, help="seconds between points")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--sqlite", action="store_true", help="a temporary SQLite file instead")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument(
        "--checkin-sample", type=int, default=0, help="check-ins through the service (0: all)"
    )
    parser.add_argument("--requests", type=int, default=2_000, help="per-request calls")
    parser.add_argument(
        "--fillfactor",
        type=int,
        default=0,
        help="PostgreSQL: set ops_patrol's fillfactor first (the migrations set 70, for HOT "
        "updates; 100 to measure without free room)",
    )
    args = parser.parse_args()

    if args.sqlite:
        db_path = Path(tempfile.mkdtemp(prefix="gridgov-bench-ops-")) / "bench.sqlite3"
        url = f"sqlite:///{db_path}"
    else:
        url = args.database_url
        fresh_postgres(url)
    setup_django(url)

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from gridgov.demo import load_demo
    from gridgov.ops.ingest import PointIn, ingest
    from gridgov.ops.models import Patrol, PatrolPoint

    done = timed(f"set-up on {connection.vendor}: migrate, the demo county's regions")
    call_command("migrate", verbosity=0)
    load_demo(log=lambda *_: None, cases=0, registry=False)
    print(f"  {done():.0f} s")
    done = timed(f"set-up: {args.workers:,} workers with accounts, posts and assignments")
    workers, grids = make_workers(args.workers)
    rng = np.random.default_rng(SEED)
    walk = Walk(grids, rng)
    print(f"  {done():.0f} s ({len({g.pk for g in grids}):,} grids)")

    # (a) check-ins through the service
    print("check-ins through ops.services.check_in …", flush=True)
    n_in, in_s, accepted = checkins(workers, walk, args.checkin_sample)
    print(f"  {n_in:,} check-ins in {in_s:.1f} s, {accepted:,} accepted", flush=True)
    in_rows, in_base_s = checkin_baseline(url, args.sqlite) if n_in else (0, 0.0)

    # (b) one open patrol per worker, started before the first point
    ticks = round(args.minutes * 60 / args.interval)
    span = dt.timedelta(seconds=ticks * args.interval)
    started_at = timezone.now() - span - dt.timedelta(minutes=2)
    if args.fillfactor and not args.sqlite:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE ops_patrol SET (fillfactor = {int(args.fillfactor)})")
        print(f"ops_patrol fillfactor {args.fillfactor} (not the migrated 70)")
    patrol_ids = open_patrols(workers, grids, started_at)
    baseline = Baseline(url, args.sqlite)

    # (c) ticks through ingest, (d) the same rows by plain COPY
    print(
        f"patrols: {ticks} ticks × {len(patrol_ids):,} points "
        f"({ticks * len(patrol_ids):,} points) …",
        flush=True,
    )
    ours_s = base_s = 0.0
    stored = dropped = duplicates = 0
    accuracy = rng.uniform(4.0, 20.0, len(patrol_ids)).tolist()
    for tick in range(ticks):
        walk.step(args.interval)
        at = started_at + dt.timedelta(seconds=(tick + 1) * args.interval)
        lngs, lats = walk.lng.tolist(), walk.lat.tolist()
        batches = {
            pk: [PointIn(seq=tick, at=at, lng=lngs[i], lat=lats[i], accuracy=accuracy[i])]
            for i, pk in enumerate(patrol_ids)
        }
        t0 = time.perf_counter()
        results = ingest(batches)
        ours_s += time.perf_counter() - t0
        base_s += baseline.write(batches)
        stored += sum(r.stored for r in results.values())
        dropped += sum(r.dropped for r in results.values())
        duplicates += sum(r.duplicates for r in results.values())
        if tick % 10 == 9 or tick == ticks - 1:
            print(
                f"  tick {tick + 1:4d}: ours {ours_s:7.1f} s, COPY {base_s:7.1f} s",
                flush=True,
            )
    points = ticks * len(patrol_ids)
    assert stored == points == PatrolPoint.objects.count() == baseline.count(), (
        stored,
        points,
        dropped,
        duplicates,
    )
    km = sum(Patrol.objects.values_list("distance_m", flat=True)) / 1000
    whole_rows, whole_s = baseline.copy_whole_table()

    # per-request
    calls = min(args.requests, len(patrol_ids))
    req_s = per_request(workers, patrol_ids, calls, walk)
    baseline.close()

    print()
    print(
        f"machine: {os.cpu_count()} CPUs, {connection.vendor} "
        f"{connection.cursor().connection.info.server_version if not args.sqlite else ''}"
    )
    if not args.sqlite:
        with connection.cursor() as cursor:
            cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'ops_patrol'")
            print(f"ops_patrol storage options: {cursor.fetchone()[0]}")
    print(f"workers {len(patrol_ids):,}, {ticks} ticks of {args.interval:g} s, {points:,} points")
    print(f"  walked {km:,.0f} km in all ({km / len(patrol_ids):.2f} km a worker)")
    print(f"{'':28}{'points':>12}{'seconds':>10}{'points/s':>12}")
    print(f"{'ingest (ours)':28}{points:12,}{ours_s:10.1f}{points / ours_s:12,.0f}")
    label = "plain executemany" if args.sqlite else "plain COPY, per tick"
    print(f"{label:28}{points:12,}{base_s:10.1f}{points / base_s:12,.0f}")
    if whole_rows:
        print(
            f"{'one COPY of the whole table':28}{whole_rows:12,}{whole_s:10.1f}"
            f"{whole_rows / whole_s:12,.0f}"
        )
    print(f"ratio: ingest takes {ours_s / base_s:.2f}× the time of the plain bulk insert")
    print(
        f"  (a tick of {len(patrol_ids):,} points: ingest {1000 * ours_s / ticks:.0f} ms, "
        f"COPY {1000 * base_s / ticks:.0f} ms)"
    )
    if n_in:
        print()
        print(f"{'':28}{'check-ins':>12}{'seconds':>10}{'rows/s':>12}")
        print(f"{'check_in, one call each':28}{n_in:12,}{in_s:10.1f}{n_in / in_s:12,.0f}")
        label = "plain executemany" if args.sqlite else "plain COPY of the rows"
        print(f"{label:28}{in_rows:12,}{in_base_s:10.2f}{in_rows / in_base_s:12,.0f}")
        print(
            f"ratio: check-ins through the service take {in_s / in_base_s:,.0f}× the time of "
            f"the plain bulk insert ({accepted:,} accepted; all {n_in:,} workers checking in "
            f"within 30 minutes need {n_in / 1800:,.1f}/s)"
        )
    print(
        f"per-request (one patrol, one point a call): {calls:,} in {req_s:.1f} s, "
        f"{calls / req_s:,.0f} requests/s"
    )

    if not args.sqlite and not args.keep:
        connection.close()
        drop_postgres(url)
    elif args.keep:
        print(f"kept: {url}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
