//! `chronicle import`: read the files, stage and check the event files they give, write them,
//! and print each path (or, with `--dry-run`, what would be written).

use std::io::{self, Write};
use std::process::ExitCode;

use crate::cli::{ImportArgs, ImportFormat};
use crate::import::{self, Action, Format, Options, Outcome};
use crate::terminal::escape_path;

pub fn run(args: &ImportArgs) -> anyhow::Result<ExitCode> {
    let options = Options {
        files: args.files.clone(),
        from: args.from.map(|format| match format {
            ImportFormat::Jsonl => Format::Jsonl,
            ImportFormat::Csv => Format::Csv,
            ImportFormat::Ics => Format::Ics,
            ImportFormat::Timelinejs => Format::Timelinejs,
            ImportFormat::TimelinejsCsv => Format::TimelinejsCsv,
            ImportFormat::Timelinesetter => Format::Timelinesetter,
        }),
        events: args.events.events.clone(),
        update: args.update,
        dry_run: args.dry_run,
    };
    match import::import(&options)? {
        Outcome::Refused {
            problems,
            diagnostics,
        } => {
            for problem in &problems {
                eprintln!("{problem}");
            }
            for diagnostic in &diagnostics {
                eprintln!("{diagnostic}");
            }
            eprintln!(
                "nothing imported: {} problem{}",
                problems.len() + diagnostics.len(),
                if problems.len() + diagnostics.len() == 1 {
                    ""
                } else {
                    "s"
                }
            );
            Ok(ExitCode::FAILURE)
        }
        Outcome::Done { planned, warnings } => {
            for warning in &warnings {
                eprintln!("{warning}");
            }
            let count = |action| planned.iter().filter(|p| p.action == action).count();
            // As I/O errors, so a closed pipe on stdout stays a broken pipe (see `main`).
            let mut out = io::BufWriter::new(io::stdout().lock());
            for plan in &planned {
                let verb = match (plan.action, args.dry_run) {
                    (Action::Write, false) => "wrote",
                    (Action::Write, true) => "would write",
                    (Action::Replace, false) => "replaced",
                    (Action::Replace, true) => "would replace",
                    (Action::Unchanged, _) => "unchanged",
                };
                writeln!(out, "{verb} {}", escape_path(&plan.path))?;
            }
            out.flush()?;
            let (written, replaced, unchanged) = (
                count(Action::Write),
                count(Action::Replace),
                count(Action::Unchanged),
            );
            let mood = if args.dry_run {
                "would import"
            } else {
                "imported"
            };
            eprintln!(
                "{mood} {} event{}: {written} new, {replaced} replaced, {unchanged} unchanged",
                planned.len(),
                if planned.len() == 1 { "" } else { "s" },
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
