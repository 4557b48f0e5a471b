//! RSS 2.0 (<https://www.rssboard.org/rss-specification>), written with the `rss` crate.
//!
//! What the W3C Feed Validation Service asks beyond the spec is designed in: an `atom:link
//! rel="self"`, RFC 822 dates with `+0000` (never `UTC`), a name in `dc:creator` rather than a
//! bare name in `<author>` (which must be an e-mail address), a `guid` that never changes, and
//! plain text that no reader can take for markup (see `plain_text`).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Write;

use rss::extension::atom::{AtomExtension, Link};
use rss::extension::dublincore::DublinCoreExtension;
use rss::{Category, Channel, Guid, Item};

use chrono::{DateTime, Utc};

use super::{archive, RenderError, SharedHtml, Site, View};
use crate::render::site::Format;

const DC_NAMESPACE: &str = "http://purl.org/dc/elements/1.1/";

/// U+2060 WORD JOINER: invisible, and neither a letter, a digit nor `/ ! ? #`.
const WORD_JOINER: char = '\u{2060}';

/// Plain text (a title, a description of the channel, a tag, a name) as an RSS 2.0 element holds
/// it, so that it reads as the same text in every reader.
///
/// RSS cannot say that an element is text rather than HTML, and some readers render titles as
/// HTML: `<b>` would turn bold, `&amp;` would read `&`. The W3C validator warns on the decoded
/// text for that reason (ContainsHTML for an HTML end tag, CharacterData for `<` before a
/// letter or `/` and for a character reference), however the XML escapes it. So a WORD JOINER
/// goes after each `<` that would open a tag, an end tag, a comment or a declaration (HTML
/// §13.2.5.6, tag open state: an ASCII letter, `/`, `!` or `?` follows) and after each `&` that
/// would start a character reference (HTML §13.2.5.72: an ASCII letter or digit, or `#`,
/// follows). A reader that renders HTML then shows those characters as text, one that does not
/// shows the text as written, and the joiner itself shows in neither.
pub(crate) fn plain_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        let starts_markup = match (c, chars.peek()) {
            ('<', Some(&next)) => next.is_ascii_alphabetic() || matches!(next, '/' | '!' | '?'),
            ('&', Some(&next)) => next.is_ascii_alphanumeric() || next == '#',
            _ => false,
        };
        if starts_markup {
            out.push(WORD_JOINER);
        }
    }
    out
}

/// Writes the view's RSS feed: its newest `feed_limit` entries, newest first. The whole
/// collection's feed links to its archive (RFC 5005 `prev-archive`) when it has one.
pub fn render_rss(
    site: &Site,
    view: &View,
    shared: Option<&SharedHtml>,
    w: &mut dyn Write,
) -> Result<(), RenderError> {
    let mut links: Vec<Link> = hub_link(site).into_iter().collect();
    if let Some(page) = archive::newest_page(site, view) {
        links.push(atom_link(
            "prev-archive",
            site.url(&archive::rss_path(page)),
        ));
    }
    let channel = channel(
        site,
        view,
        &site.entries_with_html(site.feed_entries(view), shared),
        &view.path(Format::Rss),
        links,
        site.view_updated(view),
    );
    write_channel(&channel, w)
}

/// The channel's `atom:link rel="hub"` when the settings name a WebSub hub (W3C WebSub §4:
/// a subscription document names its hub and its `self` URL, the topic). No `type`: the hub is
/// an endpoint, not a document. Subscription documents only, never an archive page.
pub(crate) fn hub_link(site: &Site) -> Option<Link> {
    let hub = site.collection.settings.websub_hub.as_ref()?;
    Some(Link {
        href: hub.to_string(),
        rel: "hub".into(),
        ..Link::default()
    })
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
        title: plain_text(&view.title),
        link: site.url(&view.home_path),
        description: plain_text(if view.description.is_empty() {
            &view.title
        } else {
            &view.description
        }),
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
pub(crate) fn write_channel(channel: &Channel, w: &mut dyn Write) -> Result<(), RenderError> {
    channel.pretty_write_to(w, b' ', 2)?;
    Ok(())
}

fn item(site: &Site, index: usize, html: &str) -> Item {
    let event = &site.events()[index];
    Item {
        title: Some(plain_text(&event.feed_title())),
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
                name: plain_text(tag.name()),
                domain: None,
            })
            .collect(),
        dublin_core_ext: Some(DublinCoreExtension {
            creators: vec![plain_text(&site.collection.settings.author)],
            ..DublinCoreExtension::default()
        }),
        ..Item::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_cannot_be_read_as_markup() {
        let wj = WORD_JOINER;
        for (text, expected) in [
            ("plain words", "plain words".to_string()),
            (
                "Ruling on <b>bold</b> claims",
                format!("Ruling on <{wj}b>bold<{wj}/b> claims"),
            ),
            ("AT&T", format!("AT&{wj}T")),
            ("&amp; and &#38;", format!("&{wj}amp; and &{wj}#38;")),
            ("<!-- x --> <?pi?>", format!("<{wj}!-- x --> <{wj}?pi?>")),
            // Not markup in HTML: `<` or `&` before a space, a digit (for `<`), or the end.
            ("a < b, 5<6, R & D, &", "a < b, 5<6, R & D, &".to_string()),
            ("ends with <", "ends with <".to_string()),
            ("<東京> & 🚀", "<東京> & 🚀".to_string()),
        ] {
            assert_eq!(plain_text(text), expected, "{text:?}");
            assert_eq!(plain_text(text).replace(wj, ""), text, "only joiners added");
        }
    }
}
