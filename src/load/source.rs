//! A file as read from the collection, with byte offsets turned into 1-based line:col.

use std::ops::Range;
use std::path::PathBuf;

use crate::diag::{Code, Diagnostic, Excerpt, Severity};

/// The most lines a diagnostic shows of the span it points at; a longer span is shown to
/// the end of its first lines.
const MAX_EXCERPT_LINES: usize = 6;

/// Where in a file a diagnostic points: a byte offset (a position with no extent) or a byte
/// span (a value as written).
pub trait Location {
    fn span(self) -> Range<usize>;
}

impl Location for usize {
    fn span(self) -> Range<usize> {
        self..self
    }
}

impl Location for Range<usize> {
    fn span(self) -> Range<usize> {
        self
    }
}

/// The text of one collection file (BOM stripped), and where it lives.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as shown to the user: the collection directory joined with the relative path.
    pub path: PathBuf,
    /// The path relative to the collection directory, with `/` separators.
    pub relative: String,
    pub text: String,
}

impl SourceFile {
    pub fn new(path: PathBuf, relative: String, text: String) -> Self {
        SourceFile {
            path,
            relative,
            text,
        }
    }

    /// The 1-based line and character column of a byte offset into `text`.
    ///
    /// Counted from the start of the text at each call: positions are only needed for
    /// diagnostics, and most files have none.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = self.text.as_bytes().get(..offset).unwrap_or_default();
        let start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let line = before.iter().filter(|&&b| b == b'\n').count();
        let col = self
            .text
            .get(start..offset)
            .map_or(offset - start, |prefix| prefix.chars().count());
        (line + 1, col + 1)
    }

    /// A diagnostic at a byte offset or span of this file, with the lines it covers.
    pub fn diagnostic(
        &self,
        at: impl Location,
        severity: Severity,
        code: Code,
        message: impl Into<String>,
    ) -> Diagnostic {
        let span = self.clamp(at.span());
        let (line, col) = self.position(span.start);
        let (end_line, end_col) = self.position(span.end);
        Diagnostic {
            path: self.path.clone(),
            line,
            col,
            end_line,
            end_col,
            severity,
            code,
            message: message.into(),
            excerpt: Some(Box::new(self.excerpt(line, span))),
            suggestion: None,
        }
    }

    pub fn error(&self, at: impl Location, code: Code, message: impl Into<String>) -> Diagnostic {
        self.diagnostic(at, Severity::Error, code, message)
    }

    pub fn warning(&self, at: impl Location, code: Code, message: impl Into<String>) -> Diagnostic {
        self.diagnostic(at, Severity::Warning, code, message)
    }

    /// `span` within the text and on character boundaries.
    fn clamp(&self, span: Range<usize>) -> Range<usize> {
        let text = &self.text;
        let fit = |mut at: usize| {
            at = at.min(text.len());
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            at
        };
        let start = fit(span.start);
        start..fit(span.end).max(start)
    }

    /// The whole lines `span` (on `line`) covers, at most [`MAX_EXCERPT_LINES`] of them.
    fn excerpt(&self, line: usize, span: Range<usize>) -> Excerpt {
        let text = &self.text;
        let first = text[..span.start].rfind('\n').map_or(0, |i| i + 1);
        let mut last = text[span.end..]
            .find('\n')
            .map_or(text.len(), |i| span.end + i);
        if let Some((cut, _)) = text[first..last]
            .match_indices('\n')
            .nth(MAX_EXCERPT_LINES - 1)
        {
            last = first + cut;
        }
        let span = span.start - first..span.end.min(last) - first;
        Excerpt {
            first_line: line,
            text: text[first..last].to_string(),
            span,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_characters() {
        let file = SourceFile::new("a".into(), "a".into(), "ab\r\néé=x\n".into());
        assert_eq!(file.position(0), (1, 1));
        assert_eq!(file.position(1), (1, 2));
        assert_eq!(file.position(4), (2, 1));
        // Two two-byte characters come before '='.
        assert_eq!(file.position(8), (2, 3));
        assert_eq!(file.position(100), (3, 1));
    }

    #[test]
    fn diagnostics_carry_their_span_and_lines() {
        let file = SourceFile::new(
            "a".into(),
            "a".into(),
            "+++\ntags = [\n  1,\n]\n+++\n".into(),
        );
        let d = file.error(11..19, Code::WrongType, "x");
        assert_eq!((d.line, d.col, d.end_line, d.end_col), (2, 8, 4, 2));
        let excerpt = d.excerpt.expect("lines");
        assert_eq!(excerpt.first_line, 2);
        assert_eq!(excerpt.text, "tags = [\n  1,\n]");
        assert_eq!(&excerpt.text[excerpt.span], "[\n  1,\n]");
        let at_end = file.error(1000, Code::WrongType, "y");
        assert_eq!((at_end.line, at_end.col), (6, 1));
        assert_eq!(at_end.excerpt.expect("lines").text, "");
    }
}
