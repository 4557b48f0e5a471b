//! Archived feeds (RFC 5005 §4): the collection's RSS and Atom subscription documents hold the
//! newest `feed_limit` entries, and link (`prev-archive`) to archive documents that together
//! hold every older entry exactly once, so feeds stay small while history stays complete.
//!
//! Layout: every entry of the collection, ordered oldest first by publication (the exact
//! reverse of the feeds' newest-first order, so the subscription document's entries are the
//! last ones), minus the `feed_limit` newest, is cut into pages of `feed_limit` entries,
//! numbered from 1 for the oldest: `archive/rss-<n>.xml` and `archive/atom-<n>.xml`. A new
//! entry (published after the others) pushes the subscription document's oldest entry onto the
//! newest page, so a page, once full, keeps its entries (RFC 5005 §4: an archive document's
//! entries should not change), and its `updated` comes from them (never the build's "now").
//! Links point only at documents that exist: the newest page has no `next-archive`, full or
//! not, so the full newest page gains one when the next entry creates the page after it, its
//! only change. Only the newest page may be partial, and it grows.
//! An entry published with an older date than existing ones, or an edit, changes the pages it
//! lands on, as it should.
//!
//! Only the collection-wide feeds are archived: a tag's complete history is in its calendar,
//! and archiving every tag would multiply the files written by the number of tags.
//!
//! Pure: no I/O, no clock.

use std::borrow::Cow;
use std::io::Write;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::site::{collection_view, Format, Output, View};
use super::{atom, rss, RenderError, Site};
use crate::model::Collection;

/// The feed history namespace (RFC 5005 §2).
pub const HISTORY_NAMESPACE: &str = "http://purl.org/syndication/history/1.0";

/// How many archive pages a collection of `events` entries has with `limit` per document.
pub fn page_count(events: usize, limit: usize) -> usize {
    if limit == 0 || events <= limit {
        0
    } else {
        (events - limit).div_ceil(limit)
    }
}

/// The path of an RSS archive page.
pub fn rss_path(page: usize) -> String {
    format!("archive/rss-{page}.xml")
}

/// The path of an Atom archive page.
pub fn atom_path(page: usize) -> String {
    format!("archive/atom-{page}.xml")
}

/// The newest archive page of `view`, which its subscription document links to as
/// `prev-archive`; `None` when the view is not the whole collection or has nothing archived.
pub fn newest_page(site: &Site, view: &View) -> Option<usize> {
    let events = site.events().len();
    let whole = view.home_path.is_empty() && view.events.len() == events;
    let pages = page_count(events, site.collection.settings.feed_limit);
    (whole && pages > 0).then_some(pages)
}

/// The archive page after `page`, which it links as `next-archive`: `None` for the newest page,
/// full or not, as links point only at documents that exist (RFC 5005 §4).
pub fn next_page(site: &Site, page: usize) -> Option<usize> {
    let pages = page_count(site.events().len(), site.collection.settings.feed_limit);
    (page < pages).then_some(page + 1)
}

/// The archive pages as outputs, oldest page first, RSS then Atom for each. Each page's view
/// lists its entries newest first, as the feeds do.
pub fn outputs(collection: &Collection) -> Vec<Output> {
    let limit = collection.settings.feed_limit;
    let events = &collection.events;
    let pages = page_count(events.len(), limit);
    if pages == 0 {
        return Vec::new();
    }
    // The feeds' order, each key made once (not twice a comparison); unique, as ids are.
    let mut newest_first: Vec<_> = events
        .iter()
        .enumerate()
        .map(|(index, event)| (super::feed_order_key(event), index))
        .collect();
    newest_first.sort_unstable();
    // The exact reverse of the feeds' order.
    let oldest_first: Vec<usize> = newest_first
        .iter()
        .rev()
        .take(events.len() - limit)
        .map(|&(_, index)| index)
        .collect();
    let whole = collection_view(collection);
    oldest_first
        .chunks(limit)
        .enumerate()
        .flat_map(|(i, chunk)| {
            let view = Arc::new(View {
                title: whole.title.clone(),
                description: whole.description.clone(),
                home_path: String::new(),
                events: chunk.iter().rev().copied().collect(),
            });
            let page = i + 1;
            [
                Output {
                    path: rss_path(page),
                    format: Format::RssArchive(page),
                    view: Arc::clone(&view),
                },
                Output {
                    path: atom_path(page),
                    format: Format::AtomArchive(page),
                    view,
                },
            ]
        })
        .collect()
}

/// The page's `updated`: the newest `updated` of its own entries.
fn page_updated(site: &Site, view: &View) -> DateTime<Utc> {
    view.events
        .iter()
        .map(|&i| site.entry_updated[i])
        .max()
        .unwrap_or(site.now)
}

/// The (rel, path) links of archive page `page` besides `self`, each to a document that exists.
fn page_links(
    site: &Site,
    page: usize,
    path: fn(usize) -> String,
    current: &str,
) -> Vec<(&'static str, String)> {
    let mut links = vec![("current", current.to_string())];
    if page > 1 {
        links.push(("prev-archive", path(page - 1)));
    }
    if let Some(next) = next_page(site, page) {
        links.push(("next-archive", path(next)));
    }
    links
}

/// Writes RSS archive page `page`: `entries` are the view's, each with its HTML (see
/// [`Site::entries_with_html`]; `build` renders them once for both documents of a page).
pub fn render_rss_archive(
    site: &Site,
    view: &View,
    page: usize,
    entries: &[(usize, Cow<'_, str>)],
    w: &mut dyn Write,
) -> Result<(), RenderError> {
    let links = page_links(site, page, rss_path, &view.path(Format::Rss))
        .into_iter()
        .map(|(rel, path)| rss::atom_link(rel, site.url(&path)))
        .collect();
    let mut channel = rss::channel(
        site,
        view,
        entries,
        &rss_path(page),
        links,
        page_updated(site, view),
    );
    channel
        .namespaces
        .insert("fh".to_string(), HISTORY_NAMESPACE.to_string());
    channel
        .extensions
        .entry("fh".to_string())
        .or_default()
        .insert("archive".to_string(), vec![rss_archive_element()]);
    rss::write_channel(&channel, w)
}

fn rss_archive_element() -> ::rss::extension::Extension {
    ::rss::extension::Extension {
        name: "fh:archive".to_string(),
        ..Default::default()
    }
}

/// Writes Atom archive page `page`, as [`render_rss_archive`] does the RSS one.
pub fn render_atom_archive(
    site: &Site,
    view: &View,
    page: usize,
    entries: &[(usize, Cow<'_, str>)],
    w: &mut dyn Write,
) -> Result<(), RenderError> {
    let links = page_links(site, page, atom_path, &view.path(Format::Atom))
        .into_iter()
        .map(|(rel, path)| atom::feed_link(rel, site.url(&path)))
        .collect();
    let mut feed = atom::feed(
        site,
        view,
        entries,
        &atom_path(page),
        links,
        page_updated(site, view),
    );
    feed.namespaces
        .insert("fh".to_string(), HISTORY_NAMESPACE.to_string());
    feed.extensions.entry("fh".to_string()).or_default().insert(
        "archive".to_string(),
        vec![atom_syndication::extension::Extension {
            name: "fh:archive".to_string(),
            ..Default::default()
        }],
    );
    atom::write_feed(&feed, w)
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashSet};
    use std::fmt::Write as _;
    use std::path::Path;

    use super::*;
    use crate::render::{self, Site};

    const BASE: &str = "https://example.org/t/";

    /// A collection of `count` events, event n published on day n, with feeds of 5 entries.
    fn collection(dir: &Path, count: usize) -> Collection {
        std::fs::create_dir_all(dir).expect("folder");
        std::fs::write(
            dir.join("chronicle.toml"),
            format!("title = \"T\"\nbase_url = \"{BASE}\"\nfeed_limit = 5\n"),
        )
        .expect("settings");
        for n in 0..count {
            let mut text = String::new();
            let day = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).expect("a date")
                + chrono::Duration::days(i64::try_from(n).expect("small"));
            let _ = write!(
                text,
                "+++\ntitle = \"Event {n}\"\ndate = {day}\npublished = {day}T12:00:00Z\n+++\nBody {n}\n"
            );
            std::fs::write(dir.join(format!("e{n:03}.md")), text).expect("event");
        }
        let checked = crate::check::check_collection(dir, render::covering::render_covering_pages)
            .expect("readable");
        checked.collection.expect("valid")
    }

    fn build(collection: &Collection) -> BTreeMap<String, Vec<u8>> {
        let site = Site::new(collection, BASE, None);
        render::outputs(collection)
            .iter()
            .map(|o| {
                (
                    o.path.clone(),
                    render::render_to_vec(&site, o).expect("rendered"),
                )
            })
            .collect()
    }

    /// Follows `prev-archive` from `start`, returning every entry id met, in order.
    fn walk(files: &BTreeMap<String, Vec<u8>>, start: &str) -> Vec<String> {
        let mut ids = Vec::new();
        let mut path = Some(start.to_string());
        let mut visited = HashSet::new();
        while let Some(current) = path.take() {
            assert!(visited.insert(current.clone()), "{current} visited twice");
            let bytes = files
                .get(&current)
                .unwrap_or_else(|| panic!("{current} exists"));
            let feed = feed_rs::parser::parse(bytes.as_slice()).expect("a valid feed");
            ids.extend(feed.entries.iter().map(|e| e.id.clone()));
            path = feed
                .links
                .iter()
                .find(|l| l.rel.as_deref() == Some("prev-archive"))
                .map(|l| {
                    l.href
                        .strip_prefix(BASE)
                        .expect("a link inside the site")
                        .to_string()
                });
        }
        ids
    }

    #[test]
    fn page_counts() {
        assert_eq!(page_count(0, 5), 0);
        assert_eq!(page_count(5, 5), 0);
        assert_eq!(page_count(6, 5), 1);
        assert_eq!(page_count(10, 5), 1);
        assert_eq!(page_count(11, 5), 2);
    }

    #[test]
    fn prev_archive_visits_every_entry_once() {
        let tmp = tempfile::tempdir().expect("temporary directory");
        let collection = collection(tmp.path(), 23);
        let files = build(&collection);
        // 23 entries, 5 in the feed: 18 archived in pages of 5, 5, 5 and 3.
        assert!(files.contains_key("archive/rss-4.xml"));
        assert!(!files.contains_key("archive/rss-5.xml"));
        for start in ["rss.xml", "atom.xml"] {
            let ids = walk(&files, start);
            let unique: HashSet<&String> = ids.iter().collect();
            assert_eq!(ids.len(), 23, "{start}: {ids:?}");
            assert_eq!(unique.len(), 23, "{start}: an entry was met twice");
        }
        let page = String::from_utf8(files["archive/atom-2.xml"].clone()).expect("UTF-8");
        for expected in [
            "<fh:archive",
            "xmlns:fh=\"http://purl.org/syndication/history/1.0\"",
            "href=\"https://example.org/t/atom.xml\" rel=\"current\"",
            "href=\"https://example.org/t/archive/atom-1.xml\" rel=\"prev-archive\"",
            "href=\"https://example.org/t/archive/atom-3.xml\" rel=\"next-archive\"",
            // Page 2 holds entries 5..=9, so its updated is entry 9's.
            "<updated>2020-01-10T12:00:00+00:00</updated><author>",
        ] {
            assert!(page.contains(expected), "{expected} in {page}");
        }
    }

    #[test]
    fn full_pages_keep_their_entries_when_entries_arrive() {
        let tmp = tempfile::tempdir().expect("temporary directory");
        let before = build(&collection(&tmp.path().join("a"), 20));
        let after = build(&collection(&tmp.path().join("b"), 22));
        // 15 archived entries: three full pages; with 17, a fourth page starts.
        let pages: Vec<&String> = before
            .keys()
            .filter(|p| p.starts_with("archive/"))
            .collect();
        assert_eq!(pages.len(), 6);
        let entries = |bytes: &Vec<u8>| {
            let feed = feed_rs::parser::parse(bytes.as_slice()).expect("a valid feed");
            feed.entries.into_iter().map(|e| e.id).collect::<Vec<_>>()
        };
        for path in pages {
            assert_eq!(entries(&before[path]), entries(&after[path]), "{path}");
            // Only the newest page (3) changes: it now links to the page after it.
            if path.ends_with("-3.xml") {
                let added = path.replace("-3.xml", "-4.xml");
                let link = format!("{BASE}{added}");
                assert!(!String::from_utf8_lossy(&before[path]).contains(&link));
                assert!(String::from_utf8_lossy(&after[path]).contains(&link));
            } else {
                assert!(before[path] == after[path], "{path} changed");
            }
        }
        assert!(after.contains_key("archive/rss-4.xml"));
        assert!(before["rss.xml"] != after["rss.xml"]);
    }

    /// Every `prev-archive`, `next-archive` and `current` link of every feed document, as a
    /// path inside the site.
    fn archive_links(files: &BTreeMap<String, Vec<u8>>) -> Vec<(String, String, String)> {
        let mut links = Vec::new();
        for (path, bytes) in files {
            if !path.ends_with(".xml") {
                continue;
            }
            let feed = feed_rs::parser::parse(bytes.as_slice()).expect("a valid feed");
            for link in &feed.links {
                let rel = link.rel.clone().unwrap_or_default();
                if ["prev-archive", "next-archive", "current"].contains(&rel.as_str()) {
                    let target = link.href.strip_prefix(BASE).expect("inside the site");
                    links.push((path.clone(), rel, target.to_string()));
                }
            }
        }
        links
    }

    /// RFC 5005 §4: archive links point at documents that exist. The newest archive page, full
    /// or not, has no `next-archive` until a newer page exists.
    #[test]
    fn newest_full_archive_page_links_only_to_documents_that_exist() {
        let tmp = tempfile::tempdir().expect("temporary directory");
        // 20 entries, 5 in the feed: 15 archived, three full pages.
        let files = build(&collection(tmp.path(), 20));
        assert!(files.contains_key("archive/rss-3.xml"));
        assert!(!files.contains_key("archive/rss-4.xml"));
        let links = archive_links(&files);
        assert!(links.len() > 10, "{links:?}");
        for (from, rel, target) in &links {
            assert!(
                files.contains_key(target),
                "{from}: {rel} to {target}, which does not exist"
            );
        }
        for page in ["archive/rss-3.xml", "archive/atom-3.xml"] {
            assert!(
                !links
                    .iter()
                    .any(|(from, rel, _)| from == page && rel == "next-archive"),
                "{page} links next-archive"
            );
        }
        assert!(links.contains(&(
            "archive/atom-2.xml".to_string(),
            "next-archive".to_string(),
            "archive/atom-3.xml".to_string()
        )));
    }

    #[test]
    fn tag_feeds_and_filtered_views_have_no_archive() {
        let tmp = tempfile::tempdir().expect("temporary directory");
        let collection = collection(tmp.path(), 12);
        let site = Site::new(&collection, BASE, None);
        let mut view = crate::render::site::collection_view(&collection);
        assert_eq!(newest_page(&site, &view), Some(2));
        view.events.pop();
        assert_eq!(newest_page(&site, &view), None);
    }
}
