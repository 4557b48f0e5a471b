//! What the server answers: paths, types, bytes, validators, codings, errors.

use std::collections::BTreeSet;
use std::fs;
use std::io::Read;
use std::path::Path;

use crate::harness::{get, raw, raw_get, request, Project};

/// Every file `build` wrote, relative and `/`-separated (the manifest left out).
pub(crate) fn built_files(public: &Path) -> BTreeSet<String> {
    walkdir::WalkDir::new(public)
        .into_iter()
        .map(|entry| entry.expect("walk public"))
        .filter(|entry| entry.file_type().is_file())
        .map(|entry| {
            let relative = entry.path().strip_prefix(public).expect("inside public");
            relative.to_str().expect("UTF-8 path").replace('\\', "/")
        })
        .filter(|path| !path.starts_with(".chronicle"))
        .collect()
}

fn media_type(path: &str) -> &'static str {
    match path.rsplit('/').next() {
        Some("rss.xml") => "application/rss+xml; charset=utf-8",
        Some("atom.xml") => "application/atom+xml; charset=utf-8",
        Some("feed.json") => "application/feed+json; charset=utf-8",
        // `calendar.ics` and each calendar's readable name.
        Some(name) if name.ends_with(".ics") => "text/calendar; charset=utf-8",
        Some("feeds.opml") => "text/x-opml; charset=utf-8",
        Some(name) if name.ends_with(".html") => "text/html; charset=utf-8",
        other => panic!("build wrote an unexpected file {other:?}"),
    }
}

#[test]
fn every_built_file_is_served_with_its_type_and_bytes() {
    let project = Project::sample();
    project.chronicle(&["build", "--events", "events", "--out", "public", "--quiet"]);
    let files = built_files(&project.path("public"));
    assert!(files.contains("rss.xml") && files.contains("tags/trade/calendar.ics"));
    assert!(files.contains("feeds.opml"));
    // With the settings' base_url as link base, serve must answer build's exact bytes.
    let base_url = project.base_url();
    let server = project.serve(&["--base-url", &base_url]);
    for file in &files {
        let reply = get(&server.url(&format!("/{file}")), &[]);
        assert_eq!(reply.status, 200, "/{file}");
        assert_eq!(
            reply.header("content-type"),
            Some(media_type(file)),
            "/{file}"
        );
        let written = std::fs::read(project.path("public").join(file)).expect("built file");
        assert!(
            reply.body == written,
            "/{file} differs from what build wrote"
        );
        assert_eq!(
            reply.header("access-control-allow-origin"),
            Some("*"),
            "/{file}"
        );
        assert_eq!(reply.header("vary"), Some("Accept-Encoding"), "/{file}");
        let cache = reply.header("cache-control").expect("cache-control");
        assert!(cache.contains("max-age="), "/{file}: {cache}");
        let length: usize = reply
            .header("content-length")
            .expect("length")
            .parse()
            .unwrap();
        assert_eq!(length, written.len(), "/{file}");
    }
    // A calendar's readable name answers from the same file: one entity tag for both.
    for (calendar, readable) in [
        ("calendar.ics", "us-mexico-security-cooperation-2025.ics"),
        (
            "tags/trade/calendar.ics",
            "tags/trade/us-mexico-security-cooperation-2025-trade.ics",
        ),
    ] {
        assert!(files.contains(readable), "{readable} built");
        let (a, b) = (
            get(&server.url(&format!("/{calendar}")), &[]),
            get(&server.url(&format!("/{readable}")), &[]),
        );
        assert!(a.header("etag").is_some());
        assert_eq!(a.header("etag"), b.header("etag"), "{readable}");
    }
    // The subscribe URLs are the public ones, and the listening address is said too.
    assert_eq!(
        server.stdout,
        format!(
            "listening on {origin}/\n\
             links point at {base_url}\n\
             RSS         {base_url}rss.xml\n\
             Atom        {base_url}atom.xml\n\
             JSON Feed   {base_url}feed.json\n\
             Calendar    {base_url}{CALENDAR}\n            webcal://{webcal}{CALENDAR}\n\
             Feed list   {base_url}feeds.opml\n\
             Subscribe   {base_url}subscribe/\n",
            origin = server.origin,
            webcal = base_url.trim_start_matches("https://"),
        )
    );
}

/// The sample calendar's readable name, which `serve` prints.
const CALENDAR: &str = "us-mexico-security-cooperation-2025.ics";

#[test]
fn links_point_at_the_server_by_default() {
    let project = Project::sample();
    let server = project.serve(&[]);
    let origin = &server.origin;
    assert_eq!(
        server.stdout,
        format!(
            "listening on {origin}/\n\
             RSS         {origin}/rss.xml\n\
             Atom        {origin}/atom.xml\n\
             JSON Feed   {origin}/feed.json\n\
             Calendar    {origin}/{CALENDAR}\n            webcal://127.0.0.1:{}/{CALENDAR}\n\
             Feed list   {origin}/feeds.opml\n\
             Subscribe   {origin}/subscribe/\n",
            server.port
        )
    );
    let atom = get(&server.url("/atom.xml"), &[]).text();
    assert!(
        atom.contains(&format!("<link href=\"{origin}/atom.xml\" rel=\"self\"")),
        "{atom}"
    );
    let rss = get(&server.url("/rss.xml"), &[]).text();
    assert!(rss.contains(&format!(
        "<atom:link href=\"{origin}/rss.xml\" rel=\"self\""
    )));
    let tag_rss = get(&server.url("/tags/trade/rss.xml"), &[]).text();
    assert!(tag_rss.contains(&format!(
        "href=\"{origin}/tags/trade/rss.xml\" rel=\"self\""
    )));
    let json = get(&server.url("/feed.json"), &[]).text();
    assert!(
        json.contains(&format!("\"feed_url\": \"{origin}/feed.json\"")),
        "{json}"
    );
    // Identities do not move with the address: entry ids come from the collection id.
    let published = project.chronicle(&["export", "--events", "events", "--format", "atom"]);
    let ids = |text: &str| -> Vec<String> {
        text.split("<id>")
            .skip(1)
            .map(|s| s.split("</id>").next().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(&atom), ids(&String::from_utf8(published).unwrap()));
}

#[test]
fn conditional_requests_answer_304_without_a_body() {
    let project = Project::sample();
    let server = project.serve(&[]);
    for path in [
        "/rss.xml",
        "/atom.xml",
        "/feed.json",
        "/calendar.ics",
        "/tags/trade/atom.xml",
    ] {
        let url = server.url(path);
        let first = get(&url, &[]);
        let etag = first.header("etag").expect("etag").to_string();
        let modified = first
            .header("last-modified")
            .expect("last-modified")
            .to_string();
        assert!(
            etag.starts_with('"') && etag.ends_with('"'),
            "a strong etag: {etag}"
        );
        // Last-Modified comes from the data (the sample's newest update), not the clock.
        assert_eq!(modified, "Thu, 04 Sep 2025 14:50:00 GMT", "{path}");

        let by_etag = get(&url, &[("If-None-Match", &etag)]);
        assert_eq!(by_etag.status, 304, "{path} If-None-Match");
        assert!(by_etag.body.is_empty());
        assert_eq!(by_etag.header("etag"), Some(etag.as_str()));
        assert_eq!(
            by_etag.header("cache-control"),
            first.header("cache-control")
        );
        let listed = format!("\"nope\", {etag}");
        assert_eq!(get(&url, &[("If-None-Match", &listed)]).status, 304);
        assert_eq!(get(&url, &[("If-None-Match", "\"nope\"")]).status, 200);

        let by_date = get(&url, &[("If-Modified-Since", &modified)]);
        assert_eq!(by_date.status, 304, "{path} If-Modified-Since");
        assert!(by_date.body.is_empty());
        let earlier = get(
            &url,
            &[("If-Modified-Since", "Thu, 04 Sep 2025 14:49:59 GMT")],
        );
        assert_eq!(earlier.status, 200);
        assert_eq!(earlier.body, first.body);
        // If-None-Match decides when both are sent (RFC 9110 13.2.2).
        let both = get(
            &url,
            &[
                ("If-None-Match", "\"nope\""),
                ("If-Modified-Since", &modified),
            ],
        );
        assert_eq!(both.status, 200);
    }
}

#[test]
fn head_answers_like_get_without_a_body() {
    let project = Project::sample();
    let server = project.serve(&[]);
    for path in ["/rss.xml", "/calendar.ics", "/nope"] {
        let got = get(&server.url(path), &[]);
        let head = request("HEAD", &server.url(path), &[]);
        assert_eq!(head.status, got.status, "{path}");
        assert!(head.body.is_empty(), "{path}");
        for name in [
            "content-type",
            "content-length",
            "etag",
            "last-modified",
            "vary",
        ] {
            assert_eq!(head.header(name), got.header(name), "{path} {name}");
        }
    }
    // Raw, to see that no body bytes follow the head on the wire.
    let (status, answer) = raw(
        server.port,
        b"HEAD /rss.xml HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status, 200);
    assert!(answer.ends_with(b"\r\n\r\n"), "HEAD sent a body");
}

#[test]
fn gzip_and_brotli_round_trip() {
    let project = Project::sample();
    let server = project.serve(&[]);
    for path in ["/rss.xml", "/atom.xml", "/feed.json", "/calendar.ics"] {
        let url = server.url(path);
        let plain = get(&url, &[]);
        assert_eq!(plain.header("content-encoding"), None);

        let gzip = get(&url, &[("Accept-Encoding", "gzip")]);
        assert_eq!(gzip.header("content-encoding"), Some("gzip"), "{path}");
        assert!(gzip.body.len() < plain.body.len());
        let mut unzipped = Vec::new();
        flate2::read::GzDecoder::new(&gzip.body[..])
            .read_to_end(&mut unzipped)
            .expect("valid gzip");
        assert!(unzipped == plain.body, "{path}: gzip round trip");
        assert_ne!(
            gzip.header("etag"),
            plain.header("etag"),
            "a coding is its own representation"
        );
        assert_eq!(gzip.header("vary"), Some("Accept-Encoding"));

        let br = get(&url, &[("Accept-Encoding", "gzip, deflate, br")]);
        assert_eq!(br.header("content-encoding"), Some("br"), "{path}");
        let mut unbrotli = Vec::new();
        brotli::Decompressor::new(&br.body[..], 4096)
            .read_to_end(&mut unbrotli)
            .expect("valid brotli");
        assert!(unbrotli == plain.body, "{path}: brotli round trip");

        // A coding refused with q=0 is not used; the compressed ETag revalidates its variant.
        let refused = get(&url, &[("Accept-Encoding", "br;q=0, gzip;q=0")]);
        assert_eq!(refused.header("content-encoding"), None);
        let etag = gzip.header("etag").unwrap();
        let again = get(
            &url,
            &[("Accept-Encoding", "gzip"), ("If-None-Match", etag)],
        );
        assert_eq!(again.status, 304);
    }
}

/// The folders in `dir`.
fn folders(dir: &Path) -> Vec<std::path::PathBuf> {
    fs::read_dir(dir)
        .expect("read the folder")
        .map(|entry| entry.expect("an entry").path())
        .filter(|path| path.is_dir())
        .collect()
}

#[test]
fn compressed_variants_are_files_of_a_private_store_removed_at_exit() {
    let project = Project::sample();
    let tmp = tempfile::tempdir().expect("temporary directory");
    let server = project.serve_with_env(&[], &[("TMPDIR", tmp.path())]);
    let (stores, outputs): (Vec<_>, Vec<_>) = folders(tmp.path()).into_iter().partition(|dir| {
        dir.file_name().is_some_and(|name| {
            name.to_string_lossy()
                .starts_with("chronicle-serve-variants-")
        })
    });
    assert_eq!(stores.len(), 1, "{stores:?}");
    let store = &stores[0];
    // The folder serve writes its outputs into holds no variant.
    for dir in &outputs {
        for entry in walkdir::WalkDir::new(dir) {
            let path = entry.expect("an entry").into_path();
            let extension = path.extension().unwrap_or_default();
            assert!(extension != "gz" && extension != "br", "{}", path.display());
        }
    }
    // The sample is compressed before the server listens.
    for (coding, extension) in [("gzip", "gz"), ("br", "br")] {
        let reply = get(&server.url("/rss.xml"), &[("Accept-Encoding", coding)]);
        assert_eq!(reply.header("content-encoding"), Some(coding));
        let etag = reply.header("etag").expect("an ETag");
        let hash = etag
            .trim_matches('"')
            .strip_suffix(&format!("-{coding}"))
            .expect("the coding's tag");
        let file = store.join(format!("{hash}.{extension}"));
        assert!(
            fs::read(&file).expect("the variant's file") == reply.body,
            "{coding}: the body is the file's"
        );
    }
    // Only variants, `<32 hex digits>.gz` or `.br`, and the lock held while the server runs.
    for entry in fs::read_dir(store).expect("read the store") {
        let name = entry.expect("an entry").file_name();
        let name = name.to_string_lossy();
        if name == ".lock" {
            continue;
        }
        let (hash, extension) = name.split_once('.').expect("an extension");
        assert!(
            hash.len() == 32 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
            "{name}"
        );
        assert!(["gz", "br"].contains(&extension), "{name}");
    }
    assert!(server.terminate().success());
    assert_eq!(folders(tmp.path()), Vec::<std::path::PathBuf>::new());
}

#[test]
fn an_output_removed_from_the_folder_is_503_not_a_wrong_body() {
    let project = Project::sample();
    let out = project.path("public");
    let server = project.serve(&["--out", out.to_str().expect("a UTF-8 path")]);
    assert_eq!(get(&server.url("/rss.xml"), &[]).status, 200);
    fs::remove_file(out.join("rss.xml")).expect("remove the feed");
    let started = std::time::Instant::now();
    let reply = get(&server.url("/rss.xml"), &[]);
    assert_eq!(reply.status, 503);
    assert_eq!(reply.header("retry-after"), Some("1"));
    // After waiting for a newer set that never came.
    assert!(started.elapsed() >= std::time::Duration::from_millis(500));
    server.wait_for_stderr("cannot answer /rss.xml: ");
    // HEAD and a revalidation open nothing: they are answered from the index.
    assert_eq!(request("HEAD", &server.url("/rss.xml"), &[]).status, 200);
    // The other outputs are served as before.
    assert_eq!(get(&server.url("/atom.xml"), &[]).status, 200);
}

#[test]
fn a_folder_without_its_slash_redirects_to_the_folder() {
    let project = Project::sample();
    let server = project.serve(&[]);
    for folder in ["/years/2025", "/tags/trade"] {
        for method in ["GET", "HEAD"] {
            let reply = request(method, &server.url(folder), &[]);
            assert_eq!(reply.status, 301, "{method} {folder}");
            assert_eq!(
                reply.header("location"),
                Some(format!("{folder}/").as_str())
            );
        }
        let page = get(&server.url(&format!("{folder}/")), &[]);
        assert_eq!(page.status, 200, "{folder}/");
    }
    // The slash is added to the path only: a query is not echoed into the header.
    let (status, answer) = raw_get(server.port, b"/years/2025?x=%0d%0aSet-Cookie:a");
    assert_eq!(status, 301);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.contains("location: /years/2025/\r\n"), "{answer}");
    assert!(
        !answer.to_ascii_lowercase().contains("set-cookie"),
        "{answer}"
    );
}

#[test]
fn unknown_paths_are_404() {
    let project = Project::sample();
    let server = project.serve(&[]);
    for path in [
        "/nope",
        "/RSS.XML",
        "/rss.xml/",
        "/tags/no-such-tag",
        "/tags/no-such-tag/rss.xml",
        "/events/chronicle.toml",
        "/chronicle.toml",
        "/2025/03-04-fentanyl-tariff.md",
        "/.chronicle-outputs",
    ] {
        let reply = get(&server.url(path), &[]);
        assert_eq!(reply.status, 404, "{path}");
        assert_eq!(reply.header("etag"), None, "{path}");
    }
    assert_eq!(request("POST", &server.url("/rss.xml"), &[]).status, 405);
    assert_eq!(request("DELETE", &server.url("/rss.xml"), &[]).status, 405);
}

#[test]
fn traversal_attempts_never_reach_a_file() {
    let project = Project::sample();
    // A file beside the collection that a path joined onto the file system would reach.
    project.write("secret.txt", "do not serve\n");
    let server = project.serve(&[]);
    let targets: [&[u8]; 16] = [
        b"/../secret.txt",
        b"/tags/../rss.xml",
        b"/./rss.xml",
        b"//rss.xml",
        b"/%2e%2e/secret.txt",
        b"/%2E%2E/%2E%2E/etc/passwd",
        b"/..%2fsecret.txt",
        b"/%2e%2e%2fsecret.txt",
        b"/tags/trade/..%2F..%2Fsecret.txt",
        b"/%2frss.xml",
        b"/..\\secret.txt",
        b"/tags\\..\\rss.xml",
        b"/rss.xml%00",
        b"/rss.xml%00.txt",
        b"/events/2025/03-04-fentanyl-tariff.md",
        b"/%72ss.xml",
    ];
    for target in targets {
        let (status, answer) = raw_get(server.port, target);
        let shown = String::from_utf8_lossy(target);
        // 404 when the request line parses; 400 when the HTTP parser refuses it first.
        assert!(status == 404 || status == 400, "{shown}: {status}");
        assert!(
            !String::from_utf8_lossy(&answer).contains("do not serve"),
            "{shown}"
        );
    }
    // A raw NUL or a space in the request line never parses.
    for target in [&b"/rss.xml\0"[..], b"/../secret.txt\0", b"/rss.xml /x"] {
        let (status, _) = raw_get(server.port, target);
        assert!(status == 400 || status == 404, "{target:?}: {status}");
    }
    // An absolute-form target routes by its path only.
    let absolute = format!("http://127.0.0.1:{}/../secret.txt", server.port);
    assert_eq!(raw_get(server.port, absolute.as_bytes()).0, 404);
}

#[test]
fn oversized_headers_are_refused() {
    let project = Project::sample();
    let server = project.serve(&[]);
    let big = "x".repeat(64 * 1024);
    let head = format!(
        "GET /rss.xml HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: {big}\r\nConnection: close\r\n\r\n"
    );
    let (status, _) = raw(server.port, head.as_bytes());
    assert_eq!(status, 431);
    // The server still answers others.
    assert_eq!(get(&server.url("/rss.xml"), &[]).status, 200);
}

#[test]
fn issue_11_a_missing_or_repeated_host_is_a_bad_request() {
    let project = Project::sample();
    let server = project.serve(&[]);
    // RFC 9112 3.2: exactly one Host in HTTP/1.1; never two.
    for head in [
        &b"GET /rss.xml HTTP/1.1\r\nConnection: close\r\n\r\n"[..],
        b"GET /rss.xml HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
        b"GET /rss.xml HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n",
        b"GET /rss.xml HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n",
        b"GET /rss.xml HTTP/1.1\r\nHost: user@127.0.0.1\r\nConnection: close\r\n\r\n",
    ] {
        let (status, answer) = raw(server.port, head);
        assert_eq!(status, 400, "{}", String::from_utf8_lossy(head));
        let answer = String::from_utf8_lossy(&answer).to_ascii_lowercase();
        assert!(answer.contains("connection: close"), "{answer}");
    }
    // HTTP/1.0 needs none.
    let (status, _) = raw(server.port, b"GET /rss.xml HTTP/1.0\r\n\r\n");
    assert_eq!(status, 200);
}

#[test]
fn cors_preflight_for_conditional_requests() {
    let project = Project::sample();
    let server = project.serve(&[]);
    let reply = request(
        "OPTIONS",
        &server.url("/atom.xml"),
        &[
            ("Origin", "https://reader.example"),
            ("Access-Control-Request-Method", "GET"),
            ("Access-Control-Request-Headers", "if-none-match"),
        ],
    );
    assert_eq!(reply.status, 204);
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
    let allowed = reply
        .header("access-control-allow-headers")
        .unwrap()
        .to_ascii_lowercase();
    assert!(allowed.contains("if-none-match"), "{allowed}");
}

#[test]
fn each_request_is_logged_unless_quiet() {
    let project = Project::sample();
    let server = project.serve(&[]);
    let length = get(&server.url("/feed.json"), &[]).body.len();
    get(&server.url("/nope"), &[]);
    server.wait_for_stderr("GET /nope 404 10 ");
    let log = server.stderr();
    let line = log
        .lines()
        .find(|l| l.starts_with("GET /feed.json "))
        .expect("a log line");
    let fields: Vec<&str> = line.split(' ').collect();
    assert_eq!(
        fields[..4],
        ["GET", "/feed.json", "200", &length.to_string()],
        "{line}"
    );
    assert!(fields[4].ends_with("ms"), "{line}");

    let quiet = project.serve(&["--quiet"]);
    get(&quiet.url("/feed.json"), &[]);
    get(&quiet.url("/nope"), &[]);
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(quiet.stderr(), "");
}
