//! Edits that would put a date outside the range every output can hold (`docs/format.md`):
//! the server reports them at the value and keeps serving the last good set.

use crate::harness::{get, Project};

const EDGE: &str = "+++\ntitle = \"Edge\"\ndate = 2025-01-01\n\
                    published = 2025-01-01T00:00:00Z\nupdated = 9999-12-31T23:59:59Z\n+++\n";

#[test]
fn an_edit_moving_an_updated_time_past_9999_keeps_the_last_good_set() {
    let project = Project::sample();
    let server = project.serve(&[]);
    project.write("events/edge-a.md", EDGE);
    server.wait_for_body("/atom.xml", |body| body.contains("edge-a"));
    let good = get(&server.url("/atom.xml"), &[]);

    // Two entries sharing the last second: feeds would move "edge-b" into year 10000.
    project.write("events/edge-b.md", EDGE);
    server.wait_for_stderr("still serving the last good build");
    let log = server.stderr();
    assert!(
        log.lines().any(|l| l.starts_with(
            "events/edge-b.md:5:11: error: updated (9999-12-31T23:59:59Z) is another entry's \
             too: feeds would move it to +10000-01-01T00:00:00Z"
        )),
        "the error is reported at the value:\n{log}"
    );
    assert!(!log.contains("panicked"), "{log}");
    let during = get(&server.url("/atom.xml"), &[]);
    assert_eq!(during.status, 200);
    assert!(
        during.body == good.body,
        "the last good set is still served"
    );

    project.write(
        "events/edge-b.md",
        &EDGE.replace("9999-12-31", "9999-12-30"),
    );
    server.wait_for_body("/atom.xml", |body| body.contains("edge-b"));
}
