//! The one build: a checked collection -> every output (or a chosen part of them) written into
//! a [`Stage`] of an output folder. `build` drives it once into the folder it was given;
//! `serve` drives it into its own folder at start and again after each change, with the
//! outputs [`plan`] says changed.
//!
//! In: a [`Site`] (the collection, its links, "now") and the outputs to write, as
//! [`render::outputs`] lists them. Out: the files, staged; the caller commits the stage.
//! The outputs are written in parallel, grouped so that what several of them show is rendered
//! once (`jobs`): a year's events for its timeline page and the archive pages holding them,
//! and every event's VEVENT once for all the calendars of a batch.

mod calendars;
mod jobs;
mod pages;
pub mod parts;
pub mod plan;

use rayon::prelude::*;

use crate::render::page_layout::PageLayouts;
use crate::render::{self, Format, Output, Site};
use crate::write::{Stage, WriteError};

pub use self::calendars::{patch, write_parts, Layouts, Previous};
use self::jobs::jobs;
pub use self::pages::patch_page;

/// How much work writing `outputs` is, in the units [`write_outputs`] reports progress in:
/// one per output, and one per event per pass over the events for the calendars.
pub fn work(outputs: &[&Output], events: usize) -> u64 {
    let calendars = outputs.iter().filter(|o| o.format == Format::Ical).count();
    let others = outputs.len() - calendars;
    (others + calendars.div_ceil(calendars::AT_ONCE) * events) as u64
}

/// Where the parts of what a build wrote lie, for the next build to patch from.
#[derive(Debug, Default)]
pub struct WrittenLayouts {
    /// Each calendar's (see [`patch`]).
    pub calendars: Layouts,
    /// Each page's articles, when recorded (see [`patch_page`]).
    pub pages: PageLayouts,
}

/// Writes `outputs` of `site` into `stage`; `progress` is told of the work done as it goes
/// (see [`work`]). With `record_pages`, the timeline pages record where their articles lie, for
/// [`patch_page`]. Returns where the parts of each calendar and page written lie.
pub fn write_outputs(
    site: &Site,
    outputs: &[&Output],
    stage: &Stage,
    record_pages: bool,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<WrittenLayouts, WriteError> {
    // A calendar's readable name is its file again, linked once the calendar is written.
    let (readable, outputs): (Vec<&Output>, Vec<&Output>) = outputs
        .iter()
        .partition(|o| o.format == Format::ReadableIcal);
    // Calendars hold every event of their view: they are written together, each event rendered
    // once for all of them, while the feeds (a few entries each) are written alongside.
    let (calendars, others): (Vec<&Output>, Vec<&Output>) =
        outputs.iter().partition(|o| o.format == Format::Ical);
    let jobs = jobs(site, &others);
    let (recorded, calendars_written) = rayon::join(
        || {
            // One job at a time is handed out: a year's job is long, and rayon's adaptive
            // splitting would otherwise leave several in one thread's run while the other idles.
            jobs.par_iter()
                .with_max_len(1)
                .map(|job| {
                    let recorded = job.run(site, stage, record_pages)?;
                    progress(job.outputs());
                    Ok::<_, WriteError>(recorded)
                })
                .collect::<Result<Vec<_>, WriteError>>()
        },
        || calendars::write(site, &calendars, stage, &|n| progress(n as u64)),
    );
    let pages = recorded?.into_iter().flatten().collect();
    let calendars = calendars_written?;
    for output in readable {
        stage.link(&output.path, &output.view.path(Format::Ical))?;
        progress(1);
    }
    Ok(WrittenLayouts { calendars, pages })
}

/// Writes every output of `site` into `stage` and returns how many there are: a whole build.
pub fn write_all(
    site: &Site,
    stage: &Stage,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<usize, WriteError> {
    let outputs = render::outputs(site.collection);
    let all: Vec<&Output> = outputs.iter().collect();
    write_outputs(site, &all, stage, false, progress)?;
    Ok(all.len())
}
