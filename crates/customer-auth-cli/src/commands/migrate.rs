//! `migrate`: the SQL stores applied their migrations while opening; Redis has none.

use crate::error::CliError;
use crate::store_url::{Backend, Store};

pub(super) fn run(store: &Store) -> Result<(), CliError> {
    match store.backend {
        Backend::Redis => println!("Redis needs no migrations: nothing to do for {}.", store.place),
        Backend::Sqlite | Backend::Postgres => {
            println!("Applied any pending migrations: {} is up to date{}.", store.place, latest(store.backend));
        }
    }
    Ok(())
}

/// The newest migration the store knows, as ` (latest: 2 sessions)`.
fn latest(backend: Backend) -> String {
    let migrator = match backend {
        #[cfg(feature = "sqlite")]
        Backend::Sqlite => &customer_auth::sqlite::MIGRATOR,
        #[cfg(feature = "postgres")]
        Backend::Postgres => &customer_auth::postgres::MIGRATOR,
        #[allow(unreachable_patterns)]
        _ => return String::new(),
    };
    migrator
        .iter()
        .filter(|migration| migration.migration_type.is_up_migration())
        .next_back()
        .map_or_else(String::new, |migration| format!(" (latest migration: {} {})", migration.version, migration.description))
}
