//! The `kume` binary: parse arguments, run the command, set the exit code.

use std::process::ExitCode;

use clap::Parser;
use kume::cli::{self, Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Build { site, out } => cli::build(&site, &out),
        Command::Check { site, format } => cli::check(&site, format),
        Command::Serve { site, addr, out } => kume::serve::run(&site, addr, out),
    }
}
