//! `chronicle build`: check, then write every output into the output folder.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use crate::cli::BuildArgs;
use crate::render::{self, Format, Output, Site, View};
use crate::write::{update_manifest, write_atomically, AtomicFile};

pub fn run(args: &BuildArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    refuse_to_overwrite_collection(&args.events.events, &args.out)?;
    let progress = progress_bar(args.quiet);
    progress.set_message(format!("checking {}", args.events.events.display()));
    let checked = crate::check::check_collection(&args.events.events).with_context(|| {
        format!(
            "cannot read the collection in {}",
            args.events.events.display()
        )
    })?;
    let Some(collection) = progress.suspend(|| super::report(checked, args.quiet)) else {
        progress.finish_and_clear();
        return Ok(super::invalid());
    };
    progress.set_message(format!(
        "rendering {} event bodies",
        collection.events.len()
    ));
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
    let calendar_passes = calendars.len().div_ceil(CALENDARS_AT_ONCE);
    progress.set_length((others.len() + calendar_passes * collection.events.len()) as u64);
    progress.set_style(bar_style());
    progress.set_message("writing");
    let (written, calendars_written) = rayon::join(
        || {
            others.par_iter().try_for_each(|output| {
                write_atomically(&args.out.join(&output.path), |w| {
                    render::render(&site, output, w)
                })?;
                progress.inc(1);
                anyhow::Ok(())
            })
        },
        || write_calendars(&site, &calendars, &args.out, &|n| progress.inc(n as u64)),
    );
    written?;
    calendars_written?;
    let written: Vec<String> = outputs.iter().map(|o| o.path.clone()).collect();
    update_manifest(&args.out, &written)?;
    progress.finish_and_clear();
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

/// A progress bar on stderr, drawn only when stderr is a terminal and `--quiet` is not given
/// (a log file or a pipe gets the one-line summary alone). It starts as a spinner: the length
/// of the work is known once the collection is checked.
fn progress_bar(quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} {elapsed}")
            .expect("the spinner template is valid"),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

fn bar_style() -> ProgressStyle {
    ProgressStyle::with_template("{msg} [{bar:40}] {percent:>3}% {elapsed} (eta {eta})")
        .expect("the bar template is valid")
        .progress_chars("=> ")
}

/// How many calendars are written side by side (each holds an open file).
const CALENDARS_AT_ONCE: usize = 64;

/// Writes the calendars in groups, each group in one pass over the events; `progress` is told
/// how many events each batch wrote.
fn write_calendars(
    site: &Site,
    calendars: &[&Output],
    out: &Path,
    progress: &(dyn Fn(usize) + Sync),
) -> anyhow::Result<()> {
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
        render::ical::render_icals(site, &views, &mut writers, progress)
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
