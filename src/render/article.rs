//! One event on a timeline page, as the page templates see it: its fields, and
//! `e.article(macro, level)`, which renders the event's article with the template's own macro
//! (`event(e, level)` in the default `macros.html`).

use std::sync::Arc;

use minijinja::value::{Object, ObjectRepr, Value};
use minijinja::{Error, ErrorKind, State};

/// One event as a page template sees it.
#[derive(Debug)]
pub struct EventObject {
    /// The event's fields (a map), as documented in `docs/page.md`.
    fields: Value,
}

impl EventObject {
    /// `fields` for the template.
    pub fn value(fields: Value) -> Value {
        Value::from_object(EventObject { fields })
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
        render.call(
            state,
            &[Value::from_dyn_object(self.clone()), level.clone()],
        )
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
        let e = EventObject::value(context! { title => "T" });
        let text = Environment::new()
            .render_str(
                "{{ e.title }}: {{ e.article(render, 3) }}",
                context! { e, render },
            )
            .expect("renders");
        assert_eq!(text, "T: T@3");
    }
}
