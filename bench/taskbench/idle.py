"""What an idle Taskward costs (issue 22: an idle server uses < 1 % of a core).

Nothing is sent to the server for `seconds`; its process's utime + stime (from
/proc/PID/stat, which includes threads that ended meanwhile) over that window, as a
percentage of one core, and the context switches of its threads per second: an idle
server's threads only run when a timer of a background worker (reminders, trash sweeps,
rate-limit sweeps, the pool's housekeeping) wakes them, and each such wake-up is one
voluntary context switch. The tick is 10 ms, so a 30 s window resolves 0.03 % of a core.
"""

from __future__ import annotations

import time

from .servers import TICK_S, Server


def measure(server: Server, seconds: float, when: str) -> dict:
    """Idle CPU of `server` over `seconds` of silence; printed and returned for results.json."""
    switches0 = server.context_switches()
    ticks0 = server.cpu_ticks()
    t0 = time.monotonic()
    time.sleep(seconds)
    wall = time.monotonic() - t0
    ticks = server.cpu_ticks() - ticks0
    after = server.context_switches()
    switches = sum(max(0, n - switches0.get(tid, 0)) for tid, n in after.items())
    out = {
        "seconds": wall,
        "cpu_percent": ticks * TICK_S / wall * 100 if wall else None,
        "cpu_ms": ticks * TICK_S * 1000,
        "wakeups_per_s": switches / wall if wall else None,
        "threads": len(after),
    }
    print(f"  {server.name:9} idle {when}: {out['cpu_percent']:.2f} % of a core over {wall:.0f} s "
          f"({out['cpu_ms']:.0f} ms of CPU, {out['wakeups_per_s']:.1f} wake-ups/s, {len(after)} threads)",
          flush=True)
    return out
