//! An event's Markdown body as safe HTML (for feeds and pages) and as plain text (for the
//! calendar), each with the event's date, place and sources.
//!
//! Raw HTML in the Markdown is shown as text, never passed through, and links keep only
//! http(s) and mailto destinations (relative ones are resolved against the site), so no event
//! text can inject markup or script into a reader.

use std::fmt::Write as _;
use std::ops::Range;

use pulldown_cmark::{html, CowStr, Event as Md, Options, Parser, Tag, TagEnd};

use crate::model::{Correction, Event, Source, Status};

fn parser(markdown: &str) -> Parser<'_> {
    Parser::new_ext(
        markdown,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_FOOTNOTES,
    )
}

/// The Markdown body of the event `event_id` as HTML, with raw HTML escaped and unsafe link
/// destinations dropped.
pub fn markdown_html(markdown: &str, link_base: &str, event_id: &str) -> String {
    let mut out = String::with_capacity(markdown.len() * 5 / 4);
    push_markdown_html(&mut out, markdown, link_base, event_id);
    out
}

/// [`markdown_html`], appended to `out`.
pub fn push_markdown_html(out: &mut String, markdown: &str, link_base: &str, event_id: &str) {
    let mut dropped_links = Vec::new();
    let mut notes = FootnoteIds::new(event_id);
    let events = parser(markdown).filter_map(|event| match event {
        Md::FootnoteReference(label) => Some(Md::FootnoteReference(notes.id(&label))),
        Md::Start(Tag::FootnoteDefinition(label)) => {
            Some(Md::Start(Tag::FootnoteDefinition(notes.id(&label))))
        }
        Md::Html(raw) | Md::InlineHtml(raw) => Some(Md::Text(raw)),
        Md::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => match safe_url(&dest_url, link_base) {
            Some(url) => {
                dropped_links.push(false);
                Some(Md::Start(Tag::Link {
                    link_type,
                    dest_url: url,
                    title,
                    id,
                }))
            }
            None => {
                dropped_links.push(true);
                None
            }
        },
        Md::End(TagEnd::Link) => (!dropped_links.pop().unwrap_or(false)).then_some(event),
        // Images would make readers fetch from any host; show their text instead.
        Md::Start(Tag::Image { .. }) | Md::End(TagEnd::Image) => None,
        other => Some(other),
    });
    html::push_html(out, events);
}

/// Footnote ids unique on a page and in a feed of many events: `<event id>:fn<n>`, n counting
/// the labels in the order they first appear (as pulldown-cmark numbers the notes). Its HTML
/// writer uses the label itself as the id, so two events' `[^1]` would share `id="1"`, and a
/// label with a space would make an id no HTML allows. `:` is never in an event id nor in the
/// page's own anchors, so no other id on the page can be the same.
struct FootnoteIds<'a> {
    event_id: &'a str,
    /// Labels in order of first appearance, compared as the parser matches them (ignoring case).
    labels: Vec<String>,
}

impl<'a> FootnoteIds<'a> {
    fn new(event_id: &'a str) -> Self {
        FootnoteIds {
            event_id,
            labels: Vec::new(),
        }
    }

    fn id(&mut self, label: &str) -> CowStr<'static> {
        let label = label.to_lowercase();
        let n = match self.labels.iter().position(|l| *l == label) {
            Some(at) => at + 1,
            None => {
                self.labels.push(label);
                self.labels.len()
            }
        };
        CowStr::from(format!("{}:fn{n}", self.event_id))
    }
}

fn is_absolute_link(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("mailto:")
}

/// Keeps http(s) and mailto URLs, resolves site-relative ones, drops the rest (`javascript:`).
fn safe_url<'a>(url: &CowStr<'a>, link_base: &str) -> Option<CowStr<'a>> {
    if is_absolute_link(url) {
        return Some(url.clone());
    }
    let lower = url.trim().to_ascii_lowercase();
    if lower.starts_with('#') {
        return Some(url.clone());
    }
    let has_scheme = lower
        .split_once(':')
        .is_some_and(|(scheme, _)| !scheme.contains(['/', '?', '#']));
    if has_scheme || lower.starts_with("//") {
        return None;
    }
    let relative = url.trim_start_matches('/');
    Some(CowStr::from(format!("{link_base}{relative}")))
}

/// The Markdown body as plain text: paragraphs separated by a blank line, list items on their
/// own lines, link targets in brackets after the link text.
pub fn markdown_text(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut links: Vec<String> = Vec::new();
    let mut lists: Vec<Option<u64>> = Vec::new();
    for event in parser(markdown) {
        match event {
            Md::Text(t) | Md::Code(t) | Md::Html(t) | Md::InlineHtml(t) => out.push_str(&t),
            Md::SoftBreak => out.push(' '),
            Md::HardBreak => out.push('\n'),
            Md::Start(Tag::Link { dest_url, .. }) => links.push(dest_url.to_string()),
            Md::End(TagEnd::Link) => {
                let url = links.pop().unwrap_or_default();
                if is_absolute_link(&url) {
                    let _ = write!(out, " <{url}>");
                }
            }
            Md::Start(Tag::List(start)) => lists.push(start),
            Md::End(TagEnd::List(_)) => {
                lists.pop();
                end_block(&mut out);
            }
            Md::Start(Tag::Item) => {
                if !out.is_empty() && !out.ends_with('\n') {
                    out.push('\n');
                }
                match lists.last_mut() {
                    Some(Some(n)) => {
                        let _ = write!(out, "{n}. ");
                        *n += 1;
                    }
                    _ => out.push_str("- "),
                }
            }
            Md::End(
                TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::CodeBlock | TagEnd::BlockQuote(_),
            ) if lists.is_empty() => end_block(&mut out),
            Md::Rule => end_block(&mut out),
            _ => {}
        }
    }
    out.trim_end().to_string()
}

fn end_block(out: &mut String) {
    let trimmed = out.trim_end_matches('\n').len();
    out.truncate(trimmed);
    if !out.is_empty() {
        out.push_str("\n\n");
    }
}

/// A one-line account of when and where: "3–4 September 2025 · Mexico City".
pub fn when_and_where(event: &Event) -> String {
    let mut line = event.date.period(event.end.as_ref()).to_string();
    if event.date.is_reduced() {
        line.push_str(" (exact day not known)");
    }
    if let Some(location) = &event.location {
        let _ = write!(line, " · {location}");
    }
    match event.status {
        Status::Confirmed => {}
        Status::Tentative => line.push_str(" · tentative"),
        Status::Cancelled => line.push_str(" · cancelled"),
        Status::Retracted => line.push_str(" · retracted"),
    }
    line
}

/// "4 September 2025": the day of a correction, in the offset it was written with.
pub fn correction_day(correction: &Correction) -> String {
    correction.date.format("%-d %B %Y").to_string()
}

/// The HTML id of the `n`th correction note (from 0, newest first) of the event `event_id`,
/// for its footnotes: `:` keeps it apart from every event id and page anchor.
fn correction_note_id(event_id: &str, n: usize) -> String {
    format!("{event_id}:correction{}", n + 1)
}

/// The retraction note, then the date line: what a reader must see first.
fn push_retraction_html(out: &mut String, event: &Event, link_base: &str) {
    if let Some(note) = &event.retraction {
        out.push_str("<div class=\"retraction\"><p><strong>Retracted.</strong></p>\n");
        push_markdown_html(out, note, link_base, &format!("{}:retraction", event.id));
        out.push_str("</div>\n");
    }
}

/// The corrections, newest first, each dated: "Corrected 4 September 2025: ...".
fn push_corrections_html(out: &mut String, event: &Event, link_base: &str) {
    if event.corrections.is_empty() {
        return;
    }
    out.push_str("<p>Corrections:</p>\n<ul>\n");
    for (n, correction) in event.corrections.iter().enumerate() {
        let _ = writeln!(
            out,
            "<li><p><strong>Corrected {}:</strong></p>",
            correction_day(correction)
        );
        push_markdown_html(
            out,
            &correction.note,
            link_base,
            &correction_note_id(&event.id, n),
        );
        out.push_str("</li>\n");
    }
    out.push_str("</ul>\n");
}

/// A correction's note as HTML, for the timeline pages and the corrections log.
pub fn correction_html(event: &Event, n: usize, link_base: &str) -> String {
    event.corrections.get(n).map_or_else(String::new, |c| {
        markdown_html(&c.note, link_base, &correction_note_id(&event.id, n))
    })
}

/// A Markdown note as one line of plain text (for a calendar's SUMMARY).
pub fn note_line(markdown: &str) -> String {
    markdown_text(markdown)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A source as one line of text: "title, publisher, date".
pub fn source_line(source: &Source) -> String {
    let mut line = source.title.clone();
    if let Some(publisher) = &source.publisher {
        let _ = write!(line, ", {publisher}");
    }
    if let Some(date) = &source.date {
        let _ = write!(line, ", {date}");
    }
    line
}

/// The feed item's HTML: the date line, the body, then the sources as links.
pub fn event_html(event: &Event, link_base: &str) -> String {
    event_html_and_body(event, link_base).0
}

/// [`event_html`], and the byte range of the body alone inside it: the timeline page shows the
/// date, place and sources in its own markup, and so renders the Markdown only once per build.
pub fn event_html_and_body(event: &Event, link_base: &str) -> (String, Range<usize>) {
    // HTML runs about a quarter longer than its Markdown; sized up front, the string rarely
    // grows (the caller keeps an exactly sized copy).
    let markdown = event.body.text();
    let mut out = String::with_capacity(markdown.len() * 5 / 4 + 512);
    push_retraction_html(&mut out, event, link_base);
    let _ = writeln!(
        out,
        "<p><strong>{}</strong></p>",
        escape_html(&when_and_where(event))
    );
    let body_start = out.len();
    push_markdown_html(&mut out, &markdown, link_base, &event.id);
    let body = body_start..out.len();
    push_corrections_html(&mut out, event, link_base);
    push_sources_html(&mut out, &event.sources);
    (out, body)
}

/// The sources as a list of links under "Sources:", appended to `out`; nothing without one.
pub fn push_sources_html(out: &mut String, sources: &[Source]) {
    if sources.is_empty() {
        return;
    }
    out.push_str("<p>Sources:</p>\n<ul>\n");
    for source in sources {
        let _ = writeln!(
            out,
            "<li><a href=\"{}\">{}</a></li>",
            escape_html(&source.url),
            escape_html(&source_line(source))
        );
    }
    out.push_str("</ul>\n");
}

/// The calendar's plain-text description: the date line, the body, then the sources.
pub fn event_text(event: &Event) -> String {
    let mut out = String::new();
    if let Some(note) = &event.retraction {
        let _ = write!(out, "Retracted: {}\n\n", markdown_text(note));
    }
    out.push_str(&when_and_where(event));
    let body = markdown_text(&event.body.text());
    if !body.is_empty() {
        out.push_str("\n\n");
        out.push_str(&body);
    }
    for correction in &event.corrections {
        let _ = write!(
            out,
            "\n\nCorrected {}: {}",
            correction_day(correction),
            markdown_text(&correction.note)
        );
    }
    if !event.sources.is_empty() {
        out.push_str("\n\nSources:");
        for source in &event.sources {
            let _ = write!(out, "\n- {}: {}", source_line(source), source.url);
        }
    }
    out
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    pulldown_cmark_escape::escape_html(&mut out, text).expect("writing to a String cannot fail");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_is_escaped() {
        let html = markdown_html(
            "Hi <script>alert(1)</script> & <b>x</b>\n",
            "https://e.org/",
            "e",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(html.contains("&amp;"), "{html}");
    }

    #[test]
    fn unsafe_links_are_dropped_and_relative_ones_resolved() {
        let html = markdown_html(
            "[a](javascript:alert(1)) [b](/years/2025/) [c](https://x.org/?a=1&b=2)\n",
            "https://e.org/t/",
            "e",
        );
        assert!(!html.contains("javascript"), "{html}");
        assert!(
            html.contains("a <a href=\"https://e.org/t/years/2025/\">b</a>"),
            "{html}"
        );
        assert!(html.contains("https://x.org/?a=1&amp;b=2"), "{html}");
    }

    /// Issue 4: two events' footnotes were both `id="1"`, so on a page or in a feed holding
    /// both, the second event's note link jumped to the first event's note.
    #[test]
    fn footnote_ids_are_the_event_s_own() {
        let markdown = "A claim.[^1] Another.[^source b]\n\n[^1]: The note.\n\n[^source b]: B.\n";
        let first = markdown_html(markdown, "https://e.org/", "talks");
        let second = markdown_html(markdown, "https://e.org/", "meeting");
        for (html, id) in [(&first, "talks"), (&second, "meeting")] {
            assert!(html.contains(&format!("href=\"#{id}:fn1\"")), "{html}");
            assert!(html.contains(&format!("id=\"{id}:fn1\"")), "{html}");
            // A label with a space still makes an id without whitespace.
            assert!(html.contains(&format!("href=\"#{id}:fn2\"")), "{html}");
            assert!(html.contains(&format!("id=\"{id}:fn2\"")), "{html}");
            assert!(!html.contains("\"1\"") && !html.contains("#1\""), "{html}");
        }
    }

    #[test]
    fn plain_text_keeps_structure() {
        let text = markdown_text("One *two*\nthree.\n\n- a\n- [b](https://b.org)\n\n# H\n\nEnd\n");
        assert_eq!(
            text,
            "One two three.\n\n- a\n- b <https://b.org>\n\nH\n\nEnd"
        );
    }
}
