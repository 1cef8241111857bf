"""What rolling a recurring task costs (issue 16): completing a recurring task records the
occurrence and moves its due along the rule in the same write. Measured against the
baseline of the same run, the plain toggle of a task that does not recur, on the same
server and database: requests/s, latency and the server's CPU per request.

Run with `bench/recurring` (SQLite; `scripts/with-postgres bench/recurring` adds
PostgreSQL). Each kind has its own user and tasks; every request completes one task, so a
recurring task rolls on every request (and its history grows by a row), while a plain one
alternates done / not done. The series start a year ago (a daily one expands ~365 dates
to find its next one), the worst common case; the due then moves a day per roll.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .fresh import backends, release_binary, taskward_on
from .load import Request, Wrk, write_requests
from .seed import Api, signup
from .servers import CpuAccount, stop_all, wait_for_quiet_machine


YEAR_AGO = (dt.date.today() - dt.timedelta(days=365)).isoformat()
KINDS = [
    ("plain", "a task that does not recur (the baseline)", None),
    ("daily", "every day, from the due, started a year ago", {"rule": "FREQ=DAILY"}),
    ("weekdays", "every weekday, from the due", {"rule": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"}),
    ("last_friday", "the last Friday of each month", {"rule": "FREQ=MONTHLY;BYDAY=-1FR"}),
    ("completion", "every 3 days from completion", {"rule": "FREQ=DAILY;INTERVAL=3", "from": "completion"}),
]


def seed(api: Api, tasks_each: int) -> dict[str, list[Request]]:
    requests: dict[str, list[Request]] = {}
    with ThreadPoolExecutor(8) as pool:
        for name, _, recurrence in KINDS:
            user = signup(api, f"{name}@bench.test")

            def add(i: int, user=user, recurrence=recurrence) -> str:
                body = {"title": f"Bench {name} {i}", "due_at": f"{YEAR_AGO}T09:00:00Z"}
                if recurrence:
                    body["recurrence"] = recurrence
                return api.expect(201, "POST", "/api/tasks", user.token, body)["id"]

            ids = list(pool.map(add, range(tasks_each)))
            random.Random(1).shuffle(ids)
            requests[name] = [Request("PATCH", f"/api/tasks/{i}/complete", user.token) for i in ids]
    return requests


def measure(server, requests: dict[str, list[Request]], workdir: Path, seconds: float,
            connections: int) -> dict[str, dict]:
    out = {}
    for name, reqs in requests.items():
        path = write_requests(workdir / f"{name}.tsv", reqs)
        Wrk(server.port, path, 2, connections).result()  # warm-up, thrown away
        wait_for_quiet_machine(10)
        with CpuAccount(server) as cpu:
            load = Wrk(server.port, path, seconds, connections).result()
        if load.error_rate > 0.01:
            raise RuntimeError(f"{name}: {load.error_rate:.1%} errors; see {server.log_path}")
        out[name] = {"load": load, "cpu": cpu.to_dict(load.requests)}
    return out


def table(backend: str, results: dict[str, dict]) -> str:
    base = results["plain"]
    rows = [
        f"### {backend}",
        "",
        "| completing | req/s | p50 ms | p99 ms | CPU µs/request | x plain (req/s) |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for name, what, _ in KINDS:
        r = results[name]
        load, cpu = r["load"], r["cpu"]
        ratio = load.rps / base["load"].rps if base["load"].rps else 0
        cpu_us = cpu["server_cpu_us_per_request"] or 0
        rows.append(
            f"| {what} | {load.rps:,.0f} | {load.p50_ms:.2f} | {load.p99_ms:.2f} | "
            f"{cpu_us:,.0f} | {ratio:.2f} |"
        )
    return "\n".join(rows) + "\n"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--duration", type=float, default=10)
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--tasks", type=int, default=400, help="tasks of each kind")
    args = p.parse_args()
    try:
        for backend, url in backends("sqlite", "postgres"):
            with taskward_on(release_binary(), url, "recurring") as (server, workdir):
                requests = seed(Api(server.port), args.tasks)
                results = measure(server, requests, workdir, args.duration, args.connections)
            print(table(backend, results), flush=True)
    finally:
        stop_all()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
