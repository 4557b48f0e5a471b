//! Times `serve`'s incremental rebuild without a server: builds the collection into a temporary
//! folder (or OUT, if set), then
//! edits one event file (its title) a few times and rebuilds after each edit, as the watcher
//! would, printing each rebuild's time. The file is put back at the end.
//!
//!   cargo run --release --example rebuild_after_edit -- CORPUS RELATIVE/PATH.md [EDITS]

use std::path::PathBuf;
use std::time::Instant;

use chronicle::serve::Builder;

/// The allocator the `chronicle` binary uses, so the times are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, file, rest @ ..] = args.as_slice() else {
        return Err("usage: rebuild_after_edit CORPUS RELATIVE/PATH.md [EDITS]".into());
    };
    let edits: usize = rest.first().map_or(Ok(5), |n| n.parse())?;
    // Seconds between edits (PAUSE), as a person editing leaves: memory freed by one rebuild
    // may have gone back to the system by the next.
    let pause = std::env::var("PAUSE")
        .ok()
        .map(|s| s.parse::<f64>().map(std::time::Duration::from_secs_f64))
        .transpose()?;
    // As `chronicle serve` does.
    chronicle::serve::memory::keep_freed_memory_between_rebuilds();
    let dir = PathBuf::from(dir);
    let path = dir.join(file);
    let original = std::fs::read_to_string(&path)?;
    let private = tempfile::tempdir()?;
    let out = std::env::var_os("OUT").map_or_else(|| private.path().to_path_buf(), PathBuf::from);
    let mut builder = Builder::new(&dir, &out, "http://127.0.0.1:8080/", None, true);
    let started = Instant::now();
    let collection = builder
        .check_all()?
        .collection
        .ok_or("the collection has errors")?;
    let built = builder.build(collection)?;
    eprintln!(
        "full build: {} events, {} files in {:.0?}",
        built.events,
        built.outputs,
        started.elapsed()
    );
    let mut served = built.served;
    for n in 0..edits {
        let edited = original.replacen("title = \"", &format!("title = \"Edit {n}: "), 1);
        if let Some(pause) = pause {
            std::thread::sleep(pause);
        }
        std::fs::write(&path, edited)?;
        let (started, faults) = (Instant::now(), page_faults());
        let rebuilt = builder
            .rebuild(Some(std::slice::from_ref(&path)), &served)
            .ok_or("the rebuild failed")?;
        eprintln!(
            "rebuild {n}: {} of {} files rendered in {:.1?} ({} page faults)",
            rebuilt.rendered,
            rebuilt.outputs,
            started.elapsed(),
            page_faults() - faults
        );
        served = rebuilt.served;
    }
    std::fs::write(&path, original)?;
    Ok(())
}

/// The process's minor page faults so far (Linux; 0 elsewhere): memory a rebuild touches for
/// the first time, which the kernel must find and clear.
fn page_faults() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name, which is in parentheses and may hold spaces.
    let fields = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    // minflt is the 10th field of the whole line: the 8th after the name.
    fields
        .split_whitespace()
        .nth(7)
        .and_then(|f| f.parse().ok())
        .unwrap_or(0)
}
