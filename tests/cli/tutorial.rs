//! docs/tutorial.md, run as written: every `sh` block in order, in one empty folder, with the
//! built `chronicle` first on `PATH`. A block marked `fails` must fail, a `server` block runs
//! until the addresses it printed answer, and the one `not-run` block is the install command
//! (the test runs the binary cargo built rather than install it again).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::repo_path;

/// A fenced `sh` block of the tutorial: how it is run, its text, and its line in the file.
#[derive(Debug)]
struct Block {
    kind: String,
    code: String,
    line: usize,
}

fn blocks(markdown: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<Block> = None;
    for (index, line) in markdown.lines().enumerate() {
        match (&mut open, line.strip_prefix("```")) {
            (None, Some(info)) if info == "sh" || info.starts_with("sh ") => {
                open = Some(Block {
                    kind: info.trim_start_matches("sh").trim().to_string(),
                    code: String::new(),
                    line: index + 1,
                });
            }
            (Some(_), Some("")) => blocks.extend(open.take()),
            (Some(block), _) => {
                block.code.push_str(line);
                block.code.push('\n');
            }
            (None, _) => {}
        }
    }
    assert!(open.is_none(), "a block is not closed");
    blocks
}

fn shell(dir: &Path, path: &str) -> Command {
    let mut command = Command::new("bash");
    command
        .current_dir(dir)
        .env("PATH", path)
        .env_remove("SOURCE_DATE_EPOCH")
        .env_remove("VISUAL")
        .env_remove("EDITOR")
        .env_remove("BROWSER")
        .stdin(Stdio::null());
    command
}

fn report(block: &Block, output: &Output) -> String {
    format!(
        "docs/tutorial.md:{}:\n{}\nstdout:\n{}\nstderr:\n{}",
        block.line,
        block.code,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn the_tutorial_runs_as_written() {
    let markdown = std::fs::read_to_string(repo_path("docs/tutorial.md")).unwrap();
    let blocks = blocks(&markdown);
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_chronicle"));
    let path = format!(
        "{}:{}",
        binary.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let dir = tempfile::tempdir().unwrap();
    let mut ran = 0;
    for block in &blocks {
        match block.kind.as_str() {
            "not-run" => {
                assert_eq!(
                    block.code, "cargo install --path .\n",
                    "only installing is not run"
                );
                continue;
            }
            "server" => run_server(dir.path(), &path, block),
            "fails" | "" => {
                let output = shell(dir.path(), &path)
                    .args(["-euo", "pipefail", "-c", &block.code])
                    .output()
                    .unwrap();
                let fails = block.kind == "fails";
                assert_eq!(
                    !output.status.success(),
                    fails,
                    "{}",
                    report(block, &output)
                );
                if fails {
                    // The mistake the tutorial makes on purpose, reported where it is.
                    let stderr = String::from_utf8_lossy(&output.stderr);
                    assert!(
                        stderr.contains("security/2025/second-transfer.md:3:"),
                        "{}",
                        report(block, &output)
                    );
                }
            }
            other => panic!(
                "docs/tutorial.md:{}: unknown block kind {other:?}",
                block.line
            ),
        }
        ran += 1;
    }
    assert!(ran >= 8, "only {ran} blocks ran");
    let page = std::fs::read_to_string(dir.path().join("public/years/2025/index.html")).unwrap();
    for title in [
        "Rubio and Sheinbaum set up a security implementation group",
        "Mexico sends 26 more cartel figures to the United States",
    ] {
        assert!(page.contains(title), "the built page lacks {title}");
    }
}

/// Starts the block's server, waits for its addresses, fetches the front page and the
/// calendar it printed, and stops it.
fn run_server(dir: &Path, path: &str, block: &Block) {
    let mut child = shell(dir, path)
        .args(["-c", &format!("exec {}", block.code.trim())])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let (lines, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut printed = Vec::new();
    let calendar = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok(line) = received.recv_timeout(left) else {
            let _ = child.kill();
            panic!(
                "docs/tutorial.md:{}: no addresses printed: {printed:?}",
                block.line
            );
        };
        if let Some(webcal) = line.trim().strip_prefix("webcal://") {
            break format!("http://{webcal}");
        }
        printed.push(line);
    };
    let fetch = |url: &str| {
        ureq::get(url)
            .timeout(Duration::from_secs(30))
            .call()
            .map(|response| response.into_string().unwrap())
            .map_err(|error| error.to_string())
    };
    let front = fetch("http://127.0.0.1:8080/");
    let events = fetch(&calendar);
    let _ = child.kill();
    let _ = child.wait();
    // The calendar under its readable name, as the tutorial says.
    assert_eq!(
        calendar,
        "http://127.0.0.1:8080/us-mexico-security-talks-2025.ics"
    );
    let front = front.expect("the front page");
    assert!(front.contains("US-Mexico security talks, 2025"), "{front}");
    let events = events.expect("the calendar");
    assert!(
        events.contains("SUMMARY:Mexico sends 26 more cartel figures"),
        "{events}"
    );
}
