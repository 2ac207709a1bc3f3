//! `customer-auth`, the admin command line of customer-auth: migrate a store, create customers,
//! set their roles, disable and enable them, list them, purge expired sessions, and import
//! customers with the password hashes another system stored.
//!
//! ```text
//! export CUSTOMER_AUTH_STORE=postgres://shop@db.internal/shop
//! customer-auth migrate
//! printf '%s\n' "$PASSWORD" | customer-auth create-customer --first-name Ada --last-name Lovelace \
//!     --email ada@example.com --username ada --role admin
//! customer-auth disable ada
//! customer-auth import customers-from-django.jsonl
//! ```
//!
//! This file parses the command line, sets up logging and maps errors to exit codes: 0 done,
//! 1 the store failed or is unreachable, 2 usage or configuration, 3 refused.

// clap turns the doc comments into --help text, where URL syntax such as `[user]` is no link.
#![allow(rustdoc::broken_intra_doc_links)]

mod audit;
mod cli;
mod commands;
mod error;
mod output;
mod password;
mod store_url;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

use crate::cli::Cli;
use crate::error::CliError;

/// Quiet except for warnings and the audit trail, unless `RUST_LOG` says otherwise.
const DEFAULT_FILTER: &str = "warn,customer_auth::audit=info";

fn main() -> ExitCode {
    // clap prints help and usage errors itself, and exits with 0 or 2.
    let cli = Cli::parse();
    init_tracing();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            err.exit_code()
        }
    }
}

fn run(cli: Cli) -> Result<(), CliError> {
    // One thread is plenty for one command; bcrypt runs on the hasher's own threads either way.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| CliError::Local(format!("could not start the async runtime: {err}")))?;
    runtime.block_on(commands::run(cli))
}

fn init_tracing() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    // Logs share stderr with the error messages; stdout is the command's output alone.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}
