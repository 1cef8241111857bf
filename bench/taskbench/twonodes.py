"""Two Taskward nodes on one PostgreSQL database against one node (issue 22: the list at
>= 1.6x one node).

In one run, on the seeded PostgreSQL database: the `list` load (the readers' first 50
tasks) on 32 connections against the node the other scenarios used, then a second node
started on the same database and two wrk processes of 16 connections each, one per node,
their requests summed. Both loads keep 32 requests in flight. During each measured run the
CPU time of each node, of PostgreSQL (the backends of this database plus the server's own
processes: WAL writer, checkpointer, ...; other databases' backends are left out), of wrk
and of the rest of the machine is accounted from /proc, so the report can say what the
2 cores were spent on.
"""

from __future__ import annotations

import dataclasses
import resource
import subprocess
import time
from pathlib import Path
from typing import Callable

from .load import LoadResult, Wrk, write_requests
from .scenarios import LIST, Settings, Target, _list_requests, probe
from .servers import TICK_S, Server, _descendants, free_port, machine_ticks, wait_for_quiet_machine

ONE_NODE_CONNECTIONS = 32
PER_NODE_CONNECTIONS = 16


def _ticks(pids: list[int]) -> dict[int, int]:
    """utime + stime of each process, in clock ticks."""
    out = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
            out[pid] = int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return out


def postgres_pids(database_url: str) -> Callable[[], list[int]] | None:
    """The PostgreSQL processes that work for this database: its postmaster (found through
    `postmaster.pid` in the data directory), the server's own processes, and the backends
    connected to this database; None when the server is not on this machine."""
    try:
        out = subprocess.run(["psql", database_url, "-Atc", "SHOW data_directory"], capture_output=True,
                             text=True, timeout=30, check=True)
        with open(Path(out.stdout.strip()) / "postmaster.pid") as f:
            postmaster = int(f.readline())
    except (OSError, ValueError, subprocess.SubprocessError):
        return None
    dbname = database_url.rsplit("/", 1)[1].split("?")[0]

    def pids() -> list[int]:
        mine = []
        for pid in _descendants(postmaster):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    title = f.read().decode(errors="replace").replace("\0", " ")
            except OSError:
                continue
            # A backend's title is "postgres: USER DATABASE HOST(PORT) STATE".
            parts = title.split()
            is_backend = len(parts) >= 4 and ("(" in parts[3] or parts[3] == "[local]")
            if not is_backend or parts[2] == dbname:
                mine.append(pid)
        return mine

    return pids


class Account:
    """CPU of named process groups, of our children (wrk), of the machine, during a run."""

    def __init__(self, groups: dict[str, Callable[[], list[int]]]):
        self.groups = groups

    def _children_s(self) -> float:
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        return ru.ru_utime + ru.ru_stime

    def __enter__(self) -> "Account":
        self._t, self._m, self._c = time.monotonic(), machine_ticks(), self._children_s()
        self._g = {name: _ticks(f()) for name, f in self.groups.items()}
        return self

    def __exit__(self, *exc) -> None:
        wall = time.monotonic() - self._t
        # Per process: one that appeared meanwhile (a new pool connection) counts from zero;
        # one that ended meanwhile (an autovacuum worker) is lost, so this is a lower bound.
        end = {name: _ticks(f()) for name, f in self.groups.items()}
        cpus = {name: sum(t - self._g[name].get(pid, 0) for pid, t in end[name].items()) * TICK_S / wall
                for name in self.groups}
        # Processes of each group at the start, at the end, and how many of them ended or began.
        self.processes = {name: {"start": len(self._g[name]), "end": len(end[name]),
                                 "ended": len(self._g[name].keys() - end[name].keys()),
                                 "began": len(end[name].keys() - self._g[name].keys())} for name in self.groups}
        cpus["wrk"] = (self._children_s() - self._c) / wall
        busy = (machine_ticks()[0] - self._m[0]) * TICK_S / wall
        cpus["others"] = max(0.0, busy - sum(cpus.values()))
        cpus["machine"] = busy
        self.wall_s, self.cpus = wall, cpus


def _node2(node1: Server) -> Server:
    """A second Taskward on the same database, its own port and log."""
    port = free_port()
    env = dict(node1.env, BIND=f"127.0.0.1:{port}")
    return dataclasses.replace(node1, name="taskward-2", env=env, port=port, proc=None, ready_ms=None,
                               _log=None, log_path=node1.log_path.with_name("taskward-2.log"))


def _summary(loads: list[LoadResult], acc: Account) -> dict:
    requests = sum(l.requests for l in loads)
    return {
        "rps": sum(l.rps for l in loads),
        "requests": requests,
        "p50_ms": max(l.p50_ms for l in loads),
        "p99_ms": max(l.p99_ms for l in loads),
        "error_rate": max(l.error_rate for l in loads),
        "loads": [l.to_dict() for l in loads],
        "cpus": acc.cpus,
        "processes": acc.processes,
        # CPU per request of everything that served it, µs: what bounds requests/s on a
        # machine whose cores are all in use.
        "cpu_us_per_request": {k: v * acc.wall_s / requests * 1e6 for k, v in acc.cpus.items()} if requests else {},
    }


def run(t: Target, backend: str, s: Settings) -> dict:
    node1 = t.server
    out: dict = {"connections_one_node": ONE_NODE_CONNECTIONS, "connections_per_node": PER_NODE_CONNECTIONS}
    reqs = _list_requests(LIST)(t)
    reason = probe(t, reqs[0], 200)
    if reason:
        out["skipped"] = reason
        print(f"  two_nodes    skipped: {reason}", flush=True)
        return out
    req_file = write_requests(s.workdir / f"{backend}-two-nodes-list.tsv", reqs)
    pg = postgres_pids(node1.env["DATABASE_URL"])
    if pg is None:
        print("  two_nodes: PostgreSQL's processes are not on this machine; its CPU counts as others'", flush=True)
    node2 = _node2(node1)
    out["node2_ready_ms"] = node2.start()
    try:
        groups = {"node1": node1.pids, "node2": node2.pids}
        if pg:
            groups["postgres"] = pg
        if s.warmup_s > 0:
            warm = [Wrk(n.port, req_file, s.warmup_s, PER_NODE_CONNECTIONS) for n in (node1, node2)]
            for w in warm:
                w.result()
        duration = s.duration_s

        def measured(nodes: list[Server], conns: int) -> dict:
            node1.wait_idle()
            node2.wait_idle()
            background = wait_for_quiet_machine(s.quiet_wait_s) if s.quiet_wait_s else None
            with Account(groups) as acc:
                runs = [Wrk(n.port, req_file, duration, conns) for n in nodes]
                loads = [w.result() for w in runs]
            res = _summary(loads, acc)
            res["background_cpus_before"] = background
            c = acc.cpus
            print(f"  two_nodes    {len(nodes)} node{'s' if len(nodes) > 1 else ' '} {res['rps']:10.1f} req/s  "
                  f"p99 {res['p99_ms']:8.2f} ms  CPUs: node1 {c['node1']:.2f}, node2 {c['node2']:.2f}, "
                  f"postgres {c.get('postgres', 0):.2f}, wrk {c['wrk']:.2f}, others {c['others']:.2f}, "
                  f"machine {c['machine']:.2f}", flush=True)
            return res

        # One node before and after: the ratio is against their mean, so that a change in
        # what the rest of a shared machine does weighs on both sides alike.
        out["one_node"] = measured([node1], ONE_NODE_CONNECTIONS)
        out["two_nodes"] = measured([node1, node2], PER_NODE_CONNECTIONS)
        out["one_node_after"] = measured([node1], ONE_NODE_CONNECTIONS)
        one = (out["one_node"]["rps"] + out["one_node_after"]["rps"]) / 2
        out["ratio"] = out["two_nodes"]["rps"] / one if one else None
        print(f"  two_nodes    two nodes / one node: {out['ratio']:.2f}x", flush=True)
    finally:
        node2.stop()
    node1.wait_idle()
    return out


def report_lines(results: dict) -> list[str]:
    """The two-node section of results.md."""
    b = next((x for x in results["backends"] if x.get("two_nodes")), None)
    if not b:
        return []
    tn = b["two_nodes"]
    if tn.get("skipped") or not tn.get("two_nodes"):
        return [f"Two nodes: not measured ({tn.get('skipped', 'interrupted')}).", ""]
    cols = ["node1", "node2", "postgres", "wrk", "others", "machine"]
    rows = [
        f"## {b['backend']}: two nodes on one database against one node", "",
        f"`{LIST}` for the readers; one node with {tn['connections_one_node']} connections, then two nodes "
        f"with {tn['connections_per_node']} each (two wrk processes, summed), then one node again. CPUs used during each run "
        "(machine: every process, out of the machine's cores); CPU µs per request of each part, and of "
        "the whole stack (Taskward, PostgreSQL and wrk).", "",
        "| run | req/s | p50 ms | p99 ms | " + " | ".join(f"{c} CPUs" for c in cols)
        + " | Taskward µs/req | PostgreSQL µs/req | wrk µs/req | stack µs/req |",
        "|---|--:|--:|--:|" + "--:|" * len(cols) + "--:|--:|--:|--:|",
    ]
    stack = {}
    runs = (("one_node", "one node"), ("two_nodes", "two nodes"), ("one_node_after", "one node again"))
    for key, label in runs:
        if key not in tn:  # results of a run before the second one-node run existed
            continue
        r = tn[key]
        per = r.get("cpu_us_per_request", {})
        tw = per.get("node1", 0) + per.get("node2", 0)
        stack[key] = tw + per.get("postgres", 0) + per.get("wrk", 0)
        cpus = " | ".join(f"{r['cpus'].get(c, 0):.2f}" if c in r["cpus"] else "–" for c in cols)
        rows.append(f"| {label} | {r['rps']:,.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {cpus} "
                    f"| {tw:.0f} | {per.get('postgres', 0):.0f} | {per.get('wrk', 0):.0f} "
                    f"| {stack[key]:.0f} |")
    ones = [stack[k] for k in ("one_node", "one_node_after") if k in stack]
    cap = sum(ones) / len(ones) / stack["two_nodes"] if stack.get("two_nodes") else None
    return rows + ["", f"Two nodes / one node (the mean of its runs): **{tn['ratio']:.2f}x** requests/s"
                   + (f"; {cap:.2f}x by the stack's CPU per request (what the ratio would be if the "
                      "stack had every core to itself, whatever else ran on the machine)." if cap else "."), ""]
