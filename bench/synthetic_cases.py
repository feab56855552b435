"""Set-up shared by the case benchmarks, and synthetic cases for the ones that need millions of
rows (cockpit, three rates).

`prepare()` gives a benchmark its database: a fresh data directory (SQLite; on PostgreSQL the
database in DATABASE_URL, use a throw-away one), migrated, with the demo organisation (143 grids)
and the demo taxonomy, and optionally topped up to N synthetic cases.

Rows go straight into `cases_case` as tuples (PostgreSQL COPY, SQLite executemany in batches
of 20,000), in reception order over the last `years` years, spread over the demo
organisation's grids, departments and sub-categories; about 97 % of older cases are closed,
70 % of closed cases have a valid call-back. Used by `bench_cockpit.py` and
`bench_cases_rates.py`; not part of the application.
"""

from __future__ import annotations

import datetime
import os
import random
import shutil
import time
from pathlib import Path

COLS = [
    "code", "kind", "source", "title", "description", "category_id", "nature", "status", "priority",
    "grid_id", "community_id", "department_id", "address", "received_at", "received_month", "deadline",
    "dispatched_at", "signed_on_time", "replied_at", "completed_on_time", "return_count", "rework_count",
    "reopen_count", "escalation_level", "supervised", "was_suspended", "suspended_from", "reply",
    "reporter_name", "reporter_phone", "origin_id", "routed_by", "routing_reason", "is_whistle",
    "callback_valid", "callback_contacted", "callback_resolved", "callback_satisfaction",
    "public_rating_comment", "is_generated", "created_at", "updated_at", "is_deleted", "version",
]  # fmt: skip
NATURES = ["help", "help", "complaint", "consultation", "suggestion", "report"]
SATISFACTION = ["satisfied", "satisfied", "satisfied", "basic", "unsatisfied"]


def rows(n: int, start_no: int, grids, depts, subs, now, *, years: int = 4, prefix: str = "BC"):
    """`n` case rows (tuples in COLS order), numbered from `start_no`, oldest first."""
    from shanzhi.cases.models import month_of

    rng = random.Random(start_no + 7)
    span = years * 365 * 86400
    start = now - datetime.timedelta(seconds=span)
    step = span / max(n, 1)
    for i in range(n):
        g, comm = rng.choice(grids)
        at = start + datetime.timedelta(seconds=int(i * step))
        recent = (now - at).days < 30
        closed = rng.random() < (0.5 if recent else 0.97)
        valid = closed and rng.random() < 0.7
        yield (
            f"{prefix}{start_no + i:012d}", "hotline", "import", "t", "bench", rng.choice(subs),
            rng.choice(NATURES), "closed" if closed else rng.choice(["dispatched", "in_progress", "replied"]), 2,
            g, comm, rng.choice(depts), "", at, month_of(at), at + datetime.timedelta(days=rng.choice([2, 10, 15])),
            at, rng.random() < 0.95, at if closed else None, (rng.random() < 0.9) if closed else None,
            int(rng.random() < 0.05), int(rng.random() < 0.03), 0, 0,
            rng.random() < 0.02, False, "", "", "", "", "", "category", "", False,
            valid, valid and rng.random() < 0.97, valid and rng.random() < 0.85,
            rng.choice(SATISFACTION) if valid else "",
            "", True, at, at, False, 1,
        )  # fmt: skip


def insert(n: int, have: int = 0, *, prefix: str = "BC") -> float:
    """Insert `n` synthetic cases after the `have` already there; returns the seconds taken."""
    from django.db import connection, transaction
    from django.utils import timezone

    from shanzhi.cases.models import Case, Category
    from shanzhi.orgs.models import Department, Grid

    grids = list(Grid.objects.values_list("pk", "community_id"))
    depts = list(Department.objects.values_list("pk", flat=True))
    subs = list(Category.objects.filter(parent__isnull=False).values_list("pk", flat=True))
    table = Case._meta.db_table
    generated = rows(n, have, grids, depts, subs, timezone.now(), prefix=prefix)
    t0 = time.perf_counter()
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            with cur.cursor.copy(f"COPY {table} ({', '.join(COLS)}) FROM STDIN") as copy:
                for row in generated:
                    copy.write_row(row)
            cur.execute(f"ANALYZE {table}")
    else:
        sql = f"INSERT INTO {table} ({', '.join(COLS)}) VALUES ({', '.join(['%s'] * len(COLS))})"
        with connection.cursor() as cur:  # the default 2 MB page cache thrashes on the indexes
            cur.execute("PRAGMA cache_size = -1000000")
        batch = []
        for row in generated:
            batch.append(row)
            if len(batch) == 20_000:
                with transaction.atomic(), connection.cursor() as cur:
                    cur.executemany(sql, batch)
                batch.clear()
        if batch:
            with transaction.atomic(), connection.cursor() as cur:
                cur.executemany(sql, batch)
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    return time.perf_counter() - t0


def prepare(data: Path, *, keep: bool = False, cases: int = 0, prefix: str = "BC") -> None:
    """Set Django up on a benchmark database and top it up to `cases` synthetic cases."""
    if not keep and not os.environ.get("DATABASE_URL"):
        shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True, exist_ok=True)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    from shanzhi.cases import demo as cases_demo
    from shanzhi.cases.models import Case
    from shanzhi.orgs import demo as orgs_demo
    from shanzhi.orgs.models import Grid

    if not Grid.objects.exists():
        orgs_demo.load()
    cases_demo._categories(None)
    print(f"database: {connection.vendor}; grids: {Grid.objects.count()}", flush=True)
    have = Case.objects.count()
    if have < cases:
        n = cases - have
        dt = insert(n, have, prefix=prefix)
        how = "COPY" if connection.vendor == "postgresql" else "executemany"
        print(f"inserted {n:,} synthetic cases in {dt:.1f} s ({n / dt:,.0f}/s, raw {how})", flush=True)
