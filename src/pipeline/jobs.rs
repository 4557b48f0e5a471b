//! The build's units of parallel work: each output alone, except that a year's timeline page
//! and the archive pages whose entries are mostly of that year are written together, each
//! event's HTML rendered once for all of them.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use crate::render::page_layout::{ArticleRecorder, Fresh, PageLayout};
use crate::render::{self, Format, Output, Page, SharedHtml, Site};
use crate::write::{Stage, WriteError};

/// A unit of the build's parallel work.
pub(super) enum Job<'o> {
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
pub(super) struct ArchivePage<'o> {
    rss: &'o Output,
    atom: &'o Output,
    number: usize,
}

impl Job<'_> {
    /// How many outputs the job writes.
    pub(super) fn outputs(&self) -> u64 {
        match self {
            Job::One(_) => 1,
            Job::Archive(_) => 2,
            Job::Year { archives, .. } => 1 + 2 * archives.len() as u64,
        }
    }

    /// Writes the job's outputs; returns the layouts of the pages it recorded (with
    /// `record_pages`: see [`super::pages`]).
    pub(super) fn run(
        &self,
        site: &Site,
        stage: &Stage,
        record_pages: bool,
    ) -> Result<Vec<(String, PageLayout)>, WriteError> {
        let recorded = match self {
            Job::One(output) => match output.format {
                Format::Html(kind) => write_page(site, output, kind, None, stage, record_pages)?,
                _ => {
                    stage.write(&output.path, |w| {
                        render::render(site, output, w).map_err(std::io::Error::from)
                    })?;
                    None
                }
            },
            // Its entries' HTML is rendered as the documents need it, once for both.
            Job::Archive(archive) => {
                archive.write(site, &SharedHtml::default(), stage)?;
                None
            }
            Job::Year { page, archives } => {
                let Format::Html(kind) = page.format else {
                    unreachable!("a year job's page is a timeline page")
                };
                // The archive pages' entries, which the page shows too when of its year.
                let mut entries: Vec<usize> = archives
                    .iter()
                    .flat_map(|archive| archive.rss.view.events.iter().copied())
                    .collect();
                entries.sort_unstable();
                entries.dedup();
                let mut shared = SharedHtml::render(site, &entries);
                for archive in archives {
                    archive.write(site, &shared, stage)?;
                }
                // Last, as the page takes each event's HTML out of `shared` as it uses it.
                write_page(site, page, kind, Some(&mut shared), stage, record_pages)?
            }
        };
        Ok(recorded.into_iter().collect())
    }
}

/// Writes one timeline page, with the HTML of the events `shared` holds taken from it;
/// recording its layout (returned) when `record` and the templates allow it.
fn write_page(
    site: &Site,
    output: &Output,
    kind: Page,
    shared: Option<&mut SharedHtml>,
    stage: &Stage,
    record: bool,
) -> Result<Option<(String, PageLayout)>, WriteError> {
    if !record || !site.templates.articles_are_pure() {
        stage.write(&output.path, |w| {
            render::html::render_page_with(site, &output.view, kind, shared, w)
                .map_err(std::io::Error::from)
        })?;
        return Ok(None);
    }
    let recorder = ArticleRecorder::new(None);
    let mut layout = None;
    stage.write(&output.path, |w| {
        layout = render::html::render_page_recorded(
            site,
            &output.view,
            kind,
            shared,
            &recorder,
            &mut Fresh(w),
        )?;
        Ok(())
    })?;
    Ok(layout.map(|layout| (output.path.clone(), layout)))
}

impl ArchivePage<'_> {
    /// Writes both documents, with the HTML of the entries `shared` holds taken from it.
    fn write(&self, site: &Site, shared: &SharedHtml, stage: &Stage) -> Result<(), WriteError> {
        let entries = site.entries_with_html(self.rss.view.events.clone(), Some(shared));
        stage.write(&self.rss.path, |w| {
            render::archive::render_rss_archive(site, &self.rss.view, self.number, &entries, w)
                .map_err(std::io::Error::from)
        })?;
        stage.write(&self.atom.path, |w| {
            render::archive::render_atom_archive(site, &self.atom.view, self.number, &entries, w)
                .map_err(std::io::Error::from)
        })?;
        Ok(())
    }
}

/// `outputs` as jobs: each archive page's two documents (which share one view) together, and
/// with the page of the year that holds most of their entries.
pub(super) fn jobs<'o>(site: &Site, outputs: &[&'o Output]) -> Vec<Job<'o>> {
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

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use std::path::Path;

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
        let checked =
            crate::check::check_collection(dir, crate::render::covering::render_covering_pages)
                .expect("readable");
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
            job.run(&site, &stage, false).expect("written");
        }
        stage.commit().expect("committed");
        for output in others {
            let alone = render::render_to_vec(&site, output).expect("rendered");
            let file = std::fs::read(out.join(&output.path)).expect("written");
            assert!(file == alone, "{} differs", output.path);
        }
    }
}
