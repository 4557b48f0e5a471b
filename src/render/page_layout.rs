//! Where each event's article lies in a written timeline page, so that the page can be written
//! again after an edit with the articles of unchanged events copied from the page before
//! rather than rendered again: a year page of 4,000 events renders each one's Markdown and
//! runs the template's macro for it, while an edit changes one of them.
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
//! counting where each article starts and ends. No page text can hold them otherwise: `check`
//! rejects control characters in every event field and setting, and the default templates
//! have none.

use std::fs::File;
use std::io::{self, Write};
use std::os::unix::fs::FileExt;
use std::sync::{Arc, Mutex};

use rustc_hash::FxHashMap;

use crate::model::Event;

/// Starts and ends an article in the page as the template writes it.
const START: u8 = 0x01;
const END: u8 = 0x02;

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

/// The layouts of the pages of a build, by output path.
pub type PageLayouts = FxHashMap<String, PageLayout>;

/// One page being written: the page before (its file and layout) to copy unchanged articles
/// from, and the articles handed to the template so far, in order.
#[derive(Debug)]
pub struct ArticleRecorder {
    before: Option<Before>,
    handed: Mutex<Vec<(Arc<Event>, i64)>>,
}

#[derive(Debug)]
struct Before {
    file: File,
    /// Each article by the address of its event: (level, start, length).
    articles: FxHashMap<usize, (i64, u64, u32)>,
}

impl ArticleRecorder {
    /// A recorder for a page whose file before is `file` with `layout` (either may be absent,
    /// or not match: then every article is rendered).
    pub fn new(file: Option<File>, layout: Option<&PageLayout>) -> Arc<Self> {
        let before = file.zip(layout).and_then(|(file, layout)| {
            let len = file.metadata().ok()?.len();
            (len == layout.len).then(|| Before {
                file,
                articles: layout
                    .articles
                    .iter()
                    .map(|a| (address(&a.event), (a.level, a.start, a.len)))
                    .collect(),
            })
        });
        Arc::new(ArticleRecorder {
            before,
            handed: Mutex::new(Vec::new()),
        })
    }

    /// The article of `event` at `level` as the page before has it, marked, if it has it.
    pub fn reuse(&self, event: &Arc<Event>, level: i64) -> Option<String> {
        let before = self.before.as_ref()?;
        let &(was, start, len) = before.articles.get(&address(event))?;
        if was != level {
            return None;
        }
        let mut bytes = vec![0; len as usize + 2];
        before
            .file
            .read_exact_at(&mut bytes[1..=len as usize], start)
            .ok()?;
        bytes[0] = START;
        bytes[len as usize + 1] = END;
        let text = String::from_utf8(bytes).ok()?;
        self.hand(event, level);
        Some(text)
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
        if writer.open.is_some() || handed.len() != writer.found.len() {
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

/// Writes a page into `inner` without the article markers, noting where each article lies.
pub struct MarkedWriter<W> {
    inner: W,
    written: u64,
    /// The start of the article being written.
    open: Option<u64>,
    /// (start, length) of each article written.
    found: Vec<(u64, u64)>,
}

impl<W: Write> MarkedWriter<W> {
    pub fn new(inner: W) -> Self {
        MarkedWriter {
            inner,
            written: 0,
            open: None,
            found: Vec::new(),
        }
    }
}

impl<W: Write> Write for MarkedWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut rest = buf;
        while let Some(at) = memchr::memchr2(START, END, rest) {
            self.inner.write_all(&rest[..at])?;
            self.written += at as u64;
            match (rest[at], self.open.take()) {
                (START, None) => self.open = Some(self.written),
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

    #[test]
    fn markers_are_taken_out_and_articles_found() {
        let recorder = ArticleRecorder::new(None, None);
        let (a, b) = (Arc::new(event("a")), Arc::new(event("b")));
        let mut writer = MarkedWriter::new(Vec::new());
        write!(
            writer,
            "<ol><li>{}</li>",
            recorder.rendered(&a, 3, "<p>A</p>")
        )
        .unwrap();
        // Split across writes, as a template's output may be.
        let marked = recorder.rendered(&b, 3, "<p>BB</p>");
        let (first, second) = marked.split_at(4);
        writer.write_all(first.as_bytes()).unwrap();
        writer.write_all(second.as_bytes()).unwrap();
        writer.write_all(b"</ol>").unwrap();
        let layout = recorder.layout(&writer).expect("a layout");
        let page = String::from_utf8(writer.inner).unwrap();
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
    fn an_article_is_copied_from_the_page_before_only_for_the_same_event_and_level() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index.html");
        let (a, b) = (Arc::new(event("a")), Arc::new(event("b")));
        let recorder = ArticleRecorder::new(None, None);
        let mut writer = MarkedWriter::new(File::create(&path).unwrap());
        write!(
            writer,
            "x{}y{}z",
            recorder.rendered(&a, 3, "AAA"),
            recorder.rendered(&b, 3, "B")
        )
        .unwrap();
        let layout = recorder.layout(&writer).unwrap();
        drop(writer);
        let again = ArticleRecorder::new(File::open(&path).ok(), Some(&layout));
        assert_eq!(again.reuse(&a, 3).as_deref(), Some("\u{1}AAA\u{2}"));
        assert_eq!(again.reuse(&b, 4), None, "another level");
        assert_eq!(again.reuse(&Arc::new(event("a")), 3), None, "another event");
        // A file that is not the one the layout describes is not trusted.
        std::fs::write(&path, "another page").unwrap();
        let stale = ArticleRecorder::new(File::open(&path).ok(), Some(&layout));
        assert_eq!(stale.reuse(&a, 3), None);
    }

    #[test]
    fn a_dropped_article_leaves_no_layout() {
        let recorder = ArticleRecorder::new(None, None);
        let mut writer = MarkedWriter::new(Vec::new());
        let _dropped = recorder.rendered(&Arc::new(event("a")), 3, "A");
        write!(
            writer,
            "{}",
            recorder.rendered(&Arc::new(event("b")), 3, "B")
        )
        .unwrap();
        assert!(recorder.layout(&writer).is_none());
    }
}
