"""Benchmark the three rates over many cases, and routing (points → grids, one case's routing).

Usage:
    .venv/bin/python bench/bench_cases_rates.py [--cases 1000000] [--points 1000000]
    DATABASE_URL=postgres://… .venv/bin/python bench/bench_cases_rates.py   # PostgreSQL

Uses its own data directory (/tmp/shanzhi-bench-rates, wiped) and, on SQLite, its own
database file; on PostgreSQL the database named in DATABASE_URL is migrated and its cases
table is filled (use a throw-away database). Steps:
1. migrate, load the demo organisation (143 generated grids) and the demo taxonomy;
2. insert N synthetic cases with call-backs in raw batches (timed but not the point);
3. time `selectors.overall` and `selectors.rates_by` for every dimension (3 runs, best/median);
4. time `GridLocator.locate_many_index` on 1,000,000 random points over the street;
5. time the routing of single cases (`router.route`: point in grid + classifier) — p50/p99.
Prints one line per measure and peak RSS.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = Path(os.environ.setdefault("SHANZHI_DATA_DIR", "/tmp/shanzhi-bench-rates"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shanzhi.settings")
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"


def main() -> None:
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--keep", action="store_true", help="reuse the database of a previous run")
    args = ap.parse_args()
    from synthetic_cases import prepare

    prepare(DATA, keep=args.keep, cases=args.cases, prefix="BR")
    import random
    import resource
    import statistics

    import numpy as np
    from django.utils import timezone

    from shanzhi.cases import router, selectors
    from shanzhi.cases.models import Case
    from shanzhi.orgs.selectors import grid_locator

    total = Case.objects.count()
    print(f"cases in the table: {total:,}")

    qs = Case.objects.all()

    def timeit(label, fn, runs=3):
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            out = fn()
            times.append((time.perf_counter() - t) * 1000)
        print(f"{label:<40} best {min(times):8.1f} ms   median {statistics.median(times):8.1f} ms")
        return out

    o = timeit("three rates, overall", lambda: selectors.overall(qs))
    print(
        f"    valid {o['valid']:,}: response {o['response']:.3f} resolution {o['resolution']:.3f} "
        f"satisfaction {o['satisfaction']:.3f} composite {o['composite']:.3f}"
    )
    for dim in selectors.DIMENSIONS:
        rows = timeit(f"three rates by {dim}", lambda dim=dim: selectors.rates_by(qs, dim))
        print(f"    {len(rows)} rows")
    year = timezone.now().year - 1
    timeit(
        f"three rates by community, year {year}",
        lambda: selectors.rates_by(qs.filter(received_at__year=year), "community"),
    )

    # Routing: points → grids (vectorised).
    loc = grid_locator()
    rng = np.random.default_rng(0)
    lon = rng.uniform(113.31, 113.40, args.points)
    lat = rng.uniform(22.48, 22.56, args.points)
    loc.locate_many_index(lon[:1000], lat[:1000])
    t = time.perf_counter()
    idx = loc.locate_many_index(lon, lat)
    dt = time.perf_counter() - t
    print(
        f"point in grid: {args.points:,} points in {dt * 1000:.0f} ms = {args.points / dt:,.0f} points/s "
        f"({(idx >= 0).mean() * 100:.0f}% inside a grid)"
    )

    # One case: location + text routing (the classifier trained on the demo cases if present).
    if router.classifier("department") is None:
        # Train one on generated demo texts (as load_demo does), so the full path is measured.
        from shanzhi.cases.demo_data import TAXONOMY, make_text
        from shanzhi.cases.models import RoutingModel
        from shanzhi.cases.routing.classifier import TextClassifier

        r = random.Random(3)
        pairs = [(make_text(r, r.choice(sub[-1])), sub[2]) for _t, _n, ss in TAXONOMY for sub in ss for _ in range(60)]
        model = TextClassifier.train([t for t, _ in pairs], [d for _, d in pairs])
        RoutingModel.objects.create(target="department", samples=len(pairs), labels=[], data=model.to_bytes())
        router.clear_caches()
        print(f"trained a routing model on {len(pairs)} generated texts")
    texts = [
        "小区门口垃圾堆积多日无人清理",
        "楼下餐馆油烟直排",
        "路灯不亮很危险",
        "公司拖欠工资三个月",
        "咨询社保怎么交",
    ]
    for i in range(50):  # warm up (jieba's dictionary, caches)
        router.route(text=texts[i % len(texts)], longitude=float(lon[i]), latitude=float(lat[i]))
    lat_ms = []
    for i in range(2000):
        t = time.perf_counter()
        router.route(text=texts[i % len(texts)], longitude=float(lon[i]), latitude=float(lat[i]))
        lat_ms.append((time.perf_counter() - t) * 1000)
    lat_ms.sort()
    print(
        f"route one case (point + keyword rules + classifier): p50 {lat_ms[1000]:.2f} ms, "
        f"p99 {lat_ms[int(len(lat_ms) * 0.99)]:.2f} ms"
    )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:.0f} MB")


if __name__ == "__main__":
    main()
