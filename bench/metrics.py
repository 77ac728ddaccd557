"""The assessment figures of a month on PostgreSQL with a million cases, against one plain
aggregate over the case table.

    python bench/metrics.py [--cases 1000000] [--keep]
        [--database-url postgres://postgres@127.0.0.1:5432/gridgov_bench_metrics]

Set-up (timed and printed, not compared): migrate, load the demo county (舒兰市: regions,
grids, staff, departments, the catalogue) without cases, then write ``--cases`` case rows
spread over the past 24 months with plausible shares (received → accepted → dispatched →
closed → called back → rated, on time or not, reworked, reopened, overdue, supervised,
self-handled, rejected, merged, voided; recent cases still open) straight into
``cases_case`` with COPY — not through ``submit_case``, which ``bench/cases.py`` measures, and
with the foreign-key triggers off for the load (every id comes from the loaded county). Then
the rollups are rebuilt from the rows (``rollup.rebuild(source="rows")``) and both tables
ANALYZEd. ``--keep`` reuses the cases and rollups of an earlier run with the same ``--cases``.

Measured for the latest full month and the whole county, each the median of ``--repeat`` runs
after one warm-up run:

* ours: ``figures.compute(Scope(region=county), Span.month(...))`` — every figure with its
  numerator and denominator, their case-list links, and the previous month beside it for the
  comparison (so two months are summed, from the rollups);
* baseline: the same measures of the same two months from the raw case table, one plain
  aggregate per month with a ``COUNT(*) FILTER (WHERE …)`` per measure (the conditions of
  ``metrics.measures`` / ``CaseFilter``), over the ``created_at`` index.

The numbers of both must be identical (the run stops otherwise). Also timed: the township
ranking of the month (``rankings.rank("township", county, month)``).
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import itertools
import random
import statistics
import sys
import time

from pgbench_setup import setup_django

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/gridgov_bench_metrics"
COUNTY = "220283"
DAYS = 730  # the past 24 months
CHANNELS = (
    ("patrol", 33),
    ("app", 26),
    ("hotline", 20),
    ("walk_in", 8),
    ("petition", 8),
    ("department", 3),
    ("video", 3),
    ("open311", 2),
)
URGENCIES = (("normal", 87), ("urgent", 5), ("emergency", 8))
H = dt.timedelta(hours=1)

# The case columns the load writes (every NOT NULL column without a default is among them;
# checked against the table before loading).
COLUMNS = (
    "id",
    "number",
    "title",
    "description",
    "channel",
    "urgency",
    "item_id",
    "item_version_id",
    "board_id",
    "difficulty",
    "lng",
    "lat",
    "address",
    "region_id",
    "region_path",
    "status",
    "level",
    "centre_id",
    "lead_user_id",
    "lead_department_id",
    "lead_centre_id",
    "step",
    "step_no",
    "step_started_at",
    "due_at",
    "warn_at",
    "step_unit",
    "held_since",
    "previous_status",
    "warned_step",
    "overdue_step",
    "rework_count",
    "reopen_count",
    "escalations",
    "extensions",
    "pending_extension",
    "rating",
    "callback_reached",
    "solved_level",
    "closed_at",
    "finished_at",
    "master_id",
    "supervision",
    "supervision_pending",
    "self_handled",
    "handled_on_time",
    "accepted_at",
    "dispatched_at",
    "signed_on_time",
    "supervision_count",
    "reachable",
    "void_requested_by_id",
    "resident_id",
    "reported_by_id",
    "version",
    "created_at",
    "updated_at",
)

# The baseline: each measure as a condition on a case row (metrics.measures.MEASURE_FILTERS
# through CaseFilter._flag_conditions), and handle_seconds as measures.contribution sums it.
CLOSED = "closed_at IS NOT NULL"
BASELINE_MEASURES = {
    "received": "TRUE",
    "accepted": "accepted_at IS NOT NULL",
    "dispatched": "dispatched_at IS NOT NULL",
    "signed_on_time": "dispatched_at IS NOT NULL AND signed_on_time",
    "closed": CLOSED,
    "closed_on_time": f"{CLOSED} AND handled_on_time",
    "reachable_closed": f"{CLOSED} AND reachable",
    "called_back": f"{CLOSED} AND reachable AND callback_reached",
    "called_back_any": "callback_reached",
    "rated": "rating <> ''",
    "satisfied": "rating IN ('satisfied', 'basically_satisfied')",
    "reopened": "callback_reached AND reopen_count > 0",
    "reworked": f"{CLOSED} AND rework_count > 0",
    "overdue": "overdue_step > 0",
    "supervised": "supervision_count > 0",
    "solved_village": f"{CLOSED} AND solved_level = 'village'",
    "solved_township": f"{CLOSED} AND solved_level = 'township'",
    "solved_county": f"{CLOSED} AND solved_level = 'county'",
    "self_handled": "self_handled",
}
_COUNTS = ", ".join(f"COUNT(*) FILTER (WHERE {c}) AS {m}" for m, c in BASELINE_MEASURES.items())
_SECONDS = (
    "COALESCE(SUM(GREATEST(0, TRUNC(EXTRACT(EPOCH FROM closed_at - accepted_at))))"
    " FILTER (WHERE closed_at IS NOT NULL AND accepted_at IS NOT NULL), 0)::bigint"
)
BASELINE_SQL = (
    f"SELECT {_COUNTS}, {_SECONDS} AS handle_seconds FROM cases_case "  # noqa: S608 - our own
    "WHERE created_at >= %s AND created_at < %s AND region_path >= %s AND region_path < %s"
)


def median_ms(run, repeat: int) -> tuple[float, object]:
    """(median milliseconds of ``repeat`` runs after one warm-up, the last result)."""
    result = run()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


# ---------------------------------------------------------------------------------------------
# Generating the case rows
# ---------------------------------------------------------------------------------------------


class County:
    """What the generator needs of the loaded county, read once."""

    def __init__(self) -> None:
        from shapely.geometry import shape

        from gridgov.accounts.models import Post
        from gridgov.cases import demo_texts
        from gridgov.cases.models import Item, ItemVersion
        from gridgov.regions.models import Region

        regions = Region.objects.filter(path__startswith=COUNTY)
        self.region_id = dict(regions.values_list("path", "id"))
        names = dict(regions.values_list("path", "name"))
        self.grids = []
        for path, pk, geometry in regions.filter(level="grid").values_list(
            "path", "id", "geometry"
        ):
            point = shape(geometry).representative_point()
            self.grids.append((path, pk, point.x, point.y))
        self.grids.sort()
        self.worker = {}
        for path, user_id in (
            Post.objects.current()
            .filter(role="grid_worker", region__path__startswith=COUNTY)
            .order_by("region__path", "pk")
            .values_list("region__path", "user_id")
        ):
            self.worker.setdefault(path, user_id)
        versions = {
            (v.item_id, v.number): v.pk for v in ItemVersion.objects.all().only("item", "number")
        }
        rng = random.Random(11)
        self.items = []
        for item in Item.objects.filter(is_active=True).order_by("code"):
            texts = []
            for _ in range(6):
                path = rng.choice(self.grids)[0]
                try:
                    texts.append(
                        demo_texts.case_text(
                            item.code, rng, village=names[path[:12]], township=names[path[:9]]
                        )
                    )
                except KeyError:
                    texts.append((item.name, f"群众反映{item.name}问题，请尽快处理。"))
            self.items.append(
                {
                    "id": item.pk,
                    "version": versions[(item.pk, item.version)],
                    "board": item.board_id,
                    "difficulty": item.difficulty,
                    "level": item.level,
                    "department": item.department_id,
                    "weight": item.weight,
                    "texts": texts,
                }
            )
        self.item_cum = list(itertools.accumulate(i["weight"] for i in self.items))
        self.addresses = {
            path[:12]: f"舒兰市{names[path[:9]]}{names[path[:12]]}" for path, *_ in self.grids
        }


def generate(county: County, count: int, now: dt.datetime, first_id: int):
    """``count`` case rows (tuples in COLUMNS order), oldest first, and the serials per day."""
    from django.utils import timezone

    rng = random.Random(2026)
    random_ = rng.random
    start = now - dt.timedelta(days=DAYS)
    span = (now - start).total_seconds()
    offsets = sorted(random_() * span for _ in range(count))
    channel_names = [c for c, _ in CHANNELS]
    channel_cum = list(itertools.accumulate(w for _, w in CHANNELS))
    urgency_names = [u for u, _ in URGENCIES]
    urgency_cum = list(itertools.accumulate(w for _, w in URGENCIES))
    items, item_cum, grids = county.items, county.item_cum, county.grids
    region_id, worker = county.region_id, county.worker
    serials: dict[dt.date, int] = {}
    county_id = region_id[COUNTY]

    def pick(cum):
        return bisect.bisect(cum, random_() * cum[-1])

    for n, offset in enumerate(offsets):
        pk = first_id + n
        created = start + dt.timedelta(seconds=offset)
        age_h = (now - created).total_seconds() / 3600
        day = timezone.localdate(created)
        serial = serials[day] = serials.get(day, 0) + 1
        item = items[pick(item_cum)]
        path, grid_id, lng, lat = grids[int(random_() * len(grids))]
        channel = channel_names[pick(channel_cum)]
        urgency = urgency_names[pick(urgency_cum)]
        title, description = item["texts"][int(random_() * 6)]
        gw = worker.get(path)
        reachable = random_() < 0.67
        level = item["level"]
        self_handled = channel == "patrol" and gw is not None and random_() < 0.2
        if self_handled:
            level = "village"
        escalations = 0
        if not self_handled and level != "county" and random_() < 0.04:
            level = "township" if level == "village" else "county"
            escalations = 1
        centre_path = {"village": path[:12], "township": path[:9]}.get(level, COUNTY)
        row = dict.fromkeys(COLUMNS)
        row.update(
            id=pk,
            number=f"{day:%Y%m%d}{serial:06d}",
            title=title,
            description=description,
            channel=channel,
            urgency=urgency,
            item_id=item["id"],
            item_version_id=item["version"],
            board_id=item["board"],
            difficulty=item["difficulty"],
            lng=lng + (random_() - 0.5) * 2e-4,
            lat=lat + (random_() - 0.5) * 2e-4,
            address=county.addresses[path[:12]],
            region_id=grid_id,
            region_path=path,
            level=level,
            centre_id=region_id.get(centre_path, county_id),
            step="",
            step_no=1,
            step_unit="",
            previous_status="",
            warned_step=0,
            overdue_step=0,
            rework_count=0,
            reopen_count=0,
            escalations=escalations,
            extensions=0,
            rating="",
            solved_level="",
            supervision="",
            supervision_pending=False,
            self_handled=self_handled,
            supervision_count=0,
            reachable=reachable,
            reported_by_id=gw if channel == "patrol" else None,
            version=1,
            created_at=created,
            updated_at=now,
        )
        fate = random_()
        if age_h < 0.5 or (age_h < 4 and fate < 0.3):  # not yet accepted
            row.update(
                status="submitted",
                step="accept",
                step_started_at=created,
                step_unit="working_hours",
            )
            row.update(due_at=created + 2 * H, warn_at=created + 1.5 * H)
            yield tuple(row[c] for c in COLUMNS)
            continue
        if fate < 0.011:  # 不予受理
            row.update(status="rejected", finished_at=created + rng.uniform(0.2, 6) * H)
            row.update(step_no=2, version=2)
            yield tuple(row[c] for c in COLUMNS)
            continue
        if fate < 0.013 and n > 0:  # merged into an earlier case
            row.update(status="merged", master_id=pk - 1 - int(random_() * min(n, 50)))
            row.update(finished_at=created + rng.uniform(0.2, 6) * H, step_no=2, version=2)
            yield tuple(row[c] for c in COLUMNS)
            continue
        accepted = created if self_handled else created + rng.uniform(0.05, 4) * H
        row["accepted_at"] = accepted
        if fate < 0.0145:  # accepted, then voided
            row.update(status="voided", finished_at=accepted + rng.uniform(2, 72) * H)
            row.update(step_no=3, version=4)
            yield tuple(row[c] for c in COLUMNS)
            continue
        lead_user = lead_department = lead_centre = None
        if self_handled or (level == "village" and gw is not None and random_() < 0.6):
            lead_user = gw
        elif level != "village" and item["department"] and random_() < 0.75:
            lead_department = item["department"]
        else:
            lead_centre = region_id.get(centre_path, county_id)
        row.update(
            lead_user_id=lead_user, lead_department_id=lead_department, lead_centre_id=lead_centre
        )
        if not self_handled:
            row["dispatched_at"] = accepted + rng.uniform(0.05, 3) * H
            row["signed_on_time"] = random_() < 0.93
        # how long the work takes: mostly days, sometimes weeks
        # (a self-handled case is handled when reported and waits for verification)
        hours = 0.0 if self_handled else rng.lognormvariate(3.3, 1.0)
        handled = accepted + hours * H
        reworked = random_() < 0.03
        if reworked:
            handled += rng.uniform(24, 120) * H
        closed = handled + rng.uniform(1, 30) * H
        on_time = random_() < (0.97 if self_handled else 0.89)
        overdue = 0 if on_time and random_() < 0.8 else rng.choice((2, 3, 4, 4, 5, 6))
        row.update(
            rework_count=int(reworked),
            overdue_step=overdue,
            warned_step=max(overdue, rng.choice((0, 0, 2, 4, 6))),
            extensions=int(random_() < 0.03),
            supervision_count=int(random_() < 0.027),
        )
        if closed > now:  # still being worked on
            status = "handled" if handled <= now else rng.choice(("in_progress",) * 20 + ("held",))
            if status == "in_progress" and not self_handled and random_() < 0.05:
                status = "dispatched" if row["dispatched_at"] > now - 2 * H else "in_progress"
            step = {"handled": "verify", "dispatched": "sign"}.get(status, "handle")
            step_start = handled if status == "handled" else row["dispatched_at"] or accepted
            limit = rng.choice((24, 72, 120, 240)) * H
            row.update(
                status=status,
                step=step,
                step_no=4,
                version=5,
                step_started_at=step_start,
                due_at=step_start + limit,
                warn_at=step_start + 0.8 * limit,
                step_unit="working_days",
            )
            if status == "held":
                row.update(previous_status="in_progress", held_since=now - rng.uniform(1, 48) * H)
            if row["supervision_count"]:
                row["supervision"] = rng.choice(("ordinary", "yellow", "red"))
            row["overdue_step"] = overdue if step_start + limit < now else 0
            yield tuple(row[c] for c in COLUMNS)
            continue
        row.update(
            closed_at=closed,
            solved_level=level,
            handled_on_time=on_time,
            step_no=6 + 2 * int(reworked),
            version=8 + 2 * int(reworked),
        )
        callback_at = closed + rng.uniform(2, 72) * H
        if callback_at > now:
            row.update(status="closed", step="callback", step_started_at=closed)
            row.update(due_at=closed + 72 * H, warn_at=closed + 48 * H, step_unit="calendar_hours")
            yield tuple(row[c] for c in COLUMNS)
            continue
        reached = random_() < 0.93
        row["callback_reached"] = reached
        if reached:
            r = random_()
            row["rating"] = (
                "satisfied" if r < 0.89 else "basically_satisfied" if r < 0.985 else "unsatisfied"
            )
        if row["rating"] == "unsatisfied" or (reached and random_() < 0.015):
            # reopened once and closed again later
            row.update(reopen_count=1, rating=rng.choice(("satisfied", "basically_satisfied")))
            row["closed_at"] = callback_at + rng.uniform(24, 200) * H
            if row["closed_at"] > now:
                row.update(
                    status="in_progress",
                    closed_at=None,
                    solved_level="",
                    rating="",
                    handled_on_time=None,
                    step="handle",
                    step_started_at=callback_at,
                    due_at=callback_at + 120 * H,
                    warn_at=callback_at + 96 * H,
                    step_unit="working_days",
                )
                yield tuple(row[c] for c in COLUMNS)
                continue
            callback_at = row["closed_at"] + rng.uniform(2, 72) * H
        finished = callback_at + rng.uniform(24, 240) * H
        if finished > now:
            row["status"] = "rated" if callback_at <= now else "closed"
            if callback_at > now:  # the second callback is still to come
                row["rating"] = ""
        else:
            row.update(status="archived", finished_at=finished)
        yield tuple(row[c] for c in COLUMNS)


def load(url: str, county: County, count: int) -> tuple[float, dict[dt.date, int]]:
    """COPY ``count`` generated cases into cases_case; returns (seconds, serials per day)."""
    import psycopg
    from django.utils import timezone

    now = timezone.now()
    started = time.perf_counter()
    serials: dict[dt.date, int] = {}
    with psycopg.connect(url) as conn:
        required = {
            name
            for (name,) in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = "
                "'cases_case' AND is_nullable = 'NO' AND column_default IS NULL"
            )
        }
        missing = required - set(COLUMNS) - {"id"}
        if missing:
            raise SystemExit(f"the generator does not fill NOT NULL columns: {sorted(missing)}")
        conn.execute("SET synchronous_commit = off")
        try:  # skip the foreign-key triggers for the load (superuser only)
            conn.execute("SET session_replication_role = replica")
        except psycopg.Error:
            conn.rollback()
        with conn.cursor() as cursor:
            sql = f"COPY cases_case ({', '.join(COLUMNS)}) FROM STDIN"
            with cursor.copy(sql) as copy:
                for i, row in enumerate(generate(county, count, now, first_id=1), start=1):
                    copy.write_row(row)
                    if i % 200_000 == 0:
                        print(f"  {i:>9,} rows ({time.perf_counter() - started:.0f} s)", flush=True)
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('cases_case', 'id'), "
                "(SELECT MAX(id) FROM cases_case))"
            )
            for day, last in cursor.execute(
                "SELECT (created_at AT TIME ZONE %s)::date, COUNT(*) FROM cases_case GROUP BY 1",
                [str(timezone.get_current_timezone())],
            ).fetchall():
                serials[day] = last
            cursor.execute("DELETE FROM cases_casecounter")
            with cursor.copy("COPY cases_casecounter (day, last) FROM STDIN") as copy:
                for day, last in serials.items():
                    copy.write_row((day, last))
        conn.commit()
    return time.perf_counter() - started, serials


# ---------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument(
        "--keep", action="store_true", help="reuse the cases and rollups of an earlier run"
    )
    args = parser.parse_args()
    setup_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from gridgov.cases.models import Case
    from gridgov.demo import load_demo
    from gridgov.metrics import figures, rankings, rollup
    from gridgov.metrics.figures import Scope, Span
    from gridgov.metrics.measures import MEASURES
    from gridgov.metrics.models import CaseRollup
    from gridgov.regions import codes
    from gridgov.regions.models import Region

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    load_demo(log=lambda *_: None, cases=0)
    print(
        f"county loaded (migrate + demo county without cases): {time.perf_counter() - started:.1f} s"
    )
    county = Region.objects.get(path=COUNTY)
    have = Case.objects.count()
    if args.keep and have == args.cases and CaseRollup.objects.exists():
        print(f"--keep: reusing {have:,} cases and {CaseRollup.objects.count():,} rollup rows")
    else:
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE cases_case, metrics_caserollup, cases_casecounter CASCADE")
        print(f"generating and loading {args.cases:,} cases (COPY) into {args.database_url}")
        seconds, _serials = load(args.database_url, County(), args.cases)
        print(
            f"load    {args.cases:>10,} cases in {seconds:6.1f} s ({args.cases / seconds:,.0f}/s)"
        )
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE cases_case")
        written = rollup.rebuild(source="rows")
        rebuilt = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE metrics_caserollup")
        print(f'rollups {written:>10,} rows  in {rebuilt:6.1f} s (rebuild(source="rows"))')

    today = timezone.localdate()
    last = today.replace(day=1) - dt.timedelta(days=1)
    month = Span.month(last.year, last.month)
    months = (month, month.previous())
    scope = Scope(region=COUNTY)
    tz = timezone.get_current_timezone()
    upper = codes.next_prefix(COUNTY)
    in_month = Case.objects.filter(
        created_at__gte=dt.datetime.combine(month.start, dt.time.min, tzinfo=tz),
        created_at__lt=dt.datetime.combine(
            month.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz
        ),
    ).count()
    rollup_rows = CaseRollup.objects.filter(day__gte=month.start, day__lte=month.end).count()
    print(
        f"\n{county.name}, {month.label}: {in_month:,} cases received, {rollup_rows:,} rollup "
        f"rows; {Case.objects.count():,} cases and {CaseRollup.objects.count():,} rollup rows "
        "in all"
    )

    def baseline():
        result = []
        with connection.cursor() as cursor:
            for span in months:
                start = dt.datetime.combine(span.start, dt.time.min, tzinfo=tz)
                end = dt.datetime.combine(span.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
                cursor.execute(BASELINE_SQL, [start, end, COUNTY, upper])
                names = [c.name for c in cursor.description]
                result.append(dict(zip(names, (int(v) for v in cursor.fetchone()), strict=True)))
        return result

    def ours():
        return figures.compute(scope, month)

    ours_ms, values = median_ms(ours, args.repeat)
    base_ms, (this, before) = median_ms(baseline, args.repeat)

    # identical numbers: the sums of both months, and every figure shown
    for span, plain in zip(months, (this, before), strict=True):
        summed = figures.sums(scope, span)
        if summed != {m: plain[m] for m in MEASURES}:
            diff = {m: (summed[m], plain[m]) for m in MEASURES if summed[m] != plain[m]}
            raise SystemExit(f"MISMATCH {span.label}: ours vs baseline {diff}")
    expected = figures.values_from(this, previous=before)
    for got, want in zip(values, expected, strict=True):
        if (got.numerator, got.denominator, got.value, got.previous.value) != (
            want.numerator,
            want.denominator,
            want.value,
            want.previous.value,
        ):
            raise SystemExit(f"MISMATCH {got.figure.key}: {got} vs {want}")
    shown = ", ".join(f"{v.figure.name} {v.text}" for v in values[:5])
    print(f"identical numbers ({len(values)} figures × 2 months): {shown} …")

    rank_ms, ranking = median_ms(lambda: rankings.rank("township", county, month), args.repeat)

    print()
    print(
        f"ours      {ours_ms:8.1f} ms  figures.compute: {len(values)} figures with links, "
        f"{month.label} and the month before, from the rollups (median of {args.repeat})"
    )
    print(
        f"baseline  {base_ms:8.1f} ms  one COUNT(*) FILTER aggregate per month over cases_case, "
        "the same two months"
    )
    print(f"ratio     {ours_ms / base_ms:8.2f}x the time of the plain aggregates")
    verdict = "yes" if ours_ms < 200 else "NO"
    print(f"under 200 ms: {verdict} ({ours_ms:.1f} ms)")
    print(
        f'ranking   {rank_ms:8.1f} ms  rankings.rank("township", {county.name}, {month.label}): '
        f"{len(ranking.rows)} townships"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
