//! Serve stage, state: the set of responses currently served, an index of the outputs the one
//! build wrote into serve's folder (see [`rebuild`](super::rebuild)), so `build` and `serve`
//! expose the same paths and bytes by construction.
//!
//! In: each output's path, length, digest and date. Out: a [`Served`] set keyed by request
//! path, each [`Resource`] holding its validators, its media type and its body in every content
//! coding: a body is a file on disk ([`OnDisk`], known by its identity so a file replaced since
//! is noticed, see [`FileId`]), a small buffer in memory, or a calendar patched after an edit
//! ([`Parts`]: ranges of files held open and its changed VEVENTs). Nothing proportional to the
//! outputs' bytes is held. Compressed variants are files of the [`Store`] the [`State`] owns,
//! made once per distinct body, never per request. [`State`] holds the current set and swaps a
//! new one in atomically; a request keeps the `Arc` it loaded, so requests in flight finish on
//! the set they started with. Must not read the clock; the file system is touched only to stat
//! a file made into a resource and, through the [`Store`], to remove compressed variants no set
//! holds any more.

use std::collections::{HashMap, HashSet};
use std::fs::Metadata;
use std::io;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use arc_swap::ArcSwap;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use hyper::header::HeaderValue;
use xxhash_rust::xxh3::xxh3_128;

use super::filter::Source;
use super::filter_cache::FilterCache;
pub use super::store::Store;
use crate::model::range;
use crate::pipeline::parts::Parts;
use crate::render::Format;

/// A body: a file on disk, a buffer (the short text of an error, a test's body), or a
/// calendar patched after an edit, until its file is written again (see [`Parts`]).
#[derive(Debug, Clone)]
pub enum Payload {
    Whole(Bytes),
    /// Read from disk when sent; nothing of it is held in memory.
    File(OnDisk),
    /// Ranges of files held open and the few new bytes in memory, read when sent.
    Parts(Parts),
}

/// A body in a file, as it was when the set holding it was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnDisk {
    /// Absolute, so that no working-folder change can make it name another file.
    pub path: PathBuf,
    pub len: u64,
    /// Which file it was: one renamed over it since (a newer build) has another identity.
    pub id: FileId,
}

/// Which file a path named, from its metadata: its device and inode on Unix. Outputs and
/// compressed variants are only ever replaced by renaming a new file over the old one, never
/// rewritten in place, so a file with the same identity (and length) holds the same bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileId {
    #[cfg(unix)]
    device: u64,
    #[cfg(unix)]
    inode: u64,
    /// Without inodes, the modification time stands in (a renamed-over file keeps the time
    /// its writer gave it, which differs from the old one's unless both came the same tick).
    #[cfg(not(unix))]
    modified: Option<SystemTime>,
}

impl FileId {
    pub fn of(metadata: &Metadata) -> FileId {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            FileId {
                device: metadata.dev(),
                inode: metadata.ino(),
            }
        }
        #[cfg(not(unix))]
        {
            FileId {
                modified: metadata.modified().ok(),
            }
        }
    }
}

impl OnDisk {
    /// The file at `path` now (made absolute), expected to be `len` bytes long.
    pub fn stat(path: PathBuf, len: u64) -> io::Result<OnDisk> {
        let path = std::path::absolute(path)?;
        let metadata = std::fs::metadata(&path)?;
        let on_disk = OnDisk {
            id: FileId::of(&metadata),
            path,
            len,
        };
        on_disk.check(&metadata)?;
        Ok(on_disk)
    }

    /// Whether `metadata` (of a file just opened at [`OnDisk::path`]) is of this very file;
    /// when not, an error of kind [`io::ErrorKind::NotFound`] that names the path.
    pub fn check(&self, metadata: &Metadata) -> io::Result<()> {
        if FileId::of(metadata) == self.id && metadata.len() == self.len && metadata.is_file() {
            Ok(())
        } else {
            Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "{} is no longer the file of {} bytes it was (replaced since)",
                    self.path.display(),
                    self.len
                ),
            ))
        }
    }
}

impl Payload {
    /// The length in bytes.
    pub fn len(&self) -> u64 {
        match self {
            Payload::Whole(bytes) => bytes.len() as u64,
            Payload::File(file) => file.len,
            Payload::Parts(parts) => parts.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes of a body held in memory; `None` for a file.
    pub fn in_memory(&self) -> Option<&Bytes> {
        match self {
            Payload::Whole(bytes) => Some(bytes),
            Payload::File(_) | Payload::Parts(_) => None,
        }
    }

    /// The whole body in one buffer, read from disk for a file (for tests to compare bodies).
    #[cfg(test)]
    pub(crate) fn to_bytes(&self) -> Bytes {
        match self {
            Payload::File(file) => std::fs::read(&file.path)
                .expect("a test's body file is readable")
                .into(),
            Payload::Whole(bytes) => bytes.clone(),
            Payload::Parts(parts) => {
                let mut bytes = Vec::new();
                std::io::Read::read_to_end(&mut parts.reader(), &mut bytes)
                    .expect("a test's parts are readable");
                bytes.into()
            }
        }
    }
}

/// One body in one content coding, with its own strong validator.
#[derive(Debug, Clone)]
pub struct Variant {
    pub body: Payload,
    /// A strong entity tag (RFC 9110 8.8.3), quoted. Different codings of the same bytes are
    /// different representations and so get different tags (`"<hash>"`, `"<hash>-gzip"`,
    /// `"<hash>-br"`), or a cache could answer a gzip request with identity bytes.
    pub etag: HeaderValue,
}

/// A resource of the current set, and the one to put in its place (see [`State::upgrade`]).
pub type Replacement = (Arc<Resource>, Arc<Resource>);

/// One path of the site, ready to serve.
#[derive(Debug, Clone)]
pub struct Resource {
    /// `Format::media_type`, charset included.
    pub content_type: HeaderValue,
    /// When the content last changed (UTC, whole seconds): the newest `updated`/`published` of
    /// the output's events (or `SOURCE_DATE_EPOCH`), never the clock; see `Site::view_updated`.
    pub last_modified: SystemTime,
    /// `last_modified` as an HTTP date (RFC 9110 5.6.7), formatted once.
    pub last_modified_header: HeaderValue,
    pub identity: Variant,
    /// A file of the [`Store`], kept only when smaller than the identity body.
    pub gzip: Option<Variant>,
    /// A file of the [`Store`], kept only when smaller than the identity body.
    pub br: Option<Variant>,
    /// Whether `gzip` and `br` have been made: a rebuilt resource is served in identity alone
    /// until they are, which happens after the new set is swapped in (see [`State::upgrade`]).
    pub compressed: bool,
    /// A subscription feed's `Link` header naming its WebSub hub and itself (see
    /// [`websub_link`]), when the settings name a hub.
    pub link: Option<HeaderValue>,
}

/// A complete built set: every request path that answers 200.
#[derive(Debug, Default)]
pub struct Served {
    by_path: HashMap<String, Arc<Resource>>,
    /// How many events the set was built from.
    pub events: usize,
    /// How many outputs (files) it holds; a directory alias of an `index.html` is not counted.
    pub outputs: usize,
    /// What the filtered subscriptions of this set are rendered from (see [`super::filter`]);
    /// `None`: the set answers none.
    pub filters: Option<Arc<Source>>,
}

impl Served {
    /// A set of `(output path, resource)` pairs; each is answered at its request paths.
    pub fn new(
        resources: impl IntoIterator<Item = (String, Arc<Resource>)>,
        events: usize,
    ) -> Served {
        let mut by_path = HashMap::new();
        let mut outputs = 0;
        for (path, resource) in resources {
            outputs += 1;
            for request_path in request_paths(&path) {
                by_path.insert(request_path, Arc::clone(&resource));
            }
        }
        Served {
            by_path,
            events,
            outputs,
            filters: None,
        }
    }

    /// The resource of an output path (`rss.xml`, `years/2025/index.html`).
    pub fn output(&self, output_path: &str) -> Option<&Arc<Resource>> {
        self.by_path.get(&format!("/{output_path}"))
    }

    /// The resources whose compressed variants are not made yet, each once.
    pub fn uncompressed(&self) -> Vec<Arc<Resource>> {
        let mut seen = std::collections::HashSet::new();
        self.by_path
            .values()
            .filter(|r| !r.compressed && seen.insert(Arc::as_ptr(r)))
            .cloned()
            .collect()
    }

    /// The digests (hex) of the identity bodies the set holds: what names their compressed
    /// variants in the [`Store`].
    pub fn hashes(&self) -> HashSet<String> {
        self.by_path
            .values()
            .filter_map(|resource| resource.hash().ok())
            .map(str::to_string)
            .collect()
    }

    /// The resource at an exact request path (`/rss.xml`, `/tags/trade/atom.xml`, `/`).
    /// Nothing is decoded or normalised: any other spelling is not found.
    pub fn get(&self, path: &str) -> Option<&Arc<Resource>> {
        self.by_path.get(path)
    }

    /// Keeps `Last-Modified` moving forward across rebuilds. The build's "now" comes from the
    /// events' dates, so an edit that leaves them alone (a typo fixed in a body) or removes the
    /// newest event would otherwise change the bytes without a later date, and a client asking
    /// `If-Modified-Since` would be told nothing changed (RFC 9110 13.1.3). A path whose bytes
    /// changed gets a date at least one second after the one served before.
    pub fn carry_dates_forward(&mut self, previous: &Served) {
        for (path, resource) in &mut self.by_path {
            let Some(old) = previous.by_path.get(path) else {
                continue;
            };
            if let Some(date) = date_after(&old.identity.etag, old.last_modified, resource) {
                Arc::make_mut(resource).set_last_modified(date);
            }
        }
    }
}

/// The `Last-Modified` a resource served at a path must have, when not its own, after one with
/// `old_etag` and `old_date` was served there (see [`Served::carry_dates_forward`]): the old
/// date when the bytes are the same, a second later when they changed without a later date.
pub fn date_after(
    old_etag: &HeaderValue,
    old_date: SystemTime,
    resource: &Resource,
) -> Option<SystemTime> {
    let date = if *old_etag == resource.identity.etag {
        old_date
    } else if resource.last_modified <= old_date {
        // Never past the last instant an HTTP date (and every output) can hold: the date then
        // stays, and the changed ETag still tells clients.
        let last = whole_seconds(range::last_instant().timestamp());
        (old_date + Duration::from_secs(1)).min(last)
    } else {
        return None;
    };
    (date != resource.last_modified).then_some(date)
}

#[cfg(test)]
impl Served {
    /// A set of one resource, for tests of what is answered.
    pub(crate) fn single(path: &str, resource: Resource) -> Served {
        Served {
            by_path: HashMap::from([(path.to_string(), Arc::new(resource))]),
            events: 1,
            outputs: 1,
            filters: None,
        }
    }
}

/// The request paths of an output path: `/<path>`, and for an `index.html` also its
/// directory (`/`, `/years/2025/`), as a static server would answer.
fn request_paths(output_path: &str) -> Vec<String> {
    let mut paths = vec![format!("/{output_path}")];
    if let Some(dir) = output_path.strip_suffix("index.html") {
        if dir.is_empty() || dir.ends_with('/') {
            paths.push(format!("/{dir}"));
        }
    }
    paths
}

impl Resource {
    /// A resource with its identity body only (see [`Store::compress`]); `hash` is a digest
    /// of the body (hex), from which the entity tags are made.
    pub fn identity(
        format: Format,
        body: Payload,
        hash: &str,
        last_modified: DateTime<Utc>,
    ) -> Resource {
        let last_modified = whole_seconds(last_modified.timestamp());
        Resource {
            content_type: HeaderValue::from_static(format.media_type()),
            last_modified,
            last_modified_header: http_date(last_modified),
            identity: variant(body, hash, ""),
            gzip: None,
            br: None,
            compressed: false,
            link: None,
        }
    }

    /// A resource whose body is the file at `path` (absolute), just written: `len` bytes whose
    /// [`digest`] is `digest`. The file is looked at now, so that a file replaced later is
    /// noticed when a response opens it; an error if it is not there or not `len` bytes long.
    pub fn from_file(
        format: Format,
        path: PathBuf,
        len: u64,
        digest: [u8; 16],
        last_modified: DateTime<Utc>,
    ) -> io::Result<Resource> {
        let body = Payload::File(OnDisk::stat(path, len)?);
        Ok(Resource::identity(
            format,
            body,
            &hex(&digest),
            last_modified,
        ))
    }

    /// Sets `Last-Modified` (see [`date_after`]).
    pub fn set_last_modified(&mut self, date: SystemTime) {
        self.last_modified = date;
        self.last_modified_header = http_date(date);
    }

    /// The digest of the identity body (hex), as its entity tag holds it.
    pub fn hash(&self) -> io::Result<&str> {
        let etag = self.identity.etag.to_str().map_err(io::Error::other)?;
        Ok(etag.trim_matches('"'))
    }

    /// A resource held in memory with its compressed variants (see [`super::filter`]); `None`
    /// for a coding whose body would not be smaller.
    pub fn in_memory(
        format: Format,
        body: Bytes,
        gzip: Option<Bytes>,
        br: Option<Bytes>,
        last_modified: DateTime<Utc>,
    ) -> Resource {
        let hash = body_hash(&body);
        Resource {
            gzip: gzip.map(|gzip| variant(Payload::Whole(gzip), &hash, "-gzip")),
            br: br.map(|br| variant(Payload::Whole(br), &hash, "-br")),
            compressed: true,
            ..Resource::identity(format, Payload::Whole(body), &hash, last_modified)
        }
    }

    /// The bytes held in memory by its bodies (identity and variants); a body on disk counts
    /// nothing.
    pub fn bytes_in_memory(&self) -> u64 {
        [Some(&self.identity), self.gzip.as_ref(), self.br.as_ref()]
            .into_iter()
            .flatten()
            .filter(|variant| variant.body.in_memory().is_some())
            .map(|variant| variant.body.len())
            .sum()
    }

    /// The same resource with the compressed variants of its identity body.
    pub fn with_compressed(
        &self,
        gzip: Option<OnDisk>,
        br: Option<OnDisk>,
    ) -> io::Result<Resource> {
        let hash = self.hash()?;
        Ok(Resource {
            gzip: gzip.map(|file| variant(Payload::File(file), hash, "-gzip")),
            br: br.map(|file| variant(Payload::File(file), hash, "-br")),
            compressed: true,
            ..self.clone()
        })
    }
}

/// The `Link` header of a subscription feed when the settings name a WebSub hub:
/// `<hub>; rel="hub", <self>; rel="self"` (RFC 8288). WebSub §4 asks a publisher's response
/// for both, as headers, beside the links the document itself carries; hubs read them first.
/// `None` for a URL a header cannot carry as it is (one with non-ASCII characters): the links
/// in the document still name the hub.
pub fn websub_link(hub: &str, self_url: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!("<{hub}>; rel=\"hub\", <{self_url}>; rel=\"self\"")).ok()
}

/// The digest of a body from which its entity tags are made (hex). A 128-bit hash, not a
/// cryptographic one: it tells versions of the collection's own outputs apart, where nobody
/// gains by making two collide.
pub fn body_hash(body: &[u8]) -> String {
    hex(&digest(body))
}

/// A body's 128-bit digest, as bytes.
pub fn digest(bytes: &[u8]) -> [u8; 16] {
    xxh3_128(bytes).to_be_bytes()
}

fn variant(body: Payload, hash: &str, suffix: &str) -> Variant {
    Variant {
        body,
        etag: HeaderValue::from_str(&format!("\"{hash}{suffix}\""))
            .expect("a hex digest is a valid header value"),
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// An HTTP date header value.
pub fn http_date(at: SystemTime) -> HeaderValue {
    HeaderValue::from_str(&httpdate::fmt_http_date(at))
        .expect("an HTTP date is a valid header value")
}

/// Seconds since 1970 as a `SystemTime`; HTTP dates have whole seconds (RFC 9110 5.6.7).
fn whole_seconds(secs: i64) -> SystemTime {
    match u64::try_from(secs) {
        Ok(after) => UNIX_EPOCH + Duration::from_secs(after),
        // HTTP dates cannot say "before 1970"; such a collection is dated at the epoch.
        Err(_) => UNIX_EPOCH,
    }
}

/// The set being served, swapped whole, and the store of its compressed variants.
#[derive(Debug)]
pub struct State {
    current: ArcSwap<Served>,
    /// Held by whoever replaces the set, so a swap and an upgrade never interleave. Holds the
    /// hashes of the set the last swap replaced, whose variants are kept one swap longer.
    writing: Mutex<HashSet<String>>,
    store: Store,
    /// Filtered subscriptions rendered from the current set; emptied when it is replaced.
    filters: FilterCache,
}

impl State {
    /// Serves `served`; compressed variants go to `store`.
    pub fn new(served: Served, store: Store) -> Self {
        State {
            current: ArcSwap::from_pointee(served),
            writing: Mutex::new(HashSet::new()),
            store,
            filters: FilterCache::new(),
        }
    }

    /// Where the compressed variants of every set are made.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The filtered subscriptions rendered from the current set.
    pub fn filters(&self) -> &FilterCache {
        &self.filters
    }

    /// The current set; holding the guard keeps it alive past a swap. Cheaper than cloning
    /// the `Arc`: concurrent requests do not all write to one reference count.
    pub fn load(&self) -> arc_swap::Guard<Arc<Served>> {
        self.current.load()
    }

    /// The current set, as an `Arc` of its own (for a rebuild to read while requests go on).
    pub fn load_full(&self) -> Arc<Served> {
        self.current.load_full()
    }

    /// Puts `next` in place of the current set, after carrying its dates forward. The variants
    /// of the set it replaces stay in the store one swap longer (see
    /// [`State::remove_unheld_variants`], to be called next).
    pub fn swap(&self, mut next: Served) {
        let mut replaced = self.writing.lock().unwrap_or_else(PoisonError::into_inner);
        let previous = self.current.load_full();
        next.carry_dates_forward(&previous);
        self.current.store(Arc::new(next));
        // Rendered from the set replaced: never to be served again (a request still answering
        // from that set renders its own, and the cache keeps nothing of another generation).
        self.filters.clear();
        *replaced = previous.hashes();
    }

    /// Removes the store's variants of bodies that neither the current set nor the one the
    /// last swap replaced holds: after a swap, those of the set before, and those a compression
    /// finished for a set replaced meanwhile. The replaced set's are kept so that an edit undone
    /// reuses them, and requests still answering from it mostly find them; one that does not
    /// loads the current set again (see `serve::handle`). An error names a file that could not
    /// be removed (the others are).
    pub fn remove_unheld_variants(&self) -> io::Result<()> {
        let replaced = self.writing.lock().unwrap_or_else(PoisonError::into_inner);
        let held = self.current.load().hashes();
        self.store
            .retain(|hash| held.contains(hash) || replaced.contains(hash))
    }

    /// Replaces each `(old, new)` resource where the current set still holds `old` itself (the
    /// same allocation): how compressed variants made in the background join the set. A set
    /// swapped in meanwhile keeps what it holds, so older work never overwrites a newer
    /// build; where it kept `old` (an output the rebuild did not touch), `new` goes in too.
    /// Returns how many resources were replaced.
    pub fn upgrade(&self, replacements: &[Replacement]) -> usize {
        let _replaced = self.writing.lock().unwrap_or_else(PoisonError::into_inner);
        let current = self.current.load_full();
        let by_old: HashMap<*const Resource, &Arc<Resource>> = replacements
            .iter()
            .map(|(old, new)| (Arc::as_ptr(old), new))
            .collect();
        let mut replaced = HashSet::new();
        let by_path = current
            .by_path
            .iter()
            .map(|(path, resource)| {
                let resource = match by_old.get(&Arc::as_ptr(resource)) {
                    Some(new) => {
                        replaced.insert(Arc::as_ptr(resource));
                        Arc::clone(new)
                    }
                    None => Arc::clone(resource),
                };
                (path.clone(), resource)
            })
            .collect();
        if !replaced.is_empty() {
            self.current.store(Arc::new(Served {
                by_path,
                events: current.events,
                outputs: current.outputs,
                filters: current.filters.clone(),
            }));
        }
        replaced.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_html_is_also_its_directory() {
        assert_eq!(request_paths("rss.xml"), ["/rss.xml"]);
        assert_eq!(request_paths("index.html"), ["/index.html", "/"]);
        assert_eq!(
            request_paths("years/2025/index.html"),
            ["/years/2025/index.html", "/years/2025/"]
        );
        assert_eq!(request_paths("notindex.html"), ["/notindex.html"]);
    }

    fn served_with(path: &str, body: &[u8], secs: u64) -> Served {
        let resource = Resource {
            content_type: HeaderValue::from_static("text/plain"),
            last_modified: UNIX_EPOCH + Duration::from_secs(secs),
            last_modified_header: http_date(UNIX_EPOCH + Duration::from_secs(secs)),
            identity: Variant {
                body: Payload::Whole(Bytes::copy_from_slice(body)),
                etag: HeaderValue::from_str(&format!("\"{}\"", body_hash(body))).unwrap(),
            },
            gzip: None,
            br: None,
            compressed: true,
            link: None,
        };
        Served::single(path, resource)
    }

    fn date(served: &Served, path: &str) -> u64 {
        let lm = served.get(path).unwrap().last_modified;
        lm.duration_since(UNIX_EPOCH).unwrap().as_secs()
    }

    #[test]
    fn changed_bytes_never_keep_or_lower_the_date() {
        let old = served_with("/a", b"one", 100);
        let mut same_date = served_with("/a", b"two", 100);
        same_date.carry_dates_forward(&old);
        assert_eq!(date(&same_date, "/a"), 101);
        let mut earlier = served_with("/a", b"two", 50);
        earlier.carry_dates_forward(&old);
        assert_eq!(date(&earlier, "/a"), 101);
        let mut later = served_with("/a", b"two", 200);
        later.carry_dates_forward(&old);
        assert_eq!(date(&later, "/a"), 200);
    }

    #[test]
    fn unchanged_bytes_keep_their_date() {
        let old = served_with("/a", b"one", 100);
        let mut next = served_with("/a", b"one", 90);
        next.carry_dates_forward(&old);
        assert_eq!(date(&next, "/a"), 100);
    }

    #[test]
    fn compression_joins_only_the_set_that_still_holds_the_resource() {
        let state = State::new(served_with("/a", b"one", 100), Store::new().unwrap());
        let old = Arc::clone(state.load().get("/a").unwrap());
        let compressed = Arc::new(state.store().compress(&old, &|| {}).unwrap());
        assert!(compressed.compressed);
        // A newer build replaced /a meanwhile: the older compression must not undo it.
        state.swap(served_with("/a", b"two", 200));
        assert_eq!(
            state.upgrade(&[(Arc::clone(&old), Arc::clone(&compressed))]),
            0
        );
        assert_eq!(
            state.load().get("/a").unwrap().identity.body.to_bytes(),
            "two"
        );
        // Where the set still holds it, the compressed resource goes in.
        let current = Arc::clone(state.load().get("/a").unwrap());
        let upgraded = Arc::new(state.store().compress(&current, &|| {}).unwrap());
        assert_eq!(state.upgrade(&[(current, Arc::clone(&upgraded))]), 1);
        assert!(Arc::ptr_eq(state.load().get("/a").unwrap(), &upgraded));
    }

    /// The names of the files in the store.
    fn stored(state: &State) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(state.store().path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| !name.starts_with('.'))
            .collect();
        names.sort();
        names
    }

    /// The names of the variants of bodies with these hashes, sorted.
    fn variants_of(hashes: &[&str]) -> Vec<String> {
        let mut names: Vec<String> = hashes
            .iter()
            .flat_map(|hash| [format!("{hash}.br"), format!("{hash}.gz")])
            .collect();
        names.sort();
        names
    }

    /// A set of `/a` holding `body`, its variants made.
    fn compressed_set(state: &State, body: &str) -> (Served, String) {
        let served = served_with("/a", body.as_bytes(), 100);
        let resource = served.get("/a").unwrap();
        let compressed = state.store().compress(resource, &|| {}).unwrap();
        let hash = compressed.hash().unwrap().to_string();
        (Served::single("/a", compressed), hash)
    }

    #[test]
    fn variants_no_set_holds_are_removed_after_a_swap_and_an_undone_edit_reuses_them() {
        let state = State::new(Served::default(), Store::new().unwrap());
        let body = |n: usize| format!("{n} ").repeat(400);
        let (first, a) = compressed_set(&state, &body(1));
        state.swap(first);
        state.remove_unheld_variants().unwrap();
        let (second, b) = compressed_set(&state, &body(2));
        state.swap(second);
        state.remove_unheld_variants().unwrap();
        // The set replaced keeps its variants: requests may still be answering from it.
        assert_eq!(stored(&state), variants_of(&[&a, &b]));
        let (third, c) = compressed_set(&state, &body(3));
        state.swap(third);
        state.remove_unheld_variants().unwrap();
        assert_eq!(stored(&state), variants_of(&[&b, &c]));
        // The third edit undone: the second body's variants are there still, and reused.
        let undone = served_with("/a", body(2).as_bytes(), 100);
        let reused = state
            .store()
            .compress(undone.get("/a").unwrap(), &|| panic!("compressed again"))
            .unwrap();
        assert!(reused.gzip.is_some() && reused.br.is_some());
        state.swap(Served::single("/a", reused));
        state.remove_unheld_variants().unwrap();
        assert_eq!(stored(&state), variants_of(&[&b, &c]));
        // Variants finished for a set no longer served are removed once compression is done.
        let (_, d) = compressed_set(&state, &body(4));
        assert!(stored(&state).contains(&format!("{d}.gz")));
        state.remove_unheld_variants().unwrap();
        assert!(!stored(&state).contains(&format!("{d}.gz")));
        assert_eq!(state.store().len(), 2);
    }
}
