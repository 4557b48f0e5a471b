//! Text from the collection never reaches the terminal raw: escape sequences, line breaks and
//! bidi overrides in field values and file names are printed escaped (`\u{1b}`), so each
//! report stays one `path:line:col` line that says what the file holds.

use crate::harness::{stderr, Project};

fn project() -> Project {
    let project = Project::empty();
    project.write(
        "events/chronicle.toml",
        "title = \"T\"\nbase_url = \"https://example.org/\"\nid = \"https://example.org/\"\n",
    );
    project
}

/// A file whose values are terminal escape sequences, and one whose name holds a line break
/// and an escape sequence.
fn hostile_project() -> Project {
    let project = project();
    project.write(
        "events/a.md",
        "+++\ntitle = \"A\"\ndate = 2025-01-01\ntimezone = \"\\u001b]0;PWNED\\u0007\\u001b[2J\"\nstatus = \"\\u001b[31mred\"\npublished = 2025-01-01T00:00:00Z\n+++\n",
    );
    project.write(
        "events/b\n\u{1b}[2Jx.md",
        "+++\ntitle = \"B\"\ndate = 2025-01-01\npublished = 2025-01-01T00:00:00Z\n+++\n",
    );
    project
}

const HOSTILE_REPORT: &str = "\
events/a.md:4:12: error: unknown time zone '\\u{1b}]0;PWNED\\u{7}\\u{1b}[2J' (use an IANA name like America/Mexico_City)
  |
4 | timezone = \"\\u001b]0;PWNED\\u0007\\u001b[2J\"
  |            ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^

events/a.md:5:10: error: unknown status '\\u{1b}[31mred' (use one of: confirmed, tentative, cancelled, retracted)
  |
5 | status = \"\\u001b[31mred\"
  |          ^^^^^^^^^^^^^^^

events/b\\u{a}\\u{1b}[2Jx.md:1:1: error: id (from the file name) 'b\\u{a}\\u{1b}[2Jx' may only use ASCII letters, digits, '-', '_' and '.'
checked 2 event files: 3 errors, 0 warnings
";

fn assert_no_control_characters(text: &str) {
    let raw: Vec<char> = text
        .chars()
        .filter(|&c| c != '\n' && (c.is_control() || ('\u{2028}'..='\u{202e}').contains(&c)))
        .collect();
    assert!(raw.is_empty(), "raw {raw:?} in {text:?}");
}

#[test]
fn issue_10_check_escapes_values_and_file_names() {
    let out = hostile_project().chronicle(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out), HOSTILE_REPORT);
}

#[test]
fn issue_10_build_and_list_escape_values_and_file_names() {
    let project = hostile_project();
    for command in ["build", "list"] {
        let out = project.chronicle(&[command]);
        assert_eq!(out.status.code(), Some(1), "{command}");
        assert_eq!(stderr(&out), HOSTILE_REPORT, "{command}");
    }
}

#[test]
fn issue_10_list_escapes_bidi_overrides_in_titles_and_tags() {
    let project = project();
    project.write(
        "events/a.md",
        "+++\ntitle = \"invoice \\u202Efdp.exe\"\ndate = 2025-01-01\ntags = [\"x\\u2066y\"]\npublished = 2025-01-01T00:00:00Z\n+++\n",
    );
    let out = project.ok(&["list"]);
    assert_eq!(
        out,
        "DATE            TITLE                    TAGS\n\
         1 January 2025  invoice \\u{202e}fdp.exe  x\\u{2066}y\n"
    );
    assert_no_control_characters(&out);
}

#[test]
fn issue_10_operational_errors_escape_file_names() {
    let project = project();
    // A folder named with an escape sequence that cannot be read: the walk's error names it.
    let folder = project.path("events/\u{1b}[2J");
    std::fs::create_dir(&folder).unwrap();
    project.write("events/\u{1b}[2J/a.md", "+++\n+++\n");
    let out = project.chronicle(&["check", "--events", "events/\u{1b}[2J/a.md"]);
    assert_no_control_characters(&stderr(&out));
    assert!(
        stderr(&out).contains("events/\\u{1b}[2J/a.md"),
        "{}",
        stderr(&out)
    );
}
