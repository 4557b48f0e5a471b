//! OPML 2.0 subscription list (<http://opml.org/spec2.opml>, "Subscription lists"), written with
//! `quick-xml`: `feeds.opml`, which a feed reader imports to subscribe to the collection's feed
//! and every tag's feed at once.
//!
//! In: the collection's view and its tag views. Out: one document. Pure: no I/O, no clock.
//!
//! - One `type="rss"` outline per view (OPML 2.0 names every feed type `rss`), its `xmlUrl` the
//!   view's Atom feed: one document per view, as a reader subscribed to the RSS, Atom and JSON
//!   Feed of a view would show each event three times. Atom, rather than RSS, because its text
//!   constructs say whether a title is text or HTML (so titles need no invisible characters, see
//!   `rss::plain_text`) and its entries carry `updated` (RFC 4287 §4.2.15), so a reader sees an
//!   event's correction.
//! - The collection's outline first, at the top, then the corrections log's (when an event has a
//!   correction: its entries are news of their own, with their own ids); the tags' outlines inside one folder outline
//!   (an outline with `text` only): readers make a folder of it (newsboat a tag, `listparser` a
//!   category), so the tags' feeds, which repeat the collection's events, stay apart.
//! - `dateModified` is the collection view's date ([`Site::view_updated`]): from the events or
//!   `SOURCE_DATE_EPOCH`, never the clock.
//! - Text (titles, descriptions, the owner's name) is written as HTML, as OPML 2.0 allows ("may
//!   contain encoded HTML markup") and the W3C validator reads it, but only as far as needed:
//!   see `html_text`.
//! - No `<docs>` element: OPML 2.0 allows it, but the W3C Feed Validation Service's OPML rules
//!   (`opml.py`) know only the OPML 1.0 head and count it an error; a comment names the spec.

use std::borrow::Cow;
use std::io::{self, Write};

use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;

use super::site::{corrections_view, tag_view, Format};
use super::{Site, View};

/// Where OPML 2.0 is specified, for whoever opens the file.
const SPEC: &str = "http://opml.org/spec2.opml";

/// Writes the subscription list of `collection_view` (the whole collection's view), of the
/// corrections log and of each tag's view.
pub fn render_opml(site: &Site, collection_view: &View, w: &mut dyn Write) -> io::Result<()> {
    let settings = &site.collection.settings;
    // A subscription names a tag's feeds, not its events: the tags are the site's, counted
    // once for the build, not gathered again from every event.
    let tags: Vec<View> = (site.navigation.tags())
        .map(|(slug, name)| tag_view(settings, slug, name, Vec::new()))
        .collect();
    let corrections = corrections_view(site.collection);
    let mut xml = Writer::new_with_indent(w, b' ', 2);
    xml.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    xml.write_event(Event::Comment(BytesText::from_escaped(format!(
        " OPML 2.0: {SPEC} "
    ))))?;
    xml.create_element("opml")
        .with_attribute(("version", "2.0"))
        .write_inner_content(|xml| {
            xml.create_element("head").write_inner_content(|xml| {
                xml.create_element("title")
                    .write_text_content(BytesText::new(&html_text(&collection_view.title)))?;
                // RFC 822 dates, as OPML 2.0 asks ("dateModified"), with `+0000` as in RSS.
                let modified = site.view_updated(collection_view).to_rfc2822();
                xml.create_element("dateModified")
                    .write_text_content(BytesText::new(&modified))?;
                if !settings.author.is_empty() {
                    xml.create_element("ownerName")
                        .write_text_content(BytesText::new(&html_text(&settings.author)))?;
                }
                Ok(())
            })?;
            xml.create_element("body").write_inner_content(|xml| {
                feed_outline(xml, site, collection_view)?;
                if let Some(view) = &corrections {
                    feed_outline(xml, site, view)?;
                }
                if tags.is_empty() {
                    return Ok(());
                }
                let folder = format!("{}: tags", collection_view.title);
                xml.create_element("outline")
                    .with_attribute(attribute("text", &html_text(&folder)))
                    .write_inner_content(|xml| {
                        for view in &tags {
                            feed_outline(xml, site, view)?;
                        }
                        Ok(())
                    })?;
                Ok(())
            })?;
            Ok(())
        })?;
    xml.into_inner().write_all(b"\n")
}

/// One view's subscription: the attributes OPML 2.0 lists for a subscription list's outline.
fn feed_outline<W: Write>(xml: &mut Writer<W>, site: &Site, view: &View) -> io::Result<()> {
    let settings = &site.collection.settings;
    let xml_url = site.url(&view.path(Format::Atom));
    let html_url = site.url(&view.home_path);
    let title = html_text(&view.title);
    let description = html_text(&view.description);
    let mut outline = xml
        .create_element("outline")
        .with_attribute(("type", "rss"))
        .with_attribute(attribute("text", &title))
        .with_attribute(attribute("title", &title))
        .with_attribute(attribute("xmlUrl", &xml_url))
        .with_attribute(attribute("htmlUrl", &html_url));
    if !view.description.is_empty() {
        outline = outline.with_attribute(attribute("description", &description));
    }
    outline
        .with_attribute(attribute("language", &settings.language))
        .write_empty()?;
    Ok(())
}

/// Plain text as OPML text holds it: text an HTML reader and a plain-text reader both read as
/// written, where they can. A `<` becomes `&lt;` (before a letter, `/`, `!` or `?` it would
/// open a tag, HTML §13.2.5.6; before anything else it is a parse error, which the W3C
/// validator warns of), and an `&` that would start a character reference (before an ASCII
/// letter or digit, or `#`, HTML §13.2.5.72) becomes `&amp;`. Everything else, `Tom & Jerry`
/// and `a > b` included, is left as written, so most titles read the same in every reader,
/// whether it takes OPML text as HTML (as the spec allows) or as plain text (as listparser and
/// newsboat do).
fn html_text(text: &str) -> Cow<'_, str> {
    if !text.contains(['<', '&']) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '<' => out.push_str("&lt;"),
            '&' if chars
                .peek()
                .is_some_and(|next| next.is_ascii_alphanumeric() || *next == '#') =>
            {
                out.push_str("&amp;");
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// An attribute holding `value` exactly: escaped by `quick-xml` (`&`, `<`, `>`, both quotes),
/// and a tab written as a character reference, since a parser reads a literal tab in an
/// attribute as a space (XML 1.0 §3.3.3, attribute-value normalization), which `quick-xml`'s
/// escaping leaves to the caller. Line breaks and other controls never reach here (`check`
/// rejects them in single-line text).
fn attribute<'a>(name: &'a str, value: &'a str) -> quick_xml::events::attributes::Attribute<'a> {
    let escaped = match quick_xml::escape::escape(value) {
        Cow::Borrowed(plain) if !plain.contains('\t') => Cow::Borrowed(plain.as_bytes()),
        escaped => Cow::Owned(escaped.replace('\t', "&#9;").into_bytes()),
    };
    quick_xml::events::attributes::Attribute {
        key: quick_xml::name::QName(name.as_bytes()),
        value: escaped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value as an XML parser reads it back from `<e a="..."/>`.
    fn read_back(value: &str) -> String {
        let document = format!("<e a=\"{value}\"/>");
        let parsed = roxmltree::Document::parse(&document).expect("well-formed");
        parsed
            .root_element()
            .attribute("a")
            .expect("the attribute")
            .to_string()
    }

    /// The text an HTML parser (html5ever, as browsers parse) reads from `html`.
    fn html_reads(html: &str) -> String {
        scraper::Html::parse_fragment(html)
            .root_element()
            .text()
            .collect()
    }

    #[test]
    fn text_is_encoded_only_where_html_would_read_markup() {
        for (text, html) in [
            ("plain words", "plain words"),
            (
                "Tom & Jerry's \"deal\" > theirs",
                "Tom & Jerry's \"deal\" > theirs",
            ),
            ("R & D, & at the end &", "R & D, & at the end &"),
            ("AT&T", "AT&amp;T"),
            ("&amp; is not &", "&amp;amp; is not &"),
            ("&#38; and &x", "&amp;#38; and &amp;x"),
            ("<b>bold</b>", "&lt;b>bold&lt;/b>"),
            (
                "<script>alert(1)</script>",
                "&lt;script>alert(1)&lt;/script>",
            ),
            ("a < b, 5<6", "a &lt; b, 5&lt;6"),
            (
                "<!-- x --> <?pi?> <![CDATA[x]]>",
                "&lt;!-- x --> &lt;?pi?> &lt;![CDATA[x]]>",
            ),
            ("東京 & 🚀 <東京>", "東京 & 🚀 &lt;東京>"),
        ] {
            assert_eq!(html_text(text), html, "{text:?}");
            assert_eq!(html_reads(html), text, "{text:?} as HTML reads as written");
        }
    }

    #[test]
    fn attributes_are_escaped_and_read_back_as_written() {
        for (text, written) in [
            ("plain words", "plain words"),
            ("AT&T", "AT&amp;T"),
            ("&amp; is not &", "&amp;amp; is not &amp;"),
            (
                "<script>alert(1)</script>",
                "&lt;script&gt;alert(1)&lt;/script&gt;",
            ),
            (
                r#"Tom & Jerry's "deal""#,
                "Tom &amp; Jerry&apos;s &quot;deal&quot;",
            ),
            ("end of CDATA ]]> here", "end of CDATA ]]&gt; here"),
            ("tab\there", "tab&#9;here"),
            ("東京 会議 🚀", "東京 会議 🚀"),
        ] {
            let attribute = attribute("a", text);
            let value = std::str::from_utf8(&attribute.value).expect("UTF-8");
            assert_eq!(value, written, "{text:?}");
            assert_eq!(read_back(value), text, "{text:?} reads back");
        }
    }
}
