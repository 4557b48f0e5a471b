//! Times `serve`'s incremental rebuild without a server: builds the collection in memory, then
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
    let dir = PathBuf::from(dir);
    let path = dir.join(file);
    let original = std::fs::read_to_string(&path)?;
    let mut builder = Builder::new(&dir, "http://127.0.0.1:8080/", None, true);
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
        std::fs::write(&path, edited)?;
        let started = Instant::now();
        let rebuilt = builder
            .rebuild(Some(std::slice::from_ref(&path)), &served)
            .ok_or("the rebuild failed")?;
        eprintln!(
            "rebuild {n}: {} of {} files rendered in {:.1?}",
            rebuilt.rendered,
            rebuilt.outputs,
            started.elapsed()
        );
        served = rebuilt.served;
    }
    std::fs::write(&path, original)?;
    Ok(())
}
