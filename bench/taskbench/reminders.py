"""A reminder burst (issue 22): 10 000 reminders due within one minute, delivered by one
Taskward to signed webhooks. Issue 22's target: p99 lag < 5 s on one node.

Run with `bench/reminders` (SQLite; `scripts/with-postgres bench/reminders` adds
PostgreSQL; `--quick`: 500 reminders over 10 s). For each database: a fresh Taskward
(`OUTBOUND_ALLOW_HOSTS=127.0.0.1`, so it may post to the local receiver over `http://`)
and a webhook receiver in this process (`receiver.py`: a threaded HTTP/1.1 server that
answers `204` and records when each request arrived). `--users` accounts each add one
webhook channel (their own path on the receiver); then the harness times a probe of plain
task creations, picks the burst's start so that the seeding ends `--lead` seconds before
it, and creates `--reminders` tasks through the API (8 threads), task i of user i mod
users with one `{"at": ...}` reminder at start + i x spread / reminders (millisecond
times, due evenly over `--spread` seconds). It waits for every reminder to arrive (at
most `--timeout` seconds after the last is due), and `--grace` seconds more for
duplicates. Each arrival's signature is checked with its channel's secret, and its task
and reminder time read from the body.

Lag is arrival minus the reminder's time, for the first arrival of each reminder.
"Delivered once": reminders that arrived exactly once; duplicates (further arrivals of a
reminder) and missing ones are counted apart. The server's CPU and RSS are taken over the
burst (from 2 s before the first is due to the last arrival); "others' CPUs" is what the
rest of the machine used meanwhile (PostgreSQL's own processes count there). `--perf`
records a profile of the server during the burst into `--out`.
"""

from __future__ import annotations

import argparse
import json
import signal
import statistics
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .calendars import percentile
from .fresh import REPO, backends, release_binary, taskward_on
from .receiver import Arrival, Receiver
from .seed import Api, User, signup
from .servers import CpuAccount, MemorySampler, Server, background_cpu, stop_all

WORKERS = 8


def stamp(ms: int) -> str:
    """RFC 3339 with milliseconds, in UTC."""
    return datetime.fromtimestamp(ms / 1000, timezone.utc).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


@dataclass
class Seeded:
    users: list[User]
    secrets: dict[str, str]  # receiver path -> the channel's whsec_ secret
    due: dict[str, float] = field(default_factory=dict)  # task id -> reminder time (epoch s)
    first_due: float = 0.0
    last_due: float = 0.0
    seed_s: float = 0.0  # creating the tasks with reminders
    margin_s: float = 0.0  # from the end of the seeding to the first reminder


def seed(api: Api, receiver: Receiver, n: int, n_users: int, spread: float, lead: float) -> Seeded:
    with ThreadPoolExecutor(WORKERS) as pool:
        users = list(pool.map(lambda k: signup(api, f"burst{k}@bench.test"), range(n_users)))
        secrets = {}
        for k, user in enumerate(users):
            path = f"/hook/{k}"
            channel = api.expect(201, "POST", "/api/notifications/channels", user.token,
                                 {"kind": "webhook", "target": receiver.url(path)})
            secrets[path] = channel["secret"]

        # A probe of plain creations (no reminders) says how long the seeding will take.
        probe = max(50, n // 20)
        t = time.monotonic()
        list(pool.map(lambda i: api.expect(201, "POST", "/api/tasks", users[i % n_users].token,
                                           {"title": f"Probe {i}"}), range(probe)))
        estimate = (time.monotonic() - t) / probe * n
        start_ms = int((time.time() + 1.5 * estimate + lead) * 1000) // 1000 * 1000 + 1000
        spread_ms = int(spread * 1000)
        print(f"  seeding {n} reminders (~{estimate:.0f} s); the first is due at {stamp(start_ms)}",
              flush=True)

        def add(i: int) -> tuple[str, float]:
            due_ms = start_ms + spread_ms * i // n
            body = {"title": f"Burst reminder {i}", "due_at": stamp(due_ms + 3_600_000),
                    "reminders": [{"at": stamp(due_ms)}]}
            task = api.expect(201, "POST", "/api/tasks", users[i % n_users].token, body)
            return task["id"], due_ms / 1000

        t = time.monotonic()
        due = dict(pool.map(add, range(n)))
    seeded = Seeded(users, secrets, due, start_ms / 1000, (start_ms + spread_ms * (n - 1) // n) / 1000,
                    time.monotonic() - t)
    seeded.margin_s = seeded.first_due - time.time()
    if len(due) != n:
        raise RuntimeError(f"{n - len(due)} tasks were created twice with the same id")
    if seeded.margin_s < 2:
        raise RuntimeError(f"the seeding ended {-seeded.margin_s:.1f} s after the first reminder was due: "
                           "raise --lead")
    return seeded


def start_perf(server: Server, out: Path) -> subprocess.Popen:
    return subprocess.Popen(["perf", "record", "-F", "499", "-g", "-p", str(server.proc.pid), "-o", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop_perf(perf: subprocess.Popen, data: Path, report: Path) -> None:
    perf.send_signal(signal.SIGINT)
    perf.wait(timeout=60)
    text = subprocess.run(["perf", "report", "-i", str(data), "--stdio", "--no-children",
                           "--percent-limit", "1", "-g", "none"],
                          capture_output=True, text=True, check=False).stdout
    report.write_text(text)
    top = [line for line in text.splitlines() if line.strip() and not line.startswith("#")][:25]
    print("\n".join([f"  perf profile of the burst (flat, top entries; all in {report}):", *top]), flush=True)


def burst(server: Server, receiver: Receiver, seeded: Seeded, timeout: float, grace: float,
          perf_out: Path | None) -> dict:
    n = len(seeded.due)
    time.sleep(max(0.0, seeded.first_due - 3 - time.time()))
    idle = server.memory()
    background = background_cpu(1.0)
    perf = None
    with MemorySampler(server, 0.1) as mem, CpuAccount(server) as cpu:
        if perf_out is not None:
            perf = start_perf(server, perf_out.with_suffix(".data"))
        deadline = seeded.last_due + timeout
        while receiver.count() < n and time.time() < deadline:
            if not server.alive():
                raise RuntimeError(f"taskward exited during the burst; see {server.log_path}")
            time.sleep(0.05)
    if perf is not None:
        stop_perf(perf, perf_out.with_suffix(".data"), perf_out.with_suffix(".txt"))
    time.sleep(grace)
    return {"idle_rss_mib": idle.rss_mib, "peak_rss_mib": mem.peak.rss_mib, "background_cpus": background,
            "cpu": cpu.to_dict(n), "wall_s": cpu.wall_s, "server_cpu_s": cpu.server_cpu_s}


def analyse(arrivals: list[Arrival], seeded: Seeded) -> dict:
    """Each arrival checked (signature, type, task, reminder time) and matched to its
    reminder; the lag of each reminder's first arrival."""
    firsts: dict[str, float] = {}
    counts: dict[str, int] = {}
    unknown = bad_signature = wrong_time = 0
    for a in sorted(arrivals, key=lambda a: a.at):
        secret = seeded.secrets.get(a.path)
        if secret is None or not a.verify(secret):
            bad_signature += 1
            continue
        event = a.event()
        task_id = event.get("data", {}).get("task", {}).get("id")
        if event.get("type") != "task.reminder" or task_id not in seeded.due:
            unknown += 1
            continue
        due = seeded.due[task_id]
        fired = datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00")).timestamp()
        if abs(fired - due) > 0.001:
            wrong_time += 1
        counts[task_id] = counts.get(task_id, 0) + 1
        firsts.setdefault(task_id, a.at)
    lags = sorted(firsts[t] - seeded.due[t] for t in firsts)
    arrived = sorted(firsts.values())
    # The lag along the burst: the median and the worst of each tenth of the reminders, by due.
    by_due = sorted((seeded.due[t], firsts[t] - seeded.due[t]) for t in firsts)
    tenths = []
    for k in range(10):
        part = [lag for _, lag in by_due[k * len(by_due) // 10:(k + 1) * len(by_due) // 10]]
        if part:
            tenths.append((statistics.median(part), max(part)))
    return {
        "reminders": len(seeded.due),
        "arrivals": len(arrivals),
        "delivered_once": sum(1 for c in counts.values() if c == 1),
        "duplicates": sum(c - 1 for c in counts.values()),
        "missing": len(seeded.due) - len(firsts),
        "unknown": unknown,
        "bad_signature": bad_signature,
        "wrong_time": wrong_time,
        "lag_s": {p: percentile(lags, p) if lags else None for p in (50, 90, 99)} | {
            "max": lags[-1] if lags else None},
        "rate_per_s": len(arrived) / (arrived[-1] - seeded.first_due) if len(arrived) > 1 else None,
        "last_arrival_s": arrived[-1] - seeded.last_due if arrived else None,
        "lag_by_tenth": tenths,
    }


def table(rows: list[tuple[str, dict, dict, Seeded]], spread: float) -> str:
    out = [
        "| database | reminders | delivered once | duplicates | missing | lag p50 s | p90 s | p99 s "
        "| max s | delivered/s | server CPUs | CPU ms/reminder | RSS idle → peak MiB | others' CPUs |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for backend, r, m, _ in rows:
        lag = r["lag_s"]
        fmt = lambda v: "–" if v is None else f"{v:.2f}"  # noqa: E731
        out.append(
            f"| {backend} | {r['reminders']:,} in {spread:.0f} s | {r['delivered_once']:,} | {r['duplicates']} "
            f"| {r['missing']} | {fmt(lag[50])} | {fmt(lag[90])} | {fmt(lag[99])} | {fmt(lag['max'])} "
            f"| {r['rate_per_s'] or 0:,.0f} | {m['cpu']['server_cpus']:.2f} "
            f"| {m['server_cpu_s'] * 1000 / r['reminders']:.2f} "
            f"| {m['idle_rss_mib']:.1f} → {m['peak_rss_mib']:.1f} | {m['cpu']['others_cpus']:.2f} |"
        )
    for backend, r, m, s in rows:
        tenths = ", ".join(f"{a:.2f}/{b:.2f}" for a, b in r["lag_by_tenth"])
        out.append("")
        out.append(f"{backend}: seeded in {s.seed_s:.1f} s, {s.margin_s:.0f} s before the first was due; "
                   f"other processes used {m['background_cpus']:.2f} CPUs just before; "
                   f"the last arrived {r['last_arrival_s'] or 0:.2f} s after the last was due; "
                   f"bad signatures {r['bad_signature']}, unknown {r['unknown']}, "
                   f"wrong reminder time {r['wrong_time']}; lag p50/max (s) by tenth of the burst: {tenths}")
    return "\n".join(out) + "\n"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--reminders", type=int, default=10_000)
    p.add_argument("--spread", type=float, default=60, help="seconds over which they fall due")
    p.add_argument("--users", type=int, default=100, help="accounts, each with one webhook channel")
    p.add_argument("--lead", type=float, default=60, help="seconds from the seeding's end to the burst")
    p.add_argument("--timeout", type=float, default=300, help="seconds after the last is due")
    p.add_argument("--grace", type=float, default=10, help="seconds more to wait for duplicates")
    p.add_argument("--answer-ms", type=float, default=0,
                   help="the receiver answers each request after this long (a distant receiver)")
    p.add_argument("--quick", action="store_true", help="smoke run: 500 reminders over 10 s, 10 users")
    p.add_argument("--perf", action="store_true", help="profile the server during the burst (perf)")
    p.add_argument("--out", type=Path, default=REPO / "bench" / "out", help="for --perf and results.json")
    p.add_argument("--taskward-bin", type=Path, help="default: $CARGO_TARGET_DIR/release/taskward")
    args = p.parse_args()
    if args.quick:
        args.reminders, args.spread, args.users, args.lead, args.timeout, args.grace = 500, 10, 10, 5, 60, 3
    args.out.mkdir(parents=True, exist_ok=True)
    env = {"OUTBOUND_ALLOW_HOSTS": "127.0.0.1"}
    rows = []
    try:
        for backend, url in backends():
            with Receiver(args.answer_ms / 1000) as receiver, \
                    taskward_on(args.taskward_bin or release_binary(), url, "reminders", env) as (server, _):
                try:
                    seeded = seed(Api(server.port), receiver, args.reminders, args.users, args.spread,
                                  args.lead)
                    perf_out = args.out / f"reminders-{backend.lower()}-perf" if args.perf else None
                    measured = burst(server, receiver, seeded, args.timeout, args.grace, perf_out)
                except Exception:
                    log = server.log_path.read_text(errors="replace").splitlines()
                    print("\n".join(["  taskward's log, last lines:", *log[-20:]]), flush=True)
                    raise
                arrivals = receiver.arrivals()
            rows.append((backend, analyse(arrivals, seeded), measured, seeded))
            print(table(rows[-1:], args.spread), flush=True)
    finally:
        stop_all()
    results = [{"database": b, **r, **m} for b, r, m, _ in rows]
    (args.out / "reminders.json").write_text(json.dumps({"spread_s": args.spread, "results": results}, indent=1))
    if len(rows) > 1:
        print(table(rows, args.spread), flush=True)
    bad = [b for b, r, _, _ in rows if r["missing"] or r["duplicates"] or r["bad_signature"] or r["unknown"]]
    if bad:
        print(f"not every reminder arrived exactly once, signed: {', '.join(bad)}", flush=True)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
