"""The benchmark run: start both servers, seed them, run every scenario, report.

Usage (normally through bench/run, which installs wrk and builds the release binary):
    python3 -m taskbench [--quick] [--debug] [--duration S] [--only a,b] [--out DIR] [--perf a,b]

Everything runs on 127.0.0.1; every server, wrk and perf process started here is stopped
here (on success, on error, on Ctrl-C and on SIGTERM).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from . import idle, report, seed, twonodes
from .scenarios import HELLO, SCENARIOS, Settings, Target, run_scenario, run_storm
from .seed import Api
from .servers import Server, _status_kib, hello_server, peer_server, stop_all, taskward_server

REPO = Path(__file__).resolve().parents[2]
SECRET = "taskward-bench-secret-0123456789abcdefghijklmnop"  # 48 bytes, loopback only

# Scenario order on the SQLite backend: reads before writes, so the list and search users'
# data is the same for both servers; the million-task user comes last (it grows the file).
SQLITE_ORDER = ["ceiling", "me", "list", "search", "toggle", "create", "signin", "storm", "big_list", "big_pending", "big_search"]
# On PostgreSQL only the scenarios whose cost is in the database are repeated, then the
# list served by two nodes on the same database against one (PostgreSQL only).
POSTGRES_ORDER = ["me", "list", "search", "toggle", "create", "two_nodes"]
ALL_SCENARIOS = SQLITE_ORDER + [n for n in POSTGRES_ORDER if n not in SQLITE_ORDER]


@dataclass
class Mode:
    name: str
    duration_s: float
    warmup_s: float
    readers: int  # users with a fixed list of tasks (list, search, sign-in, storm)
    reader_tasks: int
    writers: int  # users whose tasks are toggled and who create tasks
    writer_tasks: int
    big_tasks: int
    quiet_wait_s: float  # at most this long before each measured run for other processes to go quiet
    idle_s: float  # Taskward's idle CPU is measured over this long, after start and after the load


FULL = Mode("full", 10, 2, readers=16, reader_tasks=200, writers=8, writer_tasks=100, big_tasks=1_000_000,
            quiet_wait_s=30, idle_s=30)
QUICK = Mode("quick", 2, 1, readers=4, reader_tasks=100, writers=2, writer_tasks=30, big_tasks=20_000,
             quiet_wait_s=0, idle_s=5)


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="bench/run", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="smoke mode: small seeds, 2 s per scenario (CI)")
    p.add_argument("--duration", type=float, help="seconds per measured run (full: 10, quick: 2)")
    p.add_argument("--only", help="comma-separated scenarios: " + ",".join(ALL_SCENARIOS))
    p.add_argument("--big-tasks", type=int, help="tasks of the big user (full: 1000000)")
    p.add_argument("--out", type=Path, help="where results.json, results.md and the SVG plots go "
                   "(full: docs/benchmarks, quick: bench/out)")
    p.add_argument("--perf", default="", help="scenarios to profile on Taskward with perf record")
    p.add_argument("--quiet-wait", type=float, help="seconds to wait before each measured run for other "
                   "processes to stop using the CPU (full: 30, quick: 0)")
    p.add_argument("--no-plots", action="store_true", help="skip the SVG plots (no matplotlib needed)")
    p.add_argument("--no-postgres", action="store_true",
                   help="ignore BENCH_DATABASE_URL / TEST_DATABASE_URL")
    p.add_argument("--from-results", type=Path, metavar="RESULTS_JSON",
                   help="measure nothing: rewrite results.md and the plots beside an existing results.json")
    p.add_argument("--taskward-bin", type=Path, help="release binary (default: $CARGO_TARGET_DIR/release/taskward)")
    p.add_argument("--debug", action="store_true",
                   help="use the debug build `cargo test` leaves ($CARGO_TARGET_DIR/debug/taskward and "
                   "examples/hello), build nothing, and run every scenario only --duration long (no "
                   "longer minimum for sign-in): a smoke run of the harness for CI; a debug build's "
                   "numbers say nothing about performance")
    p.add_argument("--idle-seconds", type=float, help="how long Taskward's idle CPU is measured, after start "
                   "and after the load (full: 30, quick: 5)")
    p.add_argument("--peer-dir", type=Path, help="the FastAPI peer (default: ../shared/peers/fastapi)")
    return p.parse_args(argv)


def machine_info() -> dict:
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])

    def version(cmd: list[str]) -> str:
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
            return (out.stdout or out.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return "unknown"

    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu,
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "wrk": version(["wrk", "-v"]),
        "rustc": version(["rustc", "--version"]),
        "taskward_commit": version(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"]),
    }


def dir_size_mib(path: Path) -> float:
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total / 1024 / 1024


def ensure_peer_venv(peer_dir: Path, venv: Path) -> None:
    """Install the peer's pinned requirements before anything is timed (run.sh would do it
    on its first start, which would then count as start-up time)."""
    if (venv / "bin" / "uvicorn").exists():
        return
    print(f"== installing the peer's requirements into {venv}", flush=True)
    python = shutil.which("python3.11") or sys.executable
    venv.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin/pip"), "install", "--quiet", "-r", str(peer_dir / "requirements.txt")], check=True)


class Postgres:
    """Two throwaway databases on the PostgreSQL server of BENCH_DATABASE_URL or
    TEST_DATABASE_URL (as scripts/with-postgres provides), dropped at the end."""

    def __init__(self, url: str):
        self.url = url
        self.created: list[str] = []

    def database(self, name: str) -> str:
        subprocess.run(["psql", self.url, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True, capture_output=True)
        subprocess.run(["psql", self.url, "-qc", f"CREATE DATABASE {name}"], check=True, capture_output=True)
        self.created.append(name)
        return urllib.parse.urlunsplit(urllib.parse.urlsplit(self.url)._replace(path=f"/{name}"))

    def drop_all(self) -> None:
        for name in self.created:
            subprocess.run(["psql", self.url, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"],
                           capture_output=True)
        self.created.clear()


def seed_target(server: Server, mode: Mode) -> Target:
    api = Api(server.port)
    t0 = time.perf_counter()
    readers = seed.seed_users(api, "reader", mode.readers, mode.reader_tasks)
    writers = seed.seed_users(api, "writer", mode.writers, mode.writer_tasks, complete_every=0)
    print(f"  seeded {server.name}: {len(readers)} + {len(writers)} users, "
          f"{mode.readers * mode.reader_tasks + mode.writers * mode.writer_tasks} tasks "
          f"in {time.perf_counter() - t0:.1f} s", flush=True)
    return Target(server, api, readers, writers)


def run_backend(backend: str, servers: tuple[Server, Server], order: list[str], mode: Mode,
                settings: Settings, only: set[str] | None, db_files: dict[str, Path], into: list) -> None:
    """Start both servers on one database kind, seed, run the scenarios, restart once.
    Results go into `into` as they come, so an interrupted run keeps what it measured."""
    res: dict = {"backend": backend, "startup": {}, "outcomes": []}
    into.append(res)
    targets: dict[str, Target] = {}
    print(f"\n== {backend}: starting Taskward and the peer", flush=True)
    for srv in servers:
        ready = srv.start()
        time.sleep(1.0)  # idle: nothing has been asked of the server yet
        mem = srv.memory()
        res["startup"][srv.name] = {"ready_ms_empty": ready, "idle_rss_mib": mem.rss_mib,
                                    "idle_rss_anon_mib": anon_mib(srv),
                                    "idle_pss_mib": mem.pss_mib, "processes": mem.processes}
        print(f"  {srv.name:9} ready in {ready:7.1f} ms; idle RSS {mem.rss_mib:6.1f} MiB "
              f"(PSS {mem.pss_mib:.1f} MiB, {mem.processes} processes)", flush=True)
        if srv.name == "taskward":
            res["startup"][srv.name]["idle_cpu_after_start"] = idle.measure(srv, mode.idle_s, "after start")
    for srv in servers:
        targets[srv.name] = seed_target(srv, mode)
        srv.wait_idle()

    wanted = [n for n in order if only is None or n in only]
    res["incidents"] = []
    for name in wanted:
        if name.startswith("big_") and all(t.big is None for t in targets.values()):
            if not seed_big(targets, mode, db_files, res):
                continue
        if name == "two_nodes":
            ensure_running(targets["taskward"].server, name, res["incidents"])
            res["two_nodes"] = twonodes.run(targets["taskward"], backend, settings)
            continue
        for t in targets.values():
            for attempt in (1, 2):
                ensure_running(t.server, name, res["incidents"])
                if name == "storm":
                    outcomes = run_storm(t, backend, settings)
                else:
                    outcomes = [run_scenario(SCENARIOS[name], t, backend, settings)]
                # A server that died under load (or was stopped by someone else's broad
                # `pkill` on a shared machine) is restarted and the scenario run once more.
                if t.server.alive() or attempt == 2:
                    break
            res["outcomes"].extend(o.to_dict() for o in outcomes)

    for srv in servers:
        time.sleep(1.0)
        mem = srv.memory()
        res["startup"][srv.name]["after_load_rss_mib"] = mem.rss_mib
        res["startup"][srv.name]["after_load_rss_anon_mib"] = anon_mib(srv)
    # Idle again, now that every scenario ran (caches full, workers with work behind them).
    tw = servers[0]
    tw.wait_idle()
    res["startup"][tw.name]["idle_cpu_after_load"] = idle.measure(tw, mode.idle_s, "after the load")
    # Start-to-ready again, now with the seeded (and, on SQLite, million-task) database.
    for srv in servers:
        srv.stop()
        ready = srv.start()
        res["startup"][srv.name]["ready_ms_seeded"] = ready
        print(f"  {srv.name:9} restarted on the seeded database: ready in {ready:7.1f} ms", flush=True)
        srv.stop()


def smoke_peer(peer: Server, smoke: bool) -> None:
    """In a smoke run the peer hashes with bcrypt's least cost (4, not 12): on a busy CI
    machine its 2 workers may not finish one cost-12 sign-in within the short run, which
    would count as a scenario that did not answer."""
    if smoke:
        peer.env["BCRYPT_ROUNDS"] = "4"


def anon_mib(srv: Server) -> float:
    """The anonymous part of RSS (heap, stacks), without the binary's pages mapped from the
    page cache, which RSS also counts."""
    return sum(_status_kib(p, b"RssAnon:") for p in srv.pids()) / 1024


def run_hello(binary: Path, settings: Settings, results: dict) -> None:
    """The ceiling of the hardware: a bare axum hello world, alone on the machine."""
    if not binary.exists():
        results["hello"] = {"skipped": f"no {binary} (cargo build --release --example hello)"}
        print(f"  hello: skipped, no {binary}", flush=True)
        return
    print("\n== the hardware's ceiling: a bare axum hello world", flush=True)
    srv = hello_server(binary, settings.workdir)
    srv.start()
    try:
        results["hello"] = run_scenario(HELLO, Target(srv, Api(srv.port)), "none", settings).to_dict()
    finally:
        srv.stop()


def ensure_running(srv: Server, before: str, incidents: list) -> None:
    """Restart a server that exited on its own, on the same database and port, and record it."""
    if srv.alive():
        return
    code = srv.proc.returncode if srv.proc else None
    incidents.append({"server": srv.name, "exit_code": code, "before_scenario": before})
    print(f"  WARNING: {srv.name} exited (code {code}) before {before}; see its log. Restarting it.", flush=True)
    srv.stop()
    srv.start()
    srv.wait_idle()


def seed_big(targets: dict[str, Target], mode: Mode, db_files: dict[str, Path], res: dict) -> bool:
    """The million-task user, on SQLite only (written straight into the database files)."""
    if not db_files:
        return False
    now_us = int(time.time() * 1e6)
    res["big_tasks"] = mode.big_tasks
    for name, t in targets.items():
        user = seed.signup(t.api, "big@bench.test")
        fn = seed.seed_big_taskward if name == "taskward" else seed.seed_big_peer
        secs = fn(db_files[name], user.id, mode.big_tasks, now_us)
        t.big = user
        print(f"  {name:9} {mode.big_tasks} tasks written into {db_files[name].name} in {secs:.1f} s", flush=True)
    return True


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.from_results:
        results = json.loads(args.from_results.read_text())
        out_dir = args.from_results.parent
        (out_dir / "results.md").write_text(report.markdown(results))
        if not args.no_plots:
            report.plots(results, out_dir)
        print(f"rewrote {out_dir / 'results.md'} and the plots from {args.from_results}")
        return 0
    mode = QUICK if args.quick else FULL
    if args.big_tasks:
        mode.big_tasks = args.big_tasks
    if args.idle_seconds is not None:
        mode.idle_s = args.idle_seconds
    duration = args.duration or mode.duration_s
    only = set(args.only.split(",")) if args.only else None
    if only and not only <= set(ALL_SCENARIOS):
        print(f"unknown scenarios: {', '.join(sorted(only - set(ALL_SCENARIOS)))}", file=sys.stderr)
        return 2

    target_dir = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    build = "debug" if args.debug else "release"
    binary = args.taskward_bin or target_dir / build / "taskward"
    peer_dir = args.peer_dir or Path(os.environ.get("PEER_DIR", REPO.parent / "shared" / "peers" / "fastapi"))
    venv = Path(os.environ.get("PEER_VENV", Path.home() / ".cache" / "taskward-bench" / "peer-venv"))
    out_dir = args.out or (REPO / "docs" / "benchmarks" if mode.name == "full" else REPO / "bench" / "out")
    if not binary.exists():
        hint = "cargo test (or cargo build) first" if args.debug else "cargo build --release (bench/run does)"
        print(f"no {build} binary at {binary}: run {hint}", file=sys.stderr)
        return 2
    if not (peer_dir / "run.sh").exists():
        print(f"the FastAPI peer is not at {peer_dir}; set PEER_DIR", file=sys.stderr)
        return 2
    ensure_peer_venv(peer_dir, venv)
    pg_url = None if args.no_postgres else (os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL"))

    # SIGTERM (and SIGHUP) take the same way out as Ctrl-C: through the finally below.
    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    workdir = Path(tempfile.mkdtemp(prefix="taskward-bench."))
    settings = Settings(duration_s=duration, warmup_s=mode.warmup_s if duration >= 2 else 0, workdir=workdir,
                        perf=set(filter(None, args.perf.split(","))),
                        quiet_wait_s=args.quiet_wait if args.quiet_wait is not None else mode.quiet_wait_s,
                        smoke=args.debug)
    results: dict = {
        "mode": mode.name,
        "build": build,
        "command": "bench/run " + " ".join(argv),
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "duration_s": duration,
        "seed": {k: v for k, v in mode.__dict__.items()
                 if k not in ("name", "duration_s", "warmup_s", "quiet_wait_s", "idle_s")},
        "idle_s": mode.idle_s,
        "machine": machine_info(),
        "taskward_binary_mib": binary.stat().st_size / 1024 / 1024,
        "peer_venv_mib": dir_size_mib(venv),
        "backends": [],
    }
    print(f"== {mode.name} run, {duration:g} s per scenario; work files in {workdir}", flush=True)
    if build == "debug":
        print(f"== {report.DEBUG_NOTE}", flush=True)
    pg = Postgres(pg_url) if pg_url else None
    ok = False
    try:
        db = {"taskward": workdir / "taskward.db", "peer": workdir / "peer.db"}
        servers = (
            taskward_server(binary, f"sqlite://{db['taskward']}", workdir, SECRET),
            peer_server(peer_dir, venv, f"sqlite:///{db['peer']}", workdir, SECRET),
        )
        smoke_peer(servers[1], args.debug)
        if only is None or "ceiling" in only:
            run_hello(binary.parent / "examples" / "hello", settings, results)
        run_backend("sqlite", servers, SQLITE_ORDER, mode, settings, only, db, results["backends"])
        if pg and (only is None or only & set(POSTGRES_ORDER)):
            suffix = os.getpid()
            servers = (
                taskward_server(binary, pg.database(f"bench_taskward_{suffix}"), workdir, SECRET),
                peer_server(peer_dir, venv, pg.database(f"bench_peer_{suffix}"), workdir, SECRET),
            )
            smoke_peer(servers[1], args.debug)
            run_backend("postgres", servers, POSTGRES_ORDER, mode, settings, only, {}, results["backends"])
        ok = True
    except KeyboardInterrupt as e:
        print(f"\ninterrupted ({e}); stopping everything", file=sys.stderr)
    except Exception:
        traceback.print_exc()
    finally:
        stop_all()
        if pg:
            pg.drop_all()
        for f in workdir.glob("*.db*"):  # a million-task database is ~0.5 GB: do not keep it
            f.unlink()

    out_dir.mkdir(parents=True, exist_ok=True)
    for prof in workdir.glob("perf-*.txt"):
        shutil.copy(prof, out_dir / prof.name)
    if not ok:
        # Keep the servers' logs and what was measured for the post-mortem (never over the
        # results of a complete run); the databases are already gone.
        for log in workdir.glob("*.log"):
            shutil.copy(log, out_dir / log.name)
        (out_dir / "results-incomplete.json").write_text(json.dumps(results, indent=2) + "\n")
        print(f"the run did not finish; server logs and results-incomplete.json are in {out_dir}",
              file=sys.stderr)
        shutil.rmtree(workdir, ignore_errors=True)
        return 1
    shutil.rmtree(workdir, ignore_errors=True)
    (out_dir / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    text = report.markdown(results)
    (out_dir / "results.md").write_text(text)
    print("\n" + text)
    if not args.no_plots:
        for path in report.plots(results, out_dir):
            print(f"plot: {path}")
    print(f"results: {out_dir / 'results.json'}, {out_dir / 'results.md'}")
    if not report.all_measured(results):
        print("FAILED: a scenario could not be measured (skipped, more than 1 % errors, or a server "
              "exited): see the tables above", file=sys.stderr)
        return 1
    return 0
