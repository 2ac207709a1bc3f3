//! `purge-sessions`: deletes expired sessions now, with a spinner while the store works.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget};

use crate::error::CliError;
use crate::output;
use crate::store_url::{Backend, Store};

pub(super) async fn run(store: &Store) -> Result<(), CliError> {
    // Only for a person watching: a script or a pipe gets the count alone.
    let target =
        if std::io::stdout().is_terminal() { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() };
    let spinner = ProgressBar::new_spinner();
    spinner.set_draw_target(target);
    spinner.set_message(format!("Deleting expired sessions in {}…", store.place));
    spinner.enable_steady_tick(Duration::from_millis(100));
    let purged = store.sessions.purge_expired_sessions().await;
    spinner.finish_and_clear();
    let purged = purged?;
    tracing::info!(target: "customer_auth::audit", purged, via = "cli", action = "purge_sessions", outcome = "success", "admin change");
    let note = if store.backend == Backend::Redis { " (Redis expires sessions by itself)" } else { "" };
    output::line(&format!("Purged {} expired {}{note}.", purged, if purged == 1 { "session" } else { "sessions" }))?;
    Ok(())
}
