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
