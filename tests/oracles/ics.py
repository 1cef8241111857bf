"""The calendar oracle: the Python icalendar package reads a Taskward feed.

Reads one iCalendar object from stdin and writes JSON to stdout: {"name", "timezones",
"events"}. Each event is {"uid", "summary", "description", "categories", "dtstart", "tzid",
"all_day", "dtend", "rrule", "url", "alarms"}, with dtstart as ISO 8601 (a date for an all-day
event, else a date-time with its UTC offset) and alarms as their triggers: seconds relative
to the start, or a UTC instant. Each VTIMEZONE is checked against the zone database: its
observances, turned into a tzinfo by icalendar itself (not looked up by name), must give
every timed event the offset zoneinfo gives; "timezones" lists the zones so checked.
"""

import json
import sys
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from icalendar import Calendar
from icalendar.parser import unescape_backslash


def text(value):
    return None if value is None else str(value)


def categories(event):
    found = event.get("CATEGORIES")
    if found is None:
        return []
    props = found if isinstance(found, list) else [found]
    return [str(c) for prop in props for c in prop.cats]


def trigger(alarm):
    value = alarm.decoded("TRIGGER")
    if isinstance(value, timedelta):
        return {"relative": int(value.total_seconds())}
    return {"at": value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}


def main():
    cal = Calendar.from_ical(sys.stdin.buffer.read())
    zones = {}
    for vtz in cal.walk("VTIMEZONE"):
        zones[str(vtz["TZID"])] = vtz.to_tz(lookup_tzid=False)
    events = []
    for ev in cal.walk("VEVENT"):
        start = ev.decoded("DTSTART")
        all_day = not isinstance(start, datetime)
        tzid = ev["DTSTART"].params.get("TZID")
        if tzid is not None:
            # The VTIMEZONE's own offset at the event's wall time equals zoneinfo's.
            wall = start.replace(tzinfo=None)
            own = wall.replace(tzinfo=zones[tzid]).utcoffset()
            real = wall.replace(tzinfo=ZoneInfo(tzid)).utcoffset()
            assert own == real, f"{tzid} at {wall}: VTIMEZONE says {own}, zoneinfo {real}"
        end = ev.decoded("DTEND") if "DTEND" in ev else None
        rrule = ev.get("RRULE")
        events.append({
            "uid": str(ev["UID"]),
            "summary": text(ev.get("SUMMARY")),
            "description": text(ev.get("DESCRIPTION")),
            "categories": categories(ev),
            "dtstart": start.isoformat(),
            "tzid": tzid,
            "all_day": all_day,
            "dtend": end.isoformat() if isinstance(end, (date, datetime)) else None,
            "rrule": rrule.to_ical().decode() if rrule is not None else None,
            "url": text(ev.get("URL")),
            "alarms": [trigger(a) for a in ev.walk("VALARM")],
        })
    # An X- property is kept as read; X-WR-CALNAME is TEXT, escaped as TEXT is.
    name = cal.get("X-WR-CALNAME")
    name = None if name is None else unescape_backslash(str(name))
    json.dump({"name": name, "timezones": sorted(zones),
               "events": events},
              sys.stdout)


main()
