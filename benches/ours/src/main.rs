//! customer-auth's server for the load benchmark (`benches/load/run.sh` starts it).
//!
//! Run with: `cargo run --release --manifest-path benches/ours/Cargo.toml -- --store memory`
//!
//! Routes: `GET /bare` (no layers), `GET /protected` (behind `RequireLogin`), `POST /login`
//! (form `username`, `password`: `Auth::authenticate`, then `Session::login`). No CSRF layer:
//! the peer has none either, and the bench measures sessions and logins.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use clap::Parser;
use customer_auth::web::Key;
use customer_auth::{
    Auth, CustomerStore, Error, Password, PasswordHasher, Registration, RequireLogin, Session, SessionLayer,
    SessionStore,
};
use serde::Deserialize;

#[derive(Parser)]
struct Args {
    /// `memory`, `sqlite://file.db`, `postgres://…` or `redis://…`.
    #[arg(long, default_value = "memory")]
    store: String,
    /// The bcrypt cost of the seeded user's hash and of the hasher.
    #[arg(long, default_value_t = 12)]
    bcrypt_cost: u32,
    #[arg(long, default_value = "127.0.0.1:3001")]
    listen: SocketAddr,
    /// Postgres schema for customer-auth's tables.
    #[arg(long, default_value = "customer_auth_bench")]
    postgres_schema: String,
    /// Threads that hash passwords, each up to four at once (the library's default: one per core).
    #[arg(long)]
    hash_threads: Option<usize>,
    /// Redis key prefix.
    #[arg(long, default_value = "ca-bench:")]
    redis_prefix: String,
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
}

async fn open(args: &Args) -> Result<(Arc<dyn CustomerStore>, Arc<dyn SessionStore>), Box<dyn std::error::Error>> {
    let url = args.store.as_str();
    Ok(if url == "memory" {
        let store = Arc::new(customer_auth::MemoryStore::new());
        (store.clone(), store)
    } else if url.starts_with("sqlite:") {
        let store = Arc::new(customer_auth::SqliteStoreOptions::new(url).connect().await?);
        (store.clone(), store)
    } else if url.starts_with("postgres") {
        let store =
            Arc::new(customer_auth::PostgresStoreOptions::new(url).schema(&args.postgres_schema).connect().await?);
        (store.clone(), store)
    } else if url.starts_with("redis") {
        let store = Arc::new(customer_auth::RedisStoreOptions::new(url).prefix(&args.redis_prefix).connect().await?);
        (store.clone(), store)
    } else {
        return Err(format!("unknown store {url}: use memory, sqlite://, postgres:// or redis://").into());
    })
}

async fn login(State(auth): State<Auth>, session: Session, Form(form): Form<LoginForm>) -> StatusCode {
    match auth.authenticate(&form.username, &Password::new(form.password)).await {
        Ok(customer) => match session.login(&customer).await {
            Ok(()) => StatusCode::OK,
            Err(_) => StatusCode::SERVICE_UNAVAILABLE,
        },
        Err(Error::InvalidCredentials) => StatusCode::UNAUTHORIZED,
        Err(_) => StatusCode::SERVICE_UNAVAILABLE,
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let (customers, sessions) = open(&args).await?;
    let mut hasher = PasswordHasher::new(args.bcrypt_cost)?;
    if let Some(max) = args.hash_threads {
        hasher = hasher.with_threads(max);
    }
    let auth = Auth::new(customers.clone()).with_sessions(sessions.clone()).with_hasher(hasher);
    let seeded = auth
        .register(Registration {
            first_name: "Bench".into(),
            last_name: "Mark".into(),
            email: "bench@example.com".into(),
            username: "bench".into(),
            password: Password::new("bench-password-123"),
            confirm_password: Password::new("bench-password-123"),
        })
        .await;
    match seeded {
        Ok(_) | Err(Error::DuplicateUsername | Error::DuplicateEmail) => {}
        Err(err) => return Err(err.into()),
    }

    let sessions_layer =
        SessionLayer::new(sessions).with_customer_store(customers).with_secure(false).with_signing_key(Key::generate());
    let with_sessions = Router::new()
        .route("/protected", get(|| async { "protected" }))
        .route_layer(RequireLogin::new())
        .route("/login", post(login))
        .with_state(auth)
        .layer(sessions_layer);
    let app = Router::new().route("/bare", get(|| async { "bare" })).merge(with_sessions);

    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    println!("ours listening on {} with store {}", args.listen, args.store);
    axum::serve(listener, app).await?;
    Ok(())
}
