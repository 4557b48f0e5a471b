//! `chronicle build`: check, then write every output into the output folder.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context};
use rayon::prelude::*;

use crate::cli::BuildArgs;
use crate::render::{self, Format, Output, Site, View};
use crate::write::{update_manifest, write_atomically, AtomicFile};

pub fn run(args: &BuildArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    refuse_to_overwrite_collection(&args.events.events, &args.out)?;
    let Some(collection) = super::checked_collection(&args.events.events, args.quiet)? else {
        return Ok(super::invalid());
    };
    let site = Site::new(
        &collection,
        &collection.settings.base_url,
        super::source_date_epoch()?,
    );
    let outputs = render::outputs(&collection);
    // Calendars hold every event of their view: they are written together, each event rendered
    // once for all of them, while the feeds (a few entries each) are written alongside.
    let (calendars, others): (Vec<&Output>, Vec<&Output>) =
        outputs.iter().partition(|o| o.format == Format::Ical);
    let (written, calendars_written) = rayon::join(
        || {
            others.par_iter().try_for_each(|output| {
                write_atomically(&args.out.join(&output.path), |w| {
                    render::render(&site, output, w)
                })
            })
        },
        || write_calendars(&site, &calendars, &args.out),
    );
    written?;
    calendars_written?;
    let written: Vec<String> = outputs.iter().map(|o| o.path.clone()).collect();
    update_manifest(&args.out, &written)?;
    if !args.quiet {
        eprintln!(
            "built {} events into {} files in {} in {:.0?}",
            collection.events.len(),
            outputs.len(),
            args.out.display(),
            started.elapsed()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// How many calendars are written side by side (each holds an open file).
const CALENDARS_AT_ONCE: usize = 64;

/// Writes the calendars in groups, each group in one pass over the events.
fn write_calendars(site: &Site, calendars: &[&Output], out: &Path) -> anyhow::Result<()> {
    for group in calendars.chunks(CALENDARS_AT_ONCE) {
        let mut files = group
            .iter()
            .map(|output| AtomicFile::create(&out.join(&output.path)))
            .collect::<Result<Vec<_>, _>>()?;
        let views: Vec<&View> = group.iter().map(|o| o.view.as_ref()).collect();
        let mut writers: Vec<&mut (dyn Write + Send)> = files
            .iter_mut()
            .map(|f| f.writer() as &mut (dyn Write + Send))
            .collect();
        render::ical::render_icals(site, &views, &mut writers)
            .with_context(|| format!("cannot write the calendars from {}", group[0].path))?;
        for file in files {
            file.commit()?;
        }
    }
    Ok(())
}

/// The output folder must not be, or lie inside, the collection: outputs would be mixed with
/// the user's files (and a collection's own template could be replaced).
fn refuse_to_overwrite_collection(events: &Path, out: &Path) -> anyhow::Result<()> {
    let events = events
        .canonicalize()
        .with_context(|| format!("cannot read the collection in {}", events.display()))?;
    // The output folder may not exist yet: resolve its nearest existing ancestor.
    let absolute = std::path::absolute(out)?;
    let existing = absolute
        .ancestors()
        .find(|p| p.exists())
        .unwrap_or(Path::new("/"));
    let resolved = existing
        .canonicalize()?
        .join(absolute.strip_prefix(existing)?);
    if resolved.starts_with(&events) {
        bail!(
            "the output folder {} is inside the collection {}; choose another --out",
            out.display(),
            events.display()
        );
    }
    Ok(())
}
