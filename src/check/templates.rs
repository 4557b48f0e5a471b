//! Check stage, the collection's page templates: each compiles (with the defaults it includes
//! or extends), and the timeline pages render from the collection's own events, within the
//! same work bound ([`template_fuel`]) and on the same kind of thread (a rayon worker, with its
//! stack) as in `build` and `serve`.
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

use std::collections::{BTreeMap, HashSet};
use std::mem::discriminant;
use std::path::Path;

use rayon::prelude::*;

use crate::diag::{Diagnostic, Severity};
use crate::load::{self, SourceFile};
use crate::model::{Collection, Event, When};
use crate::render::html::{template_fuel, try_render_page, Templates, PAGE_TEMPLATE};
use crate::render::site::{collection_view, tag_views, year_views};
use crate::render::{Page, Site, View};

/// The collection's own templates, as read and compiled by [`check_templates`].
#[derive(Debug, Default)]
pub struct CheckedTemplates {
    /// Template name -> source, as [`Collection::templates`] holds them.
    pub own: BTreeMap<String, String>,
    /// Their files, to locate an error.
    files: Vec<SourceFile>,
    /// The folder they are in, named by an error in a default template.
    folder: std::path::PathBuf,
}

/// Reads the collection's own templates and compiles each with the defaults, so a syntax
/// error is reported at its line (and column, where minijinja gives the span) before `build`.
pub fn check_templates(dir: &Path, diagnostics: &mut Vec<Diagnostic>) -> CheckedTemplates {
    let (files, read_errors) = load::templates::load_templates(dir);
    diagnostics.extend(read_errors);
    let own: BTreeMap<String, String> = files
        .iter()
        .map(|file| {
            (
                load::templates::template_name(file).to_string(),
                file.text.clone(),
            )
        })
        .collect();
    let compiled = Templates::new(&own, template_fuel(&[]));
    let checked = CheckedTemplates {
        own,
        files,
        folder: dir.join(load::templates::TEMPLATES_DIR),
    };
    for file in &checked.files {
        if let Err(err) = compiled.compile(load::templates::template_name(file)) {
            diagnostics.push(checked.locate(&err, "template"));
        }
    }
    checked
}

/// Renders the pages that cover every page of `collection` (see the module's comment) and
/// reports each template error once, at its template's line.
pub fn check_pages(
    collection: &Collection,
    templates: &CheckedTemplates,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let site = Site::new(collection, &collection.settings.base_url, None);
    let pages = covering_pages(collection, !templates.own.is_empty());
    // Rendered on rayon's workers, as `build` renders them.
    let errors: Vec<minijinja::Error> = pages
        .par_iter()
        .filter_map(|(view, page)| {
            try_render_page(&site, view, *page, None, &mut std::io::sink()).err()
        })
        .collect();
    // Pages run out of fuel at different columns of the same loop: one report a line.
    let mut seen = HashSet::new();
    for err in errors {
        let mut diagnostic = templates.locate(&err, "template render error:");
        if runs_out_of_fuel(&err) {
            diagnostic.message.push_str(&format!(
                " (a page may take {} fuel in this collection)",
                site.templates.fuel()
            ));
        }
        if seen.insert((
            diagnostic.path.clone(),
            diagnostic.line,
            diagnostic.message.clone(),
        )) {
            diagnostics.push(diagnostic);
        }
    }
}

fn runs_out_of_fuel(err: &minijinja::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(err) = cause {
        if err
            .downcast_ref::<minijinja::Error>()
            .is_some_and(|e| e.kind() == minijinja::ErrorKind::OutOfFuel)
        {
            return true;
        }
        cause = err.source();
    }
    false
}

/// The pages rendered to check the templates: the front page, the largest year page and the
/// largest tag page (every year and tag page with `every_page`), then a page of every kind
/// showing one event of each shape.
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
    pages.push((whole, Page::Front));
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
    )
}

impl CheckedTemplates {
    /// A diagnostic for a template error: at the innermost of the collection's templates the
    /// error passed through (an include's error is the cause of the including template's), at
    /// the line minijinja gives. An error in a default template the collection did not
    /// replace is reported at the collection's page template, naming the default's line.
    fn locate(&self, err: &minijinja::Error, what: &str) -> Diagnostic {
        let mut chain = vec![err];
        let mut cause = std::error::Error::source(err);
        while let Some(next) = cause.and_then(|c| c.downcast_ref::<minijinja::Error>()) {
            chain.push(next);
            cause = std::error::Error::source(next);
        }
        let innermost = chain.last().copied().unwrap_or(err);
        let message = match innermost.detail() {
            Some(detail) => format!("{what} {}: {detail}", innermost.kind()),
            None => format!("{what} {}", innermost.kind()),
        };
        let own_file = |err: &minijinja::Error| {
            let name = err.name()?;
            self.files
                .iter()
                .find(|file| load::templates::template_name(file) == name)
        };
        if let Some((err, file)) = chain
            .iter()
            .rev()
            .find_map(|err| own_file(err).map(|file| (*err, file)))
        {
            let offset = match (err.range(), err.line()) {
                (Some(range), _) => range.start,
                (None, Some(line)) => file
                    .text
                    .split_inclusive('\n')
                    .take(line.saturating_sub(1))
                    .map(str::len)
                    .sum(),
                (None, None) => 0,
            };
            return file.error(offset, message);
        }
        let place = match (innermost.name(), innermost.line()) {
            (Some(name), Some(line)) => format!(" (in the default {name}, line {line})"),
            (Some(name), None) => format!(" (in the default {name})"),
            _ => String::new(),
        };
        let path = self
            .files
            .iter()
            .find(|file| load::templates::template_name(file) == PAGE_TEMPLATE)
            .or(self.files.first())
            .map_or_else(|| self.folder.clone(), |file| file.path.clone());
        load::file_level(path, Severity::Error, format!("{message}{place}"))
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

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
        let checked = check_collection(tmp.path()).expect("readable");
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
        let checked = check_collection(tmp.path()).expect("readable");
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
        let checked = check_collection(tmp.path()).expect("readable");
        assert!(checked.diagnostics.is_empty(), "{:?}", checked.diagnostics);
        assert!(checked.collection.is_some());
    }
}
