//! What can go wrong, each message saying what to do, and the exit code for each.

use std::process::ExitCode;

use customer_auth::FieldErrors;

/// Everything a command can fail with. No message ever holds a password or a connection URL
/// (which may carry one): servers are named as the stores name them, with passwords redacted.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    /// No `--store` and no `CUSTOMER_AUTH_STORE`.
    #[error("no store given; pass --store URL or set CUSTOMER_AUTH_STORE (sqlite://file.db, postgres://…, redis://…)")]
    NoStore,
    /// The URL's scheme names no store this tool knows.
    #[error(
        "the store URL is not one this tool reads ({reason}); use sqlite://path/to/file.db, postgres://user:password@host:port/database, redis://host:port or redis+cluster://host:port,host:port"
    )]
    UnknownScheme {
        /// What is wrong, never the URL itself.
        reason: String,
    },
    /// This build was made without the store the URL names.
    #[cfg_attr(all(feature = "sqlite", feature = "postgres", feature = "redis"), allow(dead_code))]
    #[error("this customer-auth was built without {store} support; rebuild it with --features {feature}")]
    MissingFeature {
        /// The store, as people call it.
        store: &'static str,
        /// The cargo feature that adds it.
        feature: &'static str,
    },
    /// A store option or the URL is unusable (the store's own message says what to use).
    #[error("{0}")]
    Config(String),
    /// The store could not be reached.
    #[error("the store is unreachable: {0}")]
    Unreachable(String),
    /// The store has no customer-auth tables yet.
    #[error("the store has no customer-auth tables yet; run `customer-auth migrate` first (with the same --store)")]
    NotMigrated,
    /// The store answered with an error.
    #[error("the store failed: {0}")]
    Store(String),
    /// The registration did not pass the same rules as the web form.
    #[error("the customer was not created; fix these and run the command again:\n{}", field_lines(.0))]
    Invalid(FieldErrors),
    /// The username or email is taken.
    #[error("the customer was not created: {0}")]
    Duplicate(String),
    /// No customer has this username.
    #[error("no customer has the username {0:?}; `customer-auth list` shows who there is")]
    UnknownCustomer(String),
    /// The password could not be read.
    #[error("{0}")]
    Password(String),
    /// Something local failed: the async runtime, writing the output.
    #[error("{0}")]
    Local(String),
    /// The import file cannot be read as a whole: missing, or a CSV header without the
    /// columns an import needs.
    #[error("{0}")]
    ImportFile(String),
    /// Some lines of an import were refused; the others went in.
    #[error(
        "{refused} {} of {file} {} refused (listed above); fix {} and run the import again: customers already imported are skipped",
        if *.refused == 1 { "line" } else { "lines" },
        if *.refused == 1 { "was" } else { "were" },
        if *.refused == 1 { "it" } else { "them" }
    )]
    ImportRefused {
        /// How many lines.
        refused: u64,
        /// The file, as given.
        file: String,
    },
}

impl CliError {
    /// The process exit code: 1 the store failed, 2 usage or configuration, 3 refused.
    pub(crate) fn exit_code(&self) -> ExitCode {
        ExitCode::from(match self {
            Self::Unreachable(_) | Self::NotMigrated | Self::Store(_) | Self::Local(_) => 1,
            Self::NoStore
            | Self::UnknownScheme { .. }
            | Self::MissingFeature { .. }
            | Self::Config(_)
            | Self::ImportFile(_) => 2,
            Self::Invalid(_)
            | Self::Duplicate(_)
            | Self::UnknownCustomer(_)
            | Self::Password(_)
            | Self::ImportRefused { .. } => 3,
        })
    }
}

fn field_lines(errors: &FieldErrors) -> String {
    let lines: Vec<String> = errors
        .iter()
        .flat_map(|(field, messages)| messages.iter().map(move |message| format!("  {}: {message}", flag_of(field))))
        .collect();
    lines.join("\n")
}

/// The command-line flag for a form field, so an error points at what the admin typed.
fn flag_of(field: &str) -> &str {
    match field {
        "firstName" => "--first-name",
        "lastName" => "--last-name",
        "email" => "--email",
        "username" => "--username",
        "password" => "password",
        "confirmPassword" => "password (again)",
        other => other,
    }
}

/// Keeps a driver's message on one line, so each failure is one line of stderr.
fn one_line(message: String) -> String {
    if message.contains(['\n', '\r']) { message.split_whitespace().collect::<Vec<_>>().join(" ") } else { message }
}

impl From<customer_auth::Error> for CliError {
    fn from(err: customer_auth::Error) -> Self {
        use customer_auth::Error;
        match err {
            Error::Validation(errors) => Self::Invalid(errors),
            Error::DuplicateUsername | Error::DuplicateEmail => Self::Duplicate(err.to_string()),
            Error::Config(message) => Self::Config(one_line(message)),
            // Connection failures at start-up come from the stores' own errors, which say what to
            // check; this is a driver error later on, which does not.
            Error::Unavailable(ref source) => {
                Self::Unreachable(one_line(format!("{source}; check that it is running and reachable, then retry")))
            }
            Error::Backend(ref source) if is_not_migrated(source.as_ref()) => Self::NotMigrated,
            other => Self::Store(one_line(other.to_string())),
        }
    }
}

/// True when a store says its tables are missing.
fn is_not_migrated(source: &(dyn std::error::Error + 'static)) -> bool {
    #[cfg(feature = "sqlite")]
    if let Some(customer_auth::sqlite::Error::NotMigrated { .. }) = source.downcast_ref() {
        return true;
    }
    #[cfg(feature = "postgres")]
    if let Some(customer_auth::postgres::Error::NotMigrated { .. }) = source.downcast_ref() {
        return true;
    }
    let _ = source;
    false
}

#[cfg(feature = "sqlite")]
impl From<customer_auth::sqlite::Error> for CliError {
    fn from(err: customer_auth::sqlite::Error) -> Self {
        use customer_auth::sqlite::Error;
        match err {
            Error::InvalidUrl { .. } | Error::Config(_) => Self::Config(one_line(err.to_string())),
            Error::Open { .. } => Self::Unreachable(one_line(err.to_string())),
            Error::Missing { path } => Self::Unreachable(format!(
                "there is no SQLite database at {path}; check the path, or create one with `customer-auth migrate` (with the same --store)"
            )),
            Error::NotMigrated { .. } => Self::NotMigrated,
            other => Self::Store(one_line(other.to_string())),
        }
    }
}

#[cfg(feature = "postgres")]
impl From<customer_auth::postgres::Error> for CliError {
    fn from(err: customer_auth::postgres::Error) -> Self {
        use customer_auth::postgres::Error;
        match err {
            Error::InvalidUrl { .. } | Error::InvalidSchema { .. } | Error::Config(_) => {
                Self::Config(one_line(err.to_string()))
            }
            Error::Connect { .. } => Self::Unreachable(one_line(err.to_string())),
            Error::NotMigrated { .. } => Self::NotMigrated,
            other => Self::Store(one_line(other.to_string())),
        }
    }
}

#[cfg(feature = "redis")]
impl From<customer_auth::redis::Error> for CliError {
    fn from(err: customer_auth::redis::Error) -> Self {
        use customer_auth::redis::Error;
        match err {
            Error::InvalidUrl { .. } | Error::InvalidPrefix { .. } | Error::Config(_) => {
                Self::Config(one_line(err.to_string()))
            }
            Error::Connect { .. } => Self::Unreachable(one_line(err.to_string())),
            other => Self::Store(one_line(other.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_name_the_flags() {
        let mut errors = FieldErrors::new();
        errors.add("firstName", "First name is required.");
        errors.add("password", "Password must be at least 8 characters.");
        let message = CliError::Invalid(errors).to_string();
        assert!(message.contains("  --first-name: First name is required."), "{message}");
        assert!(message.contains("  password: Password must be at least 8 characters."), "{message}");
    }

    #[test]
    fn unavailable_stores_are_unreachable_with_exit_code_1() {
        let err = CliError::from(customer_auth::Error::unavailable("connection refused"));
        assert!(err.to_string().starts_with("the store is unreachable: connection refused; check"));
        assert_eq!(err.exit_code(), ExitCode::from(1));
    }

    #[test]
    fn messages_stay_on_one_line() {
        assert_eq!(one_line("a\nb\r\n c".into()), "a b c");
    }
}
