//! Filtered subscriptions: `/feeds/<tag>+<tag>/<file>`, the events with any of the tags,
//! rendered on demand. The documents are judged by the W3C Feed Validation Service's code,
//! feedparser and python icalendar, and their entries compared with the tags' own feeds.

use std::collections::BTreeSet;
use std::io::Read;
use std::process::Command;

use serde_json::Value;

use crate::harness::{get, python, raw_get, repo_path, request, Project, Server};

/// Two tags of the sample that share two events and not the others.
const FILTER: &str = "/feeds/cartels+diplomacy/";
const TAGS: [&str; 2] = ["cartels", "diplomacy"];
const FILES: [&str; 4] = ["rss.xml", "atom.xml", "feed.json", "calendar.ics"];

/// What a feed reader or calendar app reads from a document at a URL: ids, self links, title
/// and feed id, by feedparser (RSS, Atom), python icalendar (UIDs, NAME and X-WR-CALNAME,
/// SOURCE) or as JSON (JSON Feed).
const READ: &str = r#"
import json, sys, urllib.request
url, kind = sys.argv[1], sys.argv[2]
if kind == "calendar.ics":
    from icalendar import Calendar
    import re
    cal = Calendar.from_ical(urllib.request.urlopen(url).read())
    # icalendar keeps NAME and X-WR-CALNAME as written: TEXT unescaped (RFC 5545 3.3.11).
    def text(name):
        raw = cal.get(name).to_ical().decode()
        return re.sub(r"\\([\\;,Nn])", lambda m: "\n" if m[1] in "Nn" else m[1], raw)
    print(json.dumps({
        "ids": sorted(str(e["UID"]) for e in cal.walk("VEVENT")),
        "title": text("X-WR-CALNAME"),
        "name": text("NAME"),
        "self": [str(cal.get("SOURCE"))],
        "bozo": False,
    }))
elif kind == "feed.json":
    # feedparser 6.0 reads no JSON Feed: its fields as JSON Feed 1.1 names them.
    feed = json.loads(urllib.request.urlopen(url).read().decode("utf-8"))
    print(json.dumps({
        "ids": sorted(item["id"] for item in feed["items"]),
        "title": feed["title"],
        "self": [feed["feed_url"]],
        "bozo": feed["version"] != "https://jsonfeed.org/version/1.1",
    }))
else:
    import feedparser
    import html
    d = feedparser.parse(urllib.request.urlopen(url).read())
    title = d.feed.get("title")
    # An HTML title (Atom type="html", for text with `<` or `&`) as a reader shows it.
    if d.feed.get("title_detail", {}).get("type") == "text/html":
        title = html.unescape(title)
    print(json.dumps({
        "ids": sorted(e.get("id") for e in d.entries),
        "title": title,
        "feed_id": d.feed.get("id"),
        "self": [l.get("href") for l in d.feed.get("links", []) if l.get("rel") == "self"],
        "bozo": bool(d.get("bozo")),
        "bozo_exception": str(d.get("bozo_exception", "")),
        "version": d.get("version"),
    }))
"#;

fn read(server: &Server, path: &str) -> Value {
    let kind = path.rsplit('/').next().expect("a file name");
    let output = Command::new(python())
        .arg("-c")
        .arg(READ)
        .arg(server.url(path))
        .arg(kind)
        .output()
        .expect("run python");
    assert!(
        output.status.success(),
        "python failed on {path}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON from python")
}

fn ids(value: &Value) -> BTreeSet<String> {
    value["ids"]
        .as_array()
        .expect("ids")
        .iter()
        .map(|id| id.as_str().expect("a string id").to_string())
        .collect()
}

#[test]
fn a_filter_holds_the_union_of_its_tags_with_its_own_links_and_ids() {
    let project = Project::sample();
    let server = project.serve(&[]);
    for file in FILES {
        let path = format!("{FILTER}{file}");
        let filtered = read(&server, &path);
        assert_eq!(filtered["bozo"], false, "{path}: {filtered}");
        let mut union = BTreeSet::new();
        let mut sizes = Vec::new();
        for tag in TAGS {
            let own = ids(&read(&server, &format!("/tags/{tag}/{file}")));
            sizes.push(own.len());
            union.extend(own);
        }
        let got = ids(&filtered);
        assert_eq!(got, union, "{path}");
        // The two tags overlap: the union is not their sum, and no entry comes twice.
        assert!(got.len() < sizes.iter().sum(), "{path}: {sizes:?}");
        assert_eq!(
            filtered["self"],
            serde_json::json!([server.url(&path)]),
            "{path}"
        );
        let title = filtered["title"].as_str().expect("a title");
        assert!(
            title.contains("cartels") && title.contains("diplomacy"),
            "{path}: {title}"
        );
        if file == "atom.xml" {
            // The feed id derives from the collection id and the canonical set (UUID v5 of
            // `<id>feeds/cartels+diplomacy/`, as `tags/<slug>/` for a tag).
            let expected = Command::new(python())
                .args([
                    "-c",
                    "import uuid; print(uuid.uuid5(uuid.NAMESPACE_URL, \
                     'https://example.org/us-mexico-security/feeds/cartels+diplomacy/'))",
                ])
                .output()
                .expect("run python");
            let expected = String::from_utf8(expected.stdout).unwrap();
            assert_eq!(
                filtered["feed_id"],
                format!("urn:uuid:{}", expected.trim()),
                "{path}"
            );
        }
        if file == "calendar.ics" {
            assert_eq!(filtered["name"], filtered["title"], "{path}");
        }
    }
    // The filter's page, the feeds' home link, lists its feeds.
    let page = get(&server.url(FILTER), &[]);
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let page = page.text();
    assert!(page.contains("Follow “cartels, diplomacy”"), "{page}");
    assert!(page.contains("rss.xml"), "{page}");
}

/// The RSS and Atom documents of the filter at `filter` (`/feeds/<set>/`) as served, with the
/// subscription list, judged by the W3C Feed Validation Service's code: no error, no warning.
fn check_with_w3c_validator(project: &Project, server: &Server, filter: &str) {
    // Beside the clone, as for `tests/cli/external.rs`: CI always has it.
    let validator = repo_path("../shared/tools/w3c-feedvalidator/validate");
    if !validator.is_file() && std::env::var("CI").as_deref() != Ok("true") {
        eprintln!(
            "skipped: the W3C feed validator ({} not found)",
            validator.display()
        );
        return;
    }
    // The documents as served, laid out as a published folder at the server's address.
    let public = project.path("served");
    for file in ["rss.xml", "atom.xml"] {
        let reply = get(&server.url(&format!("{filter}{file}")), &[]);
        assert_eq!(reply.status, 200);
        project.write(&format!("served{filter}{file}"), &reply.text());
    }
    project.write(
        "served/feeds.opml",
        &get(&server.url("/feeds.opml"), &[]).text(),
    );
    project.write(
        "served.toml",
        &format!("base_url = \"{}/\"\n", server.origin),
    );
    let out = Command::new(python())
        .arg(repo_path("tests/external/validate_feeds.py"))
        .arg("--validator")
        .arg(validator)
        .arg("--public")
        .arg(&public)
        .arg("--config")
        .arg(project.path("served.toml"))
        .output()
        .expect("run validate_feeds.py");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{report}");
    assert!(report.contains("3 passed, 0 failed"), "{report}");
}

#[test]
fn filtered_rss_and_atom_pass_the_w3c_validator() {
    let project = Project::sample();
    let server = project.serve(&[]);
    check_with_w3c_validator(&project, &server, FILTER);
}

#[test]
fn hostile_tag_names_are_escaped_in_every_filtered_document() {
    let project = Project::sample();
    let retag = |file: &str, tags: &str| {
        let text = project.read(file);
        let line = text
            .lines()
            .find(|l| l.starts_with("tags = "))
            .expect("a tags line")
            .to_string();
        project.write(file, &text.replacen(&line, &format!("tags = {tags}"), 1));
    };
    retag(
        "events/2025/02-27-first-cartel-transfer.md",
        r#"["<b>", "C++", "a,b;c"]"#,
    );
    retag(
        "events/2025/08-12-second-cartel-transfer.md",
        r#"["東京", "<b>", "Tom & Jerry]]>"]"#,
    );
    let server = project.serve(&[]);
    // Slugs: a-b-c, b, c, dong-jing, tom-jerry.
    let filter = "/feeds/a-b-c+b+dong-jing+tom-jerry/";
    check_with_w3c_validator(&project, &server, filter);
    let names = "a,b;c, <b>, 東京, Tom & Jerry]]>";
    for file in FILES {
        let path = format!("{filter}{file}");
        let read = read(&server, &path);
        assert_eq!(read["bozo"], false, "{path}: {read}");
        assert_eq!(ids(&read).len(), 2, "{path}: {read}");
        // RSS text has an invisible WORD JOINER after a `<` that would open a tag.
        let title = read["title"]
            .as_str()
            .expect("a title")
            .replace('\u{2060}', "");
        assert!(title.ends_with(names), "{path}: {title}");
    }
}

#[test]
fn a_filter_is_answered_like_a_built_output() {
    let project = Project::sample();
    let server = project.serve(&[]);
    for file in FILES {
        let url = server.url(&format!("{FILTER}{file}"));
        let plain = get(&url, &[]);
        assert_eq!(plain.status, 200, "{file}");
        assert_eq!(plain.header("access-control-allow-origin"), Some("*"));
        assert_eq!(plain.header("vary"), Some("Accept-Encoding"));
        assert!(plain.header("last-modified").is_some());
        let etag = plain.header("etag").expect("an etag").to_string();
        assert!(etag.starts_with('"'), "a strong etag: {etag}");
        // Asked again (now from the cache), the same bytes.
        let again = get(&url, &[]);
        assert_eq!(again.body, plain.body, "{file}");
        assert_eq!(again.header("etag"), Some(etag.as_str()));
        let not_modified = get(&url, &[("if-none-match", &etag)]);
        assert_eq!(not_modified.status, 304, "{file}");
        assert!(not_modified.body.is_empty());
        let head = request("HEAD", &url, &[]);
        assert_eq!(head.status, 200);
        assert!(head.body.is_empty());
        assert_eq!(
            head.header("content-length"),
            Some(plain.body.len().to_string().as_str())
        );
        let preflight = request("OPTIONS", &url, &[]);
        assert_eq!(preflight.status, 204, "{file}");
        assert_eq!(preflight.header("access-control-allow-origin"), Some("*"));
        let post = request("POST", &url, &[]);
        assert_eq!(post.status, 405, "{file}");
        let gzip = get(&url, &[("accept-encoding", "gzip")]);
        assert_eq!(gzip.header("content-encoding"), Some("gzip"), "{file}");
        let mut decoded = Vec::new();
        flate2::read::GzDecoder::new(&gzip.body[..])
            .read_to_end(&mut decoded)
            .expect("gzip");
        assert_eq!(decoded, plain.body, "{file}");
        assert_eq!(
            gzip.header("etag"),
            Some(format!("{}-gzip\"", etag.trim_end_matches('"')).as_str())
        );
        let br = get(&url, &[("accept-encoding", "gzip, br")]);
        assert_eq!(br.header("content-encoding"), Some("br"), "{file}");
        let mut decoded = Vec::new();
        brotli::Decompressor::new(&br.body[..], 4096)
            .read_to_end(&mut decoded)
            .expect("brotli");
        assert_eq!(decoded, plain.body, "{file}");
        let br_etag = br.header("etag").expect("an etag");
        let not_modified = get(
            &url,
            &[("accept-encoding", "br"), ("if-none-match", br_etag)],
        );
        assert_eq!(not_modified.status, 304, "{file}");
    }
}

#[test]
fn other_spellings_move_and_bad_filters_are_refused() {
    let project = Project::sample();
    let server = project.serve(&[]);
    for (path, location) in [
        (
            "/feeds/diplomacy+cartels/rss.xml",
            "/feeds/cartels+diplomacy/rss.xml",
        ),
        (
            "/feeds/diplomacy+cartels+diplomacy/calendar.ics",
            "/feeds/cartels+diplomacy/calendar.ics",
        ),
        ("/feeds/trade+trade/atom.xml", "/tags/trade/atom.xml"),
        ("/feeds/trade/feed.json", "/tags/trade/feed.json"),
    ] {
        let reply = get(&server.url(path), &[]);
        assert_eq!(reply.status, 301, "{path}");
        assert_eq!(reply.header("location"), Some(location), "{path}");
    }
    // An unknown tag: 404 naming nothing of the request.
    let unknown = get(&server.url("/feeds/cartels+nosuchtag/rss.xml"), &[]);
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.text(), "not found\n");
    let unknown_preflight = request(
        "OPTIONS",
        &server.url("/feeds/cartels+nosuchtag/rss.xml"),
        &[],
    );
    assert_eq!(unknown_preflight.status, 404);
    let seventeen: Vec<String> = (0..17).map(|i| format!("t{i}")).collect();
    let too_many = get(
        &server.url(&format!("/feeds/{}/rss.xml", seventeen.join("+"))),
        &[],
    );
    assert_eq!(too_many.status, 400);
    let long = format!("/feeds/{}+b/rss.xml", "a".repeat(4000));
    assert_eq!(get(&server.url(&long), &[]).status, 414);
    for target in [
        &b"/feeds/../rss.xml"[..],
        b"/feeds/cartels+diplomacy/../../rss.xml",
        b"/feeds/cartels%2Fdiplomacy/rss.xml",
        b"/feeds/cartels+diplomacy%2Frss.xml",
        b"/feeds/%2e%2e/rss.xml",
        b"/feeds/cartels+%1b%5b31m/rss.xml",
        b"/feeds//rss.xml",
    ] {
        let (status, answer) = raw_get(server.port, target);
        let shown = String::from_utf8_lossy(target);
        assert_eq!(status, 404, "{shown}");
        assert!(answer.ends_with(b"\r\n\r\nnot found\n"), "{shown}");
    }
    // Still serving.
    assert_eq!(
        get(&server.url(&format!("{FILTER}rss.xml")), &[]).status,
        200
    );
    assert!(!server.stderr().contains("panicked"), "{}", server.stderr());
}

#[test]
fn an_edit_to_a_tagged_event_changes_the_filtered_feed() {
    let project = Project::sample();
    let server = project.serve(&[]);
    let path = format!("{FILTER}atom.xml");
    let before = get(&server.url(&path), &[]);
    let etag = before.header("etag").expect("an etag").to_string();
    let file = "events/2025/02-27-first-cartel-transfer.md";
    let text = project.read(file).replacen(
        "title = \"Mexico sends 29 cartel figures",
        "title = \"Mexico sends twenty-nine cartel figures",
        1,
    );
    project.write(file, &text);
    let after = server.wait_for_body(&path, |body| body.contains("twenty-nine cartel figures"));
    assert_ne!(after.header("etag"), Some(etag.as_str()));
    let revalidated = get(&server.url(&path), &[("if-none-match", &etag)]);
    assert_eq!(revalidated.status, 200);
}
