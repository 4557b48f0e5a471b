//! One build at a time per output folder: an advisory lock (`flock` on Unix) on a file in the
//! folder, held from before the first output is staged until the stage is committed or
//! dropped. A second build into the same folder waits for the first to finish, then builds
//! on the first one's committed set. The lock file stays (removing it would let a build that
//! is waiting on the removed file run beside one that locked a new file) and is never listed
//! as an output.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io;
use std::path::Path;

use super::{context, WriteError};

/// The lock file's name in the output folder.
pub const LOCK: &str = ".chronicle-lock";

/// The held lock on an output folder; dropping it releases the lock.
#[derive(Debug)]
pub struct OutputLock {
    _file: File,
}

impl OutputLock {
    /// Locks `out` (which must exist); if another build holds it, calls `on_wait` once, then
    /// waits for it.
    pub fn acquire(out: &Path, on_wait: impl FnOnce()) -> Result<OutputLock, WriteError> {
        let path = out.join(LOCK);
        let file = open_lock_file(&path).map_err(context(&path))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                on_wait();
                file.lock().map_err(context(&path))?;
            }
            Err(TryLockError::Error(err)) => return Err(context(&path)(err)),
        }
        Ok(OutputLock { _file: file })
    }
}

/// Creates the lock file exclusively, or opens the regular file already there for reading
/// (enough to lock it): a link or a named pipe planted at the name is not opened.
fn open_lock_file(path: &Path) -> io::Result<File> {
    match OpenOptions::new().write(true).create_new(true).open(path) {
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
            if !fs::symlink_metadata(path)?.is_file() {
                return Err(io::Error::other("not a regular file"));
            }
            File::open(path)
        }
        opened => opened,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_second_lock_waits_for_the_first() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let first =
            OutputLock::acquire(dir.path(), || panic!("nothing holds the lock")).expect("locked");
        let waited = Arc::new(AtomicBool::new(false));
        let second = {
            let (out, waited) = (dir.path().to_path_buf(), Arc::clone(&waited));
            std::thread::spawn(move || {
                OutputLock::acquire(&out, || waited.store(true, Ordering::SeqCst))
                    .expect("locked after the first")
            })
        };
        std::thread::sleep(Duration::from_millis(200));
        assert!(!second.is_finished(), "the second lock waits");
        drop(first);
        let _second = second.join().expect("second lock");
        assert!(waited.load(Ordering::SeqCst), "the wait was announced");
    }

    #[cfg(unix)]
    #[test]
    fn a_link_at_the_lock_name_is_refused() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let target = dir.path().join("target");
        std::os::unix::fs::symlink(&target, dir.path().join(LOCK)).expect("link");
        let err = OutputLock::acquire(dir.path(), || {}).expect_err("refused");
        assert_eq!(err.path, dir.path().join(LOCK));
        assert!(!target.exists(), "nothing created through the link");
    }
}
