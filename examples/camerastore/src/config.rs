//! The shop's settings, from flags or the environment.

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Parser, Subcommand};
use customer_auth_tower::session::DEFAULT_IDLE_TIMEOUT;
use customer_auth_tower::throttle::IpNet;

use crate::StartError;
use crate::stores::Backend;

/// A camera shop's account pages on customer-auth.
#[derive(Parser, Clone)]
#[command(name = "camerastore", version, about, args_override_self = true)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "CAMERASTORE_BIND", default_value = "127.0.0.1:3000")]
    pub bind: SocketAddr,

    /// Where customers live, and sessions unless --session-url says otherwise:
    /// sqlite://file.db (created and migrated on start), postgres://…, redis://… or a Redis
    /// Cluster, redis+cluster://host:port,host:port,… (rediss:// and rediss+cluster:// with TLS).
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://camerastore.db")]
    pub database_url: String,

    /// Where sessions live when not with the customers (redis://… or redis+cluster://… beside
    /// postgres://… is the usual production set-up).
    #[arg(long, env = "SESSION_URL")]
    pub session_url: Option<String>,

    /// Where the shop's orders live (sqlite://… or postgres://…). Defaults to the database URL
    /// when that is SQL, else to sqlite://camerastore-orders.db.
    #[arg(long, env = "ORDERS_URL")]
    pub orders_url: Option<String>,

    /// The Postgres schema that holds customer-auth's tables.
    #[arg(long, env = "CAMERASTORE_POSTGRES_SCHEMA", default_value = "customer_auth")]
    pub postgres_schema: String,

    /// The prefix of every Redis key customer-auth writes.
    #[arg(long, env = "CAMERASTORE_REDIS_PREFIX", default_value = "customer-auth:")]
    pub redis_prefix: String,

    /// Base64 of at least 64 random bytes to sign session cookies with (the same on every
    /// instance). Without it cookies are unsigned, which is safe (ids are 256 random bits) but
    /// lets forged ids reach the store.
    #[arg(long, env = "CAMERASTORE_COOKIE_KEY", hide_env_values = true)]
    pub cookie_key: Option<String>,

    /// Base64 of at least 32 random bytes that seal the customers' authenticator-app secrets
    /// in the database (the same on every instance; keep it like a database password). Without
    /// it the key comes from the cookie key, and without that a key of this process's own is
    /// used: apps enrolled then stop working when the shop restarts.
    #[arg(long, env = "CAMERASTORE_FACTOR_KEY", hide_env_values = true)]
    pub factor_key: Option<String>,

    /// Send cookies without `Secure`, for plain http. On by default when listening on a
    /// loopback address.
    #[arg(long, conflicts_with = "secure_cookies")]
    pub insecure_cookies: bool,

    /// Send `Secure` cookies even on a loopback address (behind a TLS-terminating proxy).
    #[arg(long)]
    pub secure_cookies: bool,

    /// Seconds without a request after which a session ends (and the stores' purge removes it).
    #[arg(long, env = "CAMERASTORE_SESSION_IDLE_TIMEOUT", default_value_t = DEFAULT_IDLE_TIMEOUT.as_secs(), value_parser = clap::value_parser!(u64).range(1..))]
    pub session_idle_timeout: u64,

    /// How new password hashes are made: `bcrypt` (at --bcrypt-cost) or `argon2id` (OWASP's
    /// 19 MiB, 2 iterations, 1 lane). Hashes already stored keep working either way, and each
    /// customer's next login moves them to this one.
    #[arg(long, env = "CAMERASTORE_PASSWORD_HASH", default_value = "bcrypt")]
    pub password_hash: customer_auth::HashAlgorithm,

    /// bcrypt cost for new password hashes (4 to 31).
    #[arg(long, env = "CAMERASTORE_BCRYPT_COST", default_value_t = customer_auth::DEFAULT_COST)]
    pub bcrypt_cost: u32,

    /// Paranoid registration: a registration with an email address that already has an
    /// account answers as a new account does, and mails the address's owner instead, so the
    /// form no longer tells who has an account (as /forgot does not). Off by default: the form
    /// then says "An account with this email already exists" next to the field. Goes with
    /// email confirmation.
    #[arg(long, env = "CAMERASTORE_PARANOID_REGISTRATION", default_value_t = false, action = clap::ArgAction::Set)]
    pub paranoid_registration: bool,

    /// Failed logins (and other refused password checks) allowed per client address and
    /// minute; more get 429 with Retry-After. Successful logins never count, so customers who
    /// share an address are not throttled for logging in.
    #[arg(long, env = "CAMERASTORE_ATTEMPTS_PER_MINUTE", default_value_t = 10)]
    pub attempts_per_minute: u32,

    /// Posts to the forms that send mail (registration, password reset, new confirmation or
    /// unlock links) allowed per client address and minute; more get 429 with Retry-After.
    #[arg(long, env = "CAMERASTORE_MAIL_FORMS_PER_MINUTE", default_value_t = 20)]
    pub mail_forms_per_minute: u32,

    /// Proxies (addresses or CIDR ranges, comma-separated) whose X-Forwarded-For names the
    /// client. Without any, the socket's peer is the client and the header is ignored.
    #[arg(long, env = "CAMERASTORE_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<IpNet>,

    /// The shop's address as customers reach it, for the links in account email. Defaults to
    /// http:// and the bind address.
    #[arg(long, env = "CAMERASTORE_BASE_URL")]
    pub base_url: Option<String>,

    /// Whether a new customer must follow the link in the confirmation email before logging in.
    #[arg(long, env = "CAMERASTORE_EMAIL_CONFIRMATION", default_value_t = true, action = clap::ArgAction::Set)]
    pub email_confirmation: bool,

    /// Where account email goes without an SMTP server: one .eml file per message (and a log
    /// line), for development.
    #[arg(long, env = "CAMERASTORE_OUTBOX", default_value = "outbox")]
    pub outbox: std::path::PathBuf,

    /// An SMTP server for account email instead of the outbox: smtp://host:25,
    /// smtp://user:pass@host:587?tls=required or smtps://user:pass@host:465.
    #[arg(long, env = "CAMERASTORE_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// The sender of account email.
    #[arg(long, env = "CAMERASTORE_MAIL_FROM", default_value = "Camera Store <shop@camerastore.invalid>")]
    pub mail_from: String,

    /// What to do instead of serving the shop.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Administrative commands.
#[derive(Subcommand, Clone)]
pub enum Command {
    /// Give an existing customer the `admin` role (they log in again to use it).
    CreateAdmin {
        /// The customer's username.
        username: String,
    },
}

impl Config {
    /// Where the links in account email point.
    pub fn base_url(&self) -> String {
        self.base_url.clone().unwrap_or_else(|| format!("http://{}", self.bind))
    }

    /// Where the orders table lives: `--orders-url`, else the database when it is SQL, else an
    /// SQLite file of its own.
    pub fn orders_url(&self) -> Result<String, StartError> {
        let url = match (&self.orders_url, Backend::of(&self.database_url)?) {
            (Some(url), _) => url.clone(),
            (None, Backend::Postgres) => return Ok(self.database_url.clone()),
            (None, Backend::Sqlite) => self.database_url.clone(),
            (None, Backend::Redis) => "sqlite://camerastore-orders.db".to_owned(),
        };
        Ok(match Backend::of(&url)? {
            Backend::Postgres => url,
            // Created when missing, as the SQLite store does with its own file.
            Backend::Sqlite if url.starts_with("sqlite:") && !url.contains('?') && url != "sqlite::memory:" => {
                format!("{url}?mode=rwc")
            }
            Backend::Sqlite if !url.starts_with("sqlite:") => format!("sqlite://{url}?mode=rwc"),
            Backend::Sqlite => url,
            Backend::Redis => {
                return Err(StartError::UnsupportedDatabase("redis: (orders need sqlite:// or postgres://)".into()));
            }
        })
    }

    /// How long an idle session lives.
    pub fn session_idle_timeout(&self) -> Duration {
        Duration::from_secs(self.session_idle_timeout)
    }

    /// Whether cookies carry `Secure`: yes unless told otherwise, or listening on loopback
    /// where browsers talk plain http.
    pub fn secure_cookies(&self) -> bool {
        if self.secure_cookies {
            true
        } else if self.insecure_cookies {
            false
        } else {
            !self.bind.ip().is_loopback()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_idle_timeout_defaults_to_the_layers_and_zero_is_refused() {
        let parse = |args: &[&str]| Config::try_parse_from([&["camerastore"], args].concat());
        assert_eq!(parse(&[]).map(|config| config.session_idle_timeout()).ok(), Some(DEFAULT_IDLE_TIMEOUT));
        let short = parse(&["--session-idle-timeout", "45"]).map(|config| config.session_idle_timeout());
        assert_eq!(short.ok(), Some(Duration::from_secs(45)));
        assert!(parse(&["--session-idle-timeout", "0"]).is_err(), "a session that ends at once is no session");
    }
}
