"""Benchmark GridIndex.locate_many against a plain shapely STRtree query.

Usage: PYTHONPATH=src python bench/locate.py [--points N] [--seed S]

Builds the 舒兰市 (220283) demo tessellation (1,483 grids), draws N uniform
random points in the county's bounding box and times both lookups; prints
points per second, the speed-up and the number of points whose answers differ
(must be 0). Exits 1 on any mismatch.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import numpy.typing as npt
import shapely

from gridgov.regions.geo import load_county_boundary
from gridgov.regions.locate import GridIndex
from gridgov.regions.tessellate import example_spec, tessellate

COUNTY = "220283"


def baseline_locate(
    tree: shapely.STRtree, count: int, x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]
) -> npt.NDArray[np.intp]:
    """The straightforward way: STRtree query with an intersects predicate."""
    points = shapely.points(x, y)
    point_at, geom_at = tree.query(points, predicate="intersects")
    result = np.full(len(x), count, dtype=np.intp)
    np.minimum.at(result, point_at, geom_at)  # lowest index on shared borders
    result[result == count] = -1
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000, help="number of points")
    parser.add_argument("--seed", type=int, default=20240601, help="random seed")
    parser.add_argument("--repeat", type=int, default=3, help="timing runs (best is kept)")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    boundary = load_county_boundary(COUNTY)
    loaded = time.perf_counter()
    spec = example_spec(COUNTY)
    cells = tessellate(boundary, spec)
    tessellated = time.perf_counter()
    codes = [grid.code for grid in spec.leaves()]
    geoms = [cells[code] for code in codes]
    index = GridIndex(codes, geoms)
    indexed = time.perf_counter()
    tree = shapely.STRtree(np.array(geoms, dtype=object))
    villages = sum(len(township.children) for township in spec.children)
    print(
        f"county {COUNTY}: {len(spec.children)} townships, {villages} villages, {len(codes)} grids"
    )
    print(f"load outline      {loaded - started:7.3f} s")
    print(f"tessellate        {tessellated - loaded:7.3f} s")
    print(f"build GridIndex   {indexed - tessellated:7.3f} s")

    rng = np.random.default_rng(args.seed)
    xmin, ymin, xmax, ymax = boundary.bounds
    x = rng.uniform(xmin, xmax, args.points)
    y = rng.uniform(ymin, ymax, args.points)

    def best_of(run: object) -> tuple[float, npt.NDArray[np.intp]]:
        best = float("inf")
        answer = np.empty(0, dtype=np.intp)
        for _ in range(max(args.repeat, 1)):
            tic = time.perf_counter()
            answer = run()  # type: ignore[operator]
            best = min(best, time.perf_counter() - tic)
        return best, answer

    fast_time, fast = best_of(lambda: index.locate_many(x, y))
    base_time, base = best_of(lambda: baseline_locate(tree, len(codes), x, y))
    mismatches = int(np.count_nonzero(fast != base))
    inside = int(np.count_nonzero(base >= 0))
    print(f"points            {args.points:,} ({inside:,} inside a grid)")
    print(f"GridIndex         {args.points / fast_time:14,.0f} points/s ({fast_time:.3f} s)")
    print(f"STRtree baseline  {args.points / base_time:14,.0f} points/s ({base_time:.3f} s)")
    print(f"speed-up          {base_time / fast_time:7.1f}x")
    print(f"mismatches        {mismatches}")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
