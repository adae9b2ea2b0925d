//! The writer thread: every submission goes through it, and it commits whatever has queued up
//! while the previous commit was being synced in one transaction (group commit), answering each
//! submission only once its transaction is durably committed. The loop is the same for every
//! database; what one batch does in a database is its [`Committer`].

use std::sync::mpsc;
use std::time::Instant;

use rusqlite::{Connection, OptionalExtension, params};
use tokio::sync::oneshot;

use super::{
    FATAL_FAILURES, MAX_BATCH, NewResponse, Pending, Ping, QUEUE_CAPACITY, Stats, StoreError,
    Stored, new_id,
};

/// What the writer thread does in one database.
pub(super) trait Committer {
    /// A round trip to the database: it is alive and can store.
    fn ping(&mut self) -> Result<(), StoreError>;
    /// Commits the batch in one transaction; one result per submission, in order. The flag
    /// says whether the failure was one that a restart of the process might cure (a failing
    /// disk or file handle).
    fn commit(&mut self, batch: &[&NewResponse]) -> (Vec<Stored>, bool);
}

/// The sending end of a writer thread's queue: how a store hands it work.
#[derive(Clone)]
pub(super) struct Queue {
    /// None when the store was opened for reading only.
    tx: Option<mpsc::SyncSender<Job>>,
}

impl Queue {
    /// Starts the writer thread on `committer`.
    pub(super) fn start(
        committer: impl Committer + Send + 'static,
        stats: std::sync::Arc<Stats>,
    ) -> std::io::Result<Queue> {
        let (tx, rx) = mpsc::sync_channel::<Job>(QUEUE_CAPACITY);
        std::thread::Builder::new()
            .name("kume-writer".into())
            .spawn(move || writer(committer, rx, &stats))?;
        Ok(Queue { tx: Some(tx) })
    }

    /// A queue that takes nothing (a store opened for reading only).
    pub(super) fn closed() -> Queue {
        Queue { tx: None }
    }

    pub(super) fn is_open(&self) -> bool {
        self.tx.is_some()
    }

    pub(super) fn insert(&self, response: NewResponse) -> Pending<'static> {
        let (reply, rx) = oneshot::channel();
        let Some(tx) = &self.tx else {
            let refused = Stored::Unavailable("the database was opened for reading only".into());
            return Box::pin(std::future::ready(refused));
        };
        let sent = match tx.try_send(Job::Insert {
            response: Box::new(response),
            reply,
        }) {
            Ok(()) => Ok(()),
            Err(mpsc::TrySendError::Full(_)) => Err("the writer's queue is full"),
            Err(mpsc::TrySendError::Disconnected(_)) => Err("the writer has stopped"),
        };
        Box::pin(async move {
            if let Err(reason) = sent {
                return Stored::Unavailable(reason.into());
            }
            rx.await
                .unwrap_or(Stored::Unavailable("the writer has stopped".into()))
        })
    }

    pub(super) fn ping(&self) -> Ping<'static> {
        let (reply, rx) = oneshot::channel();
        let sent = self
            .tx
            .as_ref()
            .is_some_and(|tx| tx.try_send(Job::Ping(reply)).is_ok());
        Box::pin(async move {
            if !sent {
                return Err(StoreError::WriterBusy);
            }
            rx.await.unwrap_or(Err(StoreError::WriterStopped))
        })
    }

    pub(super) fn shutdown(&self) -> Ping<'static> {
        let (reply, rx) = oneshot::channel();
        // A blocking send: the stop waits behind a full queue rather than being lost.
        let tx = self.tx.clone();
        Box::pin(async move {
            let Some(tx) = tx else {
                return Ok(());
            };
            let sent = tokio::task::spawn_blocking(move || tx.send(Job::Stop(reply)).is_ok())
                .await
                .unwrap_or(false);
            if sent {
                let _ = rx.await;
            }
            Ok(())
        })
    }
}

/// A request to the writer thread.
pub(super) enum Job {
    Insert {
        response: Box<NewResponse>,
        reply: oneshot::Sender<Stored>,
    },
    /// A round trip through the writer and the database, for the health check.
    Ping(oneshot::Sender<Result<(), StoreError>>),
    /// Commit what is queued before this, then stop (graceful shutdown).
    Stop(oneshot::Sender<()>),
}

fn writer(mut committer: impl Committer, rx: mpsc::Receiver<Job>, stats: &Stats) {
    use std::sync::atomic::Ordering::Relaxed;
    let mut failures = 0u32;
    let mut stopped = None;
    while let Ok(first) = rx.recv() {
        let mut batch = Vec::new();
        let mut next = Some(first);
        while let Some(job) = next.take() {
            match job {
                Job::Insert { response, reply } => batch.push((response, reply)),
                Job::Ping(reply) => {
                    let _ = reply.send(committer.ping());
                }
                Job::Stop(reply) => {
                    stopped = Some(reply);
                    break;
                }
            }
            if batch.len() < MAX_BATCH {
                next = rx.try_recv().ok();
            }
        }
        if batch.is_empty() {
            if let Some(reply) = stopped {
                let _ = reply.send(());
                return;
            }
            continue;
        }
        let start = Instant::now();
        let responses: Vec<&NewResponse> = batch.iter().map(|(r, _)| r.as_ref()).collect();
        let (results, io_error) = committer.commit(&responses);
        stats.batches.fetch_add(1, Relaxed);
        stats
            .commit_micros
            .fetch_add(start.elapsed().as_micros() as u64, Relaxed);
        stats.largest_batch.fetch_max(batch.len() as u64, Relaxed);
        for ((_, reply), result) in batch.into_iter().zip(results) {
            if matches!(result, Stored::Created(_) | Stored::Updated(_)) {
                stats.committed.fetch_add(1, Relaxed);
            }
            let _ = reply.send(result);
        }
        if let Some(reply) = stopped {
            let _ = reply.send(());
            return;
        }
        failures = if io_error { failures + 1 } else { 0 };
        if failures >= FATAL_FAILURES {
            tracing::error!(
                failures,
                "the database keeps failing with I/O errors; exiting so that the service manager restarts the collector"
            );
            std::process::exit(EXIT_STORE_FAILED);
        }
    }
}

/// The exit status after persistent I/O errors (EX_IOERR).
const EXIT_STORE_FAILED: i32 = 74;

/// The SQLite writer's connection.
pub(super) struct SqliteCommitter(pub(super) Connection);

impl Committer for SqliteCommitter {
    fn ping(&mut self) -> Result<(), StoreError> {
        self.0
            .query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))
            .map_err(StoreError::from)
    }

    fn commit(&mut self, batch: &[&NewResponse]) -> (Vec<Stored>, bool) {
        commit_batch(&mut self.0, batch)
    }
}

/// Whether an error means the disk or the file is failing, rather than the data or a lock.
fn is_io_error(e: &rusqlite::Error) -> bool {
    use rusqlite::ErrorCode::{CannotOpen, DatabaseCorrupt, NotADatabase, SystemIoFailure};
    matches!(
        e.sqlite_error_code(),
        Some(SystemIoFailure | CannotOpen | DatabaseCorrupt | NotADatabase)
    )
}

/// A stored row an incoming submission meets (same survey and key).
pub(super) struct Existing {
    pub(super) id: String,
    pub(super) payload_hash: String,
    pub(super) status: String,
    pub(super) token_hash: Option<String>,
}

/// What happens to a submission whose key is taken: the same answers are a duplicate; an
/// invitation's response may be replaced by the same invitation, but a draft never replaces a
/// final answer; anything else is a conflict.
pub(super) fn outcome_for(existing: &Existing, r: &NewResponse) -> Option<Stored> {
    if existing.payload_hash == r.payload_hash {
        return Some(Stored::Duplicate(existing.id.clone()));
    }
    if !r.editable || existing.token_hash != r.token_hash {
        return Some(Stored::Conflict);
    }
    if existing.status == "final" && r.status == "draft" {
        return Some(Stored::FinalKept);
    }
    None
}

/// One transaction for the whole batch; when it cannot commit, nothing in it is acknowledged.
/// The flag says whether the failure was an I/O error.
fn commit_batch(conn: &mut Connection, batch: &[&NewResponse]) -> (Vec<Stored>, bool) {
    let mut attempt = || -> rusqlite::Result<Vec<Stored>> {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut results = Vec::with_capacity(batch.len());
        let mut seen: Vec<(&str, &str, Existing)> = Vec::new();
        for r in batch.iter().copied() {
            // Two submissions with the same key in one batch: the second sees the first.
            if let Some((.., earlier)) = seen
                .iter()
                .find(|(s, k, _)| *s == r.survey && *k == r.idem_key)
            {
                results.push(outcome_for(earlier, r).unwrap_or(Stored::Conflict));
                continue;
            }
            // Cached statements: the writer parses each once, not once per row.
            let existing: Option<Existing> = tx
                .prepare_cached(
                    "SELECT id, payload_hash, status, token_hash FROM responses WHERE survey = ?1 AND idem_key = ?2",
                )?
                .query_row(
                    params![r.survey, r.idem_key],
                    |row| {
                        Ok(Existing {
                            id: row.get(0)?,
                            payload_hash: row.get(1)?,
                            status: row.get(2)?,
                            token_hash: row.get(3)?,
                        })
                    },
                )
                .optional()?;
            if let Some(existing) = existing {
                results.push(match outcome_for(&existing, r) {
                    Some(outcome) => outcome,
                    None => {
                        replace(&tx, &existing.id, r)?;
                        Stored::Updated(existing.id)
                    }
                });
                continue;
            }
            // Without randomness nothing in the batch is stored: the clients get 503.
            let id = new_id().map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
            tx.prepare_cached(
                "INSERT INTO responses (id, survey, hash, wave, idem_key, payload_hash, status, lang, token_hash, cluster, firm, consent, answers, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
            )?
            .execute(params![
                    id,
                    r.survey,
                    r.hash,
                    r.wave,
                    r.idem_key,
                    r.payload_hash,
                    r.status,
                    r.lang,
                    r.token_hash,
                    r.cluster,
                    r.firm,
                    r.consent.as_ref().map(|c| c.to_string()),
                    r.answers.to_string(),
                ],
            )?;
            seen.push((
                &r.survey,
                &r.idem_key,
                Existing {
                    id: id.clone(),
                    payload_hash: r.payload_hash.clone(),
                    status: r.status.to_string(),
                    token_hash: r.token_hash.clone(),
                },
            ));
            results.push(Stored::Created(id));
        }
        tx.commit()?;
        Ok(results)
    };
    match attempt() {
        Ok(results) => (results, false),
        Err(e) => {
            let reason = e.to_string();
            let results = batch
                .iter()
                .map(|_| Stored::Unavailable(reason.clone()))
                .collect();
            (results, is_io_error(&e))
        }
    }
}

/// Keeps the current version in the history, then writes the new one in its place.
fn replace(tx: &rusqlite::Transaction<'_>, id: &str, r: &NewResponse) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO response_history (response_id, status, answers, payload_hash, received_at, replaced_at)
         SELECT id, status, answers, payload_hash, received_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM responses WHERE id = ?1",
        params![id],
    )?;
    tx.execute(
        "UPDATE responses SET status = ?2, answers = ?3, payload_hash = ?4, lang = ?5, consent = ?6, hash = ?7,
         received_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?1",
        params![id, r.status, r.answers.to_string(), r.payload_hash, r.lang, r.consent.as_ref().map(|c| c.to_string()), r.hash],
    )?;
    Ok(())
}
