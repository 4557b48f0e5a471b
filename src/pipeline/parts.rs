//! A document kept as parts: byte ranges of open files and of buffers that, one after the
//! other, are its bytes. `serve` keeps a calendar it rebuilt this way: the VEVENTs of unchanged
//! events stay where the calendar before holds them (in its file, held open, so a file renamed
//! over it later does not change them), and only the changed ones are new bytes in memory. An
//! edit to a calendar of hundreds of megabytes then costs the VEVENTs it changed, not a copy of
//! the whole file; the whole file is written later, when the edits stop (see
//! `serve::rebuild::Builder::settle`).
//!
//! Written by hand: a rope of file ranges read with positioned reads is a few dozen lines, and
//! the rope crates hold text in memory, not ranges of files.

use std::fs::File;
use std::io::{self, Read};
use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;

/// A document as parts. Cheap to share: the parts are behind an `Arc`.
#[derive(Debug, Clone)]
pub struct Parts {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    segments: Vec<Segment>,
    /// Where each segment starts in the document.
    starts: Vec<u64>,
    len: u64,
}

/// A range of a source.
#[derive(Debug, Clone)]
struct Segment {
    source: Source,
    range: Range<u64>,
}

#[derive(Debug, Clone)]
enum Source {
    File(Arc<File>),
    Memory(Bytes),
}

impl Source {
    fn same(&self, other: &Source) -> bool {
        match (self, other) {
            (Source::File(a), Source::File(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl Parts {
    /// The whole of `file`, which is `len` bytes long.
    pub fn whole_file(file: File, len: u64) -> Parts {
        let mut builder = PartsBuilder::default();
        builder.push(Source::File(Arc::new(file)), 0..len);
        builder.finish()
    }

    /// The length in bytes.
    pub fn len(&self) -> u64 {
        self.inner.len
    }

    pub fn is_empty(&self) -> bool {
        self.inner.len == 0
    }

    /// How many parts it has (contiguous ranges of one file count as one).
    pub fn segments(&self) -> usize {
        self.inner.segments.len()
    }

    /// How many of its bytes are held in memory.
    pub fn in_memory(&self) -> u64 {
        self.inner
            .segments
            .iter()
            .filter(|s| matches!(s.source, Source::Memory(_)))
            .map(|s| s.range.end - s.range.start)
            .sum()
    }

    /// Whether both are the same parts (not merely the same bytes).
    pub fn ptr_eq(&self, other: &Parts) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// Reads into `buf` from `offset` on, from one part: fewer bytes than `buf` holds when the
    /// part ends first; 0 at the end. A file that ends before its range does is an error.
    pub fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        let inner = &self.inner;
        if offset >= inner.len || buf.is_empty() {
            return Ok(0);
        }
        let at = inner.starts.partition_point(|&start| start <= offset) - 1;
        let segment = &inner.segments[at];
        let from = segment.range.start + (offset - inner.starts[at]);
        let want = (segment.range.end - from).min(buf.len() as u64) as usize;
        let buf = &mut buf[..want];
        match &segment.source {
            Source::Memory(bytes) => {
                buf.copy_from_slice(&bytes[from as usize..from as usize + want]);
            }
            Source::File(file) => read_exact_at(file, buf, from)?,
        }
        Ok(want)
    }

    /// The document from the start, as a reader.
    pub fn reader(&self) -> PartsReader {
        PartsReader {
            parts: self.clone(),
            at: 0,
        }
    }

    /// Appends the bytes at `range` of this document to `into`, as ranges of the same sources.
    pub fn slice_into(&self, range: Range<u64>, into: &mut PartsBuilder) {
        let inner = &self.inner;
        let range = range.start.min(inner.len)..range.end.min(inner.len);
        if range.is_empty() {
            return;
        }
        let first = inner.starts.partition_point(|&start| start <= range.start) - 1;
        for (segment, &start) in inner.segments[first..].iter().zip(&inner.starts[first..]) {
            if start >= range.end {
                break;
            }
            let seg_len = segment.range.end - segment.range.start;
            let from = range.start.saturating_sub(start);
            let to = (range.end - start).min(seg_len);
            into.push(
                segment.source.clone(),
                segment.range.start + from..segment.range.start + to,
            );
        }
    }
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(windows)]
fn read_exact_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
    while !buf.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(file, buf, offset)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

/// Parts put together in order.
#[derive(Debug, Default)]
pub struct PartsBuilder {
    segments: Vec<Segment>,
    len: u64,
}

impl PartsBuilder {
    /// Appends bytes held in memory.
    pub fn bytes(&mut self, bytes: impl Into<Bytes>) {
        let bytes: Bytes = bytes.into();
        let len = bytes.len() as u64;
        self.push(Source::Memory(bytes), 0..len);
    }

    /// Appends `range` of `source`; a range that goes on where the last one of the same file
    /// ended joins it.
    fn push(&mut self, source: Source, range: Range<u64>) {
        if range.is_empty() {
            return;
        }
        self.len += range.end - range.start;
        if let Some(last) = self.segments.last_mut() {
            if last.source.same(&source) && last.range.end == range.start {
                last.range.end = range.end;
                return;
            }
        }
        self.segments.push(Segment { source, range });
    }

    /// The length so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn finish(self) -> Parts {
        let mut at = 0;
        let starts = self
            .segments
            .iter()
            .map(|s| {
                let start = at;
                at += s.range.end - s.range.start;
                start
            })
            .collect();
        Parts {
            inner: Arc::new(Inner {
                segments: self.segments,
                starts,
                len: self.len,
            }),
        }
    }
}

/// [`Parts`] read from the start.
#[derive(Debug)]
pub struct PartsReader {
    parts: Parts,
    at: u64,
}

impl Read for PartsReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.parts.read_at(self.at, buf)?;
        self.at += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file_of(bytes: &[u8]) -> (tempfile::NamedTempFile, File) {
        let mut tmp = tempfile::NamedTempFile::new().unwrap();
        tmp.write_all(bytes).unwrap();
        let file = File::open(tmp.path()).unwrap();
        (tmp, file)
    }

    fn read_all(parts: &Parts) -> Vec<u8> {
        let mut out = Vec::new();
        parts.reader().read_to_end(&mut out).unwrap();
        out
    }

    #[test]
    fn slices_of_files_and_buffers_read_as_one_document() {
        let (_tmp, file) = file_of(b"0123456789");
        let whole = Parts::whole_file(file, 10);
        assert_eq!(read_all(&whole), b"0123456789");
        let mut builder = PartsBuilder::default();
        builder.bytes(&b"<"[..]);
        whole.slice_into(2..4, &mut builder);
        // Goes on where the last range ended: joined to it.
        whole.slice_into(4..6, &mut builder);
        builder.bytes(&b"new"[..]);
        whole.slice_into(8..20, &mut builder);
        let patched = builder.finish();
        assert_eq!(read_all(&patched), b"<2345new89");
        assert_eq!(patched.len(), 10);
        assert_eq!(patched.segments(), 4);
        assert_eq!(patched.in_memory(), 4);
        // Sliced again: ranges across segments.
        let mut again = PartsBuilder::default();
        patched.slice_into(3..8, &mut again);
        assert_eq!(read_all(&again.finish()), b"45new");
    }

    #[test]
    fn a_file_renamed_over_leaves_the_parts_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("calendar.ics");
        std::fs::write(&path, b"old bytes").unwrap();
        let parts = Parts::whole_file(File::open(&path).unwrap(), 9);
        let new = dir.path().join("new");
        std::fs::write(&new, b"NEW BYTES").unwrap();
        std::fs::rename(&new, &path).unwrap();
        assert_eq!(read_all(&parts), b"old bytes");
    }

    #[test]
    fn a_file_shorter_than_its_range_is_an_error() {
        let (_tmp, file) = file_of(b"abc");
        let parts = Parts::whole_file(file, 10);
        let mut out = Vec::new();
        assert!(parts.reader().read_to_end(&mut out).is_err());
    }

    #[test]
    fn reads_past_the_end_give_nothing() {
        let mut builder = PartsBuilder::default();
        builder.bytes(&b"ab"[..]);
        let parts = builder.finish();
        let mut buf = [0; 4];
        assert_eq!(parts.read_at(2, &mut buf).unwrap(), 0);
        assert_eq!(parts.read_at(9, &mut buf).unwrap(), 0);
        assert_eq!(parts.read_at(1, &mut buf).unwrap(), 1);
        assert_eq!(buf[0], b'b');
    }
}
