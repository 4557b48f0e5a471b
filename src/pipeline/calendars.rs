//! The calendars of a build: written in groups, each group in one pass over the events, every
//! event's VEVENT rendered once for all the calendars holding it; or, after an edit, patched:
//! the calendar before, as [`Parts`], with the VEVENTs of the changed events rendered and those
//! of the others taken from where they lie (a collection's calendar of 100,000 events is
//! hundreds of megabytes, of which an edit changes one VEVENT).

use std::io::{self, Write};
use std::ops::Range;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::parts::{Parts, PartsBuilder};
use super::plan::EventKey;
use crate::render::ical::{self, CalendarLayout};
use crate::render::{Output, RenderError, Site, View};
use crate::write::{Stage, WriteError};

/// How many calendars are written side by side (each holds an open file).
pub(super) const AT_ONCE: usize = 64;

/// Each calendar's write buffer: with one per tag held at once, 64 KiB rather than the
/// 256 KiB of a file written alone.
const BUFFER: usize = 64 * 1024;

/// Where the parts of each calendar lie, by output path.
pub type Layouts = FxHashMap<String, CalendarLayout>;

/// The build before, as far as its calendars go.
#[derive(Debug)]
pub struct Previous<'p> {
    /// Its outputs.
    pub outputs: &'p [Output],
    /// Its events' keys, and those of this build's events (see [`EventKey`]).
    pub keys: &'p [EventKey],
    pub now_keys: &'p [EventKey],
    /// Where the parts of its calendars lie, by path.
    pub layouts: &'p Layouts,
    /// When no event moved since (each kept its place in every view), the indices of the
    /// events that changed: a calendar with the same view as before then takes every other
    /// VEVENT from its place, with no lookup by key.
    pub edited: Option<&'p [usize]>,
}

/// Writes `calendars` into `stage`; `progress` is told how many events each pass wrote.
pub(super) fn write(
    site: &Site,
    calendars: &[&Output],
    stage: &Stage,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Layouts, WriteError> {
    let mut layouts = Layouts::default();
    for group in calendars.chunks(AT_ONCE) {
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

/// Writes `parts` (a calendar patched before) into `stage` as the file at `path`.
pub fn write_parts(stage: &Stage, path: &str, parts: &Parts) -> Result<(), WriteError> {
    let mut file = stage.file(path, BUFFER)?;
    copy(parts, 0..parts.len(), file.writer()).map_err(|source| WriteError {
        path: stage.destination(path),
        source,
    })?;
    file.finish()
}

/// Copies `range` of `parts` into `w`, a megabyte at a time (`io::copy` into a writer it cannot
/// see through uses 8 KiB, and a collection's calendar is hundreds of megabytes).
fn copy(parts: &Parts, range: Range<u64>, w: &mut dyn Write) -> io::Result<()> {
    const CHUNK: usize = 1024 * 1024;
    let mut buffer = vec![0; CHUNK.min((range.end - range.start) as usize)];
    let mut at = range.start;
    while at < range.end {
        let want = CHUNK.min((range.end - at) as usize);
        let n = parts.read_at(at, &mut buffer[..want])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "a patched calendar ended before its length",
            ));
        }
        w.write_all(&buffer[..n])?;
        at += n as u64;
    }
    w.flush()
}

/// The calendar of `output` as parts: `earlier` (its calendar in the build before, laid out as
/// `previous` says) with the VEVENTs of unchanged events taken from it and the others rendered,
/// and its new layout. `None` when the build before had no such calendar, or `earlier` is not
/// the calendar its layout describes: the calendar is then written afresh.
pub fn patch(
    site: &Site,
    output: &Output,
    previous: &Previous,
    earlier: &Parts,
) -> Result<Option<(Parts, CalendarLayout)>, RenderError> {
    let Some(before) = Earlier::find(previous, output, earlier) else {
        return Ok(None);
    };
    let header = ical::header_bytes(site, &output.view)?;
    let mut layout = CalendarLayout::new(&header)?;
    layout.events.reserve(output.view.events.len());
    let mut parts = PartsBuilder::default();
    parts.bytes(header);
    // The run of the calendar before still to be taken.
    let mut run: Option<Range<u64>> = None;
    for (position, &index) in output.view.events.iter().enumerate() {
        match before.part(position, index) {
            Some((range, hash)) => {
                layout.push((range.end - range.start) as usize, hash)?;
                run = match run {
                    Some(r) if r.end == range.start => Some(r.start..range.end),
                    Some(r) => {
                        earlier.slice_into(r, &mut parts);
                        Some(range)
                    }
                    None => Some(range),
                };
            }
            None => {
                if let Some(r) = run.take() {
                    earlier.slice_into(r, &mut parts);
                }
                let bytes = ical::event_bytes(site, index)?;
                layout.push(bytes.len(), ical::part_hash(&bytes))?;
                parts.bytes(bytes);
            }
        }
    }
    if let Some(r) = run {
        earlier.slice_into(r, &mut parts);
    }
    parts.bytes(ical::FOOTER);
    Ok(Some((parts.finish(), layout)))
}

/// A calendar of the build before: where each of its VEVENTs lies, and its hash.
enum Earlier<'p> {
    /// By the key of its event.
    ByKey {
        by_key: FxHashMap<EventKey, (Range<u64>, u64)>,
        /// This build's events' keys.
        now_keys: &'p [EventKey],
    },
    /// By its place: the calendar shows the same view as before, and only the events at
    /// `edited` changed.
    ByPosition {
        parts: Vec<(Range<u64>, u64)>,
        edited: &'p [usize],
    },
}

impl<'p> Earlier<'p> {
    /// The calendar the build before made for `output`, if `earlier` is it (its length is the
    /// layout's).
    fn find(previous: &Previous<'p>, output: &Output, earlier: &Parts) -> Option<Earlier<'p>> {
        let layout = previous.layouts.get(&output.path)?;
        let before = previous.outputs.iter().find(|o| o.path == output.path)?;
        if before.view.events.len() != layout.events.len() || earlier.len() != layout.file_len() {
            return None;
        }
        let hashes = (0..layout.events.len())
            .map(|position| layout.part(position).map_or(0, |(_, hash)| hash));
        if let Some(edited) = previous
            .edited
            .filter(|_| Arc::ptr_eq(&before.view, &output.view))
        {
            return Some(Earlier::ByPosition {
                parts: layout.ranges().zip(hashes).collect(),
                edited,
            });
        }
        let by_key = before
            .view
            .events
            .iter()
            .zip(layout.ranges())
            .enumerate()
            .map(|(position, (&index, range))| {
                let hash = layout.part(position).map_or(0, |(_, hash)| hash);
                (previous.keys[index], (range, hash))
            })
            .collect();
        Some(Earlier::ByKey {
            by_key,
            now_keys: previous.now_keys,
        })
    }

    /// Where the VEVENT of this build's event at `index` (at `position` in the calendar) lies
    /// in the calendar before, and its hash, if the event is unchanged.
    fn part(&self, position: usize, index: usize) -> Option<(Range<u64>, u64)> {
        match self {
            Earlier::ByKey { by_key, now_keys } => by_key.get(now_keys.get(index)?).cloned(),
            Earlier::ByPosition { parts, edited } => {
                (!edited.contains(&index)).then(|| parts.get(position).cloned())?
            }
        }
    }
}
