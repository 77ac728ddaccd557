"""Case creation throughput on PostgreSQL, against plain INSERTs of the same rows.

    python bench/cases.py [--cases 100000] [--database-url postgres://postgres@127.0.0.1/gridgov_bench]

Ours: ``submit_case`` for every case, one transaction each, as a hotline bridge or the API
would call it: locate the point to a grid, look up the item and its current version, route to
the centre at the item's level, number the case, compute the due time on the working-day
calendar, write the case, its reporter and its first event, flag duplicates and notify the
centre. Baseline, in the same run: the very rows ours wrote (case, reporter, event), inserted
again with one plain parameterised INSERT each, one transaction per case, into copies of the
tables. The ratio is the price of everything the service does beyond storing the rows.
"""

from __future__ import annotations

import argparse
import random
import sys
import time

from pgbench_setup import setup_django


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/gridgov_bench"
    )
    parser.add_argument("--fresh", action="store_true", help="drop earlier bench cases first")
    args = parser.parse_args()
    setup_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection, transaction
    from shapely.geometry import shape

    from gridgov.cases import demo_texts
    from gridgov.cases.models import Case, CaseEvent, CaseReporter, Item
    from gridgov.cases.services import submit_case
    from gridgov.demo import load_demo
    from gridgov.regions.models import Region

    call_command("migrate", verbosity=0)
    load_demo(log=lambda *_: None, cases=0)
    if args.fresh:
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE cases_case, cases_caseevent, cases_casereporter, "
                "cases_assignment, cases_notification, cases_duplicatesuspicion, "
                "cases_attachment, cases_casecounter CASCADE"
            )
    rng = random.Random(7)
    items = list(Item.objects.filter(is_active=True))
    grids = list(
        Region.objects.filter(level="grid", path__startswith="220283").values_list(
            "path", "name", "geometry"
        )
    )
    points = {}
    for path, _name, geometry in grids:
        p = shape(geometry).representative_point()
        points[path] = (p.x, p.y)
    names = dict(
        Region.objects.filter(level__in=["village", "township"]).values_list("path", "name")
    )
    inputs = []
    for _ in range(args.cases):
        item = rng.choice(items)
        path = rng.choice(grids)[0]
        title, description = demo_texts.case_text(
            item.code, rng, village=names[path[:12]], township=names[path[:9]]
        )
        lng, lat = points[path]
        inputs.append(
            {
                "channel": rng.choice(["hotline", "app", "walk_in", "open311"]),
                "title": title,
                "description": description,
                "item": item,
                "lng": lng + rng.uniform(-1e-4, 1e-4),
                "lat": lat + rng.uniform(-1e-4, 1e-4),
                "reporter_name": demo_texts.reporter_name(rng),
                "reporter_phone": demo_texts.reporter_phone(rng),
            }
        )
    before = Case.objects.count()
    print(f"{args.cases:,} cases into {args.database_url} ({before:,} already there)")

    # --- ours ------------------------------------------------------------------------------
    started = time.perf_counter()
    tick, marks = started, []
    for i, fields in enumerate(inputs, start=1):
        submit_case(**fields)
        if i % 10_000 == 0 or i == len(inputs):
            now = time.perf_counter()
            marks.append((i, (min(i, 10_000) if i % 10_000 == 0 else i % 10_000) / (now - tick)))
            tick = now
            print(f"  ours: {i:>7,} cases, last block {marks[-1][1]:,.0f}/s", flush=True)
    ours = time.perf_counter() - started
    created = Case.objects.filter(
        pk__gt=Case.objects.order_by("pk")[before].pk - 1 if before else 0
    ).order_by("pk")

    # --- baseline: the same rows, plain INSERTs ---------------------------------------------
    tables = {
        "case": Case._meta.db_table,
        "reporter": CaseReporter._meta.db_table,
        "event": CaseEvent._meta.db_table,
    }
    with connection.cursor() as cursor:
        for key, table in tables.items():
            cursor.execute(f"DROP TABLE IF EXISTS bench_{key}")
            cursor.execute(
                f"CREATE TABLE bench_{key} (LIKE {table} INCLUDING DEFAULTS INCLUDING INDEXES)"
            )

    def rows(model, queryset):
        columns = [f.column for f in model._meta.concrete_fields]
        return columns, list(
            queryset.values_list(*[f.attname for f in model._meta.concrete_fields])
        )

    ids = list(created.values_list("pk", flat=True))
    case_cols, case_rows = rows(Case, Case.objects.filter(pk__in=ids).order_by("pk"))
    rep_cols, rep_rows = rows(
        CaseReporter, CaseReporter.objects.filter(case_id__in=ids).order_by("case_id")
    )
    ev_cols, ev_rows = rows(
        CaseEvent, CaseEvent.objects.filter(case_id__in=ids).order_by("case_id", "seq")
    )
    import json

    def adapt(values):
        return [json.dumps(v) if isinstance(v, dict | list) else v for v in values]

    def insert_sql(key, cols):
        return (
            f"INSERT INTO bench_{key} ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})"  # noqa: S608 - our own table and column names
        )

    case_sql, rep_sql, ev_sql = (
        insert_sql("case", case_cols),
        insert_sql("reporter", rep_cols),
        insert_sql("event", ev_cols),
    )
    events_by_case: dict[int, list[tuple]] = {}
    case_index = case_cols.index("id")
    ev_case = ev_cols.index("case_id")
    for row in ev_rows:
        events_by_case.setdefault(row[ev_case], []).append(row)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for case_row, rep_row in zip(case_rows, rep_rows, strict=True):
            with transaction.atomic():
                cursor.execute(case_sql, adapt(case_row))
                cursor.execute(rep_sql, adapt(rep_row))
                for ev_row in events_by_case.get(case_row[case_index], []):
                    cursor.execute(ev_sql, adapt(ev_row))
    baseline = time.perf_counter() - started
    with connection.cursor() as cursor:
        for key in tables:
            cursor.execute(f"DROP TABLE bench_{key}")

    n = len(case_rows)
    print()
    print(
        f"ours      {n / ours:10,.0f} cases/s  ({ours:.1f} s; blocks of 10,000: "
        f"{min(r for _, r in marks):,.0f}–{max(r for _, r in marks):,.0f}/s)"
    )
    print(
        f"baseline  {n / baseline:10,.0f} cases/s  ({baseline:.1f} s: plain INSERT of the "
        "same case, reporter and event rows, one transaction per case)"
    )
    print(f"ratio     {ours / baseline:10.2f}x the time of the plain INSERTs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
