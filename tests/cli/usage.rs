//! Usage errors exit 2 (as clap's own do) and suggest only forms that are accepted; a missing
//! collection folder is reported the same way by every command.

use crate::harness::{stderr, Project};

fn sample() -> Project {
    Project::fixture("sample")
}

#[test]
fn issue_11_bad_since_and_until_are_usage_errors() {
    let project = sample();
    for args in [
        ["list", "--since", "2025/09"],
        ["list", "--until", "2025-13"],
        [
            "export",
            "--format=csv",
            "--since=2025-09-03T12:00:00-06:00",
        ],
        ["list", "--since", "\"2025\""],
    ] {
        let out = project.chronicle(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    let out = project.chronicle(&["list", "--since", "2025-09-03T12:00:00-06:00"]);
    assert_eq!(
        stderr(&out).lines().next(),
        Some(
            "error: invalid value '2025-09-03T12:00:00-06:00' for '--since <DATE>': \
             use a year, a month or a day: 2025, 2025-09 or 2025-09-03"
        )
    );
    let out = project.chronicle(&["list", "--until", "2025-02-30"]);
    assert_eq!(
        stderr(&out).lines().next(),
        Some("error: invalid value '2025-02-30' for '--until <DATE>': 2025-02-30 does not exist")
    );
}

#[test]
fn issue_11_the_suggested_forms_are_accepted() {
    let project = sample();
    for form in ["2025", "2025-09", "2025-09-03"] {
        project.ok(&["list", "--since", form, "--until", form]);
    }
}

#[test]
fn issue_11_a_bad_base_url_for_serve_is_a_usage_error() {
    let project = sample();
    for url in ["example.org", "https://example.org/?q=1"] {
        let out = project.chronicle(&["serve", "--addr", "127.0.0.1:0", "--base-url", url]);
        assert_eq!(out.status.code(), Some(2), "{url}: {}", stderr(&out));
    }
}

#[test]
fn issue_11_a_missing_collection_folder_is_one_message_everywhere() {
    let project = Project::empty();
    for command in ["check", "build", "list", "serve"] {
        let out = project.chronicle(&[command, "--events", "nowhere"]);
        assert_eq!(out.status.code(), Some(1), "{command}");
        assert_eq!(
            stderr(&out),
            "chronicle: error: no collection folder at nowhere (give its path with --events DIR)\n",
            "{command}"
        );
    }
    let out = project.chronicle(&["export", "--format", "ics", "--events", "nowhere"]);
    assert_eq!(
        stderr(&out),
        "chronicle: error: no collection folder at nowhere (give its path with --events DIR)\n"
    );
    project.write("file", "");
    let out = project.chronicle(&["check", "--events", "file"]);
    assert_eq!(
        stderr(&out),
        "chronicle: error: file is not a folder (give the collection folder's path with --events DIR)\n"
    );
}
