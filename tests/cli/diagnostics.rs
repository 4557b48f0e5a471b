//! How `check` shows each problem it can find: the one-line `path:line:col: severity:
//! message` form first, then the source lines with the span underlined, plain and coloured.
//! One insta snapshot per problem and colour choice (`tests/cli/snapshots/cli__diagnostics__*`),
//! each from the real binary on a collection holding only that problem.

use std::collections::BTreeSet;

use chronicle::diag::Code;

use crate::harness::{stderr, Project};

const SETTINGS: &str =
    "title = \"T\"\nbase_url = \"https://example.org/\"\nid = \"https://example.org/\"\n";

/// Front matter that is fine on its own.
const FINE: &str = "title = \"T\"\ndate = 2025-09-03\npublished = 2025-09-03T10:00:00Z";

fn event(front_matter: &str) -> String {
    format!("+++\n{front_matter}\n+++\nBody\n")
}

/// Every problem `check` reports: a name, then the files (path under the project, text) that
/// make it, written beside valid settings unless the case writes its own.
fn cases() -> Vec<(&'static str, Vec<(&'static str, String)>)> {
    let one = |text: String| vec![("events/e.md", text)];
    let with = |extra: &str| one(event(&format!("{FINE}\n{extra}")));
    let settings = |text: &str| vec![("events/chronicle.toml", text.to_string())];
    vec![
        ("toml_syntax", one(event("title = \"Broken\ndate = 2025-09-03\npublished = 2025-09-03T10:00:00Z"))),
        ("unknown_field", with("loaction = \"Paris\"")),
        ("wrong_type_string", one(event("title = 1\ndate = 2025-09-03\npublished = 2025-09-03T10:00:00Z"))),
        ("wrong_type_list", with("tags = \"trade\"")),
        ("impossible_date", one(event("title = \"T\"\ndate = 2025-02-30\npublished = 2025-09-03T10:00:00Z"))),
        ("no_front_matter", one("title = \"T\"\n".into())),
        ("yaml_front_matter", one("---\ntitle: T\ndate: 2025-09-03\n---\nBody\n".into())),
        ("unclosed_front_matter", one("+++\ntitle = \"T\"\n".into())),
        ("missing_title_and_date", one(event("published = 2025-09-03T10:00:00Z"))),
        ("missing_published", one(event("title = \"T\"\ndate = 2025-09-03"))),
        ("empty_title", one(event("title = \" \"\ndate = 2025-09-03\npublished = 2025-09-03T10:00:00Z"))),
        ("title_on_two_lines", one(event("title = \"\"\"A\nB\"\"\"\ndate = 2025-09-03\npublished = 2025-09-03T10:00:00Z"))),
        ("control_character", with("location = \"x\\u0007\"")),
        ("invisible_title", one(event("title = \"\\u200B\"\ndate = 2025-09-03\npublished = 2025-09-03T10:00:00Z"))),
        ("unknown_time_zone", with("timezone = \"america/chicago\"")),
        ("unknown_status", with("status = \"confimed\"")),
        ("no_such_date", one(event("title = \"T\"\ndate = \"2025-13\"\npublished = 2025-09-03T10:00:00Z"))),
        ("date_out_of_range", one(event("title = \"T\"\ndate = 0000-01-01\npublished = 2025-09-03T10:00:00Z"))),
        ("end_before_date", with("end = 2025-09-01")),
        ("published_without_offset", one(event("title = \"T\"\ndate = 2025-09-03\npublished = 2025-09-03T10:00:00"))),
        ("published_before_1990", one(event("title = \"T\"\ndate = 2025-09-03\npublished = 1989-01-01T00:00:00Z"))),
        ("updated_before_published", with("updated = 2025-09-01T00:00:00Z")),
        ("too_many_tags", with(&format!("tags = [{}]", (0..21).map(|n| format!("\"t{n}\"")).collect::<Vec<_>>().join(", ")))),
        ("tag_too_long", with(&format!("tags = [\"{}\"]", "x".repeat(65)))),
        ("tag_without_a_letter", with("tags = [\"++\"]")),
        ("tag_page_name_too_long", with(&format!("tags = [\"{}\"]", "東京".repeat(12)))),
        ("id_with_a_space", with("id = \"a b\"")),
        ("id_of_a_page_anchor", with("id = \"timeline\"")),
        ("duplicate_id", vec![
            ("events/a.md", event(&format!("{FINE}\nid = \"same\""))),
            ("events/b.md", event(&format!("{FINE}\nid = \"same\""))),
        ]),
        ("tags_sharing_a_page", vec![
            ("events/a.md", event(&format!("{FINE}\ntags = [\"C\"]"))),
            ("events/b.md", event(&format!("{FINE}\ntags = [\"C++\"]"))),
        ]),
        ("tag_differing_only_in_case", vec![
            ("events/a.md", event(&format!("{FINE}\ntags = [\"trade\"]"))),
            ("events/b.md", event(&format!("{FINE}\ntags = [\"Trade\"]"))),
        ]),
        ("unknown_field_in_a_source", with("[[sources]]\ntitle = \"S\"\nurl = \"https://example.org/s\"\npublisher = \"P\"\npubisher = \"Q\"")),
        ("wrong_type_in_a_source", with("[[sources]]\ntitle = 2\nurl = \"https://example.org/s\"")),
        ("wrong_type_draft", with("draft = \"yes\"")),
        ("wrong_type_published", one(event("title = \"T\"\ndate = 2025-09-03\npublished = \"2025-09-03\""))),
        ("hugo_front_matter", one("---\ntitle: \"Rubio visits\"\ndate: 2025-09-03T10:00:00-06:00\ntags:\n  - trade\n  - security\nlayout: post\n---\nBody\n".into())),
        ("source_without_title", with("[[sources]]\nurl = \"https://example.org/s\"")),
        ("source_without_url", with("[[sources]]\ntitle = \"S\"")),
        ("source_url_not_http", with("[[sources]]\ntitle = \"S\"\nurl = \"javascript:alert(1)\"")),
        ("control_character_in_body", one(format!("+++\n{FINE}\n+++\nok\u{1}\n"))),
        ("raw_escape_in_source", one(event("title = \"\u{1b}[2J\u{1b}]0;PWNED\u{7}\"\ndate = 2025-09-03\npublished = 2025-09-03T10:00:00Z"))),
        ("bidi_override_in_source", with("status = \"abc\u{202e}fed\"")),
        ("settings_missing_base_url", settings("title = \"T\"\n")),
        ("settings_empty_title", settings("title = \"\"\nbase_url = \"https://example.org/\"\nid = \"https://example.org/\"\n")),
        ("settings_base_url_not_absolute", settings("title = \"T\"\nbase_url = \"example.org\"\nid = \"https://example.org/\"\n")),
        ("settings_base_url_without_slash", settings("title = \"T\"\nbase_url = \"https://example.org/x\"\nid = \"https://example.org/\"\n")),
        ("settings_bad_language", settings("title = \"T\"\nbase_url = \"https://example.org/\"\nid = \"https://example.org/\"\nlanguage = \"english\"\n")),
        ("settings_bad_id", settings("title = \"T\"\nbase_url = \"https://example.org/\"\nid = \"not an id\"\n")),
        ("settings_unknown_time_zone", settings("title = \"T\"\nbase_url = \"https://example.org/\"\nid = \"https://example.org/\"\ntimezone = \"Mars/Olympus\"\n")),
        ("settings_time_zone_near_miss", settings("title = \"T\"\nbase_url = \"https://example.org/\"\nid = \"https://example.org/\"\ntimezone = \"Europe/Pariss\"\n")),
        ("settings_wrong_type", settings("title = \"T\"\nbase_url = \"https://example.org/\"\nid = \"https://example.org/\"\nfeed_limit = \"20\"\n")),
        ("settings_feed_limit_zero", settings("title = \"T\"\nbase_url = \"https://example.org/\"\nid = \"https://example.org/\"\nfeed_limit = 0\n")),
        ("settings_hostile_websub_hub", settings("title = \"T\"\nbase_url = \"https://example.org/\"\nid = \"https://example.org/\"\nwebsub_hub = \"https://hub.example/\\u001b[2J\\\"><script>\"\n")),
        ("settings_unknown_field", settings("title = \"T\"\nbase_url = \"https://example.org/\"\nid = \"https://example.org/\"\ntimzone = \"UTC\"\n")),
        ("settings_without_id", settings("title = \"T\"\nbase_url = \"https://example.org/\"\n")),
        ("template_syntax", vec![("events/templates/index.html", "{{ e.year }\n".into())]),
        ("correction_without_note", with("[[corrections]]\ndate = 2025-09-04T10:00:00Z")),
        ("correction_before_published", with("[[corrections]]\ndate = 2025-09-01T10:00:00Z\nnote = \"Fixed.\"")),
        ("updated_before_a_correction", with("updated = 2025-09-04T10:00:00Z\n[[corrections]]\ndate = 2025-09-05T10:00:00Z\nnote = \"Fixed.\"")),
        ("retracted_without_a_note", with("status = \"retracted\"\nupdated = 2025-09-04T10:00:00Z")),
        ("retraction_without_the_status", with("retraction = \"It did not happen.\"")),
        ("retracted_without_updated", with("status = \"retracted\"\nretraction = \"It did not happen.\"")),
        ("id_from_a_file_name_with_a_space", vec![("events/a b.md", event(FINE))]),
        ("id_from_a_file_name_taken_by_the_pages", vec![("events/timeline.md", event(FINE))]),
    ]
}

/// Every case's project, and those made of more than text: a file that is not UTF-8, one
/// over the size limit, no settings file, symbolic links.
fn projects() -> Vec<(&'static str, Project)> {
    let mut projects: Vec<(&'static str, Project)> = cases()
        .into_iter()
        .map(|(name, files)| (name, project(&files)))
        .collect();
    let not_utf8 = project(&[]);
    std::fs::write(
        not_utf8.path("events/latin1.md"),
        b"+++\ntitle = \"Caf\xe9\"\ndate = 2025-01-01\n+++\n",
    )
    .expect("written");
    projects.push(("not_utf8", not_utf8));
    let too_large = project(&[]);
    too_large.write(
        "events/huge.md",
        &format!("+++\n{FINE}\n+++\n{}", "word ".repeat(300_000)),
    );
    projects.push(("file_too_large", too_large));
    let no_settings = project(&[]);
    std::fs::remove_file(no_settings.path("events/chronicle.toml")).expect("removed");
    projects.push(("no_settings_file", no_settings));
    #[cfg(unix)]
    {
        let outside = project(&[]);
        outside.write("elsewhere/secret.md", &event(FINE));
        std::os::unix::fs::symlink(
            outside.path("elsewhere/secret.md"),
            outside.path("events/link.md"),
        )
        .expect("linked");
        projects.push(("link_outside_the_collection", outside));
        let dangling = project(&[]);
        std::os::unix::fs::symlink("nowhere.md", dangling.path("events/gone.md")).expect("linked");
        projects.push(("link_to_nothing", dangling));
    }
    projects
}

/// A collection with valid settings, one valid event unless the case writes events, and the
/// case's files.
fn project(files: &[(&str, String)]) -> Project {
    let project = Project::empty();
    project.write("events/chronicle.toml", SETTINGS);
    if !files.iter().any(|(path, _)| path.ends_with(".md")) {
        project.write("events/ok.md", &event(FINE));
    }
    for (path, text) in files {
        project.write(path, text);
    }
    project
}

/// Colour codes made visible (`␛[`), after checking that they are the only control characters
/// (SGR sequences only: nothing from the collection acts on the terminal).
fn visible_colours(report: &str) -> String {
    let mut rest = report;
    while let Some(at) = rest.find('\u{1b}') {
        let sequence = &rest[at..];
        let end = sequence.find('m').expect("an SGR sequence ends with m");
        assert!(
            sequence[1..end].starts_with('[')
                && sequence[2..end]
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == ';'),
            "not a colour: {:?}",
            &sequence[..=end]
        );
        rest = &sequence[end..];
    }
    report.replace('\u{1b}', "␛")
}

fn assert_no_raw_controls(report: &str) {
    let raw: Vec<char> = report
        .chars()
        .filter(|&c| c != '\n' && (c.is_control() || ('\u{2028}'..='\u{202e}').contains(&c)))
        .collect();
    assert!(raw.is_empty(), "raw {raw:?} in {report}");
}

#[test]
fn every_problem_is_shown_with_its_source_plain_and_coloured() {
    for (name, project) in projects() {
        // A path outside the collection is named in full: the temporary folder varies.
        let folder = project
            .dir
            .path()
            .canonicalize()
            .expect("the project's folder");
        let folder = folder.display().to_string();
        let report = |args: &[&str]| stderr(&project.chronicle(args)).replace(&folder, "[project]");
        let plain = report(&["check", "--color", "never"]);
        assert_no_raw_controls(&plain);
        let first = plain.lines().next().unwrap_or_default();
        assert!(
            first.starts_with("events/")
                && first
                    .split(':')
                    .nth(3)
                    .is_some_and(|s| s == " error" || s == " warning"),
            "{name}: the first line is path:line:col: severity: message, not {first:?}"
        );
        insta::assert_snapshot!(format!("{name}"), plain);
        let coloured = report(&["check", "--color", "always"]);
        assert!(coloured.contains('\u{1b}'), "{name}: no colour");
        insta::assert_snapshot!(format!("{name}_coloured"), visible_colours(&coloured));
    }
}

#[test]
fn colour_follows_the_flag_and_the_environment() {
    let project = project(&[(
        "events/e.md",
        event("title = \"\"\ndate = 2025-09-03\npublished = 2025-09-03T10:00:00Z"),
    )]);
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut command = project.command(args);
        command
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .env_remove("CLICOLOR");
        for (key, value) in env {
            command.env(key, value);
        }
        let out = command.output().expect("run chronicle");
        String::from_utf8_lossy(&out.stderr).contains('\u{1b}')
    };
    assert!(!run(&["check"], &[]), "not a terminal: no colour");
    assert!(run(&["check", "--color", "always"], &[]));
    assert!(
        run(&["--color", "always", "check"], &[("NO_COLOR", "1")]),
        "the flag wins"
    );
    assert!(run(&["check"], &[("CLICOLOR_FORCE", "1")]));
    assert!(!run(
        &["check", "--color", "never"],
        &[("CLICOLOR_FORCE", "1")]
    ));
}

#[test]
fn build_list_and_export_show_diagnostics_as_check_does() {
    let project = project(&[(
        "events/e.md",
        event("title = \"\"\ndate = 2025-09-03\npublished = 2025-09-03T10:00:00Z"),
    )]);
    let check = stderr(&project.chronicle(&["check", "--color", "always"]));
    let diagnostics = check
        .rsplit_once("checked ")
        .map_or(check.as_str(), |(d, _)| d);
    for args in [
        &["build", "--color", "always"][..],
        &["list", "--color", "always"],
        &["export", "--format", "rss", "--color", "always"],
    ] {
        let out = stderr(&project.chronicle(args));
        assert!(out.starts_with(diagnostics), "{args:?}:\n{out}");
    }
}

/// `--format json`: one object per diagnostic, one per line on stdout, saying what the text
/// report's first lines say, with a known code; every code `check` can give is given by a case.
#[test]
fn json_reports_each_diagnostic_on_a_line_with_its_code() {
    let mut seen = BTreeSet::new();
    for (name, project) in projects() {
        let text = project.chronicle(&["check", "--color", "never"]);
        let json = project.chronicle(&["check", "--format", "json"]);
        assert_eq!(json.status.code(), text.status.code(), "{name}");
        assert_eq!(stderr(&json), "", "{name}");
        let first_lines: Vec<String> = stderr(&text)
            .lines()
            .filter(|l| l.starts_with("events/"))
            .map(str::to_string)
            .collect();
        let stdout = String::from_utf8(json.stdout).expect("UTF-8");
        let objects: Vec<serde_json::Value> = stdout
            .lines()
            .map(|line| {
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{name}: {e}: {line}"))
            })
            .collect();
        assert_eq!(objects.len(), first_lines.len(), "{name}: {stdout}");
        for (object, first) in objects.iter().zip(&first_lines) {
            let field = |key: &str| object[key].clone();
            let shown = format!(
                "{}:{}:{}: {}: {}",
                field("path").as_str().expect("path"),
                field("line"),
                field("column"),
                field("severity").as_str().expect("severity"),
                chronicle::terminal::escape(field("message").as_str().expect("message")),
            );
            assert_eq!(&shown, first, "{name}");
            let start = (field("line").as_u64(), field("column").as_u64());
            let end = (field("end_line").as_u64(), field("end_column").as_u64());
            assert!(end >= start, "{name}: {object}");
            let code = field("code");
            let code = Code::ALL
                .into_iter()
                .find(|c| code.as_str() == Some(c.name()))
                .unwrap_or_else(|| panic!("{name}: unknown code {code}"));
            seen.insert(code.name());
            assert!(
                field("suggestion").is_null() || field("suggestion").is_string(),
                "{name}: {object}"
            );
        }
    }
    // Raised elsewhere: by build (ids, tests/cli/ids.rs) and at the end of the date range
    // (tests/serve/date_range.rs).
    let elsewhere = [Code::IdChanged, Code::BrokenRecord, Code::UpdatedPastRange];
    let expected: BTreeSet<&str> = Code::ALL
        .into_iter()
        .filter(|c| !elsewhere.contains(c))
        .map(Code::name)
        .collect();
    assert_eq!(
        seen, expected,
        "a code no case gives, or a case for a code thought elsewhere"
    );
}

#[test]
fn json_of_a_suggestion() {
    let project = project(&[(
        "events/e.md",
        event(&format!("{FINE}\nloaction = \"Paris\"")),
    )]);
    let out = project.chronicle(&["check", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(out.stdout).expect("UTF-8"),
        "{\"path\":\"events/e.md\",\"line\":5,\"column\":1,\"end_line\":5,\"end_column\":9,\"severity\":\"error\",\"code\":\"unknown-field\",\"message\":\"unknown field `loaction` (fields: title, date, end, timezone, location, tags, status, published, updated, id, draft, sources, corrections, retraction)\",\"suggestion\":\"location\"}\n"
    );
}

/// At a terminal (a pseudo-terminal made by util-linux script(1)), `auto` colours unless
/// `NO_COLOR` is set, and a long source line is cut to the terminal's width around its span.
#[test]
fn colour_and_width_follow_a_pseudo_terminal() {
    let long = "x".repeat(150);
    let project = project(&[(
        "events/e.md",
        event(&format!("{FINE}\ntags = [\"{long}\", \" \"]")),
    )]);
    let chronicle = assert_cmd::cargo::cargo_bin("chronicle");
    let at_terminal = |no_color: bool| {
        let mut command = std::process::Command::new("script");
        command
            .current_dir(project.dir.path())
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .env_remove("COLUMNS")
            .args(["-q", "-e", "-c"])
            .arg(format!(
                "stty cols 60 rows 20; {} check",
                chronicle.display()
            ))
            .arg("/dev/null");
        if no_color {
            command.env("NO_COLOR", "1");
        }
        let out = command.output().expect("run script(1)");
        String::from_utf8(out.stdout)
            .expect("UTF-8")
            .replace("\r\n", "\n")
    };
    let coloured = at_terminal(false);
    assert!(
        coloured.contains("\u{1b}[1m\u{1b}[91merror"),
        "{coloured:?}"
    );
    let plain = at_terminal(true);
    assert!(!plain.contains('\u{1b}'), "{plain:?}");
    let source = plain
        .lines()
        .find(|l| l.starts_with("5 | "))
        .unwrap_or_else(|| panic!("no source line in {plain}"));
    assert!(
        source.chars().count() <= 60,
        "{source:?} is wider than 60 columns"
    );
    assert!(source.ends_with("\" \"]"), "the span is shown: {source}");
}
