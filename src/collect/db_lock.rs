//! One owner of a response database at a time: the collector holds an exclusive lock on
//! `<db>.lock` for its whole life, and `kume restore` takes the same lock before it touches
//! anything, so a restore can never swap the file under a running collector (which would keep
//! writing to the replaced file, and lose those answers).
//!
//! The lock is the operating system's (`flock` on Unix): it ends with the process, however the
//! process ends, so a crash never leaves a stale lock behind. The file itself only says who
//! holds it, for the error message.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// The lock on a database, held until dropped.
#[derive(Debug)]
pub struct DbLock {
    _file: File,
    pub path: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds the lock; `holder` is what it wrote into the file.
    #[error("{} is held by {holder}", path.display())]
    Held { path: PathBuf, holder: String },
    #[error("cannot use the lock file {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// `kume.sqlite` → `kume.sqlite.lock`.
pub fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_os_string();
    name.push(".lock");
    PathBuf::from(name)
}

impl DbLock {
    /// Takes the lock on `db` for `what` (e.g. "kume serve"), without waiting.
    pub fn acquire(db: &Path, what: &str) -> Result<DbLock, LockError> {
        let path = lock_path(db);
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        // Not truncated on open: the holder's note must survive until the lock is ours.
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut note = String::new();
                let _ = file.read_to_string(&mut note);
                let holder = match note.trim() {
                    "" => "another kume process".to_string(),
                    n => n.to_string(),
                };
                return Err(LockError::Held { path, holder });
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        let note = format!(
            "{what} (process {}, since {})\n",
            std::process::id(),
            jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ")
        );
        file.set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| file.write_all(note.as_bytes()))
            .map_err(io)?;
        Ok(DbLock { _file: file, path })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_and_told_who_holds_it() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("kume.sqlite");
        let first = DbLock::acquire(&db, "kume serve").unwrap();
        let err = DbLock::acquire(&db, "kume restore")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("kume.sqlite.lock is held by kume serve (process "),
            "{err}"
        );
        drop(first);
        DbLock::acquire(&db, "kume restore").unwrap();
    }
}
