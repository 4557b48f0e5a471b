//! `chronicle list`: a chronological table.

use crate::harness::Project;

#[test]
fn lists_events_in_order_with_dates_at_their_precision() {
    let project = Project::fixture("sample");
    let out = project.ok(&["list", "--tag", "extradition"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].starts_with("27 February 2025  Mexico sends 29 cartel figures"),
        "{out}"
    );
    assert!(
        lines[1].starts_with("12 August 2025    Mexico sends 26 more"),
        "{out}"
    );
    assert!(
        lines[0].ends_with("extradition, cartels, security") || lines[0].contains("extradition")
    );
}

#[test]
fn shows_reduced_precision_and_status() {
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
    let out = project.ok(&["list"]);
    assert_eq!(
        out,
        "2 January 2025, 12:00 CST  Noon\nMarch 2025                 Sometime in March [tentative]\n"
    );
}
