//! A file as read from the collection, with byte offsets turned into 1-based line:col.

use std::path::PathBuf;

use crate::diag::{Diagnostic, Severity};

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

    /// A diagnostic at a byte offset of this file.
    pub fn diagnostic(
        &self,
        offset: usize,
        severity: Severity,
        message: impl Into<String>,
    ) -> Diagnostic {
        let (line, col) = self.position(offset);
        Diagnostic {
            path: self.path.clone(),
            line,
            col,
            severity,
            message: message.into(),
        }
    }

    pub fn error(&self, offset: usize, message: impl Into<String>) -> Diagnostic {
        self.diagnostic(offset, Severity::Error, message)
    }

    pub fn warning(&self, offset: usize, message: impl Into<String>) -> Diagnostic {
        self.diagnostic(offset, Severity::Warning, message)
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
}
