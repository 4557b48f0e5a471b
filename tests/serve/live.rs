//! Starting, rebuilding on edits, keeping the last good set, stopping, slow clients.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crate::harness::{get, Project};

const TARIFF: &str = "events/2025/03-04-fentanyl-tariff.md";
const TARIFF_TITLE: &str = "US 25 percent fentanyl tariff on Mexican imports takes effect";

#[test]
fn an_edited_event_shows_up_and_old_validators_miss() {
    let project = Project::sample();
    let server = project.serve(&[]);
    let before = get(&server.url("/rss.xml"), &[]);
    let etag = before.header("etag").unwrap().to_string();
    let modified = before.header("last-modified").unwrap().to_string();
    assert!(before.text().contains(TARIFF_TITLE));

    // Only the title changes: the event dates, and so the build's "now", stay the same.
    let text = project
        .read(TARIFF)
        .replace(TARIFF_TITLE, "Fentanyl tariff edited live");
    project.write(TARIFF, &text);
    let after = server.wait_for_body("/rss.xml", |body| {
        body.contains("Fentanyl tariff edited live")
    });
    assert!(!after.text().contains(TARIFF_TITLE));
    assert_ne!(after.header("etag"), Some(etag.as_str()));
    // The old validators no longer match, so pollers get the new bytes.
    assert_eq!(
        get(&server.url("/rss.xml"), &[("If-None-Match", &etag)]).status,
        200
    );
    assert_eq!(
        get(&server.url("/rss.xml"), &[("If-Modified-Since", &modified)]).status,
        200
    );
    // Every view holding the event changed; the calendar too.
    let ics = get(&server.url("/tags/tariffs/calendar.ics"), &[]).text();
    assert!(ics.contains("Fentanyl tariff edited live"));
}

/// A calendar's entity tag as serve makes it, from the hashes of its parts (so that a calendar
/// patched after an edit needs no second pass over its bytes): the 64-bit xxh3 of the header
/// (everything before the first VEVENT), of each VEVENT, then the footer's bytes, all hashed
/// with the 128-bit xxh3.
fn calendar_digest(body: &[u8]) -> u128 {
    const BEGIN: &[u8] = b"BEGIN:VEVENT\r\n";
    const FOOTER: &[u8] = b"END:VCALENDAR\r\n";
    assert!(body.ends_with(FOOTER), "a calendar ends with its footer");
    let events = &body[..body.len() - FOOTER.len()];
    let starts: Vec<usize> = (0..events.len())
        .filter(|&i| events[i..].starts_with(BEGIN) && (i == 0 || events[i - 1] == b'\n'))
        .collect();
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    let header_end = starts.first().copied().unwrap_or(events.len());
    hasher.update(&xxhash_rust::xxh3::xxh3_64(&events[..header_end]).to_le_bytes());
    for (n, &start) in starts.iter().enumerate() {
        let end = starts.get(n + 1).copied().unwrap_or(events.len());
        hasher.update(&xxhash_rust::xxh3::xxh3_64(&events[start..end]).to_le_bytes());
    }
    hasher.update(FOOTER);
    hasher.digest128()
}

#[test]
fn responses_during_rebuilds_have_the_headers_of_their_bytes() {
    let project = Project::sample();
    let server = project.serve(&["--quiet"]);
    let stop = Arc::new(AtomicBool::new(false));
    // Clients polling while outputs are replaced: each answer's ETag and length must be those
    // of the bytes it carries, whichever build they come from.
    let pollers: Vec<_> = ["/rss.xml", "/calendar.ics", "/rss.xml"]
        .into_iter()
        .map(|path| {
            let url = server.url(path);
            let stop = Arc::clone(&stop);
            thread::spawn(move || {
                let (mut answered, mut unavailable) = (0, 0);
                while !stop.load(Ordering::Relaxed) {
                    let reply = get(&url, &[]);
                    match reply.status {
                        200 => answered += 1,
                        // Files kept changing for longer than a request waits: said so.
                        503 => {
                            unavailable += 1;
                            continue;
                        }
                        status => panic!("{url}: {status}"),
                    }
                    let hash = if url.ends_with(".ics") {
                        calendar_digest(&reply.body)
                    } else {
                        xxhash_rust::xxh3::xxh3_128(&reply.body)
                    };
                    assert_eq!(
                        reply.header("etag"),
                        Some(format!("\"{hash:032x}\"").as_str()),
                        "{url}"
                    );
                    assert_eq!(
                        reply.header("content-length"),
                        Some(reply.body.len().to_string().as_str()),
                        "{url}"
                    );
                }
                (answered, unavailable)
            })
        })
        .collect();
    let text = project.read(TARIFF);
    for edit in 0..12 {
        let title = format!("Fentanyl tariff edit {edit}");
        project.write(TARIFF, &text.replace(TARIFF_TITLE, &title));
        server.wait_for_body("/calendar.ics", |body| body.contains(&title));
    }
    stop.store(true, Ordering::Relaxed);
    let mut answered = 0;
    for poller in pollers {
        let (ok, unavailable) = poller.join().expect("every answer agreed with its bytes");
        answered += ok;
        assert!(unavailable <= ok, "{unavailable} answers were 503");
    }
    assert!(answered > 0);
}

#[test]
fn added_and_removed_event_files_are_picked_up() {
    let project = Project::sample();
    let server = project.serve(&[]);
    project.write(
        "events/2025/10-01-new-talks.md",
        "+++\ntitle = \"Security group holds its first meeting\"\ndate = 2025-10-01\n\
         tags = [\"security\"]\npublished = 2025-10-02T10:00:00Z\n+++\nThe group meets.\n",
    );
    let feed = server.wait_for_body("/feed.json", |body| {
        body.contains("Security group holds its first meeting")
    });
    assert_eq!(feed.status, 200);
    // The newer event moves Last-Modified forward.
    assert_eq!(
        feed.header("last-modified"),
        Some("Thu, 02 Oct 2025 10:00:00 GMT")
    );
    std::fs::remove_file(project.path(TARIFF)).expect("remove event");
    server.wait_for_body("/atom.xml", |body| !body.contains(TARIFF_TITLE));
    // A tag whose only event went away is gone with it.
    let _ = server.wait_for_body("/feed.json", |body| !body.contains(TARIFF_TITLE));
}

#[test]
fn a_broken_edit_keeps_the_last_good_set_until_fixed() {
    let project = Project::sample();
    let server = project.serve(&[]);
    let good = get(&server.url("/calendar.ics"), &[]);
    let original = project.read(TARIFF);

    project.write(
        TARIFF,
        &original.replace("date = 2025-03-04", "date = 2025-02-30"),
    );
    server.wait_for_stderr("still serving the last good build");
    let log = server.stderr();
    assert!(
        log.lines()
            .any(|l| l.starts_with("events/2025/03-04-fentanyl-tariff.md:3:8: ")),
        "the error is reported as path:line:col:\n{log}"
    );
    let during = get(&server.url("/calendar.ics"), &[]);
    assert_eq!(during.status, 200);
    assert!(
        during.body == good.body,
        "the last good set is still served"
    );
    assert_eq!(during.header("etag"), good.header("etag"));

    project.write(
        TARIFF,
        &original.replace(TARIFF_TITLE, "Tariff fixed title"),
    );
    server.wait_for_body("/calendar.ics", |body| body.contains("Tariff fixed title"));
}

#[test]
fn a_collection_with_errors_does_not_start() {
    let project = Project::sample();
    let original = project.read(TARIFF);
    project.write(
        TARIFF,
        &original.replace("date = 2025-03-04", "date = 2025-02-30"),
    );
    let output = Command::new(env!("CARGO_BIN_EXE_chronicle"))
        .args(["serve", "--events", "events", "--addr", "127.0.0.1:0"])
        .current_dir(project.dir.path())
        .output()
        .expect("run chronicle serve");
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty(), "no URLs are printed");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("events/2025/03-04-fentanyl-tariff.md:3:8: "),
        "{stderr}"
    );
}

#[test]
fn a_bad_base_url_or_a_taken_port_is_an_error() {
    let project = Project::sample();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_chronicle"))
            .args(["serve", "--events", "events"])
            .args(args)
            .current_dir(project.dir.path())
            .output()
            .expect("run chronicle serve")
    };
    let output = run(&["--addr", "127.0.0.1:0", "--base-url", "example.org/feeds"]);
    // A bad flag value is a usage error.
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--base-url"));

    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().unwrap().to_string();
    let output = run(&["--addr", &addr]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("cannot listen on {addr}")),
        "{stderr}"
    );
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    let project = Project::sample();
    let server = project.serve(&[]);
    let url = server.url("/rss.xml");
    assert_eq!(get(&url, &[]).status, 200);
    // A keep-alive connection left open does not hold the shutdown.
    let mut idle = TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
    idle.write_all(b"GET /rss.xml HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    let mut buf = [0u8; 64];
    let _ = idle.read(&mut buf).expect("an answer");
    let started = Instant::now();
    let status = server.terminate();
    assert!(status.success(), "{status}");
    assert!(started.elapsed() < Duration::from_secs(15));
}

/// Paragraphs of varied words, about `bytes` long: text a compressor has real work on.
fn long_body(seed: u64, bytes: usize) -> String {
    const WORDS: [&str; 16] = [
        "council",
        "budget",
        "señora",
        "Straße",
        "report",
        "delays",
        "résumé",
        "members",
        "spring",
        "warn",
        "façade",
        "officials",
        "decade",
        "naïve",
        "proposal",
        "river",
    ];
    let mut state = seed | 1;
    let mut body = String::with_capacity(bytes + 64);
    while body.len() < bytes {
        for _ in 0..60 {
            // xorshift: deterministic, and varied enough that the text does not repeat.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            body.push_str(WORDS[(state % 16) as usize]);
            body.push_str(if state.is_multiple_of(11) { ". " } else { " " });
        }
        body.push_str("\n\n");
    }
    body
}

#[test]
fn sigterm_does_not_wait_for_background_compression() {
    let project = Project::sample();
    // Outputs of over a hundred megabytes: compressed in the background after listening,
    // largest last, which takes far longer than a stop may.
    for n in 0..24 {
        project.write(
            &format!("events/2024/long-{n}.md"),
            &format!(
                "+++\ntitle = \"Long report {n}\"\ndate = 2024-05-{:02}\n+++\n{}",
                n + 1,
                long_body(n, 900 * 1024)
            ),
        );
    }
    let server = project.serve(&[]);
    let calendar = get(
        &server.url("/calendar.ics"),
        &[("Accept-Encoding", "br, gzip")],
    );
    assert_eq!(calendar.status, 200);
    assert_eq!(
        calendar.header("content-encoding"),
        None,
        "the calendar is still being compressed"
    );
    let started = Instant::now();
    let status = server.terminate();
    assert!(status.success(), "{status}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "stopped after {:?}",
        started.elapsed()
    );
}

#[test]
fn a_client_that_never_finishes_its_headers_is_cut_off() {
    let project = Project::sample();
    let server = project.serve(&[]);
    let mut slow = TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
    slow.set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    slow.write_all(b"GET /rss.xml HTTP/1.1\r\nHost: 127")
        .unwrap();
    let started = Instant::now();
    let mut rest = Vec::new();
    // The server closes the connection (after answering 408 or with nothing).
    let _ = slow.read_to_end(&mut rest);
    let waited = started.elapsed();
    assert!(waited < Duration::from_secs(30), "held for {waited:?}");
    assert!(!String::from_utf8_lossy(&rest).contains("200 OK"));
    // Meanwhile and after, others are served.
    assert_eq!(get(&server.url("/rss.xml"), &[]).status, 200);
}

#[test]
fn a_promised_request_body_is_never_waited_for() {
    let project = Project::sample();
    let server = project.serve(&[]);
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    // Announces a body it never sends.
    stream
        .write_all(b"GET /rss.xml HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\nab")
        .unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.to_ascii_lowercase().contains("connection: close"));
    // Answered and closed without waiting for the body (or for a time-out).
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

/// Every file `chronicle build` writes (with the settings' base URL) is served with its bytes.
fn assert_serves_a_fresh_build(project: &Project, server: &crate::harness::Server) {
    let public = project.path("public");
    let _ = std::fs::remove_dir_all(&public);
    project.chronicle(&["build", "--events", "events", "--out", "public", "--quiet"]);
    let files = crate::http::built_files(&public);
    assert!(files.contains("rss.xml"));
    for file in &files {
        let reply = get(&server.url(&format!("/{file}")), &[]);
        assert_eq!(reply.status, 200, "/{file}");
        let written = std::fs::read(public.join(file)).expect("built file");
        assert!(reply.body == written, "/{file} differs from a fresh build");
    }
}

#[test]
fn an_edit_re_renders_only_what_holds_the_event_and_serves_a_fresh_build() {
    let project = Project::sample();
    let base_url = project.base_url();
    let server = project.serve(&["--base-url", &base_url]);
    // The edited event is tagged tariffs and trade, not extradition.
    let untouched = ["/tags/extradition/", "/tags/extradition/rss.xml"];
    let etags: Vec<String> = untouched
        .iter()
        .map(|path| {
            let reply = get(&server.url(path), &[]);
            reply.header("etag").expect("etag").to_string()
        })
        .collect();
    let text = project
        .read(TARIFF)
        .replace(TARIFF_TITLE, "Fentanyl tariff edited live");
    project.write(TARIFF, &text);
    server.wait_for_body("/rss.xml", |body| {
        body.contains("Fentanyl tariff edited live")
    });
    server.wait_for_stderr("(changed files only)");
    for (path, etag) in untouched.iter().zip(&etags) {
        let reply = get(&server.url(path), &[("If-None-Match", etag)]);
        assert_eq!(reply.status, 304, "{path} kept its entity tag");
    }
    assert_serves_a_fresh_build(&project, &server);

    // A new file, then a file removed: each rebuild still equals a fresh build.
    project.write(
        "events/2025/10-01-new-talks.md",
        "+++\ntitle = \"Security group holds its first meeting\"\ndate = 2025-10-01\n\
         tags = [\"security\", \"brand-new-tag\"]\npublished = 2025-10-02T10:00:00Z\n+++\nThe group meets.\n",
    );
    server.wait_for_body("/tags/brand-new-tag/rss.xml", |body| {
        body.contains("Security group holds its first meeting")
    });
    assert_serves_a_fresh_build(&project, &server);
    std::fs::remove_file(project.path("events/2025/10-01-new-talks.md")).expect("remove event");
    server.wait_for_body("/rss.xml", |body| {
        !body.contains("Security group holds its first meeting")
    });
    assert_eq!(
        get(&server.url("/tags/brand-new-tag/rss.xml"), &[]).status,
        404,
        "a tag whose only event went away is gone"
    );
    assert_serves_a_fresh_build(&project, &server);
}

/// The subscription list follows the tags: a tag added to an event that is not the newest (so
/// no view's date and no event count moves) is listed after the rebuild, and gone once removed.
#[test]
fn the_subscription_list_follows_a_tag_added_and_removed() {
    let project = Project::sample();
    let base_url = project.base_url();
    let server = project.serve(&["--base-url", &base_url]);
    let customs = format!("{base_url}tags/customs/atom.xml");
    let list = get(&server.url("/feeds.opml"), &[]);
    assert_eq!(list.status, 200);
    assert!(!list.text().contains(&customs));
    let original = project.read(TARIFF);
    let tagged = original.replace(
        r#"tags = ["tariffs", "trade"]"#,
        r#"tags = ["tariffs", "trade", "customs"]"#,
    );
    assert_ne!(tagged, original);
    project.write(TARIFF, &tagged);
    server.wait_for_body("/tags/customs/atom.xml", |body| body.contains(TARIFF_TITLE));
    let list = get(&server.url("/feeds.opml"), &[]).text();
    assert!(list.contains(&customs), "{list}");
    assert_serves_a_fresh_build(&project, &server);
    project.write(TARIFF, &original);
    server.wait_for_body("/feeds.opml", |body| !body.contains(&customs));
    assert_serves_a_fresh_build(&project, &server);
}

/// Removing, moving away or hiding a folder takes its events along; bringing it back returns
/// them; the collection folder itself removed (or renamed) and made again is watched anew.
/// After each change the server serves what a fresh build writes.
#[test]
fn issue_8_removed_moved_and_re_created_folders_serve_a_fresh_build() {
    let project = Project::sample();
    let extra_event = |title: &str| {
        format!("+++\ntitle = \"{title}\"\ndate = 2025-06-01\ntags = [\"extra-only\"]\n+++\nA.\n")
    };
    project.write("events/extra/deeper/a.md", &extra_event("Extra event"));
    let base_url = project.base_url();
    let server = project.serve(&["--base-url", &base_url]);
    assert!(get(&server.url("/rss.xml"), &[])
        .text()
        .contains("Extra event"));
    let (extra, hidden, outside) = (
        project.path("events/extra"),
        project.path("events/.extra"),
        project.path("outside"),
    );
    let gone = || {
        server.wait_for_body("/rss.xml", |body| !body.contains("Extra event"));
        assert_eq!(
            get(&server.url("/tags/extra-only/rss.xml"), &[]).status,
            404
        );
        assert_serves_a_fresh_build(&project, &server);
    };
    let back = || {
        server.wait_for_body("/rss.xml", |body| body.contains("Extra event"));
        assert_serves_a_fresh_build(&project, &server);
    };
    std::fs::remove_dir_all(&extra).expect("remove the folder");
    gone();
    project.write("events/extra/deeper/a.md", &extra_event("Extra event"));
    back();
    std::fs::rename(&extra, &hidden).expect("hide the folder");
    gone();
    std::fs::rename(&hidden, &extra).expect("show the folder");
    back();
    std::fs::rename(&extra, &outside).expect("move the folder out");
    gone();
    std::fs::rename(&outside, &extra).expect("move the folder in");
    back();

    // The collection folder removed, then made again: its later edits are picked up.
    let events = project.events();
    let saved = project.path("saved");
    crate::common::copy_dir(&events, &saved);
    std::fs::remove_dir_all(&events).expect("remove the collection");
    server.wait_for_stderr("the collection folder events was removed or renamed");
    std::thread::sleep(Duration::from_millis(300));
    crate::common::copy_dir(&saved, &events);
    server.wait_for_stderr("the collection folder events is back");
    project.write(
        "events/extra/deeper/a.md",
        &extra_event("Edited after re-creation"),
    );
    server.wait_for_body("/rss.xml", |body| body.contains("Edited after re-creation"));
    assert_serves_a_fresh_build(&project, &server);

    // Renamed away and made again at once: the watch follows the path, not the old folder.
    std::fs::rename(&events, project.path("events.old")).expect("rename the collection");
    crate::common::copy_dir(&saved, &events);
    server.wait_for_body("/rss.xml", |body| body.contains("Extra event"));
    project.write(
        "events/extra/deeper/a.md",
        &extra_event("Edited in the new folder"),
    );
    server.wait_for_body("/rss.xml", |body| body.contains("Edited in the new folder"));
    assert_serves_a_fresh_build(&project, &server);
    let log = server.stderr();
    let back = log.matches("the collection folder events is back").count();
    assert!(back >= 2, "{log}");
}
