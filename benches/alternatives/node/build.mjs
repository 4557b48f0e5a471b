// What a Node user would write instead of `chronicle build`: read the same collection, render
// each Markdown body (marked), and write RSS, Atom and JSON Feed (feed) and iCalendar
// (ical-generator) for the whole collection and for every tag.
//
// Usage: node build.mjs EVENTS_DIR OUT_DIR
import { readFileSync, readdirSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Feed } from "feed";
import ical from "ical-generator";
import { marked } from "marked";
import { parse } from "smol-toml";

const FEED_LIMIT = 50;
const [eventsDir, out] = process.argv.slice(2);

function files(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...files(path));
    else if (entry.name.endsWith(".md")) found.push(path);
  }
  return found.sort();
}

function when(value) {
  if (typeof value === "string") {
    const [y, m = 1, d = 1] = value.split("-").map(Number);
    return { start: new Date(Date.UTC(y, m - 1, d)), allDay: true };
  }
  // smol-toml gives TomlDate (a Date) for dates and date-times.
  return { start: new Date(value.getTime()), allDay: value.isDate?.() ?? false };
}

const settings = parse(readFileSync(join(eventsDir, "chronicle.toml"), "utf8"));
const base = settings.base_url;
const events = files(eventsDir).map((path) => {
  const text = readFileSync(path, "utf8");
  const [, front, body] = text.split("+++\n");
  const meta = parse(front);
  const { start, allDay } = when(meta.date);
  const published = meta.published ? new Date(meta.published.getTime()) : start;
  return {
    id: path.split("/").pop().replace(/\.md$/, ""),
    title: meta.title,
    start,
    allDay,
    end: meta.end ? when(meta.end).start : null,
    tags: meta.tags ?? [],
    location: meta.location,
    published,
    updated: meta.updated ? new Date(meta.updated.getTime()) : published,
    html: marked.parse(body),
    text: body,
  };
});
events.sort((a, b) => a.start - b.start || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

function writeView(home, list) {
  const dir = join(out, home);
  mkdirSync(dir, { recursive: true });
  const feed = new Feed({
    title: settings.title,
    description: settings.description,
    id: base + home,
    link: base + home,
    language: settings.language,
    copyright: "",
    updated: list.reduce((max, e) => (e.updated > max ? e.updated : max), new Date(0)),
    author: { name: settings.author },
  });
  const newest = [...list]
    .sort((a, b) => b.published - a.published || (a.id < b.id ? 1 : -1))
    .slice(0, FEED_LIMIT);
  for (const e of newest) {
    feed.addItem({
      title: e.title,
      id: `${base}events/${e.id}`,
      link: `${base}years/${e.start.getUTCFullYear()}/#${e.id}`,
      content: e.html,
      date: e.updated,
      published: e.published,
      category: e.tags.map((name) => ({ name })),
    });
  }
  writeFileSync(join(dir, "rss.xml"), feed.rss2());
  writeFileSync(join(dir, "atom.xml"), feed.atom1());
  writeFileSync(join(dir, "feed.json"), feed.json1());
  const cal = ical({ name: settings.title, prodId: "//benchmark//node ical-generator//EN" });
  for (const e of list) {
    cal.createEvent({
      id: `${base}events/${e.id}`,
      start: e.start,
      end: e.end ?? e.start,
      allDay: e.allDay,
      summary: e.title,
      description: e.text,
      location: e.location,
      categories: e.tags.map((name) => ({ name })),
      url: `${base}years/${e.start.getUTCFullYear()}/#${e.id}`,
      stamp: e.updated,
    });
  }
  writeFileSync(join(dir, "calendar.ics"), cal.toString());
}

const byTag = new Map();
for (const e of events) {
  for (const t of e.tags) {
    if (!byTag.has(t)) byTag.set(t, []);
    byTag.get(t).push(e);
  }
}
writeView("", events);
for (const tag of [...byTag.keys()].sort()) writeView(`tags/${tag}/`, byTag.get(tag));
console.error(`node: ${events.length} events, ${4 * (byTag.size + 1)} files`);
