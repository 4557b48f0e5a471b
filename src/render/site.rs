//! Every path `build` writes (and `serve` holds): the collection's feeds and calendar, and the
//! same four for each tag under `tags/<tag-slug>/`.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::model::Collection;
use crate::query::tag_slug;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Rss,
    Atom,
    JsonFeed,
    Ical,
    /// RSS archive page n, from 1 for the oldest (RFC 5005; see [`super::archive`]).
    RssArchive(usize),
    /// Atom archive page n, from 1 for the oldest (RFC 5005; see [`super::archive`]).
    AtomArchive(usize),
}

impl Format {
    /// Every format a view is published in, with its file name.
    pub const FEEDS_AND_CALENDAR: [(Format, &'static str); 4] = [
        (Format::Rss, "rss.xml"),
        (Format::Atom, "atom.xml"),
        (Format::JsonFeed, "feed.json"),
        (Format::Ical, "calendar.ics"),
    ];

    /// The media type, as served over HTTP.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Rss | Format::RssArchive(_) => "application/rss+xml; charset=utf-8",
            Format::Atom | Format::AtomArchive(_) => "application/atom+xml; charset=utf-8",
            Format::JsonFeed => "application/feed+json; charset=utf-8",
            Format::Ical => "text/calendar; charset=utf-8",
        }
    }

    /// The file name of a view's document in this format; for an archive page, that of the
    /// subscription document it belongs to.
    pub fn file_name(self) -> &'static str {
        let format = match self {
            Format::RssArchive(_) => Format::Rss,
            Format::AtomArchive(_) => Format::Atom,
            other => other,
        };
        Format::FEEDS_AND_CALENDAR
            .iter()
            .find(|(f, _)| *f == format)
            .map(|(_, name)| *name)
            .expect("every format has a file name")
    }
}

/// A set of events published together: the whole collection, one tag, or an export's filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    /// The feed's title.
    pub title: String,
    pub description: String,
    /// The directory of the view inside the site: `""` or `tags/<slug>/`.
    pub home_path: String,
    /// Indices into the collection's events, chronological.
    pub events: Vec<usize>,
}

impl View {
    /// The path of this view's file in `format`, e.g. `tags/trade/rss.xml`.
    pub fn path(&self, format: Format) -> String {
        format!("{}{}", self.home_path, format.file_name())
    }
}

/// One file of the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// Relative, `/`-separated, e.g. `tags/trade/atom.xml`.
    pub path: String,
    pub format: Format,
    /// Shared by the view's four formats.
    pub view: Arc<View>,
}

/// The whole collection's view.
pub fn collection_view(collection: &Collection) -> View {
    View {
        title: collection.settings.title.clone(),
        description: collection.settings.description.clone(),
        home_path: String::new(),
        events: (0..collection.events.len()).collect(),
    }
}

/// One view per tag (keyed and ordered by slug); the name shown is the first spelling met.
pub fn tag_views(collection: &Collection) -> Vec<View> {
    let mut by_slug: BTreeMap<String, (String, Vec<usize>)> = BTreeMap::new();
    for (index, event) in collection.events.iter().enumerate() {
        for tag in &event.tags {
            let entry = by_slug
                .entry(tag_slug(tag))
                .or_insert_with(|| (tag.clone(), Vec::new()));
            if entry.1.last() != Some(&index) {
                entry.1.push(index);
            }
        }
    }
    let settings = &collection.settings;
    by_slug
        .into_iter()
        .map(|(slug, (name, events))| View {
            title: format!("{}: {name}", settings.title),
            description: format!("Events tagged {name} in {}", settings.title),
            home_path: format!("tags/{slug}/"),
            events,
        })
        .collect()
}

/// Every file `build` writes, in a stable order: the collection's four, each tag's four, then
/// the collection's feed archive pages.
pub fn outputs(collection: &Collection) -> Vec<Output> {
    let mut outputs: Vec<Output> = std::iter::once(collection_view(collection))
        .chain(tag_views(collection))
        .flat_map(|view| {
            let view = Arc::new(view);
            Format::FEEDS_AND_CALENDAR.map(|(format, _)| Output {
                path: view.path(format),
                format,
                view: Arc::clone(&view),
            })
        })
        .collect();
    outputs.extend(super::archive::outputs(collection));
    outputs
}
