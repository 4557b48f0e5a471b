//! `feeds.opml`, the subscription list, read as feed readers import it: by Python listparser
//! (installed by `tests/external/install.sh`) and by `newsboat -i` (installed by
//! `.ci/install-tools.sh`), and judged by the W3C Feed Validation Service (see
//! [`crate::external::check_with_w3c_validator`]).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::common::python;
use crate::external::check_with_w3c_validator;
use crate::harness::Project;

/// One subscription a reader should make: the view's Atom feed, its title and page (as its JSON
/// Feed, whose title is plain text, says), and the folder it goes in (none for the collection's).
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Subscription {
    url: String,
    title: String,
    page: String,
    folder: Option<String>,
}

fn base_url(project: &Project) -> String {
    let settings: toml::Table =
        toml::from_str(&project.read("events/chronicle.toml")).expect("chronicle.toml is TOML");
    let base = settings["base_url"].as_str().expect("base_url").to_string();
    if base.ends_with('/') {
        base
    } else {
        format!("{base}/")
    }
}

/// The collection's title, as its JSON Feed has it.
fn collection_title(project: &Project) -> String {
    let feed: Value = serde_json::from_str(&project.read("public/feed.json")).expect("JSON");
    feed["title"].as_str().expect("title").to_string()
}

/// Every subscription the build offers: the collection's feed, the corrections log's when it
/// was written, and each tag's (each folder holding an `atom.xml` beside a `feed.json`), read
/// from what the build wrote, not from the list.
fn expected(project: &Project) -> Vec<Subscription> {
    let base = base_url(project);
    let folder = format!("{}: tags", collection_title(project));
    let mut homes = vec![String::new()];
    if project.public().join("corrections/atom.xml").is_file() {
        homes.push("corrections/".to_string());
    }
    let tags = project.public().join("tags");
    if tags.is_dir() {
        for entry in std::fs::read_dir(&tags).expect("read tags/") {
            let entry = entry.expect("entry");
            // Each tag is a folder; `tags/index.html` is the page of every tag.
            if entry.file_type().expect("file type").is_dir() {
                let name = entry.file_name();
                homes.push(format!("tags/{}/", name.to_str().expect("UTF-8 slug")));
            }
        }
    }
    let mut subscriptions: Vec<Subscription> = homes
        .into_iter()
        .map(|home| {
            assert!(project.public().join(&home).join("atom.xml").is_file());
            let feed: Value =
                serde_json::from_str(&project.read(&format!("public/{home}feed.json")))
                    .expect("JSON Feed");
            Subscription {
                url: format!("{base}{home}atom.xml"),
                title: feed["title"].as_str().expect("title").to_string(),
                page: feed["home_page_url"].as_str().expect("page").to_string(),
                folder: home.starts_with("tags/").then(|| folder.clone()),
            }
        })
        .collect();
    subscriptions.sort();
    subscriptions
}

/// Reads feeds.opml with listparser. OPML 2.0 text may hold encoded HTML, and chronicle's does
/// where the text holds markup characters: titles are read as HTML (Python's `html.unescape`).
const LISTPARSER: &str = r#"
import html, json, sys, listparser
with open(sys.argv[1], "rb") as f:
    result = listparser.parse(f.read())
print(json.dumps({
    "bozo": bool(result.bozo),
    "bozo_exception": str(result.get("bozo_exception", "")),
    "version": result.version,
    "title": html.unescape(result.meta.get("title", "")),
    "modified": result.meta.get("modified", ""),
    "modified_parsed": bool(result.meta.get("modified_parsed")),
    "feeds": [
        {
            "url": feed.url,
            "title": html.unescape(feed.title),
            "categories": [[html.unescape(c) for c in path] for path in feed.categories],
        }
        for feed in result.feeds
    ],
    "opportunities": [o.url for o in result.opportunities],
}))
"#;

/// listparser finds every feed of the collection in feeds.opml, each with its title and folder,
/// and nothing else; the list's title is the collection's, and its date parses.
fn check_with_listparser(project: &Project) {
    let out = Command::new(python())
        .arg("-c")
        .arg(LISTPARSER)
        .arg(project.public().join("feeds.opml"))
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "listparser failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read: Value = serde_json::from_slice(&out.stdout).expect("JSON from python");
    assert_eq!(read["bozo"], false, "{read}");
    assert_eq!(read["version"], "opml2", "{read}");
    assert_eq!(read["title"], collection_title(project).as_str());
    assert_eq!(read["modified_parsed"], true, "{read}");
    assert_eq!(read["opportunities"], Value::Array(Vec::new()), "{read}");
    let pages: BTreeMap<String, String> = expected(project)
        .into_iter()
        .map(|s| (s.url, s.page))
        .collect();
    let mut found: Vec<Subscription> = read["feeds"]
        .as_array()
        .expect("feeds")
        .iter()
        .map(|feed| {
            let url = feed["url"].as_str().expect("url").to_string();
            let categories = feed["categories"].as_array().expect("categories");
            assert!(categories.len() <= 1, "{url}: one folder at most");
            let folder = categories.first().map(|path| {
                let path = path.as_array().expect("a folder path");
                assert_eq!(path.len(), 1, "{url}: one level of folders");
                path[0].as_str().expect("folder").to_string()
            });
            Subscription {
                // listparser does not read htmlUrl for a feed: checked in the document below.
                page: pages.get(&url).cloned().unwrap_or_default(),
                title: feed["title"].as_str().expect("title").to_string(),
                url,
                folder,
            }
        })
        .collect();
    found.sort();
    assert_eq!(found, expected(project));
}

/// Each outline's htmlUrl is its view's timeline page (listparser leaves htmlUrl out).
fn check_pages(project: &Project) {
    let text = project.read("public/feeds.opml");
    let document = roxmltree::Document::parse(&text).expect("well-formed XML");
    let pages: BTreeMap<String, String> = document
        .descendants()
        .filter_map(|node| Some((node.attribute("xmlUrl")?, node.attribute("htmlUrl")?)))
        .map(|(url, page)| (url.to_string(), page.to_string()))
        .collect();
    let expected: BTreeMap<String, String> = expected(project)
        .into_iter()
        .map(|s| (s.url, s.page))
        .collect();
    assert_eq!(pages, expected);
}

/// `newsboat -i feeds.opml` with a home of its own: its urls file then holds every feed, the
/// tags' feeds with a newsboat tag (the folder), the collection's with none.
fn check_with_newsboat(project: &Project) {
    let home = tempfile::tempdir().expect("temporary home");
    let out = newsboat_import(home.path(), &project.public().join("feeds.opml"));
    assert!(
        out.status.success(),
        "newsboat -i failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let urls = std::fs::read_to_string(home.path().join("urls")).expect("newsboat's urls file");
    // Whether a line has a tag, not which: newsboat writes the folder's text between quotes
    // as it is, so one holding a quote cannot be read back.
    let mut imported: Vec<(String, bool)> = urls
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let (url, tags) = line.split_once(' ').unwrap_or((line, ""));
            (url.to_string(), tags.starts_with('"'))
        })
        .collect();
    imported.sort();
    let expected: Vec<(String, bool)> = expected(project)
        .into_iter()
        .map(|s| (s.url, s.folder.is_some()))
        .collect();
    assert_eq!(imported, expected, "newsboat's urls file:\n{urls}");
}

fn newsboat_import(home: &Path, list: &Path) -> std::process::Output {
    Command::new("newsboat")
        .args(["-u", "urls", "-C", "config", "-c", "cache.db", "-i"])
        .arg(list)
        .current_dir(home)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config-home"))
        .env("XDG_DATA_HOME", home.join("data-home"))
        .output()
        .unwrap_or_else(|e| panic!("newsboat is required (apt package newsboat): {e}"))
}

#[test]
fn opml_of_the_sample_is_imported_by_listparser_and_newsboat_and_valid() {
    let project = Project::fixture("sample");
    project.ok(&["build"]);
    assert!(expected(&project).len() > 5, "the sample has tags");
    check_with_listparser(&project);
    check_pages(&project);
    check_with_newsboat(&project);
    check_with_w3c_validator(&project);
}

/// A collection whose titles, description, author and tags hold markup, entities, quotes and a
/// tab: every reader reads each title as written, and the validator has nothing to say.
#[test]
fn opml_titles_with_markup_read_back_as_written() {
    let project = Project::empty();
    project.write(
        "events/chronicle.toml",
        "title = \"Rulings & <i>notes</i> \\\"AT&T\\\" 'R&D' &amp; a < b\\tend\"\n\
         description = \"<b>Bold</b> claims & &#38; more\"\n\
         base_url = \"https://example.org/t/\"\nauthor = \"Desk <desk> & co\"\nlanguage = \"en\"\n",
    );
    for (day, tags) in [
        (4, r#"["<b>", "Tom & Jerry's \"deal\""]"#),
        (5, r#"["&amp;", "C++", "東京"]"#),
    ] {
        project.write(
            &format!("events/2025/day-{day}.md"),
            &format!(
                "+++\ntitle = \"Event {day}\"\ndate = 2025-03-0{day}\ntags = {tags}\n\
                 published = 2025-03-0{day}T10:00:00Z\n+++\nBody.\n"
            ),
        );
    }
    project.ok(&["build"]);
    assert_eq!(
        collection_title(&project),
        "Rulings & <i>notes</i> \"AT&T\" 'R&D' &amp; a < b\tend"
    );
    check_with_listparser(&project);
    check_pages(&project);
    check_with_newsboat(&project);
    check_with_w3c_validator(&project);
}

/// A collection with no tags: one subscription, no folder.
#[test]
fn opml_of_a_collection_without_tags_has_one_feed_and_no_folder() {
    let project = Project::empty();
    project.write(
        "events/chronicle.toml",
        "title = \"Untagged\"\nbase_url = \"https://example.org/u/\"\nauthor = \"Desk\"\n",
    );
    project.write(
        "events/one.md",
        "+++\ntitle = \"One\"\ndate = 2025-03-04\npublished = 2025-03-04T10:00:00Z\n+++\nBody.\n",
    );
    project.ok(&["build"]);
    assert_eq!(expected(&project).len(), 1);
    let text = project.read("public/feeds.opml");
    assert_eq!(text.matches("<outline").count(), 1, "{text}");
    check_with_listparser(&project);
    check_with_newsboat(&project);
    check_with_w3c_validator(&project);
}

/// The list's date is the collection feed's (both from the events, never the clock).
#[test]
fn opml_date_is_the_collection_feeds_date() {
    let project = Project::fixture("sample");
    project.ok(&["build"]);
    let rss = project.read("public/rss.xml");
    let built = rss
        .split_once("<lastBuildDate>")
        .and_then(|(_, rest)| rest.split_once("</lastBuildDate>"))
        .map(|(date, _)| date)
        .expect("lastBuildDate");
    let opml = project.read("public/feeds.opml");
    assert!(
        opml.contains(&format!("<dateModified>{built}</dateModified>")),
        "{opml}"
    );
}
