//! Atom 1.0 (RFC 4287), written with the `atom_syndication` crate.
//!
//! Ids are `urn:uuid:` URIs that never change (RFC 4287 §4.2.6); `updated` is unique per entry
//! (the W3C validator's DuplicateUpdated); feed dates come from the data, never the clock; text
//! that looks like markup is declared as HTML, escaped (see `text_construct`).

use std::borrow::Cow;
use std::io::Write;

use atom_syndication::{
    Category, Content, Entry, Feed, FixedDateTime, Generator, Link, Person, Text,
};
use chrono::{DateTime, Utc};

use super::body::escape_html;
use super::{archive, RenderError, SharedHtml, Site, View};
use crate::render::site::Format;

/// A text construct (RFC 4287 §3.1) that every reader shows as exactly `text`: `type="text"`,
/// or, when the text holds `<` or `&`, `type="html"` with the text escaped. A `type="text"`
/// title holding `</b>` or `&amp;` reads right in a conforming reader, but the W3C validator
/// takes it for HTML left undeclared (ContainsUndeclaredHTML), as a careless reader might.
pub(crate) fn text_construct(text: &str) -> Text {
    if text.contains(['<', '&']) {
        Text::html(escape_html(text))
    } else {
        Text::plain(text)
    }
}

pub(crate) fn fixed(at: DateTime<Utc>) -> FixedDateTime {
    at.fixed_offset()
}

/// Writes the view's Atom feed: its newest `feed_limit` entries, newest first. The whole
/// collection's feed links to its archive (RFC 5005 `prev-archive`) when it has one.
pub fn render_atom(
    site: &Site,
    view: &View,
    shared: Option<&SharedHtml>,
    w: &mut dyn Write,
) -> Result<(), RenderError> {
    let mut links: Vec<Link> = hub_link(site).into_iter().collect();
    if let Some(page) = archive::newest_page(site, view) {
        links.push(feed_link(
            "prev-archive",
            site.url(&archive::atom_path(page)),
        ));
    }
    let feed = feed(
        site,
        view,
        &site.entries_with_html(site.feed_entries(view), shared),
        &view.path(Format::Atom),
        links,
        site.view_updated(view),
    );
    write_feed(&feed, w)
}

/// The feed's `link rel="hub"` when the settings name a WebSub hub (W3C WebSub §4: a
/// subscription document names its hub and its `self` URL, the topic). No `type`: the hub is
/// an endpoint, not a document. Subscription documents only, never an archive page.
pub(crate) fn hub_link(site: &Site) -> Option<Link> {
    let hub = site.collection.settings.websub_hub.as_ref()?;
    Some(Link {
        href: hub.to_string(),
        rel: "hub".into(),
        ..Link::default()
    })
}

/// A link to another Atom document.
pub(crate) fn feed_link(rel: &str, href: String) -> Link {
    Link {
        href,
        rel: rel.into(),
        mime_type: Some("application/atom+xml".into()),
        ..Link::default()
    }
}

/// The view's feed holding `entries` (in that order), with `self_path` as its `self` link and
/// `links` after it; `updated` is the feed's own `updated` (RFC 4287 §4.2.15).
pub(crate) fn feed(
    site: &Site,
    view: &View,
    entries: &[(usize, Cow<'_, str>)],
    self_path: &str,
    links: Vec<Link>,
    updated: DateTime<Utc>,
) -> Feed {
    let settings = &site.collection.settings;
    let entries: Vec<Entry> = entries
        .iter()
        .map(|(index, html)| entry(site, *index, html))
        .collect();
    let mut all_links = vec![
        Link {
            href: site.url(&view.home_path),
            rel: "alternate".into(),
            mime_type: Some("text/html".into()),
            ..Link::default()
        },
        feed_link("self", site.url(self_path)),
    ];
    all_links.extend(links);
    Feed {
        title: text_construct(&view.title),
        id: format!("urn:uuid:{}", site.feed_uuid(&view.home_path)),
        updated: fixed(updated),
        authors: vec![Person {
            name: settings.author.clone(),
            ..Person::default()
        }],
        links: all_links,
        subtitle: (!view.description.is_empty()).then(|| text_construct(&view.description)),
        generator: Some(Generator {
            value: "chronicle".into(),
            uri: None,
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }),
        lang: Some(settings.language.clone()),
        entries,
        ..Feed::default()
    }
}

/// Writes a feed document, with a final newline.
pub(crate) fn write_feed(feed: &Feed, w: &mut dyn Write) -> Result<(), RenderError> {
    let mut writer = w;
    feed.write_to(&mut writer)?;
    writer.write_all(b"\n")?;
    Ok(())
}

fn entry(site: &Site, index: usize, html: &str) -> Entry {
    let event = &site.events()[index];
    Entry {
        title: text_construct(&event.feed_title()),
        id: format!("urn:uuid:{}", site.event_uuid(event)),
        updated: fixed(site.entry_updated[index]),
        published: Some(fixed(event.published_at())),
        links: vec![Link {
            href: site.permalink(event),
            rel: "alternate".into(),
            mime_type: Some("text/html".into()),
            ..Link::default()
        }],
        categories: event
            .tags
            .iter()
            .map(|tag| Category {
                term: tag.name().to_string(),
                scheme: None,
                label: None,
            })
            .collect(),
        content: Some(Content {
            value: Some(html.to_string()),
            content_type: Some("html".into()),
            ..Content::default()
        }),
        ..Entry::default()
    }
}

#[cfg(test)]
mod tests {
    use atom_syndication::TextType;

    use super::*;

    #[test]
    fn text_with_markup_is_declared_html_and_escaped() {
        for (text, kind, value) in [
            ("plain words", TextType::Text, "plain words"),
            (
                "Ruling on <b>bold</b> claims & \"AT&T\"",
                TextType::Html,
                "Ruling on &lt;b&gt;bold&lt;/b&gt; claims &amp; &quot;AT&amp;T&quot;",
            ),
            ("&amp;", TextType::Html, "&amp;amp;"),
        ] {
            let construct = text_construct(text);
            assert_eq!(construct.r#type, kind, "{text:?}");
            assert_eq!(construct.value, value, "{text:?}");
        }
    }
}
