//! Serve stage, rendered filters: the filtered subscriptions (see [`super::filter`]) rendered
//! from the current set, kept for the requests after, within bounds.
//!
//! In: a [`Source`] (one build) and a canonical [`Filter`]. Out: its [`Resource`], from the
//! cache or rendered now. Keyed by (build generation, canonical path), and emptied when a new
//! set is swapped in ([`super::state::State::swap`]): a rebuild never serves bytes of an
//! older one. Bounded by bytes ([`CAPACITY`], every body of every coding counted, each entry
//! at least [`MIN_WEIGHT`], so also by count); a document larger than [`MAX_KEPT`] is rendered
//! into a temporary file for its request, sent from there (in identity) and not kept. The cache is `quick_cache`'s, whose admission (a CLOCK-PRO
//! variant: new entries enter cold, and only those asked for again stay) keeps one client
//! asking for many distinct filters once each from evicting the ones others keep asking for.
//! A filter's `Last-Modified` moves forward across builds when its bytes change without a
//! later date, as a built output's does.
//!
//! Rendering is CPU work of up to seconds for a large calendar: it runs on tokio's blocking
//! threads, never on the threads that answer requests, at most [`RENDERS_AT_ONCE`] at a time
//! (waiting in turn, first come first served) and one at a time per client address, and once
//! per document however many requests ask for it meanwhile (they wait for that one render).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use hyper::header::HeaderValue;

use quick_cache::sync::Cache;
use quick_cache::{OptionsBuilder, Weighter};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::addresses::client_address;
use super::filter::{Filter, Rendered, Source};
use super::state::{date_after, Resource};
use crate::render::RenderError;

/// The bytes all kept documents may hold together.
pub const CAPACITY: u64 = 32 * 1024 * 1024;
/// The largest document kept: larger ones (a calendar of thousands of events) are rendered for
/// the request that asks and dropped after, so that one of them cannot push out every other;
/// they are written to a temporary file as they are rendered and sent from it, so no render
/// holds more of its document in memory.
pub const MAX_KEPT: u64 = CAPACITY / 8;
/// What an entry weighs at the least, its bookkeeping included: so the cache holds at most
/// `CAPACITY / MIN_WEIGHT` (8,192) documents however small.
pub const MIN_WEIGHT: u64 = 4 * 1024;
/// Renders at once: one per core of a small server. Each holds its document in memory while it
/// is made, so this also bounds the memory of documents too large to keep.
pub const RENDERS_AT_ONCE: usize = 2;

type Key = (u64, String);

/// Why a filter could not be answered.
#[derive(Debug, thiserror::Error)]
pub enum FilterError {
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error("rendering stopped: {0}")]
    Stopped(#[from] tokio::task::JoinError),
}

/// A filter's document, kept or just rendered.
#[derive(Debug)]
pub struct Document {
    pub resource: Arc<Resource>,
    /// The temporary file a document larger than [`MAX_KEPT`] is sent from: removed when this
    /// is dropped, so the response must open it first (see [`super::body::PayloadBody::open`]).
    pub file: Option<tempfile::TempPath>,
}

/// One render at a time per client (an IPv4 address or an IPv6 /64, as for connections, see
/// [`super::addresses`]): a client's renders wait for each other before they wait for one of
/// the [`RENDERS_AT_ONCE`], so one asking for many filters at once holds at most one of
/// those, and the others' requests are rendered meanwhile.
#[derive(Debug, Default)]
struct ClientTurns {
    /// The turn of each client that has a render running or waiting; removed with its last.
    turns: Mutex<HashMap<IpAddr, Arc<Semaphore>>>,
}

/// A client's turn, held until dropped (also when the request is abandoned while waiting).
struct Turn<'a> {
    turns: &'a ClientTurns,
    client: IpAddr,
    permit: Option<OwnedSemaphorePermit>,
}

impl ClientTurns {
    async fn wait(&self, peer: IpAddr) -> Turn<'_> {
        let client = client_address(peer);
        let semaphore = {
            let mut turns = self.turns.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(
                turns
                    .entry(client)
                    .or_insert_with(|| Arc::new(Semaphore::new(1))),
            )
        };
        let mut turn = Turn {
            turns: self,
            client,
            permit: None,
        };
        turn.permit = Some(
            semaphore
                .acquire_owned()
                .await
                .expect("a client's turn is never closed"),
        );
        turn
    }

    /// How many clients have a render running or waiting.
    #[cfg(test)]
    fn clients(&self) -> usize {
        self.turns
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        let mut turns = self
            .turns
            .turns
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        self.permit = None;
        // The map's own reference is the last one: nobody else runs or waits.
        if turns
            .get(&self.client)
            .is_some_and(|semaphore| Arc::strong_count(semaphore) == 1)
        {
            turns.remove(&self.client);
        }
    }
}

/// An entry's weight: the bytes of its bodies, at least [`MIN_WEIGHT`].
#[derive(Debug, Clone, Copy)]
struct ByBytes;

impl Weighter<Key, Arc<Resource>> for ByBytes {
    fn weight(&self, key: &Key, resource: &Arc<Resource>) -> u64 {
        (resource.bytes_in_memory() + key.1.len() as u64).max(MIN_WEIGHT)
    }
}

/// The rendered filters of the current set (see the module's documentation).
pub struct FilterCache {
    documents: Cache<Key, Arc<Resource>, ByBytes>,
    max_kept: u64,
    /// The newest generation a document was asked of: one rendered from an older set (for a
    /// request that started before the swap) is not kept.
    newest: AtomicU64,
    renders: Semaphore,
    /// Each client's own turn, so it holds at most one of the [`RENDERS_AT_ONCE`].
    turns: ClientTurns,
    /// The entity tag and `Last-Modified` last served at each filter's path, across builds, so
    /// that `Last-Modified` moves forward when a rebuild changes a filter's bytes without a
    /// later date, as for built outputs (see `Served::carry_dates_forward`). At most
    /// [`MAX_DATES`] paths; past that it starts over (dates then come from the events alone).
    dates: Mutex<HashMap<String, (HeaderValue, SystemTime)>>,
}

/// Paths whose last date is remembered: as many as documents the cache can hold.
const MAX_DATES: usize = (CAPACITY / MIN_WEIGHT) as usize;

impl std::fmt::Debug for FilterCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FilterCache")
            .field("documents", &self.documents.len())
            .field("bytes", &self.documents.weight())
            .finish_non_exhaustive()
    }
}

impl Default for FilterCache {
    fn default() -> Self {
        FilterCache::new()
    }
}

impl FilterCache {
    /// A cache of [`CAPACITY`] bytes keeping documents up to [`MAX_KEPT`].
    pub fn new() -> FilterCache {
        FilterCache::with_bounds(CAPACITY, MAX_KEPT)
    }

    fn with_bounds(capacity: u64, max_kept: u64) -> FilterCache {
        let options = OptionsBuilder::new()
            // Two shards, each of half the bytes. Half of a shard is for documents asked for
            // again (hot), half for new ones (cold): a client's one-off filters churn the
            // cold half only. A document must fit in the hot half to be kept at all, which
            // [`MAX_KEPT`] does.
            .shards(2)
            .hot_allocation(0.5)
            .estimated_items_capacity(usize::try_from(capacity / MIN_WEIGHT).unwrap_or(1024))
            .weight_capacity(capacity)
            .build()
            .expect("the cache's options are valid");
        FilterCache {
            documents: Cache::with_options(
                options,
                ByBytes,
                quick_cache::DefaultHashBuilder::default(),
                quick_cache::sync::DefaultLifecycle::default(),
            ),
            max_kept,
            newest: AtomicU64::new(0),
            renders: Semaphore::new(RENDERS_AT_ONCE),
            turns: ClientTurns::default(),
            dates: Mutex::new(HashMap::new()),
        }
    }

    /// Drops every kept document (a new set is being served).
    pub fn clear(&self) {
        self.documents.clear();
    }

    /// How many documents are kept, and their weight in bytes.
    pub fn usage(&self) -> (usize, u64) {
        (self.documents.len(), self.documents.weight())
    }

    /// `filter` rendered from `source`, from the cache or now (see the module's
    /// documentation); `None` when one of its tags is not in the collection.
    pub async fn get_or_render(
        &self,
        source: &Arc<Source>,
        filter: &Filter,
        client: IpAddr,
    ) -> Result<Option<Document>, FilterError> {
        let generation = source.generation();
        self.newest.fetch_max(generation, Ordering::Relaxed);
        let key = (generation, filter.path());
        let guard = match self.documents.get_value_or_guard_async(&key).await {
            Ok(kept) => {
                return Ok(Some(Document {
                    resource: kept,
                    file: None,
                }))
            }
            Err(guard) => guard,
        };
        let rendered = {
            let _own_turn = self.turns.wait(client).await;
            let _turn = self
                .renders
                .acquire()
                .await
                .expect("the render semaphore is never closed");
            let source = Arc::clone(source);
            let filter = filter.clone();
            let in_memory = usize::try_from(self.max_kept).unwrap_or(usize::MAX);
            tokio::task::spawn_blocking(move || source.render(&filter, in_memory)).await??
        };
        let Some(Rendered { mut resource, file }) = rendered else {
            return Ok(None);
        };
        self.carry_date_forward(&key.1, &mut resource);
        let resource = Arc::new(resource);
        if file.is_none() && self.keeps(generation, &resource) {
            let _ = guard.insert(Arc::clone(&resource));
        }
        Ok(Some(Document { resource, file }))
    }

    /// Gives `resource`, just rendered for `path`, a `Last-Modified` after the one served there
    /// before if its bytes changed (see [`date_after`]), and remembers what it is served with.
    fn carry_date_forward(&self, path: &str, resource: &mut Resource) {
        let mut dates = self.dates.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((etag, date)) = dates.get(path) {
            if let Some(date) = date_after(etag, *date, resource) {
                resource.set_last_modified(date);
            }
        } else if dates.len() >= MAX_DATES {
            dates.clear();
        }
        dates.insert(
            path.to_string(),
            (resource.identity.etag.clone(), resource.last_modified),
        );
    }

    fn keeps(&self, generation: u64, resource: &Resource) -> bool {
        resource.bytes_in_memory() <= self.max_kept
            && generation >= self.newest.load(Ordering::Relaxed)
    }

    /// Keeps `resource` under `key` as a render would (for tests of the bounds).
    #[cfg(test)]
    fn keep(&self, key: Key, resource: Arc<Resource>) {
        self.newest.fetch_max(key.0, Ordering::Relaxed);
        if self.keeps(key.0, &resource) {
            self.documents.insert(key, resource);
        }
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use chrono::DateTime;

    use super::*;
    use crate::render::Format;

    const KIB: u64 = 1024;
    const CLIENT: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
    const MIB: u64 = 1024 * KIB;

    fn document(len: u64) -> Arc<Resource> {
        let body = Bytes::from(vec![b'x'; usize::try_from(len).unwrap()]);
        Arc::new(Resource::in_memory(
            Format::Rss,
            body,
            None,
            None,
            DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
        ))
    }

    fn key(generation: u64, n: usize) -> Key {
        (generation, format!("/feeds/a+t{n}/rss.xml"))
    }

    #[test]
    fn the_bytes_kept_stay_within_the_capacity() {
        let cache = FilterCache::new();
        for n in 0..200 {
            cache.keep(key(1, n), document(MIB));
        }
        let (count, bytes) = cache.usage();
        assert!(bytes <= CAPACITY, "{bytes}");
        assert!(count <= 32, "{count}");
        assert!(count >= 8, "{count}");
    }

    #[test]
    fn small_documents_are_bounded_by_count() {
        let cache = FilterCache::with_bounds(MIB, MIB / 8);
        for n in 0..10_000 {
            cache.keep(key(1, n), document(10));
        }
        let (count, bytes) = cache.usage();
        assert!(count as u64 <= MIB / MIN_WEIGHT, "{count}");
        assert!(bytes <= MIB, "{bytes}");
    }

    #[test]
    fn a_document_larger_than_the_bound_is_not_kept() {
        let cache = FilterCache::new();
        cache.keep(key(1, 0), document(MAX_KEPT + 1));
        assert_eq!(cache.usage().0, 0);
        cache.keep(key(1, 1), document(MAX_KEPT));
        assert_eq!(cache.usage().0, 1);
    }

    #[test]
    fn one_client_asking_for_many_filters_once_does_not_evict_the_ones_asked_again() {
        let cache = FilterCache::with_bounds(4 * MIB, MIB);
        let popular: Vec<Key> = (0..8).map(|n| key(1, n)).collect();
        for k in &popular {
            cache.keep(k.clone(), document(64 * KIB));
        }
        for round in 0..50 {
            for k in &popular {
                assert!(cache.documents.get(k).is_some(), "{round} {k:?}");
            }
            // A scan: distinct filters, each asked for once.
            for n in 0..100 {
                cache.keep(key(1, 1000 + round * 100 + n), document(64 * KIB));
            }
        }
        assert!(cache.usage().1 <= 4 * MIB);
    }

    #[test]
    fn last_modified_moves_forward_when_the_bytes_change_without_a_later_date() {
        let cache = FilterCache::new();
        let path = "/feeds/a+b/rss.xml";
        let mut first = Resource::clone(&document(10));
        cache.carry_date_forward(path, &mut first);
        let mut same = Resource::clone(&document(10));
        cache.carry_date_forward(path, &mut same);
        assert_eq!(same.last_modified, first.last_modified);
        let mut changed = Resource::clone(&document(11));
        cache.carry_date_forward(path, &mut changed);
        assert_eq!(
            changed.last_modified,
            first.last_modified + std::time::Duration::from_secs(1)
        );
        assert_eq!(
            changed.last_modified_header,
            crate::serve::state::http_date(changed.last_modified)
        );
    }

    /// The source of the repository's sample collection.
    fn sample() -> Arc<Source> {
        let events = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("events");
        let checked =
            crate::check::check_collection(&events, crate::render::covering::render_covering_pages)
                .unwrap();
        let collection = checked.collection.expect("the sample is valid");
        Arc::new(Source::new(&collection, "http://127.0.0.1:8080/", None))
    }

    fn filter(path: &str) -> Filter {
        match crate::serve::filter::route(path) {
            Some(crate::serve::filter::Route::Filter(filter)) => filter,
            other => panic!("{path}: {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_document_past_the_bound_is_sent_from_a_temporary_file_and_not_kept() {
        let source = sample();
        let calendar = filter("/feeds/cartels+diplomacy/calendar.ics");
        let kept = FilterCache::new();
        let small = kept
            .get_or_render(&source, &calendar, CLIENT)
            .await
            .unwrap()
            .unwrap();
        assert!(small.file.is_none());
        assert_eq!(kept.usage().0, 1);
        let body = small.resource.identity.body.to_bytes();
        assert!(body.len() > 4096, "{}", body.len());

        let spilling = FilterCache::with_bounds(CAPACITY, 4096);
        let large = spilling
            .get_or_render(&source, &calendar, CLIENT)
            .await
            .unwrap()
            .unwrap();
        let file = large.file.as_ref().expect("a temporary file");
        assert_eq!(std::fs::read(file).unwrap(), body);
        assert_eq!(large.resource.identity.etag, small.resource.identity.etag);
        assert!(large.resource.gzip.is_none() && large.resource.br.is_none());
        assert_eq!(spilling.usage().0, 0, "not kept");
        let path = file.to_path_buf();
        drop(large);
        assert!(!path.exists(), "removed once answered");

        let unknown = filter("/feeds/cartels+no-such-tag/rss.xml");
        assert!(kept
            .get_or_render(&source, &unknown, CLIENT)
            .await
            .unwrap()
            .is_none());
        assert_eq!(source.knows(&unknown), Some(false));
        assert_eq!(kept.turns.clients(), 0);
    }

    #[tokio::test]
    async fn a_client_waits_for_its_own_render_and_not_for_others() {
        use std::time::Duration;
        let turns = ClientTurns::default();
        let other: IpAddr = "192.0.2.7".parse().unwrap();
        let first = turns.wait(CLIENT).await;
        // The same client, also as an IPv4-mapped IPv6 address, waits.
        let mapped: IpAddr = "::ffff:127.0.0.1".parse().unwrap();
        let waiting = tokio::time::timeout(Duration::from_millis(50), turns.wait(mapped)).await;
        assert!(waiting.is_err(), "the same client waits its turn");
        // Another does not.
        let second = tokio::time::timeout(Duration::from_millis(50), turns.wait(other))
            .await
            .expect("another client's turn comes at once");
        assert_eq!(turns.clients(), 2);
        drop(first);
        let again = tokio::time::timeout(Duration::from_millis(50), turns.wait(CLIENT))
            .await
            .expect("its turn once the first is done");
        drop((second, again));
        assert_eq!(turns.clients(), 0, "no client left behind");
    }

    #[test]
    fn a_document_of_an_older_build_is_not_kept_and_a_swap_drops_all() {
        let cache = FilterCache::new();
        cache.keep(key(2, 0), document(KIB));
        cache.keep(key(1, 1), document(KIB));
        assert_eq!(cache.usage().0, 1);
        cache.clear();
        assert_eq!(cache.usage(), (0, 0));
    }
}
