// Parses one .ics file with ical.js (the parser behind Thunderbird's calendar and many web calendar
// apps) and prints what check_outputs.py compares with the events:
//   {"count": N, "uids": [...], "summaries": [...], "all_day": [...]}
// the arrays in file order, one element per VEVENT. Exits 1 with a message on stderr if ical.js
// cannot parse the file.
// Usage: node tests/external/check_ical.mjs FILE
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const file = process.argv[2];
if (!file) {
  console.error("usage: node check_ical.mjs FILE");
  process.exit(2);
}

try {
  const root = new ICAL.Component(ICAL.parse(readFileSync(file, "utf8")));
  if (root.name !== "vcalendar") {
    throw new Error(`top-level component is ${root.name}, not vcalendar`);
  }
  const events = root.getAllSubcomponents("vevent");
  console.log(JSON.stringify({
    count: events.length,
    uids: events.map((e) => e.getFirstPropertyValue("uid")),
    summaries: events.map((e) => e.getFirstPropertyValue("summary")),
    // A DATE-valued DTSTART (no time) is an all-day event.
    all_day: events.map((e) => {
      const start = e.getFirstPropertyValue("dtstart");
      return start ? start.isDate : null;
    }),
  }));
} catch (err) {
  console.error(`ical.js: ${file}: ${err.message}`);
  process.exit(1);
}
