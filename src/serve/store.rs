//! Serve stage, compressed variants: the gzip and brotli bodies of each distinct identity body,
//! as files in a folder of their own.
//!
//! In: a [`Resource`] with its identity body (a file, or bytes in memory). Out: the same
//! resource with its variants, files named by the digest of the identity body (`<hash>.gz`,
//! `<hash>.br`), so a body served at several paths, or served again after an edit is undone,
//! is compressed once. The folder is a temporary one the [`State`](super::State) owns, never
//! inside the output folder, so that the folder `serve` writes stays byte for byte what
//! `build` writes (where nginx's `gzip_static` finds its variants beside each file). Each
//! variant is written under a temporary name and renamed into place, and kept only when
//! smaller than the body. A body is streamed through both compressors at once, in slices: no
//! memory proportional to a body's size is held. A server killed before it could remove its
//! store leaves the folder behind; the next store made in the same place removes it, knowing
//! it by a lock file nobody holds. Must not read the clock.

use std::collections::HashMap;
use std::fs::{self, File, TryLockError};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::Path;
use std::sync::{Mutex, PoisonError};

use tempfile::{NamedTempFile, TempDir};

use super::state::{OnDisk, Payload, Resource};

/// Brotli quality 5: within a few percent of the best ratio on feed text at a small fraction of
/// quality 11's time, which matters because every rebuild after an edit pays it.
pub const BROTLI_QUALITY: i32 = 5;

/// How much of a body is compressed between two chances to pause, and read from disk at once:
/// a year page of megabytes compressed whole would hold a core through a rebuild.
const SLICE: usize = 64 * 1024;

/// The prefix of the store folder's name, so a folder left behind by a killed server is
/// recognisable in the temporary folder.
const PREFIX: &str = "chronicle-serve-variants-";

/// A file in the store's folder, locked (`flock` on Unix) as long as the store lives. The
/// system releases the lock when the process ends, however it ends, so a store folder whose
/// lock can be taken belongs to a server that is gone.
const LOCK: &str = ".lock";

/// The compressed variants made so far, as files in a folder removed with the store.
#[derive(Debug)]
pub struct Store {
    dir: TempDir,
    _lock: File,
    /// By the hash of the identity body. An entry is added once both of its files are in
    /// place and removed before its files are, all under this lock, so an entry's files exist.
    made: Mutex<HashMap<String, Made>>,
}

/// The variants of one body; `None` where the compressed bytes were not smaller.
#[derive(Debug, Clone, Default)]
struct Made {
    gzip: Option<OnDisk>,
    br: Option<OnDisk>,
}

impl Store {
    /// A store in the system's temporary folder.
    pub fn new() -> io::Result<Store> {
        Store::new_in(&std::env::temp_dir())
    }

    /// A store in a new folder inside `parent` (beside the output folder, say, so the
    /// variants are on the same disk as the bodies they compress). Store folders there that
    /// killed servers left behind are removed first.
    pub fn new_in(parent: &Path) -> io::Result<Store> {
        // Variant paths are kept absolute (see `OnDisk::path`).
        let parent = std::path::absolute(parent)?;
        remove_abandoned(&parent);
        let dir = tempfile::Builder::new().prefix(PREFIX).tempdir_in(parent)?;
        let lock = File::create_new(dir.path().join(LOCK))?;
        lock.try_lock().map_err(|err| match err {
            TryLockError::Error(err) => err,
            TryLockError::WouldBlock => io::Error::other("a new store's lock is held"),
        })?;
        Ok(Store {
            dir,
            _lock: lock,
            made: Mutex::new(HashMap::new()),
        })
    }

    /// The store's folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// How many bodies have variants in the store.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The same resource with its gzip and brotli variants: those already in the store for a
    /// body of the same hash, or made now (each kept only when smaller), calling `pause`
    /// between slices of the body so a compression running in the background can wait there
    /// while a rebuild needs the processors. An error if the body is a file replaced since
    /// the resource was made (its variants would not be of its hash).
    pub fn compress(&self, resource: &Resource, pause: &dyn Fn()) -> io::Result<Resource> {
        let hash = resource.hash()?;
        // The hash names files: only a digest's characters may be in it.
        if hash.is_empty() || !hash.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("the entity tag {hash:?} does not name a file"),
            ));
        }
        if let Some(made) = self.lock().get(hash) {
            return resource.with_compressed(made.gzip.clone(), made.br.clone());
        }
        let body = &resource.identity.body;
        let (gzip, br) = self.make(body, pause)?;
        let mut made = self.lock();
        // Made meanwhile for another resource of the same body: that one is kept, so the files
        // a set refers to are never renamed over.
        if let Some(earlier) = made.get(hash) {
            return resource.with_compressed(earlier.gzip.clone(), earlier.br.clone());
        }
        let keep = |file: NamedTempFile, extension: &str| -> io::Result<Option<OnDisk>> {
            let len = file.as_file().metadata()?.len();
            if len >= body.len() {
                return Ok(None);
            }
            let path = self.dir.path().join(format!("{hash}.{extension}"));
            file.persist(&path).map_err(|err| err.error)?;
            OnDisk::stat(path, len).map(Some)
        };
        let entry = Made {
            gzip: keep(gzip, "gz")?,
            br: keep(br, "br")?,
        };
        let compressed = resource.with_compressed(entry.gzip.clone(), entry.br.clone());
        made.insert(hash.to_string(), entry);
        compressed
    }

    /// Removes the variants of every body whose hash `keep` refuses. An error names the first
    /// file that could not be removed; the others are removed all the same.
    pub fn retain(&self, keep: impl Fn(&str) -> bool) -> io::Result<()> {
        let mut failed = Ok(());
        self.lock().retain(|hash, entry| {
            if keep(hash) {
                return true;
            }
            for file in [&entry.gzip, &entry.br].into_iter().flatten() {
                match std::fs::remove_file(&file.path) {
                    Err(err) if err.kind() != io::ErrorKind::NotFound && failed.is_ok() => {
                        let message = format!("cannot remove {}: {err}", file.path.display());
                        failed = Err(io::Error::new(err.kind(), message));
                    }
                    // Gone already is fine.
                    _ => {}
                }
            }
            false
        });
        failed
    }

    /// Removes the store's folder and everything in it now, for a server stopping while
    /// background work may still hold the store (which would keep it from being dropped).
    pub fn remove(&self) {
        self.lock().clear();
        let _ = std::fs::remove_dir_all(self.dir.path());
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Made>> {
        self.made.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Compresses `body` into two temporary files of the store, gzip and brotli, reading it
    /// once.
    fn make(&self, body: &Payload, pause: &dyn Fn()) -> io::Result<(NamedTempFile, NamedTempFile)> {
        let gzip_file = NamedTempFile::new_in(self.dir.path())?;
        let mut br_file = NamedTempFile::new_in(self.dir.path())?;
        let gzip = flate2::write::GzEncoder::new(
            BufWriter::with_capacity(SLICE, gzip_file),
            flate2::Compression::default(),
        );
        let mut source = Tee {
            from: source(body)?,
            gzip,
            read: 0,
            since_pause: 0,
            pause,
        };
        let params = brotli::enc::BrotliEncoderParams {
            quality: BROTLI_QUALITY,
            lgwin: window_bits(body.len()),
            size_hint: usize::try_from(body.len()).unwrap_or(usize::MAX),
            ..Default::default()
        };
        {
            let mut out = BufWriter::with_capacity(SLICE, br_file.as_file_mut());
            // `BrotliCompress` returns every read and write error; the `CompressorWriter` used
            // before drops those of its last write when finishing.
            brotli::BrotliCompress(&mut source, &mut out, &params)?;
            out.flush()?;
        }
        if source.read != body.len() {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("{} bytes read of a body of {}", source.read, body.len()),
            ));
        }
        let gzip_file = source
            .gzip
            .finish()?
            .into_inner()
            .map_err(io::IntoInnerError::into_error)?;
        Ok((gzip_file, br_file))
    }
}

/// Removes the store folders in `parent` whose lock nobody holds: their servers were killed
/// before they could remove them. A folder without a lock file is left alone (a store being
/// made at this very moment has none yet). Best effort: what cannot be removed stays.
fn remove_abandoned(parent: &Path) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let ours = entry.file_name().to_string_lossy().starts_with(PREFIX);
        // The entry's own type: a link named like a store is not followed.
        if !ours || !entry.file_type().is_ok_and(|kind| kind.is_dir()) {
            continue;
        }
        let lock = entry.path().join(LOCK);
        if !fs::symlink_metadata(&lock).is_ok_and(|metadata| metadata.is_file()) {
            continue;
        }
        if File::open(&lock).is_ok_and(|file| file.try_lock().is_ok()) {
            // Removes links inside, never what they point at.
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// A body as a reader: the file, checked to be the one the resource was made from, the parts
/// of a patched calendar, or the bytes in memory.
fn source(body: &Payload) -> io::Result<Box<dyn Read + '_>> {
    match body {
        Payload::Whole(bytes) => Ok(Box::new(&bytes[..])),
        Payload::Parts(parts) => Ok(Box::new(BufReader::with_capacity(SLICE, parts.reader()))),
        Payload::File(on_disk) => {
            let file = File::open(&on_disk.path)?;
            on_disk.check(&file.metadata()?)?;
            Ok(Box::new(BufReader::with_capacity(
                SLICE,
                file.take(on_disk.len),
            )))
        }
    }
}

/// The body as brotli reads it, written on to the gzip encoder as it goes by, so both are made
/// in one pass; pauses every [`SLICE`] bytes.
struct Tee<'a, R> {
    from: R,
    gzip: flate2::write::GzEncoder<BufWriter<NamedTempFile>>,
    read: u64,
    since_pause: usize,
    pause: &'a dyn Fn(),
}

impl<R: Read> Read for Tee<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.since_pause >= SLICE {
            (self.pause)();
            self.since_pause = 0;
        }
        let n = self.from.read(buf)?;
        self.gzip.write_all(&buf[..n])?;
        self.read += n as u64;
        self.since_pause += n;
        Ok(n)
    }
}

/// The largest brotli window used: 4 MiB. The outputs repeat themselves locally (one event's
/// markup after another's), so a larger window finds nothing more: on a calendar of 55 MB a
/// 16 MiB window (24 bits) made the output 0.1% larger, not smaller, took twice as long, and
/// the process compressing it peaked at 134 MB of memory instead of 58 MB.
const MAX_WINDOW_BITS: i32 = 22;

/// The smallest brotli window that holds the whole body (RFC 7932 9.1: a window of 2^bits - 16
/// bytes, 10 to 24 bits), at most [`MAX_WINDOW_BITS`]. The encoder's memory, which it clears for
/// every body, grows with the window, so a small feed compressed with the largest one would
/// cost mostly that.
fn window_bits(len: u64) -> i32 {
    (10..MAX_WINDOW_BITS)
        .find(|bits| (1u64 << bits) - 16 >= len)
        .unwrap_or(MAX_WINDOW_BITS)
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::io::Read as _;

    use bytes::Bytes;
    use chrono::DateTime;

    use super::*;
    use crate::render::Format;
    use crate::serve::state::{digest, Payload};

    fn text(seed: u64, bytes: usize) -> Vec<u8> {
        let mut rng = fastrand::Rng::with_seed(seed);
        let words = [
            "event", "tariff", "feed", "calendar", "2025", "<item>", "</item>",
        ];
        let mut out = Vec::with_capacity(bytes);
        while out.len() < bytes {
            out.extend_from_slice(words[rng.usize(..words.len())].as_bytes());
            out.push(b' ');
        }
        out
    }

    /// A resource whose body is a file written in `dir`.
    fn on_disk(dir: &Path, name: &str, body: &[u8]) -> Resource {
        let path = dir.join(name);
        std::fs::write(&path, body).unwrap();
        Resource::from_file(
            Format::Rss,
            path,
            body.len() as u64,
            digest(body),
            DateTime::UNIX_EPOCH,
        )
        .unwrap()
    }

    /// The names of the variant files in the store, sorted.
    fn files(store: &Store) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(store.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name != LOCK)
            .collect();
        names.sort();
        names
    }

    fn gunzip(payload: &Payload) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&payload.to_bytes()[..])
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    fn unbrotli(payload: &Payload) -> Vec<u8> {
        let mut out = Vec::new();
        brotli::Decompressor::new(&payload.to_bytes()[..], 4096)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn variants_of_a_file_are_files_of_the_store_named_by_the_hash() {
        let out = tempfile::tempdir().unwrap();
        let store = Store::new().unwrap();
        // Several slices, and a body in one.
        for (name, body) in [
            ("big.xml", text(1, 5 * SLICE + 17)),
            ("small.xml", text(2, 300)),
        ] {
            let resource = on_disk(out.path(), name, &body);
            let pauses = Cell::new(0);
            let compressed = store
                .compress(&resource, &|| pauses.set(pauses.get() + 1))
                .unwrap();
            assert!(compressed.compressed);
            assert_eq!(pauses.get(), body.len().div_ceil(SLICE) - 1, "{name}");
            let hash = resource.hash().unwrap();
            let gzip = compressed.gzip.as_ref().expect("smaller");
            let br = compressed.br.as_ref().expect("smaller");
            let Payload::File(gzip_file) = &gzip.body else {
                panic!("a file")
            };
            let Payload::File(br_file) = &br.body else {
                panic!("a file")
            };
            assert_eq!(gzip_file.path, store.path().join(format!("{hash}.gz")));
            assert_eq!(br_file.path, store.path().join(format!("{hash}.br")));
            assert_eq!(gzip.etag, format!("\"{hash}-gzip\""));
            assert_eq!(br.etag, format!("\"{hash}-br\""));
            assert_eq!(gunzip(&gzip.body), body, "{name}");
            assert_eq!(unbrotli(&br.body), body, "{name}");
        }
        // Nothing but the variants: no temporary file is left, nothing in the output folder.
        assert_eq!(files(&store).len(), 4);
        assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 2);
    }

    #[test]
    fn a_body_is_compressed_once_per_hash() {
        let out = tempfile::tempdir().unwrap();
        let store = Store::new().unwrap();
        let body = text(3, 2 * SLICE);
        let first = on_disk(out.path(), "a.xml", &body);
        let made = store.compress(&first, &|| {}).unwrap();
        // The same bytes at another path, or again after an edit was undone: nothing is read.
        let second = on_disk(out.path(), "b.xml", &body);
        std::fs::remove_file(out.path().join("b.xml")).unwrap();
        let reused = store
            .compress(&second, &|| panic!("compressed again"))
            .unwrap();
        assert_eq!(
            reused.gzip.as_ref().unwrap().body.len(),
            made.gzip.as_ref().unwrap().body.len()
        );
        assert!(matches!(
            (&reused.br.as_ref().unwrap().body, &made.br.as_ref().unwrap().body),
            (Payload::File(a), Payload::File(b)) if a == b
        ));
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn variants_that_are_not_smaller_are_not_kept() {
        let store = Store::new().unwrap();
        let body = b"x";
        let resource = Resource::identity(
            Format::Rss,
            Payload::Whole(Bytes::from_static(body)),
            &crate::serve::state::body_hash(body),
            DateTime::UNIX_EPOCH,
        );
        let compressed = store.compress(&resource, &|| {}).unwrap();
        assert!(compressed.compressed);
        assert!(compressed.gzip.is_none() && compressed.br.is_none());
        assert_eq!(files(&store), Vec::<String>::new());
        assert_eq!(store.len(), 1, "not smaller is remembered too");
    }

    #[test]
    fn a_body_in_memory_is_compressed_whole() {
        let store = Store::new().unwrap();
        let body = text(6, 3 * SLICE);
        let resource = Resource::identity(
            Format::Ical,
            Payload::Whole(Bytes::from(body.clone())),
            &crate::serve::state::body_hash(&body),
            DateTime::UNIX_EPOCH,
        );
        let compressed = store.compress(&resource, &|| {}).unwrap();
        assert_eq!(gunzip(&compressed.gzip.unwrap().body), body);
        assert_eq!(unbrotli(&compressed.br.unwrap().body), body);
    }

    #[test]
    fn a_file_replaced_since_is_not_compressed_under_the_old_hash() {
        let out = tempfile::tempdir().unwrap();
        let store = Store::new().unwrap();
        let resource = on_disk(out.path(), "a.xml", &text(4, 5000));
        let newer = out.path().join("new");
        std::fs::write(&newer, text(5, 5000)).unwrap();
        std::fs::rename(&newer, out.path().join("a.xml")).unwrap();
        assert!(store.compress(&resource, &|| {}).is_err());
        assert!(store.is_empty());
        assert_eq!(files(&store), Vec::<String>::new());
    }

    #[test]
    fn retain_removes_the_files_of_the_hashes_refused() {
        let store = Store::new().unwrap();
        let mut hashes = Vec::new();
        for seed in 0..3 {
            let body = text(seed, 4000);
            let hash = crate::serve::state::body_hash(&body);
            let resource = Resource::identity(
                Format::Rss,
                Payload::Whole(Bytes::from(body)),
                &hash,
                DateTime::UNIX_EPOCH,
            );
            store.compress(&resource, &|| {}).unwrap();
            hashes.push(hash);
        }
        assert_eq!(files(&store).len(), 6);
        store.retain(|hash| hash == hashes[1]).unwrap();
        assert_eq!(
            files(&store),
            [format!("{}.br", hashes[1]), format!("{}.gz", hashes[1])]
        );
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn folders_left_by_killed_servers_are_removed_and_live_ones_kept() {
        let parent = tempfile::tempdir().unwrap();
        let live = Store::new_in(parent.path()).unwrap();
        // A killed server's: its lock file is there, and nobody holds it.
        let abandoned = parent.path().join(format!("{PREFIX}killed"));
        std::fs::create_dir(&abandoned).unwrap();
        std::fs::write(abandoned.join(LOCK), "").unwrap();
        std::fs::write(abandoned.join("0123.gz"), "variant").unwrap();
        // Being made right now (no lock file yet), and someone else's folder.
        let new = parent.path().join(format!("{PREFIX}new"));
        std::fs::create_dir(&new).unwrap();
        let other = parent.path().join("other");
        std::fs::create_dir(&other).unwrap();
        std::fs::write(other.join(LOCK), "").unwrap();
        let next = Store::new_in(parent.path()).unwrap();
        assert!(!abandoned.exists());
        for kept in [live.path(), next.path(), &new, &other] {
            assert!(kept.is_dir(), "{}", kept.display());
        }
        // A store removes its folder, lock and all, when it goes.
        let path = next.path().to_path_buf();
        drop(next);
        assert!(!path.exists());
    }

    #[test]
    fn window_bits_hold_the_body() {
        for (len, bits) in [
            (0, 10),
            (1008, 10),
            (1009, 11),
            (1 << 20, 21),
            ((1 << 21) - 16, 21),
            ((1 << 21) - 15, 22),
            (u64::MAX, 22),
        ] {
            assert_eq!(window_bits(len), bits, "{len}");
        }
    }
}
