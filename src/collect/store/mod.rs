//! The response store: the [`ResponseStore`] trait the collector speaks to, its SQLite
//! implementation ([`SqliteStore`]) in WAL mode behind one writer thread, and its PostgreSQL
//! implementation ([`PostgresStore`], in `postgres`) for several collectors on one database.
//! [`StoreAddress`] says which one a `--db` names.
//!
//! Every submission goes through the writer, which commits whatever has queued up while the
//! previous commit was being synced, in one transaction (group commit). A submission is
//! acknowledged only after its transaction is durably committed (`synchronous = FULL`), so a
//! 2xx always means a row on disk, and throughput grows with load instead of fsyncs per row.
//! The writer thread lives in `writer`; the schema and its migrations in `schema` (SQLite) and
//! `postgres_schema`; moving everything from one store to another in `transfer`.

mod address;
mod postgres;
mod postgres_schema;
mod postgres_tls;
mod schema;
mod transfer;
mod writer;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

pub use crate::aggregate::StoredAnswer;

pub use self::address::StoreAddress;
pub use self::postgres::PostgresStore;
pub use self::schema::{FileCheck, SCHEMA_VERSION, check_file, migrate_file, open};
pub use self::transfer::{Moved, transfer};
use self::writer::{Queue, SqliteCommitter};

/// Most submissions committed in one transaction.
const MAX_BATCH: usize = 512;
/// Submissions waiting for the writer at most; past it a submission is refused at once
/// (`503` with `Retry-After`) instead of queueing without bound.
pub const QUEUE_CAPACITY: usize = 4096;
/// Batches failing in a row with an I/O error before the collector gives up and exits, so that
/// its supervisor (systemd) restarts it on a fresh file handle.
const FATAL_FAILURES: u32 = 20;

/// One submission to store.
#[derive(Debug, Clone, Serialize)]
pub struct NewResponse {
    pub survey: String,
    pub hash: String,
    pub wave: i64,
    /// Idempotency key: the client's key, or the invitation token's hash.
    pub idem_key: String,
    /// Hash of the answers as submitted: the same key with another payload is a conflict.
    pub payload_hash: String,
    pub status: &'static str,
    pub lang: String,
    pub token_hash: Option<String>,
    pub cluster: Option<String>,
    pub firm: Option<String>,
    pub consent: Option<serde_json::Value>,
    pub answers: serde_json::Value,
    /// An invitation's response may be replaced (edited, or a draft made final); the old
    /// version is kept in `response_history`.
    pub editable: bool,
}

/// What happened to a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    /// Committed now.
    Created(String),
    /// The same key and the same answers were stored before: answer as the first time.
    Duplicate(String),
    /// An editable response replaced (the previous version kept in the history).
    Updated(String),
    /// The same key with different answers.
    Conflict,
    /// A draft sent after the final answer: the final answer stays.
    FinalKept,
    /// Nothing was stored (disk full, database locked, read-only…): try again later.
    Unavailable(String),
}

/// Counters the metrics endpoint reports.
#[derive(Debug, Default)]
pub struct Stats {
    pub batches: std::sync::atomic::AtomicU64,
    pub committed: std::sync::atomic::AtomicU64,
    pub commit_micros: std::sync::atomic::AtomicU64,
    pub largest_batch: std::sync::atomic::AtomicU64,
}

/// A store operation that failed, for the log or the person at the terminal.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite refused or failed; the source says how.
    #[error("{0}")]
    Database(#[from] rusqlite::Error),
    /// PostgreSQL refused or failed, or could not be reached; the source says how.
    #[error("{}", postgres::describe_error(.0))]
    Postgres(#[from] ::postgres::Error),
    /// The database holds a schema newer than this binary writes.
    #[error(
        "the database has schema version {found}, newer than this kume ({supported}); upgrade kume"
    )]
    NewerSchema { found: i64, supported: i64 },
    /// The database has no Kume tables (nothing was ever stored there).
    #[error("the database holds no Kume data (no schema); start a collector on it first")]
    NoSchema,
    /// A move into a store that already holds data.
    #[error(
        "the target already holds {responses} responses and {invitations} invitations; a move goes into an empty store only"
    )]
    NotEmpty { responses: i64, invitations: i64 },
    /// A stored row that cannot be read back as it was written.
    #[error("{0}")]
    BadRow(String),
    /// The erasure was committed but the table files were not vacuumed.
    #[error(
        "the data is erased, but the tables could not be vacuumed, so the deleted rows may stay readable in the table files until autovacuum runs: {0}; run `VACUUM response_history, responses, invitations` as the tables' owner"
    )]
    Vacuum(String),
    /// What this database does not do here, and what to use instead.
    #[error("{0}")]
    Unsupported(String),
    #[error("the database was opened for reading only")]
    ReadOnly,
    #[error("the writer is not taking work")]
    WriterBusy,
    #[error("the writer has stopped")]
    WriterStopped,
    #[error(
        "the data is erased, but the write-ahead log stayed in use for 5 s, so older copies of it may remain there until the collector's next checkpoint; run the same `kume erase` again later (it empties the log, then says there is nothing left to erase)"
    )]
    LogInUse,
}

/// A submission on its way to the disk; resolves once it is committed or refused.
pub type Pending<'a> = Pin<Box<dyn Future<Output = Stored> + Send + 'a>>;
/// A health check's round trip through the writer.
pub type Ping<'a> = Pin<Box<dyn Future<Output = Result<(), StoreError>> + Send + 'a>>;

/// Where responses and invitations live. The collector and the respondent-facing commands
/// reach the data only through this trait, so that another database (PostgreSQL, for several
/// collectors behind one load balancer) is another implementation, not a rewrite.
pub trait ResponseStore: Send + Sync {
    /// Stores one response; resolves only after it is durably committed (or refused).
    fn insert(&self, response: NewResponse) -> Pending<'_>;
    /// Resolves once the writer has read from the database: it is alive and can store.
    fn ping(&self) -> Ping<'_>;
    /// Resolves once every submission taken so far is committed (or refused); nothing is
    /// taken after it (graceful shutdown).
    fn shutdown(&self) -> Ping<'_>;
    /// The invitation a (plain) token belongs to.
    fn invitation(&self, token: &str) -> Result<Option<Invitation>, StoreError>;
    /// The saved response of an invitation for a survey: its status and answers.
    fn saved_response(
        &self,
        survey: &str,
        token: &str,
    ) -> Result<Option<(String, serde_json::Value)>, StoreError>;
    /// Adds invitations (plain token, invitation) all together or not at all.
    fn add_invitations(&self, invitations: &[(String, Invitation)]) -> Result<(), StoreError>;
    /// Deletes one respondent's responses, their history and the invitation; returns how many
    /// responses and invitations were removed.
    fn erase(&self, token: &str) -> Result<(usize, usize), StoreError>;
    /// The final responses of a survey, oldest first (for exports).
    fn final_responses(&self, survey: &str) -> Result<Vec<FinalResponse>, StoreError>;
    /// Every final response, oldest first, handed to `each` one at a time (the aggregation
    /// streams them); a read error ends the walk and is returned, never a partial success.
    fn each_final(&self, each: &mut dyn FnMut(StoredAnswer)) -> Result<(), StoreError>;
    /// Every invitation of a survey's wave and where its response stands (for reminders).
    fn invitation_status(
        &self,
        survey: &str,
        wave: i64,
    ) -> Result<Vec<InvitationStatus>, StoreError>;
    /// A consistent copy of everything stored, written to `to`, while the store is in use.
    fn backup(&self, to: &Path) -> Result<(), StoreError>;
    /// Counters for the metrics endpoint.
    fn stats(&self) -> &Stats;
    /// Where the store is, for messages (never with a password).
    fn describe(&self) -> String;
    /// How many responses, history rows and invitations are stored.
    fn counts(&self) -> Result<Counts, StoreError>;
    /// Every row as stored, from one consistent snapshot (for `kume migrate-store`).
    fn dump(&self) -> Result<Dump, StoreError>;
    /// Writes `dump` as it is (ids, times and history kept), all of it or nothing, into a
    /// store that holds nothing yet.
    fn load(&self, dump: &Dump) -> Result<(), StoreError>;
}

/// How much a store holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub responses: i64,
    pub drafts: i64,
    pub history: i64,
    pub invitations: i64,
}

/// Everything a store holds, row for row (times as ISO 8601 UTC text, answers as JSON).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dump {
    pub invitations: Vec<InvitationRow>,
    pub responses: Vec<ResponseRow>,
    pub history: Vec<HistoryRow>,
}

/// One stored invitation.
#[derive(Debug, Clone, PartialEq)]
pub struct InvitationRow {
    pub token_hash: String,
    pub survey: String,
    pub wave: i64,
    pub cluster: Option<String>,
    pub firm: Option<String>,
    pub email: Option<String>,
    pub prefill: serde_json::Value,
    pub created_at: String,
}

/// One stored response (draft or final).
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseRow {
    pub id: String,
    pub survey: String,
    pub hash: String,
    pub wave: i64,
    pub idem_key: String,
    pub payload_hash: String,
    pub status: String,
    pub lang: String,
    pub token_hash: Option<String>,
    pub cluster: Option<String>,
    pub firm: Option<String>,
    pub consent: Option<serde_json::Value>,
    pub answers: serde_json::Value,
    pub received_at: String,
}

/// One replaced version of a response.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryRow {
    pub response_id: String,
    pub status: String,
    pub answers: serde_json::Value,
    pub payload_hash: String,
    pub received_at: String,
    pub replaced_at: String,
}

/// A stored JSON text read back; `what` names the row for the error.
fn parse_json(text: &str, what: impl FnOnce() -> String) -> Result<serde_json::Value, StoreError> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::BadRow(format!("{}: the stored JSON does not parse: {e}", what())))
}

/// A final response as analysts get it.
#[derive(Debug, Clone, Serialize)]
pub struct FinalResponse {
    pub id: String,
    pub wave: i64,
    pub lang: String,
    pub received_at: String,
    pub cluster: Option<String>,
    pub firm: Option<String>,
    pub answers: serde_json::Value,
    /// The hash of the survey definition the response was checked against.
    pub hash: String,
}

/// Where one invitation stands: `none`, `draft` or `final`, and since when.
#[derive(Debug, Clone)]
pub struct InvitationStatus {
    pub firm: Option<String>,
    pub cluster: Option<String>,
    pub email: Option<String>,
    pub status: String,
    pub received_at: Option<String>,
}

/// The SQLite store: a handle to the writer thread, plus read-only connections for lookups.
#[derive(Clone)]
pub struct SqliteStore {
    /// Closed when opened for reading only ([`SqliteStore::read_only`]).
    queue: Queue,
    pub path: PathBuf,
    pub stats: std::sync::Arc<Stats>,
}

impl SqliteStore {
    /// Starts the writer thread on the database at `path` (created and migrated if needed).
    pub fn start(path: &Path) -> rusqlite::Result<SqliteStore> {
        let conn = open(path)?;
        let stats = std::sync::Arc::new(Stats::default());
        let queue = Queue::start(SqliteCommitter(conn), stats.clone())
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        Ok(SqliteStore {
            queue,
            path: path.to_path_buf(),
            stats,
        })
    }

    /// An existing database, for reading only (exports): never created, never written.
    pub fn read_only(path: &Path) -> Result<SqliteStore, StoreError> {
        Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        Ok(SqliteStore {
            queue: Queue::closed(),
            path: path.to_path_buf(),
            stats: std::sync::Arc::default(),
        })
    }

    /// A read-write connection, refused on a store opened with [`SqliteStore::read_only`].
    fn read_write(&self) -> Result<Connection, StoreError> {
        if !self.queue.is_open() {
            return Err(StoreError::ReadOnly);
        }
        Ok(open(&self.path)?)
    }

    /// A read-only connection for lookups: readers never wait for the writer (WAL).
    fn reader(&self) -> rusqlite::Result<Connection> {
        Connection::open_with_flags(&self.path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
    }
}

impl ResponseStore for SqliteStore {
    fn insert(&self, response: NewResponse) -> Pending<'_> {
        self.queue.insert(response)
    }

    fn ping(&self) -> Ping<'_> {
        self.queue.ping()
    }

    fn shutdown(&self) -> Ping<'_> {
        self.queue.shutdown()
    }

    fn invitation(&self, token: &str) -> Result<Option<Invitation>, StoreError> {
        Ok(find_invitation(&self.reader()?, token)?)
    }

    fn saved_response(
        &self,
        survey: &str,
        token: &str,
    ) -> Result<Option<(String, serde_json::Value)>, StoreError> {
        Ok(response_of_token(&self.reader()?, survey, token)?)
    }

    fn add_invitations(&self, invitations: &[(String, Invitation)]) -> Result<(), StoreError> {
        let conn = self.read_write()?;
        let tx = conn.unchecked_transaction()?;
        for (token, invitation) in invitations {
            add_invitation(&tx, token, invitation)?;
        }
        tx.commit()?;
        Ok(())
    }

    fn erase(&self, token: &str) -> Result<(usize, usize), StoreError> {
        let conn = self.read_write()?;
        // Deleted rows are overwritten with zeros, not only unlinked (KVKK: nothing readable
        // is left behind in free pages).
        conn.pragma_update(None, "secure_delete", "ON")?;
        let hash = token_hash(token);
        let tx = conn.unchecked_transaction()?;
        tx.execute("DELETE FROM response_history WHERE response_id IN (SELECT id FROM responses WHERE token_hash = ?1)", params![hash])?;
        let responses = tx.execute("DELETE FROM responses WHERE token_hash = ?1", params![hash])?;
        let invitations = tx.execute(
            "DELETE FROM invitations WHERE token_hash = ?1",
            params![hash],
        )?;
        tx.commit()?;
        truncate_log(&conn)?;
        Ok((responses, invitations))
    }

    fn each_final(&self, each: &mut dyn FnMut(StoredAnswer)) -> Result<(), StoreError> {
        let conn = self.reader()?;
        let mut stmt = conn.prepare(
            "SELECT survey, wave, cluster, answers FROM responses
             WHERE status = 'final' ORDER BY received_at, id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let answers: String = row.get(3)?;
            each(StoredAnswer {
                survey: row.get(0)?,
                wave: row.get(1)?,
                cluster: row.get(2)?,
                // Every stored answer was written as a JSON object; one that is not counts
                // for nothing rather than stopping the run.
                answers: serde_json::from_str(&answers).unwrap_or_default(),
            });
        }
        Ok(())
    }

    fn final_responses(&self, survey: &str) -> Result<Vec<FinalResponse>, StoreError> {
        let conn = self.reader()?;
        let mut stmt = conn.prepare(
            "SELECT id, wave, lang, received_at, cluster, firm, answers, hash FROM responses
             WHERE survey = ?1 AND status = 'final' ORDER BY received_at, id",
        )?;
        let rows = stmt.query_map(params![survey], |r| {
            let answers: String = r.get(6)?;
            Ok(FinalResponse {
                id: r.get(0)?,
                wave: r.get(1)?,
                lang: r.get(2)?,
                received_at: r.get(3)?,
                cluster: r.get(4)?,
                firm: r.get(5)?,
                answers: serde_json::from_str(&answers).unwrap_or_default(),
                hash: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn invitation_status(
        &self,
        survey: &str,
        wave: i64,
    ) -> Result<Vec<InvitationStatus>, StoreError> {
        let conn = self.reader()?;
        let mut stmt = conn.prepare(
            "SELECT i.firm, i.cluster, i.email, coalesce(r.status, 'none'), r.received_at
             FROM invitations i LEFT JOIN responses r ON r.token_hash = i.token_hash AND r.survey = i.survey
             WHERE i.survey = ?1 AND i.wave = ?2 ORDER BY 4, i.firm, i.cluster",
        )?;
        let rows = stmt.query_map(params![survey, wave], |r| {
            Ok(InvitationStatus {
                firm: r.get(0)?,
                cluster: r.get(1)?,
                email: r.get(2)?,
                status: r.get(3)?,
                received_at: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn backup(&self, to: &Path) -> Result<(), StoreError> {
        Ok(backup(&self.path, to)?)
    }

    fn stats(&self) -> &Stats {
        &self.stats
    }

    fn describe(&self) -> String {
        self.path.display().to_string()
    }

    fn counts(&self) -> Result<Counts, StoreError> {
        Ok(schema::counts(&self.reader()?)?)
    }

    fn dump(&self) -> Result<Dump, StoreError> {
        let conn = self.reader()?;
        // One read transaction: the three tables agree with each other.
        let tx = conn.unchecked_transaction()?;
        schema::dump(&tx)
    }

    fn load(&self, dump: &Dump) -> Result<(), StoreError> {
        let conn = self.read_write()?;
        let tx = conn.unchecked_transaction()?;
        let held = schema::counts(&tx)?;
        if held.responses + held.invitations > 0 {
            return Err(StoreError::NotEmpty {
                responses: held.responses,
                invitations: held.invitations,
            });
        }
        schema::load(&tx, dump)?;
        tx.commit()?;
        Ok(())
    }
}

/// Copies the write-ahead log into the database and empties it, so that the old versions of
/// erased pages are not left readable in the log. Readers in the middle of a transaction (the
/// collector's lookups take milliseconds) hold it up; a few tries wait them out.
fn truncate_log(conn: &Connection) -> Result<(), StoreError> {
    for _ in 0..50 {
        let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
        if busy == 0 {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(StoreError::LogInUse)
}

/// The operating system's random source failed: no id or token can be made safely.
#[derive(Debug, thiserror::Error)]
#[error("the operating system's random source failed: {0}")]
pub struct RandomUnavailable(String);

/// A random 128-bit id, as 32 hex digits. Fails rather than fall back to anything guessable:
/// ids double as invitation tokens.
pub fn new_id() -> Result<String, RandomUnavailable> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| RandomUnavailable(e.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// `kume backup --to FILE`: a consistent copy of a live database in one step (`VACUUM INTO`
/// reads one snapshot, so writers never make it start over, however busy the collector is).
/// The copy is made beside `to` and renamed over it only when complete; it is readable by its
/// owner only, since it holds every answer.
pub fn backup(from: &Path, to: &Path) -> rusqlite::Result<()> {
    let src = Connection::open_with_flags(from, rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    src.busy_timeout(Duration::from_secs(5))?;
    let partial = {
        let mut name = to.as_os_str().to_os_string();
        name.push(".partial");
        PathBuf::from(name)
    };
    let io = |e: std::io::Error| rusqlite::Error::ToSqlConversionFailure(Box::new(e));
    let _ = std::fs::remove_file(&partial);
    // VACUUM INTO fills an empty file it finds, keeping the file's mode.
    drop(super::export::create_private(&partial).map_err(io)?);
    let copied = src
        .execute("VACUUM INTO ?1", params![partial.to_string_lossy()])
        .map(|_| ());
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    std::fs::rename(&partial, to).map_err(io)
}

/// Every stored response of a survey (for tests, export and status).
pub fn responses(
    conn: &Connection,
    survey: &str,
) -> rusqlite::Result<Vec<(String, String, String, serde_json::Value)>> {
    let mut stmt = conn.prepare("SELECT id, status, idem_key, answers FROM responses WHERE survey = ?1 ORDER BY received_at, id")?;
    let rows = stmt.query_map(params![survey], |row| {
        let answers: String = row.get(3)?;
        Ok((
            row.get(0)?,
            row.get(1)?,
            row.get(2)?,
            serde_json::from_str(&answers).unwrap_or(serde_json::Value::Null),
        ))
    })?;
    rows.collect()
}

/// An invitation: who a token belongs to and what the form starts with.
#[derive(Debug, Clone, Serialize)]
pub struct Invitation {
    pub survey: String,
    pub wave: i64,
    pub cluster: Option<String>,
    pub firm: Option<String>,
    pub email: Option<String>,
    pub prefill: serde_json::Value,
}

/// SHA-256 of a token, as stored: a stolen database does not give working links.
pub fn token_hash(token: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn add_invitation(conn: &Connection, token: &str, inv: &Invitation) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO invitations (token_hash, survey, wave, cluster, firm, email, prefill, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
        params![token_hash(token), inv.survey, inv.wave, inv.cluster, inv.firm, inv.email, inv.prefill.to_string()],
    )?;
    Ok(())
}

fn find_invitation(conn: &Connection, token: &str) -> rusqlite::Result<Option<Invitation>> {
    conn.query_row(
        "SELECT survey, wave, cluster, firm, email, prefill FROM invitations WHERE token_hash = ?1",
        params![token_hash(token)],
        |r| {
            let prefill: String = r.get(5)?;
            Ok(Invitation {
                survey: r.get(0)?,
                wave: r.get(1)?,
                cluster: r.get(2)?,
                firm: r.get(3)?,
                email: r.get(4)?,
                prefill: serde_json::from_str(&prefill).unwrap_or_default(),
            })
        },
    )
    .optional()
}

/// The saved response (draft or final) of an invitation, if any.
fn response_of_token(
    conn: &Connection,
    survey: &str,
    token: &str,
) -> rusqlite::Result<Option<(String, serde_json::Value)>> {
    conn.query_row(
        "SELECT status, answers FROM responses WHERE survey = ?1 AND token_hash = ?2 ORDER BY received_at DESC LIMIT 1",
        params![survey, token_hash(token)],
        |r| {
            let answers: String = r.get(1)?;
            Ok((r.get(0)?, serde_json::from_str(&answers).unwrap_or_default()))
        },
    )
    .optional()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anonymous(n: usize) -> NewResponse {
        NewResponse {
            survey: "deneme".into(),
            hash: "h".into(),
            wave: 2026,
            idem_key: format!("a:{n}"),
            payload_hash: format!("p{n}"),
            status: "final",
            lang: "tr".into(),
            token_hash: None,
            cluster: None,
            firm: None,
            consent: None,
            answers: serde_json::json!({"n": n}),
            editable: false,
        }
    }

    #[test]
    fn a_full_queue_refuses_at_once_and_loses_nothing_it_took() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kume.sqlite");
        let store = SqliteStore::start(&path).unwrap();
        // Another connection holds the write lock: the writer's first batch waits for it.
        let blocker = Connection::open(&path).unwrap();
        blocker.execute_batch("BEGIN IMMEDIATE;").unwrap();
        let sent = QUEUE_CAPACITY + MAX_BATCH + 20;
        let pending: Vec<Pending<'_>> = (0..sent).map(|n| store.insert(anonymous(n))).collect();
        blocker.execute_batch("COMMIT;").unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let results: Vec<Stored> = pending.into_iter().map(|p| runtime.block_on(p)).collect();
        let full = results
            .iter()
            .filter(
                |r| matches!(r, Stored::Unavailable(why) if why == "the writer's queue is full"),
            )
            .count();
        let created = results
            .iter()
            .filter(|r| matches!(r, Stored::Created(_)))
            .count();
        assert!(full >= 20, "{full} refused");
        assert_eq!(
            created + full,
            sent,
            "every submission is stored or refused"
        );
        let stored: i64 = Connection::open(&path)
            .unwrap()
            .query_row("SELECT count(*) FROM responses", [], |r| r.get(0))
            .unwrap();
        assert_eq!(stored as usize, created, "what was acknowledged is on disk");
    }

    #[test]
    fn a_read_only_store_creates_nothing_and_refuses_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kume.sqlite");
        assert!(SqliteStore::read_only(&path).is_err());
        assert!(!path.exists());
        SqliteStore::start(&path).unwrap();
        let store = SqliteStore::read_only(&path).unwrap();
        assert_eq!(
            store.erase("token").unwrap_err().to_string(),
            "the database was opened for reading only"
        );
        assert!(store.add_invitations(&[]).is_err());
        assert!(store.final_responses("deneme").unwrap().is_empty());
    }
}
