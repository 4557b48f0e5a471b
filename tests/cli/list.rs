//! `chronicle list`: a chronological table under a header, fitted to the terminal, or TSV or
//! JSON for other programs.

use std::process::Command;

use crate::harness::{stderr, Project};

#[test]
fn lists_events_in_order_with_dates_at_their_precision() {
    let project = Project::fixture("sample");
    let out = project.ok(&["list", "--tag", "extradition"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[0].starts_with("DATE              TITLE  "), "{out}");
    assert!(lines[0].ends_with("  TAGS"), "{out}");
    assert!(
        lines[1].starts_with("27 February 2025  Mexico sends 29 cartel figures"),
        "{out}"
    );
    assert!(
        lines[2].starts_with("12 August 2025    Mexico sends 26 more"),
        "{out}"
    );
    // The tags column starts where the header says.
    let tags_at = lines[0].find("TAGS").expect("a TAGS heading");
    assert_eq!(&lines[1][tags_at..], "extradition, cartels, security");
}

fn two_events() -> Project {
    let project = Project::empty();
    project.write(
        "events/chronicle.toml",
        "title = \"T\"\nbase_url = \"https://example.org/\"\n",
    );
    project.write(
        "events/a.md",
        "+++\ntitle = \"Sometime in March\"\ndate = \"2025-03\"\nstatus = \"tentative\"\npublished = 2025-04-01T00:00:00Z\n+++\n",
    );
    project.write(
        "events/b.md",
        "+++\ntitle = \"Noon\"\ndate = 2025-01-02T12:00:00-06:00\ntimezone = \"America/Mexico_City\"\npublished = 2025-04-01T00:00:00Z\n+++\n",
    );
    project
}

#[test]
fn shows_reduced_precision_and_status() {
    let out = two_events().ok(&["list"]);
    assert_eq!(
        out,
        "DATE                       TITLE                          TAGS\n\
         2 January 2025, 12:00 CST  Noon\n\
         March 2025                 Sometime in March [tentative]\n"
    );
}

/// A collection with one long title (and a wide one), for fitting.
fn long_titles() -> Project {
    let project = Project::empty();
    project.write(
        "events/chronicle.toml",
        "title = \"T\"\nbase_url = \"https://example.org/\"\n",
    );
    project.write(
        "events/a.md",
        "+++\ntitle = \"A title long enough that no narrow terminal can hold all of it\"\ndate = 2025-01-01\ntags = [\"x\"]\npublished = 2025-04-01T00:00:00Z\n+++\n",
    );
    project.write(
        "events/b.md",
        "+++\ntitle = \"東京と大阪で会議を開く予定です\"\ndate = 2025-01-02\ntags = [\"y\"]\npublished = 2025-04-01T00:00:00Z\n+++\n",
    );
    project
}

fn display_width(line: &str) -> usize {
    // Every wide character in these titles is a CJK ideograph or kana: two columns.
    line.chars()
        .map(|c| if (c as u32) >= 0x3000 { 2 } else { 1 })
        .sum()
}

#[test]
fn titles_fit_the_width_columns_asks_for() {
    let project = long_titles();
    let out = Command::new(assert_cmd::cargo::cargo_bin("chronicle"))
        .current_dir(project.dir.path())
        .env("COLUMNS", "40")
        .arg("list")
        .output()
        .expect("run chronicle");
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    assert_eq!(
        text,
        "DATE            TITLE               TAGS\n\
         1 January 2025  A title long enou…  x\n\
         2 January 2025  東京と大阪で会議…   y\n"
    );
    for line in text.lines() {
        assert!(display_width(line) <= 40, "{line:?}");
    }
}

#[test]
fn titles_are_whole_when_piped() {
    let project = long_titles();
    let out = Command::new(assert_cmd::cargo::cargo_bin("chronicle"))
        .current_dir(project.dir.path())
        .env_remove("COLUMNS")
        .arg("list")
        .output()
        .expect("run chronicle");
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(
        text.contains("A title long enough that no narrow terminal can hold all of it  x"),
        "{text}"
    );
}

#[test]
fn titles_fit_a_pseudo_terminal() {
    let project = long_titles();
    let chronicle = assert_cmd::cargo::cargo_bin("chronicle");
    // util-linux script(1) runs the command on a pseudo-terminal; stty sets its width.
    let out = Command::new("script")
        .current_dir(project.dir.path())
        .env_remove("COLUMNS")
        .args(["-q", "-e", "-c"])
        .arg(format!(
            "stty cols 40 rows 20; {} list",
            chronicle.display()
        ))
        .arg("/dev/null")
        .output()
        .expect("run script(1)");
    let text = String::from_utf8(out.stdout)
        .expect("UTF-8")
        .replace("\r\n", "\n");
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("1 January 2025  A title long enou…  x\n"),
        "{text}"
    );
}

#[test]
fn tsv_has_a_header_and_escapes_tabs_and_line_breaks() {
    let project = Project::empty();
    project.write(
        "events/chronicle.toml",
        "title = \"T\"\nbase_url = \"https://example.org/\"\n",
    );
    project.write(
        "events/a.md",
        "+++\ntitle = 'tab\there \\ back'\ndate = 2025-01-01\ntags = [\"a\", \"b\\tc\"]\npublished = 2025-04-01T00:00:00Z\n+++\n",
    );
    let out = project.ok(&["list", "--format", "tsv"]);
    assert_eq!(
        out,
        "date\ttitle\tstatus\ttags\tid\tpath\n\
         1 January 2025\ttab\\there \\\\ back\tconfirmed\ta, b\\tc\ta\ta.md\n"
    );
}

#[test]
fn json_parses_and_holds_every_shown_field() {
    let project = Project::fixture("sample");
    let table = project.ok(&["list", "--tag", "extradition"]);
    let out = project.ok(&["list", "--tag", "extradition", "--format", "json"]);
    let rows: serde_json::Value = serde_json::from_str(&out).expect("list --format json parses");
    let rows = rows.as_array().expect("an array");
    assert_eq!(rows.len(), 2);
    for (row, line) in rows.iter().zip(table.lines().skip(1)) {
        let field = |name: &str| row[name].as_str().expect(name).to_string();
        let tags: Vec<&str> = row["tags"]
            .as_array()
            .expect("tags")
            .iter()
            .map(|t| t.as_str().expect("a tag"))
            .collect();
        assert!(line.starts_with(&field("date")), "{line}");
        assert!(line.contains(&field("title")), "{line}");
        assert!(line.ends_with(&tags.join(", ")), "{line}");
        assert_eq!(field("status"), "confirmed");
        assert!(field("path").ends_with(".md"));
        assert!(!field("id").is_empty());
    }
}

#[test]
fn json_keeps_hostile_titles_exact_and_escaped() {
    let project = Project::empty();
    project.write(
        "events/chronicle.toml",
        "title = \"T\"\nbase_url = \"https://example.org/\"\n",
    );
    project.write(
        "events/a.md",
        "+++\ntitle = \"invoice \\u202Efdp.exe \\u2066x\"\ndate = 2025-01-01\npublished = 2025-04-01T00:00:00Z\n+++\n",
    );
    let out = project.ok(&["list", "--format", "json"]);
    assert!(out.contains(r#""invoice \u202efdp.exe \u2066x""#), "{out}");
    assert!(out.is_ascii(), "{out:?}");
    let rows: serde_json::Value = serde_json::from_str(&out).expect("parses");
    assert_eq!(rows[0]["title"], "invoice \u{202e}fdp.exe \u{2066}x");
    let tsv = project.ok(&["list", "--format", "tsv"]);
    assert!(
        tsv.contains("invoice \\u{202e}fdp.exe \\u{2066}x\t"),
        "{tsv}"
    );
}

#[test]
fn a_tag_no_event_has_is_named_with_the_tags_there_are() {
    let project = Project::fixture("sample");
    let tags = "(tags: cartels, diplomacy, extradition, military, politics, press-conference, \
                security, tariffs, terrorism-designation, trade)";
    for args in [
        &["list", "--tag", "unknown"][..],
        &["export", "--format", "csv", "--tag", "unknown"],
    ] {
        let out = project.chronicle(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert_eq!(
            stderr(&out),
            format!("no event has the tag 'unknown' {tags}\n"),
            "{args:?}"
        );
    }
    // A tag that exists, filtered to nothing by date, says so too.
    let out = project.chronicle(&["list", "--tag", "security", "--since", "2026"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stderr(&out), "no event matches the filters\n");
    // A tag written in another case or accent is the same tag: no message.
    let out = project.chronicle(&["list", "--tag", "Security"]);
    assert_eq!(stderr(&out), "");
}
