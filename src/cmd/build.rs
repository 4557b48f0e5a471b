//! `chronicle build`: check, then write every output into the output folder.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use crate::cli::BuildArgs;
use crate::diag::Severity;
use crate::model::Collection;
use crate::published::{self, RecordError};
use crate::render::{self, Format, Output, Page, SharedHtml, Site, View};
use crate::terminal::escape_path;
use crate::write::Stage;

pub fn run(args: &BuildArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    refuse_nested_folders(&args.events.events, &args.out)?;
    let source_date_epoch = super::source_date_epoch()?;
    let progress = progress_bar(args.quiet);
    progress.set_message(format!("checking {}", escape_path(&args.events.events)));
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
    // Locked before the published ids are compared: a build that waits compares them with
    // what the build it waited for published.
    let stage = Stage::create(&args.out, || {
        if !args.quiet {
            progress.suspend(|| {
                eprintln!(
                    "waiting for another build into {} to finish",
                    escape_path(&args.out)
                );
            });
        }
    })?;
    if !progress.suspend(|| guard_published_ids(&collection, args))? {
        progress.finish_and_clear();
        return Ok(super::invalid());
    }
    progress.set_message(format!(
        "rendering {} event bodies",
        collection.events.len()
    ));
    let site = Site::new(
        &collection,
        &collection.settings.base_url,
        source_date_epoch,
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
    let jobs = jobs(&site, &others);
    let (written, calendars_written) = rayon::join(
        || {
            // One job at a time is handed out: a year's job is long, and rayon's adaptive
            // splitting would otherwise leave several in one thread's run while the other idles.
            jobs.par_iter().with_max_len(1).try_for_each(|job| {
                job.run(&site, &stage)?;
                progress.inc(job.outputs());
                anyhow::Ok(())
            })
        },
        || write_calendars(&site, &calendars, &stage, &|n| progress.inc(n as u64)),
    );
    written?;
    calendars_written?;
    published::stage_record(&stage, &collection)?;
    progress.set_message("putting the outputs in place");
    stage.commit()?;
    progress.finish_and_clear();
    if !args.quiet {
        eprintln!(
            "built {} events into {} files in {} in {:.0?}",
            collection.events.len(),
            outputs.len(),
            escape_path(&args.out),
            started.elapsed()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Compares the ids `collection` would publish with those the last build into the output
/// folder published (see [`published`]), and prints every change: as errors, and `false` is
/// returned, unless `--allow-id-change` makes them warnings (printed unless `--quiet`).
fn guard_published_ids(collection: &Collection, args: &BuildArgs) -> anyhow::Result<bool> {
    let record = match published::read_record(&args.out) {
        Ok(Some(record)) => record,
        Ok(None) => return Ok(true),
        Err(RecordError::Invalid(mut diagnostic)) => {
            if args.allow_id_change {
                // This build writes a new record.
                diagnostic.severity = Severity::Warning;
                if !args.quiet {
                    eprintln!("{diagnostic}");
                }
                return Ok(true);
            }
            eprintln!("{diagnostic}");
            return Ok(false);
        }
        Err(err) => return Err(err.into()),
    };
    let mut changes = published::id_changes(&record, collection, &args.events.events, &args.out);
    if changes.is_empty() {
        return Ok(true);
    }
    crate::diag::sort(&mut changes);
    if args.allow_id_change {
        for change in &mut changes {
            change.severity = Severity::Warning;
            if !args.quiet {
                eprintln!("{change}");
            }
        }
        return Ok(true);
    }
    for change in &changes {
        eprintln!("{change}");
    }
    eprintln!(
        "published ids would change; nothing was written to {}",
        escape_path(&args.out)
    );
    Ok(false)
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

/// A unit of the build's parallel work.
enum Job<'o> {
    One(&'o Output),
    /// An archive page whose entries fall mostly outside any year page's job.
    Archive(ArchivePage<'o>),
    /// A year's timeline page and the archive pages whose entries are mostly of that year.
    /// Entries are published close to when they happen, so an archive page (consecutive
    /// entries by publication) mostly falls in one year: its year's job renders each event's
    /// HTML once for the page and the archive. An entry of another year is rendered on its own.
    Year {
        page: &'o Output,
        archives: Vec<ArchivePage<'o>>,
    },
}

/// The RSS and Atom documents of an archive page, which hold the same entries.
struct ArchivePage<'o> {
    rss: &'o Output,
    atom: &'o Output,
    number: usize,
}

impl Job<'_> {
    /// How many outputs the job writes.
    fn outputs(&self) -> u64 {
        match self {
            Job::One(_) => 1,
            Job::Archive(_) => 2,
            Job::Year { archives, .. } => 1 + 2 * archives.len() as u64,
        }
    }

    fn run(&self, site: &Site, stage: &Stage) -> anyhow::Result<()> {
        match self {
            Job::One(output) => {
                stage.write(&output.path, |w| render::render(site, output, w))?;
            }
            // Its entries' HTML is rendered as the documents need it, once for both.
            Job::Archive(archive) => archive.write(site, &SharedHtml::default(), stage)?,
            Job::Year { page, archives } => {
                let Format::Html(kind) = page.format else {
                    unreachable!("a year job's page is a timeline page")
                };
                let mut shared = SharedHtml::render(site, &page.view.events);
                for archive in archives {
                    archive.write(site, &shared, stage)?;
                }
                // Last, as the page takes each event's HTML out of `shared` as it uses it.
                stage.write(&page.path, |w| {
                    render::html::render_page_with(site, &page.view, kind, Some(&mut shared), w)
                })?;
            }
        }
        Ok(())
    }
}

impl ArchivePage<'_> {
    /// Writes both documents, with the HTML of the entries `shared` holds taken from it.
    fn write(&self, site: &Site, shared: &SharedHtml, stage: &Stage) -> anyhow::Result<()> {
        let entries = site.entries_with_html(self.rss.view.events.clone(), Some(shared));
        stage.write(&self.rss.path, |w| {
            render::archive::render_rss_archive(site, &self.rss.view, self.number, &entries, w)
        })?;
        stage.write(&self.atom.path, |w| {
            render::archive::render_atom_archive(site, &self.atom.view, self.number, &entries, w)
        })?;
        Ok(())
    }
}

/// `outputs` as jobs: each archive page's two documents (which share one view) together, and
/// with the page of the year that holds most of their entries.
fn jobs<'o>(site: &Site, outputs: &[&'o Output]) -> Vec<Job<'o>> {
    let rss_pages: HashMap<usize, &Output> = outputs
        .iter()
        .filter_map(|o| match o.format {
            Format::RssArchive(number) => Some((number, *o)),
            _ => None,
        })
        .collect();
    let mut archives: Vec<ArchivePage> = Vec::new();
    let mut jobs: Vec<Job> = Vec::new();
    let mut year_jobs: HashMap<i32, usize> = HashMap::new();
    for &output in outputs {
        match output.format {
            Format::RssArchive(_) => {}
            Format::AtomArchive(number) => match rss_pages.get(&number) {
                Some(&rss) if Arc::ptr_eq(&rss.view, &output.view) => archives.push(ArchivePage {
                    rss,
                    atom: output,
                    number,
                }),
                _ => jobs.push(Job::One(output)),
            },
            Format::Html(Page::Year(year)) => {
                year_jobs.insert(year, jobs.len());
                jobs.push(Job::Year {
                    page: output,
                    archives: Vec::new(),
                });
            }
            _ => jobs.push(Job::One(output)),
        }
    }
    // An RSS archive document without its Atom twin is written alone.
    let paired: HashSet<usize> = archives.iter().map(|a| a.number).collect();
    jobs.extend(
        outputs
            .iter()
            .filter(|o| matches!(o.format, Format::RssArchive(n) if !paired.contains(&n)))
            .map(|&o| Job::One(o)),
    );
    for archive in archives {
        let year = main_year(site, &archive.rss.view.events);
        match year.and_then(|year| year_jobs.get(&year)) {
            Some(&at) => {
                if let Job::Year { archives, .. } = &mut jobs[at] {
                    archives.push(archive);
                }
            }
            None => jobs.push(Job::Archive(archive)),
        }
    }
    jobs
}

/// The year most of `events` start in (the earliest of equals).
fn main_year(site: &Site, events: &[usize]) -> Option<i32> {
    let mut counts: BTreeMap<i32, usize> = BTreeMap::new();
    for &index in events {
        *counts.entry(site.events()[index].date.year()).or_default() += 1;
    }
    let most = counts.values().copied().max()?;
    counts
        .into_iter()
        .find(|&(_, count)| count == most)
        .map(|(year, _)| year)
}

/// How many calendars are written side by side (each holds an open file).
const CALENDARS_AT_ONCE: usize = 64;

/// Each calendar's write buffer: with one per tag held at once, 64 KiB rather than the
/// 256 KiB of a file written alone.
const CALENDAR_BUFFER: usize = 64 * 1024;

/// Writes the calendars in groups, each group in one pass over the events; `progress` is told
/// how many events each batch wrote.
fn write_calendars(
    site: &Site,
    calendars: &[&Output],
    stage: &Stage,
    progress: &(dyn Fn(usize) + Sync),
) -> anyhow::Result<()> {
    for group in calendars.chunks(CALENDARS_AT_ONCE) {
        let mut files = group
            .iter()
            .map(|output| stage.file(&output.path, CALENDAR_BUFFER))
            .collect::<Result<Vec<_>, _>>()?;
        let views: Vec<&View> = group.iter().map(|o| o.view.as_ref()).collect();
        let mut writers: Vec<&mut (dyn Write + Send)> = files
            .iter_mut()
            .map(|f| f.writer() as &mut (dyn Write + Send))
            .collect();
        render::ical::render_icals(site, &views, &mut writers, progress)
            .with_context(|| format!("cannot write the calendars from {}", group[0].path))?;
        for file in files {
            file.finish()?;
        }
    }
    Ok(())
}

/// The output folder must not be, or lie inside, the collection: outputs would be mixed with
/// the user's files (and a collection's own template could be replaced). Nor may the
/// collection lie inside the output folder: a tag's outputs (`tags/<tag>/`) would land on the
/// collection's own files.
fn refuse_nested_folders(events: &Path, out: &Path) -> anyhow::Result<()> {
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
    if events.starts_with(&resolved) {
        bail!(
            "the collection {} is inside the output folder {}; choose another --out",
            events.display(),
            out.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::*;
    use crate::model::Collection;

    /// Events over three years, two a month, with feeds of 4 entries; every fifth is published
    /// a year after it happened, so some archive pages hold entries of other years.
    fn collection(dir: &Path) -> Collection {
        std::fs::write(
            dir.join("chronicle.toml"),
            "title = \"T\"\nbase_url = \"https://example.org/t/\"\nfeed_limit = 4\n",
        )
        .expect("settings");
        for n in 0..72u32 {
            let (year, month, day) = (2020 + n / 24, 1 + n % 24 / 2, 1 + n % 2 * 14);
            let published = if n % 5 == 0 { year + 1 } else { year };
            let mut text = String::new();
            let _ = write!(
                text,
                "+++\ntitle = \"Event {n}\"\ndate = {year}-{month:02}-{day:02}\n\
                 published = {published}-{month:02}-{day:02}T12:00:00Z\ntags = [\"t{}\"]\n+++\n\
                 Body *{n}* with [a link](https://example.org/{n}).\n",
                n % 3
            );
            std::fs::write(dir.join(format!("e{n:03}.md")), text).expect("event");
        }
        let checked = crate::check::check_collection(dir).expect("readable");
        checked.collection.expect("valid")
    }

    #[test]
    fn jobs_write_what_each_output_renders_alone() {
        let tmp = tempfile::tempdir().expect("temporary directory");
        let events = tmp.path().join("events");
        std::fs::create_dir(&events).expect("folder");
        let collection = collection(&events);
        let site = Site::new(&collection, &collection.settings.base_url, None);
        let outputs = render::outputs(&collection);
        let others: Vec<&Output> = outputs
            .iter()
            .filter(|o| o.format != Format::Ical)
            .collect();
        let jobs = jobs(&site, &others);
        let year_archives: usize = jobs
            .iter()
            .map(|job| match job {
                Job::Year { archives, .. } => archives.len(),
                _ => 0,
            })
            .sum();
        assert!(year_archives > 0, "archive pages go with their year's page");
        let written: u64 = jobs.iter().map(Job::outputs).sum();
        assert_eq!(written, others.len() as u64, "each output written once");
        let out = tmp.path().join("out");
        let stage = Stage::create(&out, || {}).expect("stage");
        for job in &jobs {
            job.run(&site, &stage).expect("written");
        }
        stage.commit().expect("committed");
        for output in others {
            let alone = render::render_to_vec(&site, output).expect("rendered");
            let file = std::fs::read(out.join(&output.path)).expect("written");
            assert!(file == alone, "{} differs", output.path);
        }
    }
}
