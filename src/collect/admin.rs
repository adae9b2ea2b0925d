//! The collector's commands for the people who run a survey: invitations, who has answered,
//! exports for analysts, and erasing one respondent's data.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use std::sync::Arc;

use super::store::{self, Invitation, ResponseStore, StoreAddress, StoreError};
use crate::config::Config;
use crate::survey::compile::{self, Compiled};
use crate::survey::model::Question;
use crate::text::did_you_mean;

/// An error for the person at the terminal: what is wrong and what to do.
#[derive(Debug)]
pub struct AdminError {
    pub message: String,
    pub help: Option<String>,
}

impl AdminError {
    pub(crate) fn new(message: impl Into<String>) -> AdminError {
        AdminError {
            message: message.into(),
            help: None,
        }
    }

    pub(crate) fn help(mut self, help: impl Into<String>) -> AdminError {
        self.help = Some(help.into());
        self
    }
}

impl std::fmt::Display for AdminError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "error: {}", self.message)?;
        if let Some(h) = &self.help {
            write!(f, "\n  help: {h}")?;
        }
        Ok(())
    }
}

impl From<StoreError> for AdminError {
    fn from(e: StoreError) -> AdminError {
        AdminError::new(format!("database: {e}"))
    }
}

impl From<rusqlite::Error> for AdminError {
    fn from(e: rusqlite::Error) -> AdminError {
        AdminError::new(format!("database: {e}"))
    }
}

/// The store at `db`, opened for reading and writing (created and migrated if needed).
pub fn open_store(db: &StoreAddress) -> Result<Arc<dyn ResponseStore>, AdminError> {
    db.start().map_err(|e| cannot_open(db, &e))
}

/// The store at `db`, which must exist, opened for reading only.
pub fn open_existing(db: &StoreAddress) -> Result<Arc<dyn ResponseStore>, AdminError> {
    db.read_only().map_err(|e| cannot_open(db, &e))
}

fn cannot_open(db: &StoreAddress, e: &StoreError) -> AdminError {
    AdminError::new(format!("cannot open the response database {db}: {e}")).help(db.help())
}

/// `kume migrate-store`: everything from one store into another, empty one.
pub fn migrate_store(from: &StoreAddress, to: &StoreAddress) -> Result<store::Moved, AdminError> {
    // A collector writing to an SQLite source would add answers the move does not carry.
    let _lock = match from.sqlite_path() {
        Some(path) if !path.exists() => {
            return Err(AdminError::new(format!("{}: no such database", path.display()))
                .help("give the collector's SQLite file with --from sqlite:PATH"));
        }
        Some(path) => Some(
            super::db_lock::DbLock::acquire(path, "kume migrate-store").map_err(|e| {
                AdminError::new(e.to_string())
                    .help("stop the collector first: answers it takes during the move would not be carried")
            })?,
        ),
        None => None,
    };
    store::transfer(from, to).map_err(|e| {
        let help = match e {
            StoreError::NotEmpty { .. } => "move into a new, empty database (createdb kume), or export what the target holds first".to_string(),
            StoreError::Unsupported(_) => "give two different databases".to_string(),
            _ => format!("nothing was written to {to}; {}", to.help()),
        };
        AdminError::new(format!("cannot move {from} to {to}: {e}")).help(help)
    })
}

/// The compiled survey `id` of the project at `root`.
pub fn find_survey(root: &Path, id: &str) -> Result<Compiled, AdminError> {
    let config = Config::load(root).map_err(|ds| {
        AdminError::new(
            ds.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
        )
    })?;
    let (_, surveys, diags) = compile::load_project(&config);
    if let Some(s) = surveys.into_iter().find(|s| s.survey.id == id) {
        return Ok(s);
    }
    if let Some(d) = diags
        .iter()
        .find(|d| d.file.ends_with(&format!("{id}.yaml")))
    {
        return Err(AdminError::new(format!("survey `{id}` has errors: {d}"))
            .help("run `kume check` and fix them first"));
    }
    let ids: Vec<String> = std::fs::read_dir(config.path(compile::SURVEYS_DIR))
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter_map(|e| {
                    e.path()
                        .file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                })
                .collect()
        })
        .unwrap_or_default();
    let help = match did_you_mean(id, ids.iter().map(String::as_str)) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!("surveys: {}", ids.join(", ")),
    };
    Err(AdminError::new(format!("there is no survey `{id}`")).help(help))
}

/// A random, URL-safe invitation token of 128 bits.
fn new_token() -> Result<String, AdminError> {
    store::new_id().map_err(|e| {
        AdminError::new(format!("cannot make invitation tokens: {e}")).help(
            "no invitation was created; check the system (getrandom) and run the command again",
        )
    })
}

/// One roster row: who is invited and what the form starts with.
struct RosterRow {
    cluster: Option<String>,
    firm: Option<String>,
    email: Option<String>,
    prefill: serde_json::Map<String, serde_json::Value>,
}

/// Reads a roster CSV: columns `firm`, `cluster`, `email`, and any question id to prefill.
fn read_roster(path: &Path, survey: &Compiled) -> Result<Vec<RosterRow>, AdminError> {
    let file = path.display().to_string();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_path(path)
        .map_err(|e| AdminError::new(format!("{file}: cannot read the roster: {e}")))?;
    let headers = reader
        .headers()
        .map_err(|e| AdminError::new(format!("{file}:1: {e}")))?
        .clone();
    let questions: BTreeMap<String, &Question> = survey
        .survey
        .questions()
        .into_iter()
        .map(|q| (q.id.clone(), q))
        .collect();
    for h in headers.iter() {
        if !["firm", "cluster", "email"].contains(&h) && !questions.contains_key(h) {
            let known = questions
                .keys()
                .map(String::as_str)
                .chain(["firm", "cluster", "email"]);
            let help = match did_you_mean(h, known) {
                Some(s) => format!("did you mean `{s}`?"),
                None => "columns are firm, cluster, email and question ids to prefill".into(),
            };
            return Err(AdminError::new(format!("{file}:1: unknown column `{h}`")).help(help));
        }
    }
    let mut rows = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let record = record.map_err(|e| AdminError::new(format!("{file}:{}: {e}", n + 2)))?;
        let mut row = RosterRow {
            cluster: None,
            firm: None,
            email: None,
            prefill: serde_json::Map::new(),
        };
        for (h, v) in headers.iter().zip(record.iter()) {
            let v = v.trim();
            if v.is_empty() {
                continue;
            }
            match h {
                "firm" => row.firm = Some(v.into()),
                "cluster" => row.cluster = Some(v.into()),
                "email" => row.email = Some(v.into()),
                id => {
                    let q = questions[id];
                    let value = if q.kind.is_number() {
                        crate::locale::parse_number(v, "en")
                            .map(serde_json::Value::from)
                            .ok_or_else(|| {
                                AdminError::new(format!(
                                    "{file}:{}: `{v}` in column `{id}` is not a number",
                                    n + 2
                                ))
                            })?
                    } else {
                        v.into()
                    };
                    row.prefill.insert(id.to_string(), value);
                }
            }
        }
        rows.push(row);
    }
    Ok(rows)
}

/// `kume invite`: creates tokens and writes the personal links as CSV.
pub fn invite(
    root: &Path,
    db: &StoreAddress,
    survey_id: &str,
    cluster: Option<&str>,
    roster: Option<&Path>,
    base: &str,
    out: &mut dyn Write,
) -> Result<usize, AdminError> {
    let survey = find_survey(root, survey_id)?;
    let rows = match (cluster, roster) {
        (Some(c), None) => vec![RosterRow {
            cluster: Some(c.into()),
            firm: None,
            email: None,
            prefill: serde_json::Map::new(),
        }],
        (None, Some(path)) => read_roster(path, &survey)?,
        _ => {
            return Err(AdminError::new(
                "give either --cluster ID or --roster FILE.csv",
            ));
        }
    };
    let store = open_store(db)?;
    let lang = &survey.survey.languages[0];
    let invitations: Vec<(String, Invitation)> = rows
        .iter()
        .map(|row| -> Result<(String, Invitation), AdminError> {
            let invitation = Invitation {
                survey: survey.survey.id.clone(),
                wave: survey.survey.wave,
                cluster: row.cluster.clone(),
                firm: row.firm.clone(),
                email: row.email.clone(),
                prefill: serde_json::Value::Object(row.prefill.clone()),
            };
            Ok((new_token()?, invitation))
        })
        .collect::<Result<_, _>>()?;
    // Links are written only after every token is stored: each printed link works.
    store.add_invitations(&invitations)?;
    let mut writer = csv::Writer::from_writer(out);
    let _ = writer.write_record(["firm", "cluster", "email", "link"]);
    for (token, inv) in &invitations {
        let link = format!(
            "{}/api/v1/surveys/{}/form?t={token}&lang={lang}",
            base.trim_end_matches('/'),
            inv.survey
        );
        let _ = writer.write_record([
            inv.firm.as_deref().unwrap_or(""),
            inv.cluster.as_deref().unwrap_or(""),
            inv.email.as_deref().unwrap_or(""),
            link.as_str(),
        ]);
    }
    let _ = writer.flush();
    Ok(rows.len())
}

/// `kume status`: every invitation of the survey's wave and whether it has been answered.
pub fn status(
    root: &Path,
    db: &StoreAddress,
    survey_id: &str,
    out: &mut dyn Write,
) -> Result<(usize, usize), AdminError> {
    let survey = find_survey(root, survey_id)?;
    let store = open_store(db)?;
    let rows: Vec<[String; 5]> = store
        .invitation_status(&survey.survey.id, survey.survey.wave)?
        .into_iter()
        .map(|i| {
            [
                i.firm.unwrap_or_default(),
                i.cluster.unwrap_or_default(),
                i.email.unwrap_or_default(),
                i.status,
                i.received_at.unwrap_or_default(),
            ]
        })
        .collect();
    let mut writer = csv::Writer::from_writer(out);
    let _ = writer.write_record(["firm", "cluster", "email", "status", "received_at"]);
    for r in &rows {
        let _ = writer.write_record(r);
    }
    let _ = writer.flush();
    let answered = rows.iter().filter(|r| r[3] == "final").count();
    Ok((answered, rows.len()))
}

/// A secret from `file`, or from standard input when there is no file; surrounding
/// whitespace (the newline at the end) is not part of it.
pub fn read_secret(file: Option<&Path>) -> Result<String, AdminError> {
    let text = match file {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| AdminError::new(format!("cannot read {}: {e}", path.display())))?,
        None => {
            use std::io::{BufRead, IsTerminal};
            if std::io::stdin().is_terminal() {
                eprint!("Token: ");
            }
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| AdminError::new(format!("cannot read standard input: {e}")))?;
            line
        }
    };
    let secret = text.trim().to_string();
    if secret.is_empty() {
        return Err(AdminError::new("no token was given")
            .help("give the token (the value after `t=` in the personal link) on standard input or in the file"));
    }
    Ok(secret)
}

/// `kume erase`: deletes one respondent's responses, their history and invitation.
pub fn erase(db: &StoreAddress, token: &str) -> Result<usize, AdminError> {
    let store = open_store(db)?;
    let (responses, invitations) = store.erase(token)?;
    if responses + invitations == 0 {
        return Err(AdminError::new("no invitation or response has this token")
            .help("copy the token from the personal link (the value after `t=`)"));
    }
    Ok(responses)
}
