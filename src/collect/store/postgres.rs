//! The PostgreSQL store: the same writer thread and group commit as SQLite, on a connection of
//! the synchronous `postgres` client, plus a few pooled connections for lookups. Several
//! collectors may share one database: the database, not the process, keeps the promises —
//! a key is stored once per survey (`ON CONFLICT DO NOTHING` on its unique constraint, waiting
//! for another collector's transaction holding the same key), an invitation has one response
//! per wave, and edits lock the row they replace.
//!
//! Every connection runs with `synchronous_commit = on`: a submission is acknowledged only
//! after the server has its commit on disk. When the server cannot be reached, submissions
//! get `Unavailable` (the client gets 503 with Retry-After) and the next batch connects again.

use std::collections::HashSet;
use std::path::Path;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use postgres::{Client, Config, NoTls, Statement};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::postgres_schema::{self, iso};
use super::postgres_tls::{self, SslMode};
use super::writer::{Committer, Existing, Queue, outcome_for};
use super::{
    Counts, Dump, FinalResponse, HistoryRow, Invitation, InvitationRow, InvitationStatus,
    NewResponse, Pending, Ping, ResponseRow, ResponseStore, Stats, StoreError, Stored,
    StoredAnswer, address::redact, new_id, token_hash,
};

/// Idle lookup connections kept open at most.
const IDLE_READERS: usize = 4;
/// Rows fetched at a time when the aggregation walks every final answer.
const FETCH_ROWS: i32 = 1000;
/// How long a connection attempt may take before the submission is refused (503).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Tries of a batch that lost a deadlock or serialisation race with another collector.
const RACE_TRIES: usize = 3;

/// A PostgreSQL error as a person reads it: the server's own message and its SQLSTATE code
/// when the server answered, or why it could not be reached.
pub fn describe_error(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return format!("PostgreSQL: {} ({})", db.message(), db.code().code());
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    format!("PostgreSQL: {text}")
}

/// The PostgreSQL store.
pub struct PostgresStore {
    queue: Queue,
    config: Settings,
    label: String,
    read_only: bool,
    readers: Mutex<Vec<Client>>,
    stats: Arc<Stats>,
}

/// How to reach the database: the client's settings and, unless TLS is off, the connector.
#[derive(Clone)]
struct Settings {
    config: Config,
    tls: Option<MakeRustlsConnect>,
}

fn config(url: &str) -> Result<Settings, StoreError> {
    let (url, tls) = postgres_tls::split(url).map_err(StoreError::Unsupported)?;
    let mut config = Config::from_str(&url)?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    config.ssl_mode(tls.client_mode());
    let tls = match tls.mode {
        SslMode::Disable => None,
        _ => Some(tls.connector().map_err(StoreError::Unsupported)?),
    };
    Ok(Settings { config, tls })
}

fn connect(settings: &Settings, read_only: bool) -> Result<Client, postgres::Error> {
    let mut client = match &settings.tls {
        Some(tls) => settings.config.connect(tls.clone())?,
        None => settings.config.connect(NoTls)?,
    };
    postgres_schema::configure(&mut client)?;
    if read_only {
        client.batch_execute("SET default_transaction_read_only = on")?;
    }
    Ok(client)
}

/// Runs blocking client work where it may block: the synchronous client drives its own small
/// runtime, which must not be started on a thread that is running async tasks.
fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(h) if h.runtime_flavor() == RuntimeFlavor::MultiThread => tokio::task::block_in_place(f),
        Ok(_) => std::thread::scope(|s| {
            s.spawn(f)
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        }),
        Err(_) => f(),
    }
}

impl PostgresStore {
    /// Connects, creates or migrates the schema, and starts the writer.
    pub fn start(url: &str) -> Result<PostgresStore, StoreError> {
        let config = config(url)?;
        let mut client = connect(&config, false)?;
        postgres_schema::migrate(&mut client)?;
        let stats = Arc::new(Stats::default());
        let committer = PgCommitter {
            config: config.clone(),
            conn: Some(Conn::prepare(client)?),
        };
        let queue = Queue::start(committer, stats.clone())
            .map_err(|e| StoreError::Unsupported(format!("cannot start the writer: {e}")))?;
        Ok(PostgresStore {
            queue,
            config,
            label: redact(url),
            read_only: false,
            readers: Mutex::default(),
            stats,
        })
    }

    /// An existing Kume database, for reading only: nothing is created or written.
    pub fn read_only(url: &str) -> Result<PostgresStore, StoreError> {
        let config = config(url)?;
        let mut client = connect(&config, true)?;
        postgres_schema::check(&mut client)?;
        Ok(PostgresStore {
            queue: Queue::closed(),
            config,
            label: redact(url),
            read_only: true,
            readers: Mutex::new(vec![client]),
            stats: Arc::default(),
        })
    }

    /// Runs `f` on a pooled connection (opened when none is idle).
    fn with_client<T: Send>(
        &self,
        f: impl FnOnce(&mut Client) -> Result<T, StoreError> + Send,
    ) -> Result<T, StoreError> {
        off_runtime(|| {
            let idle = self.readers.lock().unwrap_or_else(|e| e.into_inner()).pop();
            let mut client = match idle.filter(|c| !c.is_closed()) {
                Some(c) => c,
                None => connect(&self.config, self.read_only)?,
            };
            let result = f(&mut client);
            if !client.is_closed() {
                let mut idle = self.readers.lock().unwrap_or_else(|e| e.into_inner());
                if idle.len() < IDLE_READERS {
                    idle.push(client);
                }
            }
            result
        })
    }

    fn writable(&self) -> Result<(), StoreError> {
        if self.read_only {
            Err(StoreError::ReadOnly)
        } else {
            Ok(())
        }
    }
}

impl ResponseStore for PostgresStore {
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
        let hash = token_hash(token);
        self.with_client(|c| {
            let row = c.query_opt(
                "SELECT survey, wave, cluster, firm, email, prefill FROM invitations WHERE token_hash = $1",
                &[&hash],
            )?;
            Ok(row.map(|r| Invitation {
                survey: r.get(0),
                wave: r.get(1),
                cluster: r.get(2),
                firm: r.get(3),
                email: r.get(4),
                prefill: r.get(5),
            }))
        })
    }

    fn saved_response(
        &self,
        survey: &str,
        token: &str,
    ) -> Result<Option<(String, serde_json::Value)>, StoreError> {
        let hash = token_hash(token);
        self.with_client(|c| {
            let row = c.query_opt(
                "SELECT status, answers FROM responses WHERE survey = $1 AND token_hash = $2
                 ORDER BY received_at DESC LIMIT 1",
                &[&survey, &hash],
            )?;
            Ok(row.map(|r| (r.get(0), r.get(1))))
        })
    }

    fn add_invitations(&self, invitations: &[(String, Invitation)]) -> Result<(), StoreError> {
        self.writable()?;
        self.with_client(|c| {
            let mut tx = c.transaction()?;
            let insert = tx.prepare(
                "INSERT INTO invitations (token_hash, survey, wave, cluster, firm, email, prefill)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )?;
            for (token, i) in invitations {
                tx.execute(
                    &insert,
                    &[
                        &token_hash(token),
                        &i.survey,
                        &i.wave,
                        &i.cluster,
                        &i.firm,
                        &i.email,
                        &i.prefill,
                    ],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    fn erase(&self, token: &str) -> Result<(usize, usize), StoreError> {
        self.writable()?;
        let hash = token_hash(token);
        self.with_client(|c| {
            let mut tx = c.transaction()?;
            tx.execute(
                "DELETE FROM response_history WHERE response_id IN (SELECT id FROM responses WHERE token_hash = $1)",
                &[&hash],
            )?;
            let responses = tx.execute("DELETE FROM responses WHERE token_hash = $1", &[&hash])?;
            let invitations =
                tx.execute("DELETE FROM invitations WHERE token_hash = $1", &[&hash])?;
            tx.commit()?;
            // The deleted rows stay in the table files until a vacuum removes them: remove
            // them now rather than at autovacuum's leisure.
            if responses + invitations > 0 {
                c.batch_execute("VACUUM response_history, responses, invitations")
                    .map_err(|e| StoreError::Vacuum(describe_error(&e)))?;
            }
            Ok((responses as usize, invitations as usize))
        })
    }

    fn final_responses(&self, survey: &str) -> Result<Vec<FinalResponse>, StoreError> {
        let sql = format!(
            "SELECT id, wave, lang, {}, cluster, firm, answers, hash FROM responses
             WHERE survey = $1 AND status = 'final' ORDER BY received_at, id",
            iso("received_at")
        );
        self.with_client(|c| {
            let rows = c.query(&sql, &[&survey])?;
            Ok(rows
                .iter()
                .map(|r| FinalResponse {
                    id: r.get(0),
                    wave: r.get(1),
                    lang: r.get(2),
                    received_at: r.get(3),
                    cluster: r.get(4),
                    firm: r.get(5),
                    answers: r.get(6),
                    hash: r.get(7),
                })
                .collect())
        })
    }

    fn each_final(&self, each: &mut dyn FnMut(StoredAnswer)) -> Result<(), StoreError> {
        // A portal fetched a thousand rows at a time: memory stays flat however many answers.
        let walk = |c: &mut Client, each: &mut dyn FnMut(StoredAnswer)| {
            let mut tx = c.build_transaction().read_only(true).start()?;
            let portal = tx.bind(
                "SELECT survey, wave, cluster, answers FROM responses
                 WHERE status = 'final' ORDER BY received_at, id",
                &[],
            )?;
            loop {
                let rows = tx.query_portal(&portal, FETCH_ROWS)?;
                if rows.is_empty() {
                    break;
                }
                for r in rows {
                    each(StoredAnswer {
                        survey: r.get(0),
                        wave: r.get(1),
                        cluster: r.get(2),
                        answers: r.get(3),
                    });
                }
            }
            tx.commit()?;
            Ok::<(), StoreError>(())
        };
        // The callback is not `Send`: the walk runs on this thread, out of any runtime.
        use tokio::runtime::{Handle, RuntimeFlavor};
        let mut client = off_runtime(|| connect(&self.config, true))?;
        let result = match Handle::try_current().map(|h| h.runtime_flavor()) {
            Err(_) => walk(&mut client, each),
            Ok(RuntimeFlavor::MultiThread) => {
                tokio::task::block_in_place(|| walk(&mut client, each))
            }
            // A single-threaded runtime cannot lend its thread: the rows are read on another
            // one first, then handed over.
            Ok(_) => {
                let mut rows = Vec::new();
                let read = off_runtime(|| walk(&mut client, &mut |row| rows.push(row)));
                rows.into_iter().for_each(&mut *each);
                read
            }
        };
        off_runtime(move || drop(client));
        result
    }

    fn invitation_status(
        &self,
        survey: &str,
        wave: i64,
    ) -> Result<Vec<InvitationStatus>, StoreError> {
        // The same order as SQLite's: bytes, not the database's collation; empty firms first.
        let sql = format!(
            "SELECT i.firm, i.cluster, i.email, coalesce(r.status, 'none'), {}
             FROM invitations i LEFT JOIN responses r ON r.token_hash = i.token_hash AND r.survey = i.survey
             WHERE i.survey = $1 AND i.wave = $2
             ORDER BY coalesce(r.status, 'none') COLLATE \"C\", i.firm COLLATE \"C\" NULLS FIRST, i.cluster COLLATE \"C\" NULLS FIRST",
            iso("r.received_at")
        );
        self.with_client(|c| {
            Ok(c.query(&sql, &[&survey, &wave])?
                .iter()
                .map(|r| InvitationStatus {
                    firm: r.get(0),
                    cluster: r.get(1),
                    email: r.get(2),
                    status: r.get(3),
                    received_at: r.get(4),
                })
                .collect())
        })
    }

    fn backup(&self, _to: &Path) -> Result<(), StoreError> {
        Err(StoreError::Unsupported(
            "kume backup copies SQLite files; back up PostgreSQL with its own tools: `pg_dump --format=custom --file=kume.dump DATABASE` (restore with `pg_restore --dbname=DATABASE kume.dump`), or your managed service's point-in-time recovery (see docs/deploy.md)".into(),
        ))
    }

    fn stats(&self) -> &Stats {
        &self.stats
    }

    fn describe(&self) -> String {
        self.label.clone()
    }

    fn counts(&self) -> Result<Counts, StoreError> {
        self.with_client(|c| {
            let r = c.query_one(
                "SELECT (SELECT count(*) FROM responses),
                        (SELECT count(*) FROM responses WHERE status = 'draft'),
                        (SELECT count(*) FROM response_history),
                        (SELECT count(*) FROM invitations)",
                &[],
            )?;
            Ok(Counts {
                responses: r.get(0),
                drafts: r.get(1),
                history: r.get(2),
                invitations: r.get(3),
            })
        })
    }

    fn dump(&self) -> Result<Dump, StoreError> {
        self.with_client(|c| {
            // One snapshot for the three tables.
            let mut tx = c
                .build_transaction()
                .isolation_level(postgres::IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()?;
            let mut dump = Dump::default();
            let sql = format!(
                "SELECT token_hash, survey, wave, cluster, firm, email, prefill, {}
                 FROM invitations ORDER BY created_at, token_hash",
                iso("created_at")
            );
            for r in tx.query(&sql, &[])? {
                dump.invitations.push(InvitationRow {
                    token_hash: r.get(0),
                    survey: r.get(1),
                    wave: r.get(2),
                    cluster: r.get(3),
                    firm: r.get(4),
                    email: r.get(5),
                    prefill: r.get(6),
                    created_at: r.get(7),
                });
            }
            let sql = format!(
                "SELECT id, survey, hash, wave, idem_key, payload_hash, status, lang, token_hash, cluster, firm, consent, answers, {}
                 FROM responses ORDER BY received_at, id",
                iso("received_at")
            );
            for r in tx.query(&sql, &[])? {
                dump.responses.push(ResponseRow {
                    id: r.get(0),
                    survey: r.get(1),
                    hash: r.get(2),
                    wave: r.get(3),
                    idem_key: r.get(4),
                    payload_hash: r.get(5),
                    status: r.get(6),
                    lang: r.get(7),
                    token_hash: r.get(8),
                    cluster: r.get(9),
                    firm: r.get(10),
                    consent: r.get(11),
                    answers: r.get(12),
                    received_at: r.get(13),
                });
            }
            let sql = format!(
                "SELECT response_id, status, answers, payload_hash, {}, {}
                 FROM response_history ORDER BY seq",
                iso("received_at"),
                iso("replaced_at")
            );
            for r in tx.query(&sql, &[])? {
                dump.history.push(HistoryRow {
                    response_id: r.get(0),
                    status: r.get(1),
                    answers: r.get(2),
                    payload_hash: r.get(3),
                    received_at: r.get(4),
                    replaced_at: r.get(5),
                });
            }
            tx.commit()?;
            Ok(dump)
        })
    }

    fn load(&self, dump: &Dump) -> Result<(), StoreError> {
        self.writable()?;
        self.with_client(|c| {
            let mut tx = c.transaction()?;
            // Nothing may be added while the move runs: another collector started on the
            // target would otherwise mix its answers into a half-moved store.
            tx.batch_execute("LOCK TABLE invitations, responses, response_history IN EXCLUSIVE MODE")?;
            let r = tx.query_one(
                "SELECT (SELECT count(*) FROM responses), (SELECT count(*) FROM invitations)",
                &[],
            )?;
            let (responses, invitations): (i64, i64) = (r.get(0), r.get(1));
            if responses + invitations > 0 {
                return Err(StoreError::NotEmpty {
                    responses,
                    invitations,
                });
            }
            let insert = tx.prepare(
                "INSERT INTO invitations (token_hash, survey, wave, cluster, firm, email, prefill, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, CAST($8::text AS timestamptz))",
            )?;
            for i in &dump.invitations {
                tx.execute(
                    &insert,
                    &[
                        &i.token_hash,
                        &i.survey,
                        &i.wave,
                        &i.cluster,
                        &i.firm,
                        &i.email,
                        &i.prefill,
                        &i.created_at,
                    ],
                )?;
            }
            let insert = tx.prepare(
                "INSERT INTO responses (id, survey, hash, wave, idem_key, payload_hash, status, lang, token_hash, cluster, firm, consent, answers, received_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, CAST($14::text AS timestamptz))",
            )?;
            for r in &dump.responses {
                tx.execute(
                    &insert,
                    &[
                        &r.id,
                        &r.survey,
                        &r.hash,
                        &r.wave,
                        &r.idem_key,
                        &r.payload_hash,
                        &r.status,
                        &r.lang,
                        &r.token_hash,
                        &r.cluster,
                        &r.firm,
                        &r.consent,
                        &r.answers,
                        &r.received_at,
                    ],
                )?;
            }
            let insert = tx.prepare(
                "INSERT INTO response_history (response_id, status, answers, payload_hash, received_at, replaced_at)
                 VALUES ($1, $2, $3, $4, CAST($5::text AS timestamptz), CAST($6::text AS timestamptz))",
            )?;
            for h in &dump.history {
                tx.execute(
                    &insert,
                    &[
                        &h.response_id,
                        &h.status,
                        &h.answers,
                        &h.payload_hash,
                        &h.received_at,
                        &h.replaced_at,
                    ],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
    }
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        // Closing a connection talks to the server through the client's own runtime.
        let idle: Vec<Client> =
            std::mem::take(&mut *self.readers.lock().unwrap_or_else(|e| e.into_inner()));
        off_runtime(move || drop(idle));
    }
}

/// The writer's connection and its prepared statements.
struct Conn {
    client: Client,
    insert: Statement,
    existing: Statement,
    keep: Statement,
    update: Statement,
}

impl Conn {
    fn prepare(mut client: Client) -> Result<Conn, postgres::Error> {
        // One statement inserts the whole batch: a round trip per batch, not per answer.
        let insert = client.prepare(
            "INSERT INTO responses (id, survey, hash, wave, idem_key, payload_hash, status, lang, token_hash, cluster, firm, consent, answers)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::jsonb[], $13::jsonb[])
             ON CONFLICT DO NOTHING
             RETURNING id",
        )?;
        let existing = client.prepare(
            "SELECT id, payload_hash, status, token_hash FROM responses
             WHERE survey = $1 AND idem_key = $2 FOR UPDATE",
        )?;
        let keep = client.prepare(
            "INSERT INTO response_history (response_id, status, answers, payload_hash, received_at)
             SELECT id, status, answers, payload_hash, received_at FROM responses WHERE id = $1",
        )?;
        let update = client.prepare(
            "UPDATE responses SET status = $2, answers = $3, payload_hash = $4, lang = $5, consent = $6, hash = $7,
             received_at = clock_timestamp() WHERE id = $1",
        )?;
        Ok(Conn {
            client,
            insert,
            existing,
            keep,
            update,
        })
    }
}

/// The writer thread's side: one connection, opened again after it is lost.
struct PgCommitter {
    config: Settings,
    conn: Option<Conn>,
}

impl PgCommitter {
    fn conn(&mut self) -> Result<&mut Conn, postgres::Error> {
        if self.conn.as_ref().is_none_or(|c| c.client.is_closed()) {
            self.conn = None;
            self.conn = Some(Conn::prepare(connect(&self.config, false)?)?);
        }
        Ok(self.conn.as_mut().expect("connected above"))
    }
}

/// A race with another collector's transaction that the database resolved by failing ours:
/// trying the batch again is safe and will succeed.
fn lost_a_race(e: &postgres::Error) -> bool {
    use postgres::error::SqlState;
    e.code().is_some_and(|c| {
        *c == SqlState::T_R_DEADLOCK_DETECTED || *c == SqlState::T_R_SERIALIZATION_FAILURE
    })
}

impl Committer for PgCommitter {
    fn ping(&mut self) -> Result<(), StoreError> {
        let conn = self.conn()?;
        conn.client.simple_query("SELECT 1")?;
        Ok(())
    }

    fn commit(&mut self, batch: &[&NewResponse]) -> (Vec<Stored>, bool) {
        let refuse = |reason: String| {
            batch
                .iter()
                .map(|_| Stored::Unavailable(reason.clone()))
                .collect()
        };
        // Without randomness nothing in the batch is stored: the clients get 503.
        let ids = match batch
            .iter()
            .map(|_| new_id())
            .collect::<Result<Vec<_>, _>>()
        {
            Ok(ids) => ids,
            Err(e) => return (refuse(e.to_string()), false),
        };
        let mut reconnected = false;
        let mut tries = 0;
        loop {
            tries += 1;
            let conn = match self.conn() {
                Ok(c) => c,
                Err(e) => return (refuse(describe_error(&e)), false),
            };
            match commit_batch(conn, batch, &ids) {
                Ok(results) => return (results, false),
                Err(e) => {
                    // A connection lost mid-batch (a failover, a restart) is tried once on a new
                    // one: keys make the repeat safe, whatever the lost commit did.
                    let closed = conn.client.is_closed();
                    if closed && !reconnected {
                        reconnected = true;
                        continue;
                    }
                    if lost_a_race(&e) && tries < RACE_TRIES {
                        continue;
                    }
                    tracing::warn!(error = %describe_error(&e), "batch not stored");
                    return (refuse(describe_error(&e)), false);
                }
            }
        }
    }
}

/// One transaction for the whole batch; when it cannot commit, nothing in it is acknowledged.
fn commit_batch(
    conn: &mut Conn,
    batch: &[&NewResponse],
    ids: &[String],
) -> Result<Vec<Stored>, postgres::Error> {
    // Rows in key order: two collectors inserting overlapping batches take their locks in the
    // same order, so they wait for each other instead of deadlocking.
    let mut order: Vec<usize> = (0..batch.len()).collect();
    order.sort_by(|&a, &b| {
        (&batch[a].survey, &batch[a].idem_key).cmp(&(&batch[b].survey, &batch[b].idem_key))
    });
    let column = |f: &dyn Fn(&NewResponse) -> String| -> Vec<String> {
        order.iter().map(|&i| f(batch[i])).collect()
    };
    let optional = |f: &dyn Fn(&NewResponse) -> Option<String>| -> Vec<Option<String>> {
        order.iter().map(|&i| f(batch[i])).collect()
    };
    let row_ids: Vec<String> = order.iter().map(|&i| ids[i].clone()).collect();
    let surveys = column(&|r| r.survey.clone());
    let hashes = column(&|r| r.hash.clone());
    let waves: Vec<i64> = order.iter().map(|&i| batch[i].wave).collect();
    let keys = column(&|r| r.idem_key.clone());
    let payloads = column(&|r| r.payload_hash.clone());
    let statuses = column(&|r| r.status.to_string());
    let langs = column(&|r| r.lang.clone());
    let tokens = optional(&|r| r.token_hash.clone());
    let clusters = optional(&|r| r.cluster.clone());
    let firms = optional(&|r| r.firm.clone());
    let consents: Vec<Option<serde_json::Value>> =
        order.iter().map(|&i| batch[i].consent.clone()).collect();
    let answers: Vec<serde_json::Value> = order.iter().map(|&i| batch[i].answers.clone()).collect();

    let Conn {
        client,
        insert,
        existing,
        keep,
        update,
    } = conn;
    let mut tx = client.transaction()?;
    let created: HashSet<String> = tx
        .query(
            &*insert,
            &[
                &row_ids, &surveys, &hashes, &waves, &keys, &payloads, &statuses, &langs, &tokens,
                &clusters, &firms, &consents, &answers,
            ],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut results: Vec<Option<Stored>> = vec![None; batch.len()];
    for &i in &order {
        let r = batch[i];
        if created.contains(&ids[i]) {
            results[i] = Some(Stored::Created(ids[i].clone()));
            continue;
        }
        // The key was taken: by an earlier answer, by another collector a moment ago, or by
        // the same key earlier in this batch. The row is locked until this batch commits.
        let Some(row) = tx.query_opt(&*existing, &[&r.survey, &r.idem_key])? else {
            // Taken on another of the database's promises (the invitation's one response).
            results[i] = Some(Stored::Conflict);
            continue;
        };
        let found = Existing {
            id: row.get(0),
            payload_hash: row.get(1),
            status: row.get(2),
            token_hash: row.get(3),
        };
        results[i] = Some(match outcome_for(&found, r) {
            Some(outcome) => outcome,
            None => {
                tx.execute(&*keep, &[&found.id])?;
                tx.execute(
                    &*update,
                    &[
                        &found.id,
                        &r.status,
                        &r.answers,
                        &r.payload_hash,
                        &r.lang,
                        &r.consent,
                        &r.hash,
                    ],
                )?;
                Stored::Updated(found.id)
            }
        });
    }
    tx.commit()?;
    Ok(results
        .into_iter()
        .map(|r| r.unwrap_or(Stored::Conflict))
        .collect())
}
