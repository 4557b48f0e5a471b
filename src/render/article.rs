//! One event on a timeline page, as the page templates see it: its fields, and
//! `e.article(macro, level)`, which renders the event's article with the template's own macro
//! (`event(e, level)` in the default `macros.html`).
//!
//! The fields are made when the template first reads one: a page written again after an edit
//! copies most articles from the page before (see [`super::page_layout`]) and never reads
//! those events' fields, whose Markdown would otherwise be rendered for nothing.

use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

use minijinja::value::{Object, ObjectRepr, Value};
use minijinja::{Error, ErrorKind, State};

use super::page_layout::ArticleRecorder;
use crate::model::Event;

/// Makes an event's fields for the template.
type MakeFields = Box<dyn FnOnce() -> Value + Send>;

/// One event as a page template sees it.
pub struct EventObject {
    /// The event's fields (a map), as documented in `docs/page.md`, once made.
    fields: OnceLock<Value>,
    make: Mutex<Option<MakeFields>>,
    /// The event and the page's recorder, when the page's articles are recorded (and copied
    /// from the page before where they can be).
    recording: Option<(Arc<Event>, Arc<ArticleRecorder>)>,
}

impl fmt::Debug for EventObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventObject")
            .field("fields", &self.fields.get())
            .finish_non_exhaustive()
    }
}

impl EventObject {
    /// The fields `make` makes, when first read; the article recorded by `recorder` if given.
    pub fn lazy(
        event: Arc<Event>,
        recorder: Option<Arc<ArticleRecorder>>,
        make: impl FnOnce() -> Value + Send + 'static,
    ) -> Value {
        Value::from_object(EventObject {
            fields: OnceLock::new(),
            make: Mutex::new(Some(Box::new(make))),
            recording: recorder.map(|recorder| (event, recorder)),
        })
    }

    fn fields(&self) -> &Value {
        self.fields.get_or_init(|| {
            let make = self
                .make
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .take();
            make.map(|make| make()).unwrap_or_default()
        })
    }
}

impl Object for EventObject {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.fields()
            .get_item(key)
            .ok()
            .filter(|v| !v.is_undefined())
    }

    fn enumerate(self: &Arc<Self>) -> minijinja::value::Enumerator {
        match self.fields().try_iter() {
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
        let recording = self
            .recording
            .as_ref()
            .zip(i64::try_from(level.clone()).ok());
        if let Some(((event, recorder), level)) = recording {
            if let Some(before) = recorder.reuse(event, level) {
                return Ok(Value::from_safe_string(before));
            }
        }
        let article = render.call(
            state,
            &[Value::from_dyn_object(self.clone()), level.clone()],
        )?;
        Ok(match recording {
            Some(((event, recorder), level)) => {
                Value::from_safe_string(recorder.rendered(event, level, &article.to_string()))
            }
            None => article,
        })
    }
}

#[cfg(test)]
mod tests {
    use minijinja::{context, Environment};

    use super::*;

    #[test]
    fn an_article_is_rendered_with_the_macro_given() {
        let render = Value::from_function(|e: Value, level: i64| {
            format!("{}@{level}", e.get_attr("title").unwrap_or_default())
        });
        let event = Arc::new(crate::render::page_layout::tests::event("a"));
        let e = EventObject::lazy(event, None, || context! { title => "T" });
        let text = Environment::new()
            .render_str(
                "{{ e.title }}: {{ e.article(render, 3) }}",
                context! { e, render },
            )
            .expect("renders");
        assert_eq!(text, "T: T@3");
    }

    #[test]
    fn fields_are_made_once_and_only_when_read() {
        let made = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let object = |made: &Arc<std::sync::atomic::AtomicUsize>| {
            let made = Arc::clone(made);
            let event = Arc::new(crate::render::page_layout::tests::event("a"));
            EventObject::lazy(event, None, move || {
                made.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                context! { title => "T" }
            })
        };
        let env = Environment::new();
        let e = object(&made);
        env.render_str("{{ e.title }}{{ e.title }}", context! { e })
            .expect("renders");
        assert_eq!(made.load(std::sync::atomic::Ordering::Relaxed), 1);
        // A macro that reads nothing of the event: its fields are never made.
        let render = Value::from_function(|_e: Value, level: i64| format!("@{level}"));
        let e = object(&made);
        let text = env
            .render_str("{{ e.article(render, 2) }}", context! { e, render })
            .expect("renders");
        assert_eq!(text, "@2");
        assert_eq!(made.load(std::sync::atomic::Ordering::Relaxed), 1);
    }
}
