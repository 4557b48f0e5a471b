//! Outputs read back by independent Rust parsers: feed-rs for RSS, Atom and JSON Feed, and the
//! `ical` crate for the calendar. Text must come back out equal to what went in.

use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::path::Path;

use crate::harness::Project;
use crate::hostile::{self, Generated};

const HOSTILE_EVENTS: usize = 2000;
const HOSTILE_FEED_LIMIT: usize = 300;

fn hostile_project() -> (Project, Vec<Generated>) {
    let project = Project::empty();
    let generated =
        hostile::write_collection(&project.events(), HOSTILE_EVENTS, HOSTILE_FEED_LIMIT);
    project.ok(&["build"]);
    (project, generated)
}

fn parse_feed(path: &Path) -> feed_rs::model::Feed {
    let bytes = fs::read(path).unwrap();
    feed_rs::parser::parse(bytes.as_slice())
        .unwrap_or_else(|e| panic!("{} does not parse: {e}", path.display()))
}

/// RSS text without the invisible WORD JOINER chronicle puts after a `<` or `&` that would
/// start markup (see `plain_text` in `src/render/rss.rs`), as a reader shows it.
fn without_word_joiners(text: &str) -> String {
    text.replace("<\u{2060}", "<").replace("&\u{2060}", "&")
}

/// A feed text as a reader shows it: rendered when declared HTML (Atom `type="html"`), and
/// [`without_word_joiners`].
fn shown_text(text: &feed_rs::model::Text) -> String {
    let content = if text.content_type.subty() == "html" {
        scraper::Html::parse_fragment(&text.content)
            .root_element()
            .text()
            .collect()
    } else {
        text.content.clone()
    };
    without_word_joiners(&content)
}

/// Checks every feed of the root view: entry count, titles and links come back as written.
fn check_feeds(public: &Path, by_id: &HashMap<String, &Generated>, limit: usize) {
    for name in ["rss.xml", "atom.xml", "feed.json"] {
        let feed = parse_feed(&public.join(name));
        assert_eq!(feed.entries.len(), limit.min(by_id.len()), "{name}");
        let mut seen = BTreeSet::new();
        for entry in &feed.entries {
            let link = &entry.links[0].href;
            let id = link.rsplit('#').next().unwrap();
            let event = by_id
                .get(id)
                .unwrap_or_else(|| panic!("{name}: unknown link {link}"));
            let title = entry.title.as_ref().expect("entry has a title");
            assert_eq!(shown_text(title), event.title, "{name}: title of {id}");
            let categories: BTreeSet<String> = entry
                .categories
                .iter()
                .map(|c| without_word_joiners(&c.term))
                .collect();
            let tags: BTreeSet<String> = event.tags.iter().cloned().collect();
            assert_eq!(categories, tags, "{name}: tags of {id}");
            assert!(
                seen.insert(entry.id.clone()),
                "{name}: duplicate id {}",
                entry.id
            );
        }
    }
}

/// Undoes RFC 5545 TEXT escaping (the `ical` crate hands values over escaped).
fn unescape(value: &str) -> String {
    let mut out = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn check_calendar(path: &Path, by_id: &HashMap<String, &Generated>) {
    let file = fs::File::open(path).unwrap();
    let mut calendars = ical::IcalParser::new(std::io::BufReader::new(file));
    let calendar = calendars
        .next()
        .expect("one calendar")
        .expect("calendar parses");
    assert!(calendars.next().is_none(), "exactly one VCALENDAR");
    assert_eq!(calendar.events.len(), by_id.len());
    let mut uids = BTreeSet::new();
    for event in &calendar.events {
        let prop = |name: &str| {
            event
                .properties
                .iter()
                .find(|p| p.name == name)
                .and_then(|p| p.value.clone())
                .unwrap_or_else(|| panic!("VEVENT without {name}"))
        };
        assert!(uids.insert(prop("UID")), "duplicate UID");
        let url = prop("URL");
        let id = url.rsplit('#').next().unwrap();
        let expected = by_id[id];
        assert_eq!(
            unescape(&prop("SUMMARY")),
            expected.title,
            "SUMMARY of {id}"
        );
        if let Some(location) = &expected.location {
            assert_eq!(&unescape(&prop("LOCATION")), location, "LOCATION of {id}");
        }
        let description = unescape(&prop("DESCRIPTION"));
        if description.contains("END:VEVENT") {
            assert!(
                description.contains("\nEND:VEVENT\n"),
                "line breaks kept as text"
            );
        }
    }
}

fn index(generated: &[Generated]) -> HashMap<String, &Generated> {
    generated.iter().map(|g| (g.id.clone(), g)).collect()
}

#[test]
fn hostile_collection_round_trips_through_rust_parsers() {
    let (project, generated) = hostile_project();
    let by_id = index(&generated);
    check_feeds(&project.public(), &by_id, HOSTILE_FEED_LIMIT);
    check_calendar(&project.public().join("calendar.ics"), &by_id);
    let ics = project.read("public/calendar.ics");
    assert_eq!(ics.matches("\r\nBEGIN:VEVENT\r\n").count(), HOSTILE_EVENTS);
    for line in ics.split("\r\n") {
        assert!(line.len() <= 75, "unfolded line: {line}");
        assert!(
            !line.contains('\n') && !line.contains('\r'),
            "bare line break"
        );
    }
}

#[test]
fn sample_round_trips_through_rust_parsers() {
    let project = Project::fixture("sample");
    project.ok(&["build"]);
    let jsonl = project.ok(&["export", "--format", "jsonl"]);
    let generated: Vec<Generated> = jsonl
        .lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            Generated {
                id: v["id"].as_str().unwrap().into(),
                title: v["title"].as_str().unwrap().into(),
                location: v["location"].as_str().map(Into::into),
                tags: serde_json::from_value(v["tags"].clone()).unwrap(),
            }
        })
        .collect();
    let by_id = index(&generated);
    check_feeds(&project.public(), &by_id, 50);
    check_calendar(&project.public().join("calendar.ics"), &by_id);
}
