"""Turning results.json into the Markdown tables and the SVG plots.

Ratios are always Taskward / peer measured in the same run, on the same machine, one
server at a time. "x" ratios above 1 mean Taskward is faster (more requests per second).
"""

from __future__ import annotations

from pathlib import Path

DEBUG_NOTE = ("DEBUG BUILD: a smoke run of the harness (every scenario answered, or not); "
              "its numbers say nothing about Taskward's performance")

ORDER = ["ceiling", "me", "list", "search", "toggle", "create", "signin", "storm_list_quiet",
         "storm_list_under_signin", "storm_signin", "big_list", "big_pending", "big_search"]
LABEL = {
    "ceiling": "ceiling: GET /healthz",
    "me": "GET /api/auth/me (auth only)",
    "list": "list 50 tasks",
    "search": "list, status=pending & q=report",
    "toggle": "toggle (PATCH .../complete)",
    "create": "create (POST /api/tasks)",
    "signin": "sign-in",
    "storm_list_quiet": "storm: list, alone",
    "storm_list_under_signin": "storm: list, under sign-in storm",
    "storm_signin": "storm: the sign-ins themselves",
    "big_list": "1 M tasks: list 50",
    "big_pending": "1 M tasks: status=pending",
    "big_search": "1 M tasks: status=pending & q=report",
}


def _index(results: dict) -> dict:
    """{backend: {scenario: {server: outcome}}}"""
    idx: dict = {}
    for b in results["backends"]:
        for o in b["outcomes"]:
            idx.setdefault(b["backend"], {}).setdefault(o["scenario"], {})[o["server"]] = o
    return idx


def _load(idx, backend, scenario, server):
    o = idx.get(backend, {}).get(scenario, {}).get(server)
    return o["load"] if o and o.get("load") else None


def _fmt(x: float | None, digits: int = 1) -> str:
    if x is None:
        return "–"
    if x >= 1000:
        return f"{x:,.0f}"
    if x >= 100:
        return f"{x:.0f}"
    return f"{x:.{digits}f}"


def _ms(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:.2f}" if x < 10 else f"{x:.1f}" if x < 100 else f"{x:,.0f}"


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a and b else None


def all_measured(results: dict) -> bool:
    """True when no scenario was skipped and no run had more than 1 % errors."""
    for b in results["backends"]:
        if b.get("incidents"):
            return False
        for o in b["outcomes"]:
            if o["skipped"] or (o["load"] and o["load"]["error_rate"] > 0.01):
                return False
        tn = b.get("two_nodes")
        if tn and (tn.get("skipped") or not tn.get("ratio")
                   or max(tn[k]["error_rate"] for k in ("one_node", "two_nodes", "one_node_after") if k in tn) > 0.01):
            return False
    return True


def scenario_table(results: dict, backend: str) -> list[str]:
    idx = _index(results)
    rows = [
        "| scenario | conns | Taskward req/s | p50 ms | p99 ms | peer req/s | p50 ms | p99 ms | Taskward/peer req/s |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for name in ORDER:
        cell = idx.get(backend, {}).get(name)
        if not cell:
            continue
        tw, peer = _load(idx, backend, name, "taskward"), _load(idx, backend, name, "peer")
        notes = []
        for server, o in sorted(cell.items()):
            if o.get("skipped"):
                notes.append(f"{server}: {o['skipped']}")
            elif o["load"]["error_rate"] > 0.01:
                notes.append(f"{server}: {o['load']['error_rate']:.0%} errors")
        conns = (tw or peer or {}).get("connections", "")
        r = _ratio(tw and tw["rps"], peer and peer["rps"])
        label = LABEL.get(name, name) + (f" ({'; '.join(notes)})" if notes else "")
        rows.append(
            f"| {label} | {conns} | {_fmt(tw and tw['rps'])} | {_ms(tw and tw['p50_ms'])} | {_ms(tw and tw['p99_ms'])} "
            f"| {_fmt(peer and peer['rps'])} | {_ms(peer and peer['p50_ms'])} | {_ms(peer and peer['p99_ms'])} "
            f"| {f'{r:.1f}x' if r else '–'} |"
        )
    return rows


def cpu_table(results: dict, backend: str) -> list[str]:
    """Server CPU time per request (robust to a busy machine) and how busy the machine was."""
    idx = _index(results)
    others_label = "others' CPUs (PostgreSQL included)" if backend == "postgres" else "others' CPUs"
    rows = [
        "| scenario | Taskward CPU µs/request | peer CPU µs/request | peer/Taskward | "
        f"Taskward context switches/request | Taskward used CPUs | peer used CPUs | {others_label} |",
        "|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for name in ORDER:
        cell = idx.get(backend, {}).get(name)
        if not cell or name == "storm_signin":  # the storm's CPU is shared with the list row
            continue
        cpu = {srv: (o.get("cpu") or {}) for srv, o in cell.items()}
        tw, peer = cpu.get("taskward", {}), cpu.get("peer", {})
        twu, pu = tw.get("server_cpu_us_per_request"), peer.get("server_cpu_us_per_request")
        r = _ratio(pu, twu)
        others = [c.get("others_cpus") for c in cpu.values() if c.get("others_cpus") is not None]
        rows.append(
            f"| {LABEL.get(name, name)} | {_fmt(twu)} | {_fmt(pu)} | {f'{r:.1f}x' if r else '–'} "
            f"| {_fmt(tw.get('context_switches_per_request'))} | {_fmt(tw.get('server_cpus'), 2)} | {_fmt(peer.get('server_cpus'), 2)} "
            f"| {', '.join(f'{x:.2f}' for x in others) or '–'} |"
        )
    return rows


def memory_table(results: dict, backend: str) -> list[str]:
    b = next(x for x in results["backends"] if x["backend"] == backend)
    idx = _index(results)
    s = b["startup"]

    def peak(server, scenario=None):
        vals = [o["rss_peak_mib"] for n, cell in idx.get(backend, {}).items()
                for srv, o in cell.items() if srv == server and o.get("rss_peak_mib")
                and (scenario is None or n == scenario)]
        return max(vals) if vals else None

    def row(label, f, unit=""):
        return f"| {label} | {f('taskward')}{unit} | {f('peer')}{unit} |"

    get = lambda key: (lambda srv: _fmt(s.get(srv, {}).get(key)))

    def idle(key, field, digits=2):
        return lambda srv: _fmt((s.get(srv, {}).get(key) or {}).get(field), digits)
    rows = [
        "| | Taskward | peer |",
        "|---|--:|--:|",
        row("processes", lambda srv: str(s.get(srv, {}).get("processes", "–"))),
        row("idle RSS after start, MiB", get("idle_rss_mib")),
        row("idle PSS after start, MiB", get("idle_pss_mib")),
        row("idle anonymous RSS after start (RssAnon), MiB", get("idle_rss_anon_mib")),
        row("peak RSS during the list scenario, MiB", lambda srv: _fmt(peak(srv, "list"))),
        row("peak RSS over all scenarios, MiB", lambda srv: _fmt(peak(srv))),
        row("RSS after the load, MiB", get("after_load_rss_mib")),
        row("anonymous RSS after the load, MiB", get("after_load_rss_anon_mib")),
        row("idle CPU after start, % of a core", idle("idle_cpu_after_start", "cpu_percent")),
        row("idle CPU after the load, % of a core", idle("idle_cpu_after_load", "cpu_percent")),
        row("idle wake-ups/s after start (context switches)", idle("idle_cpu_after_start", "wakeups_per_s", 1)),
        row("idle wake-ups/s after the load", idle("idle_cpu_after_load", "wakeups_per_s", 1)),
        row("start to ready, empty database, ms", get("ready_ms_empty")),
        row("start to ready, seeded database, ms", get("ready_ms_seeded")),
    ]
    if backend == "sqlite":
        rows.append(f"| installed size, MiB | {_fmt(results['taskward_binary_mib'])} "
                    f"({results.get('build', 'release')} binary) "
                    f"| {_fmt(results['peer_venv_mib'])} (virtualenv, without Python itself) |")
    return rows


def targets(results: dict) -> list[dict]:
    """Issue 6's targets, each evaluated from this run's numbers (SQLite backend)."""
    idx = _index(results)
    sq = next((b for b in results["backends"] if b["backend"] == "sqlite"), None)
    rps = lambda sc, srv: (_load(idx, "sqlite", sc, srv) or {}).get("rps")
    out = []

    def ratio_target(name, scenario, minimum):
        r = _ratio(rps(scenario, "taskward"), rps(scenario, "peer"))
        out.append({"target": f"{name} >= {minimum}x the peer", "measured": f"{r:.1f}x" if r else "not measured",
                    "met": (r >= minimum) if r else None})

    ratio_target("list", "list", 25)
    ratio_target("create", "create", 15)
    ratio_target("sign-in", "signin", 5)

    quiet = _load(idx, "sqlite", "storm_list_quiet", "taskward")
    loud = _load(idx, "sqlite", "storm_list_under_signin", "taskward")
    pq, pl = _load(idx, "sqlite", "storm_list_quiet", "peer"), _load(idx, "sqlite", "storm_list_under_signin", "peer")
    r = _ratio(loud and loud["p99_ms"], quiet and quiet["p99_ms"])
    pr = _ratio(pl and pl["p99_ms"], pq and pq["p99_ms"])
    out.append({
        "target": "list p99 under a sign-in storm < 2x its p99 without",
        "measured": (f"{r:.2f}x ({_ms(quiet['p99_ms'])} -> {_ms(loud['p99_ms'])} ms; peer {pr:.2f}x)" if r and pr
                     else f"{r:.2f}x" if r else "not measured"),
        "met": (r < 2) if r else None,
    })
    big = _load(idx, "sqlite", "big_pending", "taskward")
    pbig = _load(idx, "sqlite", "big_pending", "peer")
    n = results["backends"][0].get("big_tasks") if results["backends"] else None
    out.append({
        "target": f"filtered list over {n or '1 000 000'} tasks p50 < 5 ms",
        "measured": (f"{_ms(big['p50_ms'])} ms (peer {_ms(pbig['p50_ms']) if pbig else '–'} ms)" if big
                     else "not measured"),
        "met": (big["p50_ms"] < 5) if big else None,
    })
    idle = sq and sq["startup"].get("taskward", {}).get("idle_rss_mib")
    out.append({
        "target": "idle RSS < 20 MB",
        "measured": f"{idle * 1.048576:.1f} MB ({idle:.1f} MiB)" if idle else "not measured",
        "met": (idle * 1.048576 < 20) if idle else None,
    })
    st = sq["startup"].get("taskward", {}) if sq else {}
    ready = [v for v in (st.get("ready_ms_empty"), st.get("ready_ms_seeded")) if v]
    out.append({
        "target": "ready in < 200 ms",
        "measured": (f"{st['ready_ms_empty']:.0f} ms empty, "
                     + (f"{st['ready_ms_seeded']:.0f} ms seeded" if st.get("ready_ms_seeded") else "")
                     if ready else "not measured"),
        "met": (max(ready) < 200) if ready else None,
    })
    return out


def hello_lines(results: dict) -> list[str]:
    """The bare axum hello world beside Taskward's own GET /healthz (SQLite run)."""
    hello = results.get("hello")
    if not hello:
        return []
    if hello.get("skipped") or not hello.get("load"):
        return [f"Ceiling of this hardware: not measured ({hello.get('skipped')}).", ""]
    load, cpu = hello["load"], hello.get("cpu", {})
    rows = [
        "## The hardware's ceiling", "",
        "| server | conns | req/s | p50 ms | p99 ms | CPU µs/request |",
        "|---|--:|--:|--:|--:|--:|",
        f"| bare axum hello world (`examples/hello.rs`), `GET /` | {load['connections']} | {_fmt(load['rps'])} "
        f"| {_ms(load['p50_ms'])} | {_ms(load['p99_ms'])} | {_fmt(cpu.get('server_cpu_us_per_request'))} |",
    ]
    healthz = _index(results).get("sqlite", {}).get("ceiling", {}).get("taskward")
    if healthz and healthz.get("load"):
        h = healthz["load"]
        share = _ratio(h["rps"], load["rps"])
        rows.append(
            f"| Taskward `GET /healthz` (its whole middleware stack) | {h['connections']} | {_fmt(h['rps'])} "
            f"| {_ms(h['p50_ms'])} | {_ms(h['p99_ms'])} | {_fmt(healthz.get('cpu', {}).get('server_cpu_us_per_request'))} |")
        if share:
            rows += ["", f"Taskward's `/healthz` reaches {share:.0%} of the bare hello world's requests/s."]
    return rows + [""]


def markdown(results: dict) -> str:
    m = results["machine"]
    lines = [
        f"# Benchmark results ({results['mode']} run, {results['started_at']})",
        "",
        f"Machine: {m['cpus']} CPUs ({m['cpu_model']}), {m['memory_gib']} GiB, Linux {m['kernel']}; "
        f"{m['wrk']}; {m['rustc']}; Taskward {m['taskward_commit']}. "
        f"Command: `{results['command'].strip()}`; {results['duration_s']:g} s per measured run "
        f"after a warm-up run. Seed: {results['seed']}.",
        "",
    ]
    if results.get("build") == "debug":
        lines += [f"**{DEBUG_NOTE}.**", ""]
    lines += hello_lines(results)
    for b in results["backends"]:
        for i in b.get("incidents", []):
            lines += [f"**Incident ({b['backend']}):** {i['server']} exited with code {i['exit_code']} before "
                      f"the `{i['before_scenario']}` scenario and was restarted on the same database; the "
                      "scenarios after it ran against the restarted process.", ""]
        lines += [f"## {b['backend']}: requests/s and latency", ""] + scenario_table(results, b["backend"]) + [""]
        lines += [f"## {b['backend']}: server CPU per request", "",
                  "CPU time of the server's processes during the measured run divided by the requests "
                  "answered (on PostgreSQL without the database's own CPU); the last column is what "
                  "other processes on the machine used meanwhile (Taskward's run, then the peer's), "
                  "in CPUs.", ""] + cpu_table(results, b["backend"]) + [""]
        lines += [f"## {b['backend']}: memory and start-up", ""] + memory_table(results, b["backend"]) + [""]
    from . import targets22, twonodes  # they use this module's helpers

    lines += twonodes.report_lines(results)
    lines += ["## Targets (issue 6), from this run", "", "| target | measured | met |", "|---|---|---|"]
    for t in targets(results):
        met = "–" if results.get("build") == "debug" else {True: "yes", False: "**no**", None: "–"}[t["met"]]
        lines.append(f"| {t['target']} | {t['measured']} | {met} |")
    lines += [""] + targets22.lines(results)
    return "\n".join(lines) + "\n"


def plots(results: dict, out_dir: Path) -> list[Path]:
    """throughput.svg and latency.svg: one panel per database kind, Taskward beside the
    peer for every scenario, on log scales (the two differ by one to two orders of
    magnitude)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plots (bench/run installs it in bench/.venv)")
        return []
    plt.rcParams["svg.hashsalt"] = "taskward-bench"  # stable ids: re-runs diff cleanly
    plt.rcParams["font.size"] = 9
    idx = _index(results)
    colors = {"taskward": "#c2410c", "peer": "#1d4ed8"}
    backends = [b["backend"] for b in results["backends"]]
    written = []

    def panels(height_per_row):
        names = {b: [n for n in ORDER if n in idx.get(b, {})] for b in backends}
        heights = [max(1, len(names[b])) for b in backends]
        fig, axes = plt.subplots(len(backends), 1, figsize=(9, sum(heights) * height_per_row + 1.2 * len(backends)),
                                 gridspec_kw={"height_ratios": heights}, squeeze=False)
        return fig, [a[0] for a in axes], names

    # Throughput.
    fig, axes, names = panels(0.42)
    for ax, b in zip(axes, backends):
        ys = range(len(names[b]))
        for k, server in enumerate(("taskward", "peer")):
            vals = [(_load(idx, b, n, server) or {}).get("rps") or 0 for n in names[b]]
            ax.barh([y + (k - 0.5) * 0.38 for y in ys], vals, height=0.38, color=colors[server],
                    label="Taskward" if server == "taskward" else "FastAPI peer")
        for y, n in zip(ys, names[b]):
            r = _ratio((_load(idx, b, n, "taskward") or {}).get("rps"), (_load(idx, b, n, "peer") or {}).get("rps"))
            if r:
                ax.text(1.01, y, f"{r:.1f}x", transform=ax.get_yaxis_transform(), va="center")
        ax.set_yticks(list(ys), [LABEL.get(n, n) for n in names[b]])
        ax.invert_yaxis()
        ax.set_xscale("log")
        ax.set_xlabel("requests per second (log scale; right: Taskward / peer)")
        ax.set_title(f"Throughput, {b}", loc="left")
        ax.grid(axis="x", which="both", alpha=0.25)
        ax.legend(loc="lower right")
    fig.tight_layout()
    path = out_dir / "throughput.svg"
    fig.savefig(path, format="svg", metadata={"Date": None})
    plt.close(fig)
    written.append(path)

    # Latency: p50 as a bar, p99 as a whisker mark.
    fig, axes, names = panels(0.42)
    for ax, b in zip(axes, backends):
        ys = range(len(names[b]))
        for k, server in enumerate(("taskward", "peer")):
            loads = [_load(idx, b, n, server) or {} for n in names[b]]
            pos = [y + (k - 0.5) * 0.38 for y in ys]
            ax.barh(pos, [l.get("p50_ms") or 0 for l in loads], height=0.38, color=colors[server], alpha=0.85,
                    label=("Taskward" if server == "taskward" else "FastAPI peer") + " p50")
            ax.scatter([l.get("p99_ms") or float("nan") for l in loads], pos, marker="|", s=120,
                       color=colors[server], label=("Taskward" if server == "taskward" else "FastAPI peer") + " p99")
        ax.set_yticks(list(ys), [LABEL.get(n, n) for n in names[b]])
        ax.invert_yaxis()
        ax.set_xscale("log")
        ax.set_xlabel("latency, ms (log scale; bar p50, tick p99)")
        ax.set_title(f"Latency, {b}", loc="left")
        ax.grid(axis="x", which="both", alpha=0.25)
        ax.legend(loc="lower right", fontsize=7)
    fig.tight_layout()
    path = out_dir / "latency.svg"
    fig.savefig(path, format="svg", metadata={"Date": None})
    plt.close(fig)
    written.append(path)
    return written
