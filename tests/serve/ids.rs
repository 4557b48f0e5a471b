//! `serve` publishes the ids `build` writes: from the collection id, never from an address.

use crate::harness::{get, Project};

/// The published ids in a feed or calendar: RSS `guid`, Atom `id`, JSON Feed `id`, `UID`.
fn ids(text: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for (open, close) in [
        ("<guid isPermaLink=\"false\">", "</guid>"),
        ("<id>", "</id>"),
        ("\"id\": \"", "\""),
        ("\nUID:", "\r"),
    ] {
        found.extend(
            text.split(open)
                .skip(1)
                .filter_map(|rest| rest.split(close).next())
                .map(str::to_string),
        );
    }
    found
}

#[test]
fn served_ids_are_built_ids_derived_from_the_collection_id() {
    let project = Project::sample();
    let settings = project.read("events/chronicle.toml");
    let base_url = project.base_url();
    let pinned = format!("id = \"{base_url}\"");
    assert!(settings.contains(&pinned), "the sample pins its ids");
    project.write(
        "events/chronicle.toml",
        &settings.replace(&pinned, "id = \"tag:example.org,2025:us-mexico-security\""),
    );
    project.chronicle(&["build", "--events", "events", "--out", "public", "--quiet"]);
    // Links point at the server, not at base_url; the ids are the same.
    let server = project.serve(&[]);
    for path in [
        "rss.xml",
        "atom.xml",
        "feed.json",
        "calendar.ics",
        "tags/trade/rss.xml",
        "tags/trade/calendar.ics",
    ] {
        let built = ids(&project.read(&format!("public/{path}")));
        assert!(!built.is_empty(), "{path}");
        assert_eq!(
            ids(&get(&server.url(&format!("/{path}")), &[]).text()),
            built,
            "{path}"
        );
    }
    // Derived from the tag URI: not the ids the sample's base_url gives.
    let rss = project.read("public/rss.xml");
    assert!(rss.contains("urn:uuid:"));
    assert!(!rss.contains("urn:uuid:d1d90469-fb69-5abc-8d76-7ba15bedf4b1"));
}
