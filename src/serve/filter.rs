//! Serve stage, filtered subscriptions: `/feeds/<slug>+<slug>+…/<file>` is the feed or calendar
//! of the events that have any of those tags (by slug, as in `tags/<slug>/`), rendered on
//! demand by the build's own renderers ([`render::render_to_vec`]) from a [`View`] of the
//! union of the tags' events, and answered like every built output (see [`super::http`]).
//!
//! In: a request path ([`route`]) and the collection a build was made from ([`Source`]). Out:
//! where the path goes ([`Route`]) and, for a canonical filter of known tags, a [`Resource`]
//! held in memory with its gzip and brotli variants. One URL per set of tags, so caches and
//! feed ids see one document per set: the tags sorted by slug, each once; any other spelling
//! is moved there (301), and a single tag to its own feed under `tags/<slug>/`. A filter's
//! feed id, `self` links and calendar name derive from that canonical path (`feeds/<set>/`,
//! see [`crate::identity::feed_uuid`]); its entries keep the events' own ids.
//!
//! Must not read the clock nor touch the served folder; its only I/O is the temporary file a
//! large document is written to. Rendering is CPU work for the caller to run off the request
//! threads (see [`super::filter_cache`]).

use std::collections::BTreeMap;
use std::io::{self, Write as _};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use hyper::StatusCode;
use xxhash_rust::xxh3::Xxh3Default;

use super::state::Resource;
use super::store::BROTLI_QUALITY;
use crate::check::MAX_TAG_SLUG_LEN;
use crate::model::Collection;
use crate::render::{self, site, Format, Output, Page, RenderError, Site, View};

/// Where filtered subscriptions live.
pub const PREFIX: &str = "/feeds/";

/// The most tags one filter may name: enough to follow a beat, few enough that the number of
/// distinct documents a client can ask for stays a matter of the cache's bound, not of memory.
pub const MAX_TAGS: usize = 16;

/// The longest filter path: [`MAX_TAGS`] slugs of the longest length `check` allows, with
/// their separators, the prefix and the longest file name.
pub const MAX_PATH_LEN: usize = PREFIX.len() + MAX_TAGS * (MAX_TAG_SLUG_LEN + 1) + 16;

/// The file name of a filter's timeline page: its folder itself, `feeds/<set>/`.
const PAGE: &str = "";

/// What a path under [`PREFIX`] names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// The canonical path of a set of two or more tags.
    Filter(Filter),
    /// Another spelling of a set (tags out of order or repeated), or a single tag: 301 to
    /// this path, which is the canonical one, or the tag's own under `tags/<slug>/`.
    Moved(String),
    /// Refused with this status and text, which names nothing from the request.
    Refused(StatusCode, &'static str),
}

const NOT_FOUND: Route = Route::Refused(StatusCode::NOT_FOUND, "not found\n");

/// A canonical filter: its tags' slugs, sorted, each once, at least two.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    slugs: Vec<String>,
    format: Format,
    file: &'static str,
}

impl Filter {
    /// The folder of the filter in the site, `feeds/<slug>+<slug>/`: its feed id's name (see
    /// [`crate::identity::feed_uuid`]) and the prefix of its `self` links.
    pub fn home_path(&self) -> String {
        format!("{}{}/", &PREFIX[1..], self.slugs.join("+"))
    }

    /// The request path, `/feeds/<slug>+<slug>/<file>`.
    pub fn path(&self) -> String {
        format!("/{}{}", self.home_path(), self.file)
    }

    pub fn slugs(&self) -> &[String] {
        &self.slugs
    }
}

/// What `path` (a request path as sent, not decoded) names, or `None` when it is not under
/// [`PREFIX`]. Nothing is decoded: a slug is `[a-z0-9-]`, so `%2F`, `..` and any other
/// spelling of a slug fall out as not found.
pub fn route(path: &str) -> Option<Route> {
    let rest = path.strip_prefix(PREFIX)?;
    if path.len() > MAX_PATH_LEN {
        return Some(Route::Refused(
            StatusCode::URI_TOO_LONG,
            "uri too long: a filtered subscription names at most 16 tags\n",
        ));
    }
    let Some((set, file)) = rest.split_once('/') else {
        return Some(NOT_FOUND);
    };
    let Some(format) = format_of(file) else {
        return Some(NOT_FOUND);
    };
    let written: Vec<&str> = set.split('+').collect();
    if !written.iter().all(|slug| is_slug(slug)) {
        return Some(NOT_FOUND);
    }
    let mut slugs = written.clone();
    slugs.sort_unstable();
    slugs.dedup();
    if slugs.len() > MAX_TAGS {
        return Some(Route::Refused(
            StatusCode::BAD_REQUEST,
            "bad request: a filtered subscription names at most 16 tags\n",
        ));
    }
    if let [slug] = slugs[..] {
        return Some(Route::Moved(format!("/tags/{slug}/{file}")));
    }
    let filter = Filter {
        slugs: slugs.into_iter().map(str::to_string).collect(),
        format,
        file: if file.is_empty() {
            PAGE
        } else {
            format.file_name()
        },
    };
    Some(if slugs_are(&filter, &written) {
        Route::Filter(filter)
    } else {
        Route::Moved(filter.path())
    })
}

fn slugs_are(filter: &Filter, written: &[&str]) -> bool {
    filter.slugs.len() == written.len() && filter.slugs.iter().zip(written).all(|(a, b)| a == b)
}

/// The format of a filter's file: one of a view's feeds and calendar, or its page.
fn format_of(file: &str) -> Option<Format> {
    if file == PAGE {
        return Some(Format::Html(Page::Tag));
    }
    Format::FEEDS_AND_CALENDAR
        .iter()
        .find(|(_, name)| *name == file)
        .map(|(format, _)| *format)
}

/// A tag's slug as the `slug` crate makes them: lowercase ASCII letters, digits and `-`.
fn is_slug(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= MAX_TAG_SLUG_LEN
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Each build's number, so that what was rendered from one is never taken for another's.
static GENERATIONS: AtomicU64 = AtomicU64::new(0);

/// What filters are rendered from: the collection of one build (its events shared with the
/// builder's, so only their list is held twice), where its links point, and its tags.
#[derive(Debug)]
pub struct Source {
    generation: u64,
    collection: Collection,
    link_base: String,
    source_date_epoch: Option<i64>,
    /// Each tag's name and events (chronological), by slug: made by the first render, on its
    /// thread, so a rebuild nobody filters costs no pass over the events.
    tags: OnceLock<BTreeMap<String, (String, Vec<usize>)>>,
}

impl Source {
    /// The source of a build of `collection` published at `link_base`, with a generation of
    /// its own.
    pub fn new(collection: &Collection, link_base: &str, source_date_epoch: Option<i64>) -> Self {
        Source {
            generation: GENERATIONS.fetch_add(1, Ordering::Relaxed),
            collection: collection.clone(),
            link_base: render::with_trailing_slash(link_base),
            source_date_epoch,
            tags: OnceLock::new(),
        }
    }

    /// The build this source is of; every source has its own.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    fn tags(&self) -> &BTreeMap<String, (String, Vec<usize>)> {
        self.tags.get_or_init(|| {
            site::tags_by_slug(&self.collection)
                .into_iter()
                .map(|(slug, (name, events))| (slug.to_string(), (name.to_string(), events)))
                .collect()
        })
    }

    /// Whether the collection has every tag of `filter`; `None` until the first render made
    /// the index of tags (a pass over every event, not to be made on a request's thread).
    pub fn knows(&self, filter: &Filter) -> Option<bool> {
        let tags = self.tags.get()?;
        Some(filter.slugs.iter().all(|slug| tags.contains_key(slug)))
    }

    /// The view of `filter`: the events with any of its tags; `None` when a tag is unknown.
    fn view(&self, filter: &Filter) -> Option<View> {
        let tags = filter
            .slugs
            .iter()
            .map(|slug| {
                let (name, events) = self.tags().get(slug)?;
                Some((name.as_str(), events.as_slice()))
            })
            .collect::<Option<Vec<_>>>()?;
        Some(site::any_tag_view(
            &self.collection,
            &tags,
            filter.home_path(),
        ))
    }

    /// Renders `filter` with the build's renderers; `None` when a tag is unknown. A document
    /// of up to `in_memory` bytes is held in memory with its compressed variants; a larger one
    /// (a calendar of thousands of events) is written to a temporary file as it is rendered,
    /// and sent from there in identity alone, so that no render holds more than `in_memory`
    /// bytes of its document. CPU work proportional to the filter's events (and, for [`Site`],
    /// to the collection's): to be run on a blocking thread.
    pub fn render(
        &self,
        filter: &Filter,
        in_memory: usize,
    ) -> Result<Option<Rendered>, RenderError> {
        let Some(view) = self.view(filter) else {
            return Ok(None);
        };
        let site = Site::new(&self.collection, &self.link_base, self.source_date_epoch);
        let view = Arc::new(view);
        let output = Output {
            path: format!("{}{}", view.home_path, filter.file),
            format: filter.format,
            view: Arc::clone(&view),
        };
        let mut spool = Spool::new(in_memory);
        render::render(&site, &output, &mut spool).map_err(|err| err.at(&output.path))?;
        let last_modified = site.view_updated(&view);
        let rendered = match spool.finish()? {
            Spooled::Memory(body) => {
                let (gzip, br) = compress(&body);
                Rendered {
                    resource: Resource::in_memory(
                        filter.format,
                        Bytes::from(body),
                        gzip,
                        br,
                        last_modified,
                    ),
                    file: None,
                }
            }
            Spooled::File { path, len, digest } => Rendered {
                resource: Resource::from_file(
                    filter.format,
                    path.to_path_buf(),
                    len,
                    digest,
                    last_modified,
                )?,
                file: Some(path),
            },
        };
        Ok(Some(rendered))
    }
}

/// A rendered filter: its resource and, for one sent from a temporary file, that file, removed
/// when this is dropped (a response that opened it first still reads it to its end).
#[derive(Debug)]
pub struct Rendered {
    pub resource: Resource,
    pub file: Option<tempfile::TempPath>,
}

/// Where a document goes as it is rendered: memory up to a bound, then a temporary file
/// (created exclusively, under a random name), digested as it is written.
struct Spool {
    in_memory: usize,
    buffer: Vec<u8>,
    file: Option<io::BufWriter<tempfile::NamedTempFile>>,
    len: u64,
    digest: Xxh3Default,
}

enum Spooled {
    Memory(Vec<u8>),
    File {
        path: tempfile::TempPath,
        len: u64,
        digest: [u8; 16],
    },
}

impl Spool {
    fn new(in_memory: usize) -> Spool {
        Spool {
            in_memory,
            buffer: Vec::new(),
            file: None,
            len: 0,
            digest: Xxh3Default::new(),
        }
    }

    fn finish(self) -> io::Result<Spooled> {
        let Some(file) = self.file else {
            return Ok(Spooled::Memory(self.buffer));
        };
        let file = file.into_inner().map_err(io::IntoInnerError::into_error)?;
        file.as_file().sync_data().ok();
        Ok(Spooled::File {
            path: file.into_temp_path(),
            len: self.len,
            digest: self.digest.digest128().to_be_bytes(),
        })
    }
}

impl io::Write for Spool {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if self.file.is_none() && self.buffer.len() + bytes.len() > self.in_memory {
            let file = tempfile::Builder::new()
                .prefix("chronicle-serve-filter-")
                .tempfile()?;
            let mut file = io::BufWriter::with_capacity(64 * 1024, file);
            file.write_all(&self.buffer)?;
            self.buffer = Vec::new();
            self.file = Some(file);
        }
        match &mut self.file {
            Some(file) => file.write_all(bytes)?,
            None => self.buffer.extend_from_slice(bytes),
        }
        self.digest.update(bytes);
        self.len += bytes.len() as u64;
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.file {
            Some(file) => file.flush(),
            None => Ok(()),
        }
    }
}

/// The gzip and brotli variants of `body`, each only when smaller, as the store makes them
/// for built outputs (see [`super::store`]).
fn compress(body: &[u8]) -> (Option<Bytes>, Option<Bytes>) {
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let gzip = gzip
        .write_all(body)
        .and_then(|()| gzip.finish())
        .ok()
        .filter(|gzip| gzip.len() < body.len())
        .map(Bytes::from);
    let params = brotli::enc::BrotliEncoderParams {
        quality: BROTLI_QUALITY,
        ..brotli::enc::BrotliEncoderParams::default()
    };
    let mut br = Vec::new();
    let br = brotli::BrotliCompress(&mut &body[..], &mut br, &params)
        .ok()
        .map(|_| br)
        .filter(|br| br.len() < body.len())
        .map(Bytes::from);
    (gzip, br)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moved(to: &str) -> Option<Route> {
        Some(Route::Moved(to.to_string()))
    }

    #[test]
    fn paths_outside_the_prefix_are_not_filters() {
        for path in [
            "/",
            "/rss.xml",
            "/feeds",
            "/tags/a/rss.xml",
            "/feedsx/a+b/rss.xml",
        ] {
            assert_eq!(route(path), None, "{path}");
        }
    }

    #[test]
    fn a_canonical_set_is_a_filter() {
        let Some(Route::Filter(filter)) = route("/feeds/energy+trade/atom.xml") else {
            panic!("a filter");
        };
        assert_eq!(filter.slugs(), ["energy", "trade"]);
        assert_eq!(filter.format, Format::Atom);
        assert_eq!(filter.home_path(), "feeds/energy+trade/");
        assert_eq!(filter.path(), "/feeds/energy+trade/atom.xml");
        let Some(Route::Filter(page)) = route("/feeds/energy+trade/") else {
            panic!("a filter's page");
        };
        assert_eq!(page.format, Format::Html(Page::Tag));
    }

    #[test]
    fn other_spellings_of_a_set_move_to_the_canonical_one() {
        assert_eq!(
            route("/feeds/trade+energy/rss.xml"),
            moved("/feeds/energy+trade/rss.xml")
        );
        assert_eq!(
            route("/feeds/trade+energy+trade/calendar.ics"),
            moved("/feeds/energy+trade/calendar.ics")
        );
        assert_eq!(
            route("/feeds/trade+trade/feed.json"),
            moved("/tags/trade/feed.json")
        );
        assert_eq!(route("/feeds/trade/rss.xml"), moved("/tags/trade/rss.xml"));
        assert_eq!(route("/feeds/trade/"), moved("/tags/trade/"));
    }

    #[test]
    fn hostile_and_malformed_paths_are_not_found() {
        for path in [
            "/feeds/",
            "/feeds/rss.xml",
            "/feeds/a+b",
            "/feeds/a+b/index.html",
            "/feeds/a+b/rss.xml/",
            "/feeds/a+b/../rss.xml",
            "/feeds/../rss.xml",
            "/feeds/..%2Fetc+b/rss.xml",
            "/feeds/a%2Fb+c/rss.xml",
            "/feeds/a%2bb/rss.xml",
            "/feeds/A+b/rss.xml",
            "/feeds/a++b/rss.xml",
            "/feeds/+a+b/rss.xml",
            "/feeds/a+b+/rss.xml",
            "/feeds/a b+c/rss.xml",
            "/feeds/é+b/rss.xml",
            "/feeds/a+b/rss.xml\u{1b}[31m",
        ] {
            assert_eq!(route(path), Some(NOT_FOUND), "{path:?}");
        }
    }

    #[test]
    fn too_many_tags_or_too_long_a_path_is_refused() {
        let sixteen: Vec<String> = (0..16).map(|i| format!("t{i:02}")).collect();
        let path = format!("/feeds/{}/rss.xml", sixteen.join("+"));
        assert!(matches!(route(&path), Some(Route::Filter(_))));
        let seventeen = format!("/feeds/{}+t16/rss.xml", sixteen.join("+"));
        assert!(matches!(
            route(&seventeen),
            Some(Route::Refused(StatusCode::BAD_REQUEST, _))
        ));
        // Repeats count once.
        let repeated = format!("/feeds/{}+t00/rss.xml", sixteen.join("+"));
        assert_eq!(route(&repeated), moved(&path));
        let long = format!("/feeds/{}/rss.xml", "a".repeat(MAX_PATH_LEN));
        assert!(matches!(
            route(&long),
            Some(Route::Refused(StatusCode::URI_TOO_LONG, _))
        ));
        // The longest slugs check allows still fit.
        let longest: Vec<String> = (0..16)
            .map(|i| format!("{i:02}{}", "x".repeat(MAX_TAG_SLUG_LEN - 2)))
            .collect();
        let path = format!("/feeds/{}/calendar.ics", longest.join("+"));
        assert!(
            matches!(route(&path), Some(Route::Filter(_))),
            "{}",
            path.len()
        );
    }

    #[test]
    fn a_document_past_the_bound_is_spooled_to_a_file_with_its_digest() {
        use std::io::Write as _;
        let body = "BEGIN:VEVENT\r\n".repeat(1000);
        for bound in [usize::MAX, 100, 0] {
            let mut spool = Spool::new(bound);
            for line in body.as_bytes().chunks(14) {
                spool.write_all(line).unwrap();
            }
            match spool.finish().unwrap() {
                Spooled::Memory(bytes) => {
                    assert_eq!(bound, usize::MAX);
                    assert_eq!(bytes, body.as_bytes());
                }
                Spooled::File { path, len, digest } => {
                    assert_ne!(bound, usize::MAX);
                    assert_eq!(std::fs::read(&path).unwrap(), body.as_bytes());
                    assert_eq!(len, body.len() as u64);
                    assert_eq!(digest, crate::serve::state::digest(body.as_bytes()));
                    let kept = path.to_path_buf();
                    drop(path);
                    assert!(!kept.exists(), "removed when dropped");
                }
            }
        }
    }

    #[test]
    fn compressed_variants_decode_to_the_body() {
        use std::io::Read as _;
        let body = "<item>event</item>\n".repeat(200).into_bytes();
        let (gzip, br) = compress(&body);
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&gzip.unwrap()[..])
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, body);
        let mut out = Vec::new();
        brotli::Decompressor::new(&br.unwrap()[..], 4096)
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, body);
        assert_eq!(compress(b"x"), (None, None));
    }
}
