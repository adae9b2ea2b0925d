//! The `kume` binary: parse arguments, run the command, set the exit code.

use std::process::ExitCode;

use clap::Parser;
use kume::cli::{self, Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Build { site, out } => cli::build(&site, &out),
        Command::Check { site, format } => cli::check(&site, format),
        Command::Serve {
            site,
            out,
            api_only,
            mut collector,
        } => {
            collector.db = collector.db.in_project(&site.root);
            let build = kume::site::BuildOptions {
                root: site.root.clone(),
                include_drafts: site.drafts,
                dev: true,
                aggregates: site.aggregates.clone(),
            };
            let serve = kume::serve::ServeOptions {
                collector,
                out,
                api_only,
            };
            kume::serve::run(build, serve)
        }
        Command::Backup { db, to } => cli::backup(&db, &to),
        Command::Restore { from, db, force } => cli::restore(&from, &db, force),
        other => cli::admin(other),
    }
}
