//! `chronicle check`: every problem reported at its file, line and column.

use std::fs;

use crate::harness::{repo_path, stderr, Project};

#[test]
fn sample_collection_is_clean() {
    let project = Project::fixture("sample");
    let out = project.chronicle(&["check"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = stderr(&out);
    assert!(report.ends_with(": 0 errors, 0 warnings\n"), "{report}");
}

#[test]
fn reports_every_problem_with_its_position() {
    let project = Project::fixture("invalid");
    let out = project.chronicle(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    let expected = fs::read_to_string(repo_path("tests/fixtures/invalid/check.txt")).unwrap();
    assert_eq!(stderr(&out), expected);
}

#[test]
fn explicit_events_dir_is_named_in_paths() {
    let project = Project::fixture("invalid");
    let out = project.chronicle(&["check", "--events", "./events"]);
    assert!(stderr(&out).contains("./events/2025/empty-title.md:2:9: error: title is empty"));
}

fn one_error(project: &Project) -> String {
    let out = project.chronicle(&["check"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = stderr(&out);
    let errors: Vec<&str> = report.lines().filter(|l| l.contains(": error: ")).collect();
    assert_eq!(errors.len(), 1, "{report}");
    errors[0].to_string()
}

fn valid_project() -> Project {
    let project = Project::empty();
    project.write(
        "events/chronicle.toml",
        "title = \"T\"\nbase_url = \"https://example.org/\"\n",
    );
    project.write(
        "events/ok.md",
        "+++\ntitle = \"Fine\"\ndate = 2025-01-01\npublished = 2025-01-01T00:00:00Z\n+++\n",
    );
    project
}

#[test]
fn non_utf8_file_is_located() {
    let project = valid_project();
    fs::write(
        project.path("events/latin1.md"),
        b"+++\ntitle = \"Caf\xe9\"\ndate = 2025-01-01\n+++\n",
    )
    .unwrap();
    assert_eq!(
        one_error(&project),
        "events/latin1.md:2:13: error: file is not valid UTF-8 (byte 0xe9 at offset 16)"
    );
}

#[test]
fn oversized_file_is_refused_with_the_limit() {
    let project = valid_project();
    let body = "word ".repeat(300_000);
    project.write(
        "events/huge.md",
        &format!("+++\ntitle = \"Huge\"\ndate = 2025-01-01\n+++\n{body}"),
    );
    let error = one_error(&project);
    assert!(
        error.starts_with("events/huge.md:1:1: error: file is "),
        "{error}"
    );
    assert!(
        error.contains("over the limit of 1048576 bytes (1 MiB)"),
        "{error}"
    );
}

#[cfg(unix)]
#[test]
fn symlink_outside_the_collection_is_refused() {
    let project = valid_project();
    project.write(
        "elsewhere/secret.md",
        "+++\ntitle = \"Secret\"\ndate = 2025-01-01\n+++\n",
    );
    std::os::unix::fs::symlink(
        project.path("elsewhere/secret.md"),
        project.path("events/link.md"),
    )
    .unwrap();
    let error = one_error(&project);
    assert!(
        error.starts_with("events/link.md:1:1: error: path resolves outside the collection"),
        "{error}"
    );
}

#[test]
fn missing_settings_file_is_an_error() {
    let project = valid_project();
    fs::remove_file(project.path("events/chronicle.toml")).unwrap();
    assert_eq!(
        one_error(&project),
        "events/chronicle.toml:1:1: error: missing settings file (title, base_url, language, timezone, author, feed_limit)"
    );
}

#[test]
fn control_characters_are_rejected_where_they_stand() {
    let project = valid_project();
    project.write(
        "events/bell.md",
        "+++\ntitle = \"Ring \\u0007\"\ndate = 2025-01-01\npublished = 2025-01-01T00:00:00Z\n+++\n",
    );
    assert_eq!(
        one_error(&project),
        "events/bell.md:2:9: error: title contains the control character U+0007"
    );
}

#[test]
fn bom_and_crlf_are_accepted() {
    let project = valid_project();
    project.write(
        "events/windows.md",
        "\u{feff}+++\r\ntitle = \"Windows\"\r\ndate = 2025-01-02\r\npublished = 2025-01-02T00:00:00Z\r\n+++\r\nBody\r\n",
    );
    let out = project.chronicle(&["check"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn missing_collection_is_an_operational_error() {
    let project = Project::empty();
    let out = project.chronicle(&["check", "--events", "nowhere"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).starts_with("chronicle: error: no collection folder at nowhere"));
}

#[cfg(unix)]
#[test]
fn issue_11_dangling_links_fail_only_as_event_files() {
    let project = valid_project();
    std::os::unix::fs::symlink("gone.txt", project.path("events/notes.txt")).unwrap();
    std::os::unix::fs::symlink("gone", project.path("events/folder")).unwrap();
    let out = project.chronicle(&["check"]);
    assert!(out.status.success(), "{}", stderr(&out));
    std::os::unix::fs::symlink("gone.md", project.path("events/event.md")).unwrap();
    assert_eq!(
        one_error(&project),
        "events/event.md:1:1: error: cannot read file: it is a symbolic link to gone.md, which does not exist"
    );
}

/// Issue 2: every way a template fails at run time (a value it prints but the page lacks, a
/// template including itself, an inheritance cycle, a macro calling itself, a loop beyond
/// the work bound) is a `check` error at its template's line, and `build` writes nothing.
#[test]
fn template_failures_are_check_errors_at_their_line() {
    for case in [
        "bad-template",
        "undefined-in-template",
        "template-includes-itself",
        "template-inheritance-cycle",
        "template-recursive-macro",
        "template-endless-loop",
    ] {
        let project = Project::fixture(case);
        let out = project.chronicle(&["check"]);
        assert_eq!(out.status.code(), Some(1), "{case}: {}", stderr(&out));
        let expected =
            fs::read_to_string(repo_path(&format!("tests/fixtures/{case}/check.txt"))).unwrap();
        assert_eq!(stderr(&out), expected, "{case}");
        let out = project.chronicle(&["build"]);
        assert_eq!(out.status.code(), Some(1), "{case}: {}", stderr(&out));
        assert!(!project.public().exists(), "{case}: build wrote files");
    }
}

/// Issue 4: a template that is a link to a file outside the collection, or a `templates`
/// folder that is a link to one outside, is refused as an event file is: nothing of it is
/// published.
#[cfg(unix)]
#[test]
fn template_links_outside_the_collection_are_refused() {
    let secret = "<p>{{ site.title }} secret</p>\n";
    let project = valid_project();
    project.write("elsewhere/index.html", secret);
    fs::create_dir(project.path("events/templates")).unwrap();
    std::os::unix::fs::symlink(
        project.path("elsewhere/index.html"),
        project.path("events/templates/index.html"),
    )
    .unwrap();
    let error = one_error(&project);
    assert!(
        error.starts_with(
            "events/templates/index.html:1:1: error: path resolves outside the collection"
        ),
        "{error}"
    );
    assert_eq!(project.chronicle(&["build"]).status.code(), Some(1));
    assert!(!project.public().exists());

    let project = valid_project();
    project.write("elsewhere/index.html", secret);
    std::os::unix::fs::symlink(project.path("elsewhere"), project.path("events/templates"))
        .unwrap();
    let error = one_error(&project);
    assert!(
        error.starts_with(
            "events/templates/index.html:1:1: error: path resolves outside the collection"
        ),
        "{error}"
    );

    // A link inside the collection is followed.
    let project = valid_project();
    project.write("events/layouts/index.html", secret);
    fs::create_dir(project.path("events/templates")).unwrap();
    std::os::unix::fs::symlink(
        project.path("events/layouts/index.html"),
        project.path("events/templates/index.html"),
    )
    .unwrap();
    project.ok(&["build"]);
    assert!(project.read("public/index.html").contains("T secret"));
}

/// Issues 2 and 3: a tag of 256 characters (its page's name too long for a file name) and an
/// event with 10,000 tags are `check` errors, and `build` writes nothing.
#[test]
fn oversized_tags_are_check_errors() {
    let tag = "t".repeat(256);
    let many: Vec<String> = (0..10_000).map(|n| format!("\"tag {n}\"")).collect();
    for (tags, expected) in [
        (
            format!("\"{tag}\""),
            "events/tagged.md:5:9: error: tag 'tttttttttttttttttttttttt…' is 256 characters long, over the limit of 64",
        ),
        (
            many.join(", "),
            "events/tagged.md:5:8: error: tags: 10000 tags, over the limit of 20 an event",
        ),
    ] {
        let project = valid_project();
        project.write(
            "events/tagged.md",
            &format!("+++\ntitle = \"Tagged\"\ndate = 2025-01-01\npublished = 2025-01-01T00:00:00Z\ntags = [{tags}]\n+++\n"),
        );
        assert_eq!(one_error(&project), expected);
        let out = project.chronicle(&["build"]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(!project.public().exists());
    }
}
