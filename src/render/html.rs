//! The timeline pages (front page, year pages, tag pages) as HTML, through minijinja templates.
//!
//! Stage: render. In: the [`Site`], one [`View`] and which [`Page`] it is. Out: one HTML
//! document. Pure: no file system, no clock; the templates (see [`crate::templates`]) are the
//! defaults compiled into the binary (`templates/` in the source tree) or the collection's
//! own, read by `check`.
//!
//! Everything a page shows is prepared here as plain data (text, ISO dates, links), so a
//! template only lays it out. Event text reaches the template as plain strings and is escaped
//! by minijinja's HTML auto-escaping; only the event body, already sanitised by
//! [`super::body`], is passed as safe HTML.
//!
//! Every event of a year is on its year page, whose size is bounded by one year's events:
//! permalinks (`years/<YYYY>/#<id>`) always resolve there. The front page holds only the newest
//! [`FRONT_PAGE_EVENTS`] events and a tag page the newest [`TAG_PAGE_EVENTS`], so no page grows
//! with the whole archive.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;

use minijinja::value::Serde;
use minijinja::Value;
use rustc_hash::FxHashMap;
use serde::Serialize;

use super::article::EventObject;
use super::body;
use super::page_layout::{ArticleRecorder, MarkedWriter, PageLayout, PageSink};
use super::site::{readable_calendar_path, Format, Page, View, PAGE_FILE};
use super::{RenderError, SharedHtml, Site};
use crate::model::{Collection, Event, When};

/// How many of the newest events the front page shows.
pub const FRONT_PAGE_EVENTS: usize = 100;
/// How many of a tag's newest events its page shows; the rest are on the year pages.
pub const TAG_PAGE_EVENTS: usize = 500;
/// How many tags (the most used) the front page lists.
pub const FRONT_PAGE_TAGS: usize = 60;

/// What every page shares: the years with events and the most used tags, counted once per build.
#[derive(Debug, Hash)]
pub struct Navigation {
    /// (year, number of events), ascending.
    pub years: Vec<(i32, usize)>,
    /// (slug, name as first written, number of events), sorted by slug.
    tags: Vec<(String, String, usize)>,
}

impl Navigation {
    /// Counts the collection's years and tags.
    pub fn new(collection: &Collection) -> Self {
        // Hashed while counting (a few hundred tags met 100,000s of times), sorted once.
        let mut years: FxHashMap<i32, usize> = FxHashMap::default();
        let mut tags: FxHashMap<&str, (&str, usize)> = FxHashMap::default();
        for event in &collection.events {
            *years.entry(event.date.year()).or_default() += 1;
            for (at, tag) in event.tags.iter().enumerate() {
                // Two spellings of one tag count once.
                if event.tags[..at].iter().any(|t| t.slug() == tag.slug()) {
                    continue;
                }
                tags.entry(tag.slug()).or_insert((tag.name(), 0)).1 += 1;
            }
        }
        let mut years: Vec<(i32, usize)> = years.into_iter().collect();
        years.sort_unstable();
        let mut tags: Vec<(String, String, usize)> = tags
            .into_iter()
            .map(|(slug, (name, count))| (slug.to_string(), name.to_string(), count))
            .collect();
        tags.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        Navigation { years, tags }
    }

    /// Each tag's slug and name shown (its first spelling met), sorted by slug, as
    /// [`super::site::tags_by_slug`] orders and names them.
    pub fn tags(&self) -> impl Iterator<Item = (&str, &str)> {
        self.tags
            .iter()
            .map(|(slug, name, _)| (slug.as_str(), name.as_str()))
    }
}

/// Writes one timeline page.
pub fn render_page(
    site: &Site,
    view: &View,
    page: Page,
    w: &mut dyn Write,
) -> Result<(), RenderError> {
    render_page_with(site, view, page, None, w)
}

/// [`render_page`], taking the HTML of the events `shared` holds out of it: each is dropped
/// once its body is in the page's data, so the page does not hold two copies of it.
pub fn render_page_with(
    site: &Site,
    view: &View,
    page: Page,
    shared: Option<&mut SharedHtml>,
    w: &mut dyn Write,
) -> Result<(), RenderError> {
    try_render_page(site, view, page, shared, w).map_err(RenderError::Template)
}

/// [`render_page_with`], failing with the template's own error, which names the template and
/// line (and the inner errors of the templates it includes), for `check` to locate.
pub fn try_render_page(
    site: &Site,
    view: &View,
    page: Page,
    shared: Option<&mut SharedHtml>,
    w: &mut dyn Write,
) -> Result<(), minijinja::Error> {
    // The typed context is dropped once converted: only the template's copy stays while the
    // page is written, straight into `w`.
    let context = Value::from(Serde(&page_context(site, view, page, shared, None)));
    site.templates.render_page(context, w)
}

/// [`render_page_with`], recording where each event's article lies in the page, and taking
/// the articles `recorder` holds from the page before, through `w` (see
/// [`super::page_layout`]). Returns
/// the page's layout, or `None` if its articles could not be placed. Only for templates
/// whose articles are pure (see [`crate::templates::Templates::articles_are_pure`]).
pub fn render_page_recorded(
    site: &Site,
    view: &View,
    page: Page,
    shared: Option<&mut SharedHtml>,
    recorder: &Arc<ArticleRecorder>,
    w: &mut dyn PageSink,
) -> Result<Option<PageLayout>, RenderError> {
    let mut marked = MarkedWriter::new(w);
    let context = Value::from(Serde(&page_context(
        site,
        view,
        page,
        shared,
        Some(recorder),
    )));
    site.templates
        .render_page(context, &mut marked)
        .map_err(RenderError::Template)?;
    Ok(recorder.layout(&marked))
}

/// The page's data, as the templates see it (documented in `docs/page.md`).
#[derive(Debug, Serialize)]
struct PageContext<'a> {
    site: SiteInfo<'a>,
    page: PageInfo,
    feeds: Feeds,
    years: Vec<YearLink>,
    tags: Vec<TagLink>,
    /// On the page of every tag and the subscribe page: each tag with its feeds.
    every_tag: Vec<TagSubscription>,
    /// The page of every tag, relative to this page, when the collection has tags.
    tags_page: Option<String>,
    /// The subscribe page, relative to this page.
    subscribe_page: String,
    /// The subscription list of every feed (`feeds.opml`), absolute.
    subscription_list: String,
    groups: Vec<YearGroup>,
    /// The corrections log's entries, newest first (on its page only; else empty).
    corrections: Vec<LogItem>,
    /// How many events the page shows, and how many its view holds.
    shown: usize,
    total: usize,
    generator: String,
}

#[derive(Debug, Serialize)]
struct SiteInfo<'a> {
    title: &'a str,
    description: &'a str,
    language: &'a str,
    author: &'a str,
    /// The front page, relative to this page.
    home: String,
    /// When the page's events last changed (the newest entry `updated` of its view), as a day
    /// in the collection's time zone.
    updated: Moment,
    /// The corrections log's page, relative to this page, when the collection has one.
    corrections: Option<String>,
}

#[derive(Debug, Serialize)]
struct PageInfo {
    /// `front`, `year`, `tag`, `tags`, `subscribe` or `corrections`.
    kind: &'static str,
    /// The document title.
    title: String,
    /// The page's main heading.
    heading: String,
    description: String,
    /// This page's absolute URL.
    url: String,
    /// The site root, relative to this page: `""` or `../../`.
    root: String,
    year: Option<i32>,
    tag: Option<String>,
}

/// Absolute links to a view's feeds and calendar.
#[derive(Debug, Serialize)]
struct Feeds {
    rss: String,
    atom: String,
    json: String,
    /// The calendar under its readable name (see [`super::site::readable_calendar_path`]),
    /// which clients that ignore the calendar's own name show, or `calendar.ics` when it has
    /// none.
    calendar: String,
    /// The calendar as `webcal://`, which calendar applications open as a subscription.
    webcal: String,
    /// Whether these are one tag's feeds rather than the whole collection's.
    tag: bool,
    /// Whether these are the corrections log's feeds (which have no calendar: `calendar` and
    /// `webcal` are empty).
    corrections: bool,
}

/// One entry of the corrections log's page.
#[derive(Debug, Serialize)]
struct LogItem {
    /// An anchor for the entry: `<event id>:correction-<n>`, n from 1 for the event's oldest,
    /// so an anchor stays when a newer correction is added (`:` is in no event id nor page
    /// anchor).
    anchor: String,
    /// The correction's day, as under the event.
    date: Moment,
    /// The corrected event's title.
    title: String,
    /// The event on its year page, relative to this page.
    permalink: String,
    /// Safe HTML, sanitised when rendered from Markdown.
    note: Value,
}

#[derive(Debug, Serialize)]
struct YearLink {
    year: i32,
    href: String,
    count: usize,
    current: bool,
}

#[derive(Debug, Serialize)]
struct TagLink {
    name: String,
    href: String,
    count: usize,
}

/// A tag on the page of every tag: its page, its count and its feeds.
#[derive(Debug, Serialize)]
struct TagSubscription {
    name: String,
    href: String,
    count: usize,
    feeds: Feeds,
}

#[derive(Debug, Serialize)]
struct YearGroup {
    year: i32,
    /// The year page, relative to this page.
    href: String,
    months: Vec<MonthGroup>,
}

#[derive(Debug, Serialize)]
struct MonthGroup {
    /// An anchor for the month: `month-2025-09`, or `sometime-2025` for events known only by
    /// year (`year-2025` is the year's own heading).
    anchor: String,
    /// "September 2025", or "Sometime in 2025" for events known only by year.
    name: String,
    /// The month's name alone ("September"), or "Sometime" for events known only by year.
    short: String,
    /// Each an [`EventObject`] made from an [`EventItem`].
    events: Vec<Value>,
}

/// A date for people and for machines.
#[derive(Debug, Serialize)]
struct Moment {
    /// "3 September 2025, 12:00 CST", "March 2025", "2025"; the start of a period only as much
    /// as its end does not say ("10" of "10–12 September 2025").
    text: String,
    /// ISO 8601 at the same precision, for `<time datetime>`.
    iso: String,
}

impl Moment {
    fn of(when: &When) -> Self {
        Moment {
            text: when.to_string(),
            iso: when.iso(),
        }
    }
}

#[derive(Debug, Serialize)]
struct EventItem {
    id: String,
    title: String,
    date: Moment,
    /// The last day or moment of a period, when it is not the date itself.
    end: Option<RangeEnd>,
    /// Month or year precision: the day is not known.
    reduced: bool,
    /// `confirmed`, `tentative`, `cancelled` or `retracted`.
    status: &'static str,
    location: Option<String>,
    tags: Vec<TagLink>,
    /// Safe HTML, sanitised when rendered from Markdown.
    body: Value,
    sources: Vec<SourceItem>,
    /// Newest first, each dated.
    corrections: Vec<CorrectionItem>,
    /// A retracted event's note, as safe HTML (sanitised when rendered from Markdown).
    retraction: Option<Value>,
    /// The event on its year page, relative to this page (`#<id>` on the year page itself).
    permalink: String,
    /// The absolute permanent link, as in the feeds.
    url: String,
}

/// The end of a period, written as [`When::period`] writes it ("12 September 2025" of
/// "10–12 September 2025", "14:00 CST" of a meeting from 12:00).
#[derive(Debug, Serialize)]
struct RangeEnd {
    /// What stands between the start and the end: "–" or " – ".
    dash: &'static str,
    text: String,
    /// ISO 8601 at the written precision, for `<time datetime>`.
    iso: String,
}

/// One correction of an event, as the templates see it.
#[derive(Debug, Serialize)]
struct CorrectionItem {
    /// "4 September 2025" (the day in the offset the correction was written with), and the
    /// instant in RFC 3339 for `<time datetime>`.
    date: Moment,
    /// Safe HTML, sanitised when rendered from Markdown.
    note: Value,
}

#[derive(Debug, Serialize)]
struct SourceItem {
    title: String,
    url: String,
    publisher: Option<String>,
    date: Option<Moment>,
}

fn page_context<'a>(
    site: &'a Site,
    view: &View,
    page: Page,
    shared: Option<&mut SharedHtml>,
    recorder: Option<&Arc<ArticleRecorder>>,
) -> PageContext<'a> {
    let settings = &site.collection.settings;
    // The page's own date, so a page changes only when its events do.
    let updated = site.view_updated(view);
    let root = "../".repeat(view.home_path.matches('/').count());
    let tag = match page {
        Page::Tag => tag_name(site, view),
        _ => None,
    };
    let (kind, heading, title, description) = match page {
        Page::Front => (
            "front",
            settings.title.clone(),
            settings.title.clone(),
            settings.description.clone(),
        ),
        Page::Year(year) => (
            "year",
            format!("{year}"),
            view.title.clone(),
            format!("Events of {year} in {}", settings.title),
        ),
        Page::Tag => (
            "tag",
            tag.clone().unwrap_or_default(),
            view.title.clone(),
            view.description.clone(),
        ),
        Page::Tags => (
            "tags",
            "Tags".to_string(),
            view.title.clone(),
            view.description.clone(),
        ),
        Page::Subscribe => (
            "subscribe",
            "Subscribe".to_string(),
            view.title.clone(),
            view.description.clone(),
        ),
        Page::Corrections => (
            "corrections",
            "Corrections".to_string(),
            view.title.clone(),
            view.description.clone(),
        ),
    };
    // The year pages offer the collection's feeds; a tag page and the corrections log their
    // own.
    let feeds_home = if matches!(page, Page::Tag | Page::Corrections) {
        view.home_path.as_str()
    } else {
        ""
    };
    let events = shown_events(view, page);
    let nav = &site.navigation;
    let current_year = match page {
        Page::Year(year) => Some(year),
        _ => None,
    };
    let tags = if page == Page::Front {
        most_used_tags(nav, &root)
    } else {
        Vec::new()
    };
    let every_tag = if matches!(page, Page::Tags | Page::Subscribe) {
        every_tag(site, &root)
    } else {
        Vec::new()
    };
    let tags_page = (!nav.tags.is_empty()).then(|| page_link(&root, "tags/"));
    PageContext {
        site: SiteInfo {
            title: &settings.title,
            description: &settings.description,
            language: &settings.language,
            author: &settings.author,
            home: page_link(&root, ""),
            updated: Moment::of(&When::Date(
                updated.with_timezone(&settings.timezone).date_naive(),
            )),
            corrections: site
                .has_corrections
                .then(|| page_link(&root, super::corrections::HOME)),
        },
        page: PageInfo {
            kind,
            title,
            heading,
            description,
            url: site.url(&view.home_path),
            root: root.clone(),
            year: current_year,
            tag,
        },
        feeds: feeds(site, feeds_home, page),
        years: nav
            .years
            .iter()
            .map(|&(year, count)| YearLink {
                year,
                href: page_link(&root, &format!("years/{year:04}/")),
                count,
                current: current_year == Some(year),
            })
            .collect(),
        tags,
        every_tag,
        tags_page,
        subscribe_page: page_link(&root, super::site::SUBSCRIBE_HOME),
        subscription_list: site.url(super::site::OPML_FILE),
        shown: events.len(),
        total: view.events.len(),
        groups: group_by_year_and_month(site, &events, &root, current_year, shared, recorder),
        corrections: if page == Page::Corrections {
            log_items(site, view, &root)
        } else {
            Vec::new()
        },
        generator: format!("chronicle {}", env!("CARGO_PKG_VERSION")),
    }
}

/// The tag's name as first written, found from the view's directory (`tags/<slug>/`); for a
/// filtered subscription of `serve` (`feeds/<slug>+<slug>/`), its tags' names.
fn tag_name(site: &Site, view: &View) -> Option<String> {
    let name = |slug: &str| {
        let tags = &site.navigation.tags;
        tags.binary_search_by(|(s, _, _)| s.as_str().cmp(slug))
            .ok()
            .map(|found| tags[found].1.clone())
    };
    if let Some(slugs) = view.home_path.strip_prefix("feeds/") {
        let names: Option<Vec<String>> = slugs.trim_end_matches('/').split('+').map(name).collect();
        return names.map(|names| names.join(", "));
    }
    name(view.home_path.strip_prefix("tags/")?.trim_end_matches('/'))
}

/// The events a page shows, chronological: every event on a year page, the newest ones
/// elsewhere (the view's events are chronological, so the newest are its tail).
pub fn shown_events(view: &View, page: Page) -> Vec<usize> {
    let limit = match page {
        Page::Year(_) => usize::MAX,
        Page::Front => FRONT_PAGE_EVENTS,
        Page::Tag => TAG_PAGE_EVENTS,
        // They list tags and links, not events.
        Page::Tags | Page::Subscribe => 0,
        // The log lists corrections, not events.
        Page::Corrections => 0,
    };
    let skip = view.events.len().saturating_sub(limit);
    view.events[skip..].to_vec()
}

/// A link from a page to the page of the folder `dir` (`""` for the front page), through
/// `root` (the way up to the site's root): to its `index.html`, not the folder, so the links
/// also work in a built site opened from the disk (`file://`), where a folder is not its index.
/// Feeds keep the folder form in their permalinks: they are read over HTTP only.
fn page_link(root: &str, dir: &str) -> String {
    format!("{root}{dir}{PAGE_FILE}")
}

/// Every tag, in the order of their names, for the page of every tag.
fn every_tag(site: &Site, root: &str) -> Vec<TagSubscription> {
    let mut tags: Vec<TagSubscription> = site
        .navigation
        .tags
        .iter()
        .map(|(slug, name, count)| {
            let home = format!("tags/{slug}/");
            TagSubscription {
                name: name.clone(),
                href: page_link(root, &home),
                count: *count,
                feeds: feeds(site, &home, Page::Tag),
            }
        })
        .collect();
    tags.sort_by(|a, b| (a.name.to_lowercase(), &a.name).cmp(&(b.name.to_lowercase(), &b.name)));
    tags
}

fn most_used_tags(nav: &Navigation, root: &str) -> Vec<TagLink> {
    let mut tags: Vec<&(String, String, usize)> = nav.tags.iter().collect();
    tags.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    tags.truncate(FRONT_PAGE_TAGS);
    tags.sort_by_key(|(_, name, _)| name.to_lowercase());
    tags.into_iter()
        .map(|(slug, name, count)| TagLink {
            name: name.clone(),
            href: page_link(root, &format!("tags/{slug}/")),
            count: *count,
        })
        .collect()
}

fn feeds(site: &Site, home: &str, page: Page) -> Feeds {
    let url = |format: Format| site.url(&format!("{home}{}", format.file_name()));
    let corrections = page == Page::Corrections;
    let (calendar, webcal) = if corrections {
        (String::new(), String::new())
    } else {
        let calendar = match readable_calendar_path(&site.collection.settings.title, home) {
            Some(path) => site.url(&path),
            None => url(Format::Ical),
        };
        let webcal = webcal_url(&calendar);
        (calendar, webcal)
    };
    Feeds {
        rss: url(Format::Rss),
        atom: url(Format::Atom),
        json: url(Format::JsonFeed),
        calendar,
        webcal,
        tag: page == Page::Tag,
        corrections,
    }
}

/// The corrections log's entries for its page, newest first.
fn log_items(site: &Site, view: &View, root: &str) -> Vec<LogItem> {
    super::corrections::log_entries(site, view)
        .into_iter()
        .filter_map(|entry| {
            let event = &site.events()[entry.index];
            let correction = event.corrections.get(entry.n)?;
            let year = event.date.year();
            Some(LogItem {
                anchor: format!(
                    "{}:correction-{}",
                    event.id,
                    event.corrections.len() - entry.n
                ),
                date: Moment {
                    text: body::correction_day(correction),
                    iso: correction.date.to_rfc3339(),
                },
                title: event.title.clone(),
                permalink: format!(
                    "{}#{}",
                    page_link(root, &format!("years/{year:04}/")),
                    event.id
                ),
                note: Value::from_safe_string(body::correction_html(
                    event,
                    entry.n,
                    &site.link_base,
                )),
            })
        })
        .collect()
}

/// The calendar's URL with its `http(s)` scheme replaced by `webcal`, which browsers hand to
/// the calendar application as a subscription (the de facto scheme; no RFC defines it).
fn webcal_url(calendar: &str) -> String {
    match calendar.split_once("://") {
        Some((_, rest)) => format!("webcal://{rest}"),
        None => calendar.to_string(),
    }
}

/// Groups events by the year and month they start in (in their own zone), both ascending;
/// events known only by year come first in their year. Each group keeps chronological order.
fn group_by_year_and_month(
    site: &Site,
    events: &[usize],
    root: &str,
    current_year: Option<i32>,
    mut shared: Option<&mut SharedHtml>,
    recorder: Option<&Arc<ArticleRecorder>>,
) -> Vec<YearGroup> {
    let link_base: Arc<str> = Arc::from(site.link_base.as_str());
    let page_root: Arc<str> = Arc::from(root);
    // Month 0 holds the events known only by year.
    let mut groups: BTreeMap<i32, BTreeMap<u32, Vec<usize>>> = BTreeMap::new();
    for &index in events {
        let event = &site.events()[index];
        let month = match event.date {
            When::Year(_) => 0,
            _ => chrono::Datelike::month(&event.date.first_day()),
        };
        groups
            .entry(event.date.year())
            .or_default()
            .entry(month)
            .or_default()
            .push(index);
    }
    groups
        .into_iter()
        .map(|(year, months)| YearGroup {
            year,
            href: page_link(root, &format!("years/{year:04}/")),
            months: months
                .into_iter()
                .map(|(month, indices)| MonthGroup {
                    anchor: if month == 0 {
                        format!("sometime-{year:04}")
                    } else {
                        format!("month-{year:04}-{month:02}")
                    },
                    name: match month {
                        0 => format!("Sometime in {year}"),
                        m => When::Month(year, m).to_string(),
                    },
                    short: match month {
                        0 => "Sometime".to_string(),
                        m => month_name(m),
                    },
                    events: indices
                        .into_iter()
                        .map(|index| {
                            let event = Arc::clone(&site.events()[index]);
                            let body = shared
                                .as_deref_mut()
                                .and_then(|shared| shared.take(index))
                                .map(|html| html.body_str().to_string());
                            let (link_base, root) =
                                (Arc::clone(&link_base), Arc::clone(&page_root));
                            let of = Arc::clone(&event);
                            EventObject::lazy(event, recorder.cloned(), move || {
                                let item = event_item(&of, &link_base, &root, current_year, body);
                                Value::from(Serde(&item))
                            })
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect()
}

/// The event's fields for the templates; `body` its body's HTML if already rendered.
fn event_item(
    event: &Event,
    link_base: &str,
    root: &str,
    current_year: Option<i32>,
    body: Option<String>,
) -> EventItem {
    let year = event.date.year();
    let permalink = if current_year == Some(year) {
        format!("#{}", event.id)
    } else {
        format!(
            "{}#{}",
            page_link(root, &format!("years/{year:04}/")),
            event.id
        )
    };
    let body =
        body.unwrap_or_else(|| body::markdown_html(&event.body.text(), link_base, &event.id));
    let period = event.date.period(event.end.as_ref());
    EventItem {
        id: event.id.clone(),
        title: event.title.clone(),
        date: Moment {
            text: period.start,
            iso: event.date.iso(),
        },
        end: event
            .end
            .zip(period.end)
            .map(|(end, (dash, text))| RangeEnd {
                dash,
                text,
                iso: end.iso(),
            }),
        reduced: event.date.is_reduced(),
        status: event.status.as_str(),
        location: event.location.clone(),
        tags: event
            .tags
            .iter()
            .map(|tag| TagLink {
                name: tag.name().to_string(),
                href: page_link(root, &format!("tags/{}/", tag.slug())),
                count: 0,
            })
            .collect(),
        body: Value::from_safe_string(body),
        sources: event
            .sources
            .iter()
            .map(|source| SourceItem {
                title: source.title.clone(),
                url: source.url.to_string(),
                publisher: source.publisher.clone(),
                date: source.date.as_ref().map(Moment::of),
            })
            .collect(),
        corrections: event
            .corrections
            .iter()
            .enumerate()
            .map(|(n, correction)| CorrectionItem {
                date: Moment {
                    text: body::correction_day(correction),
                    iso: correction.date.to_rfc3339(),
                },
                note: Value::from_safe_string(body::correction_html(event, n, link_base)),
            })
            .collect(),
        retraction: event.retraction.as_ref().map(|note| {
            Value::from_safe_string(body::markdown_html(
                note,
                link_base,
                &format!("{}:retraction", event.id),
            ))
        }),
        permalink,
        url: super::permalink(link_base, event),
    }
}

/// "September": the month's English name, as `When`'s `Display` writes it.
fn month_name(month: u32) -> String {
    u8::try_from(month)
        .ok()
        .and_then(|m| chrono::Month::try_from(m).ok())
        .map_or_else(|| month.to_string(), |m| m.name().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webcal_replaces_either_scheme() {
        for (url, webcal) in [
            (
                "https://example.org/t/calendar.ics",
                "webcal://example.org/t/calendar.ics",
            ),
            (
                "http://127.0.0.1:8080/calendar.ics",
                "webcal://127.0.0.1:8080/calendar.ics",
            ),
        ] {
            assert_eq!(webcal_url(url), webcal);
        }
    }

    #[test]
    fn pages_show_a_bounded_tail_of_their_view() {
        let view = View {
            title: String::new(),
            description: String::new(),
            home_path: String::new(),
            events: (0..1000).collect(),
        };
        assert_eq!(
            shown_events(&view, Page::Front),
            (900..1000).collect::<Vec<_>>()
        );
        assert_eq!(shown_events(&view, Page::Tag).len(), TAG_PAGE_EVENTS);
        assert_eq!(shown_events(&view, Page::Year(2025)).len(), 1000);
    }
}
