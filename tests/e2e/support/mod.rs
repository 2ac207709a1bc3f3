//! Starts the camerastore example on an ephemeral port with its own SQLite file, for the
//! end-to-end tests.

#![allow(dead_code, unreachable_pub)]

pub mod client;
pub mod proxy;
pub mod servers;

use camerastore::Config;
use clap::Parser;

/// A running shop. Its database lives as long as this value.
pub struct Shop {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// The configuration it runs with (for `camerastore::create_admin`).
    pub config: Config,
    _dir: tempfile::TempDir,
}

impl Shop {
    /// Starts a fresh shop on its own SQLite file: bcrypt cost 4 (fast tests), plain-http cookies.
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = format!("sqlite://{}", dir.path().join("camerastore.db").display());
        Self::start_in(dir, &["--database-url", &url]).await
    }

    /// Starts a shop with these flags besides the test defaults (bcrypt cost 4, plain-http
    /// cookies, an ephemeral port).
    pub async fn start_with(flags: &[&str]) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = format!("sqlite://{}", dir.path().join("camerastore.db").display());
        let mut all = vec!["--database-url", url.as_str()];
        all.extend_from_slice(flags);
        Self::start_in(dir, &all).await
    }

    async fn start_in(dir: tempfile::TempDir, flags: &[&str]) -> Self {
        // Every test client is 127.0.0.1: a high throttle unless the test sets its own.
        let mut args = vec![
            "camerastore",
            "--bind",
            "127.0.0.1:0",
            "--bcrypt-cost",
            "4",
            "--insecure-cookies",
            "--attempts-per-minute",
            "10000",
            "--mail-forms-per-minute",
            "10000",
            "--email-confirmation",
            "false",
        ];
        let outbox = dir.path().join("outbox").display().to_string();
        args.extend_from_slice(&["--outbox", outbox.as_str()]);
        args.extend_from_slice(flags);
        let config = Config::parse_from(args);
        let router = camerastore::build(&config).await.expect("the shop starts");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let address = listener.local_addr().expect("the port");
        let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, service).await.expect("the shop serves") });
        Self { base: format!("http://{address}"), config, _dir: dir }
    }

    /// The URL of `path` on this shop.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The token of the newest `/{path}/` link in the shop's outbox, waiting a little for mail
    /// that goes out in the background.
    pub async fn mailed_link(&self, path: &str) -> String {
        for _ in 0..300 {
            let mut mails: Vec<_> = std::fs::read_dir(&self.config.outbox)
                .map(|entries| entries.filter_map(Result::ok).map(|entry| entry.path()).collect())
                .unwrap_or_default();
            mails.sort();
            let found = mails.iter().rev().find_map(|mail| {
                let text = std::fs::read_to_string(mail).ok()?;
                text.split_whitespace()
                    .find_map(|word| word.split_once(&format!("/{path}/")).map(|(_, token)| token.to_owned()))
            });
            if let Some(token) = found {
                return token;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("no /{path}/ link reached the outbox {}", self.config.outbox.display());
    }

    /// How many messages the outbox holds.
    pub fn mail_count(&self) -> usize {
        std::fs::read_dir(&self.config.outbox).map(|entries| entries.count()).unwrap_or(0)
    }

    /// Gives `username` the admin role, as `cargo run -p camerastore -- create-admin` does.
    pub async fn make_admin(&self, username: &str) {
        camerastore::create_admin(&self.config, username).await.expect("create-admin works");
    }
}

/// A browser-like client: keeps cookies, does not follow redirects.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client")
}

/// The value of the hidden `csrf_token` field in a page.
pub fn csrf_token(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).map(|at| at + marker.len()).expect("the page has a CSRF token field");
    let end = html[start..].find('"').expect("the token field is closed") + start;
    html[start..end].to_owned()
}
