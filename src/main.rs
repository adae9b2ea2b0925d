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
            addr,
            out,
            api_only,
            db,
            max_body,
            site_origin,
            rate_limit,
            open_survey_limit,
            trusted_proxies,
            netlify_proxy_secret_file,
            metrics_addr,
            max_connections,
            read_token_file,
            build_hook_url_file,
            build_hook_delay,
        } => {
            let limits = kume::collect::api::Limits {
                max_body,
                ..Default::default()
            };
            // A relative database path is inside the project folder, like everything else.
            let db = if db.is_relative() {
                site.root.join(db)
            } else {
                db
            };
            let collector = kume::collect::server::CollectorOptions {
                addr,
                db,
                limits,
                site_origins: site_origin,
                rate_limit,
                open_survey_limit,
                trusted_proxies,
                netlify_proxy_secret_file,
                metrics_addr,
                max_connections,
                read_token_file,
                build_hook_url_file,
                build_hook_delay,
            };
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
