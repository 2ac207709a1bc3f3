//! `migrate`: the SQL stores applied their migrations while opening; Redis has none.

use crate::error::CliError;
use crate::output;
use crate::store_url::{Backend, Store};

pub(super) fn run(store: &Store) -> Result<(), CliError> {
    let done = match store.backend {
        Backend::Redis => format!("Redis needs no migrations: nothing to do for {}.", store.place),
        Backend::Sqlite | Backend::Postgres => {
            format!("Applied any pending migrations: {} is up to date{}.", store.place, latest(store.backend))
        }
    };
    tracing::info!(target: "customer_auth::audit", place = %store.place, action = "migrate", outcome = "success", via = "cli", "admin change");
    output::line(&done)
}

/// The newest migration the store knows, as ` (latest migration: 2 sessions)`.
fn latest(backend: Backend) -> String {
    // A macro, not a function: the migrator's types are sqlx's, which this crate does not name.
    #[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(unused_macros))]
    macro_rules! newest {
        ($migrator:expr) => {
            $migrator
                .iter()
                .rfind(|migration| migration.migration_type.is_up_migration())
                .map(|migration| format!(" (latest migration: {} {})", migration.version, migration.description))
        };
    }
    let newest = match backend {
        #[cfg(feature = "sqlite")]
        Backend::Sqlite => newest!(customer_auth::sqlite::MIGRATOR),
        #[cfg(feature = "postgres")]
        Backend::Postgres => newest!(customer_auth::postgres::MIGRATOR),
        #[allow(unreachable_patterns)]
        _ => None,
    };
    newest.unwrap_or_default()
}
