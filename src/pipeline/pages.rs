//! A timeline page made again after an edit, as [`Parts`]: the page before, with the articles
//! of unchanged events (and the text between them, where it is the same) taken from where they
//! lie, and only the changed articles and the text around them new bytes in memory. A year page
//! of a 100,000-event collection is about 13 MB, of which an edit changes one article: written
//! whole, all of it would pass through the template and into a new file on every edit. `serve`
//! writes the page whole later, when the edits stop, as it does its patched calendars.

use std::io::{self, Write};
use std::ops::Range;

use super::parts::{Parts, PartsBuilder};
use crate::render::html::render_page_recorded;
use crate::render::page_layout::{ArticleRecorder, PageLayout, PageSink};
use crate::render::{Format, Output, RenderError, Site};

/// The page of `output` as parts: `earlier` (the page before, laid out as `layout` says) with
/// the articles of unchanged events taken from it and the others rendered, and the new page's
/// layout (`None` when its articles could not be placed). `None` when the output is not a
/// timeline page, the templates' articles are not pure, or `earlier` is not the page `layout`
/// describes: the page is then written afresh.
pub fn patch_page(
    site: &Site,
    output: &Output,
    layout: &PageLayout,
    earlier: &Parts,
) -> Result<Option<(Parts, Option<PageLayout>)>, RenderError> {
    let Format::Html(kind) = output.format else {
        return Ok(None);
    };
    if !site.templates.articles_are_pure() || earlier.len() != layout.page_len() {
        return Ok(None);
    }
    let recorder = ArticleRecorder::new(Some(layout));
    let mut sink = PartsSink::new(earlier);
    let layout = render_page_recorded(site, &output.view, kind, None, &recorder, &mut sink)?;
    Ok(Some((sink.finish()?, layout)))
}

/// A page put together as parts of the page before and new bytes.
struct PartsSink<'e> {
    earlier: &'e Parts,
    parts: PartsBuilder,
    /// The bytes written since the last article taken from the page before.
    pending: Vec<u8>,
    /// Where that article ended in the page before (0 before the first).
    after_copy: Option<u64>,
}

impl<'e> PartsSink<'e> {
    fn new(earlier: &'e Parts) -> Self {
        PartsSink {
            earlier,
            parts: PartsBuilder::default(),
            pending: Vec::new(),
            after_copy: Some(0),
        }
    }

    /// Puts the bytes written since the last article taken from the page before into the
    /// parts, before bytes of the page before from `next` on. Where they are the bytes the page
    /// before has between that article and `next` (the text between two unchanged articles,
    /// mostly), they are taken from it instead: the parts on either side then join into one.
    fn settle_pending(&mut self, next: u64) -> io::Result<()> {
        let between = self
            .after_copy
            .take()
            .filter(|&from| next.checked_sub(from) == Some(self.pending.len() as u64))
            .map(|from| from..next);
        match between {
            Some(range) if same_bytes(self.earlier, range.clone(), &self.pending)? => {
                self.earlier.slice_into(range, &mut self.parts);
                self.pending.clear();
            }
            _ if self.pending.is_empty() => {}
            _ => self.parts.bytes(std::mem::take(&mut self.pending)),
        }
        Ok(())
    }

    fn finish(mut self) -> io::Result<Parts> {
        self.settle_pending(self.earlier.len())?;
        Ok(self.parts.finish())
    }
}

impl Write for PartsSink<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl PageSink for PartsSink<'_> {
    fn copy(&mut self, range: Range<u64>) -> io::Result<()> {
        if range.end > self.earlier.len() {
            return Err(RenderError::ArticleNotTaken.into());
        }
        self.settle_pending(range.start)?;
        self.earlier.slice_into(range.clone(), &mut self.parts);
        self.after_copy = Some(range.end);
        Ok(())
    }
}

/// Whether `range` of `parts` holds `bytes` (of the same length).
fn same_bytes(parts: &Parts, range: Range<u64>, bytes: &[u8]) -> io::Result<bool> {
    let mut buffer = [0; 4096];
    let (mut at, mut rest) = (range.start, bytes);
    while !rest.is_empty() {
        let want = rest.len().min(buffer.len());
        let n = parts.read_at(at, &mut buffer[..want])?;
        if n == 0 || buffer[..n] != rest[..n] {
            return Ok(false);
        }
        at += n as u64;
        rest = &rest[n..];
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parts of one file holding `bytes`.
    fn file_parts(bytes: &[u8]) -> (tempfile::TempDir, Parts) {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("page");
        std::fs::write(&path, bytes).expect("written");
        let file = std::fs::File::open(&path).expect("opened");
        (dir, Parts::whole_file(file, bytes.len() as u64))
    }

    fn bytes(parts: &Parts) -> Vec<u8> {
        let mut all = Vec::new();
        io::Read::read_to_end(&mut parts.reader(), &mut all).expect("read");
        all
    }

    #[test]
    fn unchanged_text_between_copies_joins_them_into_one_part() {
        let before = b"<head><a>one</a>\n<a>two</a>\n<a>three</a></tail>";
        let (_dir, earlier) = file_parts(before);
        let mut sink = PartsSink::new(&earlier);
        sink.write_all(b"<head>").unwrap();
        sink.copy(6..16).unwrap();
        sink.write_all(b"\n<a>TWO</a>\n").unwrap();
        sink.copy(28..40).unwrap();
        sink.write_all(b"</tail>").unwrap();
        let parts = sink.finish().unwrap();
        assert_eq!(
            bytes(&parts),
            b"<head><a>one</a>\n<a>TWO</a>\n<a>three</a></tail>"
        );
        // The file up to the first article's end, the changed text, the file from the third.
        assert_eq!(parts.segments(), 3);
        assert_eq!(parts.in_memory(), "\n<a>TWO</a>\n".len() as u64);
    }

    #[test]
    fn changed_text_between_copies_is_kept_in_memory() {
        let before = b"[a][b]";
        let (_dir, earlier) = file_parts(before);
        let mut sink = PartsSink::new(&earlier);
        sink.write_all(b"new head ").unwrap();
        sink.copy(3..6).unwrap();
        sink.copy(0..3).unwrap();
        sink.write_all(b"!").unwrap();
        let parts = sink.finish().unwrap();
        assert_eq!(bytes(&parts), b"new head [b][a]!");
        assert_eq!(parts.in_memory(), "new head !".len() as u64);
        let mut past_the_end = PartsSink::new(&earlier);
        assert!(past_the_end.copy(4..7).is_err());
    }
}
