//! `chronicle init`: a new collection that passes `check` and `build` as written, with a fresh
//! collection id; a folder that holds a collection is refused and left as it was.

use crate::harness::{snapshot_dir, stderr, Project};

fn settings(project: &Project, dir: &str) -> toml::Table {
    project
        .read(&format!("{dir}/chronicle.toml"))
        .parse()
        .expect("chronicle.toml is TOML")
}

#[test]
fn init_into_an_empty_folder_passes_check_and_build_with_no_warning() {
    let project = Project::empty();
    let out = project.ok(&["init"]);
    assert!(out.contains("chronicle check --events events"), "{out}");
    assert!(out.contains("chronicle build --events events"), "{out}");
    assert!(out.contains("chronicle serve --events events"), "{out}");
    let check = project.chronicle(&["check"]);
    assert!(check.status.success(), "{}", stderr(&check));
    assert_eq!(
        stderr(&check),
        "checked 1 event file: 0 errors, 0 warnings\n"
    );
    let build = project.chronicle(&["build"]);
    assert!(build.status.success(), "{}", stderr(&build));
    let report = stderr(&build);
    assert!(
        report.lines().count() == 1 && report.starts_with("built 1 events into "),
        "build warned:\n{report}"
    );
    assert!(project.public().join("index.html").is_file());
    assert!(project.public().join("atom.xml").is_file());
}

#[test]
fn init_gives_each_collection_a_new_uuid_urn() {
    let project = Project::empty();
    project.ok(&["init", "a"]);
    project.ok(&["init", "b"]);
    let ids: Vec<String> = ["a", "b"]
        .iter()
        .map(|dir| {
            let id = settings(&project, dir)["id"]
                .as_str()
                .expect("id is a string")
                .to_string();
            let uuid = id.strip_prefix("urn:uuid:").expect("a UUID URN");
            let parsed = uuid::Uuid::parse_str(uuid).expect("a UUID");
            assert_eq!(parsed.get_version_num(), 4, "{id}");
            assert_eq!(parsed.hyphenated().to_string(), uuid, "{id}");
            id
        })
        .collect();
    assert_ne!(ids[0], ids[1]);
}

#[test]
fn init_writes_the_settings_given_and_comments_every_setting() {
    let project = Project::empty();
    project.ok(&[
        "init",
        "timeline",
        "--title",
        "Quotes \" and \\ backslashes +++",
        "--base-url",
        "https://example.org/security",
        "--language",
        "es-MX",
        "--timezone",
        "America/Mexico_City",
    ]);
    let read = settings(&project, "timeline");
    assert_eq!(
        read["title"].as_str(),
        Some("Quotes \" and \\ backslashes +++")
    );
    assert_eq!(
        read["base_url"].as_str(),
        Some("https://example.org/security/")
    );
    assert_eq!(read["language"].as_str(), Some("es-MX"));
    assert_eq!(read["timezone"].as_str(), Some("America/Mexico_City"));
    let text = project.read("timeline/chronicle.toml");
    for key in ["description", "author", "feed_limit"] {
        assert!(
            text.lines().any(|l| l.starts_with(&format!("# {key} = "))),
            "{key} is not shown:\n{text}"
        );
    }
    let check = project.chronicle(&["check", "--events", "timeline"]);
    assert_eq!(
        stderr(&check),
        "checked 1 event file: 0 errors, 0 warnings\n"
    );
}

#[test]
fn init_refuses_a_folder_holding_a_collection_and_overwrites_nothing() {
    let project = Project::fixture("sample");
    let before = snapshot_dir(&project.events());
    let out = project.chronicle(&["init"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "chronicle: error: events already holds a collection (events/chronicle.toml exists); \
         init starts a new one and overwrites nothing\n"
    );
    assert_eq!(snapshot_dir(&project.events()), before);

    // Even a settings file alone (empty, or broken) is a collection not to overwrite.
    let project = Project::empty();
    project.write("events/chronicle.toml", "");
    let out = project.chronicle(&["init"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        snapshot_dir(&project.events()),
        [("chronicle.toml".to_string(), Vec::new())]
    );
}

#[test]
fn init_keeps_the_event_files_already_there() {
    let project = Project::empty();
    let event = "+++\ntitle = \"Kept\"\ndate = 2025-01-02\npublished = 2025-01-02T00:00:00Z\n+++\n";
    // Where init puts its example event (dated today, in UTC), taken already.
    let taken = format!(
        "events/{}/started-this-timeline.md",
        chrono::Utc::now().format("%Y")
    );
    project.write(&taken, event);
    let out = project.ok(&["init"]);
    assert!(out.contains("started-this-timeline-2.md"), "{out}");
    assert_eq!(project.read(&taken), event);
    let check = project.chronicle(&["check"]);
    assert!(check.status.success(), "{}", stderr(&check));
}

#[test]
fn bad_init_flags_are_usage_errors_and_write_nothing() {
    let project = Project::empty();
    for args in [
        ["init", "--language", "english"],
        ["init", "--timezone", "Mars/Base"],
        ["init", "--base-url", "example.org"],
        ["init", "--base-url", "https://example.org/?q=1"],
        ["init", "--title", "two\nlines"],
        ["init", "--title", "\u{200b}"],
    ] {
        let out = project.chronicle(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).starts_with("error: invalid value "),
            "{args:?}: {}",
            stderr(&out)
        );
        assert!(!project.events().exists(), "{args:?} wrote something");
    }
}

/// At a terminal (util-linux `script` gives it one), init asks for each setting no flag gave,
/// asks again after an invalid answer, and keeps the default on an empty one.
#[test]
fn init_at_a_terminal_asks_for_what_no_flag_gave() {
    use std::io::Write;
    use std::process::{Command, Stdio};

    let project = Project::empty();
    let command = format!(
        "'{}' init --language es-MX",
        env!("CARGO_BIN_EXE_chronicle")
    );
    let mut script = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(project.dir.path())
        .env_remove("SOURCE_DATE_EPOCH")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run script (util-linux)");
    script
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"Asked \"title\"\nnot-a-url\nhttps://example.net/x\nMars/Base\n\n")
        .expect("answers");
    let out = script.wait_with_output().expect("script ends");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let read = settings(&project, "events");
    assert_eq!(read["title"].as_str(), Some("Asked \"title\""));
    assert_eq!(read["base_url"].as_str(), Some("https://example.net/x/"));
    assert_eq!(read["language"].as_str(), Some("es-MX"));
    assert_eq!(read["timezone"].as_str(), Some("UTC"));
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("Title [My timeline]: "), "{shown}");
    assert!(
        !shown.contains("Language"),
        "asked for a flag's value: {shown}"
    );
    assert_eq!(
        shown.matches("Base URL [https://example.org/]: ").count(),
        2,
        "{shown}"
    );
}
