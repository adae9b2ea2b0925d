//! Which store a `--db` (or `KUME_DATABASE_URL`) names: a file path or `sqlite:PATH` is an
//! SQLite file; `postgresql://…` (or `postgres://…`) is a PostgreSQL database.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use super::{PostgresStore, ResponseStore, SqliteStore, StoreError};

/// A response database, as named on the command line.
#[derive(Clone, PartialEq, Eq)]
pub enum StoreAddress {
    Sqlite(PathBuf),
    /// The connection string as given (it may hold a password: never printed).
    Postgres(String),
}

impl FromStr for StoreAddress {
    type Err = String;

    fn from_str(text: &str) -> Result<StoreAddress, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("the database address is empty; give a file path (data/kume.sqlite) or postgresql://user@host:5432/db".into());
        }
        if text.starts_with("postgresql://") || text.starts_with("postgres://") {
            let (rest, _) = super::postgres_tls::split(text)?;
            return match ::postgres::Config::from_str(&rest) {
                Ok(_) => Ok(StoreAddress::Postgres(text.to_string())),
                Err(e) => Err(format!(
                    "`{}` is not a PostgreSQL address: {e}; write it as postgresql://user@host:5432/db",
                    redact(text)
                )),
            };
        }
        if let Some(rest) = text.strip_prefix("sqlite:") {
            let path = rest.strip_prefix("//").unwrap_or(rest);
            if path.is_empty() {
                return Err("`sqlite:` names no file; write sqlite:data/kume.sqlite".into());
            }
            return Ok(StoreAddress::Sqlite(PathBuf::from(path)));
        }
        if let Some((scheme, _)) = text.split_once("://") {
            return Err(format!(
                "`{scheme}://` is not a database Kume knows; give a file path or sqlite:PATH (SQLite), or postgresql://user@host:5432/db"
            ));
        }
        Ok(StoreAddress::Sqlite(PathBuf::from(text)))
    }
}

impl fmt::Display for StoreAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreAddress::Sqlite(path) => write!(f, "{}", path.display()),
            StoreAddress::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

/// Debug output never shows a password either.
impl fmt::Debug for StoreAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoreAddress({self})")
    }
}

impl StoreAddress {
    /// A relative SQLite path is inside the project folder, like every other path.
    pub fn in_project(self, root: &Path) -> StoreAddress {
        match self {
            StoreAddress::Sqlite(path) if path.is_relative() => {
                StoreAddress::Sqlite(root.join(path))
            }
            other => other,
        }
    }

    /// The SQLite file, if the store is one.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            StoreAddress::Sqlite(path) => Some(path),
            StoreAddress::Postgres(_) => None,
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, StoreAddress::Postgres(_))
    }

    /// Whether there can be anything stored: an SQLite file that does not exist holds nothing
    /// (and is not created by asking); a PostgreSQL database is asked.
    pub fn may_hold_data(&self) -> bool {
        match self {
            StoreAddress::Sqlite(path) => path.exists(),
            StoreAddress::Postgres(_) => true,
        }
    }

    /// Opens the store for reading and writing: the SQLite file or the PostgreSQL schema is
    /// created and migrated if needed, and its writer started.
    pub fn start(&self) -> Result<Arc<dyn ResponseStore>, StoreError> {
        Ok(match self {
            StoreAddress::Sqlite(path) => Arc::new(SqliteStore::start(path)?),
            StoreAddress::Postgres(url) => Arc::new(PostgresStore::start(url)?),
        })
    }

    /// Opens an existing store for reading only: nothing is created, migrated or written.
    pub fn read_only(&self) -> Result<Arc<dyn ResponseStore>, StoreError> {
        Ok(match self {
            StoreAddress::Sqlite(path) => Arc::new(SqliteStore::read_only(path)?),
            StoreAddress::Postgres(url) => Arc::new(PostgresStore::read_only(url)?),
        })
    }

    /// What to do when the store cannot be opened.
    pub fn help(&self) -> &'static str {
        match self {
            StoreAddress::Sqlite(_) => {
                "pass the collector's database with --db PATH (or set KUME_DATABASE_URL)"
            }
            StoreAddress::Postgres(_) => {
                "check that the server is up and the address, user, password and database in --db (or KUME_DATABASE_URL) are right; try `psql` with the same address. For a certificate error: add sslrootcert=CA.pem (your provider's CA bundle) to the address, or use sslmode=require to encrypt without checking"
            }
        }
    }
}

/// The address with its password replaced by `***`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let authority = match authority.rsplit_once('@') {
        Some((user, host)) => match user.split_once(':') {
            Some((name, _)) => format!("{name}:***@{host}"),
            None => format!("{user}@{host}"),
        },
        None => authority.to_string(),
    };
    // A password given as a query parameter is hidden too.
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|kv| match kv.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => kv.to_string(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => tail.to_string(),
    };
    format!("{scheme}://{authority}{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_sqlite_addresses_are_sqlite_files() {
        let sqlite = |s: &str| s.parse::<StoreAddress>().unwrap();
        assert_eq!(
            sqlite("data/kume.sqlite"),
            StoreAddress::Sqlite("data/kume.sqlite".into())
        );
        assert_eq!(
            sqlite("sqlite:data/k.sqlite"),
            StoreAddress::Sqlite("data/k.sqlite".into())
        );
        assert_eq!(
            sqlite("sqlite:///srv/k.sqlite"),
            StoreAddress::Sqlite("/srv/k.sqlite".into())
        );
    }

    #[test]
    fn postgres_addresses_are_checked_and_never_show_the_password() {
        let a: StoreAddress = "postgresql://kume:s3cret@db.example.org:5432/kume"
            .parse()
            .unwrap();
        assert!(a.is_postgres());
        assert_eq!(
            a.to_string(),
            "postgresql://kume:***@db.example.org:5432/kume"
        );
        assert!(!format!("{a:?}").contains("s3cret"));
        assert_eq!(
            redact("postgres://u@h/db?password=x&sslmode=disable"),
            "postgres://u@h/db?password=***&sslmode=disable"
        );
        let bad = "mysql://u@h/db".parse::<StoreAddress>().unwrap_err();
        assert!(
            bad.contains("`mysql://` is not a database Kume knows"),
            "{bad}"
        );
        assert!(
            "postgresql://u@h:notaport/db"
                .parse::<StoreAddress>()
                .is_err()
        );
    }
}
