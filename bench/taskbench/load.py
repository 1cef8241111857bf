"""Driving wrk, the load generator, and reading its results.

wrk (Debian's package) is a closed-loop generator: each of its `connections` keeps one
request in flight over a keep-alive HTTP/1.1 connection, so requests/s is the server's
throughput at that concurrency and the latency percentiles are per request as wrk sees
them (it does not correct for coordinated omission; both servers are measured the same
way). The requests themselves come from a prepared file replayed by lua/replay.lua.

Each run is bounded twice: wrk's own `-d` duration and a subprocess timeout.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

LUA = Path(__file__).resolve().parent.parent / "lua" / "replay.lua"


@dataclass
class Request:
    method: str
    path: str
    token: str = ""
    body: str = ""  # JSON text, one line
    headers: tuple[tuple[str, str], ...] = ()  # more headers, after the body's column

    def line(self) -> str:
        extra = [f"{name}: {value}" for name, value in self.headers]
        for part in (self.method, self.path, self.token, self.body, *extra):
            if "\t" in part or "\n" in part:
                raise ValueError(f"tabs and newlines cannot be replayed: {part!r}")
        return "\t".join([self.method, self.path, self.token, self.body, *extra]) + "\n"


def write_requests(path: Path, requests: list[Request]) -> Path:
    if not requests:
        raise ValueError("no requests to replay")
    with open(path, "w") as f:
        for r in requests:
            f.write(r.line())
    return path


@dataclass
class LoadResult:
    requests: int
    duration_s: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    p999_ms: float
    mean_ms: float
    max_ms: float
    errors_status: int  # non-2xx/3xx answers
    errors_socket: int  # connect, read, write errors and timeouts
    connections: int

    @property
    def error_rate(self) -> float:
        total = self.requests + self.errors_socket
        return (self.errors_status + self.errors_socket) / total if total else 1.0

    def to_dict(self) -> dict:
        d = dict(self.__dict__)
        d["error_rate"] = self.error_rate
        return d


class Wrk:
    """One wrk run against 127.0.0.1:port, started now; `result()` waits for it."""

    def __init__(
        self,
        port: int,
        request_file: Path,
        duration_s: float,
        connections: int,
        threads: int = 1,
        timeout_s: float = 10.0,
    ):
        self.connections = connections
        self.duration_s = duration_s
        argv = [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, round(duration_s))}s",
            f"--timeout={max(1, round(timeout_s))}s",
            "-s",
            str(LUA),
            f"http://127.0.0.1:{port}",
            "--",
            str(request_file),
        ]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def result(self) -> LoadResult:
        try:
            # wrk stops itself after -d; the margin covers the last requests' timeout.
            out, err = self.proc.communicate(timeout=self.duration_s + 60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate()
            raise RuntimeError("wrk did not stop by itself")
        line = next((l for l in out.splitlines() if l.startswith("WRKJSON ")), None)
        if self.proc.returncode != 0 or line is None:
            raise RuntimeError(f"wrk failed (exit {self.proc.returncode}): {err.strip() or out.strip()}")
        d = json.loads(line[len("WRKJSON ") :])
        duration_s = d["duration_us"] / 1e6
        return LoadResult(
            requests=d["requests"],
            duration_s=duration_s,
            rps=d["requests"] / duration_s if duration_s else 0.0,
            p50_ms=d["p50_us"] / 1000,
            p90_ms=d["p90_us"] / 1000,
            p99_ms=d["p99_us"] / 1000,
            p999_ms=d["p999_us"] / 1000,
            mean_ms=d["lat_mean_us"] / 1000,
            max_ms=d["lat_max_us"] / 1000,
            errors_status=d["err_status"],
            errors_socket=d["err_connect"] + d["err_read"] + d["err_write"] + d["err_timeout"],
            connections=self.connections,
        )


def run_wrk(port: int, request_file: Path, duration_s: float, connections: int, **kw) -> LoadResult:
    return Wrk(port, request_file, duration_s, connections, **kw).result()
