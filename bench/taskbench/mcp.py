"""What an MCP `list_tasks` call costs (issues 19 and 22): the tool call at `/mcp` against
the baseline of the same run, server and account, the API's list of the same page
(`GET /api/tasks?limit=50`, as `bench/run`'s list scenario), both with the same personal
access token. Issue 22's target: the tool call within 2x the API list.

Run with `bench/mcp` (SQLite; `scripts/with-postgres bench/mcp` adds PostgreSQL). One user
with 200 tasks (a third completed), seeded through the API as `bench/run` seeds its
readers. Each request is first checked (the tool's page is the API's page), then measured
two ways: one at a time on one keep-alive connection (the latency an assistant sees), and
under load, 32 connections for 10 s with wrk after a warm-up (requests/s, and the server's
CPU per request, the least noise-sensitive figure). The API list with the session's JWT is
measured beside them: what the personal access token's lookup costs.

The tool call is what an MCP client sends once it has initialized: `POST /mcp` with a
JSON-RPC `tools/call`, `Accept: application/json, text/event-stream` and
`MCP-Protocol-Version`; the server keeps no sessions, so every call stands alone.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from .calendars import Client, percentile
from .fresh import backends, release_binary, taskward_on
from .load import Request, Wrk, write_requests
from .scenarios import LIST
from .seed import Api, seed_users
from .servers import CpuAccount, stop_all, wait_for_quiet_machine

PAGE = 50
PROTOCOL = "2025-11-25"  # what the official SDKs negotiate with Taskward
CALL = json.dumps({
    "jsonrpc": "2.0", "id": 1, "method": "tools/call",
    "params": {"name": "list_tasks", "arguments": {"limit": PAGE}},
}, separators=(",", ":"))
MCP_HEADERS = (("Accept", "application/json, text/event-stream"), ("MCP-Protocol-Version", PROTOCOL))


def cases(pat: str, jwt: str) -> list[tuple[str, Request]]:
    return [
        (f"API `GET {LIST}`, personal access token (the baseline)", Request("GET", LIST, pat)),
        (f"API `GET {LIST}`, the session's JWT", Request("GET", LIST, jwt)),
        (f"MCP `tools/call` `list_tasks` `{{limit: {PAGE}}}`, personal access token",
         Request("POST", "/mcp", pat, CALL, MCP_HEADERS)),
    ]


def headers_of(req: Request) -> dict:
    out = {"Authorization": f"Bearer {req.token}", **dict(req.headers)}
    if req.body:
        out["Content-Type"] = "application/json"
    return out


def check(client: Client, reqs: list[tuple[str, Request]]) -> int:
    """The tool's page is the API's page (same ids, same total); the body sizes."""
    api = client.send("GET", LIST, headers_of(reqs[0][1]), None)
    if api[0] != 200:
        raise RuntimeError(f"GET {LIST}: {api[0]}")
    mcp_req = reqs[2][1]
    status, raw = client.send("POST", "/mcp", headers_of(mcp_req), mcp_req.body.encode())
    if status != 200:
        raise RuntimeError(f"POST /mcp: {status} {raw[:300]!r}")
    result = json.loads(raw)["result"]
    page = result["structuredContent"]
    api_ids = [t["id"] for t in json.loads(api[1])]
    if result.get("isError") or [t["id"] for t in page["tasks"]] != api_ids or len(api_ids) != PAGE:
        raise RuntimeError(f"the tool's page is not the API's: {raw[:300]!r}")
    return len(raw)


def measure(server, reqs, workdir: Path, rounds: int, seconds: float, connections: int) -> list[dict]:
    check(Client(server.port), reqs)
    out = []
    for i, (name, req) in enumerate(reqs):
        client = Client(server.port)  # a new connection: the last one idled through wrk's runs
        body = req.body.encode() if req.body else None
        status, raw = client.send(req.method, req.path, headers_of(req), body)
        times = client.time(req.method, req.path, headers_of(req), body, 200, rounds)
        path = write_requests(workdir / f"case{i}.tsv", [req])
        Wrk(server.port, path, min(2, seconds), connections).result()  # warm-up, thrown away
        wait_for_quiet_machine(10)
        with CpuAccount(server) as cpu:
            load = Wrk(server.port, path, seconds, connections).result()
        if load.error_rate > 0.01:
            raise RuntimeError(f"{name}: {load.error_rate:.1%} errors; see {server.log_path}")
        account = cpu.to_dict(load.requests)
        if account["others_cpus"] > 0.2:
            print(f"  NOISY: other processes used {account['others_cpus']:.2f} CPUs during: {name}",
                  flush=True)
        out.append({"name": name, "times": times, "bytes": len(raw), "load": load,
                    "cpu_us": account["server_cpu_us_per_request"] or 0})
    return out


def table(backend: str, results: list[dict], connections: int) -> str:
    base = results[0]
    base_p50 = statistics.median(base["times"])
    rows = [
        f"### {backend}",
        "",
        f"| request | p50 ms, one at a time | p90 ms | x baseline (p50) | req/s, {connections} connections "
        "| p99 ms | CPU µs/request | x baseline (CPU) | baseline/this (req/s) | body |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in results:
        p50 = statistics.median(r["times"])
        load = r["load"]
        rows.append(
            f"| {r['name']} | {p50:.2f} | {percentile(r['times'], 90):.2f} | {p50 / base_p50:.2f} | "
            f"{load.rps:,.0f} | {load.p99_ms:.2f} | {r['cpu_us']:,.0f} | "
            f"{r['cpu_us'] / base['cpu_us']:.2f} | {base['load'].rps / load.rps:.2f} | "
            f"{r['bytes'] / 1024:,.1f} KiB |"
        )
    return "\n".join(rows) + "\n"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tasks", type=int, default=200)
    p.add_argument("--rounds", type=int, default=300, help="requests one at a time, per case")
    p.add_argument("--duration", type=float, default=10, help="seconds under load, per case")
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--quick", action="store_true", help="smoke run: 60 tasks, 20 rounds, 1 s under load")
    p.add_argument("--taskward-bin", type=Path, help="default: $CARGO_TARGET_DIR/release/taskward")
    args = p.parse_args()
    if args.quick:
        args.tasks, args.rounds, args.duration = 60, 20, 1
    try:
        for backend, url in backends():
            with taskward_on(args.taskward_bin or release_binary(), url, "mcp") as (server, workdir):
                try:
                    api = Api(server.port)
                    user = seed_users(api, "mcp", 1, args.tasks)[0]
                    pat = api.expect(201, "POST", "/api/auth/tokens", user.token,
                                     {"name": "bench", "scopes": ["tasks:read"]})["token"]
                    results = measure(server, cases(pat, user.token), workdir, args.rounds,
                                      args.duration, args.connections)
                except Exception:
                    # The temporary directory goes with the run: show the server's last words.
                    log = server.log_path.read_text(errors="replace").splitlines()
                    print("\n".join(["  taskward's log, last lines:", *log[-20:]]), flush=True)
                    raise
            print(table(f"{backend}, {args.tasks} tasks", results, args.connections), flush=True)
    finally:
        stop_all()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
