//! Render stage, for `check`: renders the timeline pages that cover every page `build` writes
//! and returns the template errors they raise, within the same work bound
//! ([`crate::templates::template_fuel`]) and on the same kind of thread (a rayon worker, with
//! its stack) as in `build` and `serve`. `check` turns them into diagnostics (it is given
//! [`render_covering_pages`], and imports nothing of `render`).
//!
//! A template fails at run time on a value it prints but the page lacks (`{{ totl }}`), a
//! template including itself, an inheritance cycle, a macro calling itself without end, or
//! work beyond the bound. With the default templates such errors depend on the data only
//! through the shape of the events shown (which fields are set), so rendering a few pages
//! covers every page `build` writes: the front page, the largest year and tag pages (the most
//! work), and one page of each kind holding one event of every shape in the collection. The
//! collection's own templates may also depend on the page itself (`{% if page.year == 2019 %}`),
//! so with any of them every page `build` writes is rendered too: then nothing `check`
//! accepts fails in `build`, at the cost of rendering the pages twice.

use std::collections::HashSet;
use std::mem::discriminant;

use rayon::prelude::*;

use super::html::try_render_page;
use super::site::{collection_view, corrections_view, tag_views, year_views};
use super::{Page, Site, View};
use crate::model::{Collection, Event, When};

/// Renders the pages that cover every page of `collection` (see the module's comment) with
/// its own templates, if it has any, and the defaults; returns every template error, one a
/// page that fails.
pub fn render_covering_pages(collection: &Collection) -> Vec<minijinja::Error> {
    let site = Site::new(collection, &collection.settings.base_url, None);
    let pages = covering_pages(collection, !collection.templates.is_empty());
    // Rendered on rayon's workers, as `build` renders them.
    pages
        .par_iter()
        .filter_map(|(view, page)| {
            try_render_page(&site, view, *page, None, &mut std::io::sink()).err()
        })
        .collect()
}

/// The pages rendered to check the templates: the front page, the largest year page and the
/// largest tag page (every year and tag page with `every_page`), then a page of every kind
/// showing one event of each shape, and the corrections log's page.
fn covering_pages(collection: &Collection, every_page: bool) -> Vec<(View, Page)> {
    let whole = collection_view(collection);
    let years = year_views(collection);
    let tags = tag_views(collection);
    let mut pages = Vec::new();
    let largest_year = years
        .iter()
        .max_by_key(|(year, view)| (view.events.len(), std::cmp::Reverse(*year)));
    let largest_tag = tags
        .iter()
        .max_by_key(|view| (view.events.len(), std::cmp::Reverse(&view.home_path)));
    let shapes = one_event_of_each_shape(collection);
    if every_page {
        for (year, view) in &years {
            pages.push((view.clone(), Page::Year(*year)));
        }
        for view in &tags {
            pages.push((view.clone(), Page::Tag));
        }
    }
    if let Some((year, view)) = largest_year {
        pages.push((view.clone(), Page::Year(*year)));
        // The shapes page is a year page of the first shape's year, with events of any year.
        if let Some(&first) = shapes.first() {
            let year = collection.events[first].date.year();
            pages.push((
                View {
                    events: shapes.clone(),
                    ..view.clone()
                },
                Page::Year(year),
            ));
        }
    }
    if let Some(view) = largest_tag {
        pages.push((view.clone(), Page::Tag));
        pages.push((
            View {
                events: shapes.clone(),
                ..view.clone()
            },
            Page::Tag,
        ));
    }
    pages.push((
        View {
            events: shapes,
            ..whole.clone()
        },
        Page::Front,
    ));
    if !tags.is_empty() {
        pages.push((super::site::tags_view(collection), Page::Tags));
    }
    pages.push((super::site::subscribe_view(collection), Page::Subscribe));
    pages.push((whole, Page::Front));
    if let Some(view) = corrections_view(collection) {
        pages.push((view, Page::Corrections));
    }
    pages
}

/// The first event (in the collection's order) of each shape: which fields are set, and the
/// form of its dates. A page's data differs between events only in these.
fn one_event_of_each_shape(collection: &Collection) -> Vec<usize> {
    let mut seen = HashSet::new();
    collection
        .events
        .iter()
        .enumerate()
        .filter(|(_, event)| seen.insert(shape(event)))
        .map(|(index, _)| index)
        .collect()
}

fn shape(event: &Event) -> impl Eq + std::hash::Hash {
    let end = event.end.as_ref().map(|end| {
        // An end on the day of an exact start is shown as a time alone.
        let same_day =
            matches!(event.date, When::Instant { .. }) && event.date.first_day() == end.first_day();
        (discriminant(end), same_day)
    });
    let sources = &event.sources;
    (
        discriminant(&event.date),
        end,
        event.status.as_str(),
        event.location.is_some(),
        event.tags.is_empty(),
        sources.is_empty(),
        sources.iter().any(|s| s.publisher.is_some()),
        sources.iter().any(|s| s.publisher.is_none()),
        sources.iter().any(|s| s.date.is_some()),
        sources.iter().any(|s| s.date.is_none()),
        event.body.is_empty(),
        event.corrections.is_empty(),
    )
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::render_covering_pages;
    use crate::check::check_collection;

    /// 101 events of 2025 with an end, and one of 2020 without: the 2020 event is neither on
    /// the front page (the newest 100) nor on the largest year page.
    fn collection_with_one_event_unlike_the_others(template: &str) -> tempfile::TempDir {
        let tmp = tempfile::tempdir().expect("temporary directory");
        let dir = tmp.path();
        std::fs::write(
            dir.join("chronicle.toml"),
            "title = \"T\"\nbase_url = \"https://example.org/\"\nid = \"https://example.org/\"\n",
        )
        .expect("settings");
        let mut text = String::new();
        for n in 0..101 {
            text.clear();
            let day = 1 + n % 28;
            let month = 1 + n / 28;
            let _ = write!(
                text,
                "+++\ntitle = \"E{n}\"\ndate = 2025-{month:02}-{day:02}\nend = 2025-{month:02}-{day:02}\n\
                 published = 2025-01-01T00:00:00Z\n+++\n"
            );
            std::fs::write(dir.join(format!("e{n}.md")), &text).expect("event");
        }
        std::fs::write(
            dir.join("old.md"),
            "+++\ntitle = \"Old\"\ndate = 2020-01-01\npublished = 2025-01-01T00:00:00Z\n+++\n",
        )
        .expect("event");
        std::fs::create_dir(dir.join("templates")).expect("folder");
        std::fs::write(dir.join("templates/index.html"), template).expect("template");
        tmp
    }

    /// Each diagnostic as `check` prints it.
    fn shown(checked: &crate::check::Checked) -> Vec<String> {
        checked
            .diagnostics
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn an_event_shape_seen_on_no_large_page_is_rendered_too() {
        let tmp = collection_with_one_event_unlike_the_others(
            "{% for y in groups %}{% for m in y.months %}{% for e in m.events %}\n\
             {{ e.end.text }}{% endfor %}{% endfor %}{% endfor %}\n",
        );
        let checked = check_collection(tmp.path(), render_covering_pages).expect("readable");
        assert_eq!(
            shown(&checked),
            [format!(
                "{}:2:4: error: template render error: undefined value: `e.end.text` is undefined",
                tmp.path().join("templates/index.html").display()
            )]
        );
        assert!(checked.collection.is_none());
    }

    /// A template of the collection's own that fails on one page only (the 2020 year page,
    /// neither the front page, the largest year page nor the shapes page) fails `check`, as it
    /// would `build`.
    #[test]
    fn an_own_template_failing_on_one_page_only_fails_check() {
        let tmp = collection_with_one_event_unlike_the_others(
            "{% if page.year == 2020 %}\n{{ only_in_2020 }}{% endif %}\n",
        );
        // The shapes page is a page of the first event's year: one in 2019 makes it 2019's.
        std::fs::write(
            tmp.path().join("older.md"),
            "+++\ntitle = \"Older\"\ndate = 2019-01-01\npublished = 2025-01-01T00:00:00Z\n+++\n",
        )
        .expect("event");
        let checked = check_collection(tmp.path(), render_covering_pages).expect("readable");
        assert_eq!(
            shown(&checked),
            [format!(
                "{}:2:4: error: template render error: undefined value: `only_in_2020` is \
                 undefined",
                tmp.path().join("templates/index.html").display()
            )]
        );
        assert!(checked.collection.is_none());
    }

    #[test]
    fn a_template_for_every_shape_passes() {
        let tmp = collection_with_one_event_unlike_the_others(
            "{% for y in groups %}{% for m in y.months %}{% for e in m.events %}\n\
             {% if e.end %}{{ e.end.text }}{% endif %}{% endfor %}{% endfor %}{% endfor %}\n",
        );
        let checked = check_collection(tmp.path(), render_covering_pages).expect("readable");
        assert!(checked.diagnostics.is_empty(), "{:?}", checked.diagnostics);
        assert!(checked.collection.is_some());
    }
}
