//! The peer in the load benchmark: axum-login 0.18 on tower-sessions 0.14, set up the way their
//! own examples are (signed cookies, `Expiry::OnInactivity`, bcrypt verify in `spawn_blocking`,
//! the SQL stores' expired-session deletion task). `benches/load/run.sh` starts it.
//!
//! Run with: `cargo run --release --manifest-path benches/peer/Cargo.toml -- --store memory`
//!
//! The one user lives in memory (a map), so `get_user` on every protected request costs the
//! peer nothing: a set-up that favours the peer.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::Form;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum_login::{AuthManagerLayerBuilder, AuthUser, AuthnBackend, UserId, login_required};
use clap::Parser;
use serde::{Deserialize, Serialize};
use time::Duration;
use tower_sessions::cookie::Key;
use tower_sessions::{ExpiredDeletion, Expiry, MemoryStore, SessionManagerLayer, SessionStore};
use tower_sessions_redis_store::RedisStore;
use tower_sessions_redis_store::fred::prelude::{ClientLike, Config, Pool};
use tower_sessions_sqlx_store::sqlx::{PgPool, SqlitePool};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

#[derive(Parser)]
struct Args {
    /// `memory`, `sqlite://file.db`, `postgres://…` or `redis://…`.
    #[arg(long, default_value = "memory")]
    store: String,
    #[arg(long, default_value_t = 12)]
    bcrypt_cost: u32,
    #[arg(long, default_value = "127.0.0.1:3002")]
    listen: SocketAddr,
}

#[derive(Clone, Serialize, Deserialize)]
struct User {
    id: i64,
    username: String,
    password: String,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User").field("id", &self.id).field("username", &self.username).finish()
    }
}

impl AuthUser for User {
    type Id = i64;
    fn id(&self) -> i64 {
        self.id
    }
    fn session_auth_hash(&self) -> &[u8] {
        self.password.as_bytes()
    }
}

#[derive(Clone, Deserialize)]
struct Credentials {
    username: String,
    password: String,
}

#[derive(Clone)]
struct Backend {
    users: Arc<HashMap<String, User>>,
}

#[derive(Debug)]
struct BackendError(String);
impl std::fmt::Display for BackendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for BackendError {}

impl AuthnBackend for Backend {
    type User = User;
    type Credentials = Credentials;
    type Error = BackendError;

    async fn authenticate(&self, creds: Credentials) -> Result<Option<User>, BackendError> {
        let user = self.users.get(&creds.username).cloned();
        // As axum-login's examples do: the password check runs on the blocking pool.
        tokio::task::spawn_blocking(move || {
            Ok(user.filter(|user| bcrypt::verify(&creds.password, &user.password).unwrap_or(false)))
        })
        .await
        .map_err(|err| BackendError(err.to_string()))?
    }

    async fn get_user(&self, user_id: &UserId<Self>) -> Result<Option<User>, BackendError> {
        Ok(self.users.values().find(|user| user.id == *user_id).cloned())
    }
}

type AuthSession = axum_login::AuthSession<Backend>;

async fn login(mut auth_session: AuthSession, Form(creds): Form<Credentials>) -> StatusCode {
    match auth_session.authenticate(creds).await {
        Ok(Some(user)) => match auth_session.login(&user).await {
            Ok(()) => StatusCode::OK,
            Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
        },
        Ok(None) => StatusCode::UNAUTHORIZED,
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn app<S: SessionStore + Clone>(store: S, backend: Backend) -> Router {
    let session_layer = SessionManagerLayer::new(store)
        .with_secure(false)
        .with_expiry(Expiry::OnInactivity(Duration::minutes(30)))
        .with_signed(Key::generate());
    let auth_layer = AuthManagerLayerBuilder::new(backend, session_layer).build();
    let with_sessions = Router::new()
        .route("/protected", get(|| async { "protected" }))
        .route_layer(login_required!(Backend))
        .route("/login", post(login))
        .layer(auth_layer);
    Router::new().route("/bare", get(|| async { "bare" })).merge(with_sessions)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let hash = bcrypt::hash("bench-password-123", args.bcrypt_cost)?;
    let user = User { id: 1, username: "bench".into(), password: hash };
    let backend = Backend { users: Arc::new(HashMap::from([(user.username.clone(), user)])) };
    let url = args.store.as_str();
    let deletion_interval = tokio::time::Duration::from_secs(60);
    let app = if url == "memory" {
        app(MemoryStore::default(), backend)
    } else if url.starts_with("sqlite:") {
        let pool = SqlitePool::connect(&format!("{url}?mode=rwc")).await?;
        let store = SqliteStore::new(pool);
        store.migrate().await?;
        tokio::spawn(store.clone().continuously_delete_expired(deletion_interval));
        app(store, backend)
    } else if url.starts_with("postgres") {
        let pool = PgPool::connect(url).await?;
        let store = PostgresStore::new(pool);
        store.migrate().await?;
        tokio::spawn(store.clone().continuously_delete_expired(deletion_interval));
        app(store, backend)
    } else if url.starts_with("redis") {
        let pool = Pool::new(Config::from_url(url)?, None, None, None, 6)?;
        let _connection = pool.connect();
        pool.wait_for_connect().await?;
        app(RedisStore::new(pool), backend)
    } else {
        return Err(format!("unknown store {url}").into());
    };
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    println!("peer listening on {} with store {}", args.listen, args.store);
    axum::serve(listener, app).await?;
    Ok(())
}
