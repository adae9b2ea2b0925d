//! The output folder: checked once, written by one thread, and, when a build reuses the folder
//! of an earlier one, rewritten in place.
//!
//! Reusing the folder matters on disk file systems: emptying it and making every folder and
//! file again cost ext4 more kernel time than rendering the pages (a freed inode is skipped for
//! a while after deletion, so each new one is searched for). In place, a file whose bytes did
//! not change is not written at all (it keeps its time stamp, which deploy tools see), a
//! changed one is overwritten, and what the build no longer makes is removed at the end.

use std::collections::HashSet;
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use super::Output;
use crate::diagnostics::Diagnostic;

/// An output folder ready for a build.
#[derive(Debug, Clone, Copy)]
pub(super) struct Folder<'a> {
    pub dir: &'a Path,
    /// It held an earlier build (or anything else): written in place.
    pub reused: bool,
}

/// Checks the output folder, refusing one that holds the site's sources, and makes it when it
/// is missing. `None` for [`Output::Discard`].
pub(super) fn prepare<'a>(
    root: &Path,
    output: Output<'a>,
) -> Result<Option<Folder<'a>>, Diagnostic> {
    let Output::Dir(dir) = output else {
        return Ok(None);
    };
    let abs = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let (root_abs, dir_abs) = (abs(root), abs(dir));
    if dir.exists()
        && (root_abs.starts_with(&dir_abs)
            || dir_abs.join("site/config.yaml").exists()
            || dir_abs.join("Cargo.toml").exists())
    {
        return Err(Diagnostic::error(
            dir.display().to_string(),
            "refusing to use this folder as the output: it holds sources",
        )
        .help("pick an output folder of its own, e.g. --out public"));
    }
    if !dir.is_dir() && dir.symlink_metadata().is_ok() {
        // Never removed: `--out README.md` is a slip of the keyboard, not a wish.
        return Err(Diagnostic::error(
            dir.display().to_string(),
            "refusing to use this file as the output folder",
        )
        .help("pick an output folder of its own, e.g. --out public"));
    }
    std::fs::create_dir_all(dir).map_err(|e| cannot(dir, "create", &e))?;
    let reused = std::fs::read_dir(dir)
        .map_err(|e| cannot(dir, "read", &e))?
        .next()
        .is_some();
    Ok(Some(Folder { dir, reused }))
}

fn cannot(dir: &Path, what: &str, e: &io::Error) -> Diagnostic {
    Diagnostic::error(
        dir.display().to_string(),
        format!("cannot {what} the output folder: {e}"),
    )
}

/// What a reused output folder held before the build: empty for a new folder.
#[derive(Debug, Default)]
pub(super) struct Previous {
    files: HashSet<PathBuf>,
    dirs: HashSet<PathBuf>,
}

impl Previous {
    /// Lists what `folder` holds. Links are removed at once: a build never makes one, and
    /// writing through one would write outside the folder.
    pub fn read(folder: Folder<'_>) -> (Previous, Vec<Diagnostic>) {
        let mut previous = Previous::default();
        let mut errors = Vec::new();
        if !folder.reused {
            return (previous, errors);
        }
        for entry in WalkDir::new(folder.dir).min_depth(1) {
            let listed = entry.map_err(io::Error::from).and_then(|e| {
                let path = e.path().to_path_buf();
                let kind = e.file_type();
                if kind.is_dir() {
                    previous.dirs.insert(path);
                } else if kind.is_file() {
                    previous.files.insert(path);
                } else {
                    std::fs::remove_file(&path)?;
                }
                Ok(())
            });
            if let Err(e) = listed {
                errors.push(cannot(folder.dir, "read", &e));
            }
        }
        (previous, errors)
    }

    /// Makes the folder `parent` (inside `dir`), removing a file of the earlier build that is
    /// in its way.
    pub fn make_dir(&self, dir: &Path, parent: &Path) -> io::Result<()> {
        if !self.files.is_empty() {
            for above in parent.ancestors().take_while(|a| *a != dir) {
                if self.files.contains(above) && above.is_file() {
                    std::fs::remove_file(above)?;
                }
            }
        }
        std::fs::create_dir_all(parent)
    }

    /// Writes `bytes` at `path` unless the file there already holds exactly them.
    pub fn put(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        if self.files.contains(path) {
            return update(path, bytes);
        } else if self.dirs.contains(path) {
            std::fs::remove_dir_all(path)?;
        }
        std::fs::write(path, bytes)
    }

    /// Removes every file and folder of the earlier build that this build did not make.
    pub fn sweep(&self, kept: &HashSet<PathBuf>) -> Vec<Diagnostic> {
        let kept_dirs: HashSet<&Path> = kept.iter().flat_map(|p| p.ancestors()).collect();
        let mut errors = Vec::new();
        let made = |p: &Path| kept.contains(p) || kept_dirs.contains(p);
        let mut gone = |path: &Path, removed: io::Result<()>| match removed {
            // Already gone with a folder or file of this build that took its place.
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
                ) => {}
            Err(e) => errors.push(Diagnostic::error(
                path.display().to_string(),
                format!("cannot remove what the build no longer makes: {e}"),
            )),
            Ok(()) => {}
        };
        for path in self.files.iter().filter(|p| !made(p)) {
            gone(path, std::fs::remove_file(path));
        }
        let mut dirs: Vec<&PathBuf> = self.dirs.iter().filter(|d| !made(d)).collect();
        // The deepest first, so that each folder is empty when its turn comes.
        dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
        for dir in dirs {
            gone(dir, std::fs::remove_dir(dir));
        }
        errors
    }
}

/// Makes the file at `path` hold `bytes`, writing nothing when it already does (its size is
/// asked first: a changed page rarely keeps its length). A changed file is written over and
/// then cut to length: emptying it first (what `fs::write` does) made ext4 free the file's
/// blocks and find new ones for the same bytes.
fn update(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)?;
    if file.metadata()?.len() == bytes.len() as u64 {
        let mut old = Vec::with_capacity(bytes.len());
        file.read_to_end(&mut old)?;
        if old == bytes {
            return Ok(());
        }
        file.seek(io::SeekFrom::Start(0))?;
    }
    file.write_all(bytes)?;
    file.set_len(bytes.len() as u64)
}

/// Writes one output file at a URL path (`/rehber/` → `rehber/index.html`) into a folder that
/// is being served (`kume serve`'s updates). The file is written beside its place and renamed
/// into it, so that a request never reads it half-written.
pub(super) fn write_output(
    output: Output<'_>,
    url_path: &str,
    bytes: &[u8],
) -> Result<(), Diagnostic> {
    let Output::Dir(dir) = output else {
        return Ok(());
    };
    let path = output_path(dir, url_path);
    let write = || -> io::Result<()> {
        let parent = path.parent().unwrap_or(dir);
        std::fs::create_dir_all(parent)?;
        // One writer at a time (the rebuild thread), so one draft name per folder is enough.
        let draft = parent.join(".kume-draft");
        std::fs::write(&draft, bytes)
            .and_then(|()| std::fs::rename(&draft, &path))
            .inspect_err(|_| {
                let _ = std::fs::remove_file(&draft);
            })
    };
    write().map_err(|e| write_error(&path, &e))
}

/// Batches of files waiting for the writer; a bound keeps rendered pages from piling up in
/// memory.
const WRITE_QUEUE: usize = 8;
/// Files per batch: a message per page woke the writer thread once per page, which cost more
/// than writing the page on tmpfs.
const WRITE_BATCH: usize = 16;

type FileBatch = Vec<(String, Vec<u8>)>;

/// What the writer leaves when it is done.
#[derive(Debug, Default)]
pub(super) struct Written {
    pub errors: Vec<Diagnostic>,
    pub previous: Previous,
    /// The files written (or found unchanged), when the folder was reused.
    pub kept: HashSet<PathBuf>,
}

/// The one thread that writes the output folder (see [`super::Site::render`]).
pub(super) struct Writer<'scope> {
    sender: Option<std::sync::mpsc::SyncSender<FileBatch>>,
    thread: Option<std::thread::ScopedJoinHandle<'scope, Written>>,
}

impl<'scope> Writer<'scope> {
    /// Starts the writer. Without a folder nothing is started and nothing is written.
    pub fn start<'env>(
        scope: &'scope std::thread::Scope<'scope, 'env>,
        folder: Option<Folder<'env>>,
    ) -> Writer<'scope> {
        let Some(folder) = folder else {
            return Writer {
                sender: None,
                thread: None,
            };
        };
        let (sender, receiver) = std::sync::mpsc::sync_channel::<FileBatch>(WRITE_QUEUE);
        let thread = scope.spawn(move || {
            // Listed here, while the first pages render.
            let (previous, errors) = Previous::read(folder);
            let mut written = Written {
                errors,
                previous,
                kept: HashSet::new(),
            };
            let dir = folder.dir;
            let mut made: HashSet<PathBuf> = HashSet::new();
            made.insert(dir.to_path_buf());
            for (url_path, bytes) in receiver.into_iter().flatten() {
                let path = output_path(dir, &url_path);
                let parent = path.parent().unwrap_or(dir);
                let mut put = || {
                    if !made.contains(parent) {
                        written.previous.make_dir(dir, parent)?;
                        made.insert(parent.to_path_buf());
                    }
                    written.previous.put(&path, &bytes)
                };
                if let Err(e) = put() {
                    written.errors.push(write_error(&path, &e));
                }
                if folder.reused {
                    written.kept.insert(path);
                }
            }
            written
        });
        Writer {
            sender: Some(sender),
            thread: Some(thread),
        }
    }

    /// Queues one file at a URL path (`/rehber/` → `rehber/index.html`).
    pub fn write(&self, url_path: String, bytes: Vec<u8>) {
        self.send(vec![(url_path, bytes)]);
    }

    fn send(&self, batch: FileBatch) {
        if let Some(sender) = &self.sender {
            // Fails only when the writer is gone, which `finish` reports.
            let _ = sender.send(batch);
        }
    }

    /// A batch that one rendering thread fills; it is queued when full and when dropped.
    pub fn batch(&self) -> WriteBatch<'_, 'scope> {
        WriteBatch {
            writer: self,
            files: Vec::new(),
        }
    }

    /// Waits until every queued file is written.
    pub fn finish(mut self) -> Written {
        drop(self.sender.take());
        match self.thread.take().map(std::thread::ScopedJoinHandle::join) {
            None => Written::default(),
            Some(Ok(written)) => written,
            Some(Err(_)) => Written {
                errors: vec![Diagnostic::error(
                    "output",
                    "the thread writing the output folder stopped",
                )],
                ..Written::default()
            },
        }
    }
}

pub(super) struct WriteBatch<'w, 'scope> {
    writer: &'w Writer<'scope>,
    files: FileBatch,
}

impl WriteBatch<'_, '_> {
    pub fn write(&mut self, url_path: String, bytes: Vec<u8>) {
        self.files.push((url_path, bytes));
        if self.files.len() == WRITE_BATCH {
            self.writer.send(std::mem::take(&mut self.files));
        }
    }
}

impl Drop for WriteBatch<'_, '_> {
    fn drop(&mut self) {
        if !self.files.is_empty() {
            self.writer.send(std::mem::take(&mut self.files));
        }
    }
}

/// Where a URL path is written in the output folder (`/rehber/` → `rehber/index.html`).
fn output_path(dir: &Path, url_path: &str) -> PathBuf {
    let mut rel = url_path.trim_start_matches('/').to_string();
    if rel.is_empty() || rel.ends_with('/') {
        rel.push_str("index.html");
    }
    dir.join(rel)
}

fn write_error(path: &Path, e: &io::Error) -> Diagnostic {
    Diagnostic::error(path.display().to_string(), format!("cannot write: {e}"))
}
