//! Real clients over HTTP: Python feedparser (conditional polling), newsboat (headless) and a
//! calendar subscription read with Python icalendar. The tools come from .ci/install-tools.sh;
//! a missing one fails the test.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::harness::{python, Project, Server};

/// `(id, title)` of every published event, from `chronicle export --format jsonl`.
fn events(project: &Project) -> Vec<(String, String)> {
    let jsonl = project.chronicle(&["export", "--events", "events", "--format", "jsonl"]);
    String::from_utf8(jsonl)
        .expect("UTF-8 export")
        .lines()
        .map(|line| {
            let event: Value = serde_json::from_str(line).expect("a JSON line");
            (
                event["id"].as_str().expect("id").to_string(),
                event["title"].as_str().expect("title").to_string(),
            )
        })
        .collect()
}

fn sorted(mut items: Vec<String>) -> Vec<String> {
    items.sort();
    items
}

/// Runs a Python snippet in the test venv and parses the JSON it prints.
fn run_python(script: &str, args: &[&str]) -> Value {
    let output = Command::new(python())
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("run python");
    assert!(
        output.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON from python")
}

const FEEDPARSER_POLL: &str = r#"
import json, sys, feedparser
url = sys.argv[1]
etag = sys.argv[2] or None
modified = sys.argv[3] or None
d = feedparser.parse(url, etag=etag, modified=modified)
print(json.dumps({
    "status": d.get("status"),
    "bozo": bool(d.get("bozo")),
    "bozo_exception": str(d.get("bozo_exception", "")),
    "etag": d.get("etag", ""),
    "modified": d.get("modified", ""),
    "titles": [e.get("title") for e in d.entries],
    "self": [l.get("href") for l in d.feed.get("links", []) if l.get("rel") == "self"],
}))
"#;

fn poll(url: &str, etag: &str, modified: &str) -> Value {
    run_python(FEEDPARSER_POLL, &[url, etag, modified])
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .expect("an array")
        .iter()
        .map(|v| v.as_str().expect("a string").to_string())
        .collect()
}

#[test]
fn feedparser_polls_conditionally_and_sees_an_edit() {
    let project = Project::sample();
    let server = project.serve(&[]);
    let titles: Vec<String> = events(&project).into_iter().map(|(_, t)| t).collect();
    for path in ["/rss.xml", "/atom.xml"] {
        let url = server.url(path);
        let first = poll(&url, "", "");
        assert_eq!(first["status"], 200, "{path}: {first}");
        assert_eq!(first["bozo"], false, "{path}: {first}");
        assert_eq!(
            sorted(strings(&first["titles"])),
            sorted(titles.clone()),
            "{path}"
        );
        assert_eq!(
            strings(&first["self"]),
            std::slice::from_ref(&url),
            "{path}: self link"
        );
        let etag = first["etag"].as_str().expect("an etag").to_string();
        let modified = first["modified"].as_str().expect("a date").to_string();
        assert!(!etag.is_empty() && !modified.is_empty(), "{first}");

        // feedparser sends both validators; the answer is 304 with no entries.
        let second = poll(&url, &etag, &modified);
        assert_eq!(second["status"], 304, "{path}: {second}");
        assert_eq!(second["titles"], Value::Array(Vec::new()));
        // Each validator alone also gives 304.
        assert_eq!(poll(&url, &etag, "")["status"], 304, "{path}: etag only");
        assert_eq!(
            poll(&url, "", &modified)["status"],
            304,
            "{path}: date only"
        );
    }

    // An edit reaches the reader on its next conditional poll.
    let url = server.url("/atom.xml");
    let first = poll(&url, "", "");
    let file = "events/2025/09-03-rubio-sheinbaum-meeting.md";
    let old_title = project
        .read(file)
        .lines()
        .find_map(|l| l.strip_prefix("title = \""))
        .map(|t| t.trim_end_matches('"').to_string())
        .expect("a title line");
    let text = project
        .read(file)
        .replace(&old_title, "Rubio meets Sheinbaum (edited)");
    project.write(file, &text);
    server.wait_for_body("/atom.xml", |body| {
        body.contains("Rubio meets Sheinbaum (edited)")
    });
    let next = poll(
        &url,
        first["etag"].as_str().unwrap(),
        first["modified"].as_str().unwrap(),
    );
    assert_eq!(next["status"], 200, "{next}");
    assert!(strings(&next["titles"]).contains(&"Rubio meets Sheinbaum (edited)".to_string()));
}

/// Runs newsboat headless: `-x reload` fetches every URL in `urls` into the cache.
fn newsboat(home: &Path, args: &[&str]) -> String {
    let output = Command::new("newsboat")
        .args(["-u", "urls", "-C", "config", "-c", "cache.db"])
        .args(args)
        .current_dir(home)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config-home"))
        .env("XDG_DATA_HOME", home.join("data-home"))
        .env_remove("http_proxy")
        .env_remove("HTTP_PROXY")
        .output()
        .unwrap_or_else(|e| panic!("newsboat is required (apt package newsboat): {e}"));
    assert!(
        output.status.success(),
        "newsboat {args:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

const NEWSBOAT_ITEMS: &str = r#"
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute("SELECT feedurl, title FROM rss_item").fetchall()
items = {}
for feed, title in rows:
    items.setdefault(feed, []).append(title)
print(json.dumps(items))
"#;

fn newsboat_items(home: &Path) -> Value {
    let db = home.join("cache.db");
    run_python(NEWSBOAT_ITEMS, &[db.to_str().expect("UTF-8 path")])
}

/// A newsboat home subscribed to one feed. One per feed: newsboat keys its cache by item
/// guid, and chronicle gives an event the same id in RSS and Atom.
fn newsboat_home(url: &str) -> tempfile::TempDir {
    let home = tempfile::tempdir().expect("temporary home");
    std::fs::write(home.path().join("urls"), format!("{url}\n")).unwrap();
    std::fs::write(
        home.path().join("config"),
        "reload-threads 1\nuse-proxy no\nerror-log \"errors.log\"\n",
    )
    .unwrap();
    home
}

fn newsboat_titles(home: &Path, url: &str) -> Vec<String> {
    let items = newsboat_items(home);
    let errors = std::fs::read_to_string(home.join("errors.log")).unwrap_or_default();
    let titles = items.get(url).map(strings);
    sorted(titles.unwrap_or_else(|| panic!("newsboat has no items of {url}; errors:\n{errors}")))
}

#[test]
fn newsboat_lists_every_item_of_rss_and_atom() {
    let project = Project::sample();
    let server = project.serve(&[]);
    let titles = sorted(events(&project).into_iter().map(|(_, t)| t).collect());
    let mut homes = Vec::new();
    for path in ["/rss.xml", "/atom.xml"] {
        let url = server.url(path);
        let home = newsboat_home(&url);
        newsboat(home.path(), &["-x", "reload"]);
        assert_eq!(
            newsboat_titles(home.path(), &url),
            titles,
            "newsboat items of {url}"
        );
        let unread = newsboat(home.path(), &["-x", "print-unread"]);
        assert_eq!(
            unread.trim(),
            format!("{} unread articles", titles.len()),
            "{url}"
        );
        // newsboat keeps the validators from its second fetch and sends them from the third.
        newsboat(home.path(), &["-x", "reload"]);
        newsboat(home.path(), &["-x", "reload"]);
        server.wait_for_stderr(&format!("GET {path} 304 0 "));
        homes.push((url, home));
    }

    // A new event appears on newsboat's next reload.
    let new_title = "Security group holds its first meeting";
    project.write(
        "events/2025/10-01-new-talks.md",
        &format!(
            "+++\ntitle = \"{new_title}\"\ndate = 2025-10-01\n\
             published = 2025-10-02T10:00:00Z\n+++\nThe group meets.\n"
        ),
    );
    server.wait_for_body("/atom.xml", |b| b.contains(new_title));
    for (url, home) in &homes {
        newsboat(home.path(), &["-x", "reload"]);
        let got = newsboat_titles(home.path(), url);
        assert!(got.contains(&new_title.to_string()), "{url}: {got:?}");
        assert_eq!(got.len(), titles.len() + 1, "{url}");
    }
}

const ICALENDAR_SUBSCRIBE: &str = r#"
import json, sys, urllib.request
from icalendar import Calendar
with urllib.request.urlopen(sys.argv[1]) as response:
    kind = response.headers.get("Content-Type")
    body = response.read()
calendar = Calendar.from_ical(body)
events = [c for c in calendar.walk("VEVENT")]
print(json.dumps({
    "type": kind,
    "uids": [str(e.get("UID")) for e in events],
    "summaries": [str(e.get("SUMMARY")) for e in events],
}))
"#;

const UUID5: &str = r#"
import json, sys, uuid
base = sys.argv[1]
print(json.dumps([str(uuid.uuid5(uuid.NAMESPACE_URL, base + "events/" + i)) for i in sys.argv[2:]]))
"#;

#[test]
fn a_calendar_subscription_sees_every_event_with_its_uid() {
    let project = Project::sample();
    let server: Server = project.serve(&[]);
    // Subscribe the way a calendar app does with the printed webcal:// URL: fetch it over http.
    let webcal = server
        .stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("webcal://"))
        .expect("a webcal URL")
        .to_string();
    let url = format!("http://{webcal}");
    let events = events(&project);
    let ids: Vec<&str> = events.iter().map(|(id, _)| id.as_str()).collect();
    let base_url = project.base_url();
    let mut uuid_args = vec![base_url.as_str()];
    uuid_args.extend(&ids);
    let expected_uids = sorted(strings(&run_python(UUID5, &uuid_args)));

    let calendar = run_python(ICALENDAR_SUBSCRIBE, &[&url]);
    assert_eq!(calendar["type"], "text/calendar; charset=utf-8");
    assert_eq!(sorted(strings(&calendar["uids"])), expected_uids);
    let titles = sorted(events.iter().map(|(_, t)| t.clone()).collect());
    assert_eq!(sorted(strings(&calendar["summaries"])), titles);

    // The UIDs do not depend on where the calendar is served from.
    let behind_proxy = project.serve(&["--base-url", "https://feeds.example.net/cal/"]);
    let again = run_python(ICALENDAR_SUBSCRIBE, &[&behind_proxy.url("/calendar.ics")]);
    assert_eq!(sorted(strings(&again["uids"])), expected_uids);
}
