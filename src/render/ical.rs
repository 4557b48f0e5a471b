//! iCalendar (RFC 5545, with the RFC 7986 calendar properties), written by hand.
//!
//! Written here rather than with a crate because a subscribed calendar must get three things
//! exactly right that the crates we tried either miss or hide: folding at 75 octets without
//! splitting a UTF-8 character (§3.1), TEXT escaping of `\ ; ,` and line breaks so no text can
//! open a property or component (§3.3.11), and streaming a very large calendar straight to a
//! writer.
//!
//! Choices: timed events are written in UTC (`DTSTART:...Z`), which every client reads the same
//! way without a VTIMEZONE. All-day events use `VALUE=DATE` with an exclusive `DTEND`. An event
//! known only to the month or year is an all-day event spanning that whole period, and its
//! description says the exact day is not known. Events are `TRANSP:TRANSPARENT`: a news
//! timeline should never make a subscriber look busy.

use std::io::{self, Write};

use chrono::{DateTime, NaiveDate, Utc};

use super::{body, Site, View};
use crate::model::{day_start, Event, Status, When};
use crate::render::site::Format;

/// How often clients should poll a subscribed calendar (RFC 7986 `REFRESH-INTERVAL`).
const REFRESH: &str = "PT1H";

/// Writes the view's calendar: every event of the view, in chronological order.
pub fn render_ical(site: &Site, view: &View, w: &mut dyn Write) -> io::Result<()> {
    let mut out = ContentLines::new(w);
    out.line("BEGIN", "VCALENDAR")?;
    out.line("VERSION", "2.0")?;
    out.line(
        "PRODID",
        &format!("-//chronicle//chronicle {}//EN", env!("CARGO_PKG_VERSION")),
    )?;
    out.line("CALSCALE", "GREGORIAN")?;
    out.line("METHOD", "PUBLISH")?;
    out.text("NAME", &view.title)?;
    out.text("X-WR-CALNAME", &view.title)?;
    if !view.description.is_empty() {
        out.text("DESCRIPTION", &view.description)?;
        out.text("X-WR-CALDESC", &view.description)?;
    }
    out.line("UID", &site.feed_uuid(&view.home_path).to_string())?;
    out.line("URL", &site.url(&view.home_path))?;
    out.line("SOURCE;VALUE=URI", &site.url(&view.path(Format::Ical)))?;
    out.line("LAST-MODIFIED", &utc(site.now))?;
    out.line("REFRESH-INTERVAL;VALUE=DURATION", REFRESH)?;
    out.line("X-PUBLISHED-TTL", REFRESH)?;
    for &index in &view.events {
        write_event(&mut out, site, index)?;
    }
    out.line("END", "VCALENDAR")?;
    out.flush()
}

fn write_event(out: &mut ContentLines<'_>, site: &Site, index: usize) -> io::Result<()> {
    let event = &site.events()[index];
    out.line("BEGIN", "VEVENT")?;
    out.line("UID", &site.event_uuid(event).to_string())?;
    // DTSTAMP and LAST-MODIFIED come from the entry's own dates so the file is reproducible.
    out.line("DTSTAMP", &utc(event.modified_at()))?;
    write_dates(out, event)?;
    out.text("SUMMARY", &event.title)?;
    out.text("DESCRIPTION", &body::event_text(event))?;
    if let Some(location) = &event.location {
        out.text("LOCATION", location)?;
    }
    if !event.tags.is_empty() {
        let tags: Vec<String> = event.tags.iter().map(|t| escape_text(t)).collect();
        out.line("CATEGORIES", &tags.join(","))?;
    }
    out.line("URL", &site.permalink(event))?;
    out.line("STATUS", status(event.status))?;
    out.line("TRANSP", "TRANSPARENT")?;
    out.line("CREATED", &utc(event.published_at()))?;
    out.line("LAST-MODIFIED", &utc(event.modified_at()))?;
    out.line("SEQUENCE", &sequence(event).to_string())?;
    out.line("END", "VEVENT")
}

fn write_dates(out: &mut ContentLines<'_>, event: &Event) -> io::Result<()> {
    match event.date {
        When::Instant { at, .. } => {
            out.line("DTSTART", &utc(at))?;
            // DTEND must have DTSTART's value type (RFC 5545 §3.6.1): an all-day end becomes
            // the start of the following day in the event's zone.
            match event.end {
                Some(When::Instant { at: end, .. }) => out.line("DTEND", &utc(end)),
                Some(end) => out.line("DTEND", &utc(day_start(end.day_after(), event.timezone))),
                None => Ok(()),
            }
        }
        start => {
            out.line("DTSTART;VALUE=DATE", &day(start.first_day()))?;
            let end = event.end.unwrap_or(start).day_after();
            out.line("DTEND;VALUE=DATE", &day(end))
        }
    }
}

fn status(status: Status) -> &'static str {
    match status {
        Status::Confirmed => "CONFIRMED",
        Status::Tentative => "TENTATIVE",
        Status::Cancelled => "CANCELLED",
    }
}

/// Grows with every correction: the minutes from first publication to the last `updated`
/// (RFC 5545 §3.8.7.4 asks only that it increase), 0 for an entry never corrected.
fn sequence(event: &Event) -> i64 {
    match event.updated {
        Some(updated) => {
            let minutes = (updated.with_timezone(&Utc) - event.published_at()).num_minutes();
            minutes.clamp(1, i64::from(i32::MAX))
        }
        None => 0,
    }
}

fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

fn day(date: NaiveDate) -> String {
    date.format("%Y%m%d").to_string()
}

/// Escapes a TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma, and every line break
/// as `\n`, so the value always stays inside its one property.
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            c if c.is_control() && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// Writes content lines ending in CRLF, folded at 75 octets (RFC 5545 §3.1).
struct ContentLines<'w> {
    w: &'w mut dyn Write,
}

impl<'w> ContentLines<'w> {
    fn new(w: &'w mut dyn Write) -> Self {
        ContentLines { w }
    }

    /// A TEXT property: the value is escaped.
    fn text(&mut self, name: &str, value: &str) -> io::Result<()> {
        self.line(name, &escape_text(value))
    }

    /// A property whose value is already in its RFC 5545 form.
    fn line(&mut self, name: &str, value: &str) -> io::Result<()> {
        let mut line = String::with_capacity(name.len() + value.len() + 1);
        line.push_str(name);
        line.push(':');
        line.push_str(value);
        write_folded(self.w, &line)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }
}

const MAX_LINE_OCTETS: usize = 75;

/// Folds one content line: each physical line holds at most 75 octets before its CRLF, the
/// leading space of a continuation counted, and never splits a UTF-8 character.
fn write_folded(w: &mut dyn Write, line: &str) -> io::Result<()> {
    let mut rest = line;
    let mut limit = MAX_LINE_OCTETS;
    loop {
        if rest.len() <= limit {
            w.write_all(rest.as_bytes())?;
            return w.write_all(b"\r\n");
        }
        let mut cut = limit;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        w.write_all(&rest.as_bytes()[..cut])?;
        w.write_all(b"\r\n ")?;
        rest = &rest[cut..];
        limit = MAX_LINE_OCTETS - 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(line: &str) -> String {
        let mut out = Vec::new();
        write_folded(&mut out, line).unwrap();
        String::from_utf8(out).expect("folding keeps UTF-8 intact")
    }

    #[test]
    fn escapes_text_so_nothing_can_be_injected() {
        let cases = [
            ("a;b,c\\d", "a\\;b\\,c\\\\d"),
            (
                "x\r\nEND:VEVENT\nBEGIN:VEVENT\ry",
                "x\\nEND:VEVENT\\nBEGIN:VEVENT\\ny",
            ),
            ("tab\there\u{7}", "tab\there"),
        ];
        for (text, escaped) in cases {
            assert_eq!(escape_text(text), escaped);
        }
    }

    #[test]
    fn folds_at_75_octets_on_character_boundaries() {
        let line = format!("SUMMARY:{}", "é".repeat(100));
        let out = folded(&line);
        for physical in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(physical.len() <= 75, "{} octets", physical.len());
        }
        let unfolded = out.replace("\r\n ", "");
        assert_eq!(unfolded, format!("{line}\r\n"));
    }

    #[test]
    fn short_lines_are_not_folded() {
        assert_eq!(folded("VERSION:2.0"), "VERSION:2.0\r\n");
        let exact = format!("X:{}", "a".repeat(73));
        assert_eq!(folded(&exact), format!("{exact}\r\n"));
    }
}
