//! The `chronicle` binary: parse arguments, run the command, map the result to an exit code.

use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of the system allocator: a build allocates and frees millions of small
/// strings from several threads, where glibc's malloc spent a fifth of the time and kept
/// freed memory fragmented across its per-thread arenas.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = chronicle::cli::Cli::parse();
    match chronicle::run(cli) {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                // `chronicle export ... | head` closes the pipe early; that is not a failure.
                return ExitCode::SUCCESS;
            }
            // A cause may quote a file name or a value from the collection.
            let escape = |text: String| chronicle::terminal::escape(&text).into_owned();
            eprintln!("chronicle: error: {}", escape(err.to_string()));
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {}", escape(cause.to_string()));
            }
            ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
