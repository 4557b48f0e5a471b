//! JSON Feed 1.1 (<https://www.jsonfeed.org/version/1.1/>), serialized with serde_json.

use std::io::{self, Write};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use super::{RenderError, SharedHtml, Site, View};
use crate::model::Tag;
use crate::render::site::Format;

#[derive(Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: String,
    feed_url: String,
    #[serde(skip_serializing_if = "str::is_empty")]
    description: &'a str,
    language: &'a str,
    authors: [Author<'a>; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    hubs: Option<[Hub<'a>; 1]>,
    items: Vec<Item<'a>>,
}

/// An entry of JSON Feed 1.1's `hubs`: an endpoint that pushes the feed's changes.
#[derive(Serialize)]
pub(crate) struct Hub<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    url: &'a str,
}

/// The feed's `hubs` when the settings name a WebSub hub: `[{"type": "WebSub", "url": …}]`
/// (JSON Feed 1.1, top-level `hubs`).
pub(crate) fn hubs<'a>(site: &Site<'a>) -> Option<[Hub<'a>; 1]> {
    let hub = site.collection.settings.websub_hub.as_ref()?;
    Some([Hub {
        kind: "WebSub",
        url: hub.as_str(),
    }])
}

#[derive(Serialize)]
struct Author<'a> {
    name: &'a str,
}

#[derive(Serialize)]
struct Item<'a> {
    id: String,
    url: String,
    title: std::borrow::Cow<'a, str>,
    content_html: std::borrow::Cow<'a, str>,
    date_published: String,
    date_modified: String,
    tags: &'a [Tag],
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Writes the view's JSON Feed: its newest `feed_limit` entries, newest first.
pub fn render_jsonfeed(
    site: &Site,
    view: &View,
    shared: Option<&SharedHtml>,
    w: &mut dyn Write,
) -> Result<(), RenderError> {
    let settings = &site.collection.settings;
    let items = site
        .feed_entries(view)
        .into_iter()
        .map(|index| {
            let event = &site.events()[index];
            Item {
                id: format!("urn:uuid:{}", site.event_uuid(event)),
                url: site.permalink(event),
                title: event.feed_title(),
                content_html: match shared.and_then(|shared| shared.get(index)) {
                    Some(html) => std::borrow::Cow::Borrowed(&*html.html),
                    None => site.event_html(index),
                },
                date_published: rfc3339(event.published_at()),
                date_modified: rfc3339(site.entry_updated[index]),
                tags: &event.tags,
            }
        })
        .collect();
    let feed = JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: &view.title,
        home_page_url: site.url(&view.home_path),
        feed_url: site.url(&view.path(Format::JsonFeed)),
        description: &view.description,
        language: &settings.language,
        authors: [Author {
            name: &settings.author,
        }],
        hubs: hubs(site),
        items,
    };
    let mut writer = w;
    serde_json::to_writer_pretty(&mut writer, &feed).map_err(io::Error::from)?;
    writer.write_all(b"\n")?;
    Ok(())
}
