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
//! timeline should never make a subscriber look busy. The only `UID` lines are the events'.

use std::io::{self, Write};

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use rayon::prelude::*;

use super::{body, RenderError, Site, View};
use crate::model::{day_start, Event, Status, When};
use crate::render::site::Format;

/// How often clients should poll a subscribed calendar (RFC 7986 `REFRESH-INTERVAL`).
const REFRESH: &str = "PT1H";

/// Writes the view's calendar: every event of the view, in chronological order.
pub fn render_ical(site: &Site, view: &View, w: &mut dyn Write) -> Result<(), RenderError> {
    write_header(site, view, w)?;
    let mut out = ContentLines::new(w);
    for &index in &view.events {
        write_event(&mut out, site, index)?;
    }
    write_footer(w)?;
    Ok(())
}

/// Where each part of a written calendar lies, and what each holds: the header's length, then
/// each VEVENT's length and hash, in the view's order; the footer follows. A later build of the
/// same calendar can take the VEVENTs of events that did not change from the calendar before
/// instead of rendering them again, and the calendar's digest (its entity tag in `serve`) is
/// made from the parts' hashes without reading its bytes again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CalendarLayout {
    pub header: u32,
    header_hash: u64,
    pub events: Vec<u32>,
    /// Each VEVENT's [`part_hash`], beside its length in `events`.
    hashes: Vec<u64>,
}

/// The hash of one part of a calendar, from which [`CalendarLayout::digest`] is made.
pub fn part_hash(bytes: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(bytes)
}

impl CalendarLayout {
    /// The layout of a calendar whose header is `header`, before any VEVENT.
    pub fn new(header: &[u8]) -> Result<CalendarLayout, RenderError> {
        Ok(CalendarLayout {
            header: part_len(header)?,
            header_hash: part_hash(header),
            events: Vec::new(),
            hashes: Vec::new(),
        })
    }

    /// Adds a VEVENT of `len` bytes whose [`part_hash`] is `hash`.
    pub fn push(&mut self, len: usize, hash: u64) -> Result<(), RenderError> {
        self.events
            .push(u32::try_from(len).map_err(|_| RenderError::CalendarPartTooLarge)?);
        self.hashes.push(hash);
        Ok(())
    }

    /// The length and hash of the VEVENT at `position` in the view's order.
    pub fn part(&self, position: usize) -> Option<(u32, u64)> {
        Some((*self.events.get(position)?, *self.hashes.get(position)?))
    }

    /// The byte range of each VEVENT, in the view's order.
    pub fn ranges(&self) -> impl Iterator<Item = std::ops::Range<u64>> + '_ {
        let mut at = u64::from(self.header);
        self.events.iter().map(move |&len| {
            let start = at;
            at += u64::from(len);
            start..at
        })
    }

    /// The length of the whole calendar.
    pub fn file_len(&self) -> u64 {
        self.ranges()
            .last()
            .map_or(u64::from(self.header), |r| r.end)
            + FOOTER.len() as u64
    }

    /// A digest of the whole calendar, made from its parts' hashes: the same bytes in the same
    /// parts always give the same digest, and a changed part another. Not a hash of the bytes
    /// themselves, so that a calendar of which one VEVENT changed gets its digest without
    /// reading hundreds of megabytes again.
    pub fn digest(&self) -> [u8; 16] {
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        hasher.update(&self.header_hash.to_le_bytes());
        for hash in &self.hashes {
            hasher.update(&hash.to_le_bytes());
        }
        hasher.update(FOOTER);
        hasher.digest128().to_be_bytes()
    }
}

/// The end of every calendar.
pub const FOOTER: &[u8] = b"END:VCALENDAR\r\n";

/// The view's calendar header (see [`render_ical`]).
pub fn header_bytes(site: &Site, view: &View) -> Result<Vec<u8>, RenderError> {
    let mut bytes = Vec::with_capacity(1024);
    write_header(site, view, &mut bytes)?;
    Ok(bytes)
}

/// The VEVENT of the event at `index`, as every calendar holding it writes it: it depends on
/// the event, the link base and the settings alone.
pub fn event_bytes(site: &Site, index: usize) -> Result<Vec<u8>, RenderError> {
    let mut bytes = Vec::with_capacity(4096);
    write_event(&mut ContentLines::new(&mut bytes), site, index)?;
    Ok(bytes)
}

/// Ends a calendar (see [`render_ical`]).
pub fn write_footer(w: &mut dyn Write) -> Result<(), RenderError> {
    w.write_all(FOOTER)?;
    w.flush()?;
    Ok(())
}

/// How many events [`render_icals`] renders (in parallel) before writing them out; two
/// batches are held at once (one written while the next is rendered), about 6 MB.
const BATCH: usize = 1024;

/// Writes several views' calendars at once, `writers[i]` receiving the calendar of `views[i]`,
/// each byte for byte what [`render_ical`] writes. Every event is rendered once, however many
/// of the views hold it (a tagged event is in the collection's calendar and in each tag's):
/// events are rendered in parallel batches, each batch written out while the next renders.
/// `progress` is told the number of events of each batch written.
pub fn render_icals(
    site: &Site,
    views: &[&View],
    writers: &mut [&mut (dyn Write + Send)],
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Vec<CalendarLayout>, RenderError> {
    assert_eq!(views.len(), writers.len(), "one writer per view");
    let mut layouts = Vec::with_capacity(views.len());
    for (view, w) in views.iter().zip(writers.iter_mut()) {
        let header = header_bytes(site, view)?;
        w.write_all(&header)?;
        let mut layout = CalendarLayout::new(&header)?;
        layout.events.reserve(view.events.len());
        layout.hashes.reserve(view.events.len());
        layouts.push(layout);
    }
    let events = site.events().len();
    // Only the events some view holds are rendered (a group of tag calendars needs few).
    let mut needed = vec![false; events];
    for view in views {
        for &index in &view.events {
            if let Some(slot) = needed.get_mut(index) {
                *slot = true;
            }
        }
    }
    // Each view's position in its (chronological) event list.
    let mut cursors = vec![0usize; views.len()];
    // Each VEVENT with its hash, taken once for all the calendars holding it.
    let render_batch = |start: usize| -> io::Result<Vec<(Vec<u8>, u64)>> {
        (start..(start + BATCH).min(events))
            .into_par_iter()
            .map(|index| {
                if !needed[index] {
                    return Ok((Vec::new(), 0));
                }
                let mut bytes = Vec::with_capacity(4096);
                write_event(&mut ContentLines::new(&mut bytes), site, index)?;
                let hash = part_hash(&bytes);
                Ok((bytes, hash))
            })
            .collect()
    };
    let mut start = 0;
    let mut batch = render_batch(start)?;
    while start < events {
        let next = start + BATCH;
        let (written, rendered) = rayon::join(
            || write_batch(views, writers, &mut layouts, &mut cursors, start, &batch),
            || {
                if next < events {
                    render_batch(next)
                } else {
                    Ok(Vec::new())
                }
            },
        );
        written?;
        progress(batch.len());
        batch = rendered?;
        start = next;
    }
    for w in writers.iter_mut() {
        write_footer(*w)?;
    }
    Ok(layouts)
}

/// A part's length as a layout holds it.
fn part_len(bytes: &[u8]) -> Result<u32, RenderError> {
    u32::try_from(bytes.len()).map_err(|_| RenderError::CalendarPartTooLarge)
}

/// Appends the batch's events (the collection's events from `start` on) to each view that holds
/// them; views list their events in collection order.
fn write_batch(
    views: &[&View],
    writers: &mut [&mut (dyn Write + Send)],
    layouts: &mut [CalendarLayout],
    cursors: &mut [usize],
    start: usize,
    batch: &[(Vec<u8>, u64)],
) -> Result<(), RenderError> {
    let end = start + batch.len();
    let views = views.iter().zip(writers.iter_mut()).zip(layouts.iter_mut());
    for (((view, w), layout), cursor) in views.zip(cursors.iter_mut()) {
        while let Some(&index) = view.events.get(*cursor) {
            if index >= end {
                break;
            }
            if let Some((bytes, hash)) = index.checked_sub(start).and_then(|i| batch.get(i)) {
                w.write_all(bytes)?;
                layout.push(bytes.len(), *hash)?;
            }
            *cursor += 1;
        }
    }
    Ok(())
}

fn write_header(site: &Site, view: &View, w: &mut dyn Write) -> io::Result<()> {
    let mut out = ContentLines::new(w);
    out.line("BEGIN", "VCALENDAR")?;
    out.line("VERSION", "2.0")?;
    out.line(
        "PRODID",
        concat!(
            "-//chronicle//chronicle ",
            env!("CARGO_PKG_VERSION"),
            "//EN"
        ),
    )?;
    out.line("CALSCALE", "GREGORIAN")?;
    out.line("METHOD", "PUBLISH")?;
    out.text("NAME", &view.title)?;
    out.text("X-WR-CALNAME", &view.title)?;
    if !view.description.is_empty() {
        out.text("DESCRIPTION", &view.description)?;
        out.text("X-WR-CALDESC", &view.description)?;
    }
    // No calendar-level UID (optional, RFC 7986 §5.3): clients such as vdirsyncer and khal
    // split a calendar into one item per VEVENT, each keyed by the first UID line of its text,
    // and a UID in this header would come first and give every event the same key.
    out.line("URL", &site.url(&view.home_path))?;
    out.line("SOURCE;VALUE=URI", &site.url(&view.path(Format::Ical)))?;
    out.utc("LAST-MODIFIED", site.view_updated(view))?;
    out.line("REFRESH-INTERVAL;VALUE=DURATION", REFRESH)?;
    out.line("X-PUBLISHED-TTL", REFRESH)
}

fn write_event(out: &mut ContentLines<'_>, site: &Site, index: usize) -> io::Result<()> {
    let event = &site.events()[index];
    out.line("BEGIN", "VEVENT")?;
    out.uuid("UID", site.event_uuid(event))?;
    // DTSTAMP and LAST-MODIFIED come from the entry's own dates so the file is reproducible.
    out.utc("DTSTAMP", event.modified_at())?;
    write_dates(out, event)?;
    match &event.retraction {
        Some(note) => out.text(
            "SUMMARY",
            &format!("{} ({})", event.feed_title(), body::note_line(note)),
        )?,
        None => out.text("SUMMARY", &event.title)?,
    }
    out.text("DESCRIPTION", &body::event_text(event))?;
    if let Some(location) = &event.location {
        out.text("LOCATION", location)?;
    }
    if !event.tags.is_empty() {
        out.start("CATEGORIES")?;
        for (i, tag) in event.tags.iter().enumerate() {
            if i > 0 {
                out.raw(",")?;
            }
            out.escaped(tag.name())?;
        }
        out.end()?;
    }
    out.line("URL", &site.permalink(event))?;
    // iTIP (RFC 5546 §3.2.1) requires an ORGANIZER on every VEVENT of a METHOD:PUBLISH
    // calendar; the collection's author, at the site's address, publishes them.
    out.start(&format!(
        "ORGANIZER;CN={}",
        param_value(&site.collection.settings.author)
    ))?;
    out.raw(&site.link_base)?;
    out.end()?;
    out.line("STATUS", status(event.status))?;
    out.line("TRANSP", "TRANSPARENT")?;
    out.utc("CREATED", event.published_at())?;
    out.utc("LAST-MODIFIED", event.modified_at())?;
    out.start("SEQUENCE")?;
    out.raw(itoa(sequence(event), &mut [0; 20]))?;
    out.end()?;
    out.line("END", "VEVENT")
}

fn write_dates(out: &mut ContentLines<'_>, event: &Event) -> io::Result<()> {
    match event.date {
        When::Instant { at, .. } => {
            out.utc("DTSTART", at)?;
            // DTEND must have DTSTART's value type (RFC 5545 §3.6.1): an all-day end becomes
            // the start of the following day in the event's zone.
            match event.end {
                Some(When::Instant { at: end, .. }) => out.utc("DTEND", end),
                Some(end) => out.utc("DTEND", day_start(end.day_after(), event.timezone)),
                None => Ok(()),
            }
        }
        start => {
            out.day("DTSTART;VALUE=DATE", start.first_day())?;
            let end = event.end.unwrap_or(start).day_after();
            out.day("DTEND;VALUE=DATE", end)
        }
    }
}

fn status(status: Status) -> &'static str {
    match status {
        Status::Confirmed => "CONFIRMED",
        Status::Tentative => "TENTATIVE",
        // A retraction withdraws the event: clients that show cancelled events strike it
        // through, others (Google Calendar) remove it; the note is in SUMMARY and DESCRIPTION.
        Status::Cancelled | Status::Retracted => "CANCELLED",
    }
}

/// Grows with every change (RFC 5545 §3.8.7.4 asks only that it increase): the minutes from
/// first publication to the last update (a correction's date moves it, see
/// [`Event::updated_at`]), plus one per correction and one for a retraction, so a correction
/// dated no later than the last update still raises it. 0 for an entry never updated.
fn sequence(event: &Event) -> i64 {
    let minutes = match event.updated_at() {
        Some(updated) => {
            let minutes = (updated.with_timezone(&Utc) - event.published_at()).num_minutes();
            minutes.clamp(1, i64::from(i32::MAX))
        }
        None => 0,
    };
    let changes = event.corrections.len() as i64 + i64::from(event.retraction.is_some());
    (minutes + changes).min(i64::from(i32::MAX))
}

/// A non-negative number in decimal, without allocating.
fn itoa(mut n: i64, buf: &mut [u8; 20]) -> &str {
    n = n.max(0);
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    std::str::from_utf8(&buf[at..]).expect("digits are ASCII")
}

/// Writes `value` zero-padded to `width` digits into `out` from `at`; returns the next offset.
fn digits(out: &mut [u8], at: usize, value: u32, width: usize) -> usize {
    let mut v = value;
    for i in (0..width).rev() {
        out[at + i] = b'0' + (v % 10) as u8;
        v /= 10;
    }
    at + width
}

/// `YYYYMMDD` (RFC 5545 §3.3.4). `check` keeps every day and instant written within years
/// 1..=9999 (see [`crate::model::range`]); the clamp only keeps the width of four digits.
fn format_day(date: NaiveDate, buf: &mut [u8; 16]) -> &str {
    let year = u32::try_from(date.year()).unwrap_or(0).min(9999);
    let at = digits(buf, 0, year, 4);
    let at = digits(buf, at, date.month(), 2);
    let at = digits(buf, at, date.day(), 2);
    std::str::from_utf8(&buf[..at]).expect("digits are ASCII")
}

/// `YYYYMMDDTHHMMSSZ`, a UTC date-time (RFC 5545 §3.3.5, form #2).
fn format_utc(at: DateTime<Utc>, buf: &mut [u8; 16]) -> &str {
    format_day(at.date_naive(), buf);
    buf[8] = b'T';
    let time = at.time();
    let end = digits(buf, 9, time.hour(), 2);
    let end = digits(buf, end, time.minute(), 2);
    let end = digits(buf, end, time.second(), 2);
    buf[end] = b'Z';
    std::str::from_utf8(&buf[..=end]).expect("digits are ASCII")
}

/// Escapes a TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma, and every line break
/// as `\n`, so the value always stays inside its one property.
pub fn escape_text(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len() + 8);
    let mut lines = ContentLines::new(&mut out);
    // Folding is not wanted here: lift the limit out of reach.
    lines.limit = usize::MAX;
    lines.escaped(text).expect("writing to a Vec cannot fail");
    String::from_utf8(out).expect("escaping keeps UTF-8 intact")
}

/// A quoted parameter value: RFC 6868 caret encoding for the quote, caret and line breaks that
/// RFC 5545 §3.2 cannot carry, so a name can never end the parameter early.
fn param_value(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '^' => out.push_str("^^"),
            '"' => out.push_str("^'"),
            '\n' => out.push_str("^n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Writes content lines ending in CRLF, folded at 75 octets (RFC 5545 §3.1) as they are
/// written, straight into the output: no line is built as a string first.
struct ContentLines<'w> {
    w: &'w mut dyn Write,
    /// Octets on the current physical line so far.
    col: usize,
    limit: usize,
    /// Reused by `escaped` for each value.
    scratch: String,
}

const MAX_LINE_OCTETS: usize = 75;

impl<'w> ContentLines<'w> {
    fn new(w: &'w mut dyn Write) -> Self {
        ContentLines {
            w,
            col: 0,
            limit: MAX_LINE_OCTETS,
            scratch: String::new(),
        }
    }

    /// A property whose value is already in its RFC 5545 form.
    fn line(&mut self, name: &str, value: &str) -> io::Result<()> {
        self.start(name)?;
        self.raw(value)?;
        self.end()
    }

    /// A TEXT property: the value is escaped.
    fn text(&mut self, name: &str, value: &str) -> io::Result<()> {
        self.start(name)?;
        self.escaped(value)?;
        self.end()
    }

    fn utc(&mut self, name: &str, at: DateTime<Utc>) -> io::Result<()> {
        self.line(name, format_utc(at, &mut [0; 16]))
    }

    fn day(&mut self, name: &str, date: NaiveDate) -> io::Result<()> {
        self.line(name, format_day(date, &mut [0; 16]))
    }

    fn uuid(&mut self, name: &str, uuid: uuid::Uuid) -> io::Result<()> {
        self.line(
            name,
            uuid.hyphenated()
                .encode_lower(&mut uuid::Uuid::encode_buffer()),
        )
    }

    fn start(&mut self, name: &str) -> io::Result<()> {
        self.raw(name)?;
        self.raw(":")
    }

    fn end(&mut self) -> io::Result<()> {
        self.col = 0;
        self.w.write_all(b"\r\n")
    }

    /// Writes part of a line, folding where it reaches the limit: each physical line holds at
    /// most 75 octets before its CRLF, the leading space of a continuation counted, and a
    /// UTF-8 character is never split.
    fn raw(&mut self, text: &str) -> io::Result<()> {
        let mut rest = text;
        while !rest.is_empty() {
            let room = self.limit.saturating_sub(self.col);
            if rest.len() <= room {
                self.w.write_all(rest.as_bytes())?;
                self.col += rest.len();
                return Ok(());
            }
            let cut = fold_point(rest, room);
            self.w.write_all(&rest.as_bytes()[..cut])?;
            self.w.write_all(b"\r\n ")?;
            self.col = 1;
            rest = &rest[cut..];
        }
        Ok(())
    }

    /// Writes TEXT (RFC 5545 §3.3.11): backslash, semicolon and comma escaped, every line
    /// break (CRLF, CR or LF) as `\n`, other control characters but tab dropped. Runs of plain
    /// text are written whole.
    fn escaped(&mut self, text: &str) -> io::Result<()> {
        // The escaped value is gathered first (in a buffer kept between calls) so that folding
        // sees it whole and can keep clear of spaces at the edges of its pieces.
        let mut value = std::mem::take(&mut self.scratch);
        value.clear();
        let bytes = text.as_bytes();
        let mut plain = 0;
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            // Every character to change is ASCII, or a C1 control (U+0080..U+009F, encoded
            // 0xC2 0x80..0x9F); any other byte belongs to plain text.
            let special = matches!(b, b'\\' | b';' | b',' | 0..=0x08 | 0x0a..=0x1f | 0x7f)
                || (b == 0xc2 && bytes.get(i + 1).is_some_and(|n| (0x80..=0x9f).contains(n)));
            if !special {
                i += 1;
                continue;
            }
            value.push_str(&text[plain..i]);
            let (replacement, len) = match b {
                b'\\' => ("\\\\", 1),
                b';' => ("\\;", 1),
                b',' => ("\\,", 1),
                b'\r' if bytes.get(i + 1) == Some(&b'\n') => ("\\n", 2),
                b'\r' | b'\n' => ("\\n", 1),
                0xc2 => ("", 2),
                _ => ("", 1),
            };
            value.push_str(replacement);
            i += len;
            plain = i;
        }
        value.push_str(&text[plain..]);
        let result = self.raw(&value);
        self.scratch = value;
        result
    }
}

/// Where to fold `rest` at or before `limit` octets: on a character boundary, and where
/// possible not next to a space. RFC 5545 unfolding removes exactly one space, but several
/// parsers trim all leading or trailing white space of a physical line, which would eat a
/// space of the text folded there.
fn fold_point(rest: &str, limit: usize) -> usize {
    let boundary = |mut at: usize| {
        while !rest.is_char_boundary(at) {
            at -= 1;
        }
        at
    };
    let hard = boundary(limit);
    let mut at = hard;
    // Look back a few characters for a cut between two non-space characters. A cut before the
    // first character is allowed: `rest` may continue a line that text written before it began,
    // and the caller then folds with nothing written (it never does so at the start of a line,
    // where `limit` leaves more room than this looks back).
    for _ in 0..8 {
        let before = rest[..at].chars().next_back();
        let after = rest[at..].chars().next();
        let spaced = |c: Option<char>| c.is_some_and(|c| c == ' ' || c == '\t');
        if !spaced(before) && !spaced(after) {
            return at;
        }
        if at == 0 {
            break;
        }
        at = boundary(at - 1);
    }
    hard
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The VEVENT of a one-event collection whose front matter ends with `extra`, unfolded.
    fn vevent(extra: &str) -> String {
        let tmp = tempfile::tempdir().expect("temporary folder");
        let dir = tmp.path();
        std::fs::write(
            dir.join("chronicle.toml"),
            "title = \"T\"\nbase_url = \"https://example.org/\"\nid = \"https://example.org/\"\n",
        )
        .expect("settings");
        std::fs::write(
            dir.join("e.md"),
            format!(
                "+++\ntitle = \"Raid\"\ndate = 2025-09-02\npublished = 2025-09-02T00:00:00Z\n\
                 updated = 2025-09-02T01:00:00Z\n{extra}+++\nBody.\n"
            ),
        )
        .expect("event");
        let checked =
            crate::check::check_collection(dir, crate::render::covering::render_covering_pages)
                .expect("readable");
        let collection = checked.collection.expect("valid");
        let site = Site::new(&collection, "https://example.org/", None);
        let bytes = event_bytes(&site, 0).expect("rendered");
        String::from_utf8(bytes)
            .expect("UTF-8")
            .replace("\r\n ", "")
    }

    fn field<'a>(vevent: &'a str, name: &str) -> &'a str {
        vevent
            .lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
            .unwrap_or_else(|| panic!("{name} in {vevent}"))
    }

    #[test]
    fn sequence_rises_with_every_correction_and_a_retraction() {
        let plain = vevent("");
        assert_eq!(field(&plain, "SEQUENCE"), "60");
        // Dated before the last update: the date stays, SEQUENCE still rises.
        let early = "status = \"confirmed\"\n[[corrections]]\ndate = 2025-09-02T00:30:00Z\nnote = \"Early.\"\n";
        let corrected = vevent(early);
        assert_eq!(field(&corrected, "SEQUENCE"), "61");
        assert_eq!(field(&corrected, "LAST-MODIFIED"), "20250902T010000Z");
        // Dated after it: LAST-MODIFIED and DTSTAMP follow the correction.
        let late =
            vevent("[[corrections]]\ndate = 2025-09-02T02:00:00Z\nnote = \"Late; with, text.\"\n");
        assert_eq!(field(&late, "SEQUENCE"), "121");
        assert_eq!(field(&late, "LAST-MODIFIED"), "20250902T020000Z");
        assert_eq!(field(&late, "DTSTAMP"), "20250902T020000Z");
        assert!(
            field(&late, "DESCRIPTION")
                .ends_with("\\n\\nCorrected 2 September 2025: Late\\; with\\, text."),
            "{late}"
        );
        let retracted = vevent(&early.replace(
            "status = \"confirmed\"\n",
            "status = \"retracted\"\nretraction = \"It did not\\nhappen.\"\n",
        ));
        assert_eq!(field(&retracted, "SEQUENCE"), "62");
        assert_eq!(field(&retracted, "STATUS"), "CANCELLED");
        assert_eq!(
            field(&retracted, "SUMMARY"),
            "Retracted: Raid (It did not happen.)"
        );
        assert!(
            field(&retracted, "DESCRIPTION").starts_with("Retracted: It did not happen."),
            "{retracted}"
        );
    }

    #[test]
    fn parameter_values_are_quoted_and_caret_encoded() {
        assert_eq!(param_value("Desk \"A\"; B^C"), "\"Desk ^'A^'; B^^C\"");
    }

    #[test]
    fn folds_away_from_spaces() {
        let line = format!("SUMMARY:{}end", "ab ".repeat(60));
        let out = folded(&line);
        for physical in out.split("\r\n").filter(|l| !l.is_empty()) {
            let content = physical.strip_prefix(' ').unwrap_or(physical);
            assert!(
                !content.starts_with(' ') && !content.ends_with(' '),
                "{physical:?}"
            );
        }
        assert_eq!(out.replace("\r\n ", ""), format!("{line}\r\n"));
    }

    fn folded(line: &str) -> String {
        let mut out = Vec::new();
        let mut lines = ContentLines::new(&mut out);
        lines.raw(line).unwrap();
        lines.end().unwrap();
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
