//! The timeline pages: built by `chronicle build` from a fixture, parsed with html5ever
//! (through `scraper`), checked for every event, anchor and subscribe link; every feed item's
//! link must resolve to an anchor on its year page; hostile text stays text; a collection's own
//! template replaces the default and a broken one is reported at its line.
//!
//! The browser test (`pages_render_in_chromium`) serves the built pages on 127.0.0.1 and loads
//! them in headless Chromium (Debian package `chromium`, installed by `.ci/install-tools.sh`);
//! it fails if Chromium is missing. Its screenshots are written to `target/test-artifacts/`.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chronicle::model::Collection;
use scraper::{Html, Selector};

const SAMPLE: &str = "events";
const PAGES: &str = "tests/fixtures/pages/events";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Builds a collection into a fresh folder with the real binary.
fn build(events: &str) -> tempfile::TempDir {
    build_at(events, "1767225600")
}

/// [`build`] with `SOURCE_DATE_EPOCH` set to `epoch`.
fn build_at(events: &str, epoch: &str) -> tempfile::TempDir {
    let out = tempfile::tempdir().expect("temp dir");
    let status = Command::new(env!("CARGO_BIN_EXE_chronicle"))
        .args(["build", "--quiet", "--events"])
        .arg(root().join(events))
        .arg("--out")
        .arg(out.path())
        .env("SOURCE_DATE_EPOCH", epoch)
        .status()
        .expect("run chronicle");
    assert!(status.success(), "chronicle build --events {events} failed");
    out
}

fn collection(events: &str) -> Collection {
    let checked = chronicle::check::check_collection(
        &root().join(events),
        chronicle::render::covering::render_covering_pages,
    )
    .expect("readable");
    checked.collection.expect("valid collection")
}

/// Parses a page, failing on any HTML parse error html5ever reports.
fn page(out: &Path, path: &str) -> Html {
    let text = std::fs::read_to_string(out.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
    let html = Html::parse_document(&text);
    assert!(
        html.errors.is_empty(),
        "{path} does not parse cleanly: {:?}",
        html.errors
    );
    html
}

fn select<'a>(html: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    let selector = Selector::parse(css).unwrap_or_else(|e| panic!("selector {css}: {e:?}"));
    html.select(&selector).collect()
}

fn text(element: &scraper::ElementRef) -> String {
    element
        .text()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn hrefs(html: &Html, css: &str) -> BTreeSet<String> {
    select(html, css)
        .iter()
        .filter_map(|a| a.value().attr("href").map(str::to_string))
        .collect()
}

/// The file name of the calendar of the view at `home` (`""` or `tags/<slug>/`) as pages
/// link it: its readable name, which holds the collection's title.
fn calendar_name(collection: &Collection, home: &str) -> String {
    let path = chronicle::render::site::readable_calendar_path(&collection.settings.title, home)
        .expect("the collection's title names its calendars");
    path.strip_prefix(home)
        .expect("beside the view's feeds")
        .to_string()
}

/// The subscribe links and autodiscovery of a page whose feeds live at `feeds` (absolute,
/// ending with `/`) and whose calendar is named `calendar` there.
fn assert_subscribe_links(html: &Html, path: &str, feeds: &str, calendar: &str) {
    let webcal = feeds.replacen("https://", "webcal://", 1);
    let links = hrefs(html, "a");
    for wanted in [
        format!("{feeds}rss.xml"),
        format!("{feeds}atom.xml"),
        format!("{feeds}feed.json"),
        format!("{feeds}{calendar}"),
        format!("{webcal}{calendar}"),
    ] {
        assert!(
            links.contains(&wanted),
            "{path}: no link to {wanted} in {links:?}"
        );
    }
    for (kind, file) in [
        ("application/rss+xml", "rss.xml"),
        ("application/atom+xml", "atom.xml"),
        ("application/feed+json", "feed.json"),
    ] {
        let found = hrefs(html, &format!("head link[rel=alternate][type=\"{kind}\"]"));
        assert_eq!(
            found,
            BTreeSet::from([format!("{feeds}{file}")]),
            "{path}: autodiscovery for {kind}"
        );
    }
}

#[test]
fn every_event_is_on_its_year_page_with_its_anchor() {
    for events in [SAMPLE, PAGES] {
        let collection = collection(events);
        let out = build(events);
        let base = &collection.settings.base_url;
        let years: BTreeSet<i32> = collection.events.iter().map(|e| e.date.year()).collect();
        for year in &years {
            let path = format!("years/{year:04}/index.html");
            let html = page(out.path(), &path);
            assert_subscribe_links(&html, &path, base, &calendar_name(&collection, ""));
            let on_page: Vec<_> = collection
                .events
                .iter()
                .filter(|e| e.date.year() == *year)
                .collect();
            assert_eq!(
                select(&html, "article.event").len(),
                on_page.len(),
                "{path}"
            );
            for event in on_page {
                let article = select(&html, &format!("article[id=\"{}\"]", event.id));
                assert_eq!(article.len(), 1, "{path}: anchor #{}", event.id);
                let title = select(&html, &format!("article[id=\"{}\"] .title", event.id));
                assert_eq!(text(&title[0]), title_shown(event), "{path}: #{}", event.id);
                let time = select(&html, &format!("article[id=\"{}\"] .when time", event.id));
                assert_eq!(
                    time[0].value().attr("datetime"),
                    Some(event.date.iso().as_str())
                );
                let period = event.date.period(event.end.as_ref());
                assert_eq!(text(&time[0]), period.start);
            }
        }
        // The front page: the events (all of them here), the years, the subscribe links.
        let html = page(out.path(), "index.html");
        assert_subscribe_links(&html, "index.html", base, &calendar_name(&collection, ""));
        assert_eq!(
            select(&html, "article.event").len(),
            collection.events.len()
        );
        let year_links = hrefs(&html, "nav.years a");
        for year in &years {
            assert!(
                year_links.contains(&format!("years/{year:04}/index.html")),
                "{year} in {year_links:?}"
            );
        }
    }
}

/// `tags/index.html` lists every tag, in the order of their names, with its count, its page
/// and its own calendar and feeds; every page links to it.
#[test]
fn the_page_of_every_tag_lists_each_with_its_subscriptions() {
    let collection = collection(PAGES);
    let out = build(PAGES);
    let base = &collection.settings.base_url;
    let views = chronicle::render::site::tag_views(&collection);
    let html = page(out.path(), "tags/index.html");
    let entries = select(&html, "ul.tag-index > li");
    assert_eq!(entries.len(), views.len());
    let mut names = Vec::new();
    for (entry, view) in entries.iter().zip({
        let mut sorted = views.clone();
        sorted.sort_by_key(|v| v.title.to_lowercase());
        sorted
    }) {
        let heading = scraper::Selector::parse("h2 a").unwrap();
        let link = entry.select(&heading).next().expect("the tag's page link");
        let slug = view.home_path.trim_start_matches("tags/");
        assert_eq!(
            link.value().attr("href"),
            Some(format!("../tags/{slug}index.html").as_str())
        );
        names.push(text(&link));
        let count = scraper::Selector::parse("h2 .count").unwrap();
        let count = text(&entry.select(&count).next().unwrap());
        let n = view.events.len();
        assert_eq!(count, format!("{n} event{}", if n == 1 { "" } else { "s" }));
        let links: BTreeSet<String> = entry
            .select(&scraper::Selector::parse("a").unwrap())
            .filter_map(|a| a.value().attr("href").map(str::to_string))
            .collect();
        let feeds = format!("{base}{}", view.home_path);
        let calendar = calendar_name(&collection, &view.home_path);
        for file in ["rss.xml", "atom.xml", "feed.json", &calendar] {
            assert!(
                links.contains(&format!("{feeds}{file}")),
                "{file} in {links:?}"
            );
        }
        let webcal = feeds.replacen("https://", "webcal://", 1);
        assert!(links.contains(&format!("{webcal}{calendar}")), "{links:?}");
    }
    let mut sorted = names.clone();
    sorted.sort_by_key(|n| n.to_lowercase());
    assert_eq!(names, sorted);
    for (path, link) in [
        ("index.html", "tags/index.html"),
        ("years/2025/index.html", "../../tags/index.html"),
        ("tags/index.html", "../tags/index.html"),
    ] {
        let html = page(out.path(), path);
        assert!(
            hrefs(&html, "nav.years a").contains(link),
            "{path} links {link}"
        );
    }
}

/// Every link from a page to another page of the site names a file, and its fragment an
/// element of that file: the built site opened from the disk (`file://`, where a folder is
/// not its `index.html`) has no broken link.
#[test]
fn every_link_between_pages_opens_a_file_from_the_disk() {
    for events in [SAMPLE, PAGES] {
        let out = build(events);
        let pages: Vec<PathBuf> = walkdir::WalkDir::new(out.path())
            .into_iter()
            .map(|entry| entry.unwrap().into_path())
            .filter(|path| path.extension().is_some_and(|e| e == "html"))
            .collect();
        assert!(pages.len() > 3, "{events}: {pages:?}");
        let mut checked = 0;
        for path in &pages {
            let relative = path.strip_prefix(out.path()).unwrap().to_str().unwrap();
            let html = page(out.path(), relative);
            for link in hrefs(&html, "a, link") {
                if link.contains(':') {
                    continue; // absolute: feeds, calendars, sources, canonical
                }
                let (file, fragment) = link.split_once('#').unwrap_or((&link, ""));
                let target = if file.is_empty() {
                    path.clone()
                } else {
                    path.parent().unwrap().join(file)
                };
                assert!(
                    target.is_file(),
                    "{events}/{relative}: {link} is not a file"
                );
                if !fragment.is_empty() {
                    let text = std::fs::read_to_string(&target).unwrap();
                    let target_page = Html::parse_document(&text);
                    assert_eq!(
                        select(&target_page, &format!("[id=\"{fragment}\"]")).len(),
                        1,
                        "{events}/{relative}: {link}"
                    );
                }
                checked += 1;
            }
        }
        assert!(checked > 20, "{events}: {checked} links");
    }
}

/// The title as the page shows it: with its status marker.
fn title_shown(event: &chronicle::model::Event) -> String {
    match event.status {
        chronicle::model::Status::Confirmed => event.title.clone(),
        chronicle::model::Status::Tentative => format!("{} Tentative", event.title),
        chronicle::model::Status::Cancelled => format!("{} Cancelled", event.title),
        chronicle::model::Status::Retracted => format!("{} Retracted", event.title),
    }
}

#[test]
fn tag_pages_list_their_events_and_their_own_feeds() {
    let collection = collection(PAGES);
    let out = build(PAGES);
    let base = &collection.settings.base_url;
    let views = chronicle::render::site::tag_views(&collection);
    assert!(!views.is_empty());
    for view in views {
        let path = format!("{}index.html", view.home_path);
        let html = page(out.path(), &path);
        assert_subscribe_links(
            &html,
            &path,
            &format!("{base}{}", view.home_path),
            &calendar_name(&collection, &view.home_path),
        );
        let ids: BTreeSet<String> = select(&html, "article.event")
            .iter()
            .filter_map(|a| a.value().attr("id").map(str::to_string))
            .collect();
        let expected: BTreeSet<String> = view
            .events
            .iter()
            .map(|&i| collection.events[i].id.clone())
            .collect();
        assert_eq!(ids, expected, "{path}");
    }
    // Every tag on an event links to its page, which exists.
    let html = page(out.path(), "years/2025/index.html");
    let tag_links = hrefs(&html, ".meta .tag a");
    assert!(
        tag_links.contains("../../tags/security/index.html"),
        "{tag_links:?}"
    );
    for link in tag_links {
        let target = out.path().join("years/2025").join(&link);
        assert!(target.is_file(), "tag link {link} has no page");
    }
}

#[test]
fn every_feed_item_link_resolves_to_an_anchor_on_its_year_page() {
    for events in [SAMPLE, PAGES] {
        let collection = collection(events);
        let out = build(events);
        let base = collection.settings.base_url.clone();
        let mut checked = 0;
        let mut feeds = vec!["rss.xml".to_string(), "atom.xml".into(), "feed.json".into()];
        for view in chronicle::render::site::tag_views(&collection) {
            feeds.push(format!("{}rss.xml", view.home_path));
        }
        for feed_path in feeds {
            let bytes = std::fs::read(out.path().join(&feed_path)).expect("feed written");
            let feed = feed_rs::parser::parse(bytes.as_slice())
                .unwrap_or_else(|e| panic!("{feed_path}: {e}"));
            assert!(!feed.entries.is_empty(), "{feed_path} has entries");
            for entry in feed.entries {
                let link = &entry.links.first().expect("item link").href;
                assert_anchor_exists(out.path(), &base, link);
                checked += 1;
            }
        }
        // The calendar's URL properties point at the same permalinks.
        let ics = std::fs::read(out.path().join("calendar.ics")).expect("calendar written");
        for calendar in ical::IcalParser::new(ics.as_slice()) {
            for event in calendar.expect("calendar parses").events {
                let url = event
                    .properties
                    .iter()
                    .find(|p| p.name == "URL")
                    .and_then(|p| p.value.clone())
                    .expect("VEVENT has a URL");
                assert_anchor_exists(out.path(), &base, &url);
                checked += 1;
            }
        }
        assert!(
            checked >= collection.events.len() * 3,
            "{events}: checked {checked} links"
        );
    }
}

fn assert_anchor_exists(out: &Path, base: &str, link: &str) {
    let relative = link
        .strip_prefix(base)
        .unwrap_or_else(|| panic!("{link} is not under {base}"));
    let (dir, anchor) = relative
        .split_once('#')
        .unwrap_or_else(|| panic!("{link} has no anchor"));
    assert!(dir.starts_with("years/") && dir.ends_with('/'), "{link}");
    let html = page(out, &format!("{dir}index.html"));
    assert_eq!(
        select(&html, &format!("article[id=\"{anchor}\"]")).len(),
        1,
        "{link}: no anchor on {dir}"
    );
}

#[test]
fn hostile_text_stays_text() {
    let out = build(PAGES);
    for path in [
        "index.html",
        "years/2025/index.html",
        "tags/security/index.html",
    ] {
        let raw = std::fs::read_to_string(out.path().join(path)).expect("page");
        let html = page(out.path(), path);
        assert!(
            select(&html, "script").is_empty(),
            "{path} has a script element"
        );
        assert!(
            select(&html, "img, b, i, em").is_empty(),
            "{path} has markup from event text"
        );
        assert!(
            !raw.contains("javascript:"),
            "{path} keeps a javascript: link"
        );
        let article = &select(&html, "article[id=\"hostile\"]")[0];
        assert_eq!(
            text(&select(&html, "article[id=\"hostile\"] .title")[0]),
            "<script>document.body.setAttribute('data-pwned', '1')</script> & <b>bold</b>"
        );
        let shown = text(article);
        for literal in [
            "<img src=x onerror=alert(1)>",
            "<i>tag</i>",
            "<script>alert(1)</script>",
            "<em>Publisher</em>",
        ] {
            assert!(
                shown.contains(literal),
                "{path}: {literal} not shown as text in {shown}"
            );
        }
        let source = hrefs(&html, "article[id=\"hostile\"] .sources a");
        assert_eq!(
            source,
            BTreeSet::from(["https://example.org/a?x=1&y=2".to_string()])
        );
        // Should anything slip through, the page's policy forbids scripts and other hosts.
        let policy = select(&html, "head meta[http-equiv=\"Content-Security-Policy\"]");
        assert!(
            policy[0]
                .value()
                .attr("content")
                .is_some_and(|c| c.starts_with("default-src 'none';")),
            "{path}: no content security policy"
        );
        // The collection's title is escaped in the head too.
        assert!(
            raw.contains("Pages &lt;fixture&gt; &amp; friends"),
            "{path}"
        );
    }
}

#[test]
fn statuses_ranges_and_precision_are_shown() {
    let out = build(PAGES);
    let html = page(out.path(), "years/2025/index.html");
    let badge = |id: &str| {
        select(&html, &format!("article[id=\"{id}\"] .badge"))
            .iter()
            .map(text)
            .collect::<Vec<_>>()
    };
    assert_eq!(badge("talks"), ["Tentative"]);
    assert_eq!(badge("cancelled"), ["Cancelled"]);
    assert!(badge("meeting").is_empty());
    let times = |id: &str| {
        select(&html, &format!("article[id=\"{id}\"] .when time"))
            .iter()
            .map(|t| {
                (
                    t.value().attr("datetime").unwrap_or("").to_string(),
                    text(t),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        times("talks"),
        [
            ("2025-09-10".to_string(), "10".to_string()),
            ("2025-09-12".to_string(), "12 September 2025".to_string())
        ]
    );
    assert_eq!(
        times("meeting"),
        [
            (
                "2025-09-03T12:00:00-06:00".to_string(),
                "3 September 2025, 12:00".to_string()
            ),
            (
                "2025-09-03T14:00:00-06:00".to_string(),
                "14:00 CST".to_string()
            )
        ]
    );
    assert_eq!(
        times("sometime-in-march"),
        [("2025-03".to_string(), "March 2025".to_string())]
    );
    let months: Vec<String> = select(&html, ".month-heading").iter().map(text).collect();
    assert_eq!(
        months,
        [
            "March 2025",
            "May 2025",
            "June 2025",
            "September 2025",
            "October 2025"
        ]
    );
    // 23:30 on 31 December in Mexico City is 2025 in UTC, but its page is 2024's.
    let html = page(out.path(), "years/2024/index.html");
    assert_eq!(select(&html, "article[id=\"december\"]").len(), 1);
    assert_eq!(
        times_of(&html, "sometime-in-2024"),
        [("2024".to_string(), "2024".to_string())]
    );
}

/// Issue 4, in the feeds: each entry's footnote links lead to its own notes, and no two entries
/// of a feed share an id.
#[test]
fn feed_entries_have_their_own_footnote_ids() {
    let out = build(PAGES);
    for feed_path in ["rss.xml", "atom.xml", "feed.json"] {
        let bytes = std::fs::read(out.path().join(feed_path)).expect("feed written");
        let feed =
            feed_rs::parser::parse(bytes.as_slice()).unwrap_or_else(|e| panic!("{feed_path}: {e}"));
        let mut ids = BTreeSet::new();
        let mut notes = 0;
        for entry in feed.entries {
            let body = entry
                .content
                .and_then(|c| c.body)
                .or_else(|| entry.summary.map(|s| s.content))
                .expect("entry HTML");
            let html = Html::parse_fragment(&body);
            let own: BTreeSet<String> = select(&html, "[id]")
                .iter()
                .filter_map(|e| e.value().attr("id").map(str::to_string))
                .collect();
            for link in hrefs(&html, "a[href^=\"#\"]") {
                assert!(
                    own.contains(&link[1..]),
                    "{feed_path}: {link} not in its entry"
                );
                notes += 1;
            }
            for id in own {
                assert!(ids.insert(id.clone()), "{feed_path}: id {id:?} twice");
            }
        }
        assert!(notes >= 2, "{feed_path}: only {notes} note links");
    }
}

/// Every page a build wrote, relative to `out`.
fn html_pages(out: &Path) -> Vec<String> {
    walkdir::WalkDir::new(out)
        .into_iter()
        .map(|entry| entry.expect("walkable"))
        .filter(|entry| entry.path().extension().is_some_and(|e| e == "html"))
        .map(|entry| {
            let relative = entry.path().strip_prefix(out).expect("below out");
            relative.to_string_lossy().replace('\\', "/")
        })
        .collect()
}

/// Issue 4: an event known only by year used its year's heading id (`year-2024`) as its group's
/// anchor, and two events' footnotes shared `id="1"`. Every other id is one an event cannot
/// take (see `check`).
#[test]
fn ids_are_unique_on_every_page() {
    for events in [SAMPLE, PAGES, CORRECTIONS] {
        let out = build(events);
        for path in html_pages(out.path()) {
            let html = page(out.path(), &path);
            let mut seen = BTreeSet::new();
            for element in select(&html, "[id]") {
                let id = element.value().attr("id").unwrap_or_default();
                assert!(
                    seen.insert(id.to_string()),
                    "{events} {path}: id {id:?} twice"
                );
                // Besides the events' articles and notes (and the corrections log's entries), only
                // ids `check` keeps events from.
                let event_own = element.value().name() == "article" || id.contains(':');
                assert!(
                    event_own || chronicle::templates::is_page_anchor(id),
                    "{events} {path}: id {id:?} is not known as one of the pages' own"
                );
            }
        }
    }
}

/// The "when" line of each event, as read: issue reports of ranges written out in full on both
/// sides, and of times shown in the collection's zone rather than at their written offset.
#[test]
fn dates_read_as_a_newspaper_writes_them() {
    let out = build(PAGES);
    let html = page(out.path(), "years/2025/index.html");
    let when = |id: &str| text(&select(&html, &format!("article[id=\"{id}\"] .when"))[0]);
    assert_eq!(when("talks"), "10–12 September 2025");
    assert_eq!(when("meeting"), "3 September 2025, 12:00–14:00 CST");
    assert_eq!(when("one-day-period"), "5 May 2025");
    assert_eq!(times_of(&html, "one-day-period").len(), 1);
    assert_eq!(when("written-offset"), "1 June 2025, 19:00 UTC−3");
    assert_eq!(
        times_of(&html, "written-offset"),
        [(
            "2025-06-01T19:00:00-03:00".to_string(),
            "1 June 2025, 19:00 UTC−3".to_string()
        )]
    );
    assert_eq!(when("own-zone"), "2 June 2025, 14:00 CEST");
}

/// Issue: the front page's "At a glance" list showed only the first day of a period.
#[test]
fn the_glance_list_shows_whole_periods() {
    let out = build(PAGES);
    let html = page(out.path(), "index.html");
    let glance: Vec<String> = select(&html, ".glance-list li").iter().map(text).collect();
    assert!(
        glance.contains(&"10–12 September 2025 Trade talks over three days Tentative".to_string()),
        "{glance:?}"
    );
    assert!(
        glance.contains(&"3 September 2025, 12:00–14:00 CST Two-hour meeting".to_string()),
        "{glance:?}"
    );
}

/// Issue: a page's "updated" day was the UTC day: an entry published on 20 November at 18:00
/// -06:00 (00:00 UTC on the 21st) showed "21 November".
#[test]
fn the_updated_day_is_the_collection_s() {
    let out = build_at(PAGES, "1763683200");
    let html = page(out.path(), "index.html");
    let updated = &select(&html, ".colophon time")[0];
    assert_eq!(text(updated), "20 November 2025");
    assert_eq!(updated.value().attr("datetime"), Some("2025-11-20"));
}

fn times_of(html: &Html, id: &str) -> Vec<(String, String)> {
    select(html, &format!("article[id=\"{id}\"] .when time"))
        .iter()
        .map(|t| {
            (
                t.value().attr("datetime").unwrap_or("").to_string(),
                text(t),
            )
        })
        .collect()
}

#[test]
fn a_collection_template_replaces_the_default() {
    let out = build("tests/fixtures/own-template/events");
    for (path, kind) in [
        ("index.html", "front"),
        ("years/2025/index.html", "year"),
        ("tags/solo/index.html", "tag"),
    ] {
        let html = page(out.path(), path);
        let own = select(&html, "p.own-template");
        assert_eq!(own.len(), 1, "{path}");
        assert_eq!(
            text(&own[0]),
            format!("{kind}: 1 · Hello from Own template")
        );
        assert_eq!(select(&html, "article[id=\"one\"]").len(), 1, "{path}");
    }
}

#[test]
fn a_template_syntax_error_is_reported_at_its_line() {
    let dir = root().join("tests/fixtures/bad-template/events");
    let output = Command::new(env!("CARGO_BIN_EXE_chronicle"))
        .args(["check", "--events"])
        .arg(&dir)
        .output()
        .expect("run chronicle");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let expected = format!(
        "{}:4:11: error: template syntax error: unexpected `}}`, expected end of variable block",
        dir.join("templates/index.html").display()
    );
    assert_eq!(stderr.lines().next(), Some(expected.as_str()), "{stderr}");
}

/// A static file server for the built pages on 127.0.0.1: `/dir/` serves `dir/index.html`.
/// It answers until the test process ends.
fn serve(dir: PathBuf) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let address = listener.local_addr().expect("address");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let dir = dir.clone();
            std::thread::spawn(move || answer(&dir, stream));
        }
    });
    address
}

fn answer(dir: &Path, mut stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(&stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    // Read the rest of the head; there is no body in a GET.
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
        line.clear();
    }
    let target = request_line.split_whitespace().nth(1).unwrap_or("/");
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let mut file = dir.join(path.trim_start_matches('/'));
    if path.ends_with('/') {
        file.push("index.html");
    }
    let (status, body, kind) = match std::fs::read(&file) {
        Ok(body) if !path.contains("..") => {
            let kind = match file.extension().and_then(|e| e.to_str()) {
                Some("html") => "text/html; charset=utf-8",
                Some("xml") => "application/xml",
                Some("json") => "application/json",
                Some("ics") => "text/calendar",
                _ => "application/octet-stream",
            };
            ("200 OK", body, kind)
        }
        _ => ("404 Not Found", b"not found".to_vec(), "text/plain"),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
}

/// Runs headless Chromium with `args` and the URL; its stdout, or a failure if it is missing,
/// fails, or takes more than a minute.
fn chromium(args: &[String], url: &str) -> String {
    let profile = tempfile::tempdir().expect("profile dir");
    let binary = ["chromium", "chromium-browser"]
        .into_iter()
        .find(|name| {
            Command::new(name)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .expect("Chromium is not installed: run .ci/install-tools.sh (Debian package chromium)");
    let mut child = Command::new(binary)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--disable-dev-shm-usage",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let mut stdout = child.stdout.take().expect("piped stdout");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for chromium") {
            break status;
        }
        if started.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium took more than 90 s on {url}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "chromium failed on {url}: {status}");
    reader.join().expect("stdout reader")
}

#[test]
fn pages_render_in_chromium() {
    let artifacts = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target dir")
        .join("test-artifacts");
    std::fs::create_dir_all(&artifacts).expect("artifacts dir");
    for (name, events) in [("sample", SAMPLE), ("pages", PAGES)] {
        let collection = collection(events);
        let out = build(events);
        let address = serve(out.path().to_path_buf());
        let base = &collection.settings.base_url;
        let year = collection.events.last().expect("events").date.year();
        for (page_name, path) in [
            ("front", String::new()),
            ("year", format!("years/{year:04}/")),
        ] {
            let url = format!("http://{address}/{path}");
            let dom = chromium(&["--dump-dom".into()], &url);
            let html = Html::parse_document(&dom);
            // The page's own text, as the browser laid it out: every event title on the
            // front page (all events, small collections) and on its year page.
            let titles: BTreeSet<String> = select(&html, "article.event .title a")
                .iter()
                .map(text)
                .collect();
            for event in &collection.events {
                if page_name == "year" && event.date.year() != year {
                    continue;
                }
                assert!(
                    titles.contains(&event.title),
                    "{url}: {} not shown in {titles:?}",
                    event.title
                );
            }
            assert_subscribe_links(&html, &url, base, &calendar_name(&collection, ""));
            // No script ran: the hostile title would have marked the body.
            assert!(
                select(&html, "body[data-pwned]").is_empty(),
                "{url}: a script ran"
            );
            assert!(
                select(&html, "script").is_empty(),
                "{url}: a script element"
            );
            for (width, label) in [(1280, "wide"), (390, "phone")] {
                let shot = artifacts.join(format!("{name}-{page_name}-{label}.png"));
                let _ = std::fs::remove_file(&shot);
                chromium(
                    &[
                        format!("--screenshot={}", shot.display()),
                        format!("--window-size={width},2000"),
                        // Wait for the page to load and lay out before the shot, however busy
                        // the machine: without it a loaded machine gave a blank screenshot.
                        "--virtual-time-budget=10000".to_string(),
                    ],
                    &url,
                );
                let png =
                    std::fs::read(&shot).unwrap_or_else(|e| panic!("{}: {e}", shot.display()));
                assert!(
                    png.starts_with(b"\x89PNG") && png.len() > 10_000,
                    "{}",
                    shot.display()
                );
            }
        }
    }
}

#[test]
fn front_and_tag_pages_stay_bounded_while_year_pages_hold_every_event() {
    let dir = tempfile::tempdir().expect("temp dir");
    let events = dir.path().join("events");
    std::fs::create_dir(&events).expect("events dir");
    std::fs::write(
        events.join("chronicle.toml"),
        "title = \"Many\"\nbase_url = \"https://example.org/many/\"\n",
    )
    .expect("settings");
    let count = 520;
    for i in 0..count {
        let (year, day) = (2023 + i / 365, i % 365);
        let date = chrono::NaiveDate::from_yo_opt(year as i32, day as u32 + 1).expect("day");
        std::fs::write(
            events.join(format!("e{i:04}.md")),
            format!("+++\ntitle = \"Event {i}\"\ndate = {date}\npublished = {date}T00:00:00Z\ntags = [\"all\"]\n+++\n"),
        )
        .expect("event");
    }
    let out = build(events.to_str().expect("utf-8 path"));
    let front = page(out.path(), "index.html");
    assert_eq!(select(&front, "article.event").len(), 100);
    // The newest 100: the last one built is the newest event.
    assert_eq!(select(&front, "article[id=\"e0519\"]").len(), 1);
    assert_eq!(select(&front, "article[id=\"e0419\"]").len(), 0);
    assert!(text(&select(&front, ".glance .note")[0]).contains("100 most recent of 520"));
    let tag = page(out.path(), "tags/all/index.html");
    assert_eq!(select(&tag, "article.event").len(), 500);
    assert!(text(&select(&tag, ".summary")[0]).contains("the 500 most recent"));
    let on_years: usize = ["years/2023/index.html", "years/2024/index.html"]
        .iter()
        .map(|path| select(&page(out.path(), path), "article.event").len())
        .sum();
    assert_eq!(on_years, count);
}

#[test]
fn a_misspelt_variable_fails_the_build_at_its_line() {
    let out = tempfile::tempdir().expect("temp dir");
    let output = Command::new(env!("CARGO_BIN_EXE_chronicle"))
        .args(["build", "--events"])
        .arg(root().join("tests/fixtures/undefined-in-template/events"))
        .arg("--out")
        .arg(out.path())
        .output()
        .expect("run chronicle");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "undefined-in-template/events/templates/index.html:3:7: error: template render \
             error: undefined value: `page.titel` is undefined"
        ),
        "{stderr}"
    );
    let written = std::fs::read_dir(out.path())
        .expect("the output folder")
        .count();
    assert_eq!(written, 0, "build wrote files");
}

const CORRECTIONS: &str = "tests/fixtures/corrections/events";

/// Corrections are under their event, newest first and dated, marked up as schema.org
/// CorrectionComments of the event's Article; a retracted event is struck through with its
/// note before its text; an event without either has neither; the log's page lists every
/// correction, newest first, linking to the events; every page links the log.
#[test]
fn corrections_and_retractions_are_shown_under_their_events_and_in_the_log() {
    let out = build(CORRECTIONS);
    let year = page(out.path(), "years/2025/index.html");
    let corrected = select(&year, "article#corrected-twice");
    let [corrected] = corrected.as_slice() else {
        panic!("one article#corrected-twice")
    };
    assert_eq!(
        corrected.value().attr("itemtype"),
        Some("https://schema.org/Article")
    );
    let in_article = |article: &scraper::ElementRef, css: &str| {
        let selector = Selector::parse(css).expect("selector");
        article
            .select(&selector)
            .map(|e| text(&e))
            .collect::<Vec<_>>()
    };
    let corrections = in_article(
        corrected,
        "li[itemprop=correction][itemtype=\"https://schema.org/CorrectionComment\"]",
    );
    assert_eq!(corrections.len(), 2, "{corrections:?}");
    assert!(
        corrections[0].starts_with("Corrected 5 September 2025: The plan has five measures"),
        "{corrections:?}"
    );
    assert!(
        corrections[0].contains("<script>alert(1)</script>"),
        "markup in a note is text: {corrections:?}"
    );
    assert!(
        corrections[1].starts_with("Corrected 4 September 2025: An earlier version"),
        "{corrections:?}"
    );
    assert_eq!(
        in_article(corrected, "time[itemprop=datePublished]")[0],
        "5 September 2025"
    );

    let retracted = select(&year, "article#retracted.status-retracted");
    let [retracted] = retracted.as_slice() else {
        panic!("one article#retracted.status-retracted")
    };
    assert_eq!(
        in_article(retracted, ".title s"),
        ["Reported <i>raid</i> near the border"]
    );
    assert_eq!(in_article(retracted, ".badge.retracted"), ["Retracted"]);
    let note = in_article(retracted, ".retraction");
    assert!(
        note[0].starts_with("Retracted. A <b>bold</b> claim; the raid did not happen."),
        "{note:?}"
    );
    let card = text(retracted);
    assert!(
        card.find("the raid did not happen") < card.find("A raid was reported"),
        "the note comes before the text: {card}"
    );

    let untouched = select(&year, "article#untouched");
    assert!(untouched[0].value().attr("itemscope").is_none());
    assert!(in_article(&untouched[0], ".corrections, .retraction").is_empty());

    let log = page(out.path(), "corrections/index.html");
    let entries: Vec<String> = select(&log, ".corrections-log > li")
        .iter()
        .map(text)
        .collect();
    assert_eq!(entries.len(), 4, "{entries:?}");
    assert!(entries[0].starts_with("Corrected 5 September 2025: Trade talks"));
    assert!(entries[3].starts_with("Corrected 3 September 2025: Reported <i>raid</i>"));
    assert!(hrefs(&log, ".corrections-log a").contains("../years/2025/index.html#retracted"));
    assert_subscribe_links_of_the_log(&log);
    for path in [
        "index.html",
        "years/2025/index.html",
        "tags/security/index.html",
    ] {
        let html = page(out.path(), path);
        let links = hrefs(&html, "footer a");
        assert!(
            links.iter().any(|l| l.ends_with("corrections/index.html")),
            "{path}: {links:?}"
        );
    }
    // Without corrections, no log and no link to it.
    let pages = build(PAGES);
    assert!(!pages.path().join("corrections").exists());
    let front = page(pages.path(), "index.html");
    assert!(hrefs(&front, "footer a").is_empty());
}

/// The log's page offers its own feeds and no calendar.
fn assert_subscribe_links_of_the_log(log: &Html) {
    let base = "https://example.org/corrections-fixture/corrections/";
    assert_eq!(
        hrefs(log, ".subscribe-links a"),
        ["rss.xml", "atom.xml", "feed.json"]
            .map(|name| format!("{base}{name}"))
            .into_iter()
            .collect()
    );
    assert!(select(log, ".calendar-url").is_empty());
}

/// `subscribe/index.html`: linked from every page's navigation; for the whole timeline and
/// each tag, the link each kind of client takes (webcal for Apple Calendar and Outlook, the
/// https address of the readable calendar name for Google, Outlook.com and Thunderbird, the
/// three feeds and the OPML list), absolute under a `base_url` with a path, hostile titles and
/// tags shown as text; no event on it.
#[test]
fn the_subscribe_page_gives_each_client_its_link() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let events = tmp.path().join("events");
    copy_tree(&root().join(PAGES), &events);
    let settings = events.join("chronicle.toml");
    let written = std::fs::read_to_string(&settings).expect("settings");
    std::fs::write(
        &settings,
        written.replace(
            "base_url = \"https://example.org/pages/\"",
            "base_url = \"https://example.org/news/timeline/\"",
        ),
    )
    .expect("settings");
    let checked = chronicle::check::check_collection(
        &events,
        chronicle::render::covering::render_covering_pages,
    )
    .expect("readable");
    let collection = checked.collection.expect("valid collection");
    let out = tmp.path().join("public");
    let status = Command::new(env!("CARGO_BIN_EXE_chronicle"))
        .args(["build", "--quiet", "--events"])
        .arg(&events)
        .arg("--out")
        .arg(&out)
        .env("SOURCE_DATE_EPOCH", "1767225600")
        .status()
        .expect("run chronicle");
    assert!(status.success());
    let base = "https://example.org/news/timeline/";
    let webcal = "webcal://example.org/news/timeline/";
    let whole = calendar_name(&collection, "");
    assert_eq!(whole, "pages-fixture-friends.ics");

    // Every page's navigation leads to it.
    for entry in walkdir::WalkDir::new(&out) {
        let path = entry.expect("entry").into_path();
        if path.extension().is_none_or(|e| e != "html") {
            continue;
        }
        let relative = path
            .strip_prefix(&out)
            .expect("inside")
            .to_str()
            .expect("UTF-8");
        let html = page(&out, relative);
        let links = hrefs(&html, "nav.years a");
        let up = "../".repeat(relative.matches('/').count());
        assert!(
            links.contains(&format!("{up}subscribe/index.html")),
            "{relative}: {links:?}"
        );
    }

    let raw = std::fs::read_to_string(out.join("subscribe/index.html")).expect("page");
    let html = page(&out, "subscribe/index.html");
    assert!(select(&html, "article.event").is_empty(), "no event on it");
    assert!(
        select(&html, "script, i").is_empty(),
        "markup from titles or tags"
    );
    assert!(raw.contains("Pages &lt;fixture&gt; &amp; friends"));
    let current = select(&html, "nav.years a[aria-current=page]");
    assert_eq!(text(&current[0]), "Subscribe");
    let links = hrefs(&html, "main a");
    for wanted in [
        format!("{webcal}{whole}"),
        format!("{base}{whole}"),
        format!("{base}rss.xml"),
        format!("{base}atom.xml"),
        format!("{base}feed.json"),
        format!("{base}feeds.opml"),
    ] {
        assert!(links.contains(&wanted), "{wanted} in {links:?}");
    }
    // The https address is shown as text for the clients it is pasted into.
    let shown: Vec<String> = select(&html, "main code").iter().map(text).collect();
    assert!(
        shown
            .iter()
            .filter(|c| **c == format!("{base}{whole}"))
            .count()
            >= 3,
        "{shown:?}"
    );
    let steps = text(&select(&html, "main")[0]);
    for step in [
        "Other calendars",
        "From URL",
        "every 8 to 24 hours",
        "Subscribe from web",
        "On the Network",
        "Import OPML",
    ] {
        assert!(steps.contains(step), "{step} in {steps}");
    }
    // Each tag: one row, its name as text, its calendar and feeds.
    let views = chronicle::render::site::tag_views(&collection);
    let rows = select(&html, "table.tag-subscriptions tbody tr");
    assert_eq!(rows.len(), views.len());
    let row_selector = Selector::parse("th").unwrap();
    let link_selector = Selector::parse("a").unwrap();
    let mut names = BTreeSet::new();
    for row in &rows {
        names.insert(text(&row.select(&row_selector).next().expect("the tag")));
    }
    assert!(names.contains("<i>tag</i>"), "{names:?}");
    for view in &views {
        let home = &view.home_path;
        let calendar = calendar_name(&collection, home);
        let row = rows
            .iter()
            .find(|row| {
                row.select(&link_selector).any(|a| {
                    a.value().attr("href") == Some(format!("../{home}index.html").as_str())
                })
            })
            .unwrap_or_else(|| panic!("a row for {home}"));
        let links: BTreeSet<String> = row
            .select(&link_selector)
            .filter_map(|a| a.value().attr("href").map(str::to_string))
            .collect();
        for wanted in [
            format!("{webcal}{home}{calendar}"),
            format!("{base}{home}{calendar}"),
            format!("{base}{home}rss.xml"),
            format!("{base}{home}atom.xml"),
            format!("{base}{home}feed.json"),
        ] {
            assert!(links.contains(&wanted), "{wanted} in {links:?}");
        }
        // The readable name linked is a file of the build.
        assert!(out.join(home).join(&calendar).is_file(), "{home}{calendar}");
    }
    assert!(out.join(&whole).is_file());
}

/// Copies a folder and everything below it.
fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("entry");
        let target = to.join(entry.path().strip_prefix(from).expect("inside"));
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("folder");
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}
