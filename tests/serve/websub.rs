//! WebSub pings under `serve`: after each rebuild, the hub (`common::hub`, on loopback) is told
//! of exactly the subscription feeds whose bytes changed, in the background.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crate::common::hub::{closed_hub, silent_hub, Hub};
use crate::harness::{get, Project, REBUILD_TIMEOUT};

const TARIFF: &str = "events/2025/03-04-fentanyl-tariff.md";

/// The sample with `websub_hub = "<hub>"` added to its settings.
fn sample_with_hub(hub: &str) -> Project {
    let project = Project::sample();
    let settings = project.read("events/chronicle.toml");
    project.write(
        "events/chronicle.toml",
        &format!("{settings}websub_hub = \"{hub}\"\n"),
    );
    project
}

/// The public URL of every subscription feed of the sample (from a build into `reference/`).
fn sample_feeds() -> BTreeSet<String> {
    let project = Project::sample();
    project.chronicle(&["build", "--out", "reference", "--quiet"]);
    let base = project.base_url();
    let mut feeds = BTreeSet::new();
    let mut folders = vec![project.path("reference")];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("read the build") {
            let path = entry.expect("an entry").path();
            let relative = path
                .strip_prefix(project.path("reference"))
                .expect("inside the build")
                .to_string_lossy()
                .into_owned();
            if path.is_dir() {
                if relative != "archive" {
                    folders.push(path);
                }
            } else if ["rss.xml", "atom.xml", "feed.json"]
                .iter()
                .any(|name| relative.ends_with(name))
            {
                feeds.insert(format!("{base}{relative}"));
            }
        }
    }
    feeds
}

/// Adds a sentence to the tariff event's body: its dates stay, its feeds' bytes change.
fn edit_the_tariff_event(project: &Project, sentence: &str) {
    let text = project.read(TARIFF);
    project.write(TARIFF, &format!("{text}\n{sentence}\n"));
}

/// The server's start pings nothing; an edit of the tariff event (tags tariffs and trade)
/// pings the collection's three feeds and those two tags', each once, and no other tag's.
#[test]
fn an_edit_pings_the_hub_for_exactly_the_feeds_it_changed() {
    let feeds = sample_feeds();
    let hub = Hub::start(feeds.clone(), None);
    let project = sample_with_hub(&hub.url);
    let base = project.base_url();
    let server = project.serve(&[]);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        hub.topics(),
        Vec::<String>::new(),
        "the first build pings nothing"
    );
    assert_link_headers(&server, &hub.url);

    edit_the_tariff_event(&project, "A sentence added live.");
    server.wait_for_stderr("pinged the WebSub hub");
    let expected: BTreeSet<String> = ["", "tags/tariffs/", "tags/trade/"]
        .iter()
        .flat_map(|dir| {
            ["rss.xml", "atom.xml", "feed.json"].map(|name| format!("{base}{dir}{name}"))
        })
        .collect();
    assert!(expected.is_subset(&feeds));
    let pinged = hub.wait_for(expected.len(), REBUILD_TIMEOUT);
    assert_eq!(pinged.len(), expected.len(), "{pinged:#?}");
    assert_eq!(pinged.into_iter().collect::<BTreeSet<_>>(), expected);
    assert!(
        server.stderr().contains(&format!(
            "pinged the WebSub hub {} for 9 of 9 changed feeds",
            hub.url
        )),
        "{}",
        server.stderr()
    );
    // The rebuilt feeds name the hub in their headers too.
    assert_link_headers(&server, &hub.url);
}

/// WebSub §4: a subscription feed's response names the hub and the feed itself in `Link`
/// headers (the self URL the feed's own `rel="self"` gives, the server's address here); other
/// outputs name no hub.
fn assert_link_headers(server: &crate::harness::Server, hub: &str) {
    for path in ["/rss.xml", "/atom.xml", "/tags/trade/feed.json"] {
        let reply = get(&server.url(path), &[]);
        let expected = format!("<{hub}>; rel=\"hub\", <{}>; rel=\"self\"", server.url(path));
        assert_eq!(reply.header("link"), Some(expected.as_str()), "{path}");
    }
    for path in ["/calendar.ics", "/", "/feeds.opml"] {
        assert_eq!(get(&server.url(path), &[]).header("link"), None, "{path}");
    }
}

/// Without `websub_hub`, no response carries a `Link` header.
#[test]
fn without_a_hub_no_feed_names_one_in_its_headers() {
    let project = Project::sample();
    let server = project.serve(&[]);
    for path in ["/rss.xml", "/atom.xml", "/feed.json", "/tags/trade/rss.xml"] {
        assert_eq!(get(&server.url(path), &[]).header("link"), None, "{path}");
    }
}

/// A hub that accepts connections and never answers holds up neither the swap to a rebuilt
/// set, nor requests, nor the next rebuild; its failure is logged once its pings time out.
/// A closed port is logged at once.
#[test]
fn a_hub_that_does_not_answer_delays_no_rebuild_and_no_request() {
    let (silent, _listener) = silent_hub();
    let project = sample_with_hub(&silent);
    let server = project.serve(&[]);
    edit_the_tariff_event(&project, "First live sentence.");
    server.wait_for_body("/rss.xml", |body| body.contains("First live sentence."));
    // The pings of that rebuild now wait for the silent hub, up to their timeout.
    let started = Instant::now();
    edit_the_tariff_event(&project, "Second live sentence.");
    server.wait_for_body("/rss.xml", |body| body.contains("Second live sentence."));
    let asked = Instant::now();
    assert_eq!(get(&server.url("/atom.xml"), &[]).status, 200);
    assert!(
        asked.elapsed() < Duration::from_secs(2),
        "{:?}",
        asked.elapsed()
    );
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "the second rebuild waited for the hub: {:?}",
        started.elapsed()
    );
    server.wait_for_stderr(&format!(
        "warning: WebSub ping failed: the hub {silent} did not answer"
    ));

    let closed = closed_hub();
    let project = sample_with_hub(&closed);
    let server = project.serve(&[]);
    edit_the_tariff_event(&project, "A sentence no hub hears of.");
    server.wait_for_body("/rss.xml", |body| {
        body.contains("A sentence no hub hears of.")
    });
    server.wait_for_stderr(&format!(
        "warning: WebSub ping failed: the hub {closed} did not answer"
    ));
    assert_eq!(get(&server.url("/rss.xml"), &[]).status, 200);
}
