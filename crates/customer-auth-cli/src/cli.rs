//! The command line as clap reads it: global store options and one subcommand.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

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
    /// Show a customer's second factors: authenticator app, recovery codes left, passkeys.
    Factors {
        /// The customer's username.
        username: String,
    },
    /// Remove every second factor of a customer who lost them (their phone, say), and end their
    /// sessions; they log in with their password alone until they add new ones.
    RemoveFactors {
        /// The customer's username.
        username: String,
    },
    /// Import customers, with the password hashes another system stored, from a JSON-lines or
    /// CSV file.
    ///
    /// Each line (CSV: each row under a header row) has first_name, last_name, email, username,
    /// password_hash, and optionally roles and email_confirmed. In JSON, roles is a list of
    /// strings and email_confirmed is true or false; in CSV, roles is separated by semicolons
    /// (admin;staff) or written as a JSON list (["admin","staff"]), and email_confirmed is true,
    /// false or empty (false). Hashes are stored as they are: bcrypt ($2a$, $2b$, $2y$),
    /// argon2id and argon2i (PHC), Django's pbkdf2_sha256, ASP.NET Identity v3; each customer's
    /// next login stores a fresh hash under the shop's policy. Lines that fail the web form's
    /// rules, or bring a hash customer-auth cannot verify, are listed with their line number
    /// and why, and the rest are imported. Running it again is safe: a customer whose username
    /// and email address are already there is skipped.
    Import(Import),
}

/// The options of `import`.
#[derive(Debug, Args)]
pub(crate) struct Import {
    /// The file to import: JSON lines (.jsonl, .ndjson, .json) or CSV (.csv); another name is
    /// read as JSON lines when it starts with `{`, else as CSV.
    #[arg(value_name = "FILE")]
    pub(crate) file: PathBuf,
    /// Read the file as this format, whatever its name.
    #[arg(long, value_enum)]
    pub(crate) format: Option<ImportFormat>,
    /// How many customers to insert at a time.
    #[arg(long, value_name = "N", default_value = "500", value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub(crate) batch_size: u32,
}

/// The file formats `import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ImportFormat {
    /// One JSON object per line.
    Jsonl,
    /// Comma-separated values with a header row.
    Csv,
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
pub(crate) fn parse_role(role: &str) -> Result<String, String> {
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
