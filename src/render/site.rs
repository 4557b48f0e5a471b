//! Every path `build` writes (and `serve` holds): the collection's feeds and calendar, and the
//! same four for each tag under `tags/<tag-slug>/`; each calendar again under a readable name
//! (see [`readable_calendar_path`]); the subscription list of all those feeds,
//! `feeds.opml`; the timeline pages: `index.html` (front page), `years/<YYYY>/index.html` (each
//! year with events), `tags/<tag-slug>/index.html` and, when there are tags, `tags/index.html`;
//! the subscribe page `subscribe/index.html`;
//! and, once an event has a correction, the corrections log:
//! `corrections/{rss.xml,atom.xml,feed.json,index.html}`.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::config::Settings;
use crate::model::Collection;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Rss,
    Atom,
    JsonFeed,
    Ical,
    /// A view's calendar again, under the readable name [`readable_calendar_path`] gives it:
    /// the same bytes as its `calendar.ics`, never rendered a second time (`build` and `serve`
    /// link the file, see [`crate::write::Stage::link`]).
    ReadableIcal,
    /// A timeline page (`index.html` of a directory) of the given kind.
    Html(Page),
    /// The OPML 2.0 subscription list of the collection's feed and every tag's feed (see
    /// [`super::opml`]); its view is the collection's.
    Opml,
    /// The corrections log as RSS 2.0 (see [`super::corrections`]); its view holds the events
    /// with corrections.
    CorrectionsRss,
    /// The corrections log as Atom 1.0.
    CorrectionsAtom,
    /// The corrections log as JSON Feed 1.1.
    CorrectionsJsonFeed,
    /// RSS archive page n, from 1 for the oldest (RFC 5005; see [`super::archive`]).
    RssArchive(usize),
    /// Atom archive page n, from 1 for the oldest (RFC 5005; see [`super::archive`]).
    AtomArchive(usize),
}

/// Which timeline page an HTML output is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// `index.html`: the most recent events and the list of years.
    Front,
    /// `years/<YYYY>/index.html`: every event starting in that year (in its own time zone),
    /// the target of every permalink.
    Year(i32),
    /// `tags/<slug>/index.html`: one tag's events, with that tag's feeds.
    Tag,
    /// `tags/index.html`: every tag, with its count and its feeds and calendar to subscribe to.
    Tags,
    /// `subscribe/index.html`: how to follow the timeline and each tag in each kind of calendar
    /// app and feed reader, with the link each one takes.
    Subscribe,
    /// `corrections/index.html`: every correction, newest first, with the log's feeds.
    Corrections,
}

/// The file name of a timeline page inside its directory.
pub const PAGE_FILE: &str = "index.html";

/// The subscription list's file name, at the site's root.
pub const OPML_FILE: &str = "feeds.opml";

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
            Format::Rss | Format::RssArchive(_) | Format::CorrectionsRss => {
                "application/rss+xml; charset=utf-8"
            }
            Format::Atom | Format::AtomArchive(_) | Format::CorrectionsAtom => {
                "application/atom+xml; charset=utf-8"
            }
            Format::JsonFeed | Format::CorrectionsJsonFeed => {
                "application/feed+json; charset=utf-8"
            }
            Format::Ical | Format::ReadableIcal => "text/calendar; charset=utf-8",
            Format::Html(_) => "text/html; charset=utf-8",
            // OPML has no registered media type, and OPML 2.0 names none: `text/x-opml` is the
            // one Radio UserLand served it with and the one readers' importers, web servers'
            // type tables and the W3C validator (`mediaTypes.py`) know.
            Format::Opml => "text/x-opml; charset=utf-8",
        }
    }

    /// Whether the document links to other outputs of the build, beyond its own view's: a
    /// timeline page to every year and tag page (with their counts), a feed or an archive page
    /// to the archive pages (RFC 5005), the subscription list to every tag's feed and page.
    /// Such a document changes when the set of outputs does.
    pub fn links_other_outputs(self) -> bool {
        match self {
            Format::Rss
            | Format::Atom
            | Format::Html(_)
            | Format::RssArchive(_)
            | Format::AtomArchive(_)
            | Format::Opml => true,
            // The log's entries link to the events' permalinks only, on the year pages every
            // event has.
            Format::JsonFeed
            | Format::Ical
            | Format::ReadableIcal
            | Format::CorrectionsRss
            | Format::CorrectionsAtom
            | Format::CorrectionsJsonFeed => false,
        }
    }

    /// The file name of a view's document in this format; for an archive page, that of the
    /// subscription document it belongs to, for a readable calendar, that of the calendar.
    pub fn file_name(self) -> &'static str {
        let format = match self {
            Format::ReadableIcal => Format::Ical,
            Format::Html(_) => return PAGE_FILE,
            Format::Opml => return OPML_FILE,
            Format::RssArchive(_) | Format::CorrectionsRss => Format::Rss,
            Format::AtomArchive(_) | Format::CorrectionsAtom => Format::Atom,
            Format::CorrectionsJsonFeed => Format::JsonFeed,
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

/// The longest readable calendar name's title part, in bytes: long enough for a title of a
/// few words, short enough to leave a calendar app's list readable.
const READABLE_TITLE_LEN: usize = 60;

/// The readable name of the calendar of the view at `home_path` (`""`, or `tags/<tag-slug>/`)
/// of a collection titled `title`: `<title-slug>.ics` beside the collection's `calendar.ics`,
/// `tags/<tag-slug>/<title-slug>-<tag-slug>.ics` beside a tag's. Thunderbird and other clients
/// that ignore `NAME` and `X-WR-CALNAME` (RFC 7986 5.1) name a subscribed calendar after the
/// last part of its URL. The title's slug (transliterated, see [`crate::model::short_slug`]) is
/// cut at a word to 60 bytes. `None` when the title has no letter or digit
/// or its name would be `calendar.ics` itself: then `calendar.ics` is the only name.
pub fn readable_calendar_path(title: &str, home_path: &str) -> Option<String> {
    let title = crate::model::short_slug(title, READABLE_TITLE_LEN)?;
    let tag = home_path
        .strip_prefix("tags/")
        .and_then(|rest| rest.strip_suffix('/'));
    let path = match tag {
        Some(tag) => format!("{home_path}{title}-{tag}.ics"),
        None => format!("{home_path}{title}.ics"),
    };
    (path != format!("{home_path}{}", Format::Ical.file_name())).then_some(path)
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

/// Every tag by slug: the name shown (the first spelling met) and the indices of its events,
/// chronological.
pub fn tags_by_slug(collection: &Collection) -> BTreeMap<&str, (&str, Vec<usize>)> {
    // Hashed while gathering (a few hundred tags met 100,000s of times), sorted once.
    let mut by_slug: rustc_hash::FxHashMap<&str, (&str, Vec<usize>)> = Default::default();
    for (index, event) in collection.events.iter().enumerate() {
        for tag in &event.tags {
            let entry = by_slug
                .entry(tag.slug())
                .or_insert_with(|| (tag.name(), Vec::new()));
            if entry.1.last() != Some(&index) {
                entry.1.push(index);
            }
        }
    }
    by_slug.into_iter().collect()
}

/// One view per tag (keyed and ordered by slug); the name shown is the first spelling met.
pub fn tag_views(collection: &Collection) -> Vec<View> {
    tags_by_slug(collection)
        .into_iter()
        .map(|(slug, (name, events))| tag_view(&collection.settings, slug, name, events))
        .collect()
}

/// The view of the tag `name` (whose slug is `slug`) with `events`.
pub fn tag_view(settings: &Settings, slug: &str, name: &str, events: Vec<usize>) -> View {
    View {
        title: format!("{}: {name}", settings.title),
        description: format!("Events tagged {name} in {}", settings.title),
        home_path: format!("tags/{slug}/"),
        events,
    }
}

/// The view of the events that have any of `tags` (each a name and its events' indices, as
/// [`tags_by_slug`] gives them), chronological like every view, at `home_path`: what `serve`
/// answers a filtered subscription with (see `serve::filter`).
pub fn any_tag_view(collection: &Collection, tags: &[(&str, &[usize])], home_path: String) -> View {
    let mut events: Vec<usize> = tags
        .iter()
        .flat_map(|(_, events)| events.iter().copied())
        .collect();
    // Indices follow the collection's order, so sorted indices are chronological.
    events.sort_unstable();
    events.dedup();
    let names: Vec<&str> = tags.iter().map(|(name, _)| *name).collect();
    let names = names.join(", ");
    let settings = &collection.settings;
    View {
        title: format!("{}: {names}", settings.title),
        description: format!("Events tagged any of {names} in {}", settings.title),
        home_path,
        events,
    }
}

/// The page of every tag: the whole collection's events (its counts follow every event), at
/// `tags/`.
pub fn tags_view(collection: &Collection) -> View {
    View {
        title: format!("Tags · {}", collection.settings.title),
        description: format!("Every tag of {}, to follow one", collection.settings.title),
        home_path: "tags/".to_string(),
        events: (0..collection.events.len()).collect(),
    }
}

/// The folder of the subscribe page.
pub const SUBSCRIBE_HOME: &str = "subscribe/";

/// The subscribe page: the whole collection's events (it shows none, but names every tag, and
/// a tag's first spelling can change with any event), at [`SUBSCRIBE_HOME`].
pub fn subscribe_view(collection: &Collection) -> View {
    View {
        title: format!("Subscribe · {}", collection.settings.title),
        description: format!(
            "How to follow {} in a calendar app or a feed reader",
            collection.settings.title
        ),
        home_path: SUBSCRIBE_HOME.to_string(),
        events: (0..collection.events.len()).collect(),
    }
}

/// The corrections log's view: the events with at least one correction (chronological), or
/// none when no event has one, and then the log is not written.
pub fn corrections_view(collection: &Collection) -> Option<View> {
    let events: Vec<usize> = (collection.events.iter().enumerate())
        .filter(|(_, event)| !event.corrections.is_empty())
        .map(|(index, _)| index)
        .collect();
    let settings = &collection.settings;
    (!events.is_empty()).then(|| View {
        title: format!("{}: corrections", settings.title),
        description: format!("Every correction to {}, newest first", settings.title),
        home_path: super::corrections::HOME.to_string(),
        events,
    })
}

/// One view per year that has events (ascending): the events whose date starts in that year
/// in their own time zone, the year named by [`crate::model::When::year`] and so by permalinks.
pub fn year_views(collection: &Collection) -> Vec<(i32, View)> {
    let mut by_year: BTreeMap<i32, Vec<usize>> = BTreeMap::new();
    for (index, event) in collection.events.iter().enumerate() {
        by_year.entry(event.date.year()).or_default().push(index);
    }
    let settings = &collection.settings;
    by_year
        .into_iter()
        .map(|(year, events)| {
            let view = View {
                title: format!("{year} · {}", settings.title),
                description: settings.description.clone(),
                home_path: format!("years/{year:04}/"),
                events,
            };
            (year, view)
        })
        .collect()
}

/// Every file `build` writes, in a stable order: the collection's feeds, front page, readable
/// calendar name, subscription list and subscribe page, the page of every tag, each tag's feeds, page and
/// readable calendar name, each year's page, the collection's feed archive pages, then the corrections log's feeds and page (when an event
/// has a correction).
pub fn outputs(collection: &Collection) -> Vec<Output> {
    let title = &collection.settings.title;
    let feeds_and_page = |view: Arc<View>, page: Page| {
        let formats = Format::FEEDS_AND_CALENDAR
            .map(|(format, _)| format)
            .into_iter()
            .chain([Format::Html(page)]);
        let readable = readable_calendar_path(title, &view.home_path).map(|path| Output {
            path,
            format: Format::ReadableIcal,
            view: Arc::clone(&view),
        });
        formats
            .map(|format| Output {
                path: view.path(format),
                format,
                view: Arc::clone(&view),
            })
            .chain(readable)
            .collect::<Vec<_>>()
    };
    let years = year_views(collection).into_iter().map(|(year, view)| {
        let view = Arc::new(view);
        let format = Format::Html(Page::Year(year));
        Output {
            path: view.path(format),
            format,
            view,
        }
    });
    let home = Arc::new(collection_view(collection));
    let subscription_list = Output {
        path: home.path(Format::Opml),
        format: Format::Opml,
        view: Arc::clone(&home),
    };
    let tags = tag_views(collection);
    let tags_page = (!tags.is_empty()).then(|| {
        let view = Arc::new(tags_view(collection));
        let format = Format::Html(Page::Tags);
        Output {
            path: view.path(format),
            format,
            view,
        }
    });
    let subscribe_page = {
        let view = Arc::new(subscribe_view(collection));
        let format = Format::Html(Page::Subscribe);
        Output {
            path: view.path(format),
            format,
            view,
        }
    };
    feeds_and_page(home, Page::Front)
        .into_iter()
        .chain([subscription_list, subscribe_page])
        .chain(tags_page)
        .chain(
            tags.into_iter()
                .flat_map(|view| feeds_and_page(Arc::new(view), Page::Tag)),
        )
        .chain(years)
        .chain(super::archive::outputs(collection))
        .chain(corrections_outputs(collection))
        .collect()
}

/// The corrections log's feeds and page, or none when no event has a correction.
fn corrections_outputs(collection: &Collection) -> Vec<Output> {
    let Some(view) = corrections_view(collection) else {
        return Vec::new();
    };
    let view = Arc::new(view);
    [
        Format::CorrectionsRss,
        Format::CorrectionsAtom,
        Format::CorrectionsJsonFeed,
        Format::Html(Page::Corrections),
    ]
    .into_iter()
    .map(|format| Output {
        path: view.path(format),
        format,
        view: Arc::clone(&view),
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readable_calendar_names_come_from_the_title_and_tag() {
        let title = "US-Mexico security cooperation, 2025";
        for (title, home, path) in [
            (title, "", Some("us-mexico-security-cooperation-2025.ics")),
            (
                title,
                "tags/trade/",
                Some("tags/trade/us-mexico-security-cooperation-2025-trade.ics"),
            ),
            ("Хроника", "", Some("khronika.ics")),
            // Nothing to name it by, or its name would be the calendar's own.
            ("¡¿…?!", "", None),
            ("¡¿…?!", "tags/trade/", None),
            ("Calendar", "", None),
            ("Calendar", "tags/t/", Some("tags/t/calendar-t.ics")),
            (
                "A very long title that goes on and on about everything that happened in the year",
                "",
                Some("a-very-long-title-that-goes-on-and-on-about-everything-that.ics"),
            ),
        ] {
            assert_eq!(
                readable_calendar_path(title, home).as_deref(),
                path,
                "{title}"
            );
        }
    }
}
