//! A calendar subscribed over HTTP with vdirsyncer (`http` storage), as khal users do: one item
//! per event, with no warning.

use crate::calendar_clients::{event_uids, one_event_per_item, vdirsyncer_items};
use crate::harness::{get, Project};

#[test]
fn vdirsyncer_syncs_the_served_calendar_one_item_per_event() {
    let project = Project::sample();
    let server = project.serve(&[]);
    for path in ["/calendar.ics", "/tags/security/calendar.ics"] {
        let url = server.url(path);
        let calendar = get(&url, &[]);
        assert_eq!(calendar.status, 200, "{path}");
        let synced = tempfile::tempdir().expect("temporary directory");
        let items = vdirsyncer_items(
            &format!("type = \"http\"\nurl = \"{url}\""),
            &synced.path().join("items"),
        );
        let uids = event_uids(&calendar.text());
        assert!(uids.len() > 1, "{path} holds several events");
        // The http storage replaces each UID with a hash of the item (its `ignore_uids`).
        assert_eq!(
            one_event_per_item(&items).len(),
            uids.len(),
            "{path}: one item per event"
        );
    }
}

const TARIFF: &str = "events/2025/03-04-fentanyl-tariff.md";

/// The SEQUENCE, LAST-MODIFIED and DESCRIPTION of the VEVENT whose SUMMARY is `summary`, as
/// the `ical` crate (an independent parser) reads the calendar.
fn vevent_fields(calendar: &str, summary: &str) -> Option<(i64, String, String)> {
    let calendar = ical::IcalParser::new(calendar.as_bytes()).next()?.ok()?;
    let event = calendar.events.into_iter().find(|event| {
        event
            .properties
            .iter()
            .any(|p| p.name == "SUMMARY" && p.value.as_deref() == Some(summary))
    })?;
    let value = |name: &str| {
        event
            .properties
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.value.clone())
    };
    Some((
        value("SEQUENCE")?.parse().ok()?,
        value("LAST-MODIFIED")?,
        value("DESCRIPTION")?,
    ))
}

/// A calendar app polling the served calendar sees SEQUENCE rise and LAST-MODIFIED move when a
/// correction is added to the event's file, even one dated before the event's last update,
/// and the corrections log gains the entry.
#[test]
fn a_correction_added_to_a_file_raises_the_served_sequence() {
    let project = Project::sample();
    let server = project.serve(&[]);
    let title = "US 25 percent fentanyl tariff on Mexican imports takes effect";
    let calendar = get(&server.url("/calendar.ics"), &[]).text();
    let (sequence, modified, description) =
        vevent_fields(&calendar, title).expect("the tariff's VEVENT");
    assert_eq!(modified, "20250307T221000Z", "updated as written");
    assert!(!description.contains("Corrected"), "{description}");

    let corrected = |note: &str, date: &str| {
        let text = project.read(TARIFF).replacen(
            "\n+++\n",
            &format!("\n[[corrections]]\ndate = {date}\nnote = \"{note}\"\n+++\n"),
            1,
        );
        project.write(TARIFF, &text);
    };
    corrected(
        "The tariff took effect on 4 March, not 3 March.",
        "2025-09-10T10:00:00-06:00",
    );
    let reply = server.wait_for_body("/calendar.ics", |body| {
        vevent_fields(body, title).is_some_and(|(s, _, _)| s != sequence)
    });
    let (raised, modified, description) =
        vevent_fields(&reply.text(), title).expect("the tariff's VEVENT");
    assert!(raised > sequence, "SEQUENCE {sequence} -> {raised}");
    assert_eq!(modified, "20250910T160000Z", "the correction's date");
    assert!(
        description.contains("Corrected 10 September 2025: The tariff took effect on 4 March"),
        "{description}"
    );
    let log = get(&server.url("/corrections/atom.xml"), &[]).text();
    assert!(
        log.contains("Correction: US 25 percent fentanyl tariff"),
        "{log}"
    );

    // A correction dated before the last update still raises it.
    corrected("A second, older correction.", "2025-03-06T10:00:00-06:00");
    let reply = server.wait_for_body("/calendar.ics", |body| {
        vevent_fields(body, title).is_some_and(|(s, _, _)| s != raised)
    });
    let (again, modified, _) = vevent_fields(&reply.text(), title).expect("the VEVENT");
    assert!(again > raised, "SEQUENCE {raised} -> {again}");
    assert_eq!(modified, "20250910T160000Z", "the newest correction's date");
}
