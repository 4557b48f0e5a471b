// Writes an iCalendar file with npm ical-generator, for `chronicle import` to read back.
// Usage: node make_calendar.mjs OUT.ics
// The same cases as make_calendar.py: all-day, UTC, a TZID (an IANA name), floating, a folded
// multi-byte summary, and a description holding END:VEVENT and +++ lines.
import { writeFileSync } from "node:fs";
import ical from "ical-generator";

const calendar = ical({ name: "chronicle tests", prodId: "//chronicle tests//ical-generator//EN" });
const stamp = new Date(Date.UTC(2025, 8, 1, 8, 0, 0));
calendar.createEvent({
  id: "all-day",
  summary: "Three-day summit",
  start: new Date(Date.UTC(2025, 8, 3)),
  end: new Date(Date.UTC(2025, 8, 6)),
  allDay: true,
  stamp,
  categories: [{ name: "summit" }, { name: "a,b" }],
  location: "Mexico City; Zócalo",
});
calendar.createEvent({
  id: "utc",
  summary: "Call at noon UTC",
  start: new Date(Date.UTC(2025, 8, 4, 12, 0)),
  end: new Date(Date.UTC(2025, 8, 4, 13, 30)),
  stamp,
  status: "TENTATIVE",
  url: "https://example.org/call?a=1&b=2",
});
calendar.createEvent({
  id: "berlin",
  summary: "Meeting in Berlin",
  // Without a time zone library, ical-generator writes the clock time of the process's zone
  // (the test runs it with TZ=UTC) after the TZID: 09:00 in Berlin.
  start: new Date(Date.UTC(2025, 8, 5, 9, 0)),
  end: new Date(Date.UTC(2025, 8, 5, 10, 0)),
  timezone: "Europe/Berlin",
  stamp,
  lastModified: new Date(Date.UTC(2025, 8, 2, 10, 0)),
});
calendar.createEvent({
  id: "floating",
  summary: "Floating breakfast",
  start: new Date(Date.UTC(2025, 8, 6, 8, 0)),
  floating: true,
  stamp,
});
calendar.createEvent({
  id: "long",
  summary: "Sesión extraordinaria: " + "ñandú 東京 🚀 ".repeat(8) + "fin",
  start: new Date(Date.UTC(2025, 8, 7)),
  allDay: true,
  stamp,
  status: "CANCELLED",
});
calendar.createEvent({
  id: "hostile",
  summary: "Injection attempt",
  start: new Date(Date.UTC(2025, 8, 8)),
  allDay: true,
  stamp,
  description: 'line one\nEND:VEVENT\nBEGIN:VEVENT\nSUMMARY:injected\n+++\ntitle = "x"\n+++\nlast',
});
writeFileSync(process.argv[2], calendar.toString());
