"""Run every benchmark script in bench/ one after another and print their output.

Usage: .venv/bin/python bench/run_all.py [name-fragment …]
Each bench_*.py is standalone (see its docstring for options); results are recorded by hand in
docs/benchmarks.md with the machine and the date.
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    wanted = sys.argv[1:]
    failed = 0
    for script in sorted(HERE.glob("bench_*.py")):
        if wanted and not any(w in script.name for w in wanted):
            continue
        print(f"\n=== {script.name}", flush=True)
        r = subprocess.run([sys.executable, str(script)], cwd=HERE.parent)
        failed += r.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
