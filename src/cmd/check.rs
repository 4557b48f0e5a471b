//! `chronicle check`: report every problem, then a summary; exit 1 on any error. With
//! `--format json`, each problem is a line of JSON on stdout instead, and there is no summary.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Context;

use crate::check::check_collection;
use crate::cli::{CheckArgs, CheckFormat};
use crate::render::covering::render_covering_pages;

pub fn run(args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let events = &args.events.events;
    let checked = check_collection(events, render_covering_pages)
        .with_context(|| format!("cannot read the collection in {}", events.display()))?;
    match args.format {
        CheckFormat::Text => {
            super::print_diagnostics(&checked, false);
            eprintln!("{}", super::summary(&checked));
        }
        CheckFormat::Json => {
            let mut out = std::io::stdout().lock();
            for diagnostic in &checked.diagnostics {
                writeln!(out, "{}", crate::diag::json_line(diagnostic))?;
            }
            out.flush()?;
        }
    }
    Ok(if checked.error_count() > 0 {
        super::invalid()
    } else {
        ExitCode::SUCCESS
    })
}
