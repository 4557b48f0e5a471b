//! The validated model: [`Event`]s ordered in a [`Collection`].
//!
//! Built only by `check` from raw front matter; renderers read it and never change it.

pub mod range;
mod tag;
mod when;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, Utc};
use chrono_tz::Tz;

pub use self::tag::{short_slug, slugify, Tag};
pub use self::when::{day_start, Clock, PeriodText, When, WhenError};
use crate::config::Settings;
use crate::url::AbsoluteUrl;

/// An event's status, as in RFC 5545 `STATUS` for VEVENT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Status {
    #[default]
    Confirmed,
    Tentative,
    Cancelled,
    /// Withdrawn by the newsroom: the entry stays published, struck through, with the
    /// retraction note (see [`Event::retraction`]); calendars get `CANCELLED`.
    Retracted,
}

impl Status {
    pub const NAMES: [&'static str; 4] = ["confirmed", "tentative", "cancelled", "retracted"];

    pub fn parse(name: &str) -> Option<Status> {
        match name {
            "confirmed" => Some(Status::Confirmed),
            "tentative" => Some(Status::Tentative),
            "cancelled" => Some(Status::Cancelled),
            "retracted" => Some(Status::Retracted),
            _ => None,
        }
    }

    /// The name as written in front matter.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Confirmed => "confirmed",
            Status::Tentative => "tentative",
            Status::Cancelled => "cancelled",
            Status::Retracted => "retracted",
        }
    }
}

/// A source the event is told in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub title: String,
    pub url: AbsoluteUrl,
    pub publisher: Option<String>,
    pub date: Option<When>,
}

/// A correction of a published entry (`[[corrections]]` in front matter).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    /// When the correction was made, with the offset it was written in.
    pub date: DateTime<FixedOffset>,
    /// What was wrong and what is right, in Markdown as written (NFC).
    pub note: String,
}

/// One validated event.
#[derive(Debug, Clone)]
pub struct Event {
    /// Unique in the collection; the file stem unless set. Never changes when the event is edited.
    pub id: String,
    /// Plain text, one line.
    pub title: String,
    pub date: When,
    /// Never before `date`.
    pub end: Option<When>,
    /// The zone all-day dates and local times are read in (the event's or the collection's).
    pub timezone: Tz,
    /// Whether `timezone` was written in the event's front matter.
    pub timezone_written: bool,
    pub location: Option<String>,
    /// As written, duplicates removed, in written order, each with its page name.
    pub tags: Vec<Tag>,
    pub status: Status,
    /// When the entry was first published on the timeline, with the offset it was written in.
    pub published: Option<DateTime<FixedOffset>>,
    /// When the entry was last updated, as written (see [`Event::updated_at`] for the date
    /// the outputs show, which corrections move forward).
    pub updated: Option<DateTime<FixedOffset>>,
    /// The corrections, newest first (ties in written order).
    pub corrections: Vec<Correction>,
    /// The retraction note (Markdown, NFC): present exactly when `status` is
    /// [`Status::Retracted`].
    pub retraction: Option<String>,
    pub draft: bool,
    pub sources: Vec<Source>,
    /// The Markdown body, as written.
    pub body: Body,
    /// The file's path relative to the collection directory, `/`-separated.
    pub path: String,
}

/// An event's Markdown body, held compressed (LZ4).
///
/// A build holds every event's body from the check to the last output, and the bodies are most
/// of a collection's bytes: compressed, they take about two thirds of the memory, and a body
/// is decompressed (at gigabytes a second) each of the few times an output needs it.
#[derive(Clone, PartialEq, Eq)]
pub struct Body {
    /// The text's length in bytes, then its LZ4 block.
    compressed: Box<[u8]>,
}

impl Body {
    pub fn new(text: &str) -> Body {
        thread_local! {
            /// Compression needs room for the worst case; the body keeps an exact copy.
            static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        SCRATCH.with_borrow_mut(|scratch| {
            let bytes = text.as_bytes();
            scratch.clear();
            scratch.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
            scratch.resize(4 + lz4_flex::block::get_maximum_output_size(bytes.len()), 0);
            let written = lz4_flex::block::compress_into(bytes, &mut scratch[4..])
                .expect("the scratch buffer has room for the worst case");
            Body {
                compressed: Box::from(&scratch[..4 + written]),
            }
        })
    }

    /// The text's length in bytes, without decompressing it.
    pub fn len(&self) -> usize {
        let mut prefix = [0; 4];
        prefix.copy_from_slice(&self.compressed[..4]);
        u32::from_le_bytes(prefix) as usize
    }

    /// Whether the text is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The text, as written.
    pub fn text(&self) -> String {
        let bytes = lz4_flex::decompress_size_prepended(&self.compressed)
            .expect("a body decompresses: it was compressed by Body::new");
        String::from_utf8(bytes).expect("a body is UTF-8: it was made from a str")
    }
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.text().fmt(f)
    }
}

impl Event {
    /// The instant the event starts, the primary sort key (a period sorts at its start).
    pub fn start(&self) -> DateTime<Utc> {
        self.date.start(self.timezone)
    }

    /// When the entry was published: `published`, or else the event's start.
    pub fn published_at(&self) -> DateTime<Utc> {
        self.published
            .map_or_else(|| self.start(), |p| p.with_timezone(&Utc))
    }

    /// When the entry was last updated: the later of `updated` and the newest correction's
    /// date, so a correction alone moves every output's "updated" (with its written offset).
    pub fn updated_at(&self) -> Option<DateTime<FixedOffset>> {
        let corrected = self.corrections.iter().map(|c| c.date).max();
        match (self.updated, corrected) {
            (Some(u), Some(c)) => Some(if c > u { c } else { u }),
            (u, c) => u.or(c),
        }
    }

    /// When the entry last changed: [`Event::updated_at`], or else when it was published.
    pub fn modified_at(&self) -> DateTime<Utc> {
        self.updated_at()
            .map_or_else(|| self.published_at(), |u| u.with_timezone(&Utc))
    }

    /// The entry's title as feeds and calendars show it: a retracted entry's says so first.
    pub fn feed_title(&self) -> std::borrow::Cow<'_, str> {
        match self.status {
            Status::Retracted => format!("Retracted: {}", self.title).into(),
            _ => self.title.as_str().into(),
        }
    }
}

/// The validated collection: its settings and its non-draft events in chronological order
/// (start instant, then id).
#[derive(Debug, Clone)]
pub struct Collection {
    pub settings: Settings,
    /// Shared with what `serve` keeps of each checked file, so an event is held once.
    pub events: Vec<Arc<Event>>,
    /// The collection's own page templates (`templates/<name>` in the collection, keyed by
    /// file name), overriding the defaults of the same name; syntax already checked.
    pub templates: BTreeMap<String, String>,
}

impl Collection {
    /// Orders events by start instant, then id, and drops drafts.
    pub fn new(settings: Settings, mut events: Vec<Arc<Event>>) -> Self {
        events.retain(|e| !e.draft);
        events.sort_by(|a, b| a.start().cmp(&b.start()).then_with(|| a.id.cmp(&b.id)));
        Collection {
            settings,
            events,
            templates: BTreeMap::new(),
        }
    }
}

/// Feed readers and the W3C validator (DuplicateUpdated) want no two entries to share an
/// `updated` time; entries that would are moved apart by whole seconds, in id order, so the
/// result is deterministic. By index in `events` (UTC); the check keeps every one of them
/// within [`range::last_instant`].
pub fn unique_updated(events: &[Arc<Event>]) -> Vec<DateTime<Utc>> {
    let mut order: Vec<(DateTime<Utc>, &str, usize)> = events
        .iter()
        .enumerate()
        .map(|(i, e)| (e.modified_at(), e.id.as_str(), i))
        .collect();
    order.sort_unstable();
    let mut result = vec![DateTime::<Utc>::MIN_UTC; events.len()];
    let mut previous: Option<DateTime<Utc>> = None;
    for (at, _, index) in order {
        let at = match previous {
            Some(p) if at <= p => p + chrono::Duration::seconds(1),
            _ => at,
        };
        result[index] = at;
        previous = Some(at);
    }
    result
}

/// One correction in the corrections log (see [`correction_log`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoggedCorrection {
    /// The event's index in the events given.
    pub index: usize,
    /// The correction's place among the event's (0 for its newest).
    pub n: usize,
    /// The correction's date (UTC), moved past the log's other entries of the same second.
    pub updated: DateTime<Utc>,
}

/// Every correction of the events at `indices`, newest first (ties: event id, then the
/// event's own order). As with [`unique_updated`], corrections of the same second are moved
/// apart by whole seconds, the later in that order moved forward, so no two log entries share
/// an `updated`; the check keeps every one within [`range::last_instant`].
pub fn correction_log(events: &[Arc<Event>], indices: &[usize]) -> Vec<LoggedCorrection> {
    let mut entries: Vec<(DateTime<Utc>, &str, std::cmp::Reverse<usize>, usize)> = indices
        .iter()
        .flat_map(|&index| {
            let event = &events[index];
            event.corrections.iter().enumerate().map(move |(n, c)| {
                (
                    c.date.with_timezone(&Utc),
                    event.id.as_str(),
                    std::cmp::Reverse(n),
                    index,
                )
            })
        })
        .collect();
    // Oldest first, to move later entries of the same second forward.
    entries.sort_unstable();
    let mut previous: Option<DateTime<Utc>> = None;
    let mut log: Vec<LoggedCorrection> = entries
        .into_iter()
        .map(|(at, _, std::cmp::Reverse(n), index)| {
            let updated = match previous {
                Some(p) if at <= p => p + chrono::Duration::seconds(1),
                _ => at,
            };
            previous = Some(updated);
            LoggedCorrection { index, n, updated }
        })
        .collect();
    log.reverse();
    log
}
