//! The camerastore example as a library: [`app`] builds the router, [`build`] opens the stores
//! from a [`Config`], [`run`] serves it. `main.rs` only parses flags; tests drive the same code.

pub mod config;
mod error;
mod error_pages;
mod form;
pub mod orders;
mod request_log;
mod routes;
pub mod stores;
pub mod templates;
mod user_agent;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use base64::Engine as _;
use customer_auth::{
    Auth, DeviceKey, FactorKey, HashAlgorithm, HashPolicy, Mailer, OutboxMailer, PasskeyConfig, PasswordHasher,
    SmtpMailer,
};
use customer_auth_tower::{CsrfLayer, Key, SessionLayer, ThrottleLayer, TrustedProxies};

pub use config::{Command, Config};
pub use error::StartError;
use orders::Orders;
use templates::Templates;

/// The largest request body read: forms are small, and a huge one is an attack.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// Registration and login.
    pub auth: Auth,
    /// The shop's orders.
    pub orders: Orders,
    /// The pages.
    pub templates: Arc<Templates>,
    /// Whether cookies the shop sets itself (the device cookie) are `Secure`.
    pub secure_cookies: bool,
    /// The outbox folder, when mail goes there instead of out (development): `/dev/mailbox`
    /// shows it. `None` with SMTP, and then the page does not exist.
    pub mailbox: Option<std::path::PathBuf>,
}

/// The per-address throttles: failed password checks, and the forms that send mail.
#[derive(Debug, Clone)]
pub struct Throttles {
    /// Counts refused logins and password checks only.
    pub failures: ThrottleLayer,
    /// Counts every post to a form that sends mail.
    pub mail: ThrottleLayer,
}

/// The shop's router: every route behind the session and CSRF layers, with request logging,
/// security headers and a body limit; the password forms and the mail-sending forms behind
/// their throttles, the first of which also says which proxies may name the client's address.
pub fn app(state: AppState, sessions: SessionLayer, throttles: Throttles) -> Router {
    let trusted: TrustedProxies = throttles.failures.trusted_proxies().clone();
    let error_pages = from_fn_with_state(state.clone(), error_pages::render);
    routes::routes(throttles)
        .layer(CsrfLayer::new().with_max_form_bytes(MAX_BODY_BYTES))
        .layer(error_pages.clone())
        .layer(sessions)
        .layer(error_pages)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(from_fn(request_log::security_headers))
        .layer(from_fn_with_state(trusted, request_log::log_request))
        .with_state(state)
}

/// Opens the stores `config` names and builds the shop.
pub async fn build(config: &Config) -> Result<Router, StartError> {
    let stores = stores::open(config).await?;
    let orders_url = config.orders_url()?;
    let orders = Orders::open(&orders_url).await.map_err(|source| StartError::Orders { url: orders_url, source })?;
    let policy = match config.password_hash {
        HashAlgorithm::Bcrypt => HashPolicy::bcrypt(config.bcrypt_cost)?,
        other => HashPolicy::default_for(other),
    };
    let hasher = PasswordHasher::new(config.bcrypt_cost)?.with_policy(policy);
    let auth = Auth::new(stores.customers.clone())
        .with_sessions(stores.sessions.clone())
        .with_hasher(hasher)
        .with_mailer(mailer(config)?, config.base_url())
        .with_email_confirmation(config.email_confirmation)
        .with_paranoid_registration(config.paranoid_registration);
    let mut templates =
        Templates::new().map_err(|err| StartError::Store(customer_auth::Error::Config(err.to_string())))?;
    templates.show_mailbox(config.smtp_url.is_none());
    let templates = Arc::new(templates);
    let secure = config.secure_cookies();
    if !secure {
        tracing::warn!(
            "session cookies are sent without Secure, for plain http on {}; use --secure-cookies behind TLS",
            config.bind
        );
    }
    let mut sessions = SessionLayer::new(stores.sessions)
        .with_customer_store(stores.customers)
        .with_secure(secure)
        .with_idle_timeout(config.session_idle_timeout());
    let mut auth = auth;
    auth = auth.with_second_factors(stores.factors.clone(), factor_key(config)?);
    if let Some(store) = stores.passkeys.clone() {
        auth = auth.with_passkeys(store, &passkey_config(&config.base_url()))?;
    }
    match &config.cookie_key {
        Some(encoded) => {
            let key = cookie_key(encoded)?;
            // Instances that share the cookie key then recognise each other's known browsers.
            auth = auth.with_device_key(DeviceKey::from_secret(&[b"camerastore device key:", key.master()].concat())?);
            sessions = sessions.with_signing_key(key);
        }
        None => tracing::info!("session cookies are not signed; set CAMERASTORE_COOKIE_KEY to sign them"),
    }
    let proxies = config.trusted_proxies.iter().copied();
    let throttles = Throttles {
        failures: ThrottleLayer::failures_per_minute(config.attempts_per_minute).with_trusted_proxies(proxies.clone()),
        mail: ThrottleLayer::per_minute(config.mail_forms_per_minute).with_trusted_proxies(proxies),
    };
    let mailbox = config.smtp_url.is_none().then(|| config.outbox.clone());
    let state = AppState { auth, orders, templates, secure_cookies: secure, mailbox };
    Ok(app(state, sessions, throttles))
}

/// SMTP when configured, else the development outbox.
fn mailer(config: &Config) -> Result<Arc<dyn Mailer>, StartError> {
    match &config.smtp_url {
        Some(url) => Ok(Arc::new(SmtpMailer::new(url, &config.mail_from)?)),
        None => {
            // Found out now, not at the first registration: a mail that cannot be written is a
            // customer who never gets their link.
            let dir = &config.outbox;
            let unwritable = |source| StartError::Outbox { dir: dir.clone(), source };
            std::fs::create_dir_all(dir).map_err(unwritable)?;
            let probe = dir.join(".camerastore-write-test");
            std::fs::write(&probe, b"").map_err(unwritable)?;
            std::fs::remove_file(&probe).map_err(unwritable)?;
            tracing::info!(
                "account email goes to {}/, shown at /dev/mailbox (set CAMERASTORE_SMTP_URL to send it)",
                dir.display()
            );
            Ok(Arc::new(OutboxMailer::new(dir)))
        }
    }
}

/// Who the shop is to passkeys, from its base URL: its host is the relying party id, except
/// that a loopback address becomes `localhost` (WebAuthn takes no IP address), and the pages
/// must then be opened at `http://localhost:PORT`.
pub fn passkey_config(base_url: &str) -> PasskeyConfig {
    let parsed = url::Url::parse(base_url).ok();
    let host = parsed.as_ref().and_then(|url| url.host_str().map(str::to_owned)).unwrap_or_default();
    let loopback = host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
        || host.trim_matches(['[', ']']).parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    let rp_id = if loopback || host.is_empty() { "localhost".to_owned() } else { host };
    let origin = match parsed {
        Some(mut url) => {
            if loopback {
                let _ = url.set_host(Some("localhost"));
            }
            url.origin().ascii_serialization()
        }
        None => "http://localhost".to_owned(),
    };
    PasskeyConfig { rp_id, origin, rp_name: "Camera Store".to_owned() }
}

/// The key that seals authenticator-app secrets: `--factor-key`, else one derived from the
/// cookie key, else one of this process's own (with a warning).
fn factor_key(config: &Config) -> Result<FactorKey, StartError> {
    let refused = |err: String| StartError::FactorKey(err);
    if let Some(encoded) = &config.factor_key {
        let bytes =
            base64::engine::general_purpose::STANDARD.decode(encoded.trim()).map_err(|err| refused(err.to_string()))?;
        return FactorKey::from_secret(&bytes).map_err(|err| refused(err.to_string()));
    }
    if let Some(encoded) = &config.cookie_key {
        let key = cookie_key(encoded)?;
        return FactorKey::from_secret(&[b"camerastore factor key:", key.master()].concat())
            .map_err(|err| refused(err.to_string()));
    }
    tracing::warn!(
        "authenticator apps enrolled now stop working when the shop restarts; set CAMERASTORE_FACTOR_KEY to keep them"
    );
    FactorKey::generate().map_err(|err| refused(err.to_string()))
}

fn cookie_key(encoded: &str) -> Result<Key, StartError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|err| StartError::CookieKey(err.to_string()))?;
    Key::try_from(bytes.as_slice()).map_err(|err| StartError::CookieKey(err.to_string()))
}

/// Serves the shop until Ctrl-C.
pub async fn run(config: Config) -> Result<(), StartError> {
    let router = build(&config).await?;
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .map_err(|source| StartError::Bind { address: config.bind, source })?;
    let address = listener.local_addr().map_err(StartError::Serve)?;
    tracing::info!("camerastore is open at http://{address}");
    axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("shutting down: finishing the requests under way");
        })
        .await
        .map_err(StartError::Serve)?;
    tracing::info!("camerastore has stopped");
    Ok(())
}

/// Gives `username` the admin role. Their sessions end, so the role takes effect at their next
/// login instead of waiting behind a stale session.
pub async fn create_admin(config: &Config, username: &str) -> Result<(), StartError> {
    let stores = stores::open(config).await?;
    let customer = stores
        .customers
        .find_customer_by_username(username)
        .await?
        .ok_or_else(|| StartError::NoSuchCustomer(username.to_owned()))?;
    let mut roles = customer.roles.clone();
    roles.insert("admin".to_owned());
    Auth::new(stores.customers).with_sessions(stores.sessions).set_roles(customer.id, roles).await?;
    tracing::info!(customer_id = %customer.id, "{} is now an admin", customer.username);
    Ok(())
}
