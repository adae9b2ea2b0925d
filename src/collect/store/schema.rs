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
