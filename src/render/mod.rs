//! Render stage: the model -> bytes for each output format. Pure: no file system, no clock.
//!
//! [`Site`] holds what every renderer shares (links, "now", the order of entries, and each
//! event's HTML when the caller keeps it);
//! [`site::outputs`] lists every file `build` writes and `serve` holds; [`render`] writes one.

pub mod archive;
pub mod article;
pub mod atom;
pub mod body;
pub mod corrections;
pub mod covering;
pub mod csv;
mod error;
pub mod html;
pub mod ical;
pub mod jsonfeed;
pub mod jsonl;
pub mod opml;
pub mod page_layout;
pub mod rss;
pub mod site;
pub mod timelinejs;

use std::borrow::Cow;
use std::io::Write;
use std::ops::Range;
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use uuid::Uuid;

use crate::identity;
use crate::model::{unique_updated, Collection, Event};
use crate::templates::{template_fuel, Templates};

pub use self::error::RenderError;
pub use self::site::{outputs, Format, Output, Page, View};

/// Everything the renderers share for one build.
#[derive(Debug)]
pub struct Site<'a> {
    pub collection: &'a Collection,
    /// Where the outputs are published: `base_url` from the settings, or the server's own
    /// address. Ends with `/`.
    pub link_base: String,
    /// The build's "now" (UTC): `SOURCE_DATE_EPOCH` if given, else the newest `updated` or
    /// `published` of any event. Never the clock, so outputs are reproducible.
    pub now: DateTime<Utc>,
    /// Whether `now` was pinned by `SOURCE_DATE_EPOCH`, which then dates every output.
    pub pinned: bool,
    /// Each event's feed timestamp for `updated` (UTC), made unique across the collection.
    pub entry_updated: Vec<DateTime<Utc>>,
    /// Each event's place in the feeds' order (0 for the most recently published).
    feed_rank: Vec<u32>,
    /// The timeline pages' templates: the defaults and the collection's own.
    pub templates: Templates,
    /// The years and tags every timeline page links to.
    pub navigation: html::Navigation,
    /// Whether an event has a correction, so the corrections log is written and every
    /// timeline page links to it.
    pub has_corrections: bool,
}

impl<'a> Site<'a> {
    /// Prepares a build of `collection` published at `link_base`; `source_date_epoch` pins "now".
    ///
    /// No event's HTML is held: each output renders the HTML of the entries it writes, when it
    /// writes them, or takes it from a [`SharedHtml`] its caller rendered for several outputs
    /// (`build` renders a year's events once for its year page and the archive pages holding
    /// them). Holding every body's HTML for the whole build would take more memory than the
    /// collection's files (1.3 times their size).
    pub fn new(
        collection: &'a Collection,
        link_base: &str,
        source_date_epoch: Option<i64>,
    ) -> Self {
        let link_base = with_trailing_slash(link_base);
        let pinned = source_date_epoch.and_then(|secs| Utc.timestamp_opt(secs, 0).single());
        let now = pinned
            .or_else(|| collection.events.iter().map(|e| e.modified_at()).max())
            // An empty collection has no date of its own; any fixed instant keeps builds
            // reproducible.
            .unwrap_or_else(|| Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).unwrap());
        Site {
            collection,
            entry_updated: unique_updated(&collection.events),
            feed_rank: feed_rank(&collection.events),
            now,
            pinned: pinned.is_some(),
            templates: Templates::new(&collection.templates, template_fuel(&collection.events)),
            navigation: html::Navigation::new(collection),
            has_corrections: collection.events.iter().any(|e| !e.corrections.is_empty()),
            link_base,
        }
    }

    /// A site for `collection` from the parts of the site before (see [`Site::into_parts`]),
    /// whose collection held events in the same [`Placement`]s: what [`Site::new`] makes from
    /// every event is then the same, and is not made again (`serve`, after an edit).
    pub fn from_parts(collection: &'a Collection, parts: SiteParts) -> Self {
        let SiteParts {
            link_base,
            now,
            pinned,
            entry_updated,
            feed_rank,
            navigation,
            has_corrections,
        } = parts;
        Site {
            collection,
            link_base,
            now,
            pinned,
            entry_updated,
            feed_rank,
            // Its work bound follows the bodies' lengths, and it is made in no time.
            templates: Templates::new(&collection.templates, template_fuel(&collection.events)),
            navigation,
            has_corrections,
        }
    }

    /// What the site made from its collection's events, for [`Site::from_parts`].
    pub fn into_parts(self) -> SiteParts {
        SiteParts {
            link_base: self.link_base,
            now: self.now,
            pinned: self.pinned,
            entry_updated: self.entry_updated,
            feed_rank: self.feed_rank,
            navigation: self.navigation,
            has_corrections: self.has_corrections,
        }
    }

    /// The date of a view's documents (a feed's `lastBuildDate` or `updated`, a calendar's
    /// `LAST-MODIFIED`, a page's "updated"): the newest entry `updated` of the view, so a
    /// document changes only when one of its own entries does (and a tag's feed is dated by
    /// the tag's events). `SOURCE_DATE_EPOCH` overrides it; an empty view has the build's "now".
    pub fn view_updated(&self, view: &View) -> DateTime<Utc> {
        if self.pinned {
            return self.now;
        }
        view.events
            .iter()
            .filter_map(|&i| self.entry_updated.get(i))
            .max()
            .copied()
            .unwrap_or(self.now)
    }

    pub fn events(&self) -> &'a [Arc<Event>] {
        &self.collection.events
    }

    /// The feed entry's HTML of the event at `index`: its date line, body and sources (see
    /// [`body::event_html_and_body`]).
    pub fn event_html(&self, index: usize) -> Cow<'_, str> {
        Cow::Owned(body::event_html(&self.events()[index], &self.link_base))
    }

    /// Each of `entries` with its HTML (see [`Site::event_html`]) for a feed document, taken
    /// from `shared` when it holds it.
    pub fn entries_with_html<'s>(
        &'s self,
        entries: Vec<usize>,
        shared: Option<&'s SharedHtml>,
    ) -> Vec<(usize, Cow<'s, str>)> {
        entries
            .into_iter()
            .map(|index| {
                let html = match shared.and_then(|shared| shared.get(index)) {
                    Some(html) => Cow::Borrowed(&*html.html),
                    None => self.event_html(index),
                };
                (index, html)
            })
            .collect()
    }

    /// The permanent place of an event on the timeline pages:
    /// `<link_base>years/<YYYY>/#<id>`, YYYY the year the event starts.
    pub fn permalink(&self, event: &Event) -> String {
        permalink(&self.link_base, event)
    }

    /// An absolute URL for a path inside the site.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.link_base)
    }

    /// The event's published id (see [`identity::event_uuid`]): from the collection id and the
    /// event's id only, so it survives edits and moves of the site.
    pub fn event_uuid(&self, event: &Event) -> Uuid {
        identity::event_uuid(self.collection.settings.collection_id(), &event.id)
    }

    /// The published id of the feed whose home is `home_path` (see [`identity::feed_uuid`]).
    pub fn feed_uuid(&self, home_path: &str) -> Uuid {
        identity::feed_uuid(self.collection.settings.collection_id(), home_path)
    }

    /// Indices of a view's feed entries: the `feed_limit` most recently published, newest first
    /// (ties broken by id).
    pub fn feed_entries(&self, view: &View) -> Vec<usize> {
        let mut entries = view.events.clone();
        let rank = |index: &usize| self.feed_rank[*index];
        let limit = self.collection.settings.feed_limit;
        if entries.len() > limit {
            entries.select_nth_unstable_by_key(limit - 1, rank);
            entries.truncate(limit);
        }
        entries.sort_unstable_by_key(rank);
        entries
    }
}

/// What a [`Site`] made from every event of its collection (see [`Site::into_parts`]).
#[derive(Debug)]
pub struct SiteParts {
    link_base: String,
    now: DateTime<Utc>,
    pinned: bool,
    entry_updated: Vec<DateTime<Utc>>,
    feed_rank: Vec<u32>,
    navigation: html::Navigation,
    has_corrections: bool,
}

/// Everything of an event that [`Site::new`] and [`outputs`] read: its place in the
/// collection's order, its year, its tags, its place in the feeds, its `updated`, and whether
/// it has corrections. An edit that changes none of these leaves the site's parts and the
/// list of outputs as they were (`serve` then keeps them); one that changes any makes them
/// again. `serve`'s test that changes every field in turn checks that this is all they read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    start: DateTime<Utc>,
    id: String,
    year: i32,
    tags: Vec<crate::model::Tag>,
    published: DateTime<Utc>,
    modified: DateTime<Utc>,
    corrected: bool,
}

impl Placement {
    pub fn of(event: &Event) -> Placement {
        Placement {
            start: event.start(),
            id: event.id.clone(),
            year: event.date.year(),
            tags: event.tags.clone(),
            published: event.published_at(),
            modified: event.modified_at(),
            corrected: !event.corrections.is_empty(),
        }
    }
}

/// The permanent place of an event on the timeline pages published at `link_base` (see
/// [`Site::permalink`]).
pub fn permalink(link_base: &str, event: &Event) -> String {
    format!("{link_base}years/{:04}/#{}", event.date.year(), event.id)
}

/// `link_base` ending with `/`, as a [`Site`] writes links under it.
pub fn with_trailing_slash(link_base: &str) -> String {
    let mut link_base = link_base.to_string();
    if !link_base.ends_with('/') {
        link_base.push('/');
    }
    link_base
}

/// One event's HTML (see [`body::event_html_and_body`]), shareable between builds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventHtml {
    pub html: Arc<str>,
    /// The byte range of the Markdown body alone inside `html`.
    pub body: Range<usize>,
}

impl EventHtml {
    /// Renders the event's HTML with links under `link_base`.
    pub fn render(event: &Event, link_base: &str) -> EventHtml {
        let (html, body) = body::event_html_and_body(event, link_base);
        EventHtml {
            html: html.into(),
            body,
        }
    }

    /// The Markdown body alone, as HTML.
    pub fn body_str(&self) -> &str {
        self.html.get(self.body.clone()).unwrap_or_default()
    }
}

/// Events' HTML rendered once for several outputs written together, by event index: `build`
/// renders a year's events once for the year page and for the archive pages that hold them.
#[derive(Debug, Default)]
pub struct SharedHtml(rustc_hash::FxHashMap<usize, EventHtml>);

impl SharedHtml {
    /// Renders the HTML of the events at `indices`, in parallel.
    pub fn render(site: &Site, indices: &[usize]) -> SharedHtml {
        use rayon::prelude::*;
        let events = site.events();
        SharedHtml(
            indices
                .par_iter()
                .map(|&index| (index, EventHtml::render(&events[index], &site.link_base)))
                .collect(),
        )
    }

    /// The HTML of the entries of the feeds and archive pages among `outputs`, each event's
    /// rendered once for all of them.
    pub fn of_feeds(site: &Site, outputs: &[&Output]) -> SharedHtml {
        let mut indices: Vec<usize> = outputs
            .iter()
            .flat_map(|output| match output.format {
                Format::Rss | Format::Atom | Format::JsonFeed => site.feed_entries(&output.view),
                Format::RssArchive(_) | Format::AtomArchive(_) => output.view.events.clone(),
                _ => Vec::new(),
            })
            .collect();
        indices.sort_unstable();
        indices.dedup();
        SharedHtml::render(site, &indices)
    }

    pub fn get(&self, index: usize) -> Option<&EventHtml> {
        self.0.get(&index)
    }

    /// Takes the HTML of the event at `index` out.
    pub fn take(&mut self, index: usize) -> Option<EventHtml> {
        self.0.remove(&index)
    }
}

/// An event's key in the feeds' order, smallest first: most recently published first, ties by
/// id. The feeds and the archive pages (oldest first, the exact reverse) both sort by it.
pub fn feed_order_key(event: &Event) -> (std::cmp::Reverse<DateTime<Utc>>, &str) {
    (std::cmp::Reverse(event.published_at()), event.id.as_str())
}

/// Each event's place in the feeds' order (see [`feed_order_key`]). Ranked once per placement,
/// a feed's newest entries are picked by comparing numbers.
fn feed_rank(events: &[Arc<Event>]) -> Vec<u32> {
    let mut order: Vec<(_, usize)> = events
        .iter()
        .enumerate()
        .map(|(i, e)| (feed_order_key(e), i))
        .collect();
    order.sort_unstable();
    let mut rank = vec![0; events.len()];
    for (place, (_, index)) in order.into_iter().enumerate() {
        rank[index] = u32::try_from(place).expect("fewer than 2^32 events");
    }
    rank
}

/// Writes one output of the site.
pub fn render(site: &Site, output: &Output, w: &mut dyn Write) -> Result<(), RenderError> {
    render_with(site, output, None, w)
}

/// [`render`], with the HTML of the feeds' entries taken from `shared` where it holds them.
pub fn render_with(
    site: &Site,
    output: &Output,
    shared: Option<&SharedHtml>,
    w: &mut dyn Write,
) -> Result<(), RenderError> {
    match output.format {
        Format::Rss => rss::render_rss(site, &output.view, shared, w),
        Format::Atom => atom::render_atom(site, &output.view, shared, w),
        Format::JsonFeed => jsonfeed::render_jsonfeed(site, &output.view, shared, w),
        // The same bytes as the view's calendar: rendered here only when one output is
        // rendered alone (a build links the calendar's file instead).
        Format::Ical | Format::ReadableIcal => ical::render_ical(site, &output.view, w),
        Format::Html(page) => html::render_page(site, &output.view, page, w),
        Format::Opml => Ok(opml::render_opml(site, &output.view, w)?),
        Format::CorrectionsRss => corrections::render_rss(site, &output.view, w),
        Format::CorrectionsAtom => corrections::render_atom(site, &output.view, w),
        Format::CorrectionsJsonFeed => corrections::render_jsonfeed(site, &output.view, w),
        Format::RssArchive(page) => {
            let entries = site.entries_with_html(output.view.events.clone(), shared);
            archive::render_rss_archive(site, &output.view, page, &entries, w)
        }
        Format::AtomArchive(page) => {
            let entries = site.entries_with_html(output.view.events.clone(), shared);
            archive::render_atom_archive(site, &output.view, page, &entries, w)
        }
    }
}

/// Renders one output into memory; an error names the output's path.
pub fn render_to_vec(site: &Site, output: &Output) -> Result<Vec<u8>, RenderError> {
    let mut bytes = Vec::new();
    render(site, output, &mut bytes).map_err(|err| err.at(&output.path))?;
    Ok(bytes)
}
