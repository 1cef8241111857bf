"""Taskward's CalDAV server driven by the Python `caldav` client library (issue 18).

    caldav_client.py BASE_URL EMAIL TOKEN STEP [ARG]

One step per call, so that the Rust test (tests/api/caldav_client.rs) can change tasks
through the REST API between steps. Each step prints one JSON object on stdout, or exits
non-zero with the reason on stderr. Steps:

- `discover`: from the bare server URL (the client follows /.well-known/caldav), the
  principal, its calendars: `{"calendars": [{"name", "url", "components"}]}`.
- `create NAME`: in the calendar named NAME, a todo with a summary, a due, categories, a
  weekly RRULE, an alarm and an X- property (`save_todo`): `{"url", "uid"}`.
- `read NAME UID`: the todo with that UID (`todo_by_uid`), parsed:
  `{"summary", "due", "categories", "rrule", "trigger", "x", "status", "etag"}`.
- `update NAME UID`: changes the summary and priority and saves: `{"etag"}`.
- `complete NAME UID`: `todo.complete()` and save; then read back: `{"status", "due"}`.
- `delete NAME UID`: deletes it: `{}`.
- `sync NAME [TOKEN]`: `objects_by_sync_token`: `{"token", "changed": [uid...],
  "deleted": [url...]}`.
- `search NAME START END`: the todos a `time-range` search from START to END (ISO 8601
  instants) finds, as the server answers it (no filtering or workarounds by the
  library): `{"uids": [uid...]}`.
"""

import json
import sys
from datetime import datetime

import caldav
from icalendar import Calendar


def calendar(client, name):
    for cal in client.principal().calendars():
        if cal.get_display_name() == name:
            return cal
    raise SystemExit(f"no calendar named {name!r}")


def todo_of(obj):
    cal = Calendar.from_ical(obj.data)
    todos = [c for c in cal.walk("VTODO")]
    if len(todos) != 1:
        raise SystemExit(f"expected one VTODO, got {len(todos)}: {obj.data}")
    return todos[0]


def main():
    base, email, token, step, *args = sys.argv[1:]
    client = caldav.DAVClient(url=base, username=email, password=token)
    out = {}
    if step == "discover":
        principal = client.principal()
        out["principal"] = str(principal.url)
        out["calendars"] = [
            {
                "name": c.get_display_name(),
                "url": str(c.url),
                "components": c.get_supported_components(),
            }
            for c in principal.calendars()
        ]
    elif step == "create":
        cal = calendar(client, args[0])
        ics = "\r\n".join([
            "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//taskward tests//caldav client//EN",
            "BEGIN:VTODO", "UID:client-todo-1@example.com", "DTSTAMP:20261201T120000Z",
            "SUMMARY:Water the plants", "DUE;TZID=Europe/Berlin:20261207T090000",
            "CATEGORIES:home,garden\\, back", "RRULE:FREQ=WEEKLY;BYDAY=MO",
            "X-CLIENT-COLOR;X-FMT=hex:#00ff00", "PRIORITY:1",
            "BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:Water", "TRIGGER;RELATED=END:-PT30M",
            "END:VALARM", "END:VTODO", "END:VCALENDAR", "",
        ])
        todo = cal.save_todo(ics)
        out = {"url": str(todo.url), "uid": "client-todo-1@example.com"}
    elif step in ("read", "update", "complete", "delete"):
        cal = calendar(client, args[0])
        todo = cal.todo_by_uid(args[1])
        if step == "update":
            todo.icalendar_component["SUMMARY"] = "Water the plants, twice"
            todo.icalendar_component["PRIORITY"] = 9
            todo.save()
            todo.load()
            out = {"etag": todo.props.get("{DAV:}getetag")}
        elif step == "complete":
            todo.complete()
            todo = cal.todo_by_uid(args[1])
            t = todo_of(todo)
            out = {"status": str(t.get("STATUS")), "due": t["DUE"].dt.isoformat()}
        elif step == "delete":
            todo.delete()
        else:
            t = todo_of(todo)
            alarm = next(iter(t.walk("VALARM")), None)
            cats = t.get("CATEGORIES")
            cats = cats if isinstance(cats, list) else [cats] if cats else []
            out = {
                "summary": str(t["SUMMARY"]),
                "due": t["DUE"].dt.isoformat(),
                "categories": sorted(str(x) for c in cats for x in c.cats),
                "rrule": t["RRULE"].to_ical().decode() if "RRULE" in t else None,
                "trigger": str(alarm["TRIGGER"].dt) if alarm is not None else None,
                "x": [str(t.get("X-CLIENT-COLOR")), dict(t.get("X-CLIENT-COLOR").params)]
                if "X-CLIENT-COLOR" in t else None,
                "priority": int(t.get("PRIORITY", 0)),
                "status": str(t.get("STATUS")),
            }
    elif step == "sync":
        cal = calendar(client, args[0])
        token = args[1] if len(args) > 1 else None
        objs = cal.objects_by_sync_token(sync_token=token, load_objects=True)
        changed, deleted = [], []
        for o in objs:
            if o.data is None:
                deleted.append(str(o.url))
            else:
                changed.append(str(todo_of(o)["UID"]))
        out = {"token": objs.sync_token, "changed": sorted(changed), "deleted": sorted(deleted)}
    elif step == "search":
        cal = calendar(client, args[0])
        start, end = (datetime.fromisoformat(a) for a in args[1:3])
        found = cal.search(todo=True, start=start, end=end, post_filter=False,
                           compatibility_workarounds=False)
        out = {"uids": sorted(str(todo_of(o)["UID"]) for o in found)}
    else:
        raise SystemExit(f"unknown step {step}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
