//! Live reload: pages served by `serve` reload in a real browser after an edit, and show the
//! collection's errors while it has any; the built pages stay script-free.

use std::fs;
use std::process::Command;

use crate::common::installed_tool;
use crate::harness::{get, Project};

#[test]
fn an_open_page_reloads_after_an_edit_and_shows_errors_until_fixed() {
    let script = installed_tool("tests/external/live_reload.mjs");
    installed_tool("tests/external/node_modules/playwright-core/package.json");
    let project = Project::sample();
    let server = project.serve_live(&[]);
    let file = project.path("events/2025/02-20-terrorist-designations.md");
    let output = Command::new("node")
        .arg(&script)
        .arg(server.url("/years/2025/"))
        .arg(&file)
        .arg("US designates six Mexican cartels among eight foreign terrorist organizations")
        .output()
        .expect("run node (installed with the test tools)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.trim_end().ends_with("ok"),
        "{stdout}\n{}\nserver:\n{}",
        String::from_utf8_lossy(&output.stderr),
        server.stderr()
    );
}

#[test]
fn served_pages_carry_the_script_and_the_built_pages_do_not() {
    let project = Project::sample();
    let out = project.path("served");
    let out_arg = out.to_str().unwrap();
    let server = project.serve_live(&["--out", out_arg]);
    let page = get(
        &server.url("/years/2025/"),
        &[("Accept-Encoding", "gzip, br")],
    );
    assert_eq!(page.status, 200);
    assert_eq!(page.header("content-encoding"), None);
    assert_eq!(page.header("etag"), None);
    assert_eq!(page.header("cache-control"), Some("no-store"));
    let text = page.text();
    assert!(
        text.contains("<script src=\"/.chronicle/live.js\" data-build=\"0\"></script></head>"),
        "{text}"
    );
    assert!(text.contains("content=\"script-src 'self'; connect-src 'self'; default-src 'none';"));
    let built = fs::read_to_string(out.join("years/2025/index.html")).unwrap();
    assert!(!built.contains("<script"), "the built page holds a script");
    assert_eq!(page.body.len(), text.len());
    assert_eq!(
        page.header("content-length").map(str::to_string),
        Some(page.body.len().to_string())
    );
    // Feeds are sent as built.
    let feed = get(&server.url("/rss.xml"), &[]);
    assert_eq!(feed.body, fs::read(out.join("rss.xml")).unwrap());
    let script = get(&server.url("/.chronicle/live.js"), &[]);
    assert_eq!(script.status, 200);
    assert!(script
        .text()
        .contains("new EventSource(\"/.chronicle/live\")"));
}

#[test]
fn without_reload_pages_are_sent_as_built() {
    let project = Project::sample();
    let out = project.path("served");
    // `serve` adds --no-reload.
    let server = project.serve(&["--out", out.to_str().unwrap()]);
    for path in ["/", "/years/2025/"] {
        let page = get(&server.url(path), &[]);
        assert_eq!(page.status, 200, "{path}");
        let file = out.join(path.trim_start_matches('/')).join("index.html");
        assert_eq!(page.body, fs::read(file).unwrap(), "{path}");
        assert!(page.header("etag").is_some(), "{path}");
    }
    for path in ["/.chronicle/live.js", "/.chronicle/live"] {
        assert_eq!(get(&server.url(path), &[]).status, 404, "{path}");
    }
}
