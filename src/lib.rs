//! chronicle keeps dated events as ordered records and publishes them as RSS 2.0, Atom 1.0,
//! JSON Feed 1.1 and iCalendar, and as HTML timeline pages.
//!
//! Data flow: `events/` -> [`load`] (source files, front matter) -> [`check`] (diagnostics,
//! validated events) -> [`model::Collection`] -> [`query`] -> [`render`] (pure, bytes) ->
//! [`pipeline`] (the one build, for `build` and `serve`) -> [`write`](mod@write) (a staged set,
//! committed into the output folder).

pub mod check;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod create;
pub mod diag;
pub mod identity;
pub mod import;
pub mod load;
pub mod model;
pub mod pipeline;
pub mod published;
pub mod query;
pub mod render;
pub mod serve;
pub mod templates;
pub mod terminal;
pub mod text;
pub mod url;
pub mod websub;
pub mod write;

use std::process::ExitCode;

/// Runs one parsed command line; the one place that knows every command.
pub fn run(cli: cli::Cli) -> anyhow::Result<ExitCode> {
    // Read wherever diagnostics are shown (diag::stderr_is_styled); set once, here.
    anstream::ColorChoice::write_global(match cli.color {
        cli::Color::Auto => anstream::ColorChoice::Auto,
        cli::Color::Always => anstream::ColorChoice::Always,
        cli::Color::Never => anstream::ColorChoice::Never,
    });
    let events = match &cli.command {
        // init makes its folder: the one command that needs none.
        cli::Command::Init(_) => None,
        cli::Command::New(args) => Some(&args.events),
        cli::Command::Check(args) => Some(&args.events),
        cli::Command::Build(args) => Some(&args.events),
        cli::Command::Export(args) => Some(&args.events),
        cli::Command::Import(args) => Some(&args.events),
        cli::Command::List(args) => Some(&args.events),
        cli::Command::Serve(args) => Some(&args.events),
        // These describe chronicle itself and read no collection.
        cli::Command::Completions(_) | cli::Command::Man(_) => None,
    };
    // Every command that reads the collection reads it first: a missing folder is one message
    // for all.
    if let Some(events) = events {
        load::require_folder(&events.events)?;
    }
    match cli.command {
        cli::Command::Init(args) => cmd::init::run(&args),
        cli::Command::New(args) => cmd::new::run(&args),
        cli::Command::Check(args) => cmd::check::run(&args),
        cli::Command::Build(args) => cmd::build::run(&args),
        cli::Command::Export(args) => cmd::export::run(&args),
        cli::Command::Import(args) => cmd::import::run(&args),
        cli::Command::List(args) => cmd::list::run(&args),
        cli::Command::Serve(args) => cmd::serve::run(&args),
        cli::Command::Completions(args) => cmd::completions::run(&args),
        cli::Command::Man(args) => cmd::man::run(&args),
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    /// The source folder, read at run time (`cargo test` sets `CARGO_MANIFEST_DIR`).
    fn src() -> PathBuf {
        let root = std::env::var_os("CARGO_MANIFEST_DIR").expect("run by cargo test");
        Path::new(&root).join("src")
    }

    /// Each `.rs` file under `folder` (a file or a folder of `src/`) that holds `text`, as a
    /// path relative to `src/`.
    fn files_holding(folder: &str, text: &str) -> Vec<String> {
        let src = src();
        walkdir::WalkDir::new(src.join(folder))
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "rs"))
            .filter(|e| std::fs::read_to_string(e.path()).is_ok_and(|source| source.contains(text)))
            .map(|e| {
                let relative = e.path().strip_prefix(&src).unwrap_or(e.path());
                relative.display().to_string()
            })
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect()
    }

    /// The stages import only the stages before them and the leaves below all (`templates`,
    /// `text`, `url`, `model::Tag`): `check` renders no page itself, `config` applies no event
    /// rule, every slug (a tag's page, a new event's file name, a calendar's readable name) is
    /// made by one function in `model::tag`, and
    /// the renderers report one error type. The searched texts are split so that this file
    /// does not hold them.
    #[test]
    fn stage_boundaries_point_one_way() {
        let none = Vec::<String>::new();
        assert_eq!(files_holding("check", concat!("crate::", "render")), none);
        assert_eq!(
            files_holding("config.rs", concat!("crate::", "check")),
            none
        );
        assert_eq!(
            files_holding(".", concat!("slug", "ify(")),
            ["model/tag.rs"]
        );
        assert_eq!(files_holding(".", concat!("tag", "_slug")), none);
        assert_eq!(
            files_holding("render", concat!("io::Error::", "other(")),
            ["render/error.rs"]
        );
    }
}
