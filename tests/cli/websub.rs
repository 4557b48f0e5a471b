//! WebSub (W3C WebSub §4): `websub_hub` in the settings puts a `hub` link in every
//! subscription document and nowhere else; `check` rejects a hostile hub at its position;
//! `build --ping` tells a hub on loopback (`common::hub`) which feeds changed.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crate::common::hub::{closed_hub, silent_hub, Hub};
use crate::harness::{snapshot_dir, stderr, Project};

/// The hub the tests name: its query holds `&`, which each format must escape its own way.
pub(crate) const HUB: &str = "https://hub.example.net/websub?topic=x&y=1";

/// The `corrections` fixture with a small `feed_limit` (so it has archive pages) and, when
/// `hub` is given, `websub_hub` set to it.
fn corrections_project(hub: Option<&str>) -> Project {
    let project = Project::fixture("corrections");
    let settings = project.read("events/chronicle.toml");
    let hub = hub.map_or(String::new(), |hub| format!("websub_hub = \"{hub}\"\n"));
    project.write(
        "events/chronicle.toml",
        &format!("{settings}feed_limit = 2\n{hub}"),
    );
    project
}

/// A subscription document: what a reader subscribes to, so what names the hub.
fn is_subscription_feed(path: &str) -> bool {
    !path.starts_with("archive/")
        && ["rss.xml", "atom.xml", "feed.json"]
            .iter()
            .any(|name| path == *name || path.ends_with(&format!("/{name}")))
}

/// Each way a format writes the hub, as the line or text it adds.
fn hub_markup(path: &str) -> String {
    let escaped = HUB.replace('&', "&amp;");
    if path.ends_with("rss.xml") {
        format!("    <atom:link href=\"{escaped}\" rel=\"hub\"/>\n")
    } else if path.ends_with("atom.xml") {
        format!("<link href=\"{escaped}\" rel=\"hub\"/>")
    } else {
        format!("  \"hubs\": [\n    {{\n      \"type\": \"WebSub\",\n      \"url\": \"{HUB}\"\n    }}\n  ],\n")
    }
}

/// With a hub, every subscription document holds its hub link once and is otherwise byte for
/// byte the document built without one; every other output (calendars, pages, archive pages,
/// the OPML list) is identical. Without one, no output names a hub at all.
#[test]
fn a_hub_adds_its_link_to_every_subscription_document_and_nothing_else() {
    let without = corrections_project(None);
    without.ok(&["build"]);
    let with = corrections_project(Some(HUB));
    with.ok(&["build"]);
    let plain = snapshot_dir(&without.public());
    let hubbed = snapshot_dir(&with.public());
    assert_eq!(
        plain.iter().map(|(p, _)| p).collect::<Vec<_>>(),
        hubbed.iter().map(|(p, _)| p).collect::<Vec<_>>()
    );
    assert!(plain.iter().any(|(p, _)| p.starts_with("archive/")));
    assert!(plain.iter().any(|(p, _)| p == "corrections/feed.json"));
    let mut feeds = 0;
    for ((path, before), (_, after)) in plain.iter().zip(&hubbed) {
        let before = String::from_utf8(before.clone()).expect("UTF-8");
        let after = String::from_utf8(after.clone()).expect("UTF-8");
        assert!(
            !before.contains("hub"),
            "{path} names a hub without one set"
        );
        if is_subscription_feed(path) {
            feeds += 1;
            let markup = hub_markup(path);
            assert_eq!(after.matches(&markup).count(), 1, "{path}:\n{after}");
            assert_eq!(after.replacen(&markup, "", 1), before, "{path}");
        } else {
            assert_eq!(after, before, "{path}");
        }
    }
    // The collection's, the corrections log's and at least one tag's three feeds.
    assert!(feeds >= 9, "{feeds}");
}

/// The hub comes after the `self` link, which WebSub §4 asks for beside it.
#[test]
fn the_hub_stands_beside_the_self_link() {
    let project = corrections_project(Some(HUB));
    project.ok(&["build"]);
    let rss = project.read("public/rss.xml");
    let self_at = rss.find("rel=\"self\"").expect("a self link");
    let hub_at = rss.find("rel=\"hub\"").expect("a hub link");
    assert!(self_at < hub_at, "{rss}");
    let atom = project.read("public/tags/security/atom.xml");
    assert!(
        atom.contains("<link href=\"https://example.org/corrections-fixture/tags/security/atom.xml\" rel=\"self\" type=\"application/atom+xml\"/><link href=\"https://hub.example.net/websub?topic=x&amp;y=1\" rel=\"hub\"/>"),
        "{atom}"
    );
}

/// A `websub_hub` that no feed could carry, or that is no http(s) endpoint, is an error at its
/// value, with the invalid-setting code; nothing is built.
#[test]
fn check_rejects_a_hostile_hub_at_its_position() {
    for (written, problem) in [
        (
            "\"javascript:alert(1)\"",
            "websub_hub 'javascript:alert(1)' must be an absolute http:// or https:// URL",
        ),
        (
            "\"https://hub.example/\\\"><script>alert(1)</script>\"",
            "websub_hub 'https://hub.example/\"><script>alert(1)</script>' contains spaces, quotes or control characters",
        ),
        (
            "\"https://hub.example/\\u001b]0;owned\\u0007\"",
            "websub_hub 'https://hub.example/\\u{1b}]0;owned\\u{7}' contains spaces, quotes or control characters",
        ),
        (
            "\"https://hub.example/\\nX-Injected: 1\"",
            "websub_hub 'https://hub.example/\\u{a}X-Injected: 1' contains spaces, quotes or control characters",
        ),
        ("\"https://\"", "websub_hub 'https://' has no host"),
        ("\"\"", "websub_hub '' must be an absolute http:// or https:// URL"),
    ] {
        let project = Project::empty();
        project.write(
            "events/chronicle.toml",
            &format!("title = \"T\"\nbase_url = \"https://example.org/\"\nwebsub_hub = {written}\n"),
        );
        let out = project.chronicle(&["check"]);
        assert_eq!(out.status.code(), Some(1), "{written}");
        let report = stderr(&out);
        let first = report.lines().next().unwrap_or_default();
        let expected = format!("events/chronicle.toml:3:14: error: {problem}");
        assert!(first.starts_with(&expected), "{written}:\n{report}");
        let json = project.chronicle(&["check", "--format", "json"]);
        let stdout = String::from_utf8_lossy(&json.stdout);
        assert!(stdout.contains("\"code\":\"invalid-setting\""), "{stdout}");
        let built = project.chronicle(&["build"]);
        assert_eq!(built.status.code(), Some(1), "{written}");
        assert!(!project.public().join("rss.xml").exists(), "{written}");
    }
}

/// The corrections fixture's base_url.
const BASE: &str = "https://example.org/corrections-fixture/";

/// The public URL of every subscription feed a build wrote into `public`.
fn feed_urls(project: &Project) -> BTreeSet<String> {
    snapshot_dir(&project.public())
        .into_iter()
        .map(|(path, _)| path)
        .filter(|path| is_subscription_feed(path))
        .map(|path| format!("{BASE}{path}"))
        .collect()
}

/// Every subscription feed of the corrections fixture, from a build without a hub.
fn every_feed() -> BTreeSet<String> {
    let reference = corrections_project(None);
    reference.ok(&["build"]);
    let feeds = feed_urls(&reference);
    assert!(feeds.contains(&format!("{BASE}corrections/feed.json")));
    assert!(feeds.contains(&format!("{BASE}tags/trade/rss.xml")));
    feeds
}

/// A first build into an empty folder pings every subscription feed once (and no archive
/// page, calendar or page); a second build of the same events pings nothing; an edit pings
/// exactly the feeds whose bytes it changed, and the archive page it changed is not pinged.
#[test]
fn build_ping_tells_the_hub_of_every_changed_feed_and_no_other() {
    let feeds = every_feed();
    let hub = Hub::start(feeds.clone(), None);
    let project = corrections_project(Some(&hub.url));
    let out = project.chronicle(&["build", "--ping"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Sent before build exits: no waiting.
    let pinged = hub.wait_for(feeds.len(), Duration::ZERO);
    assert_eq!(pinged.len(), feeds.len(), "{pinged:#?}");
    assert_eq!(pinged.into_iter().collect::<BTreeSet<_>>(), feeds);
    assert!(
        stderr(&out).contains(&format!(
            "pinged the WebSub hub {} for {n} of {n} changed feeds",
            hub.url,
            n = feeds.len()
        )),
        "{}",
        stderr(&out)
    );

    let again = project.chronicle(&["build", "--ping"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(stderr(&again).contains("no feed changed: the WebSub hub was not pinged"));
    assert_eq!(hub.topics().len(), feeds.len(), "no new ping");

    // The untouched event has the diplomacy tag alone and is the oldest: the diplomacy feeds
    // change; the collection's (two newest entries) do not, nor do the other tags' or the
    // corrections log's; the archive page holding it changes but is no subscription feed.
    let path = "events/2025/untouched.md";
    let text = project.read(path);
    project.write(path, &format!("{text}\nOne more sentence.\n"));
    let archive = project.read("public/archive/atom-1.xml");
    let edited = project.chronicle(&["build", "--ping"]);
    assert_ne!(project.read("public/archive/atom-1.xml"), archive);
    assert!(edited.status.success(), "{}", stderr(&edited));
    let pinged: Vec<String> = hub.topics().split_off(feeds.len());
    let expected: BTreeSet<String> = ["tags/diplomacy/"]
        .iter()
        .flat_map(|dir| {
            ["rss.xml", "atom.xml", "feed.json"].map(|name| format!("{BASE}{dir}{name}"))
        })
        .collect();
    assert_eq!(pinged.len(), expected.len(), "{pinged:#?}");
    assert_eq!(pinged.into_iter().collect::<BTreeSet<_>>(), expected);
}

/// `--ping` with no hub to tell is a usage error, before anything is written.
#[test]
fn build_ping_without_a_hub_is_a_usage_error() {
    let project = corrections_project(None);
    let out = project.chronicle(&["build", "--ping"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "chronicle: error: --ping needs a hub to tell: set websub_hub in events/chronicle.toml\n"
    );
    assert!(!project.public().exists());
}

/// A hub that accepts the connection and never answers costs the build the ping timeout (10 s)
/// once, not once per feed; a closed port costs nothing. Either way the build succeeds, its
/// outputs are in place, and the failure is on stderr.
#[test]
fn a_hub_that_does_not_answer_fails_no_build() {
    let (silent, _listener) = silent_hub();
    for (hub, limit) in [
        (closed_hub(), Duration::from_secs(5)),
        (silent, Duration::from_secs(18)),
    ] {
        let project = corrections_project(Some(&hub));
        let started = Instant::now();
        let out = project.chronicle(&["build", "--ping"]);
        let took = started.elapsed();
        let report = stderr(&out);
        assert!(out.status.success(), "{hub}: {report}");
        assert!(took < limit, "{hub}: took {took:?}");
        assert!(project.public().join("rss.xml").is_file());
        assert!(
            report.contains(&format!(
                "warning: WebSub ping failed: the hub {hub} did not answer for {BASE}"
            )),
            "{report}"
        );
        assert!(report.contains("more WebSub pings not sent"), "{report}");
        assert!(
            report.contains(&format!("pinged the WebSub hub {hub} for 0 of ")),
            "{report}"
        );
    }
}

/// A hub's error answer is reported with its status, and what it says is escaped for the
/// terminal: an escape sequence in it shows as text.
#[test]
fn a_hub_error_is_reported_with_its_text_escaped() {
    let hub = Hub::start(
        every_feed(),
        Some((
            "429 Too Many Requests",
            "slow down \u{1b}]0;owned\u{7}\u{202e}",
        )),
    );
    let project = corrections_project(Some(&hub.url));
    let out = project.chronicle(&["build", "--ping", "--quiet"]);
    let report = stderr(&out);
    assert!(out.status.success(), "{report}");
    assert!(
        report.contains(&format!(
            "warning: WebSub ping failed: the hub {} answered 429 Too Many Requests for {BASE}rss.xml: slow down \\u{{1b}}]0;owned\\u{{7}}\\u{{202e}}\n",
            hub.url
        )),
        "{report}"
    );
    assert!(!report.contains('\u{1b}'), "{report}");
}
