//! [`RenderError`]: why an output could not be rendered, the one error of the render stage's
//! public functions.

use std::io;

/// What stopped a renderer. Callers that hand the bytes on as I/O (the write stage, a file or
/// stdout) turn it into an [`io::Error`] with the same message (see the `From` impl).
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// Writing the bytes failed (or JSON / CSV serialization, which reports as I/O).
    #[error(transparent)]
    Io(#[from] io::Error),
    /// A timeline page's template failed: its message names the template, the line and the
    /// inner errors of the templates it includes, so it keeps no separate source (the cause
    /// chain would print them twice).
    #[error("page template: {}", template_chain(.0))]
    Template(minijinja::Error),
    /// The RSS writer failed.
    #[error(transparent)]
    Rss(#[from] rss::Error),
    /// The Atom writer failed.
    #[error(transparent)]
    Atom(#[from] atom_syndication::Error),
    /// A calendar's header or one of its VEVENTs is too long for the layout kept of it.
    #[error("a calendar part over 4 GiB")]
    CalendarPartTooLarge,
    /// A page's article was to be taken from the page before, and could not be: its marker
    /// was broken, or the page has no page before, or it lies past that page's end (see
    /// `render::page_layout`).
    #[error("an article could not be taken from the page before")]
    ArticleNotTaken,
    /// Rendering the output at `path` (relative, `/`-separated) failed.
    #[error("cannot render {path}")]
    Output {
        path: String,
        #[source]
        source: Box<RenderError>,
    },
}

impl RenderError {
    /// This error, attached to the output at `path`.
    pub fn at(self, path: &str) -> RenderError {
        RenderError::Output {
            path: path.to_string(),
            source: Box::new(self),
        }
    }
}

/// A template error with its template name and line, and the cause chain.
fn template_chain(err: &minijinja::Error) -> String {
    let mut message = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    message
}

/// An I/O error keeps its kind (a broken pipe stays one); any other failure becomes an error
/// of kind `Other` with the same message, as the renderers reported it before they had an
/// error of their own.
impl From<RenderError> for io::Error {
    fn from(err: RenderError) -> io::Error {
        match err {
            RenderError::Io(err) => err,
            err @ RenderError::Output { .. } => io::Error::other(err),
            err => io::Error::other(err.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_io_error_keeps_its_kind() {
        let err = RenderError::from(io::Error::from(io::ErrorKind::BrokenPipe));
        assert_eq!(io::Error::from(err).kind(), io::ErrorKind::BrokenPipe);
    }

    #[test]
    fn an_output_error_names_the_output_then_the_cause() {
        let err = RenderError::from(io::Error::other("disk full")).at("tags/trade/atom.xml");
        assert_eq!(err.to_string(), "cannot render tags/trade/atom.xml");
        let cause = std::error::Error::source(&err).map(ToString::to_string);
        assert_eq!(cause.as_deref(), Some("disk full"));
    }
}
