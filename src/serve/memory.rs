//! Serve stage, memory between rebuilds: how long freed memory stays with the process.
//!
//! Each rebuild after an edit allocates and frees about the same memory: a year page of 4,000
//! events is put together in buffers of 13 MB, three times over (minijinja captures the
//! `timeline` macro's output, then copies it into a value, then into the page). mimalloc hands
//! freed memory back to the system one second after it is freed, so with edits seconds apart
//! every rebuild started on fresh pages that the kernel had to clear first: on 100,000 events
//! that clearing took a third of the rebuild (rebuilds of 70 to 130 ms instead of 45 to 60).

/// How long freed memory is kept for reuse before it goes back to the system. Edits in one
/// sitting come seconds to minutes apart; a server left alone gives the memory back.
pub const KEEP_FREED_MEMORY_MS: i64 = 10 * 60 * 1000;

/// mimalloc's `mi_option_purge_delay` (its position in `mi_option_t` in `mimalloc.h`, the same
/// in mimalloc 2 and 3); `libmimalloc-sys` names only some of the options.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Keeps freed memory for [`KEEP_FREED_MEMORY_MS`] instead of mimalloc's one second. Has an
/// effect only in a process whose global allocator is mimalloc, as the `chronicle` binary's is.
#[allow(unsafe_code)]
pub fn keep_freed_memory_between_rebuilds() {
    // SAFETY: sets a number in mimalloc's option table, which may be done at any time from any
    // thread; no pointer is passed.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, KEEP_FREED_MEMORY_MS as _) };
}

/// Hands the memory freed so far back to the system at once, from every thread that builds
/// (the calling one and rayon's): after the first build, whose peak is several times what the
/// server then holds, the delay set by [`keep_freed_memory_between_rebuilds`] would otherwise
/// keep that peak for minutes.
#[allow(unsafe_code)]
pub fn give_back_freed_memory() {
    // SAFETY: asks mimalloc to release the calling thread's free memory (and what threads that
    // ended left); no pointer is passed, and any thread may call it at any time.
    let collect = || unsafe { libmimalloc_sys::mi_collect(true) };
    rayon::broadcast(|_| collect());
    collect();
}

/// Hands the memory the calling thread freed back to the system at once: for the thread that
/// compresses a rebuilt set, whose encoders' buffers (tens of megabytes for a large calendar)
/// are not needed again until the next edit; the rebuilding threads keep theirs.
#[allow(unsafe_code)]
pub fn give_back_this_threads_freed_memory() {
    // SAFETY: as in `give_back_freed_memory`, for the calling thread alone.
    unsafe { libmimalloc_sys::mi_collect(true) };
}

/// The purge delay mimalloc uses now, in milliseconds.
#[allow(unsafe_code)]
// `c_long` is 64 bits here but 32 on Windows.
#[allow(clippy::useless_conversion)]
pub fn freed_memory_kept_ms() -> i64 {
    // SAFETY: reads a number from mimalloc's option table; no pointer is passed.
    i64::from(unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_delay_is_set() {
        // mimalloc 3's own default, unless the environment sets it: the option named is the
        // purge delay.
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            assert_eq!(freed_memory_kept_ms(), 1000);
        }
        keep_freed_memory_between_rebuilds();
        assert_eq!(freed_memory_kept_ms(), KEEP_FREED_MEMORY_MS);
    }
}
