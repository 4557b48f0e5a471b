//! Where each event's article lies in a written timeline page, so that the page can be made
//! again after an edit with the articles of unchanged events taken from the page before rather
//! than rendered again: a year page of 4,000 events renders each one's Markdown and runs the
//! template's macro for it, while an edit changes one of them.
//!
//! Only the default templates are trusted with this (see `Templates::articles_are_pure`):
//! their `event(e, level)` macro writes the article from the event and the level alone, and
//! the page writes the article where it is called, unchanged. A page's own data (its root,
//! whether it is the event's year page) is the same every time the page is written, and each
//! recorded article names the [`Event`] it was rendered from: an edited event is a new one
//! (`serve` replaces the events of the files it reads again), so its article is rendered anew.
//!
//! How the places are found: an article is handed to the template between two marker bytes
//! (U+0001 and U+0002), which [`MarkedWriter`] takes out of the page as it is written,
//! counting where each article starts and ends. An article taken from the page before is
//! handed as U+0003, its place there, and U+0002: the writer asks its [`PageSink`] for those
//! bytes of the page before, which need not pass through the template or memory. No page text
//! can hold the markers otherwise: `check` rejects control characters in every event field and
//! setting, and the default templates have none.

use std::io::{self, Write};
use std::ops::Range;
use std::sync::{Arc, Mutex};

use rustc_hash::FxHashMap;

use super::RenderError;
use crate::model::Event;

/// Starts and ends an article in the page as the template writes it.
const START: u8 = 0x01;
const END: u8 = 0x02;
/// Starts an article taken from the page before: `start,length` there follow, then [`END`].
const COPY: u8 = 0x03;

/// One article of a written page: the event it shows, the heading level it was rendered at,
/// and where its bytes lie in the page.
#[derive(Debug, Clone)]
struct Article {
    /// Held so that the event, and so its address, lives as long as the record: an address
    /// seen again is the same event.
    event: Arc<Event>,
    level: i64,
    start: u64,
    len: u32,
}

/// Where the articles of one written page lie.
#[derive(Debug, Clone, Default)]
pub struct PageLayout {
    /// The page's length, checked against its file before any of it is copied.
    len: u64,
    articles: Vec<Article>,
}

impl PageLayout {
    /// The length of the page it describes.
    pub fn page_len(&self) -> u64 {
        self.len
    }
}

/// The layouts of the pages of a build, by output path.
pub type PageLayouts = FxHashMap<String, PageLayout>;

/// One page being written: the layout of the page before, to take unchanged articles from,
/// and the articles handed to the template so far, in order.
#[derive(Debug)]
pub struct ArticleRecorder {
    /// Each article of the page before by the address of its event: (level, start, length).
    before: FxHashMap<usize, (i64, u64, u32)>,
    handed: Mutex<Vec<(Arc<Event>, i64)>>,
}

impl ArticleRecorder {
    /// A recorder for a page written afresh (no `before`), or made from the page before laid
    /// out as `before` says: the caller checks that the page it takes articles from is that
    /// one (see [`PageLayout::page_len`]).
    pub fn new(before: Option<&PageLayout>) -> Arc<Self> {
        let before = before.map_or_else(FxHashMap::default, |layout| {
            layout
                .articles
                .iter()
                .map(|a| (address(&a.event), (a.level, a.start, a.len)))
                .collect()
        });
        Arc::new(ArticleRecorder {
            before,
            handed: Mutex::new(Vec::new()),
        })
    }

    /// The article of `event` at `level` as a marker of its place in the page before, if that
    /// page has it.
    pub fn reuse(&self, event: &Arc<Event>, level: i64) -> Option<String> {
        let &(was, start, len) = self.before.get(&address(event))?;
        if was != level {
            return None;
        }
        self.hand(event, level);
        Some(format!(
            "{}{start},{len}{}",
            char::from(COPY),
            char::from(END)
        ))
    }

    /// `html`, the article of `event` at `level` just rendered, marked.
    pub fn rendered(&self, event: &Arc<Event>, level: i64, html: &str) -> String {
        self.hand(event, level);
        let mut marked = String::with_capacity(html.len() + 2);
        marked.push(char::from(START));
        marked.push_str(html);
        marked.push(char::from(END));
        marked
    }

    fn hand(&self, event: &Arc<Event>, level: i64) {
        self.handed
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push((Arc::clone(event), level));
    }

    /// The layout of the page written through `writer`: `None` when the articles found in it
    /// are not the ones handed out (a template that drops or repeats one), as the next write
    /// of the page cannot trust it then.
    pub fn layout<W: Write>(&self, writer: &MarkedWriter<W>) -> Option<PageLayout> {
        let handed = self
            .handed
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if writer.open.is_some() || writer.copying.is_some() || handed.len() != writer.found.len() {
            return None;
        }
        let articles = handed
            .iter()
            .zip(&writer.found)
            .map(|((event, level), &(start, len))| {
                Some(Article {
                    event: Arc::clone(event),
                    level: *level,
                    start,
                    len: u32::try_from(len).ok()?,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(PageLayout {
            len: writer.written,
            articles,
        })
    }
}

fn address(event: &Arc<Event>) -> usize {
    Arc::as_ptr(event) as usize
}

/// Where a page is written: the bytes the template writes, and the articles taken from the
/// page before.
pub trait PageSink: Write {
    /// Appends the bytes at `range` of the page before.
    fn copy(&mut self, range: Range<u64>) -> io::Result<()>;
}

impl<S: PageSink + ?Sized> PageSink for &mut S {
    fn copy(&mut self, range: Range<u64>) -> io::Result<()> {
        (**self).copy(range)
    }
}

/// A page written afresh: it takes nothing from a page before.
pub struct Fresh<W>(pub W);

impl<W: Write> Write for Fresh<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl<W: Write> PageSink for Fresh<W> {
    fn copy(&mut self, _: Range<u64>) -> io::Result<()> {
        Err(RenderError::ArticleNotTaken.into())
    }
}

/// Writes a page into `inner` without the article markers, noting where each article lies,
/// and taking the articles marked as copies from the page before.
pub struct MarkedWriter<W> {
    inner: W,
    written: u64,
    /// The start of the article being written.
    open: Option<u64>,
    /// The marker of the article being taken from the page before, as far as it has come.
    copying: Option<Vec<u8>>,
    /// (start, length) of each article written.
    found: Vec<(u64, u64)>,
}

impl<W: PageSink> MarkedWriter<W> {
    /// The sink written into.
    pub fn into_inner(self) -> W {
        self.inner
    }

    pub fn new(inner: W) -> Self {
        MarkedWriter {
            inner,
            written: 0,
            open: None,
            copying: None,
            found: Vec::new(),
        }
    }

    /// Ends the article taken from the page before whose marker is `marker` (`start,length`).
    fn copy(&mut self, marker: &[u8]) -> io::Result<()> {
        let range = std::str::from_utf8(marker)
            .ok()
            .and_then(|marker| marker.split_once(','))
            .and_then(|(start, len)| Some((start.parse::<u64>().ok()?, len.parse::<u64>().ok()?)))
            .map(|(start, len)| start..start + len)
            .ok_or(RenderError::ArticleNotTaken)?;
        let start = self.open.take().unwrap_or(self.written);
        self.inner.copy(range.clone())?;
        self.written += range.end - range.start;
        self.found.push((start, self.written - start));
        Ok(())
    }
}

impl<W: PageSink> Write for MarkedWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut rest = buf;
        loop {
            if let Some(mut marker) = self.copying.take() {
                let Some(at) = memchr::memchr(END, rest) else {
                    marker.extend_from_slice(rest);
                    self.copying = Some(marker);
                    return Ok(buf.len());
                };
                marker.extend_from_slice(&rest[..at]);
                self.copy(&marker)?;
                rest = &rest[at + 1..];
                continue;
            }
            let Some(at) = memchr::memchr3(START, END, COPY, rest) else {
                break;
            };
            self.inner.write_all(&rest[..at])?;
            self.written += at as u64;
            match (rest[at], self.open.take()) {
                (START, None) => self.open = Some(self.written),
                (COPY, None) => {
                    self.open = Some(self.written);
                    self.copying = Some(Vec::new());
                }
                (END, Some(start)) => self.found.push((start, self.written - start)),
                _ => {
                    // A marker out of place: no layout is kept for the page (see `layout`).
                    self.found.push((u64::MAX, u64::MAX));
                }
            }
            rest = &rest[at + 1..];
        }
        self.inner.write_all(rest)?;
        self.written += rest.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// An event with nothing but its id.
    pub(in crate::render) fn event(id: &str) -> Event {
        Event {
            id: id.to_string(),
            title: String::new(),
            date: crate::model::When::Year(2025),
            end: None,
            timezone: chrono_tz::UTC,
            timezone_written: false,
            location: None,
            tags: Vec::new(),
            status: crate::model::Status::default(),
            published: None,
            updated: None,
            corrections: Vec::new(),
            retraction: None,
            draft: false,
            sources: Vec::new(),
            body: crate::model::Body::new(""),
            path: format!("{id}.md"),
        }
    }

    /// A page before held in memory: copies are taken from `before`.
    struct Copying {
        before: Vec<u8>,
        page: Vec<u8>,
    }

    impl Write for Copying {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.page.write(buf)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl PageSink for Copying {
        fn copy(&mut self, range: Range<u64>) -> io::Result<()> {
            let range = range.start as usize..range.end as usize;
            let bytes = self.before.get(range).ok_or(io::ErrorKind::UnexpectedEof)?;
            self.page.extend_from_slice(bytes);
            Ok(())
        }
    }

    /// The page `write` writes through a recorder made from `before` (a page and its layout),
    /// and its layout.
    fn page(
        before: Option<(&[u8], &PageLayout)>,
        write: impl FnOnce(&ArticleRecorder, &mut MarkedWriter<Copying>) -> io::Result<()>,
    ) -> io::Result<(Vec<u8>, Option<PageLayout>)> {
        let recorder = ArticleRecorder::new(before.map(|(_, layout)| layout));
        let sink = Copying {
            before: before.map(|(page, _)| page.to_vec()).unwrap_or_default(),
            page: Vec::new(),
        };
        let mut writer = MarkedWriter::new(sink);
        write(&recorder, &mut writer)?;
        let layout = recorder.layout(&writer);
        Ok((writer.into_inner().page, layout))
    }

    #[test]
    fn markers_are_taken_out_and_articles_found() {
        let (a, b) = (Arc::new(event("a")), Arc::new(event("b")));
        let (page, layout) = page(None, |recorder, writer| {
            write!(
                writer,
                "<ol><li>{}</li>",
                recorder.rendered(&a, 3, "<p>A</p>")
            )?;
            // Split across writes, as a template's output may be.
            let marked = recorder.rendered(&b, 3, "<p>BB</p>");
            let (first, second) = marked.split_at(4);
            writer.write_all(first.as_bytes())?;
            writer.write_all(second.as_bytes())?;
            writer.write_all(b"</ol>")
        })
        .unwrap();
        let layout = layout.expect("a layout");
        let page = String::from_utf8(page).unwrap();
        assert_eq!(page, "<ol><li><p>A</p></li><p>BB</p></ol>");
        let spans: Vec<&str> = layout
            .articles
            .iter()
            .map(|a| &page[a.start as usize..(a.start + u64::from(a.len)) as usize])
            .collect();
        assert_eq!(spans, ["<p>A</p>", "<p>BB</p>"]);
        assert_eq!(layout.len, page.len() as u64);
    }

    #[test]
    fn an_article_is_taken_from_the_page_before_only_for_the_same_event_and_level() {
        let (a, b) = (Arc::new(event("a")), Arc::new(event("b")));
        let (before, layout) = page(None, |recorder, writer| {
            let (a, b) = (
                recorder.rendered(&a, 3, "AAA"),
                recorder.rendered(&b, 3, "B"),
            );
            write!(writer, "x{a}y{b}z")
        })
        .unwrap();
        let layout = layout.expect("a layout");
        assert_eq!(before, b"xAAAyBz");
        let c = Arc::new(event("c"));
        let (again, again_layout) = page(Some((&before, &layout)), |recorder, writer| {
            assert_eq!(recorder.reuse(&b, 4), None, "another level");
            assert_eq!(
                recorder.reuse(&Arc::new(event("a")), 3),
                None,
                "another event"
            );
            let a = recorder.reuse(&a, 3).expect("the same event");
            assert!(!a.contains("AAA"), "a marker, not the article: {a:?}");
            let c = recorder.rendered(&c, 2, "CC");
            let b = recorder.rendered(&b, 4, "<b>");
            // The copied article's marker split across writes.
            let (first, second) = a.split_at(3);
            write!(writer, "{c}-{first}")?;
            write!(writer, "{second}-{b}.")
        })
        .unwrap();
        assert_eq!(again, b"CC-AAA-<b>.");
        let again_layout = again_layout.expect("a layout");
        let spans: Vec<(u64, u32)> = again_layout
            .articles
            .iter()
            .map(|a| (a.start, a.len))
            .collect();
        assert_eq!(spans, [(0, 2), (3, 3), (7, 3)]);
        assert_eq!(again_layout.page_len(), again.len() as u64);
    }

    #[test]
    fn a_broken_copy_marker_is_an_error() {
        let result = page(None, |_, writer| writer.write_all(&[COPY, b'1', b'x', END]));
        assert!(result.is_err());
        let fresh = MarkedWriter::new(Fresh(Vec::new())).write_all(&[COPY, b'0', b',', b'1', END]);
        assert!(fresh.is_err(), "a fresh page has nothing to copy");
    }

    #[test]
    fn a_dropped_article_leaves_no_layout() {
        let (_, layout) = page(None, |recorder, writer| {
            let _dropped = recorder.rendered(&Arc::new(event("a")), 3, "A");
            write!(
                writer,
                "{}",
                recorder.rendered(&Arc::new(event("b")), 3, "B")
            )
        })
        .unwrap();
        assert!(layout.is_none());
    }
}
