//! The calendars of a build: written in groups, each group in one pass over the events, every
//! event's VEVENT rendered once for all the calendars holding it; or, when the build before in
//! the same folder wrote the calendar, with the VEVENTs of unchanged events copied from its
//! file (a collection's calendar of 100,000 events is hundreds of megabytes, of which an edit
//! changes one VEVENT).

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::Path;

use rustc_hash::FxHashMap;

use super::plan::EventKey;
use crate::render::ical::{self, CalendarLayout};
use crate::render::{Output, Site, View};
use crate::write::{Stage, WriteError};

/// How many calendars are written side by side (each holds an open file).
pub(super) const AT_ONCE: usize = 64;

/// Each calendar's write buffer: with one per tag held at once, 64 KiB rather than the
/// 256 KiB of a file written alone.
const BUFFER: usize = 64 * 1024;

/// Where the parts of each calendar lie, by output path.
pub type Layouts = FxHashMap<String, CalendarLayout>;

/// The build before in the same folder, as far as its calendars go.
#[derive(Debug)]
pub struct Previous<'p> {
    /// Its outputs.
    pub outputs: &'p [Output],
    /// Its events' keys, and those of this build's events (see [`EventKey`]).
    pub keys: &'p [EventKey],
    pub now_keys: &'p [EventKey],
    /// Where the parts of its calendars lie, by path.
    pub layouts: &'p Layouts,
}

/// Writes `calendars` into `stage`; `progress` is told how many events each pass wrote.
pub(super) fn write(
    site: &Site,
    calendars: &[&Output],
    stage: &Stage,
    previous: Option<&Previous>,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Layouts, WriteError> {
    let mut layouts = Layouts::default();
    let mut fresh = Vec::new();
    for &output in calendars {
        match previous.and_then(|p| Earlier::find(p, output, stage)) {
            Some(earlier) => {
                let layout = write_copying(site, output, &earlier, stage)?;
                layouts.insert(output.path.clone(), layout);
            }
            None => fresh.push(output),
        }
    }
    for group in fresh.chunks(AT_ONCE) {
        let mut files = group
            .iter()
            .map(|output| stage.file(&output.path, BUFFER))
            .collect::<Result<Vec<_>, _>>()?;
        let views: Vec<&View> = group.iter().map(|o| o.view.as_ref()).collect();
        let mut writers: Vec<&mut (dyn Write + Send)> = files
            .iter_mut()
            .map(|f| f.writer() as &mut (dyn Write + Send))
            .collect();
        let written =
            ical::render_icals(site, &views, &mut writers, progress).map_err(|source| {
                WriteError {
                    path: stage.destination(&group[0].path),
                    source: source.into(),
                }
            })?;
        for file in files {
            file.finish()?;
        }
        layouts.extend(group.iter().map(|o| o.path.clone()).zip(written));
    }
    Ok(layouts)
}

/// A calendar's file as the build before wrote it, and where each of its VEVENTs lies, by the
/// key of its event.
struct Earlier<'p> {
    file: File,
    by_key: FxHashMap<EventKey, Range<u64>>,
    /// This build's events' keys.
    now_keys: &'p [EventKey],
}

impl<'p> Earlier<'p> {
    /// The file the build before wrote for `output`, if it is still the one it wrote (its
    /// length is the layout's: another program may have written the folder meanwhile).
    fn find(previous: &Previous<'p>, output: &Output, stage: &Stage) -> Option<Earlier<'p>> {
        let layout = previous.layouts.get(&output.path)?;
        let before = previous.outputs.iter().find(|o| o.path == output.path)?;
        if before.view.events.len() != layout.events.len() {
            return None;
        }
        let file = open_regular(&stage.destination(&output.path)).ok()?;
        if file.metadata().ok()?.len() != layout.file_len() {
            return None;
        }
        let by_key = before
            .view
            .events
            .iter()
            .zip(layout.ranges())
            .map(|(&index, range)| (previous.keys[index], range))
            .collect();
        Some(Earlier {
            file,
            by_key,
            now_keys: previous.now_keys,
        })
    }
}

/// Opens a regular file, never following a link (the folder is chronicle's, but a link planted
/// there must not lead a copy elsewhere).
fn open_regular(path: &Path) -> io::Result<File> {
    let meta = std::fs::symlink_metadata(path)?;
    if !meta.is_file() {
        return Err(io::Error::other("not a regular file"));
    }
    File::open(path)
}

/// Writes `output`'s calendar, each VEVENT copied from `earlier` when its event's key is
/// there, rendered otherwise. Runs of VEVENTs that follow each other in both files are copied
/// as one.
fn write_copying(
    site: &Site,
    output: &Output,
    earlier: &Earlier<'_>,
    stage: &Stage,
) -> Result<CalendarLayout, WriteError> {
    let destination = || stage.destination(&output.path);
    let fail = |source| WriteError {
        path: destination(),
        source,
    };
    let mut file = stage.file(&output.path, BUFFER)?;
    let w = file.writer();
    let header = ical::header_bytes(site, &output.view).map_err(|err| fail(err.into()))?;
    w.write_all(&header).map_err(fail)?;
    let mut layout = CalendarLayout {
        header: part_len(header.len()).map_err(fail)?,
        events: Vec::with_capacity(output.view.events.len()),
    };
    let mut source = &earlier.file;
    // The run of the earlier file still to be copied.
    let mut run: Option<Range<u64>> = None;
    for &index in &output.view.events {
        match earlier.range(index) {
            Some(range) => {
                layout
                    .events
                    .push(part_len((range.end - range.start) as usize).map_err(fail)?);
                run = match run {
                    Some(r) if r.end == range.start => Some(r.start..range.end),
                    Some(r) => {
                        copy(&mut source, r, w).map_err(fail)?;
                        Some(range)
                    }
                    None => Some(range),
                };
            }
            None => {
                if let Some(r) = run.take() {
                    copy(&mut source, r, w).map_err(fail)?;
                }
                let bytes = ical::event_bytes(site, index).map_err(|err| fail(err.into()))?;
                w.write_all(&bytes).map_err(fail)?;
                layout.events.push(part_len(bytes.len()).map_err(fail)?);
            }
        }
    }
    if let Some(r) = run {
        copy(&mut source, r, w).map_err(fail)?;
    }
    ical::write_footer(w).map_err(|err| fail(err.into()))?;
    file.finish()?;
    Ok(layout)
}

impl Earlier<'_> {
    /// Where the VEVENT of this build's event at `index` lies in the earlier file, if the event
    /// is unchanged.
    fn range(&self, index: usize) -> Option<Range<u64>> {
        let key = self.now_keys.get(index)?;
        self.by_key.get(key).cloned()
    }
}

/// Copies `range` of `source` into `w`, through the writer (which digests what it writes), a
/// megabyte at a time: `io::copy` into a writer it cannot see through uses 8 KiB, and a
/// collection's calendar is copied whole after each edit.
fn copy(source: &mut &File, range: Range<u64>, w: &mut dyn Write) -> io::Result<()> {
    const CHUNK: u64 = 1024 * 1024;
    source.seek(SeekFrom::Start(range.start))?;
    let mut left = range.end - range.start;
    let mut buffer = vec![0; CHUNK.min(left) as usize];
    while left > 0 {
        let chunk = &mut buffer[..CHUNK.min(left) as usize];
        source.read_exact(chunk).map_err(|err| match err.kind() {
            io::ErrorKind::UnexpectedEof => io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the earlier calendar is shorter than its layout",
            ),
            _ => err,
        })?;
        w.write_all(chunk)?;
        left -= chunk.len() as u64;
    }
    Ok(())
}

fn part_len(len: usize) -> io::Result<u32> {
    u32::try_from(len).map_err(|_| io::Error::other("a calendar part over 4 GiB"))
}
