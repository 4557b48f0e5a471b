"""What a Python user would write instead of `chronicle build`: read the same collection,
render each Markdown body, and write RSS + Atom (feedgen) and iCalendar (icalendar) for the
whole collection and for every tag. JSON Feed is not offered by feedgen.

Usage: python build.py EVENTS_DIR OUT_DIR
"""

import datetime as dt
import os
import sys
import tomllib
import uuid
from collections import defaultdict
from pathlib import Path

import markdown
from feedgen.feed import FeedGenerator
from icalendar import Calendar, Event

FEED_LIMIT = 50


def when(value, zone_default):
    """date, datetime or reduced-precision string -> (start datetime, all-day?)."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value, False
    if isinstance(value, dt.date):
        return value, True
    parts = [int(p) for p in str(value).split("-")]
    while len(parts) < 3:
        parts.append(1)
    return dt.date(*parts), True


def as_datetime(value):
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone.utc)


def load(events_dir):
    settings = tomllib.loads((events_dir / "chronicle.toml").read_text("utf-8"))
    events = []
    md = markdown.Markdown()
    for path in sorted(events_dir.rglob("*.md")):
        text = path.read_text("utf-8")
        _, front, body = text.split("+++\n", 2)
        meta = tomllib.loads(front)
        start, all_day = when(meta["date"], None)
        end = when(meta["end"], None)[0] if "end" in meta else None
        published = meta.get("published") or as_datetime(start)
        events.append(
            {
                "id": path.stem,
                "title": meta["title"],
                "start": start,
                "end": end,
                "all_day": all_day,
                "tags": meta.get("tags", []),
                "published": published,
                "updated": meta.get("updated") or published,
                "location": meta.get("location"),
                "html": md.reset().convert(body),
                "text": body,
            }
        )
    events.sort(key=lambda e: (as_datetime(e["start"]), e["id"]))
    return settings, events


def write_feeds(settings, events, out, home):
    base = settings["base_url"]
    newest = sorted(events, key=lambda e: (e["published"], e["id"]), reverse=True)[:FEED_LIMIT]
    fg = FeedGenerator()
    fg.id(f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, base + home)}")
    fg.title(settings["title"])
    fg.author({"name": settings.get("author", "")})
    fg.link(href=base + home, rel="alternate")
    fg.description(settings.get("description") or settings["title"])
    fg.language(settings.get("language", "en"))
    for e in reversed(newest):
        fe = fg.add_entry()
        fe.id(f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, base + 'events/' + e['id'])}")
        fe.title(e["title"])
        fe.link(href=f"{base}years/{e['start'].year}/#{e['id']}")
        fe.content(e["html"], type="html")
        fe.description(e["html"])
        fe.published(e["published"])
        fe.updated(e["updated"])
        for tag in e["tags"]:
            fe.category(term=tag)
    (out / home).mkdir(parents=True, exist_ok=True)
    fg.rss_file(str(out / home / "rss.xml"), pretty=True)
    fg.atom_file(str(out / home / "atom.xml"), pretty=True)


def write_calendar(settings, events, out, home):
    base = settings["base_url"]
    cal = Calendar()
    cal.add("prodid", "-//benchmark//python icalendar//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", settings["title"])
    for e in events:
        ev = Event()
        ev.add("uid", str(uuid.uuid5(uuid.NAMESPACE_URL, base + "events/" + e["id"])))
        ev.add("dtstamp", e["updated"])
        ev.add("dtstart", e["start"])
        if e["end"] is not None:
            ev.add("dtend", e["end"])
        ev.add("summary", e["title"])
        ev.add("description", e["text"])
        if e["location"]:
            ev.add("location", e["location"])
        if e["tags"]:
            ev.add("categories", e["tags"])
        ev.add("url", f"{base}years/{e['start'].year}/#{e['id']}")
        cal.add_component(ev)
    (out / home).mkdir(parents=True, exist_ok=True)
    (out / home / "calendar.ics").write_bytes(cal.to_ical())


def main():
    events_dir, out = Path(sys.argv[1]), Path(sys.argv[2])
    settings, events = load(events_dir)
    by_tag = defaultdict(list)
    for e in events:
        for tag in e["tags"]:
            by_tag[tag].append(e)
    views = [("", events)] + [(f"tags/{tag}/", evs) for tag, evs in sorted(by_tag.items())]
    for home, evs in views:
        write_feeds(settings, evs, out, home)
        write_calendar(settings, evs, out, home)
    files = sum(len(f) for _, _, f in os.walk(out))
    print(f"python: {len(events)} events, {files} files", file=sys.stderr)


if __name__ == "__main__":
    main()
