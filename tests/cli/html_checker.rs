//! Every timeline page checked by the Nu Html Checker (the W3C's HTML validator, npm
//! `vnu-jar`, run on Debian's `default-jre-headless`; `.ci/install-tools.sh` installs both):
//! no error and no warning. The pages of the sample, of the `pages` and `corrections` fixtures, of the hostile
//! collection and of a generated corpus are checked in one run, so Java starts once.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::installed_tool;
use crate::corpus;
use crate::harness::{snapshot_dir, Project};
use crate::hostile;

const VNU_JAR: &str = "tests/external/node_modules/vnu-jar/build/dist/vnu.jar";

/// Every HTML page a build wrote below `public`.
fn pages(public: &Path) -> Vec<PathBuf> {
    snapshot_dir(public)
        .into_iter()
        .filter(|(path, _)| path.ends_with(".html"))
        .map(|(path, _)| public.join(path))
        .collect()
}

/// The checker's messages about `files` that are errors or warnings (its "info" messages that
/// are not warnings only describe the document), each as its place (`file:line:col`) and its
/// text (`type: message`).
fn nu_html_checker(files: &[PathBuf]) -> Vec<(String, String)> {
    let jar = installed_tool(VNU_JAR);
    let out = Command::new("java")
        .arg("-jar")
        .arg(jar)
        .args(["--format", "json", "--stdout"])
        .args(files)
        .output()
        .expect("run java (Debian package default-jre-headless)");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "the checker's JSON report: {e}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let messages = report["messages"].as_array().expect("a list of messages");
    messages
        .iter()
        .filter(|m| m["type"] != "info" || m["subType"] == "warning")
        .map(|m| {
            let place = format!(
                "{}:{}:{}",
                m["url"].as_str().unwrap_or_default(),
                m["lastLine"],
                m["firstColumn"]
            );
            let sub_type = m["subType"]
                .as_str()
                .map(|s| format!(" {s}"))
                .unwrap_or_default();
            let text = format!(
                "{}{sub_type}: {}",
                m["type"].as_str().unwrap_or_default(),
                m["message"].as_str().unwrap_or_default()
            );
            (place, text)
        })
        .collect()
}

/// Each distinct message once, with how often it came and its first place.
fn kinds(problems: &[(String, String)]) -> Vec<String> {
    let mut kinds: Vec<(&str, &str, usize)> = Vec::new();
    for (place, message) in problems {
        match kinds.iter_mut().find(|(m, _, _)| m == message) {
            Some(kind) => kind.2 += 1,
            None => kinds.push((message, place, 1)),
        }
    }
    kinds
        .iter()
        .map(|(message, place, n)| format!("{n} x {message} (first at {place})"))
        .collect()
}

#[test]
fn every_page_passes_the_nu_html_checker() {
    let sample = Project::fixture("sample");
    let fixture = Project::fixture("pages");
    let corrections = Project::fixture("corrections");
    let hostile = Project::empty();
    hostile::write_collection(&hostile.events(), 2000, 300);
    let generated = Project::empty();
    corpus::generate(2000, &generated.events()).expect("corpus written");
    let mut files = Vec::new();
    for project in [&sample, &fixture, &corrections, &hostile, &generated] {
        project.ok(&["build", "--quiet"]);
        files.extend(pages(&project.public()));
    }
    assert!(files.len() > 100, "only {} pages", files.len());
    let problems = nu_html_checker(&files);
    assert!(
        problems.is_empty(),
        "{} errors and warnings; each kind, with its first place:\n{}",
        problems.len(),
        kinds(&problems).join("\n")
    );
}
