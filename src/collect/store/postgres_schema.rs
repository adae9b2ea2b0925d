//! The PostgreSQL schema: a version table, the migrations that bring a database up to the
//! version this binary writes, and the session settings every connection uses.
//!
//! Several collectors may start at once on one database: migrations run under a transaction-
//! scoped advisory lock, so that one migrates and the others find the work done.

use postgres::Client;

use super::StoreError;

/// The schema version this binary writes.
pub const SCHEMA_VERSION: i64 = 1;

/// Any fixed number, the same in every collector: the advisory lock migrations take.
const MIGRATION_LOCK: i64 = 0x6b75_6d65; // "kume"

const MIGRATIONS: [&str; 1] = [
    // 1: responses (answers as JSON, never one column per question), their history, and
    // invitations (tokens stored hashed). The database enforces what the collector promises:
    // a key is stored once per survey, and an invitation has one response per wave.
    "CREATE TABLE responses (
        id text PRIMARY KEY,
        survey text NOT NULL,
        hash text NOT NULL,
        wave bigint NOT NULL,
        idem_key text NOT NULL,
        payload_hash text NOT NULL,
        status text NOT NULL CHECK (status IN ('draft', 'final')),
        lang text NOT NULL,
        token_hash text,
        cluster text,
        firm text,
        consent jsonb,
        answers jsonb NOT NULL,
        received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        CONSTRAINT responses_key UNIQUE (survey, idem_key)
     );
     CREATE UNIQUE INDEX responses_invitation ON responses (survey, wave, token_hash)
        WHERE token_hash IS NOT NULL;
     CREATE INDEX responses_survey ON responses (survey, wave, status);
     CREATE INDEX responses_final ON responses (received_at, id) WHERE status = 'final';
     CREATE INDEX responses_token ON responses (token_hash) WHERE token_hash IS NOT NULL;
     CREATE TABLE invitations (
        token_hash text PRIMARY KEY,
        survey text NOT NULL,
        wave bigint NOT NULL,
        cluster text,
        firm text,
        email text,
        prefill jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT clock_timestamp()
     );
     CREATE INDEX invitations_survey ON invitations (survey, wave);
     CREATE TABLE response_history (
        seq bigserial PRIMARY KEY,
        response_id text NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
        status text NOT NULL,
        answers jsonb NOT NULL,
        payload_hash text NOT NULL,
        received_at timestamptz NOT NULL,
        replaced_at timestamptz NOT NULL DEFAULT clock_timestamp()
     );
     CREATE INDEX response_history_response ON response_history (response_id);",
];

/// How a time is written out: the same text SQLite's rows hold (ISO 8601, UTC, milliseconds).
pub(super) fn iso(column: &str) -> String {
    format!("to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')")
}

/// The settings of every connection: an acknowledged answer is on the server's disk
/// (`synchronous_commit = on`, whatever the server's default), and times are UTC.
pub(super) fn configure(client: &mut Client) -> Result<(), postgres::Error> {
    client.batch_execute(
        "SET synchronous_commit = on; SET TIME ZONE 'UTC'; SET application_name = 'kume'",
    )
}

/// Creates the version table and applies the migrations this database has not had.
pub(super) fn migrate(client: &mut Client) -> Result<(), StoreError> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS kume_schema (
            version bigint PRIMARY KEY,
            applied_at timestamptz NOT NULL DEFAULT now()
         )",
    )?;
    let version = current(&mut tx)?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
        tx.batch_execute(sql)?;
        tx.execute(
            "INSERT INTO kume_schema (version) VALUES ($1)",
            &[&(i as i64 + 1)],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// The schema version of the database, checked without changing anything: an error when there
/// is no schema or a newer one.
pub(super) fn check(client: &mut Client) -> Result<i64, StoreError> {
    let exists: bool = client
        .query_one("SELECT to_regclass('kume_schema') IS NOT NULL", &[])?
        .get(0);
    if !exists {
        return Err(StoreError::NoSchema);
    }
    let version = current(client)?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    if version < 1 {
        return Err(StoreError::NoSchema);
    }
    Ok(version)
}

fn current(client: &mut impl postgres::GenericClient) -> Result<i64, postgres::Error> {
    Ok(client
        .query_one("SELECT coalesce(max(version), 0) FROM kume_schema", &[])?
        .get(0))
}
