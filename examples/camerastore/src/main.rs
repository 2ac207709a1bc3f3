//! Run with: cargo run -p camerastore
//!
//! A camera shop's account pages on customer-auth, on SQLite (`camerastore.db`, created and
//! migrated on start). Then open http://127.0.0.1:3000.
//! Make an admin with: cargo run -p camerastore -- create-admin <username>

use std::io::IsTerminal as _;
use std::process::ExitCode;

use camerastore::{Command, Config};
use clap::Parser;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    // Colours only for a terminal: in a file or a log pipeline the escape codes are noise.
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")))
        .with_ansi(std::io::stdout().is_terminal())
        .init();
    let config = Config::parse();
    let outcome = match &config.command {
        Some(Command::CreateAdmin { username }) => camerastore::create_admin(&config, username).await,
        None => camerastore::run(config.clone()).await,
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // On standard error, where a failed start is looked for, and without log framing.
            eprintln!("camerastore: {err}");
            ExitCode::FAILURE
        }
    }
}
