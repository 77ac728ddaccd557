"""Importing people from xlsx on PostgreSQL, against a plain COPY of the same rows.

    python bench/registry_import.py [--rows 1000000]
        [--database-url postgres://postgres@127.0.0.1:5432/gridgov_bench_registry]

Set-up (not compared): migrate, load the demo county (舒兰市) without cases, empty the people
and change-log tables, and write ``--rows`` valid people (unique resident ID numbers with their
check characters, phones, choices as Chinese labels, a building of the county each) into an
xlsx file with openpyxl's write-only mode, kept under /tmp and reused by later runs.

Measured, each in a fresh process so that its peak memory (``ru_maxrss``) is its own:

* ours: ``imports.run_import`` of the xlsx as the county operator — stream the sheet, clean
  every row (ID checksum and birth date, phone, choices), encrypt and hash the ID number and
  phone, resolve the building inside the jurisdiction, check duplicates in the file and
  against the register, ``bulk_create`` in batches of 2,000 in one transaction, and one
  ``RegistryChange`` per person;
* for scale, the same xlsx only read (openpyxl read-only ``iter_rows``, nothing done with the
  rows);
* baseline: the very rows ours wrote to ``registry_person`` (already encrypted, hashed,
  resolved), exported as CSV and loaded again with one ``COPY`` into a copy of the table with
  the same indexes; and with the change-log rows as well.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pgbench_setup import setup_django

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/gridgov_bench_registry"
COUNTY = "220283"
DAYS = 29_000  # birth dates over some 79 years from 1930
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "建国秀兰桂英玉梅志强海燕丽娟春华明军淑珍凤霞德福宝山金凤红梅晓东立新振华"
FILE_VERSION = 1


def rss_mb() -> float:
    """Peak resident memory of this process so far, in MB: ``VmHWM`` of /proc/self/status, the
    high-water mark of this process's own memory. (``ru_maxrss`` is the fallback elsewhere: on
    Linux it survives ``execve`` and so reports the parent's peak in a fresh child.)"""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def person_rows(count: int, buildings: list[str]):
    """``count`` valid rows of the people template, deterministic."""
    from gridgov.registry.imports.columns import columns_of
    from gridgov.registry.validators import id_check_char

    rng = random.Random(20261102)
    born0 = dt.date(1930, 1, 1)
    kinds = ["户籍人口"] * 8 + ["流动人口"] * 2
    statuses = ["人户同在"] * 8 + ["户在人不在", "人在户不在"]
    relations = ["户主", "配偶", "子女", "子女", "父母", "孙子女"]
    yield [column.title for column in columns_of("people")]
    for i in range(count):
        birth = born0 + dt.timedelta(days=i % DAYS)
        order, sex = i // DAYS, rng.randrange(10)
        first17 = f"{COUNTY}{birth:%Y%m%d}{order:02d}{sex}"
        building = buildings[rng.randrange(len(buildings))]
        yield [
            rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2))),
            "居民身份证",
            first17 + id_check_char(first17),
            "男" if sex % 2 else "女",
            birth.isoformat(),
            f"13{i:09d}",
            "汉族" if rng.random() < 0.9 else "满族",
            "吉林省舒兰市",
            rng.choice(kinds),
            rng.choice(statuses),
            f"{building[-9:]}{rng.randrange(100):02d}",
            rng.choice(relations),
            "是" if rng.random() < 0.07 else "否",
            "",
            building,
            "",
            "",
            "",
        ]


def make_file(path: Path, count: int, buildings: list[str]) -> float:
    from openpyxl import Workbook

    started = time.perf_counter()
    book = Workbook(write_only=True)
    sheet = book.create_sheet("实有人口")
    for n, row in enumerate(person_rows(count, buildings)):
        sheet.append(row)
        if n and n % 100_000 == 0:
            print(f"  written {n:,} rows", flush=True)
    partial = path.with_suffix(".partial")
    book.save(partial)
    partial.rename(path)
    return time.perf_counter() - started


# -- phases run in their own process ------------------------------------------------------------


def phase_import(path: Path) -> dict[str, object]:
    from gridgov.accounts.models import User
    from gridgov.registry.imports import run_import

    user = User.objects.get(username="county_op")
    before = rss_mb()
    cpu = cpu_seconds()
    started = time.perf_counter()
    with path.open("rb") as stream:
        result = run_import(actor=user, kind="people", stream=stream, filename=path.name)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "cpu": cpu_seconds() - cpu,
        "ok": result.ok,
        "rows": result.rows,
        "imported": result.imported,
        "errors": [f"{e.row} {e.column} {e.message}" for e in result.errors[:5]],
        "rss_before_mb": before,
        "rss_peak_mb": rss_mb(),
    }


def phase_parse(path: Path) -> dict[str, object]:
    from openpyxl import load_workbook

    before = rss_mb()
    cpu = cpu_seconds()
    started = time.perf_counter()
    book = load_workbook(path, read_only=True, data_only=True)
    rows = sum(1 for _ in book.worksheets[0].iter_rows(values_only=True)) - 1
    book.close()
    return {
        "seconds": time.perf_counter() - started,
        "cpu": cpu_seconds() - cpu,
        "rows": rows,
        "rss_before_mb": before,
        "rss_peak_mb": rss_mb(),
    }


def run_phase(name: str, args: argparse.Namespace, path: Path) -> dict[str, object]:
    command = [sys.executable, __file__, "--phase", name, "--file", str(path)]
    command += ["--database-url", args.database_url, "--rows", str(args.rows)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)  # noqa: S603
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- baseline -----------------------------------------------------------------------------------


def copy_baseline(url: str, table: str, scratch: str, csv_path: Path) -> tuple[int, float]:
    """Export ``table`` as CSV, then time one COPY of it into a fresh copy of the table."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        with (
            csv_path.open("wb") as out,
            conn.cursor().copy(
                f"COPY {table} TO STDOUT (FORMAT csv)"  # our own table names
            ) as copy,
        ):
            for data in copy:
                out.write(data)
        conn.execute(f"DROP TABLE IF EXISTS {scratch}")
        conn.execute(f"CREATE TABLE {scratch} (LIKE {table} INCLUDING ALL)")
    with psycopg.connect(url) as conn:
        started = time.perf_counter()
        with (
            csv_path.open("rb") as source,
            conn.cursor().copy(f"COPY {scratch} FROM STDIN (FORMAT csv)") as copy,
        ):
            while chunk := source.read(1 << 20):
                copy.write(chunk)
        conn.commit()
        seconds = time.perf_counter() - started
        (rows,) = conn.execute(f"SELECT count(*) FROM {scratch}").fetchone()  # type: ignore[misc]  # noqa: S608
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP TABLE {scratch}")
    csv_path.unlink()
    return rows, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--phase", choices=["import", "parse"], help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    setup_django(args.database_url)

    if args.phase:
        path = Path(args.file)
        out = phase_import(path) if args.phase == "import" else phase_parse(path)
        print(json.dumps(out))
        return 0

    from django.core.management import call_command
    from django.db import connection

    from gridgov.demo import load_demo
    from gridgov.regions.models import Region
    from gridgov.registry.models import Person, RegistryChange

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    load_demo(log=lambda *_: None, cases=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE registry_person, registry_registrychange, registry_importjob CASCADE"
        )
    buildings = list(
        Region.objects.filter(level="building", path__startswith=COUNTY)
        .order_by("path")
        .values_list("code", flat=True)
    )
    print(f"set-up: {time.perf_counter() - started:.0f} s ({len(buildings):,} buildings)")

    path = Path(tempfile.gettempdir()) / f"gridgov-bench-people-{args.rows}-v{FILE_VERSION}.xlsx"
    if path.exists():
        print(f"file: {path} (cached, {path.stat().st_size / 1e6:.0f} MB)")
    else:
        print(f"writing {args.rows:,} people to {path} …", flush=True)
        seconds = make_file(path, args.rows, buildings)
        print(f"file: {path} ({path.stat().st_size / 1e6:.0f} MB, written in {seconds:.0f} s)")

    print("ours: run_import …", flush=True)
    ours = run_phase("import", args, path)
    if not ours["ok"]:
        print(f"the import was rejected: {ours['errors']}")
        return 1
    n = int(ours["imported"])  # type: ignore[call-overload]
    assert Person.objects.count() == n == args.rows
    assert RegistryChange.objects.filter(action="import").count() == n
    ours_s = float(ours["seconds"])  # type: ignore[arg-type]
    print(
        f"ours          {n / ours_s:10,.0f} rows/s  ({ours_s:.1f} s, {ours['cpu']:.1f} s CPU in "
        f"Python; peak RSS {ours['rss_peak_mb']:.0f} MB, {ours['rss_before_mb']:.0f} MB before "
        "the import)",
        flush=True,
    )
    parse = run_phase("parse", args, path)
    parse_s = float(parse["seconds"])  # type: ignore[arg-type]
    print(
        f"xlsx read     {n / parse_s:10,.0f} rows/s  ({parse_s:.1f} s, {parse['cpu']:.1f} s CPU: "
        f"openpyxl read-only alone; peak RSS {parse['rss_peak_mb']:.0f} MB)",
        flush=True,
    )
    work = Path(tempfile.gettempdir())
    _, copy_people = copy_baseline(
        args.database_url, "registry_person", "bench_person", work / "bench_person.csv"
    )
    print(
        f"COPY people   {n / copy_people:10,.0f} rows/s  ({copy_people:.1f} s: the same "
        "registry_person rows, already computed, one COPY)",
        flush=True,
    )
    _, copy_changes = copy_baseline(
        args.database_url,
        "registry_registrychange",
        "bench_change",
        work / "bench_change.csv",
    )
    both = copy_people + copy_changes
    print(f"COPY + log    {n / both:10,.0f} rows/s  ({both:.1f} s: and the change-log rows)")
    print(f"ratio         {ours_s / copy_people:10.1f}x the time of the COPY of the people")
    print(f"              {ours_s / both:10.1f}x the time of the COPY of people and change log")
    print(f"              {ours_s / parse_s:10.1f}x the time of reading the xlsx alone")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
