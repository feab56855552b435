"""Benchmark the cockpit with millions of cases: bulk insert, rollup build, each widget.

Usage:
    .venv/bin/python bench/bench_cockpit.py [--cases 5000000] [--runs 20] [--keep]
    DATABASE_URL=postgres://user@127.0.0.1:55433/bench .venv/bin/python bench/bench_cockpit.py

Uses its own data directory (/tmp/shanzhi-bench-cockpit, wiped unless --keep) and, on SQLite,
its own database file; on PostgreSQL the database named in DATABASE_URL is migrated and filled
(use a throw-away database). Steps:
1. migrate, load the demo organisation (9 communities, 143 grids, 19 departments) and taxonomy;
2. insert N synthetic cases over four years, in time order (SQLite: executemany in batches of
   20,000; PostgreSQL: COPY), with call-backs, overdue and open cases;
3. build the monthly rollup from scratch (`cockpit.rollup.rebuild`), then time an incremental
   refresh with nothing changed (`rollup.refresh`: the scan for changed cases);
4. time every cockpit widget for a leader (whole street), a community secretary and a
   department: median and p95 of --runs runs each (target ≤ 300 ms).
Prints one line per measure.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = Path(os.environ.setdefault("SHANZHI_DATA_DIR", "/tmp/shanzhi-bench-cockpit"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shanzhi.settings")


def timed(func, runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        func()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]


def main() -> None:
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=5_000_000)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--keep", action="store_true", help="reuse the database of a previous run")
    args = ap.parse_args()
    from synthetic_cases import prepare

    prepare(DATA, keep=args.keep, cases=args.cases, prefix="BC")
    from django.utils import timezone

    from shanzhi.accounts.models import Role, User
    from shanzhi.cases.models import Case
    from shanzhi.cockpit import rollup, selectors
    from shanzhi.cockpit.models import CaseStat
    from shanzhi.orgs.models import Community, Department
    from shanzhi.testing.factories import make_user

    print(f"cases in the table: {Case.objects.count():,}", flush=True)

    t0 = time.perf_counter()
    result = rollup.rebuild()
    print(
        f"rollup rebuild: {time.perf_counter() - t0:.1f} s ({result['months']} months, {result['rows']:,} rows; "
        f"{CaseStat.objects.count():,} rollup rows)",
        flush=True,
    )
    t0 = time.perf_counter()
    rollup.refresh()
    print(
        f"rollup refresh (nothing changed, current month recomputed): {(time.perf_counter() - t0) * 1000:.0f} ms",
        flush=True,
    )

    users = {}
    for role, kw in (
        ("leader", {}),
        ("community", {"community": Community.objects.order_by("code").first()}),
        ("dept", {"department": Department.objects.order_by("code").first()}),
    ):
        users[role] = User.objects.filter(username=f"bench-{role}").first() or make_user(
            f"bench-{role}", getattr(Role, role.upper()), **kw
        )
    today = timezone.localdate()
    print(f"{'widget':<12} {'role':<10} {'median ms':>10} {'p95 ms':>8}")
    for role, user in users.items():
        for w in selectors.WIDGETS:
            if w.name not in ("cases", "rates", "map"):
                continue  # the others read the plan / project / dispute tables, not the cases
            viewer = User.objects.get(pk=user.pk)  # fresh scope cache per role
            med, p95 = timed(lambda w=w, viewer=viewer: w.func(viewer, today), args.runs)
            print(f"{w.name:<12} {role:<10} {med:>10.1f} {p95:>8.1f}", flush=True)
        med, p95 = timed(lambda user=user: selectors.map_geojson(user, today), args.runs)
        print(f"{'map.json':<12} {role:<10} {med:>10.1f} {p95:>8.1f}", flush=True)


if __name__ == "__main__":
    main()
