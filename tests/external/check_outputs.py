#!/usr/bin/env python3
"""Independent validation of what `chronicle build` wrote into public/.

Every rss.xml, atom.xml, feed.json and calendar.ics (at the root and under each tags/<slug>/) goes
through the third-party parsers that feed readers and calendar apps use (feedparser, icalendar, and
ical.js via check_ical.mjs) and is compared with the events the build was made from (one JSON object
per event, in --events-jsonl). The W3C Feed Validation Service's own rules are applied by its own
code, through validate_feeds.py. With `websub_hub` in the settings, every subscription document
must name that hub (RSS and Atom beside their self link, JSON Feed in `hubs`) and no archive page
may; without it, none may.

Usage:
    python check_outputs.py --public public --events-jsonl events.jsonl --config events/chronicle.toml

Prints one line per failed check and ends with `N passed, M failed`; exits 0 only if none failed.
Needs the packages installed by install.sh (run it with tests/external/.venv/bin/python).
"""

import argparse
import html
import json
import re
import subprocess
import sys
import tomllib
import uuid
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

try:
    import feedparser
    from icalendar import Calendar
except ImportError as err:
    sys.exit(f"{err}: run tests/external/install.sh, then use tests/external/.venv/bin/python")

HERE = Path(__file__).resolve().parent

JSONFEED_VERSION = "https://jsonfeed.org/version/1.1"
# chronicle's RSS plain text has a WORD JOINER after each `<` or `&` that would start markup
# (see plain_text in src/render/rss.rs): invisible, so a reader shows the text without it.
INSERTED_WORD_JOINER_RE = re.compile("([<&])\u2060")

RFC3339_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$"
)
# An unfolded iCalendar content line starts with a property name (RFC 5545 3.1: iana-token or
# x-name) followed by ';' (parameters) or ':' (value).
CONTENT_LINE_RE = re.compile(rb"^[A-Za-z0-9-]+[;:]")
ICAL_STATUSES = {"TENTATIVE", "CONFIRMED", "CANCELLED"}


class Report:
    """Counts checks; prints one line per failure."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, where, message):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL {where}: {message}", flush=True)
        return bool(ok)

    def fail(self, where, message):
        return self.check(False, where, message)


# ---------------------------------------------------------------------------------------------
# Events, config and the dates they are written in


def load_config(path):
    with open(path, "rb") as f:
        raw = tomllib.load(f)
    config = {
        "title": raw.get("title"),
        "description": raw.get("description"),
        "base_url": raw.get("base_url") or "",
        # The collection id that every published id derives from; base_url when absent.
        "id": raw.get("id") or raw.get("base_url") or "",
        "language": raw.get("language"),
        "timezone": raw.get("timezone") or "UTC",
        "author": raw.get("author"),
        "feed_limit": raw.get("feed_limit", 50),
        # The WebSub hub every subscription document names; None when not set.
        "websub_hub": raw.get("websub_hub"),
    }
    if not config["base_url"].endswith("/"):
        raise SystemExit(f"{path}: base_url must end with '/': {config['base_url']!r}")
    return config


def load_events(path):
    events = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as err:
                raise SystemExit(f"{path}:{n}: not JSON: {err}")
            # Absent and null mean the same; lists default to empty.
            event = {k: v for k, v in raw.items() if v is not None}
            event.setdefault("tags", [])
            event.setdefault("sources", [])
            events.append(event)
    return events


def event_uuid(config, event):
    """uuid5 (URL namespace) of `<collection id>events/<id>`, with a `/` between the two when
    the collection id does not end with one (a `tag:` or `urn:` id)."""
    collection = config["id"] if config["id"].endswith("/") else config["id"] + "/"
    return str(uuid.uuid5(uuid.NAMESPACE_URL, collection + "events/" + event["id"]))


def collection_name(config, relative):
    collection = config["id"] if config["id"].endswith("/") else config["id"] + "/"
    return collection + relative


def correction_uuid(config, event, correction):
    """uuid5 (URL namespace) of `<collection id>corrections/<event id>/<instant>`, the instant
    the correction's date in UTC, RFC 3339 to the second with a Z."""
    moment = parse_datetime(correction["date"]).astimezone(timezone.utc)
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(uuid.uuid5(uuid.NAMESPACE_URL,
                          collection_name(config, f"corrections/{event['id']}/{stamp}")))


def shown_title(event):
    """The entry title feeds show: a retracted event's says so first."""
    if event.get("status") == "retracted":
        return "Retracted: " + event["title"]
    return event["title"]


def calendar_summary(event):
    """The SUMMARY calendars show: a retracted event's carries its note (the fixtures' notes
    hold no Markdown syntax, so the note's text is its words, one space apart)."""
    if event.get("status") == "retracted":
        return f"Retracted: {event['title']} ({' '.join(event['retraction'].split())})"
    return event["title"]


def effective_updated(config, event):
    """`updated` as written, moved to the newest correction's date when that is later."""
    dates = [instant(config, event, event["updated"])] if event.get("updated") else []
    dates += [instant(config, event, c["date"]) for c in event.get("corrections", [])]
    return max(dates) if dates else None


def event_link(config, event):
    return f"{config['base_url']}years/{event['date'][:4]}/#{event['id']}"


def slugify(tag):
    """The tag-directory name for an ASCII tag: lowercase, ASCII alphanumerics kept, any run of other
    characters one '-', no '-' at either end. (chronicle transliterates non-ASCII tags first; we
    don't guess how, see Scope.)"""
    return re.sub(r"[^a-z0-9]+", "-", tag.lower()).strip("-")


def zone_for(config, event):
    name = event.get("timezone") or config["timezone"]
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.utc


def date_kind(value):
    """'year', 'month', 'day' or 'datetime' for an event date string as written."""
    if re.fullmatch(r"\d{4}", value):
        return "year"
    if re.fullmatch(r"\d{4}-\d{2}", value):
        return "month"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return "day"
    return "datetime"


def first_day(value):
    """The first calendar day covered by a date-only value ("2025", "2025-03", "2025-03-04")."""
    parts = [int(p) for p in value.split("-")]
    return date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)


def day_after_last(value):
    """The day after the last calendar day covered by a date-only value (an exclusive end)."""
    kind = date_kind(value)
    start = first_day(value)
    if kind == "year":
        return date(start.year + 1, 1, 1)
    if kind == "month":
        return date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return start + timedelta(days=1)


def parse_datetime(value):
    """A written date-time: aware if it has an offset, naive (local wall clock) if not."""
    return datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))


def instant(config, event, value):
    """A written event date of any form as an aware datetime; date-only forms start at local
    midnight in the event's time zone (or the collection's). This only decides feed order for
    events without `published`; it is our reading of the contract, not something a spec fixes."""
    zone = zone_for(config, event)
    if date_kind(value) != "datetime":
        return datetime.combine(first_day(value), datetime.min.time(), zone)
    moment = parse_datetime(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def published_of(config, event):
    """When the event counts as published: `published`, falling back to its date."""
    return instant(config, event, event.get("published") or event["date"])


def feed_order(config, events):
    """Most recently published first; equal instants by id ascending."""
    by_id = sorted(events, key=lambda e: e["id"])
    return sorted(by_id, key=lambda e: published_of(config, e), reverse=True)


def same_second(a, b):
    return a.replace(microsecond=0) == b.replace(microsecond=0)


def is_ascii(text):
    return all(ord(c) < 128 for c in text)


# ---------------------------------------------------------------------------------------------
# Scopes: the root and one per tag directory


class Scope:
    """The events one directory's files must hold.

    `events` are the events certainly in scope. For a tag directory, an event with a non-ASCII tag
    may also belong here (its slug depends on chronicle's transliteration), so such events are
    `maybe`; if any exist that are not already certain, the directory is `loose`: exact counts and
    order are not checked, only that every entry is a certain or possible member and that every
    certain member is in the calendar.
    """

    def __init__(self, rel, url, events, maybe=()):
        self.rel = rel  # "" for the root, "tags/<slug>/" for a tag
        self.url = url  # base_url + rel
        self.events = list(events)
        certain = {e["id"] for e in self.events}
        self.maybe = [e for e in maybe if e["id"] not in certain]
        self.loose = bool(self.maybe)


def scopes_for(report, public, config, events):
    base = config["base_url"]
    scopes = [Scope("", base, events)]
    by_slug = {}
    for event in events:
        for tag in event["tags"]:
            if is_ascii(tag):
                by_slug.setdefault(slugify(tag), []).append(event)
    by_slug = {slug: list({e["id"]: e for e in evs}.values()) for slug, evs in by_slug.items()}
    non_ascii = [e for e in events if any(not is_ascii(t) for t in e["tags"])]

    tags_dir = public / "tags"
    present = sorted(p.name for p in tags_dir.iterdir() if p.is_dir()) if tags_dir.is_dir() else []
    for slug in sorted(by_slug):
        report.check(slug in present, f"tags/{slug}/", "tag directory missing")
    for name in present:
        rel = f"tags/{name}/"
        if name not in by_slug and not non_ascii:
            report.fail(rel, "directory for a tag no event has")
            continue
        report.check(re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", name), rel,
                     "tag directory name is not a slug (lowercase ASCII letters, digits, single '-')")
        scopes.append(Scope(rel, base + rel, by_slug.get(name, []), non_ascii))
    return scopes


# ---------------------------------------------------------------------------------------------
# Checks shared by the three feed formats


def check_entries(report, where, config, scope, entries):
    """Entry selection, order and per-entry fields, identical for RSS, Atom and JSON Feed.

    `entries` is a list of dicts with keys id, title, link, tags, published (aware datetime or
    None) and, except for RSS, updated (aware datetime or None)."""
    by_urn = {"urn:uuid:" + event_uuid(config, e): e for e in scope.events + scope.maybe}
    limit = config["feed_limit"]
    found = [by_urn.get(entry["id"]) for entry in entries]

    if not scope.loose:
        expected = feed_order(config, scope.events)[:limit]
        report.check(len(entries) == len(expected), where,
                     f"{len(entries)} entries, expected {len(expected)} "
                     f"(feed_limit {limit}, {len(scope.events)} events in scope)")
        got_ids = [e["id"] if e else "?" for e in found]
        want_ids = [e["id"] for e in expected]
        report.check(got_ids == want_ids, where,
                     f"entries (by event id) are {got_ids}, expected newest first {want_ids}")
    else:
        low = min(limit, len(scope.events))
        report.check(low <= len(entries) <= limit, where,
                     f"{len(entries)} entries, expected between {low} and {limit}")
        known = [e for e in found if e]
        keys = [published_of(config, e) for e in known]
        report.check(all(a >= b for a, b in zip(keys, keys[1:])), where,
                     "entries are not newest first")

    seen = set()
    for n, (entry, event) in enumerate(zip(entries, found), 1):
        at = f"{where} entry {n}"
        report.check(entry["id"] not in seen, at, f"duplicate id {entry['id']!r}")
        seen.add(entry["id"])
        if not report.check(event is not None, at,
                            f"id {entry['id']!r} is not urn:uuid:<uuid5> of any event in scope"):
            continue
        at = f"{where} entry {n} ({event['id']})"
        report.check(entry["title"] == shown_title(event), at,
                     f"title {entry['title']!r} != event title {shown_title(event)!r}")
        report.check(entry["link"] == event_link(config, event), at,
                     f"link {entry['link']!r} != {event_link(config, event)!r}")
        report.check(set(entry["tags"]) == set(event["tags"]), at,
                     f"tags {sorted(entry['tags'])} != event tags {sorted(event['tags'])}")
        if report.check(entry["published"] is not None, at, "published missing or unparseable"):
            if event.get("published"):
                want = instant(config, event, event["published"])
                report.check(same_second(entry["published"], want), at,
                             f"published {entry['published'].isoformat()} != event published {want.isoformat()}")
        # RSS items have no updated date; the key is absent for them.
        if "updated" in entry and report.check(entry["updated"] is not None, at,
                                               "updated missing or unparseable"):
            want = effective_updated(config, event)
            if want is not None:
                # Entries that would share one <updated> (the validator's DuplicateUpdated) are
                # moved apart by whole seconds, never earlier, at most one second per event.
                spread = timedelta(seconds=config["event_count"])
                # Subtracted, not added: want + spread can overflow datetime near 9999-12-31.
                report.check(timedelta(0) <= entry["updated"] - want <= spread, at,
                             f"updated {entry['updated'].isoformat()} is not the event's updated "
                             f"{want.isoformat()} (or just after it)")


def struct_to_dt(parsed):
    """feedparser's UTC struct_time to an aware datetime."""
    if parsed is None:
        return None
    return datetime(*parsed[:6], tzinfo=timezone.utc)


def shown_text(value, detail=None):
    """A feedparser text value as a reader shows it: unescaped when declared as HTML (an Atom
    `type="html"` text construct), without chronicle's invisible WORD JOINERs in RSS."""
    if value is None:
        return None
    if detail is not None and detail.get("type") == "text/html":
        value = html.unescape(value)
    return INSERTED_WORD_JOINER_RE.sub(r"\1", value)


def feedparser_entries(report, where, path, config, scope, has_updated):
    """Parse with feedparser (as feed readers do); None if it did not parse cleanly. RSS has no
    per-item updated date (feedparser would copy pubDate there), so has_updated is False for it.
    The root feed's title must read as the collection's title."""
    parsed = feedparser.parse(path.read_bytes())
    if not report.check(not parsed.bozo, where,
                        f"feedparser bozo: {parsed.get('bozo_exception')!r}"):
        return None
    if scope.rel == "" and config["title"] is not None:
        title = shown_text(parsed.feed.get("title"), parsed.feed.get("title_detail"))
        report.check(title == config["title"], where,
                     f"feed title {title!r} != collection title {config['title']!r}")
    entries = []
    for e in parsed.entries:
        # Atom categories may carry the tag as label with a slug as term; accept either spelling.
        terms = [shown_text(t.get("term")) for t in e.get("tags", [])]
        labels = [shown_text(t.get("label") or t.get("term")) for t in e.get("tags", [])]
        entries.append({
            "id": e.get("id"),
            "title": shown_text(e.get("title"), e.get("title_detail")),
            "link": e.get("link"),
            "tags": terms,
            "labels": labels,
            "published": struct_to_dt(e.get("published_parsed")),
        })
        if has_updated:
            entries[-1]["updated"] = struct_to_dt(e.get("updated_parsed"))
    return entries


def pick_tag_spelling(entries, config, scope):
    """Use Atom category labels instead of terms when the terms are not the tags themselves."""
    by_urn = {"urn:uuid:" + event_uuid(config, e): e for e in scope.events + scope.maybe}
    for entry in entries:
        event = by_urn.get(entry["id"])
        if event and set(entry["tags"]) != set(event["tags"]) and set(entry["labels"]) == set(event["tags"]):
            entry["tags"] = entry["labels"]
    return entries


def check_rfc3339(report, where, label, value):
    if not report.check(value is not None and RFC3339_RE.match(value), where,
                        f"{label} {value!r} is not an RFC 3339 date-time"):
        return None
    return parse_datetime(value)


# ---------------------------------------------------------------------------------------------
# RSS 2.0 and Atom 1.0 (what the W3C validator asks of them, validate_feeds.py checks)


def check_rss(report, where, path, config, scope):
    entries = feedparser_entries(report, where, path, config, scope, has_updated=False)
    if entries is not None:
        check_entries(report, where, config, scope, entries)


def check_atom(report, where, path, config, scope):
    entries = feedparser_entries(report, where, path, config, scope, has_updated=True)
    if entries is not None:
        check_entries(report, where, config, scope, pick_tag_spelling(entries, config, scope))


# ---------------------------------------------------------------------------------------------
# JSON Feed 1.1


def check_json_feed(report, where, path, config, scope):
    try:
        feed = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        report.fail(where, f"not UTF-8 JSON: {err}")
        return
    if not report.check(isinstance(feed, dict), where, "top level is not an object"):
        return
    report.check(feed.get("version") == JSONFEED_VERSION, where,
                 f"version {feed.get('version')!r} != {JSONFEED_VERSION!r}")
    for name in ("title", "home_page_url", "language"):
        report.check(isinstance(feed.get(name), str) and feed[name], where, f"{name} missing or empty")
    report.check(feed.get("feed_url") == scope.url + "feed.json", where,
                 f"feed_url {feed.get('feed_url')!r} != {scope.url + 'feed.json'!r}")
    items = feed.get("items")
    if not report.check(isinstance(items, list), where, "items is not a list"):
        return

    entries = []
    for n, item in enumerate(items, 1):
        at = f"{where} item {n}"
        if not report.check(isinstance(item, dict), at, "item is not an object"):
            continue
        for name in ("id", "url", "title", "content_html"):
            report.check(isinstance(item.get(name), str) and item[name], at, f"{name} missing or empty")
        tags = item.get("tags")
        report.check(isinstance(tags, list) and all(isinstance(t, str) for t in tags), at,
                     "tags missing or not a list of strings")
        dates = {}
        for name in ("date_published", "date_modified"):
            dates[name] = check_rfc3339(report, at, name, item.get(name))
        entries.append({
            "id": item.get("id") if isinstance(item.get("id"), str) else None,
            "title": item.get("title"),
            "link": item.get("url"),
            "tags": [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else [],
            "published": dates["date_published"],
            "updated": dates["date_modified"],
        })
    check_entries(report, where, config, scope, entries)


# ---------------------------------------------------------------------------------------------
# iCalendar


def check_ics_raw(report, where, data):
    """RFC 5545 3.1 content lines: CRLF endings, at most 75 octets, folds by CRLF + one space
    without splitting a UTF-8 character, and no line that is not a property. One check per rule,
    naming the first offending lines."""
    report.check(data.endswith(b"\r\n"), where, "file does not end with CRLF")
    # Split on LF so that a file with bare LFs still yields its real lines to measure.
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    bad = {"crlf": [], "long": [], "utf8": [], "fold": [], "content": []}
    logical = []  # (first physical line number, unfolded bytes)
    for n, line in enumerate(lines, 1):
        if line.endswith(b"\r"):
            line = line[:-1]
        elif n < len(lines) or data.endswith(b"\n"):
            bad["crlf"].append(n)
        if b"\r" in line:
            bad["crlf"].append(n)
        if len(line) > 75:
            bad["long"].append(n)
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            bad["utf8"].append(n)
        if line[:1] in (b" ", b"\t"):
            if line[:1] != b" " or not logical:
                bad["fold"].append(n)
            if logical:
                logical[-1] = (logical[-1][0], logical[-1][1] + line[1:])
        else:
            logical.append((n, line))
    bad["content"] = [n for n, line in logical if not CONTENT_LINE_RE.match(line)]

    def lines_at(numbers):
        shown = ", ".join(str(n) for n in numbers[:5])
        return f"line {shown}" + (f" and {len(numbers) - 5} more" if len(numbers) > 5 else "")

    for rule, message in (
        ("crlf", "line not ended by CRLF (bare LF or CR)"),
        ("long", "line longer than 75 octets"),
        ("utf8", "line is not valid UTF-8 on its own (a fold splits a UTF-8 character)"),
        ("fold", "continuation line does not start with one space after a content line"),
        ("content", "not a content line (NAME: or NAME;...:), e.g. a fold without its leading space"),
    ):
        report.check(not bad[rule], where, f"{message}: {lines_at(bad[rule])}")
    if logical:
        report.check(logical[0][1] == b"BEGIN:VCALENDAR", where, "first line is not BEGIN:VCALENDAR")
        report.check(logical[-1][1] == b"END:VCALENDAR", where, "last line is not END:VCALENDAR")


def categories(component):
    """All CATEGORIES values of a component, however many properties they are spread over."""
    value = component.get("CATEGORIES")
    if value is None:
        return []
    props = value if isinstance(value, list) else [value]
    return [str(c) for prop in props for c in prop.cats]


def expected_all_day(event):
    return date_kind(event["date"]) != "datetime"


def check_ics_event(report, at, config, event, vevent):
    want = calendar_summary(event)
    report.check(str(vevent.get("SUMMARY", "")) == want, at,
                 f"SUMMARY {str(vevent.get('SUMMARY', ''))!r} != {want!r}")
    description = str(vevent.get("DESCRIPTION", ""))
    corrected = description.count("\n\nCorrected ")
    report.check(corrected == len(event.get("corrections", [])), at,
                 f"DESCRIPTION shows {corrected} corrections, the event has {len(event.get('corrections', []))}")
    if event.get("status") == "retracted":
        report.check(str(vevent.get("STATUS", "")) == "CANCELLED", at, "a retracted event is not CANCELLED")
        report.check(description.startswith("Retracted: "), at, "DESCRIPTION does not open with the retraction")
    updated = effective_updated(config, event)
    modified = vevent.get("LAST-MODIFIED")
    if updated is not None and report.check(modified is not None, at, "LAST-MODIFIED missing"):
        report.check(modified.dt == updated, at,
                     f"LAST-MODIFIED {modified.dt.isoformat()} != updated {updated.isoformat()}")
    sequence = int(vevent.get("SEQUENCE", 0))
    if event.get("corrections") or event.get("retraction"):
        report.check(sequence > 0, at, "SEQUENCE is 0 for a corrected or retracted event")
    if event.get("location"):
        report.check(str(vevent.get("LOCATION", "")) == event["location"], at,
                     f"LOCATION {str(vevent.get('LOCATION', ''))!r} != {event['location']!r}")
    report.check(set(categories(vevent)) == set(event["tags"]), at,
                 f"CATEGORIES {sorted(categories(vevent))} != tags {sorted(event['tags'])}")
    status = str(vevent.get("STATUS", ""))
    if report.check(status in ICAL_STATUSES, at, f"STATUS {status!r} missing or not one of {sorted(ICAL_STATUSES)}"):
        if event.get("status", "").upper() in ICAL_STATUSES:
            report.check(status == event["status"].upper(), at,
                         f"STATUS {status} != event status {event['status']!r}")
    stamp = vevent.get("DTSTAMP")
    if report.check(stamp is not None, at, "DTSTAMP missing"):
        report.check(isinstance(stamp.dt, datetime) and stamp.dt.utcoffset() == timedelta(0), at,
                     f"DTSTAMP {stamp.to_ical().decode()} is not a UTC date-time")

    start_prop, end_prop = vevent.get("DTSTART"), vevent.get("DTEND")
    if not report.check(start_prop is not None, at, "DTSTART missing"):
        return
    start = start_prop.dt
    end = end_prop.dt if end_prop is not None else None
    written, written_end = event["date"], event.get("end")
    kind = date_kind(written)

    if kind != "datetime":
        # All-day: DATE values; DTEND is exclusive (RFC 5545 3.6.1).
        if not report.check(type(start) is date, at, f"DTSTART {start!r} is not a DATE for date {written!r}"):
            return
        report.check(start == first_day(written), at, f"DTSTART {start} != first day of {written!r}")
        if not report.check(type(end) is date, at, f"DTEND {end!r} missing or not a DATE"):
            return
        if written_end and date_kind(written_end) == "day":
            want = day_after_last(written_end)
            report.check(end == want, at, f"DTEND {end} != day after end {written_end!r} ({want})")
        elif kind == "day" and not written_end:
            report.check(end == start + timedelta(days=1), at, f"DTEND {end} != day after {start}")
        else:
            latest = day_after_last(written_end if written_end and date_kind(written_end) != "datetime" else written)
            report.check(start < end <= latest, at, f"DTEND {end} not after {start} and no later than {latest}")
        return

    # Timed: the same instant as written; a written local time is in the event's time zone. A
    # floating DTSTART (no zone) must at least show the same wall-clock time.
    if not report.check(isinstance(start, datetime), at, f"DTSTART {start!r} is not a DATE-TIME for {written!r}"):
        return
    for label, value, moment in (("DTSTART", written, start), ("DTEND", written_end, end)):
        if not value or date_kind(value) != "datetime":
            continue
        if not report.check(isinstance(moment, datetime), at, f"{label} missing or not a DATE-TIME for {value!r}"):
            continue
        if moment.tzinfo is None:
            want = parse_datetime(value)
            if want.tzinfo:
                want = want.astimezone(zone_for(config, event)).replace(tzinfo=None)
            report.check(moment == want, at, f"{label} {moment} (floating) != {want}")
        else:
            want = instant(config, event, value)
            report.check(moment == want, at, f"{label} {moment.isoformat()} != {want.isoformat()}")


def check_ics(report, where, path, config, scope):
    data = path.read_bytes()
    check_ics_raw(report, where, data)
    by_uid = {event_uuid(config, e): e for e in scope.events + scope.maybe}
    check_icaljs(report, where, path, scope, by_uid)
    try:
        cal = Calendar.from_ical(data)
    except Exception as err:  # icalendar raises ValueError and friends; any of them is a failure
        report.fail(where, f"icalendar cannot parse: {err}")
        return
    # icalendar keeps going past a bad line and records it on the component instead.
    for component in cal.walk():
        for prop, message in component.errors:
            report.fail(where, f"icalendar: {component.name} {prop or ''}: {message}")

    report.check(str(cal.get("VERSION", "")) == "2.0", where, f"VERSION {str(cal.get('VERSION', ''))!r} != '2.0'")
    report.check(str(cal.get("PRODID", "")), where, "PRODID missing")
    report.check(str(cal.get("METHOD", "")) == "PUBLISH", where, f"METHOD {str(cal.get('METHOD', ''))!r} != 'PUBLISH'")
    for name in ("NAME", "X-WR-CALNAME"):
        report.check(str(cal.get(name, "")), where, f"{name} missing")

    # RFC 5545 3.2.19: each TZID used needs its VTIMEZONE.
    zones = {str(tz.get("TZID")) for tz in cal.walk("VTIMEZONE")}
    vevents = cal.walk("VEVENT")
    for vevent in vevents:
        for name in ("DTSTART", "DTEND"):
            prop = vevent.get(name)
            tzid = prop.params.get("TZID") if prop is not None else None
            if tzid:
                report.check(tzid in zones, where, f"{name};TZID={tzid} has no VTIMEZONE")

    uids = [str(v.get("UID", "")) for v in vevents]
    check_calendar_members(report, where, scope, len(vevents), uids, by_uid)
    for n, (uid, vevent) in enumerate(zip(uids, vevents), 1):
        event = by_uid.get(uid)
        if event is not None:
            check_ics_event(report, f"{where} VEVENT {n} ({event['id']})", config, event, vevent)


def check_calendar_members(report, where, scope, count, uids, by_uid):
    """The calendar holds every event in scope (no feed_limit), each once, under its uuid5 UID."""
    certain = {e["id"] for e in scope.events}
    if not scope.loose:
        report.check(count == len(scope.events), where,
                     f"{count} VEVENTs, expected {len(scope.events)} (every event in scope)")
    dupes = sorted({u for u in uids if uids.count(u) > 1})
    report.check(not dupes, where, f"UIDs used more than once: {dupes}")
    unknown = [u for u in uids if u not in by_uid]
    report.check(not unknown, where, f"UIDs that are no event's uuid5 in scope: {unknown}")
    missing = sorted(certain - {by_uid[u]["id"] for u in uids if u in by_uid})
    report.check(not missing, where, f"events missing from the calendar: {missing}")


def check_icaljs(report, where, path, scope, by_uid):
    at = f"{where} (ical.js)"
    script = HERE / "check_ical.mjs"
    try:
        run = subprocess.run(["node", str(script), str(path)], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as err:
        report.fail(at, f"cannot run node {script}: {err}")
        return
    # check_ical.mjs reports on one "ical.js: ..." line; node itself (e.g. a missing module)
    # prints a stack, of which the "Error ..." line is the useful one.
    lines = [l.strip() for l in run.stderr.splitlines() if l.strip()] or [f"exit {run.returncode}"]
    reason = next((l for l in lines if l.startswith(("ical.js:", "Error"))), lines[-1])
    hint = "" if (HERE / "node_modules").is_dir() else " (run tests/external/install.sh)"
    if not report.check(run.returncode == 0, at, reason + hint):
        return
    result = json.loads(run.stdout)
    check_calendar_members(report, at, scope, result["count"], result["uids"], by_uid)
    for n, (uid, summary, all_day) in enumerate(zip(result["uids"], result["summaries"], result["all_day"]), 1):
        event = by_uid.get(uid)
        if event is None:
            continue
        report.check(summary == calendar_summary(event), f"{at} VEVENT {n} ({event['id']})",
                     f"summary {summary!r} != {calendar_summary(event)!r}")
        report.check(all_day == expected_all_day(event), f"{at} VEVENT {n} ({event['id']})",
                     f"all-day is {all_day}, expected {expected_all_day(event)} for date {event['date']!r}")


# ---------------------------------------------------------------------------------------------


CHECKS = {
    "rss.xml": check_rss,
    "atom.xml": check_atom,
    "feed.json": check_json_feed,
    "calendar.ics": check_ics,
}


# ---------------------------------------------------------------------------------------------
# RFC 5005 archived feeds


HISTORY = "{http://purl.org/syndication/history/1.0}"


def check_archives(report, public, config, events):
    """Follows `prev-archive` from rss.xml and atom.xml through every archive page: each page
    parses without bozo, is marked `fh:archive`, links `current` to the subscription document
    and `next-archive` (if at all) to a page that exists, and the documents together hold every
    event exactly once."""
    base = config["base_url"]
    want = {"urn:uuid:" + event_uuid(config, e) for e in events}
    for name in ("rss.xml", "atom.xml"):
        seen, pages = [], 0
        href = base + name
        visited = set()
        while href is not None:
            where = href[len(base):] if href.startswith(base) else href
            if not report.check(href.startswith(base) and href not in visited, where,
                                "archive link leaves the site or loops"):
                break
            visited.add(href)
            path = public / href[len(base):]
            if not report.check(path.is_file(), where, "linked archive page is missing"):
                break
            parsed = feedparser.parse(path.read_bytes())
            report.check(not parsed.bozo, where, f"bozo: {parsed.get('bozo_exception')}")
            seen.extend(e.get("id") for e in parsed.entries)
            links = {l.get("rel"): l.get("href") for l in parsed.feed.get("links", [])}
            if pages > 0:
                root = ET.parse(path).getroot()
                report.check(root.find(".//" + HISTORY + "archive") is not None, where,
                             "archive page without fh:archive")
                report.check(links.get("current") == base + name, where,
                             f"current link {links.get('current')!r} is not {base + name!r}")
            # RFC 5005 section 4: archive links lead to documents that exist.
            following = links.get("next-archive")
            if following is not None:
                report.check(following.startswith(base) and (public / following[len(base):]).is_file(),
                             where, f"next-archive {following!r} is not a document of the site")
            href = links.get("prev-archive")
            pages += 1
        report.check(len(seen) == len(set(seen)), name, "an entry appears in two archive documents")
        report.check(set(seen) == want, name,
                     f"subscription document and {pages - 1} archive pages hold {len(set(seen))} "
                     f"entries, expected every one of the {len(want)} events")


def check_corrections_log(report, public, config, events):
    """corrections/{rss.xml,atom.xml,feed.json}: one entry per correction (the newest
    feed_limit), newest first, each under its own uuid5 id, titled after its event and linking
    to the event's permalink. No log when no event has a correction."""
    log = public / "corrections"
    expected = {}
    for event in events:
        for correction in event.get("corrections", []):
            expected["urn:uuid:" + correction_uuid(config, event, correction)] = (event, correction)
    if not expected:
        report.check(not log.exists(), "corrections", "a log without corrections")
        return
    count = min(len(expected), config["feed_limit"])
    for name in ("rss.xml", "atom.xml", "feed.json"):
        where = "corrections/" + name
        path = log / name
        if not report.check(path.is_file(), where, "missing"):
            continue
        if name == "feed.json":
            items = json.loads(path.read_text(encoding="utf-8"))["items"]
            entries = [(i["id"], i["title"], i["url"], parse_datetime(i["date_published"])) for i in items]
        else:
            parsed = feedparser.parse(path.read_bytes())
            report.check(not parsed.bozo, where, f"bozo: {parsed.get('bozo_exception')}")
            entries = [(e.get("id"), shown_text(e.get("title"), e.get("title_detail")), e.get("link"),
                        struct_to_dt(e.get("published_parsed"))) for e in parsed.entries]
        report.check(len(entries) == count, where, f"{len(entries)} entries, expected {count}")
        ids = [e[0] for e in entries]
        report.check(len(ids) == len(set(ids)), where, "duplicate ids")
        dates = [e[3] for e in entries]
        report.check(all(a > b for a, b in zip(dates, dates[1:])), where,
                     "entries are not newest first, each at its own second")
        for n, (id_, title, link, published) in enumerate(entries, 1):
            at = f"{where} entry {n}"
            if not report.check(id_ in expected, at, f"id {id_!r} is no correction's uuid5"):
                continue
            event, correction = expected[id_]
            report.check(title == "Correction: " + event["title"], at, f"title {title!r}")
            report.check(link == event_link(config, event), at, f"link {link!r} != the event's permalink")
            written = parse_datetime(correction["date"])
            report.check(timedelta(0) <= published - written <= timedelta(seconds=len(expected)), at,
                         f"published {published.isoformat()} is not the correction's date {written.isoformat()}")


# ---------------------------------------------------------------------------------------------
# WebSub (W3C WebSub section 4: a subscription document names its hub and its self URL)


def check_websub_links(report, public, config):
    """Every subscription document (rss.xml, atom.xml and feed.json at the root, in each tag's
    folder and in corrections/) names websub_hub, once: RSS and Atom as a `hub` link beside a
    `self` link to the document's own URL (read by feedparser), JSON Feed 1.1 as
    `hubs: [{"type": "WebSub", "url": hub}]`. Without websub_hub, none names a hub. Archive
    pages (RFC 5005) are no subscription documents and never name one."""
    base, hub = config["base_url"], config["websub_hub"]
    for path in sorted(public.rglob("*")):
        rel = path.relative_to(public).as_posix()
        if path.name not in ("rss.xml", "atom.xml", "feed.json") and not rel.startswith("archive/"):
            continue
        archive = rel.startswith("archive/")
        want = None if archive else hub
        if path.suffix == ".json":
            feed = json.loads(path.read_text(encoding="utf-8"))
            hubs = feed.get("hubs")
            expected = None if want is None else [{"type": "WebSub", "url": want}]
            report.check(hubs == expected, rel, f"hubs {hubs!r}, expected {expected!r}")
            continue
        parsed = feedparser.parse(path.read_bytes())
        links = parsed.feed.get("links", [])
        hubs = [l.get("href") for l in links if l.get("rel") == "hub"]
        report.check(hubs == ([] if want is None else [want]), rel,
                     f"hub links {hubs!r}, expected {want!r}")
        selves = [l.get("href") for l in links if l.get("rel") == "self"]
        report.check(selves == [base + rel], rel, f"self links {selves!r}, expected {base + rel!r}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--public", required=True, type=Path, help="the folder chronicle build wrote")
    parser.add_argument("--events-jsonl", required=True, type=Path, help="one JSON object per event")
    parser.add_argument("--config", required=True, type=Path, help="events/chronicle.toml")
    args = parser.parse_args(argv)

    config = load_config(args.config)
    events = load_events(args.events_jsonl)
    config["event_count"] = len(events)
    report = Report()
    if not report.check(args.public.is_dir(), str(args.public), "not a directory"):
        print(f"{report.passed} passed, {report.failed} failed")
        return 1

    for scope in scopes_for(report, args.public, config, events):
        for name, check in CHECKS.items():
            path = args.public / scope.rel / name
            where = scope.rel + name
            if report.check(path.is_file(), where, "missing"):
                try:
                    check(report, where, path, config, scope)
                except Exception as err:  # a file shaped so oddly that a check broke is a failure too
                    report.fail(where, f"checker error {type(err).__name__}: {err}")

    try:
        check_corrections_log(report, args.public, config, events)
    except Exception as err:  # as above: a checker that breaks is a failure, not a pass
        report.fail("corrections", f"checker error {type(err).__name__}: {err}")

    try:
        check_websub_links(report, args.public, config)
    except Exception as err:  # as above: a checker that breaks is a failure, not a pass
        report.fail("websub", f"checker error {type(err).__name__}: {err}")

    try:
        check_archives(report, args.public, config, events)
    except Exception as err:  # as above: a checker that breaks is a failure, not a pass
        report.fail("archive", f"checker error {type(err).__name__}: {err}")

    print(f"{report.passed} passed, {report.failed} failed")
    return 0 if report.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
