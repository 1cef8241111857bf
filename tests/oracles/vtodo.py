"""The VTODO oracle: the Python icalendar package reads a CalDAV resource (issue 18).

Reads one iCalendar object from stdin and writes JSON to stdout: {"components": the names of
the VCALENDAR's subcomponents, "todos": [...]}. Each VTODO is {"uid", "summary",
"categories" (every CATEGORIES line's values, unescaped), "rrule" (the rule's parts, each a
list of strings), "due" (ISO 8601: a date, or a date-time with its UTC offset; a TZID is
checked against the resource's own VTIMEZONE: its offset there is zoneinfo's), "status", "priority", "alarms" ([{"action",
"trigger": seconds relative or a UTC instant, "related"}]), "x" ({name: [{"value",
"params"}]} for every X- property)}.
"""

import json
import sys
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from icalendar import Calendar


def categories(todo):
    found = todo.get("CATEGORIES")
    if found is None:
        return []
    props = found if isinstance(found, list) else [found]
    return [str(c) for prop in props for c in prop.cats]


def alarm(a):
    value = a.decoded("TRIGGER")
    if isinstance(value, timedelta):
        trigger = {"relative": int(value.total_seconds())}
    else:
        trigger = {"at": value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
    return {"action": str(a.get("ACTION")), "trigger": trigger,
            "related": a["TRIGGER"].params.get("RELATED", "START")}


def main():
    cal = Calendar.from_ical(sys.stdin.buffer.read())
    zones = {str(z["TZID"]): z.to_tz(lookup_tzid=False) for z in cal.walk("VTIMEZONE")}
    todos = []
    for todo in cal.walk("VTODO"):
        rrule = todo.get("RRULE")
        due = todo.decoded("DUE") if "DUE" in todo else None
        tzid = todo["DUE"].params.get("TZID") if "DUE" in todo else None
        if tzid is not None:
            wall = due.replace(tzinfo=None)
            own = wall.replace(tzinfo=zones[tzid]).utcoffset()
            real = wall.replace(tzinfo=ZoneInfo(tzid)).utcoffset()
            assert own == real, f"{tzid} at {wall}: VTIMEZONE says {own}, zoneinfo {real}"
        if isinstance(due, datetime) and due.tzinfo is not None:
            due = due.astimezone(timezone.utc)
        x = {}
        for name, value in todo.property_items(recursive=False):
            if name.startswith("X-"):
                x.setdefault(name, []).append(
                    {"value": value.to_ical().decode() if hasattr(value, "to_ical") else str(value),
                     "params": dict(getattr(value, "params", {}))})
        todos.append({
            "uid": str(todo["UID"]),
            "summary": str(todo.get("SUMMARY")),
            "categories": categories(todo),
            "rrule": None if rrule is None
            else {k: [str(v) for v in vs] for k, vs in rrule.items()},
            "due": None if due is None else due.isoformat(),
            "status": None if "STATUS" not in todo else str(todo["STATUS"]),
            "priority": None if "PRIORITY" not in todo else int(todo["PRIORITY"]),
            "alarms": [alarm(a) for a in todo.walk("VALARM")],
            "x": x,
        })
    json.dump({"components": [c.name for c in cal.subcomponents], "todos": todos},
              sys.stdout)


main()
