"""Benchmark bulk import of cases (`shanzhi.cases.services.cases_import`).

Usage:
    .venv/bin/python bench/bench_cases_import.py [--cases 100000] [--batch 2000]
    DATABASE_URL=postgres://… .venv/bin/python bench/bench_cases_import.py   # PostgreSQL

Fresh data directory (/tmp/shanzhi-bench-import; on PostgreSQL the database in DATABASE_URL,
use a throw-away one) with the demo organisation (143 grids) and the demo taxonomy. Generates
N rows like a hotline export (text, sub-category code, nature, point in the street, phone,
received time) and imports them in one all-or-nothing call: validation, vectorised point in
grid, category → department, deadlines on working days, bulk insert of cases and their
"received" timeline events. Prints rows/s for the whole call and peak RSS. Also times reading
the same rows from an .xlsx file (core.excel.read_table), which the import page does first.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = Path(os.environ.setdefault("SHANZHI_DATA_DIR", "/tmp/shanzhi-bench-import"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shanzhi.settings")


def main() -> None:
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=2000)
    ap.add_argument("--xlsx-rows", type=int, default=20_000, help="rows for the .xlsx reading measure (0: skip)")
    args = ap.parse_args()
    from synthetic_cases import prepare

    prepare(DATA)
    import io
    import random
    import resource

    from django.db import connection

    from shanzhi.cases.demo_data import TAXONOMY, make_text
    from shanzhi.cases.models import Case
    from shanzhi.cases.services import cases_import
    from shanzhi.core.excel import build_xlsx, read_table

    rng = random.Random(7)
    subs = [(code, nature, tpl) for _t, _n, ss in TAXONOMY for (code, _nm, _d, nature, _days, _k, tpl) in ss]
    rows = []
    for i in range(args.cases):
        code, nature, tpl = rng.choice(subs)
        rows.append(
            {
                "description": make_text(rng, rng.choice(tpl)),
                "category": code if rng.random() < 0.9 else "",
                "nature": nature,
                "longitude": f"{113.357 + rng.uniform(-0.025, 0.025):.6f}",
                "latitude": f"{22.519 + rng.uniform(-0.025, 0.025):.6f}",
                "reporter_phone": f"139{i:08d}",
                "received_at": f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} {rng.randint(8, 20):02d}:15",
            }
        )
    before = Case.objects.count()
    t = time.perf_counter()
    n = cases_import(rows=rows, actor=None, batch_size=args.batch)
    dt = time.perf_counter() - t
    assert Case.objects.count() == before + n
    print(
        f"{connection.vendor}: imported {n:,} cases in {dt:.2f} s = {n / dt:,.0f} cases/s "
        f"(validation, routing, deadlines, cases + timeline rows)"
    )
    from shanzhi.cases import bulk

    print("phases: " + ", ".join(f"{k} {v:.2f} s" for k, v in bulk.last_timings.items()))
    if args.xlsx_rows:
        head = list(rows[0])
        data = build_xlsx(head, ([r[h] for h in head] for r in rows[: args.xlsx_rows]))
        f = io.BytesIO(data)
        f.name = "cases.xlsx"
        t = time.perf_counter()
        table = read_table(f)
        dt = time.perf_counter() - t
        print(f"reading {len(table):,} rows from .xlsx: {dt:.2f} s = {len(table) / dt:,.0f} rows/s")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
