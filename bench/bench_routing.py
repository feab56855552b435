"""Benchmark point-in-grid location (shanzhi.orgs.geo.GridLocator).

Usage: .venv/bin/python bench/bench_routing.py [--points 1000000] [--seed 0]

Builds a jittered 12 x 13 tiling (156 quadrilateral grids) over ~25 km² around
22.519 N, 113.357 E, then times ``locate_many`` on random points (the sampling box is
the grids' extent padded by 5 % per side, so about a fifth of the points fall outside
every grid), single ``locate`` latency, and the shapely.points +
STRtree reference path for comparison. Results are checked against each other.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import math
import platform
import resource
import sys
import time
from pathlib import Path

import numpy as np
from shapely.geometry import Polygon

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shanzhi.orgs.geo import GridLocator, area_km2, find_overlaps

LON0, LAT0 = 113.357, 22.519


def make_grids(nx: int = 12, ny: int = 13, side_km: float = 5.0, seed: int = 0) -> list[Polygon]:
    rng = np.random.default_rng(seed)
    dx = side_km / (111.32 * math.cos(math.radians(LAT0))) / nx
    dy = side_km / 110.57 / ny
    xs = LON0 - nx * dx / 2 + np.arange(nx + 1) * dx
    ys = LAT0 - ny * dy / 2 + np.arange(ny + 1) * dy
    gx, gy = np.meshgrid(xs, ys)
    # Jitter shared corners (not per polygon), so the tiling stays gap- and overlap-free.
    gx = gx + rng.uniform(-0.25, 0.25, gx.shape) * dx
    gy = gy + rng.uniform(-0.25, 0.25, gy.shape) * dy
    polys = []
    for j in range(ny):
        for i in range(nx):
            corners = [(j, i), (j, i + 1), (j + 1, i + 1), (j + 1, i)]
            polys.append(Polygon([(gx[c], gy[c]) for c in corners]))
    return polys


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    print(f"date {time.strftime('%Y-%m-%d %H:%M %Z')}  python {platform.python_version()}")
    print(f"machine {platform.machine()} nproc {os.cpu_count()}")

    polys = make_grids(seed=args.seed)
    total = sum(area_km2(p) for p in polys)
    print(f"{len(polys)} grids, {total:.2f} km², overlaps: {len(find_overlaps(list(enumerate(polys))))}")

    t0 = time.perf_counter()
    loc = GridLocator([(1000 + i, p) for i, p in enumerate(polys)])
    print(f"GridLocator build {1000 * (time.perf_counter() - t0):.1f} ms")

    rng = np.random.default_rng(args.seed + 1)
    minx, miny, maxx, maxy = np.array([p.bounds for p in polys]).T
    pad_x = (maxx.max() - minx.min()) * 0.05
    pad_y = (maxy.max() - miny.min()) * 0.05
    lons = rng.uniform(minx.min() - pad_x, maxx.max() + pad_x, args.points)
    lats = rng.uniform(miny.min() - pad_y, maxy.max() + pad_y, args.points)

    best = math.inf
    for _ in range(5):
        t0 = time.perf_counter()
        ids = loc.locate_many(lons, lats)
        best = min(best, time.perf_counter() - t0)
    print(
        f"locate_many (raster index): {args.points:,} points in {best * 1000:.0f} ms "
        f"= {args.points / best:,.0f} points/s (best of 5), outside: {(ids == -1).mean():.1%}"
    )

    t0 = time.perf_counter()
    ref = loc.locate_many_strtree(lons, lats)
    dt = time.perf_counter() - t0
    print(f"locate_many_strtree (shapely.points + STRtree.query): {args.points / dt:,.0f} points/s")
    same = np.array_equal(loc.locate_many_index(lons, lats), ref)
    print(f"raster == STRtree reference on all points: {same}")

    n_single = 20_000
    lat_s = np.empty(n_single)
    for k in range(n_single):
        t0 = time.perf_counter()
        got = loc.locate(lons[k], lats[k])
        lat_s[k] = time.perf_counter() - t0
        if (got if got is not None else -1) != ids[k]:
            print(f"MISMATCH at {k}: locate={got} locate_many={ids[k]}")
            return 1
    us = lat_s * 1e6
    print(
        f"single locate: p50 {np.percentile(us, 50):.1f} µs, p99 {np.percentile(us, 99):.1f} µs, "
        f"max {us.max():.0f} µs ({n_single:,} calls, all equal to locate_many)"
    )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:.0f} MB")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
