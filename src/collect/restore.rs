//! `kume restore`: puts a `kume backup` file back as the response database.
//!
//! Steps: check the backup (SQLite's integrity check, then that it is a Kume database of a
//! schema this binary knows) → take the database's lock (refused while a collector runs) →
//! refuse to replace an existing database without `--force` →
//! copy it beside the target → bring an older schema up to date → swap it in, keeping the
//! replaced file. Nothing is changed until the backup has passed every check.

use std::path::{Path, PathBuf};

use super::admin::AdminError;
use super::db_lock::{DbLock, LockError};
use super::store::{self, SCHEMA_VERSION};

/// What a successful restore did.
#[derive(Debug)]
pub struct Restored {
    pub responses: i64,
    pub invitations: i64,
    pub schema: i64,
    /// The database that was replaced, kept under a new name.
    pub replaced: Option<PathBuf>,
}

/// Restores `backup` as the database `db`.
pub fn restore(backup: &Path, db: &Path, force: bool) -> Result<Restored, AdminError> {
    let schema = check_backup(backup)?;
    // Held until the new file is in place: no collector can start on a half-restored database,
    // and none may be running (`--force` replaces a stopped database, never a live one).
    let _lock = DbLock::acquire(db, "kume restore").map_err(|e| match e {
        LockError::Held { holder, .. } => AdminError::new(format!(
            "{}: the database is in use by {holder}; restoring under it would lose the answers it keeps writing",
            db.display()
        ))
        .help("stop the collector first (e.g. `systemctl stop kume-collector`), restore, then start it again; --force does not override this"),
        other => AdminError::new(other.to_string()),
    })?;
    if db.exists() && !force {
        return Err(AdminError::new(format!(
            "{}: a database is already there; restoring would replace it",
            db.display()
        ))
        .help("stop the collector first, then run the same command with --force (the current file is kept beside it)"));
    }
    let staged = sibling(db, "restoring");
    remove_database(&staged);
    copy_database(backup, &staged)
        .map_err(|e| AdminError::new(format!("cannot write {}: {e}", staged.display())))?;
    // `open` applies the migrations a backup from an older version lacks.
    let (responses, invitations) = store::migrate_file(&staged).map_err(|e| {
        AdminError::new(format!(
            "{}: cannot bring the schema up to date: {e}",
            backup.display()
        ))
    })?;
    let replaced = db.exists().then(|| sibling(db, "replaced"));
    if let Some(old) = &replaced {
        remove_database(old);
        move_database(db, old).map_err(|e| {
            AdminError::new(format!("cannot move {} aside: {e}", db.display()))
                .help("check that the folder is writable")
        })?;
    }
    move_database(&staged, db)
        .map_err(|e| AdminError::new(format!("cannot write {}: {e}", db.display())))?;
    Ok(Restored {
        responses,
        invitations,
        schema,
        replaced,
    })
}

/// Checks that `backup` is an intact Kume database this binary can use; its schema version.
fn check_backup(backup: &Path) -> Result<i64, AdminError> {
    let file = backup.display().to_string();
    if !backup.is_file() {
        return Err(AdminError::new(format!("{file}: no such backup file"))
            .help("pass the file `kume backup --to FILE` wrote"));
    }
    let not_a_database = |e: rusqlite::Error| {
        AdminError::new(format!("{file}: not a readable SQLite database ({e})"))
            .help("pass the file `kume backup --to FILE` wrote; if it was copied, copy it again")
    };
    let store::FileCheck {
        problems,
        schema,
        has_responses,
    } = store::check_file(backup).map_err(not_a_database)?;
    if problems != ["ok"] {
        return Err(AdminError::new(format!(
            "{file}: the backup is damaged: {}",
            problems.join("; ")
        ))
        .help("restore an earlier backup; this one cannot be trusted"));
    }
    if schema < 1 || !has_responses {
        return Err(AdminError::new(format!(
            "{file}: this is not a Kume response database (no responses table)"
        ))
        .help("pass the file `kume backup --to FILE` wrote"));
    }
    if schema > SCHEMA_VERSION {
        return Err(AdminError::new(format!(
            "{file}: the backup has schema version {schema}, newer than this kume knows ({SCHEMA_VERSION})"
        ))
        .help("restore it with the kume version that wrote it, or a newer one"));
    }
    Ok(schema)
}

/// A consistent copy through SQLite, never a byte copy of a file that may be in use.
fn copy_database(from: &Path, to: &Path) -> rusqlite::Result<()> {
    if let Some(dir) = to.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = std::fs::create_dir_all(dir);
    }
    store::backup(from, to)
}

/// `kume.sqlite` → `kume.sqlite.<what>`.
fn sibling(db: &Path, what: &str) -> PathBuf {
    let mut name = db.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{what}"));
    db.with_file_name(name)
}

/// The write-ahead log and shared-memory files that belong to a database file.
fn companions(db: &Path) -> [PathBuf; 2] {
    ["-wal", "-shm"].map(|suffix| {
        let mut name = db.as_os_str().to_os_string();
        name.push(suffix);
        PathBuf::from(name)
    })
}

fn remove_database(db: &Path) {
    let _ = std::fs::remove_file(db);
    for c in companions(db) {
        let _ = std::fs::remove_file(c);
    }
}

/// Moves a database with its log files, so that no stale log is applied to the wrong file.
fn move_database(from: &Path, to: &Path) -> std::io::Result<()> {
    let (from_logs, to_logs) = (companions(from), companions(to));
    for (f, t) in from_logs.iter().zip(&to_logs) {
        if f.exists() {
            std::fs::rename(f, t)?;
        } else {
            let _ = std::fs::remove_file(t);
        }
    }
    std::fs::rename(from, to)
}
