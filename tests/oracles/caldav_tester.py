"""caldav-server-tester 1.7.0 against a running Taskward (tests/api/caldav_tester.rs).

Usage: caldav_tester.py URL USERNAME PASSWORD CALENDAR_DISPLAY_NAME

Runs every check of the checker, as its command line does (`check_all`), on the calendar
with the given display name (Taskward's MKCALENDAR takes only a UUID as the collection's
name, so the checker cannot make its own), with one difference: a check that ends in the
checker's own "failed to check declared features" assertion is recorded under "crashed"
and the run goes on. 1.7.0 ends the whole run that way when its VEVENT fixture cannot be
stored (CheckDuplicateEvent returns without a verdict when `csc_simple_event1` cannot be
loaded), and Taskward stores VTODO only.

The checker assumes every server stores VEVENTs: its fixture set-up (PrepareCalendar) stops
at the first refused VEVENT, before it stores the VTODO fixtures the task searches read, so
every VTODO search would be graded on an empty calendar. Here a refused VEVENT fixture is
skipped (an empty stand-in that loads as nothing) and the VEVENT features the set-up would
grade from it are recorded as unsupported, so the VTODO fixtures are stored and the task
checks measure Taskward. Writes JSON: {"features": the report's features, uncompacted,
"crashed": {check: message}, "skipped_fixtures": [uid]}. Fixtures are removed at the end.
"""

import inspect
import json
import logging
import sys

import icalendar
from caldav.davclient import get_davclient
from caldav.lib.error import AuthorizationError, DAVError
from caldav_server_tester import checks
from caldav_server_tester.checker import ServerQuirkChecker
from caldav_server_tester.checks_base import Check


SKIPPED = []
EVENT_FEATURES = (
    "save-load.event",
    "save-load.event.recurrences",
    "save-load.event.recurrences.count",
)


class RefusedEvent:
    """What a refused VEVENT fixture leaves: nothing to load, an empty component."""

    def __init__(self, uid):
        self.url = None
        self.data = ""
        self.component = icalendar.Event()
        self.icalendar_component = self.component
        SKIPPED.append(uid)

    def load(self):
        return self


def tolerate_refused_events():
    original = checks.PrepareCalendar._create_test_events

    def create_test_events(self, calendar, cal_id, name, add_if_not_existing):
        def add(*largs, **kwargs):
            try:
                return add_if_not_existing(*largs, **kwargs)
            except (AuthorizationError, DAVError):
                if largs[0] is not checks.Event:
                    raise
                return RefusedEvent(kwargs.get("uid", "(in the iCalendar text)"))

        original(self, calendar, cal_id, name, add)
        for feature in EVENT_FEATURES:
            self.set_feature(
                feature,
                {"support": "unsupported", "behaviour": "a VEVENT is refused (Taskward holds tasks)"},
            )

    checks.PrepareCalendar._create_test_events = create_test_events


def main():
    url, username, password, calendar = sys.argv[1:5]
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    tolerate_refused_events()
    conn = get_davclient(url=url, username=username, password=password)
    crashed = {}
    with conn:
        checker = ServerQuirkChecker(conn)
        checker.expected_features.set_feature(
            "test-calendar.compatibility-tests", {"name": calendar}
        )
        classes = [
            obj
            for _, obj in inspect.getmembers(checks, inspect.isclass)
            if obj.__module__ == checks.__name__ and issubclass(obj, Check) and obj is not Check
        ]
        try:
            for cls in classes:
                try:
                    cls(checker).run_check(only_once=True)
                except AssertionError as exc:
                    crashed[cls.__name__] = str(exc)
        finally:
            checker.cleanup(force=True)
        features = checker.features_checked.dotted_feature_set_list(compact=False)
    out = {"features": features, "crashed": crashed, "skipped_fixtures": SKIPPED}
    json.dump(out, sys.stdout, indent=2, sort_keys=True)


if __name__ == "__main__":
    main()
