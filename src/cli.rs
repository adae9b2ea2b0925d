//! The command line: argument definitions and the three site commands.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::collect::store::StoreAddress;
use crate::diagnostics::{Diagnostic, Severity};
use crate::site::{BuildOptions, BuildStats, Output, Site};

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  the site has errors (each is printed as file:line:column: error: …)
  2  the command line is wrong
  3  Kume could not do its work (a folder could not be written, the address is taken, …)";

#[derive(Debug, Parser)]
#[command(name = "kume", version, about = "Cluster development toolkit: builds the guidebook, information system and benchmarking site", after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The publishers whose tables `kume import` reads.
#[derive(Debug, Subcommand)]
pub enum ImportSource {
    /// A Eurostat bulk TSV of employment by region × NACE activity (e.g. lfst_r_lfe2en2.tsv).
    Eurostat {
        /// The downloaded table (tab-separated, as Eurostat's bulk download gives it).
        file: PathBuf,
        /// The employment table to write (e.g. site/data/employment/eurostat.csv).
        #[arg(long)]
        out: PathBuf,
        /// Take this country's regions (every code that starts with it).
        #[arg(long, default_value = "TR")]
        country: String,
        /// The age group to take.
        #[arg(long, default_value = "Y_GE15")]
        age: String,
        /// The unit to take: THS (thousands of persons, converted to persons) or NR.
        #[arg(long, default_value = "THS")]
        unit: String,
        /// The sex to take, when the table has a sex dimension.
        #[arg(long, default_value = "T")]
        sex: String,
        /// The dataset code for `source_table` (default: the file name without extension).
        #[arg(long)]
        table: Option<String>,
        /// The date the file was downloaded, YYYY-MM-DD (default: the file's modification date).
        #[arg(long)]
        retrieved: Option<String>,
    },
}

#[derive(Debug, Clone, clap::Args)]
pub struct SiteArgs {
    /// The project folder (holds site/ and templates/).
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// Include pages marked `draft: true`.
    #[arg(long)]
    pub drafts: bool,
    /// Render the benchmark pages from this snapshot (made by `kume aggregate`).
    #[arg(long)]
    pub aggregates: Option<PathBuf>,
}

/// The project and its response database.
#[derive(Debug, Clone, clap::Args)]
pub struct DbArgs {
    /// The project folder (holds site/, surveys/ and templates/).
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// The response database: a file (SQLite; relative paths are inside the project folder)
    /// or postgresql://user@host:5432/db.
    #[arg(
        long,
        env = "KUME_DATABASE_URL",
        hide_env_values = true,
        default_value = "data/kume.sqlite"
    )]
    pub db: StoreAddress,
}

impl DbArgs {
    /// The database, a relative SQLite path taken inside the project folder.
    pub fn address(&self) -> StoreAddress {
        self.db.clone().in_project(&self.root)
    }
}

/// A path given on the command line: a relative one is inside the project folder, like
/// everything else.
pub fn in_project(root: &std::path::Path, path: &std::path::Path) -> PathBuf {
    if path.is_relative() {
        root.join(path)
    } else {
        path.to_path_buf()
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the static site.
    #[command(after_help = EXIT_CODES)]
    Build {
        #[command(flatten)]
        site: SiteArgs,
        /// Output folder (emptied first).
        #[arg(long, default_value = "public")]
        out: PathBuf,
    },
    /// Build, serve on a local address, rebuild on change and reload open pages.
    #[command(after_help = EXIT_CODES)]
    Serve {
        #[command(flatten)]
        site: SiteArgs,
        /// Output folder for the served site (default: a folder in the system's temp dir, so
        /// that `public/` never holds the live-reload script).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Serve only the collector API (`/api/…`), as in production behind the static site.
        #[arg(long)]
        api_only: bool,
        #[command(flatten)]
        collector: crate::collect::server::CollectorOptions,
    },
    /// Create personal invitation links for a survey (tokens are stored hashed).
    #[command(after_help = EXIT_CODES)]
    Invite {
        #[command(flatten)]
        db: DbArgs,
        /// The survey id.
        #[arg(long)]
        survey: String,
        /// Invite one cluster (its manager).
        #[arg(long, conflicts_with = "roster")]
        cluster: Option<String>,
        /// A CSV of firms: columns firm, cluster, email and question ids to prefill.
        #[arg(long)]
        roster: Option<PathBuf>,
        /// Address of the collector the links point to (default: collector_url or base_url).
        #[arg(long)]
        base_url: Option<String>,
        /// Write the links here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// List who has and hasn't answered an invitation survey (for reminders).
    #[command(after_help = EXIT_CODES)]
    Status {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        survey: String,
    },
    /// Export the final responses of a survey for analysts, with a bilingual codebook.
    #[command(after_help = EXIT_CODES)]
    Export {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        survey: String,
        /// The file format.
        #[arg(long, value_enum, default_value_t = crate::collect::export::ExportFormat::Csv)]
        format: crate::collect::export::ExportFormat,
        /// `;` between columns and decimal commas, for Excel in Turkish.
        #[arg(long)]
        semicolon: bool,
        /// The language of the labels in the SPSS and R files (default: the survey's first).
        #[arg(long)]
        lang: Option<String>,
        /// The file to write, or `-` for standard output. Beside a CSV file go its codebook
        /// (NAME.codebook.csv), an SPSS syntax file (NAME.sps) and an R script (NAME.R); they
        /// are not written when the export goes to standard output.
        #[arg(long)]
        out: PathBuf,
    },
    /// Delete one respondent's data: their responses, history and invitation (KVKK erasure),
    /// leaving nothing readable in the database files.
    #[command(after_help = EXIT_CODES)]
    Erase {
        #[command(flatten)]
        db: DbArgs,
        /// `-`: read the token from the respondent's personal link from standard input (it is
        /// never taken on the command line, where the process list and shell history keep it).
        #[arg(long, value_parser = stdin_only, conflicts_with = "token_file", required_unless_present = "token_file")]
        token: Option<String>,
        /// A file holding the token.
        #[arg(long)]
        token_file: Option<PathBuf>,
    },
    /// Compute the public benchmark snapshot (aggregates.json and a CSV per indicator).
    #[command(after_help = EXIT_CODES)]
    Aggregate {
        #[command(flatten)]
        db: DbArgs,
        /// Folder for the snapshot (relative paths are inside the project folder).
        #[arg(long, default_value = "data/aggregates")]
        out: PathBuf,
        /// Member-firm figures from fewer firms than this are withheld.
        #[arg(long, default_value_t = 5)]
        k: usize,
    },
    /// Compute the sector analysis from the employment tables (sectors.json and sectors.csv).
    #[command(after_help = EXIT_CODES)]
    Analyse {
        /// The project folder (holds site/data/employment/ and surveys/lists/).
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Folder for the snapshot (relative paths are inside the project folder).
        #[arg(long, default_value = "data/sectors")]
        out: PathBuf,
    },
    /// Convert an official statistics table into an employment table (site/data/employment/).
    #[command(after_help = EXIT_CODES)]
    Import {
        #[command(subcommand)]
        source: ImportSource,
    },
    /// Copy the response database safely while the collector runs (SQLite online backup).
    #[command(after_help = EXIT_CODES)]
    Backup {
        /// The response database.
        #[arg(
            long,
            env = "KUME_DATABASE_URL",
            hide_env_values = true,
            default_value = "data/kume.sqlite"
        )]
        db: StoreAddress,
        /// Where to write the copy.
        #[arg(long)]
        to: PathBuf,
    },
    /// Put a `kume backup` file back as the response database (checked first; an existing
    /// database is replaced only with --force, and kept beside it).
    #[command(after_help = EXIT_CODES)]
    Restore {
        /// The backup file.
        #[arg(long)]
        from: PathBuf,
        /// The response database to restore into.
        #[arg(
            long,
            env = "KUME_DATABASE_URL",
            hide_env_values = true,
            default_value = "data/kume.sqlite"
        )]
        db: StoreAddress,
        /// Replace an existing database (stop the collector first).
        #[arg(long)]
        force: bool,
    },
    /// Move every response, draft, history row and invitation from one store into another,
    /// empty one (e.g. from SQLite to PostgreSQL). Stop the collectors first.
    #[command(after_help = EXIT_CODES)]
    MigrateStore {
        /// The store to read: a file or sqlite:PATH, or postgresql://…
        #[arg(long)]
        from: StoreAddress,
        /// The store to fill (created and migrated if needed; it must hold nothing yet).
        #[arg(long)]
        to: StoreAddress,
    },
    /// Validate everything `build` validates; write nothing.
    #[command(after_help = EXIT_CODES)]
    Check {
        #[command(flatten)]
        site: SiteArgs,
        /// How to print the problems.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

pub use crate::diagnostics::{EXIT_FAILURE, EXIT_SITE_ERRORS, print_diagnostics};

/// Progress on a terminal; nothing in CI or when stderr is piped.
pub fn progress_bar() -> ProgressBar {
    let interactive = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    if !interactive {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} rendering {pos}/{len} pages {wide_bar}")
    {
        bar.set_style(style);
    }
    bar
}

/// `--token` takes only `-`: a secret on the command line is visible to every local user.
fn stdin_only(v: &str) -> Result<String, String> {
    if v == "-" {
        Ok(v.to_string())
    } else {
        Err("the token is not taken on the command line, where the process list and shell history would keep it; pass `--token -` and give it on standard input, or `--token-file FILE`".into())
    }
}

fn has_errors(diags: &[Diagnostic]) -> bool {
    diags.iter().any(|d| d.severity == Severity::Error)
}

/// Loads and renders; `out` None renders without writing.
fn load_and_render(
    args: &SiteArgs,
    out: Option<&std::path::Path>,
) -> (Vec<Diagnostic>, Option<BuildStats>) {
    let start = std::time::Instant::now();
    let options = BuildOptions {
        root: args.root.clone(),
        include_drafts: args.drafts,
        dev: false,
        aggregates: args.aggregates.clone(),
    };
    let loaded = Site::load(&options);
    let mut diags = loaded.diagnostics;
    let Some(site) = loaded.site else {
        return (diags, None);
    };
    if has_errors(&diags) {
        // Template runtime errors are still worth finding in the same run.
        let (result, _) = site.build(Output::Discard, &ProgressBar::hidden());
        let _ = result.map_err(|ds| diags.extend(ds));
        return (sorted(diags), None);
    }
    let bar = progress_bar();
    let output = out.map_or(Output::Discard, Output::Dir);
    let (result, missing_strings) = site.build(output, &bar);
    bar.finish_and_clear();
    diags.extend(missing_strings);
    match result {
        Ok(mut stats) => {
            stats.elapsed = start.elapsed();
            (sorted(diags), Some(stats))
        }
        Err(ds) => {
            diags.extend(ds);
            (sorted(diags), None)
        }
    }
}

fn sorted(diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let collected = crate::diagnostics::Diagnostics::default();
    collected.extend(diags);
    collected.into_sorted()
}

pub fn build(args: &SiteArgs, out: &std::path::Path) -> ExitCode {
    let (diags, stats) = load_and_render(args, Some(out));
    print_diagnostics(&diags);
    match stats {
        Some(stats) if !has_errors(&diags) => {
            eprintln!("{}", stats.summary_line("Built", Some(out)));
            ExitCode::SUCCESS
        }
        _ => ExitCode::from(EXIT_SITE_ERRORS),
    }
}

pub fn check(args: &SiteArgs, format: Format) -> ExitCode {
    let (diags, stats) = load_and_render(args, None);
    let ok = stats.is_some() && !has_errors(&diags);
    match format {
        Format::Text => {
            print_diagnostics(&diags);
            if let (true, Some(stats)) = (ok, &stats) {
                eprintln!("{}", stats.summary_line("Checked", None));
            }
        }
        Format::Json => {
            let report = serde_json::json!({
                "ok": ok,
                "errors": diags.iter().filter(|d| d.severity == Severity::Error).collect::<Vec<_>>(),
                "warnings": diags.iter().filter(|d| d.severity == Severity::Warning).collect::<Vec<_>>(),
                "pages": stats.as_ref().map(|s| s.pages),
            });
            println!(
                "{}",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            );
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_SITE_ERRORS)
    }
}

pub fn backup(db: &StoreAddress, to: &std::path::Path) -> ExitCode {
    let Some(db) = db.sqlite_path() else {
        eprintln!(
            "error: kume backup copies SQLite files; {db} is PostgreSQL\n  help: back it up with PostgreSQL's own tools: `pg_dump --format=custom --file=kume.dump` with the same address, or your managed service's point-in-time recovery (docs/deploy.md, \"Backups\")"
        );
        return ExitCode::from(EXIT_FAILURE);
    };
    if !db.exists() {
        eprintln!(
            "error: {}: no such database\n  help: pass the collector's database with --db PATH",
            db.display()
        );
        return ExitCode::from(EXIT_FAILURE);
    }
    match crate::collect::store::backup(db, to) {
        Ok(()) => {
            eprintln!("Backed up {} → {}", db.display(), to.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!(
                "error: cannot back up {} to {}: {e}",
                db.display(),
                to.display()
            );
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

pub fn restore(from: &std::path::Path, db: &StoreAddress, force: bool) -> ExitCode {
    let Some(db) = db.sqlite_path() else {
        eprintln!(
            "error: kume restore puts back SQLite files; {db} is PostgreSQL\n  help: restore a `pg_dump` file with `pg_restore --dbname=DATABASE kume.dump` (or your managed service's point-in-time recovery); to move a `kume backup` file into PostgreSQL use `kume migrate-store --from sqlite:FILE --to postgresql://…` (docs/deploy.md)"
        );
        return ExitCode::from(EXIT_FAILURE);
    };
    let result = crate::collect::restore::restore(from, db, force);
    admin_result(result, |r| {
        eprintln!(
            "Restored {} → {}: {} responses, {} invitations, schema version {}",
            from.display(),
            db.display(),
            r.responses,
            r.invitations,
            r.schema
        );
        if let Some(old) = r.replaced {
            eprintln!("The replaced database is kept as {}", old.display());
        }
    })
}

fn admin_result<T>(
    result: Result<T, crate::collect::admin::AdminError>,
    done: impl FnOnce(T),
) -> ExitCode {
    match result {
        Ok(v) => {
            done(v);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

/// Runs the collector's administrative commands.
pub fn admin(command: Command) -> ExitCode {
    use crate::collect::admin;
    match command {
        Command::Invite {
            db,
            survey,
            cluster,
            roster,
            base_url,
            out,
        } => {
            let base = base_url.unwrap_or_else(|| {
                crate::config::Config::load(&db.root)
                    .map(|c| c.collector_url.clone().unwrap_or(c.base_url))
                    .unwrap_or_default()
            });
            let mut sink: Box<dyn std::io::Write> = match &out {
                // Personal links are secrets: readable by their owner only.
                Some(path) => match crate::collect::export::create_private(path) {
                    Ok(f) => Box::new(f),
                    Err(e) => {
                        eprintln!("error: cannot write {}: {e}", path.display());
                        return ExitCode::from(EXIT_FAILURE);
                    }
                },
                None => Box::new(std::io::stdout()),
            };
            let result = admin::invite(
                &db.root,
                &db.address(),
                &survey,
                cluster.as_deref(),
                roster.as_deref(),
                &base,
                &mut sink,
            );
            admin_result(result, |n| {
                eprintln!("Created {n} invitation{}", if n == 1 { "" } else { "s" })
            })
        }
        Command::Status { db, survey } => {
            let result = admin::status(&db.root, &db.address(), &survey, &mut std::io::stdout());
            admin_result(result, |(answered, all)| {
                eprintln!("{answered} of {all} invitations answered")
            })
        }
        Command::Export {
            db,
            survey,
            format,
            semicolon,
            lang,
            out,
        } => {
            let options = crate::collect::export::ExportOptions {
                format,
                semicolon,
                lang: lang.as_deref(),
                out: &out,
            };
            let result = crate::collect::export::export(&db.root, &db.address(), &survey, &options);
            admin_result(result, |done| {
                for w in &done.warnings {
                    eprintln!("warning: {w}");
                }
                if done.files.is_empty() {
                    eprintln!(
                        "Exported {} responses to standard output (no codebook, SPSS or R file: give --out FILE for those)",
                        done.responses
                    );
                } else {
                    let files: Vec<String> =
                        done.files.iter().map(|f| f.display().to_string()).collect();
                    eprintln!(
                        "Exported {} responses → {}",
                        done.responses,
                        files.join(", ")
                    );
                }
            })
        }
        Command::Erase {
            db,
            token: _,
            token_file,
        } => {
            let result = admin::read_secret(token_file.as_deref())
                .and_then(|token| admin::erase(&db.address(), &token));
            admin_result(result, |n| {
                eprintln!(
                    "Erased {n} response{} and the invitation",
                    if n == 1 { "" } else { "s" }
                )
            })
        }
        Command::Aggregate { db, out, k } => aggregate(&db, &out, k),
        Command::MigrateStore { from, to } => admin_result(admin::migrate_store(&from, &to), |m| {
            eprintln!(
                "Moved {} responses ({} drafts), {} history rows and {} invitations from {from} to {to}",
                m.counts.responses, m.counts.drafts, m.counts.history, m.counts.invitations
            )
        }),
        Command::Analyse { root, out } => analyse(&root, &out),
        Command::Import { source } => import(source),
        _ => ExitCode::from(2),
    }
}

fn import(source: ImportSource) -> ExitCode {
    let ImportSource::Eurostat {
        file,
        out,
        country,
        age,
        unit,
        sex,
        table,
        retrieved,
    } = source;
    let shown = file.display().to_string();
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!(
                "error: {shown}: cannot read the table: {e}\n  help: pass the path of the downloaded .tsv file"
            );
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let retrieved_on = match retrieved {
        Some(r) if crate::text::Date::parse(&r).is_some() => r,
        Some(r) => {
            eprintln!(
                "error: --retrieved `{r}` is not a date\n  help: write the download date as YYYY-MM-DD"
            );
            return ExitCode::from(2);
        }
        None => std::fs::metadata(&file)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| crate::text::Date::from_days((d.as_secs() / 86_400) as i64).iso())
            .unwrap_or_else(|| crate::text::Date::today().iso()),
    };
    let table = table.unwrap_or_else(|| {
        file.file_stem()
            .map(|s| s.to_string_lossy().trim_end_matches(".tsv").to_string())
            .unwrap_or_default()
    });
    let opts = crate::import::eurostat::Options {
        country,
        age,
        unit,
        sex,
        table,
        retrieved_on,
    };
    let (csv, summary) = match crate::import::eurostat::convert(&text, &shown, &opts) {
        Ok(r) => r,
        Err(diags) => {
            print_diagnostics(&diags);
            return ExitCode::from(EXIT_SITE_ERRORS);
        }
    };
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty())
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        eprintln!("error: cannot create {}: {e}", dir.display());
        return ExitCode::from(EXIT_FAILURE);
    }
    if let Err(e) = std::fs::write(&out, csv) {
        eprintln!("error: cannot write {}: {e}", out.display());
        return ExitCode::from(EXIT_FAILURE);
    }
    let years = |y: Option<&i32>| y.map(|y| y.to_string()).unwrap_or_default();
    eprintln!(
        "Imported {} rows of Eurostat {} ({} regions × {} activities, {}–{}; unit {}{}, retrieved {}) → {}\n\
         {} figures carry flags, {} are confidential (C), {} missing (`:`) and {} no-response (NRP) rows were left out",
        summary.rows,
        opts.table,
        summary.regions.len(),
        summary.activities.len(),
        years(summary.years.first()),
        years(summary.years.last()),
        opts.unit,
        if opts.unit == "THS" {
            ", converted to persons: thousands × 1000"
        } else {
            ""
        },
        opts.retrieved_on,
        out.display(),
        summary.flagged,
        summary.confidential,
        summary.missing,
        summary.no_response,
    );
    ExitCode::SUCCESS
}

fn analyse(root: &std::path::Path, out: &std::path::Path) -> ExitCode {
    let start = std::time::Instant::now();
    let config = match crate::config::Config::load(root) {
        Ok(c) => c,
        Err(ds) => {
            print_diagnostics(&ds);
            return ExitCode::from(EXIT_SITE_ERRORS);
        }
    };
    let (data, mut diags) = crate::data::ProjectData::load(&config);
    let (analyses, ds) = crate::analyse::load(&config, &data.lists);
    diags.extend(ds);
    if has_errors(&diags) {
        print_diagnostics(&diags);
        return ExitCode::from(EXIT_SITE_ERRORS);
    }
    if analyses.is_empty() {
        eprintln!(
            "error: no employment table in {}\nhelp: add site/data/employment/<name>.csv (see docs/sectors.md)",
            crate::analyse::input::EMPLOYMENT_DIR
        );
        return ExitCode::from(EXIT_SITE_ERRORS);
    }
    let out = in_project(root, out);
    if let Err(e) = crate::analyse::write_snapshot(&analyses, &out) {
        eprintln!("error: cannot write {}: {e}", out.display());
        return ExitCode::from(EXIT_FAILURE);
    }
    for analysis in &analyses {
        eprintln!(
            "Analysed {} areas × {} activities ({}; {}{}) → {}",
            analysis.provinces.len(),
            analysis.sectors.len(),
            analysis.level_key(),
            analysis.year,
            analysis
                .base_year
                .map(|b| format!(", from {b}"))
                .unwrap_or_default(),
            out.join(format!("{}.json", crate::analyse::snapshot_stem(analysis)))
                .display()
        );
    }
    eprintln!("in {:.2} s", start.elapsed().as_secs_f64());
    ExitCode::SUCCESS
}

fn aggregate(db: &DbArgs, out: &std::path::Path, k: usize) -> ExitCode {
    let start = std::time::Instant::now();
    let config = match crate::config::Config::load(&db.root) {
        Ok(c) => c,
        Err(ds) => {
            print_diagnostics(&ds);
            return ExitCode::from(EXIT_SITE_ERRORS);
        }
    };
    let (data, surveys, ds) = crate::survey::compile::load_project(&config);
    if has_errors(&ds) {
        print_diagnostics(&ds);
        return ExitCode::from(EXIT_SITE_ERRORS);
    }
    let address = db.address();
    let store = match address.read_only() {
        Ok(s) => s,
        Err(e) => {
            eprintln!(
                "error: cannot open the response database {address}: {e}\n  help: {}",
                address.help()
            );
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let read = |each: &mut dyn FnMut(_)| store.each_final(each);
    match crate::aggregate::aggregate(&data, &surveys, read, k) {
        Ok((snapshot, warnings)) => {
            print_diagnostics(&warnings);
            let out = in_project(&db.root, out);
            if let Err(e) = crate::aggregate::write_snapshot(&snapshot, &out) {
                eprintln!("error: cannot write {}: {e}", out.display());
                return ExitCode::from(EXIT_FAILURE);
            }
            eprintln!(
                "Aggregated {} values over {} waves in {:.2} s → {}",
                snapshot.values.len(),
                snapshot.waves.len(),
                start.elapsed().as_secs_f64(),
                out.join("aggregates.json").display()
            );
            ExitCode::SUCCESS
        }
        Err(ds) => {
            print_diagnostics(&ds);
            ExitCode::from(EXIT_SITE_ERRORS)
        }
    }
}
