//! The database's schema: the migrations that create it and bring older files up to the
//! version this binary writes, and the connection settings every writer uses (WAL, `FULL` sync,
//! foreign keys).

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, params};

/// The schema version this binary writes; migrations below bring older files up to it.
pub const SCHEMA_VERSION: i64 = 3;

const MIGRATIONS: [&str; 2] = [
    // 1: responses (answers as JSON, never one column per question) and their history.
    "CREATE TABLE responses (
        id TEXT PRIMARY KEY,
        survey TEXT NOT NULL,
        hash TEXT NOT NULL,
        wave INTEGER NOT NULL,
        idem_key TEXT NOT NULL,
        payload_hash TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('draft', 'final')),
        lang TEXT NOT NULL,
        token_hash TEXT,
        cluster TEXT,
        firm TEXT,
        consent TEXT,
        answers TEXT NOT NULL,
        received_at TEXT NOT NULL
     );
     CREATE UNIQUE INDEX responses_key ON responses (survey, idem_key);
     CREATE INDEX responses_survey ON responses (survey, wave, status);",
    // 2: invitations (tokens stored hashed) and the history of edited responses.
    "CREATE TABLE invitations (
        token_hash TEXT PRIMARY KEY,
        survey TEXT NOT NULL,
        wave INTEGER NOT NULL,
        cluster TEXT,
        firm TEXT,
        email TEXT,
        prefill TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL
     );
     CREATE INDEX invitations_survey ON invitations (survey, wave);
     CREATE TABLE response_history (
        response_id TEXT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
        status TEXT NOT NULL,
        answers TEXT NOT NULL,
        payload_hash TEXT NOT NULL,
        received_at TEXT NOT NULL,
        replaced_at TEXT NOT NULL
     );",
];

/// Opens (creating and migrating) the database at `path`.
pub fn open(path: &Path) -> rusqlite::Result<Connection> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = std::fs::create_dir_all(dir);
    }
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // FULL: the WAL is synced at every commit, so an acknowledged response survives a crash
    // or power loss.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    migrate(&conn)?;
    Ok(conn)
}

fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    if version < 3 {
        let tx = conn.unchecked_transaction()?;
        migrate_to_3(&tx)?;
        tx.pragma_update(None, "user_version", 3)?;
        tx.commit()?;
    }
    Ok(())
}

/// 3: repeat entries stored as JSON-encoded strings become objects, and idempotency keys move
/// into their namespaces (`i:` for invitations, `a:` for anonymous answers).
fn migrate_to_3(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute(
        "UPDATE responses SET idem_key = CASE WHEN token_hash IS NULL THEN 'a:' ELSE 'i:' END || idem_key",
        [],
    )?;
    for (table, key) in [("responses", "id"), ("response_history", "rowid")] {
        let rows: Vec<(String, String)> = tx
            .prepare(&format!("SELECT CAST({key} AS TEXT), answers FROM {table}"))?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (id, answers) in rows {
            let Ok(mut value) = serde_json::from_str::<serde_json::Value>(&answers) else {
                continue;
            };
            if decode_entries(&mut value) {
                tx.execute(
                    &format!("UPDATE {table} SET answers = ?1 WHERE CAST({key} AS TEXT) = ?2"),
                    params![value.to_string(), id],
                )?;
            }
        }
    }
    Ok(())
}

/// Turns list items that are JSON objects written as strings back into objects; true when
/// anything changed. A choice code never parses as a JSON object, so codes are left alone.
fn decode_entries(answers: &mut serde_json::Value) -> bool {
    let mut changed = false;
    for value in answers
        .as_object_mut()
        .into_iter()
        .flat_map(|m| m.values_mut())
    {
        for item in value.as_array_mut().into_iter().flatten() {
            let decoded = item
                .as_str()
                .filter(|s| s.starts_with('{'))
                .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
                .filter(serde_json::Value::is_object);
            if let Some(object) = decoded {
                *item = object;
                changed = true;
            }
        }
    }
    changed
}

/// How much the database holds.
pub(super) fn counts(conn: &Connection) -> rusqlite::Result<super::Counts> {
    conn.query_row(
        "SELECT (SELECT count(*) FROM responses),
                (SELECT count(*) FROM responses WHERE status = 'draft'),
                (SELECT count(*) FROM response_history),
                (SELECT count(*) FROM invitations)",
        [],
        |r| {
            Ok(super::Counts {
                responses: r.get(0)?,
                drafts: r.get(1)?,
                history: r.get(2)?,
                invitations: r.get(3)?,
            })
        },
    )
}

/// Every row, as stored (inside the caller's read transaction).
pub(super) fn dump(conn: &Connection) -> Result<super::Dump, super::StoreError> {
    use super::{Dump, HistoryRow, InvitationRow, ResponseRow, parse_json};
    let mut dump = Dump::default();
    let mut stmt = conn.prepare(
        "SELECT token_hash, survey, wave, cluster, firm, email, prefill, created_at
         FROM invitations ORDER BY created_at, token_hash",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let token_hash: String = r.get(0)?;
        let prefill: String = r.get(6)?;
        dump.invitations.push(InvitationRow {
            prefill: parse_json(&prefill, || format!("invitation {token_hash}"))?,
            token_hash,
            survey: r.get(1)?,
            wave: r.get(2)?,
            cluster: r.get(3)?,
            firm: r.get(4)?,
            email: r.get(5)?,
            created_at: r.get(7)?,
        });
    }
    let mut stmt = conn.prepare(
        "SELECT id, survey, hash, wave, idem_key, payload_hash, status, lang, token_hash, cluster, firm, consent, answers, received_at
         FROM responses ORDER BY received_at, id",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let id: String = r.get(0)?;
        let consent: Option<String> = r.get(11)?;
        let answers: String = r.get(12)?;
        dump.responses.push(ResponseRow {
            consent: consent
                .map(|c| parse_json(&c, || format!("response {id} (consent)")))
                .transpose()?,
            answers: parse_json(&answers, || format!("response {id}"))?,
            id,
            survey: r.get(1)?,
            hash: r.get(2)?,
            wave: r.get(3)?,
            idem_key: r.get(4)?,
            payload_hash: r.get(5)?,
            status: r.get(6)?,
            lang: r.get(7)?,
            token_hash: r.get(8)?,
            cluster: r.get(9)?,
            firm: r.get(10)?,
            received_at: r.get(13)?,
        });
    }
    let mut stmt = conn.prepare(
        "SELECT response_id, status, answers, payload_hash, received_at, replaced_at
         FROM response_history ORDER BY rowid",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let response_id: String = r.get(0)?;
        let answers: String = r.get(2)?;
        dump.history.push(HistoryRow {
            answers: parse_json(&answers, || format!("history of response {response_id}"))?,
            response_id,
            status: r.get(1)?,
            payload_hash: r.get(3)?,
            received_at: r.get(4)?,
            replaced_at: r.get(5)?,
        });
    }
    Ok(dump)
}

/// Writes every row of `dump` as it is (inside the caller's transaction).
pub(super) fn load(conn: &Connection, dump: &super::Dump) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare(
        "INSERT INTO invitations (token_hash, survey, wave, cluster, firm, email, prefill, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for i in &dump.invitations {
        stmt.execute(params![
            i.token_hash,
            i.survey,
            i.wave,
            i.cluster,
            i.firm,
            i.email,
            i.prefill.to_string(),
            i.created_at
        ])?;
    }
    let mut stmt = conn.prepare(
        "INSERT INTO responses (id, survey, hash, wave, idem_key, payload_hash, status, lang, token_hash, cluster, firm, consent, answers, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?;
    for r in &dump.responses {
        stmt.execute(params![
            r.id,
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
            r.received_at
        ])?;
    }
    let mut stmt = conn.prepare(
        "INSERT INTO response_history (response_id, status, answers, payload_hash, received_at, replaced_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for h in &dump.history {
        stmt.execute(params![
            h.response_id,
            h.status,
            h.answers.to_string(),
            h.payload_hash,
            h.received_at,
            h.replaced_at
        ])?;
    }
    Ok(())
}

/// What an SQLite file holds, as `kume restore` checks it before using it as a backup.
#[derive(Debug)]
pub struct FileCheck {
    /// `PRAGMA integrity_check`'s findings: `["ok"]` for an intact file.
    pub problems: Vec<String>,
    /// `user_version`: the schema version the file was written with.
    pub schema: i64,
    /// Whether it has Kume's `responses` table.
    pub has_responses: bool,
}

/// Checks the SQLite file at `path` without writing to it.
pub fn check_file(path: &Path) -> rusqlite::Result<FileCheck> {
    let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let problems = conn
        .prepare("PRAGMA integrity_check")?
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let schema = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let has_responses = conn.query_row(
        "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'responses'",
        [],
        |r| r.get(0),
    )?;
    Ok(FileCheck {
        problems,
        schema,
        has_responses,
    })
}

/// Opens the file at `path`, bringing an older schema up to date, and counts its responses
/// and invitations.
pub fn migrate_file(path: &Path) -> rusqlite::Result<(i64, i64)> {
    let held = counts(&open(path)?)?;
    Ok((held.responses, held.invitations))
}
