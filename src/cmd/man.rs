//! `chronicle man [COMMAND]`: a man page (roff, man(7) macros) rendered by clap_mangen from the
//! same command tree that parses the arguments. `chronicle man | man -l -` shows it;
//! packagers write each page to a file (see README, "Man pages").

use std::io::{self, Write};
use std::process::ExitCode;

use anyhow::bail;
use clap::CommandFactory;

use crate::cli::{Cli, ManArgs};

pub fn run(args: &ManArgs) -> anyhow::Result<ExitCode> {
    let mut root = Cli::command();
    root.build();
    let page = match &args.command {
        None => root,
        Some(name) => {
            let found = root
                .find_subcommand(name.as_str())
                .filter(|c| c.get_name() != "help");
            let Some(sub) = found else {
                let names: Vec<_> = root
                    .get_subcommands()
                    .map(|c| c.get_name().to_string())
                    .filter(|name| name != "help")
                    .collect();
                bail!(
                    "no command is named '{name}' (commands: {})",
                    names.join(", ")
                );
            };
            // A command's page is titled as it is typed: chronicle-build(1), "chronicle build".
            sub.clone()
                .name(format!("chronicle-{}", sub.get_name()))
                .bin_name(format!("chronicle {}", sub.get_name()))
        }
    };
    let mut rendered = Vec::new();
    clap_mangen::Man::new(page).render(&mut rendered)?;
    let mut out = io::stdout().lock();
    out.write_all(&rendered)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
