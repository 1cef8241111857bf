"""What calendars cost (issue 18): a private `.ics` feed and the CalDAV reports over one
list of 10 000 tasks, against the baseline of the same run and server, the API's page of
200 tasks of that list (`GET /api/tasks?list=...&limit=200`, with its `X-Total-Count`).

Run with `bench/calendars` (SQLite; `scripts/with-postgres bench/calendars` adds
PostgreSQL). One user, one list, seeded through the API: every task has a due (a third
all-day, the rest timed), every fifth recurs weekly, every third has a reminder, most have
tags. Each request is sent `--rounds` times on one keep-alive connection, one at a time
(a calendar app polls, it does not storm), after two warm-up rounds; the table gives the
latency percentiles and the ratio of the p50 to the baseline's p50.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

from .fresh import backends, release_binary, taskward_on
from .seed import Api, signup
from .servers import stop_all


QUERY_ALL = b"""<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
<d:prop><d:getetag/><c:calendar-data/></d:prop>
<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VTODO"/></c:comp-filter></c:filter>
</c:calendar-query>"""
QUERY_PENDING_ETAGS = b"""<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
<d:prop><d:getetag/></d:prop>
<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VTODO">
<c:prop-filter name="COMPLETED"><c:is-not-defined/></c:prop-filter></c:comp-filter></c:comp-filter></c:filter>
</c:calendar-query>"""
QUERY_WEEK = b"""<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
<d:prop><d:getetag/><c:calendar-data/></d:prop>
<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VTODO">
<c:time-range start="20270301T000000Z" end="20270308T000000Z"/></c:comp-filter></c:comp-filter></c:filter>
</c:calendar-query>"""
SYNC_FIRST = b"""<?xml version="1.0"?><d:sync-collection xmlns:d="DAV:">
<d:sync-token/><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>"""
PROPFIND_ETAGS = b"""<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>"""


def task(i: int, list_id: str) -> dict:
    day = 1 + i % 28
    month = 1 + (i // 28) % 12
    body = {
        "title": f"Calendar bench task {i}",
        "list_id": list_id,
        "tags": [["work"], ["home", "errand"], []][i % 3],
    }
    if i % 3 == 0:
        body["due_date"] = f"2027-{month:02}-{day:02}"
    else:
        body["due_at"] = f"2027-{month:02}-{day:02}T{8 + i % 10:02}:30:00Z"
    if i % 5 == 0:
        body["recurrence"] = {"rule": "FREQ=WEEKLY"}
    if i % 3 == 1:
        body["reminders"] = [{"before": "PT30M"}]
    return body


class Client:
    """One keep-alive connection; `time(method, path, headers, body)` gives milliseconds."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def send(self, method: str, path: str, headers: dict, body: bytes | None) -> tuple[int, bytes]:
        self.conn.request(method, path, body=body, headers=headers)
        resp = self.conn.getresponse()
        return resp.status, resp.read()

    def time(self, method, path, headers, body, expect: int, rounds: int) -> list[float]:
        for _ in range(2):
            status, raw = self.send(method, path, headers, body)
            if status != expect:
                raise RuntimeError(f"{method} {path}: {status}, expected {expect}: {raw[:300]!r}")
        out = []
        for _ in range(rounds):
            start = time.perf_counter()
            status, _ = self.send(method, path, headers, body)
            out.append((time.perf_counter() - start) * 1000)
            if status != expect:
                raise RuntimeError(f"{method} {path}: {status}, expected {expect}")
        return out


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def run(port: int, n: int, rounds: int) -> list[tuple[str, list[float], int]]:
    api = Api(port)
    user = signup(api, "calendars@bench.test")
    lst = api.expect(201, "POST", "/api/lists", user.token, {"name": "Bench"})
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: api.expect(201, "POST", "/api/tasks", user.token, task(i, lst["id"])), range(n)))
    feed = api.expect(201, "POST", "/api/feeds", user.token, {"list_id": lst["id"]})
    pat = api.expect(201, "POST", "/api/auth/tokens", user.token,
                     {"name": "bench", "scopes": ["tasks:read"]})["token"]
    basic = "Basic " + base64.b64encode(f"calendars@bench.test:{pat}".encode()).decode()
    collection = f"/dav/calendars/{user.id}/{lst['id']}/"
    feed_path = "/" + feed["url"].split("/", 3)[3]
    bearer = {"Authorization": f"Bearer {user.token}"}
    xml = {"Authorization": basic, "Content-Type": "application/xml", "Depth": "1"}
    client = Client(port)
    cases = [
        ("API page of 200 tasks of the list (the baseline)", "GET",
         f"/api/tasks?list={lst['id']}&limit=200", bearer, None, 200),
        ("feed: the list's `.ics` (every pending task with a due)", "GET", feed_path, {}, None, 200),
        ("CalDAV `calendar-query`: every VTODO with its data", "REPORT", collection, xml, QUERY_ALL, 207),
        ("CalDAV `calendar-query`: pending ones, ETags only", "REPORT", collection, xml,
         QUERY_PENDING_ETAGS, 207),
        ("CalDAV `calendar-query`: one week's, with data", "REPORT", collection, xml, QUERY_WEEK, 207),
        ("CalDAV first `sync-collection` (ETags)", "REPORT", collection, xml, SYNC_FIRST, 207),
        ("CalDAV `PROPFIND` depth 1 (ETags)", "PROPFIND", collection, xml, PROPFIND_ETAGS, 207),
    ]
    out = []
    for name, method, path, headers, body, expect in cases:
        status, raw = client.send(method, path, headers, body)
        out.append((name, client.time(method, path, headers, body, expect, rounds), len(raw)))
    return out


def table(backend: str, n: int, results) -> str:
    base = statistics.median(results[0][1])
    rows = [
        f"### {backend}, one list of {n:,} tasks",
        "",
        "| request | p50 ms | p90 ms | max ms | body KiB | x baseline (p50) |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for name, times, size in results:
        p50 = statistics.median(times)
        rows.append(
            f"| {name} | {p50:.1f} | {percentile(times, 90):.1f} | {max(times):.1f} | "
            f"{size / 1024:,.0f} | {p50 / base:.1f} |"
        )
    return "\n".join(rows) + "\n"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--tasks", type=int, default=10_000)
    p.add_argument("--rounds", type=int, default=30)
    args = p.parse_args()
    try:
        for backend, url in backends():
            with taskward_on(release_binary(), url, "calendars") as (server, _):
                results = run(server.port, args.tasks, args.rounds)
            print(table(backend, args.tasks, results), flush=True)
    finally:
        stop_all()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
