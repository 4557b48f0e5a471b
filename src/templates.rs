//! The timeline pages' template environment: the default templates, the collection's own
//! overriding them, the work bound of a page, and the ids the default pages give their own
//! elements.
//!
//! A leaf below both `check` (which compiles the collection's templates and refuses event ids
//! the pages use) and `render` (which renders the pages with it), so neither imports the other.
//! Pure: the collection's templates come in as text, read by `load`.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;
use std::sync::Arc;

use minijinja::{Environment, UndefinedBehavior, Value};

use crate::model::Event;

/// The ids the default templates give the pages' own elements, besides the years' and months'
/// (see [`is_page_anchor`]).
const PAGE_IDS: [&str; 4] = [
    "timeline",
    "subscribe-heading",
    "glance-heading",
    "years-heading",
];

/// Whether the default pages give `id` to an element of their own: one of `PAGE_IDS`, a year's
/// heading (`year-2025`), a month's (`month-2025-09`) or the group of the events known only by
/// year (`sometime-2025`). An event's article carries its id (`#<id>` is its permanent link), so
/// an event with such an id would share it with that element.
pub fn is_page_anchor(id: &str) -> bool {
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if PAGE_IDS.contains(&id) {
        return true;
    }
    if let Some(year) = id
        .strip_prefix("year-")
        .or_else(|| id.strip_prefix("sometime-"))
    {
        return digits(year, 4);
    }
    id.strip_prefix("month-")
        .and_then(|rest| rest.split_once('-'))
        .is_some_and(|(year, month)| digits(year, 4) && digits(month, 2))
}

/// The template every page is rendered with.
pub const PAGE_TEMPLATE: &str = "index.html";

/// The default templates, by name. A collection overrides any of them, or adds its own, with a
/// file of the same name in `templates/`.
pub const DEFAULT_TEMPLATES: [(&str, &str); 4] = [
    ("base.html", include_str!("../templates/base.html")),
    ("index.html", include_str!("../templates/index.html")),
    ("macros.html", include_str!("../templates/macros.html")),
    ("style.css", include_str!("../templates/style.css")),
];

/// The page templates of one build: the collection's own, falling back to the defaults.
/// Compiled on first use and shared by every page (minijinja caches loaded templates).
pub struct Templates {
    env: Environment<'static>,
    /// Whether the collection has page templates of its own (a style sheet aside).
    own_pages: bool,
}

impl fmt::Debug for Templates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Templates").finish_non_exhaustive()
    }
}

/// The work one page of a collection's events may take, in minijinja fuel: each template
/// instruction costs one, each byte written or made 1/64. It bounds a template that would run
/// without end (a loop over `range(100000)` in another) or write without end: the render stops
/// with an error at the template's line. The bound grows with the collection, so that no
/// page of it (which shows at most all its events) runs out: the default templates use about
/// 700 a page and 350 an event with its body.
pub fn template_fuel(events: &[Arc<Event>]) -> u64 {
    /// What a page needs besides its events (navigation, feeds, the style sheet), 15 times
    /// what the default templates use.
    const PAGE_FUEL: u64 = 10_000;
    /// An event's share, 30 times what the default templates use.
    const EVENT_FUEL: u64 = 10_000;
    /// Per byte of an event's Markdown body (and notes): its HTML can be five times longer (`&` becomes
    /// `&amp;`), a byte costs 1/64, and a template may copy it a few times (a macro's output
    /// is captured, then written).
    const BODY_BYTE_FUEL: u64 = 1;
    // Correction and retraction notes are Markdown shown on the pages too.
    let bodies: u64 = events
        .iter()
        .map(|e| {
            let notes: usize = e.corrections.iter().map(|c| c.note.len()).sum::<usize>()
                + e.retraction.as_ref().map_or(0, String::len);
            (e.body.len() + notes) as u64
        })
        .sum();
    PAGE_FUEL
        .saturating_add(EVENT_FUEL.saturating_mul(events.len() as u64))
        .saturating_add(BODY_BYTE_FUEL.saturating_mul(bodies))
}

impl Templates {
    /// The defaults overridden by `own` (template name -> source), each page's render bounded
    /// by `fuel` (see [`template_fuel`]).
    pub fn new(own: &BTreeMap<String, String>, fuel: u64) -> Self {
        let own_pages = own.keys().any(|name| name != "style.css");
        let own = Arc::new(own.clone());
        let mut env = Environment::new();
        // A misspelt variable in a template fails the build instead of vanishing from the
        // page; `{% if x %}` on a missing value stays allowed.
        env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
        env.set_fuel(Some(fuel));
        env.set_loader(move |name| {
            let source = own.get(name).cloned().or_else(|| {
                DEFAULT_TEMPLATES
                    .iter()
                    .find(|(default, _)| *default == name)
                    .map(|(_, source)| (*source).to_string())
            });
            Ok(source)
        });
        Templates { env, own_pages }
    }

    /// Whether each event's article (`e.article(macro, level)`) is the same bytes wherever a
    /// page shows it, given the event, the level, and the page's root and year, and written
    /// where it is called, unchanged: true of the default templates, which a page written
    /// again after an edit relies on to copy the unchanged articles from the page before (see
    /// [`crate::render::page_layout`]). A collection's own templates may do anything.
    pub fn articles_are_pure(&self) -> bool {
        !self.own_pages
    }

    /// The work each page's render may take (see [`template_fuel`]).
    pub fn fuel(&self) -> u64 {
        self.env.fuel().unwrap_or(u64::MAX)
    }

    /// Compiles one template, reporting its syntax errors (with the line minijinja gives).
    pub fn compile(&self, name: &str) -> Result<(), minijinja::Error> {
        self.env.get_template(name).map(|_| ())
    }

    /// Renders the page template with `context`, straight into `w`.
    pub fn render_page(&self, context: Value, w: &mut dyn Write) -> Result<(), minijinja::Error> {
        self.env
            .get_template(PAGE_TEMPLATE)?
            .render_captured_to(context, w)
            .map(|_captured| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_anchors_are_recognised() {
        for id in [
            "timeline",
            "year-2025",
            "month-2025-09",
            "sometime-0999",
            "glance-heading",
        ] {
            assert!(is_page_anchor(id), "{id}");
        }
        for id in [
            "timelines",
            "year-25",
            "month-2025-9",
            "sometime-2025-01",
            "2025-09-03-talks",
        ] {
            assert!(!is_page_anchor(id), "{id}");
        }
    }

    #[test]
    fn only_the_default_page_templates_have_pure_articles() {
        let own = |name: &str| BTreeMap::from([(name.to_string(), String::new())]);
        let fuel = template_fuel(&[]);
        assert!(Templates::new(&BTreeMap::new(), fuel).articles_are_pure());
        assert!(Templates::new(&own("style.css"), fuel).articles_are_pure());
        for name in ["macros.html", "index.html", "base.html", "partial.html"] {
            assert!(
                !Templates::new(&own(name), fuel).articles_are_pure(),
                "{name}"
            );
        }
    }

    #[test]
    fn every_default_template_compiles() {
        let templates = Templates::new(&BTreeMap::new(), template_fuel(&[]));
        for (name, _) in DEFAULT_TEMPLATES {
            templates
                .compile(name)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
}
