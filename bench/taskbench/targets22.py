"""Issue 22's targets that `bench/run` measures, each evaluated from one run's numbers.

The others (a reminder burst, feeds and CalDAV reports over 10 000 tasks, an MCP call
against the API list) have benchmarks of their own: bench/calendars, bench/mcp, ...
"""

from __future__ import annotations

from .report import _index, _load, _ms, _ratio


def _backend(results: dict, name: str) -> dict | None:
    return next((b for b in results["backends"] if b["backend"] == name), None)


def _startup_values(results: dict, key: str) -> list[tuple[str, float]]:
    """(backend, value) of Taskward's startup[key] on every backend that has it."""
    return [(b["backend"], b["startup"]["taskward"][key]) for b in results["backends"]
            if b["startup"].get("taskward", {}).get(key) is not None]


def targets(results: dict) -> list[dict]:
    idx = _index(results)
    out: list[dict] = []

    def add(target: str, measured: str | None, met: bool | None) -> None:
        out.append({"target": target, "measured": measured or "not measured", "met": met})

    for backend, scenario, minimum in (("postgres", "list", 25), ("postgres", "create", 15),
                                       ("postgres", "toggle", 15), ("sqlite", "list", 40),
                                       ("sqlite", "create", 25)):
        tw, peer = _load(idx, backend, scenario, "taskward"), _load(idx, backend, scenario, "peer")
        r = _ratio(tw and tw["rps"], peer and peer["rps"])
        add(f"{backend}: {scenario} >= {minimum}x the peer",
            f"{r:.1f}x ({tw['rps']:,.0f} vs {peer['rps']:,.0f} req/s)" if r else None, r >= minimum if r else None)

    quiet = _load(idx, "sqlite", "storm_list_quiet", "taskward")
    loud = _load(idx, "sqlite", "storm_list_under_signin", "taskward")
    r = _ratio(loud and loud["p99_ms"], quiet and quiet["p99_ms"])
    add("list p99 under a sign-in storm <= 1.5x its p99 without",
        f"{r:.2f}x ({_ms(quiet['p99_ms'])} -> {_ms(loud['p99_ms'])} ms)" if r else None, r <= 1.5 if r else None)

    sq = _backend(results, "sqlite") or {}
    big = [(n, _load(idx, "sqlite", n, "taskward")) for n in ("big_list", "big_pending", "big_search")]
    big = [(n, l) for n, l in big if l]
    if big:
        worst = max(l["p50_ms"] for _, l in big)
        add(f"{sq.get('big_tasks', 1_000_000):,}-task account, each list shape p50 < 10 ms (SQLite; "
            "here: unfiltered, pending, pending & q=)",
            ", ".join(f"{_ms(l['p50_ms'])}" for _, l in big) + " ms", worst < 10)
    else:
        add("a 1 000 000-task account, each list shape p50 < 10 ms", None, None)

    def each(label: str, key: str, limit: float, fmt, unit: str) -> None:
        vals = _startup_values(results, key)
        add(label, ", ".join(f"{fmt(v)} {unit} ({b})" for b, v in vals) if vals else None,
            all(v < limit for _, v in vals) if vals else None)

    each("RSS after the whole run < 50 MiB", "after_load_rss_mib", 50, lambda v: f"{v:.1f}", "MiB")
    each("idle RSS < 20 MiB", "idle_rss_mib", 20, lambda v: f"{v:.1f}", "MiB")
    anon = _startup_values(results, "idle_rss_anon_mib")
    if anon:
        out[-1]["measured"] += "; anonymous part " + ", ".join(f"{v:.1f} MiB ({b})" for b, v in anon)
    ready = _startup_values(results, "ready_ms_empty") + _startup_values(results, "ready_ms_seeded")
    add("ready < 100 ms (empty and seeded database)",
        ", ".join(f"{v:.0f} ms ({b})" for b, v in ready) if ready else None,
        all(v < 100 for _, v in ready) if ready else None)
    mib = results.get("taskward_binary_mib")
    add(f"{results.get('build', 'release')} binary < 30 MB",
        f"{mib * 1.048576:.1f} MB ({mib:.1f} MiB)" if mib else None, mib * 1.048576 < 30 if mib else None)

    idle = [(f"{b['backend']} {when}", b["startup"]["taskward"].get(key)) for b in results["backends"]
            for when, key in (("after start", "idle_cpu_after_start"), ("after the load", "idle_cpu_after_load"))]
    idle = [(w, v) for w, v in idle if v and v.get("cpu_percent") is not None]
    add("an idle server uses < 1 % of a core",
        ", ".join(f"{v['cpu_percent']:.2f} % ({w}, {v['wakeups_per_s']:.0f} wake-ups/s)" for w, v in idle)
        if idle else None, all(v["cpu_percent"] < 1 for _, v in idle) if idle else None)

    tn = next((b["two_nodes"] for b in results["backends"] if b.get("two_nodes")), None)
    ratio = tn and tn.get("ratio")
    add("two nodes on PostgreSQL serve the list at >= 1.6x one node",
        f"{ratio:.2f}x ({tn['two_nodes']['rps']:,.0f} vs {tn['one_node']['rps']:,.0f} req/s; machine "
        f"{tn['one_node']['cpus']['machine']:.2f} and {tn['two_nodes']['cpus']['machine']:.2f} CPUs busy)"
        if ratio else None, ratio >= 1.6 if ratio else None)
    return out


def lines(results: dict) -> list[str]:
    debug = results.get("build") == "debug"
    rows = ["## Targets (issue 22), from this run", ""]
    if debug:
        rows += ["A debug build: the column *met* is left empty.", ""]
    rows += ["| target | measured | met |", "|---|---|---|"]
    for t in targets(results):
        met = "–" if debug else {True: "yes", False: "**no**", None: "–"}[t["met"]]
        rows.append(f"| {t['target']} | {t['measured']} | {met} |")
    return rows + [""]
