//! A small shop served over real HTTP on an ephemeral port, for the layer's tests.

#![allow(dead_code, unreachable_pub)]

pub mod counting_store;
mod servers;

use std::sync::Arc;

use axum::extract::{Form, Query};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use customer_auth_core::{Auth, CustomerStore, Password, PasswordHasher, Registration, SessionStore};
use customer_auth_tower::{
    CsrfLayer, CurrentCustomer, CurrentPrincipal, Key, RequireLogin, RequireRole, Session, SessionLayer,
};
use http::StatusCode;
use serde::Deserialize;

pub use counting_store::CountingStore;
pub use servers::{postgres_redis_stores, postgres_session_rows, postgres_stores};

pub const PASSWORD: &str = "correct horse battery";

/// The stores a test runs against.
pub struct Stores {
    pub customers: Arc<dyn CustomerStore>,
    pub sessions: Arc<CountingStore>,
    _dir: Option<tempfile::TempDir>,
    pub(crate) _servers: Option<servers::Cleanup>,
}

pub async fn memory_stores() -> Stores {
    let store = Arc::new(customer_auth_core::MemoryStore::new());
    Stores { customers: store.clone(), sessions: Arc::new(CountingStore::new(store)), _dir: None, _servers: None }
}

pub async fn sqlite_stores() -> Stores {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("shop.db").display());
    let store = Arc::new(customer_auth_sqlite::SqliteStore::connect(&url).await.unwrap());
    Stores { customers: store.clone(), sessions: Arc::new(CountingStore::new(store)), _dir: Some(dir), _servers: None }
}

pub struct App {
    pub base: String,
    pub stores: Stores,
    pub auth: Auth,
}

#[derive(Deserialize)]
struct Credentials {
    username: String,
    password: String,
}

#[derive(Deserialize)]
struct Next {
    next: Option<String>,
}

async fn signin(Extension(auth): Extension<Auth>, session: Session, Form(form): Form<Credentials>) -> Response {
    match auth.authenticate(&form.username, &Password::new(form.password)).await {
        Ok(customer) => {
            if let Err(err) = session.login(&customer).await {
                return err.into_response();
            }
            match session.take_target_url().await {
                Ok(target) => Redirect::to(&target.unwrap_or_else(|| "/".into())).into_response(),
                Err(err) => err.into_response(),
            }
        }
        Err(_) => (StatusCode::UNAUTHORIZED, "Invalid credentials, try again!").into_response(),
    }
}

async fn login_page(session: Session, Query(next): Query<Next>) -> Result<String, customer_auth_tower::Error> {
    if let Some(next) = next.next {
        session.set_target_url(&next).await?;
    }
    session.csrf_token().await
}

async fn logout(session: Session) -> Result<Redirect, customer_auth_tower::Error> {
    session.logout().await?;
    Ok(Redirect::to("/"))
}

async fn remember(session: Session) -> Result<&'static str, customer_auth_tower::Error> {
    session.insert("visited", &true).await?;
    Ok("remembered")
}

/// The shop: `/` never touches the session; `/account/*` needs a login, `/admin` the admin role.
pub fn router(layer: SessionLayer, auth: Auth) -> Router {
    let account = Router::new()
        .route("/account/orders", get(|CurrentPrincipal(me): CurrentPrincipal| async move { me.username }))
        .route("/account/profile", get(|CurrentCustomer(me): CurrentCustomer| async move { me.email }))
        .route_layer(RequireLogin::new());
    let admin = Router::new().route("/admin", get(|| async { "admin area" })).route_layer(RequireRole::new("admin"));
    Router::new()
        .route("/", get(|| async { "home" }))
        .route("/remember", get(remember))
        .route("/login", get(login_page))
        .route("/signin", post(signin))
        .route("/logout", post(logout))
        .route("/echo", post(|| async { "posted" }))
        .merge(account)
        .merge(admin)
        .layer(CsrfLayer::new())
        .layer(layer)
        .layer(Extension(auth))
}

pub async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{address}")
}

pub async fn start(stores: Stores) -> App {
    start_with(stores, |layer| layer).await
}

pub async fn start_with(stores: Stores, configure: impl FnOnce(SessionLayer) -> SessionLayer) -> App {
    let auth = Auth::new(stores.customers.clone()).with_hasher(PasswordHasher::new(4).unwrap());
    let sessions: Arc<dyn SessionStore> = stores.sessions.clone();
    let layer = configure(SessionLayer::new(sessions).with_customer_store(stores.customers.clone()).with_secure(false));
    let base = serve(router(layer, auth.clone())).await;
    App { base, stores, auth }
}

pub fn signing_key() -> Key {
    Key::from(&[7u8; 64])
}

/// A browser: keeps cookies, does not follow redirects (the tests look at them).
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// A client without a cookie jar, for sending cookies by hand.
pub fn bare_client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

impl App {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn register(&self, username: &str) -> customer_auth_core::Customer {
        self.auth
            .register(Registration {
                first_name: "Test".into(),
                last_name: "Customer".into(),
                email: format!("{username}@example.com"),
                username: username.into(),
                password: Password::new(PASSWORD),
                confirm_password: Password::new(PASSWORD),
            })
            .await
            .unwrap()
    }

    /// The CSRF token of the browser's session (creating the session).
    pub async fn csrf(&self, client: &reqwest::Client) -> String {
        client.get(self.url("/login")).send().await.unwrap().text().await.unwrap()
    }

    /// Logs the browser in and returns the response to the sign-in post.
    pub async fn log_in(&self, client: &reqwest::Client, username: &str) -> reqwest::Response {
        let token = self.csrf(client).await;
        client
            .post(self.url("/signin"))
            .form(&[("username", username), ("password", PASSWORD), ("csrf_token", &token)])
            .send()
            .await
            .unwrap()
    }
}

/// The session cookie's `name=value` from a response's `Set-Cookie`, if it sets one.
pub fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all(http::header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with("session="))
        .and_then(|value| value.split(';').next())
        .map(str::to_owned)
}
