//! The corrections log: one entry per correction of any event, newest first, as RSS 2.0
//! (`corrections/rss.xml`), Atom 1.0 (`corrections/atom.xml`), JSON Feed 1.1
//! (`corrections/feed.json`) and a timeline page (`corrections/index.html`, see
//! [`super::html`]).
//!
//! Stage: render. In: the [`Site`] and the log's view (the events with corrections, see
//! [`super::site::corrections_view`]). Out: one document. Pure: no file system, no clock.
//!
//! An entry links to its event's permalink; its id is the correction's own
//! ([`identity::correction_uuid`]), never the event's, so a reader that has the event's entry
//! shows the correction as news of its own. Its `published` and `updated` are the correction's
//! date: RFC 4287 §4.2.15 and the W3C validator want no two entries of a feed to share an
//! `updated`, so corrections of the same second are moved apart by whole seconds (see
//! [`correction_log`]), as [`crate::model::unique_updated`] does for events.

use std::fmt::Write as _;
use std::io::{self, Write};

use atom_syndication::{Content, Entry, Link};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use super::body::{correction_day, correction_html, escape_html};
use super::site::Format;
use super::{atom, jsonfeed, rss, RenderError, Site, View};
use crate::identity;
use crate::model::{correction_log, LoggedCorrection};

/// The log's directory in the site.
pub const HOME: &str = "corrections/";

/// One correction in the log.
pub type LogEntry = LoggedCorrection;

/// Every correction of the view's events, newest first (see [`correction_log`]).
pub fn log_entries(site: &Site, view: &View) -> Vec<LogEntry> {
    correction_log(site.events(), &view.events)
}

/// The log's date: its newest entry's, or "now" when `SOURCE_DATE_EPOCH` pins it.
fn log_updated(site: &Site, entries: &[LogEntry]) -> DateTime<Utc> {
    match entries.first() {
        Some(newest) if !site.pinned => newest.updated,
        _ => site.now,
    }
}

/// The `feed_limit` newest entries, as the feeds hold them.
fn feed_entries(site: &Site, view: &View) -> (Vec<LogEntry>, DateTime<Utc>) {
    let mut entries = log_entries(site, view);
    let updated = log_updated(site, &entries);
    entries.truncate(site.collection.settings.feed_limit);
    (entries, updated)
}

/// "Correction: <event title>".
fn entry_title(site: &Site, entry: &LogEntry) -> String {
    format!("Correction: {}", site.events()[entry.index].title)
}

/// The entry's HTML: the dated line with a link to the event, then the note.
pub fn entry_html(site: &Site, entry: &LogEntry) -> String {
    let event = &site.events()[entry.index];
    let mut out = String::new();
    if let Some(correction) = event.corrections.get(entry.n) {
        let _ = writeln!(
            out,
            "<p><strong>Corrected {}:</strong> <a href=\"{}\">{}</a></p>",
            escape_html(&correction_day(correction)),
            escape_html(&site.permalink(event)),
            escape_html(&event.title)
        );
    }
    out.push_str(&correction_html(event, entry.n, &site.link_base));
    out
}

/// The entry's published id.
fn entry_id(site: &Site, entry: &LogEntry) -> String {
    let event = &site.events()[entry.index];
    let date = event
        .corrections
        .get(entry.n)
        .map_or(entry.updated, |c| c.date.with_timezone(&Utc));
    let uuid = identity::correction_uuid(site.collection.settings.collection_id(), &event.id, date);
    format!("urn:uuid:{uuid}")
}

/// Writes `corrections/rss.xml`.
pub fn render_rss(site: &Site, view: &View, w: &mut dyn Write) -> Result<(), RenderError> {
    let (entries, updated) = feed_entries(site, view);
    let mut channel = rss::channel(
        site,
        view,
        &[],
        &view.path(Format::CorrectionsRss),
        rss::hub_link(site).into_iter().collect(),
        updated,
    );
    channel.items = entries
        .iter()
        .map(|entry| {
            let event = &site.events()[entry.index];
            ::rss::Item {
                title: Some(rss::plain_text(&entry_title(site, entry))),
                link: Some(site.permalink(event)),
                description: Some(entry_html(site, entry)),
                guid: Some(::rss::Guid {
                    value: entry_id(site, entry),
                    permalink: false,
                }),
                pub_date: Some(entry.updated.to_rfc2822()),
                ..::rss::Item::default()
            }
        })
        .collect();
    rss::write_channel(&channel, w)
}

/// Writes `corrections/atom.xml`.
pub fn render_atom(site: &Site, view: &View, w: &mut dyn Write) -> Result<(), RenderError> {
    let (entries, updated) = feed_entries(site, view);
    let mut feed = atom::feed(
        site,
        view,
        &[],
        &view.path(Format::CorrectionsAtom),
        atom::hub_link(site).into_iter().collect(),
        updated,
    );
    feed.entries = entries
        .iter()
        .map(|entry| Entry {
            title: atom::text_construct(&entry_title(site, entry)),
            id: entry_id(site, entry),
            updated: atom::fixed(entry.updated),
            published: Some(atom::fixed(entry.updated)),
            links: vec![Link {
                href: site.permalink(&site.events()[entry.index]),
                rel: "alternate".into(),
                mime_type: Some("text/html".into()),
                ..Link::default()
            }],
            content: Some(Content {
                value: Some(entry_html(site, entry)),
                content_type: Some("html".into()),
                ..Content::default()
            }),
            ..Entry::default()
        })
        .collect();
    atom::write_feed(&feed, w)
}

/// The log as JSON Feed 1.1.
#[derive(Serialize)]
struct JsonLog<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: String,
    feed_url: String,
    description: &'a str,
    language: &'a str,
    authors: [JsonAuthor<'a>; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    hubs: Option<[jsonfeed::Hub<'a>; 1]>,
    items: Vec<JsonItem>,
}

#[derive(Serialize)]
struct JsonAuthor<'a> {
    name: &'a str,
}

#[derive(Serialize)]
struct JsonItem {
    id: String,
    url: String,
    title: String,
    content_html: String,
    date_published: String,
    date_modified: String,
}

/// Writes `corrections/feed.json`.
pub fn render_jsonfeed(site: &Site, view: &View, w: &mut dyn Write) -> Result<(), RenderError> {
    let settings = &site.collection.settings;
    let (entries, _) = feed_entries(site, view);
    let rfc3339 = |at: DateTime<Utc>| at.to_rfc3339_opts(SecondsFormat::Secs, true);
    let log = JsonLog {
        version: "https://jsonfeed.org/version/1.1",
        title: &view.title,
        home_page_url: site.url(&view.home_path),
        feed_url: site.url(&view.path(Format::CorrectionsJsonFeed)),
        description: &view.description,
        language: &settings.language,
        authors: [JsonAuthor {
            name: &settings.author,
        }],
        hubs: jsonfeed::hubs(site),
        items: entries
            .iter()
            .map(|entry| JsonItem {
                id: entry_id(site, entry),
                url: site.permalink(&site.events()[entry.index]),
                title: entry_title(site, entry),
                content_html: entry_html(site, entry),
                date_published: rfc3339(entry.updated),
                date_modified: rfc3339(entry.updated),
            })
            .collect(),
    };
    let mut writer = w;
    serde_json::to_writer_pretty(&mut writer, &log).map_err(io::Error::from)?;
    writer.write_all(b"\n")?;
    Ok(())
}
