//! The command line as clap reads it: global store options and one subcommand.

use std::time::Duration;

use clap::{Args, Parser, Subcommand};

/// Administer the customers and sessions of a customer-auth store.
///
/// Passwords are never taken as arguments: `create-customer` prompts for one (without echo) in a
/// terminal, or reads one line from standard input when it is piped.
#[derive(Debug, Parser)]
#[command(name = "customer-auth", version, about, long_about = None)]
#[command(after_help = "Exit codes: 0 done, 1 the store failed or is unreachable, 2 usage or configuration error, \
                        3 refused (invalid input, duplicate, unknown customer).")]
pub(crate) struct Cli {
    /// Where the store is, and how to reach it.
    #[command(flatten)]
    pub(crate) store: StoreArgs,
    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// How to reach the store.
#[derive(Debug, Args)]
#[command(next_help_heading = "Store")]
pub(crate) struct StoreArgs {
    /// The store: sqlite://path/to/file.db, postgres://user:password@host:port/database,
    /// redis://[[user]:password@]host[:port][/db] (rediss:// with TLS), or a Redis Cluster:
    /// redis+cluster://[[user]:password@]host:port,host:port,... (rediss+cluster:// with TLS)
    // hide_env_values: the URL may carry a password, and --help must never print it.
    #[arg(long = "store", value_name = "URL", env = "CUSTOMER_AUTH_STORE", hide_env_values = true, global = true)]
    pub(crate) url: Option<String>,
    /// The PostgreSQL schema that holds the tables.
    #[arg(long, value_name = "NAME", default_value = "customer_auth", global = true)]
    pub(crate) postgres_schema: String,
    /// The prefix of every Redis key.
    #[arg(long, value_name = "PREFIX", default_value = "customer-auth:", global = true)]
    pub(crate) redis_prefix: String,
    /// How many seconds to wait for the store before giving up.
    #[arg(long, value_name = "SECONDS", default_value = "5", value_parser = parse_timeout, global = true)]
    pub(crate) connect_timeout: Duration,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Create or update the store's tables (SQL stores; Redis needs none).
    Migrate,
    /// Create a customer; the password is prompted for, or read as one line from standard input.
    CreateCustomer(CreateCustomer),
    /// Replace a customer's roles and end their sessions, which carry the old roles.
    SetRoles {
        /// The customer's username.
        username: String,
        /// The new roles; none removes every role.
        #[arg(value_name = "ROLE", value_parser = parse_role)]
        roles: Vec<String>,
    },
    /// Refuse a customer's logins from now on and end every session they have.
    Disable {
        /// The customer's username.
        username: String,
    },
    /// Let a disabled customer log in again.
    Enable {
        /// The customer's username.
        username: String,
    },
    /// List the customers in registration order.
    List {
        /// Print a JSON array instead of a table.
        #[arg(long)]
        json: bool,
        /// How many customers to read from the store at a time.
        #[arg(long, value_name = "N", default_value = "100", value_parser = clap::value_parser!(u32).range(1..=10_000))]
        page_size: u32,
    },
    /// Delete expired sessions now, and print how many there were.
    PurgeSessions,
}

/// The options of `create-customer`.
#[derive(Debug, Args)]
pub(crate) struct CreateCustomer {
    /// First name.
    #[arg(long)]
    pub(crate) first_name: String,
    /// Last name.
    #[arg(long)]
    pub(crate) last_name: String,
    /// Email address.
    #[arg(long)]
    pub(crate) email: String,
    /// Username, used to log in.
    #[arg(long)]
    pub(crate) username: String,
    /// A role to give the customer; repeat for more.
    #[arg(long = "role", value_name = "ROLE", value_parser = parse_role)]
    pub(crate) roles: Vec<String>,
    /// Leave the email address unconfirmed, so a shop that asks for confirmation mails a link
    /// first. By default an account an operator makes counts as confirmed and can log in at once.
    #[arg(long)]
    pub(crate) unconfirmed: bool,
    /// The bcrypt cost of the password hash (4 to 31).
    #[arg(long, value_name = "COST", default_value_t = customer_auth::DEFAULT_COST,
          value_parser = clap::value_parser!(u32).range(i64::from(customer_auth::MIN_COST)..=i64::from(customer_auth::MAX_COST)))]
    pub(crate) bcrypt_cost: u32,
}

/// The longest role name accepted.
const MAX_ROLE_CHARS: usize = 64;

/// A role name: what a role guard compares against, so no spaces or control characters that
/// would make two roles look alike.
fn parse_role(role: &str) -> Result<String, String> {
    if role.is_empty() {
        return Err("a role must not be empty".into());
    }
    if role.chars().count() > MAX_ROLE_CHARS {
        return Err(format!("a role must be at most {MAX_ROLE_CHARS} characters"));
    }
    if role.chars().any(|c| c.is_whitespace() || c.is_control() || c == ',') {
        return Err("a role must not contain spaces, commas or control characters".into());
    }
    Ok(role.to_owned())
}

fn parse_timeout(seconds: &str) -> Result<Duration, String> {
    match seconds.parse::<u64>() {
        Ok(0) | Err(_) => Err("use a whole number of seconds, at least 1".into()),
        Ok(seconds) => Ok(Duration::from_secs(seconds)),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn roles_are_plain_words() {
        assert_eq!(parse_role("admin"), Ok("admin".to_owned()));
        for bad in ["", "two words", "a,b", "tab\t", &"r".repeat(65)] {
            assert!(parse_role(bad).is_err(), "{bad:?}");
        }
    }
}
