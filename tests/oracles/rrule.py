"""The recurrence oracle: python-dateutil's rrule expands the series Taskward expands.

Reads a JSON array of cases from stdin and writes a JSON array of series to stdout, one per
case, in order. A case is {"rule", "start", "zone", "n"}: an RFC 5545 RRULE value, the
series' first due as a local date ("2026-03-27", all day) or local date-time
("2026-03-27T09:30:00") in the IANA zone, and how many occurrences to give at most. A series
is the first n occurrences: dates for all-day cases, UTC instants ("...Z") for timed ones.

dateutil expands the rule; this script adds what RFC 5545 says and dateutil leaves to its
caller: DTSTART is always the first occurrence and counts towards COUNT, and a local time is
placed in its zone with the earlier offset of a fold and moved forward by a gap (Python's
fold=0), and UNTIL given as a UTC instant bounds the placed instants.
"""

import json
import sys
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr


def placed(local, zone):
    """The UTC instant of a naive local date-time in the zone."""
    return local.replace(tzinfo=zone).astimezone(timezone.utc)


def series(case):
    all_day = "T" not in case["start"]
    start = datetime.fromisoformat(case["start"])
    zone = ZoneInfo(case["zone"])
    parts = dict(part.split("=", 1) for part in case["rule"].split(";"))
    count = int(parts.pop("COUNT")) if "COUNT" in parts else None
    until = parts.pop("UNTIL", None)
    limit = min(case["n"], count or case["n"])

    def within(local):
        if until is None:
            return True
        if until.endswith("Z"):
            bound = datetime.strptime(until, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
            return placed(local, zone) <= bound
        return local.date() <= datetime.strptime(until, "%Y%m%d").date()

    found = [start]
    rule = rrulestr(";".join(f"{k}={v}" for k, v in parts.items()), dtstart=start)
    for local in rule:
        if len(found) >= limit:
            break
        if local <= start:
            continue
        if not within(local):
            break
        found.append(local)
    if all_day:
        return [local.date().isoformat() for local in found]
    return [placed(local, zone).strftime("%Y-%m-%dT%H:%M:%SZ") for local in found]


def main():
    cases = json.load(sys.stdin)
    json.dump([series(case) for case in cases], sys.stdout)


if __name__ == "__main__":
    main()
