"""Benchmark of the work-plan parser: `.venv/bin/python bench/bench_plan_parser.py [runs]`.

Parses the demo seed plan, the largest report in ../shared/corpus/plans (skipped when the
corpus is absent; set SHANZHI_SHARED to point elsewhere) and a 10x concatenation of it,
and prints the median wall time of N runs and the peak memory of one run (tracemalloc).
Targets: seed < 100 ms, largest corpus report < 500 ms.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from shanzhi.plans.parsing import parse_plan

SEED = REPO / "shanzhi" / "plans" / "demo" / "xiqu-2023-workplan.txt"
SHARED = Path(os.environ.get("SHANZHI_SHARED", REPO.parent / "shared"))


def measure(label: str, text: str, runs: int, limit_ms: float | None) -> None:
    parse_plan(text)  # warm up regex caches
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        plan = parse_plan(text)
        times.append((time.perf_counter() - began) * 1000)
    tracemalloc.start()
    parse_plan(text)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    median = statistics.median(times)
    verdict = "" if limit_ms is None else ("  OK" if median < limit_ms else f"  SLOWER THAN {limit_ms:.0f} ms")
    nodes = sum(1 for _ in plan.walk())
    print(
        f"{label:<44} {len(text):>8,} chars  median {median:8.2f} ms  (min {min(times):.2f}, max {max(times):.2f})"
        f"  peak {peak / 1_048_576:6.2f} MiB  {nodes} nodes, {len(plan.indicators)} indicators{verdict}"
    )


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    print(f"plan parser, {runs} runs each, Python {sys.version.split()[0]}")
    measure("seed (xiqu-2023-workplan.txt)", SEED.read_text(encoding="utf-8"), runs, 100)
    corpus = sorted((SHARED / "corpus" / "plans").glob("*.txt")) if (SHARED / "corpus").is_dir() else []
    if not corpus:
        print(f"corpus not found in {SHARED}/corpus/plans: largest-report benchmarks skipped")
        return
    largest = max(corpus, key=lambda p: p.stat().st_size)
    text = largest.read_text(encoding="utf-8")
    measure(f"largest corpus ({largest.name[:28]})", text, runs, 500)
    measure("largest corpus x10 (concatenated)", "\n".join([text] * 10), max(3, runs // 5), None)


if __name__ == "__main__":
    main()
