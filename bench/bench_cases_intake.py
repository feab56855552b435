"""Benchmark case intake through the REST API with concurrent clients, against a bare Django
view doing one INSERT on the same server and database.

Usage:
    .venv/bin/python bench/bench_cases_intake.py [--cases 100000] [--clients 16] [--workers 2]
    .venv/bin/python bench/bench_cases_intake.py --route-in-worker            # routing in the worker
    .venv/bin/python bench/bench_cases_intake.py --queued                     # the queued intake
    DATABASE_URL=postgres://… .venv/bin/python bench/bench_cases_intake.py    # PostgreSQL

What it does: a fresh data directory (/tmp/shanzhi-bench-intake) with the demo organisation
and categories (no demo cases), one API token; gunicorn (`--workers` sync processes, default
the number of cores) serves shanzhi plus one extra URL `/bench/bare-insert/` (a plain Django
view inserting one row into a one-column table — the baseline). N clients (threads with
keep-alive connections) then POST cases to `/api/cases/cases/` (text, sub-category, point in
the street; a unique Idempotency-Key each) and the same number of requests to the bare view.
Prints throughput, latency p50/p95/p99, the ratio to the baseline, failures, and the server's
peak RSS.

With --route-in-worker the server accepts with routing left to the task worker
(SHANZHI_CASES_ROUTE_IN_WORKER=1) and one `db_worker` process runs beside gunicorn on the same
cores, as `make run` does. The worker routes while the clients submit; after the last request
the script waits until no case is pending and prints how long that took, the end-to-end rate
(submitted and routed), how the cases ended (dispatched / at the desk) and the worker's RSS.
With --worker-after as well, the worker starts only after the last request: the accept rate
of the web processes alone, then the routing rate of one worker alone (as when the workers run
on other machines, which PostgreSQL allows).

With --queued the clients POST the same bodies to the queued intake, `/api/cases/submissions/`
(docs/adr/0004: one INSERT, 202 with the tracking code), and one `db_worker` beside gunicorn
files them as cases in batches while they arrive; after the last request the script waits until
none is queued and prints the lag, the end-to-end rate and how the cases ended. --worker-after
works as above. --worker-idle starts the worker under the idle CPU policy (Linux SCHED_IDLE):
it files on the CPU time the web processes leave, so a burst is accepted first (docs/operations.md).
"""

from __future__ import annotations

import collections
import http.client
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path("/tmp/shanzhi-bench-intake")
PORT = int(os.environ.get("BENCH_PORT", "8791"))

BENCH_URLS = """
from django.db import connection
from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from shanzhi.urls import urlpatterns as base


@csrf_exempt
def bare_insert(request):
    with connection.cursor() as cur:
        cur.execute("INSERT INTO bench_bare (body) VALUES (%s)", [request.body[:500].decode("utf-8", "replace")])
    return HttpResponse(status=201)


bare_insert.scope_exempt = "benchmark baseline"
urlpatterns = [path("bench/bare-insert/", bare_insert), *base]
"""
BENCH_SETTINGS = """
from shanzhi.settings import *  # noqa
ROOT_URLCONF = "bench_urls"
DEBUG = False
ALLOWED_HOSTS = ["*"]
LOGGING = {"version": 1, "disable_existing_loggers": True}
"""

TEXTS = [
    "小区门口垃圾堆积多日无人清理",
    "楼下餐馆油烟直排",
    "康景路路灯不亮很危险",
    "工地夜间施工噪音扰民",
    "消防通道被杂物堵塞",
    "公交班次太少等车太久",
    "物业不作为电梯坏了",
    "咨询社保怎么缴费",
]
CATS = ["garbage", "fumes", "street-light", "noise", "fire-hazard", "bus", "property-management", "social-insurance"]


def setup(env: dict) -> str:
    code = (
        "import django; django.setup()\n"
        "from django.core.management import call_command\n"
        "call_command('migrate', verbosity=0); call_command('createcachetable', verbosity=0)\n"
        "from shanzhi.orgs import demo; demo.load()\n"
        "from shanzhi.cases import demo as cd; cd._categories(None)\n"
        "from django.db import connection\n"
        "with connection.cursor() as c:\n"
        "    c.execute('CREATE TABLE IF NOT EXISTS bench_bare (id integer primary key "
        + ("autoincrement" if not env.get("DATABASE_URL") else "generated always as identity")
        + ", body text)')\n"
        "from rest_framework.authtoken.models import Token\n"
        "from shanzhi.accounts.models import User\n"
        "u = User.objects.get(username='demo-community')\n"
        "print(Token.objects.get_or_create(user=u)[0].key)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT)
    if out.returncode:
        sys.exit(f"waiting for the worker failed:\n{out.stderr}")
    return out.stdout.strip().splitlines()[-1]


def run_clients(n: int, clients: int, make_request) -> tuple[float, list[float], collections.Counter]:
    """Seconds, latencies (ms) and the failures by reason (status and body, or the exception)."""
    latencies: list[float] = []
    failures: collections.Counter = collections.Counter()
    lock = threading.Lock()
    counter = iter(range(n))

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        local = []
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                break
            method, url, body, headers = make_request(i)
            t = time.perf_counter()
            try:
                conn.request(method, url, body=body, headers=headers)
                r = conn.getresponse()
                answer = r.read()
                failure = None if r.status in (200, 201, 202) else f"HTTP {r.status}: {answer[:200]!r}"
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
                failure = f"{type(exc).__name__}: {exc}"
            local.append((time.perf_counter() - t) * 1000)
            if failure is not None:
                with lock:
                    failures[failure] += 1
        with lock:
            latencies.extend(local)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, latencies, failures


def cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def rss_of(pid: int) -> float:
    total = 0
    for p in [
        pid,
        *[int(c) for c in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()],
    ]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total / 1024


def drain(env: dict, n: int, submit_seconds: float, queued: bool = False) -> None:
    """Wait until the worker has routed (or filed) every case; print the lag and how the cases
    ended."""
    waiting = "Submission.objects.filter(status='queued')" if queued else "Case.all_objects.filter(routed_by='pending')"
    code = (
        "import django, sys, time; django.setup()\n"
        "from shanzhi.cases.models import Case, Submission\n"
        "t0 = time.perf_counter()\n"
        f"print({waiting}.count())\n"
        f"while {waiting}.exists():\n"
        "    time.sleep(0.2)\n"
        "print(time.perf_counter() - t0)\n"
        "from django.db.models import Count\n"
        "print(dict(Case.all_objects.values_list('status').annotate(n=Count('id')).order_by()))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT)
    if out.returncode:
        sys.exit(f"waiting for the worker failed:\n{out.stderr}")
    backlog, lag, statuses = out.stdout.strip().splitlines()[-3:]
    backlog, lag = int(backlog), float(lag)
    done = "filed" if queued else "routed"
    print(
        f"{done + ' by worker':<18} all {n:,} {done} {lag:.1f} s after the last request; "
        f"submitted and {done} end to end {n / (submit_seconds + lag):,.0f} cases/s; statuses {statuses}"
    )
    if lag > 1:
        print(f"{'':<18} the worker {done} the backlog of {backlog:,} at {backlog / lag:,.0f} cases/s (one process)")


def main() -> None:
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=20_000)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--route-in-worker", action="store_true", help="accept now, route in the task worker")
    ap.add_argument("--queued", action="store_true", help="POST to the queued intake, /api/cases/submissions/")
    ap.add_argument(
        "--worker-nice",
        type=int,
        default=0,
        help="start the task worker with this niceness (10: the web processes come first, the worker "
        "catches up when they are idle)",
    )
    ap.add_argument(
        "--worker-idle",
        action="store_true",
        help="start the task worker under the idle CPU policy (Linux SCHED_IDLE, as systemd's "
        "CPUSchedulingPolicy=idle or `chrt --idle 0`): it runs on whatever CPU time the web processes leave",
    )
    ap.add_argument(
        "--worker-after",
        action="store_true",
        help="with --route-in-worker or --queued: start the worker only after the last request, to measure "
        "accepting and routing apart (as with workers on other machines)",
    )
    args = ap.parse_args()
    shutil.rmtree(DATA, ignore_errors=True)
    DATA.mkdir(parents=True)
    extra = Path(tempfile.mkdtemp(prefix="bench-intake-"))
    (extra / "bench_urls.py").write_text(BENCH_URLS)
    (extra / "bench_settings.py").write_text(BENCH_SETTINGS)
    env = {
        **os.environ,
        "SHANZHI_DATA_DIR": str(DATA),
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": f"{extra}:{ROOT}",
        "SHANZHI_DEBUG": "0",
        "OMP_NUM_THREADS": "1",
        "SHANZHI_SECRET_KEY": os.environ.get("SHANZHI_SECRET_KEY", "bench-secret-key-not-for-production-0123456789"),
    }
    if args.route_in_worker:
        env["SHANZHI_CASES_ROUTE_IN_WORKER"] = "1"
    token = setup(env)
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    task_worker = None

    def start_worker():
        nice = ["nice", "-n", str(args.worker_nice)] if args.worker_nice else []
        worker = subprocess.Popen(
            [*nice, sys.executable, "manage.py", "db_worker", "--queue-name", "*", "--interval", "0.5"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        if args.worker_idle:  # (its threads, started later, inherit the policy)
            os.sched_setscheduler(worker.pid, os.SCHED_IDLE, os.sched_param(0))
        return worker

    in_worker = args.route_in_worker or args.queued
    if in_worker and not args.worker_after:
        task_worker = start_worker()
    server = subprocess.Popen(
        [
            gunicorn,
            "-w",
            str(args.workers),
            "-b",
            f"127.0.0.1:{PORT}",
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
            "shanzhi.wsgi:application",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        for _ in range(100):
            try:
                c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
                c.request("GET", "/cases/submit/")
                c.getresponse().read()
                break
            except OSError:
                time.sleep(0.2)
        rng = random.Random(0)
        auth = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        run = f"{time.time():.0f}"
        intake_url = "/api/cases/submissions/" if args.queued else "/api/cases/cases/"

        def api_request(i):
            k = rng.randrange(len(TEXTS))
            body = json.dumps(
                {
                    "description": TEXTS[k] + f"（{i}）",
                    "category": CATS[k],
                    "longitude": 113.357 + rng.uniform(-0.02, 0.02),
                    "latitude": 22.519 + rng.uniform(-0.02, 0.02),
                }
            )
            return "POST", intake_url, body, {**auth, "Idempotency-Key": f"{run}-{i}"}

        def bare_request(i):
            return "POST", "/bench/bare-insert/", json.dumps({"i": i}), {"Content-Type": "application/json"}

        db = "PostgreSQL" if os.environ.get("DATABASE_URL") else "SQLite"
        print(
            f"{db}; gunicorn {args.workers} sync workers; {args.clients} clients; {args.cases:,} requests each; "
            f"intake {intake_url}"
            + (
                " (worker after)"
                if args.worker_after
                else " (worker beside" + (", idle policy)" if args.worker_idle else ")")
                if in_worker
                else ""
            )
        )
        run_clients(200, args.clients, bare_request)  # warm up both paths
        run_clients(200, args.clients, api_request)
        results = {}
        for name, fn in (("bare INSERT view", bare_request), ("API case intake", api_request)):
            busy0, total0 = cpu_times()
            dt, lat, fail = run_clients(args.cases, args.clients, fn)
            busy1, total1 = cpu_times()
            results[name] = args.cases / dt
            print(
                f"{name:<18} {args.cases / dt:8,.0f} req/s   p50 {pct(lat, 0.5):6.1f} ms   p95 {pct(lat, 0.95):6.1f} ms"
                f"   p99 {pct(lat, 0.99):6.1f} ms   mean {statistics.mean(lat):6.1f} ms   failures {fail.total()}"
                f"   CPU busy {100 * (busy1 - busy0) / max(1, total1 - total0):.0f} %"
            )
            for reason, count in fail.most_common():
                print(f"    {count} × {reason}")
            if name == "API case intake" and in_worker:
                if task_worker is None:
                    task_worker = start_worker()
                drain(env, args.cases, dt, queued=args.queued)
        print(f"API / bare ratio: {results['API case intake'] / results['bare INSERT view']:.2f}")
        print(f"server peak RSS (all processes): {rss_of(server.pid):.0f} MB")
        if task_worker is not None:
            print(f"task worker peak RSS: {rss_of(task_worker.pid):.0f} MB")
    finally:
        server.terminate()
        server.wait(timeout=20)
        if task_worker is not None:
            task_worker.terminate()
            task_worker.wait(timeout=30)
        shutil.rmtree(extra, ignore_errors=True)


if __name__ == "__main__":
    main()
