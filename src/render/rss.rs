//! RSS 2.0 (<https://www.rssboard.org/rss-specification>), written with the `rss` crate.
//!
//! What the W3C Feed Validation Service asks beyond the spec is designed in: an `atom:link
//! rel="self"`, RFC 822 dates with `+0000` (never `UTC`), a name in `dc:creator` rather than a
//! bare name in `<author>` (which must be an e-mail address), a `guid` that never changes.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{self, Write};

use rss::extension::atom::{AtomExtension, Link};
use rss::extension::dublincore::DublinCoreExtension;
use rss::{Category, Channel, Guid, Item};

use chrono::{DateTime, Utc};

use super::{archive, Site, View};
use crate::render::site::Format;

const DC_NAMESPACE: &str = "http://purl.org/dc/elements/1.1/";

/// Writes the view's RSS feed: its newest `feed_limit` entries, newest first. The whole
/// collection's feed links to its archive (RFC 5005 `prev-archive`) when it has one.
pub fn render_rss(site: &Site, view: &View, w: &mut dyn Write) -> io::Result<()> {
    let mut links = Vec::new();
    if let Some(page) = archive::newest_page(site, view) {
        links.push(atom_link(
            "prev-archive",
            site.url(&archive::rss_path(page)),
        ));
    }
    let channel = channel(
        site,
        view,
        &site.entries_with_html(site.feed_entries(view), None),
        &view.path(Format::Rss),
        links,
        site.view_updated(view),
    );
    write_channel(&channel, w)
}

/// An `atom:link` of an RSS channel (RFC 5005 uses them for archive links).
pub(crate) fn atom_link(rel: &str, href: String) -> Link {
    Link {
        href,
        rel: rel.into(),
        mime_type: Some("application/rss+xml".into()),
        ..Link::default()
    }
}

/// The view's channel holding `entries` (in that order, each with its HTML), with `self_path`
/// as its `self` link and `links` after it; `built` is its `lastBuildDate`.
pub(crate) fn channel(
    site: &Site,
    view: &View,
    entries: &[(usize, Cow<'_, str>)],
    self_path: &str,
    links: Vec<Link>,
    built: DateTime<Utc>,
) -> Channel {
    let settings = &site.collection.settings;
    let items = entries
        .iter()
        .map(|(index, html)| item(site, *index, html))
        .collect();
    let self_link = atom_link("self", site.url(self_path));
    Channel {
        title: view.title.clone(),
        link: site.url(&view.home_path),
        description: if view.description.is_empty() {
            view.title.clone()
        } else {
            view.description.clone()
        },
        language: Some(settings.language.clone()),
        last_build_date: Some(built.to_rfc2822()),
        generator: Some(format!("chronicle {}", env!("CARGO_PKG_VERSION"))),
        docs: Some("https://www.rssboard.org/rss-specification".into()),
        items,
        atom_ext: Some(AtomExtension {
            links: std::iter::once(self_link).chain(links).collect(),
        }),
        namespaces: BTreeMap::from([("dc".to_string(), DC_NAMESPACE.to_string())]),
        ..Channel::default()
    }
}

/// Writes a channel, indented.
pub(crate) fn write_channel(channel: &Channel, w: &mut dyn Write) -> io::Result<()> {
    channel
        .pretty_write_to(w, b' ', 2)
        .map(|_| ())
        .map_err(|err| match err {
            rss::Error::Xml(xml) => io::Error::other(xml.to_string()),
            other => io::Error::other(other.to_string()),
        })
}

fn item(site: &Site, index: usize, html: &str) -> Item {
    let event = &site.events()[index];
    Item {
        title: Some(event.title.clone()),
        link: Some(site.permalink(event)),
        description: Some(html.to_string()),
        guid: Some(Guid {
            value: format!("urn:uuid:{}", site.event_uuid(event)),
            permalink: false,
        }),
        pub_date: Some(event.published_at().to_rfc2822()),
        categories: event
            .tags
            .iter()
            .map(|tag| Category {
                name: tag.clone(),
                domain: None,
            })
            .collect(),
        dublin_core_ext: Some(DublinCoreExtension {
            creators: vec![site.collection.settings.author.clone()],
            ..DublinCoreExtension::default()
        }),
        ..Item::default()
    }
}
