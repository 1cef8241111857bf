"""Starting, watching and stopping the two servers under test.

Both servers are started in their own process group (so the peer's uvicorn workers can be
stopped with the master), only ever bound to 127.0.0.1, and stopped by `stop()` or, as a
last resort, by `stop_all()` which the harness calls from its `finally` and signal handlers.

What is measured here:
- start-to-ready: from just before the process is spawned to the first 200 answer of the
  readiness route (Taskward `GET /readyz`, which checks the database; the peer has no
  readiness route, so its `GET /healthz`, answered once a uvicorn worker is up; the peer's
  run.sh creates its tables before uvicorn starts, so that is when it can serve).
- RSS: VmRSS from /proc/PID/status summed over the process and all its descendants (for the
  peer: the uvicorn master, its two workers and multiprocessing's resource tracker). Summed
  RSS counts pages shared between the peer's processes more than once, so PSS (from
  /proc/PID/smaps_rollup, shared pages divided among their users) is recorded beside it.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

LOOPBACK = "127.0.0.1"

# Every server process this harness started, so that a Ctrl-C or an exception anywhere
# still stops them all.
_RUNNING: list["Server"] = []


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (the OS picks it; we release it just before use)."""
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def http_status(port: int, path: str, timeout: float = 2.0) -> int | None:
    """Status code of one GET to 127.0.0.1:port, or None when nothing answers."""
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        return resp.status
    except OSError:
        return None
    finally:
        conn.close()


def _descendants(pid: int) -> list[int]:
    """pid and all its descendants, read from /proc/*/stat (parent pid is field 4)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # The command name (field 2) is in parentheses and may contain spaces.
        ppid = int(stat[stat.rfind(b")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def _status_kib(pid: int, key: bytes) -> int:
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class Memory:
    rss_kib: int
    pss_kib: int
    processes: int

    @property
    def rss_mib(self) -> float:
        return self.rss_kib / 1024

    @property
    def pss_mib(self) -> float:
        return self.pss_kib / 1024


@dataclass
class Server:
    """One server under test (Taskward or the peer)."""

    name: str  # "taskward" or "peer"
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    ready_path: str
    log_path: Path
    port: int = 0
    proc: subprocess.Popen | None = None
    ready_ms: float | None = None
    _log: object | None = field(default=None, repr=False)

    def start(self, timeout: float = 120.0) -> float:
        """Spawn the server and wait until its readiness route answers 200.

        Returns the start-to-ready time in milliseconds. Polls every 2 ms, so the figure
        is accurate to a few milliseconds; the first connection attempts that are refused
        cost microseconds each.
        """
        assert self.proc is None, "already running"
        env = dict(os.environ)
        env.update(self.env)
        self._log = open(self.log_path, "ab")
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(
            self.argv,
            cwd=self.cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: workers are stopped with it
        )
        _RUNNING.append(self)
        deadline = t0 + timeout
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with code {self.proc.returncode} before it was ready; "
                    f"see {self.log_path}"
                )
            if http_status(self.port, self.ready_path, timeout=1.0) == 200:
                self.ready_ms = (time.perf_counter() - t0) * 1000
                return self.ready_ms
            time.sleep(0.002)
        self.stop()
        raise RuntimeError(f"{self.name} was not ready after {timeout:.0f} s; see {self.log_path}")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def memory(self) -> Memory:
        """RSS and PSS summed over the server's process tree, right now."""
        if self.proc is None or self.proc.poll() is not None:
            return Memory(0, 0, 0)
        pids = _descendants(self.proc.pid)
        return Memory(
            sum(_status_kib(p, b"VmRSS:") for p in pids),
            sum(_pss_kib(p) for p in pids),
            len(pids),
        )

    def cpu_ticks(self) -> int:
        """User + system CPU time of the whole process tree, in clock ticks."""
        total = 0
        for pid in self.pids():
            try:
                with open(f"/proc/{pid}/stat", "rb") as f:
                    fields = f.read().rsplit(b")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
            except (OSError, IndexError, ValueError):
                pass
        return total

    def context_switches(self) -> dict[str, int]:
        """Voluntary + involuntary context switches so far, per thread of the process tree
        (compare two snapshots with `switches_between`)."""
        counts = {}
        for pid in self.pids():
            try:
                tids = os.listdir(f"/proc/{pid}/task")
            except OSError:
                continue
            for tid in tids:
                try:
                    with open(f"/proc/{pid}/task/{tid}/status", "rb") as f:
                        counts[tid] = sum(
                            int(line.split()[1]) for line in f
                            if line.startswith((b"voluntary_ctxt_switches", b"nonvoluntary_ctxt_switches"))
                        )
                except OSError:
                    pass
        return counts

    def wait_idle(self, max_s: float = 30.0, window_s: float = 0.25) -> float:
        """Wait until the server uses (almost) no CPU, at most max_s; returns the wait.

        wrk drops its in-flight requests when its time is up, but the server still
        finishes them (the peer's thread pool may hold seconds of bcrypt work). Without
        this wait that work would be billed to the next measured run.
        """
        t0 = time.monotonic()
        last = self.cpu_ticks()
        while time.monotonic() - t0 < max_s:
            time.sleep(window_s)
            now = self.cpu_ticks()
            if now - last <= 1:  # at most one tick (10 ms) in the window: idle
                break
            last = now
        return time.monotonic() - t0

    def pids(self) -> list[int]:
        return _descendants(self.proc.pid) if self.proc and self.proc.poll() is None else []

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM the process group (graceful stop), then SIGKILL it if it lingers."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        try:
            pgid = os.getpgid(proc.pid)
        except ProcessLookupError:
            pgid = None
        if pgid is not None:
            try:
                os.killpg(pgid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        if pgid is not None:
            # uvicorn workers or the resource tracker may outlive the master briefly.
            end = time.monotonic() + 5
            while time.monotonic() < end and _group_alive(pgid):
                time.sleep(0.05)
            if _group_alive(pgid):
                try:
                    os.killpg(pgid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)
        if self in _RUNNING:
            _RUNNING.remove(self)
        if self._log:
            self._log.close()
            self._log = None


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def stop_all() -> None:
    """Stop every server still running (called on exit, error or signal)."""
    for server in list(_RUNNING):
        try:
            server.stop(timeout=5)
        except Exception as e:  # keep stopping the others
            print(f"warning: could not stop {server.name}: {e}")


TICK_S = 1 / os.sysconf("SC_CLK_TCK")


def machine_ticks() -> tuple[int, int]:
    """(busy, steal) CPU ticks of the whole machine since boot, from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = v[:8]
    return user + nice + system + irq + softirq + steal, steal


def background_cpu(window_s: float = 1.0) -> float:
    """CPUs' worth of work the rest of the machine does while nothing of ours runs."""
    b0, _ = machine_ticks()
    time.sleep(window_s)
    b1, _ = machine_ticks()
    return (b1 - b0) * TICK_S / window_s


def wait_for_quiet_machine(max_wait_s: float, threshold: float = 0.15) -> float:
    """Wait (at most max_wait_s) until other processes use less than `threshold` of a CPU:
    on a shared 2-core machine a compiler running next to the benchmark halves the
    numbers. Returns the background load last seen."""
    end = time.monotonic() + max_wait_s
    while True:
        bg = background_cpu(0.5)
        if bg < threshold or time.monotonic() >= end:
            return bg
        time.sleep(2)


class CpuAccount:
    """Where the CPU went during a measured run: the server's process tree, our own
    children (wrk, reaped when it exits) and this harness, the machine as a whole, and so
    everything else (other processes on a shared machine) and hypervisor steal.

    The server's CPU time per request is the least noise-sensitive efficiency figure:
    it does not depend on how much of the machine the server got.
    """

    def __init__(self, server: "Server"):
        self.server = server

    def __enter__(self) -> "CpuAccount":
        import resource

        self._t = time.monotonic()
        self._m = machine_ticks()
        self._s = self.server.cpu_ticks()
        self._cs = self.server.context_switches()
        ru_c, ru_s = resource.getrusage(resource.RUSAGE_CHILDREN), resource.getrusage(resource.RUSAGE_SELF)
        self._ours = ru_c.ru_utime + ru_c.ru_stime + ru_s.ru_utime + ru_s.ru_stime
        return self

    def __exit__(self, *exc) -> None:
        import resource

        wall = time.monotonic() - self._t
        m = machine_ticks()
        server_s = (self.server.cpu_ticks() - self._s) * TICK_S
        # Threads started during the run count from zero; threads that ended during it
        # (idle blocking-pool threads) are lost, so this is a lower bound.
        after = self.server.context_switches()
        self.context_switches = sum(max(0, n - self._cs.get(tid, 0)) for tid, n in after.items())
        ru_c, ru_s = resource.getrusage(resource.RUSAGE_CHILDREN), resource.getrusage(resource.RUSAGE_SELF)
        ours_s = ru_c.ru_utime + ru_c.ru_stime + ru_s.ru_utime + ru_s.ru_stime - self._ours
        busy_s = (m[0] - self._m[0]) * TICK_S
        self.wall_s = wall
        self.server_cpu_s = server_s
        self.loadgen_cpu_s = ours_s
        self.others_cpus = max(0.0, busy_s - server_s - ours_s) / wall if wall else 0.0
        self.steal_cpus = (m[1] - self._m[1]) * TICK_S / wall if wall else 0.0

    def to_dict(self, requests: int) -> dict:
        return {
            "server_cpus": self.server_cpu_s / self.wall_s,
            "server_cpu_us_per_request": self.server_cpu_s / requests * 1e6 if requests else None,
            "context_switches_per_request": self.context_switches / requests if requests else None,
            "loadgen_cpus": self.loadgen_cpu_s / self.wall_s,
            "others_cpus": self.others_cpus,
            "steal_cpus": self.steal_cpus,
        }


class MemorySampler:
    """Samples a server's memory every `interval` seconds while a load runs; keeps the peak."""

    def __init__(self, server: Server, interval: float = 0.25):
        self.server = server
        self.interval = interval
        self.peak = Memory(0, 0, 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            m = self.server.memory()
            if m.rss_kib > self.peak.rss_kib:
                self.peak = m
            self._stop.wait(self.interval)

    def __enter__(self) -> "MemorySampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def hello_server(binary: Path, workdir: Path) -> Server:
    """The bare axum hello world (`examples/hello.rs`): the HTTP ceiling of the hardware."""
    port = free_port()
    return Server(
        name="hello",
        argv=[str(binary), f"{LOOPBACK}:{port}"],
        env={},
        cwd=workdir,
        ready_path="/",
        log_path=workdir / "hello.log",
        port=port,
    )


def taskward_server(binary: Path, database_url: str, workdir: Path, secret: str) -> Server:
    """Taskward release binary with the settings a load test needs.

    RATE_LIMIT=off: the sign-in scenarios would otherwise measure 429s. RUST_LOG=warn and
    LOG_FORMAT=json: no per-request log lines (the peer runs with --no-access-log too).
    ACCESS_TOKEN_TTL=2h: tokens minted while seeding stay valid for the whole run.
    """
    port = free_port()
    return Server(
        name="taskward",
        argv=[str(binary), "serve"],
        env={
            "DATABASE_URL": database_url,
            "BIND": f"{LOOPBACK}:{port}",
            "JWT_SECRET": secret,
            "RATE_LIMIT": "off",
            "LOG_FORMAT": "json",
            "RUST_LOG": "warn",
            "ACCESS_TOKEN_TTL": "2h",
        },
        cwd=workdir,
        ready_path="/readyz",
        log_path=workdir / "taskward.log",
        port=port,
    )


def peer_server(peer_dir: Path, venv: Path, database_url: str, workdir: Path, secret: str) -> Server:
    """The FastAPI peer exactly as its README starts it: run.sh, 2 uvicorn workers,
    bcrypt cost 12 (its default), no access log; the access token TTL raised to 2 h like
    Taskward's so tokens minted while seeding last the run."""
    port = free_port()
    return Server(
        name="peer",
        argv=[str(peer_dir / "run.sh")],
        env={
            "PEER_VENV": str(venv),
            "PORT": str(port),
            "WORKERS": "2",
            "JWT_SECRET": secret,
            "DATABASE_URL": database_url,
            "ACCESS_TOKEN_TTL_SECONDS": "7200",
            "LOG_LEVEL": "warning",
            "BCRYPT_ROUNDS": "12",
        },
        cwd=workdir,
        ready_path="/healthz",
        log_path=workdir / "peer.log",
        port=port,
    )
