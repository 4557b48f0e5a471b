//! WebSub (W3C WebSub §4): `websub_hub` in the settings puts a `hub` link in every
//! subscription document and nowhere else; `check` rejects a hostile hub at its position.

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
