//! Which outputs to write again after a change, from the structure of the build alone: an
//! output is written again when it is new, when its list of events changed (another event, or
//! the same in another place), when an event it shows changed, or, for a document that links
//! to other outputs, when the set of outputs did. Nothing here knows what a renderer reads of
//! an event: a changed event changes every output that shows it.
//!
//! Settings, templates and the link base are not compared: a change to any of them writes
//! every output (the caller's decision, see `serve::rebuild`).

use std::hash::{Hash, Hasher};

use rustc_hash::{FxHashMap, FxHasher};

use crate::model::Event;
use crate::render::{Output, Site};

/// What an output shows of one event, beyond its place: the version of the event's file (new
/// whenever the file is read again) and the event's feed `updated`, which the collection
/// assigns (two events updated in the same second are told apart, so an edit of one can move
/// the other's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventKey {
    pub version: u64,
    pub updated: i64,
}

/// Each event's key, in the collection's order; `version` gives each event's file version.
pub fn event_keys(site: &Site, mut version: impl FnMut(&Event) -> u64) -> Vec<EventKey> {
    site.events()
        .iter()
        .zip(site.entry_updated.iter())
        .map(|(event, updated)| EventKey {
            version: version(event),
            updated: updated.timestamp(),
        })
        .collect()
}

/// The outputs of `now` (with the events' keys `now_keys`) to write again after the build
/// `before` (with `before_keys`).
pub fn changed<'o>(
    before: &[Output],
    before_keys: &[EventKey],
    now: &'o [Output],
    now_keys: &[EventKey],
) -> Vec<&'o Output> {
    let links_changed = shape(before) != shape(now);
    let before: FxHashMap<&str, &Output> = before.iter().map(|o| (o.path.as_str(), o)).collect();
    now.iter()
        .filter(|output| match before.get(output.path.as_str()) {
            None => true,
            Some(old) => {
                (links_changed && output.format.links_other_outputs())
                    || old.format != output.format
                    || old.view.title != output.view.title
                    || old.view.description != output.view.description
                    || old.view.home_path != output.view.home_path
                    || old.view.events.len() != output.view.events.len()
                    || old
                        .view
                        .events
                        .iter()
                        .zip(&output.view.events)
                        .any(|(&a, &b)| before_keys[a] != now_keys[b])
            }
        })
        .collect()
}

/// The outputs that show any of the events at `indices`: after an edit that kept every event's
/// place, the outputs [`changed`] finds, found without comparing every view's keys.
pub fn showing<'o>(outputs: &'o [Output], indices: &[usize]) -> Vec<&'o Output> {
    outputs
        .iter()
        .filter(|output| output.view.events.iter().any(|i| indices.contains(i)))
        .collect()
}

/// A digest of the set of outputs: each path and how many events its view has. Timeline pages
/// link every year and tag with its count, and feeds and archive pages link the archive pages.
fn shape(outputs: &[Output]) -> u64 {
    let mut hasher = FxHasher::default();
    for output in outputs {
        output.path.hash(&mut hasher);
        output.view.events.len().hash(&mut hasher);
    }
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// For an edit that keeps every event's place, the outputs showing the edited event are the
    /// outputs whose keys changed, for each event of the sample in turn.
    #[test]
    fn the_outputs_showing_an_edited_event_are_those_whose_keys_changed() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("events");
        let checked =
            crate::check::check_collection(&dir, crate::render::covering::render_covering_pages)
                .expect("readable");
        let collection = checked.collection.expect("valid");
        let site = Site::new(&collection, &collection.settings.base_url, None);
        let outputs = crate::render::outputs(&collection);
        let keys = event_keys(&site, |_| 1);
        assert!(keys.len() > 3);
        for edited in 0..keys.len() {
            let mut now = keys.clone();
            now[edited].version = 2;
            let paths = |outputs: Vec<&Output>| -> Vec<String> {
                outputs.into_iter().map(|o| o.path.clone()).collect()
            };
            let changed = paths(changed(&outputs, &keys, &outputs, &now));
            assert!(!changed.is_empty());
            assert_eq!(
                paths(showing(&outputs, &[edited])),
                changed,
                "event {edited}"
            );
        }
    }
}
