"""Writes an iCalendar file with Python icalendar, for `chronicle import` to read back.

Usage: make_calendar.py OUT.ics

Covers what a calendar app exports: an all-day range (exclusive DTEND), a time in UTC, a time
with a TZID whose VTIMEZONE icalendar adds, a floating time, a summary long enough to be folded
inside a multi-byte character, categories with a comma, and a description that tries to close
the event (END:VEVENT) and the event file's front matter (+++).
"""

import sys
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

cal = Calendar()
cal.add("prodid", "-//chronicle tests//python icalendar//EN")
cal.add("version", "2.0")


def event(uid, summary, start, end=None, **props):
    e = Event()
    e.add("uid", uid)
    e.add("summary", summary)
    e.add("dtstart", start)
    if end is not None:
        e.add("dtend", end)
    e.add("dtstamp", datetime(2025, 9, 1, 8, 0, tzinfo=timezone.utc))
    for name, value in props.items():
        e.add(name.replace("_", "-"), value)
    cal.add_component(e)


event("all-day", "Three-day summit", date(2025, 9, 3), date(2025, 9, 6),
      categories=["summit", "a,b"], location="Mexico City; Zócalo")
event("utc", "Call at noon UTC", datetime(2025, 9, 4, 12, 0, tzinfo=timezone.utc),
      datetime(2025, 9, 4, 13, 30, tzinfo=timezone.utc), status="TENTATIVE",
      url="https://example.org/call?a=1&b=2")
event("berlin", "Meeting in Berlin", datetime(2025, 9, 5, 9, 0, tzinfo=ZoneInfo("Europe/Berlin")),
      datetime(2025, 9, 5, 10, 0, tzinfo=ZoneInfo("Europe/Berlin")),
      last_modified=datetime(2025, 9, 2, 10, 0, tzinfo=timezone.utc))
event("floating", "Floating breakfast", datetime(2025, 9, 6, 8, 0))
event("long", "Sesión extraordinaria: " + "ñandú 東京 🚀 " * 8 + "fin",
      date(2025, 9, 7), status="CANCELLED")
event("hostile", "Injection attempt", date(2025, 9, 8),
      description="line one\nEND:VEVENT\nBEGIN:VEVENT\nSUMMARY:injected\n+++\ntitle = \"x\"\n+++\nlast")
cal.add_missing_timezones()

with open(sys.argv[1], "wb") as out:
    out.write(cal.to_ical())
