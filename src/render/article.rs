//! One event on a timeline page, as the page templates see it: its fields, and
//! `e.article(macro, level)`, which renders the event's article with the template's own macro
//! (`event(e, level)` in the default `macros.html`).
//!
//! A build calls the macro for each event it shows. `serve` passes [`Articles`] kept between
//! rebuilds: an article is then rendered once per version of its event and page, and a page
//! whose other events did not change (the year page of an edited event, thousands of events)
//! is put together from the kept articles. So a macro passed to `article` must make its output
//! from `e` and `level` alone (as the default one does), not from the page around it. The
//! event objects themselves are kept the same way: they depend on the event and the page alone.

use std::sync::{Arc, Mutex, PoisonError};

use minijinja::value::{Object, ObjectRepr, Value};
use minijinja::{Error, ErrorKind, State};
use rustc_hash::FxHashMap;

/// What is kept of one event version, by where it was shown: its articles (by page and
/// heading level) and its template objects (by page).
#[derive(Debug, Default)]
struct Kept {
    articles: Vec<(String, Value)>,
    objects: Vec<(String, Value)>,
}

/// Which of an event version's kept values.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Article,
    Object,
}

impl Kept {
    fn of(&mut self, kind: Kind) -> &mut Vec<(String, Value)> {
        match kind {
            Kind::Article => &mut self.articles,
            Kind::Object => &mut self.objects,
        }
    }
}

/// Articles and event objects kept between builds, by the version of their event, then by
/// where they were shown.
#[derive(Debug, Default)]
pub struct Articles {
    by_version: Mutex<FxHashMap<u64, Kept>>,
}

impl Articles {
    /// Drops what is kept of an event version that is gone.
    pub fn forget(&self, version: u64) {
        self.lock().remove(&version);
    }

    /// Drops everything (the templates, the settings or the link base changed).
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FxHashMap<u64, Kept>> {
        self.by_version
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The `kind` of value kept for `version` at `place`, or the one `make` makes, then kept.
    fn get_or_keep<E>(
        &self,
        version: u64,
        kind: Kind,
        place: &str,
        make: impl FnOnce() -> Result<Value, E>,
    ) -> Result<Value, E> {
        let kept = self.lock().get_mut(&version).and_then(|kept| {
            kept.of(kind)
                .iter()
                .find(|(at, _)| at == place)
                .map(|(_, value)| value.clone())
        });
        if let Some(value) = kept {
            return Ok(value);
        }
        // Made without the lock held: `make` renders templates, which may take kept values.
        let value = make()?;
        self.lock()
            .entry(version)
            .or_default()
            .of(kind)
            .push((place.to_string(), value.clone()));
        Ok(value)
    }
}

/// What lets a site's pages reuse kept articles: the store, and each event's version (by index
/// in the collection), which changes whenever the event does.
#[derive(Debug, Clone)]
pub struct ArticleMemo {
    pub articles: Arc<Articles>,
    pub versions: Arc<Vec<u64>>,
}

impl ArticleMemo {
    /// The template object of the event at `index` on `page`: kept, or made by `make` (an
    /// [`EventObject::value`] with this memo) and kept.
    pub fn object(&self, index: usize, page: &str, make: impl FnOnce() -> Value) -> Value {
        let Ok(object) =
            self.articles
                .get_or_keep(self.versions[index], Kind::Object, page, || {
                    Ok::<_, std::convert::Infallible>(make())
                });
        object
    }
}

/// One event as a page template sees it.
#[derive(Debug)]
pub struct EventObject {
    /// The event's fields (a map), as documented in `docs/page.md`.
    fields: Value,
    /// The kept articles, this event's version and the page it is shown on.
    memo: Option<(Arc<Articles>, u64, String)>,
}

impl EventObject {
    /// `fields` for the template; `page` names the page the event is shown on (its home path).
    pub fn value(fields: Value, memo: Option<&ArticleMemo>, index: usize, page: &str) -> Value {
        let memo = memo.map(|memo| {
            (
                Arc::clone(&memo.articles),
                memo.versions[index],
                page.to_string(),
            )
        });
        Value::from_object(EventObject { fields, memo })
    }
}

impl Object for EventObject {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.fields.get_item(key).ok().filter(|v| !v.is_undefined())
    }

    fn enumerate(self: &Arc<Self>) -> minijinja::value::Enumerator {
        match self.fields.try_iter() {
            Ok(keys) => minijinja::value::Enumerator::Values(keys.collect()),
            Err(_) => minijinja::value::Enumerator::Empty,
        }
    }

    fn call_method(
        self: &Arc<Self>,
        state: &mut State<'_, '_>,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        if method != "article" {
            return Err(Error::from(ErrorKind::UnknownMethod));
        }
        let [render, level] = args else {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                "article takes the macro to render with and the heading level: e.article(event, level)",
            ));
        };
        let call = |state: &mut State<'_, '_>| {
            render.call(
                state,
                &[Value::from_dyn_object(self.clone()), level.clone()],
            )
        };
        let Some((articles, version, page)) = &self.memo else {
            return call(state);
        };
        let place = format!("{page}|{level}");
        articles.get_or_keep(*version, Kind::Article, &place, || call(state))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use minijinja::{context, Environment};

    use super::*;

    /// Renders `e.article(render, 3)` for an event of `version` on `page`, counting the calls
    /// of `render` in `calls`.
    fn article(
        memo: Option<&ArticleMemo>,
        index: usize,
        page: &str,
        calls: &Arc<AtomicUsize>,
    ) -> String {
        let calls = Arc::clone(calls);
        let render = Value::from_function(move |e: Value, level: i64| {
            calls.fetch_add(1, Ordering::SeqCst);
            format!("{}@{level}", e.get_attr("title").unwrap_or_default())
        });
        let fields = context! { title => "T" };
        let e = EventObject::value(fields, memo, index, page);
        Environment::new()
            .render_str(
                "{{ e.title }}: {{ e.article(render, 3) }}",
                context! { e, render },
            )
            .expect("renders")
    }

    #[test]
    fn an_article_is_rendered_once_per_version_and_page() {
        let calls = Arc::new(AtomicUsize::new(0));
        let memo = ArticleMemo {
            articles: Arc::default(),
            versions: Arc::new(vec![7, 8]),
        };
        assert_eq!(article(Some(&memo), 0, "years/2025/", &calls), "T: T@3");
        assert_eq!(article(Some(&memo), 0, "years/2025/", &calls), "T: T@3");
        assert_eq!(calls.load(Ordering::SeqCst), 1, "kept");
        article(Some(&memo), 0, "tags/a/", &calls);
        article(Some(&memo), 1, "years/2025/", &calls);
        assert_eq!(
            calls.load(Ordering::SeqCst),
            3,
            "another page, another version"
        );
        memo.articles.forget(7);
        article(Some(&memo), 0, "years/2025/", &calls);
        assert_eq!(calls.load(Ordering::SeqCst), 4, "forgotten");
        article(None, 0, "years/2025/", &calls);
        article(None, 0, "years/2025/", &calls);
        assert_eq!(calls.load(Ordering::SeqCst), 6, "a build keeps nothing");
    }

    #[test]
    fn an_event_object_is_made_once_per_version_and_page() {
        let memo = ArticleMemo {
            articles: Arc::default(),
            versions: Arc::new(vec![7, 8]),
        };
        let made = AtomicUsize::new(0);
        let object = |index: usize, page: &str| {
            memo.object(index, page, || {
                made.fetch_add(1, Ordering::SeqCst);
                Value::from(format!("{index}@{page}"))
            })
        };
        assert_eq!(object(0, "years/2025/").to_string(), "0@years/2025/");
        assert_eq!(object(0, "years/2025/").to_string(), "0@years/2025/");
        assert_eq!(made.load(Ordering::SeqCst), 1, "kept");
        assert_eq!(object(0, "tags/a/").to_string(), "0@tags/a/");
        assert_eq!(object(1, "years/2025/").to_string(), "1@years/2025/");
        assert_eq!(
            made.load(Ordering::SeqCst),
            3,
            "another page, another version"
        );
        memo.articles.forget(7);
        object(0, "years/2025/");
        assert_eq!(made.load(Ordering::SeqCst), 4, "forgotten");
    }
}
