//! One file per command; each takes the opened store and prints what it did to stdout.

mod create_customer;
mod factors;
mod import;
mod list;
mod migrate;
mod purge_sessions;
mod set_roles;
mod status;

use customer_auth::{Auth, Customer, CustomerId, CustomerStore};

use crate::audit;
use crate::cli::{Cli, Command};
use crate::error::CliError;
use crate::store_url::{self, Store};

/// Opens the store and runs the command `cli` names.
pub(crate) async fn run(cli: Cli) -> Result<(), CliError> {
    let migrate = matches!(cli.command, Command::Migrate);
    let store = store_url::open(&cli.store, migrate).await?;
    match cli.command {
        Command::Migrate => migrate::run(&store),
        Command::CreateCustomer(args) => create_customer::run(&store, args).await,
        Command::SetRoles { username, roles } => set_roles::run(&store, &username, roles).await,
        Command::Disable { username } => status::disable(&store, &username).await,
        Command::Enable { username } => status::enable(&store, &username).await,
        Command::List { json, page_size } => list::run(&store, json, page_size).await,
        Command::PurgeSessions => purge_sessions::run(&store).await,
        Command::Import(args) => import::run(&store, args).await,
        Command::Factors { username } => factors::list(&store, &username).await,
        Command::RemoveFactors { username } => factors::remove(&store, &username).await,
    }
}

/// The customer with this username, or an error that says how to find the right one.
async fn find(customers: &dyn CustomerStore, username: &str) -> Result<Customer, CliError> {
    customers.find_customer_by_username(username).await?.ok_or_else(|| CliError::UnknownCustomer(username.to_owned()))
}

/// The library's account changes over the opened store: they end the sessions that carry the
/// old status or roles, and write the audit events.
fn account(store: &Store) -> Auth {
    Auth::new(store.customers.clone()).with_sessions(store.sessions.clone())
}

/// Passes `result` on, recording a failed `action` in the audit trail first.
fn audited<T>(action: &'static str, customer: CustomerId, result: customer_auth::Result<T>) -> Result<T, CliError> {
    result.map_err(|err| {
        audit::record(action, customer, "store_failed");
        err.into()
    })
}

/// Roles as the output shows them: comma-separated, `-` for none.
fn roles_text<'a>(roles: impl IntoIterator<Item = &'a String>) -> String {
    let joined = roles.into_iter().map(String::as_str).collect::<Vec<_>>().join(",");
    if joined.is_empty() { "-".to_owned() } else { joined }
}
