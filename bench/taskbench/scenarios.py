"""The scenarios: what each one sends, at which concurrency, and what it measures.

Every scenario runs against Taskward and then against the peer with the same prepared
requests (same users, same task shapes, same connection count), first a short warm-up run
whose numbers are thrown away, then the measured run while the server's memory is sampled.

Connection counts: 32 for the API scenarios (enough to saturate both servers on 2 cores
without measuring only queueing); 8 for sign-in, which is CPU-bound hashing (more
connections would only queue); 1 for the million-task user, whose figure of merit is the
latency of one request, not throughput.
"""

from __future__ import annotations

import random
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .load import LoadResult, Request, Wrk, run_wrk, write_requests
from .seed import Api, User, task_body
from .servers import CpuAccount, MemorySampler, Server, wait_for_quiet_machine


@dataclass
class Target:
    """The server-side state a scenario needs: the server and the users seeded on it."""

    server: Server
    api: Api
    readers: list[User] = field(default_factory=list)  # list, search, sign-in, storm
    writers: list[User] = field(default_factory=list)  # create, toggle (keeps readers' data fixed)
    big: User | None = None  # the user with a million tasks


@dataclass
class Scenario:
    name: str
    what: str  # one line for the table and the docs
    connections: int
    build: Callable[[Target], list[Request]]
    expect: int  # status of a correct answer (checked once before loading)
    timeout_s: float = 10.0
    needs_big: bool = False
    min_duration_s: float = 0  # slow scenarios need longer runs for enough samples


def _list_requests(path: str) -> Callable[[Target], list[Request]]:
    return lambda t: [Request("GET", path, u.token) for u in t.readers]


def _create_requests(t: Target) -> list[Request]:
    import json

    return [
        Request("POST", "/api/tasks", t.writers[i % len(t.writers)].token, json.dumps(task_body(i)))
        for i in range(1000)
    ]


def _toggle_requests(t: Target) -> list[Request]:
    pairs = [(u.token, tid) for u in t.writers for tid in u.task_ids]
    random.Random(1).shuffle(pairs)  # spread over users and over the table
    return [Request("PATCH", f"/api/tasks/{tid}/complete", token) for token, tid in pairs]


def _signin_requests(t: Target) -> list[Request]:
    import json

    return [
        Request("POST", "/api/auth/signin", "", json.dumps({"email": u.email, "password": u.password}))
        for u in t.readers
    ]


def _big_requests(path: str) -> Callable[[Target], list[Request]]:
    return lambda t: [Request("GET", path, t.big.token)]


LIST = "/api/tasks?limit=50"
SEARCH = "/api/tasks?status=pending&q=report&limit=50"
BIG_PENDING = "/api/tasks?status=pending&limit=50"
BIG_SEARCH = "/api/tasks?status=pending&q=report&limit=50"

SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in [
        Scenario("ceiling", "GET /healthz, no auth, no database: the HTTP stack's ceiling", 32,
                 lambda t: [Request("GET", "/healthz")], 200),
        Scenario("me", "GET /api/auth/me: bearer auth and one user read (isolates the auth cost)", 32,
                 lambda t: [Request("GET", "/api/auth/me", u.token) for u in t.readers], 200),
        Scenario("list", f"GET {LIST}: 50 of a user's 200 tasks, bearer auth", 32,
                 _list_requests(LIST), 200),
        Scenario("search", f"GET {SEARCH}", 32, _list_requests(SEARCH), 200),
        Scenario("create", "POST /api/tasks {title, description, priority, tags, due_at}", 32,
                 _create_requests, 201),
        Scenario("toggle", "PATCH /api/tasks/{id}/complete on random tasks of 8 users", 32,
                 _toggle_requests, 200),
        Scenario("signin", "POST /api/auth/signin: argon2id (Taskward) vs bcrypt cost 12 (peer)", 8,
                 _signin_requests, 200, timeout_s=30, min_duration_s=20),
        Scenario("big_list", f"GET {LIST} for the user with 1 M tasks", 1,
                 _big_requests(LIST), 200, timeout_s=60, needs_big=True),
        Scenario("big_pending", f"GET {BIG_PENDING} for the user with 1 M tasks", 1,
                 _big_requests(BIG_PENDING), 200, timeout_s=60, needs_big=True),
        Scenario("big_search", f"GET {BIG_SEARCH} for the user with 1 M tasks", 1,
                 _big_requests(BIG_SEARCH), 200, timeout_s=60, needs_big=True),
    ]
}

# Not a Taskward/peer scenario: a bare axum hello world on the same hardware.
HELLO = Scenario("hello", "GET / of a bare axum hello world: the ceiling of this hardware", 32,
                 lambda t: [Request("GET", "/")], 200)

# The storm: the list scenario alone, then the same list load while a second wrk signs in
# as fast as the server lets it. Its figure of merit is list p99 with / without the storm.
STORM_LIST_CONNECTIONS = 32
SMOKE_MIN_S = 4
STORM_SIGNIN_CONNECTIONS = 16


@dataclass
class Outcome:
    """One measured run of one scenario on one server."""

    scenario: str
    server: str
    backend: str
    load: LoadResult | None = None
    rss_peak_mib: float | None = None
    pss_peak_mib: float | None = None
    skipped: str | None = None  # why there is no measurement
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "scenario": self.scenario,
            "server": self.server,
            "backend": self.backend,
            "load": self.load.to_dict() if self.load else None,
            "rss_peak_mib": self.rss_peak_mib,
            "pss_peak_mib": self.pss_peak_mib,
            "skipped": self.skipped,
            **self.extra,
        }


@dataclass
class Settings:
    duration_s: float
    warmup_s: float
    workdir: Path
    perf: set[str] = field(default_factory=set)  # scenarios to profile on Taskward
    quiet_wait_s: float = 0  # how long to wait for other processes to go quiet before a run
    smoke: bool = False  # a debug build's smoke run: minimum durations cut to SMOKE_MIN_S


def _measured(t: Target, s: Settings, outcomes: list["Outcome"], run: Callable[[], list[LoadResult]]) -> None:
    """Run `run` (one or two concurrent wrk runs) as a measured run: first wait for the
    machine to be quiet, then sample memory and account CPU while it runs."""
    background = wait_for_quiet_machine(s.quiet_wait_s) if s.quiet_wait_s else None
    with MemorySampler(t.server) as mem, CpuAccount(t.server) as cpu:
        loads = run()
    for o, load in zip(outcomes, loads):
        o.load = load
        o.rss_peak_mib, o.pss_peak_mib = mem.peak.rss_mib, mem.peak.pss_mib
    for o in outcomes:
        o.extra["cpu"] = cpu.to_dict(sum(l.requests for l in loads))
        o.extra["background_cpus_before"] = background
        _print(o)


def probe(t: Target, req: Request, expect: int) -> str | None:
    """Send one request as wrk would; a reason to skip the scenario when the answer is wrong
    (for instance a 404 while a route does not exist yet), else None."""
    import json

    status, body = t.api.call(req.method, req.path, req.token, json.loads(req.body) if req.body else None)
    if status != expect:
        return f"answered {status}, expected {expect}"
    return None


def _perf_record(server: Server, seconds: float, out: Path) -> subprocess.Popen | None:
    """`perf record` of the server's processes for the measured run (999 Hz, the cpu-clock
    event, which also works in VMs without a PMU). Flat profile: bench/run then measures the
    `profiling` build (the release build with its symbols; the release binary has none),
    which has neither frame pointers nor debug info for call graphs."""
    pids = ",".join(str(p) for p in server.pids())
    try:
        return subprocess.Popen(
            ["perf", "record", "-e", "cpu-clock", "-F", "999", "-p", pids, "-o", str(out), "--", "sleep", str(seconds)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        print("  (perf not installed; no profile)")
        return None


def _perf_report(proc: subprocess.Popen, data: Path) -> None:
    try:
        proc.wait(timeout=120)
        with open(data.with_suffix(".txt"), "w") as f:
            subprocess.run(
                ["perf", "report", "--stdio", "--sort", "dso,symbol", "--percent-limit", "0.3", "-i", str(data)],
                stdout=f, stderr=subprocess.DEVNULL, timeout=300,
            )
        print(f"  profile: {data.with_suffix('.txt')}")
    except subprocess.TimeoutExpired:
        proc.kill()


def run_scenario(sc: Scenario, t: Target, backend: str, s: Settings) -> Outcome:
    out = Outcome(sc.name, t.server.name, backend)
    if sc.needs_big and t.big is None:
        out.skipped = "no big user on this backend"
        return out
    reqs = sc.build(t)
    if not reqs:
        out.skipped = "nothing to send (no seeded tasks)"
        print(f"  {sc.name:12} {t.server.name:9} skipped: {out.skipped}")
        return out
    reason = probe(t, reqs[0], sc.expect)
    if reason:
        out.skipped = reason
        print(f"  {sc.name:12} {t.server.name:9} skipped: {reason}")
        return out
    req_file = write_requests(s.workdir / f"{backend}-{t.server.name}-{sc.name}.tsv", reqs)
    # The smoke run keeps a few seconds for sign-in: 8 bcrypt-12 hashes on the peer's 2
    # workers take longer than a 1 s run, which would then count no request at all.
    duration = max(s.duration_s, min(sc.min_duration_s, SMOKE_MIN_S) if s.smoke else sc.min_duration_s)
    if s.warmup_s > 0:
        run_wrk(t.server.port, req_file, s.warmup_s, sc.connections, timeout_s=sc.timeout_s)
        t.server.wait_idle()
    perf = None
    perf_data = s.workdir / f"perf-{backend}-{sc.name}.data"
    if t.server.name == "taskward" and sc.name in s.perf:
        perf = _perf_record(t.server, duration, perf_data)
    _measured(t, s, [out], lambda: [
        run_wrk(t.server.port, req_file, duration, sc.connections, timeout_s=sc.timeout_s)])
    if perf:
        _perf_report(perf, perf_data)
    t.server.wait_idle()  # finish what wrk left in flight before the next run
    return out


def run_storm(t: Target, backend: str, s: Settings) -> list[Outcome]:
    """List p99 alone, then with a concurrent sign-in storm, on one server."""
    quiet = Outcome("storm_list_quiet", t.server.name, backend)
    loud = Outcome("storm_list_under_signin", t.server.name, backend)
    storm = Outcome("storm_signin", t.server.name, backend)
    lists = _list_requests(LIST)(t)
    signins = _signin_requests(t)
    for req, expect in ((lists[0], 200), (signins[0], 200)):
        reason = probe(t, req, expect)
        if reason:
            for o in (quiet, loud, storm):
                o.skipped = reason
            print(f"  storm        {t.server.name:9} skipped: {reason}")
            return [quiet, loud, storm]
    list_file = write_requests(s.workdir / f"{backend}-{t.server.name}-storm-list.tsv", lists)
    signin_file = write_requests(s.workdir / f"{backend}-{t.server.name}-storm-signin.tsv", signins)
    if s.warmup_s > 0:
        run_wrk(t.server.port, list_file, s.warmup_s, STORM_LIST_CONNECTIONS)
        t.server.wait_idle()
    _measured(t, s, [quiet], lambda: [run_wrk(t.server.port, list_file, s.duration_s, STORM_LIST_CONNECTIONS)])
    t.server.wait_idle()
    perf = None
    perf_data = s.workdir / f"perf-{backend}-storm.data"
    if t.server.name == "taskward" and "storm" in s.perf:
        perf = _perf_record(t.server, s.duration_s, perf_data)

    def both() -> list[LoadResult]:
        # The storm starts first and ends last, so every list request runs under it.
        storm_run = Wrk(t.server.port, signin_file, s.duration_s + 2, STORM_SIGNIN_CONNECTIONS, timeout_s=30)
        time.sleep(1.0)
        listed = run_wrk(t.server.port, list_file, s.duration_s, STORM_LIST_CONNECTIONS)
        return [listed, storm_run.result()]

    _measured(t, s, [loud, storm], both)
    if perf:
        _perf_report(perf, perf_data)
    t.server.wait_idle()
    return [quiet, loud, storm]


def _print(o: Outcome) -> None:
    r = o.load
    bad = f"  ERRORS {r.error_rate:.1%}" if r.error_rate > 0.01 else ""
    cpu = o.extra.get("cpu", {})
    noisy = f"  NOISY: others used {cpu['others_cpus']:.2f} CPUs" if cpu.get("others_cpus", 0) > 0.2 else ""
    print(
        f"  {o.scenario:24} {o.server:9} {r.rps:10.1f} req/s  p50 {r.p50_ms:8.2f} ms  "
        f"p99 {r.p99_ms:8.2f} ms  ({r.requests} requests, c={r.connections}, "
        f"RSS {o.rss_peak_mib:.1f} MiB, server {cpu.get('server_cpus', 0):.2f} CPUs){bad}{noisy}",
        flush=True,
    )
