//! The shop's settings, from flags or the environment.

use std::net::SocketAddr;

use clap::{Parser, Subcommand};

/// A camera shop's account pages on customer-auth.
#[derive(Parser, Clone)]
#[command(name = "camerastore", version, about)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "CAMERASTORE_BIND", default_value = "127.0.0.1:3000")]
    pub bind: SocketAddr,

    /// Where customers and sessions live: sqlite://file.db (created and migrated on start).
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://camerastore.db")]
    pub database_url: String,

    /// Base64 of at least 64 random bytes to sign session cookies with (the same on every
    /// instance). Without it cookies are unsigned, which is safe (ids are 256 random bits) but
    /// lets forged ids reach the store.
    #[arg(long, env = "CAMERASTORE_COOKIE_KEY", hide_env_values = true)]
    pub cookie_key: Option<String>,

    /// Send cookies without `Secure`, for plain http. On by default when listening on a
    /// loopback address.
    #[arg(long, conflicts_with = "secure_cookies")]
    pub insecure_cookies: bool,

    /// Send `Secure` cookies even on a loopback address (behind a TLS-terminating proxy).
    #[arg(long)]
    pub secure_cookies: bool,

    /// bcrypt cost for new password hashes (4 to 31).
    #[arg(long, env = "CAMERASTORE_BCRYPT_COST", default_value_t = customer_auth::DEFAULT_COST)]
    pub bcrypt_cost: u32,

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
