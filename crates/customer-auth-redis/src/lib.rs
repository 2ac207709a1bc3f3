//! The Redis store of customer-auth: sessions that expire by themselves and customers, shared
//! by every instance of an app, with logins that fail fast (503) instead of hanging while Redis
//! is down.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use std::time::Duration;
//! use customer_auth_core::{
//!     Auth, Password, PasswordHasher, Principal, Registration, SessionId, SessionRecord, SessionStore, Timestamp,
//! };
//! use customer_auth_redis::RedisStoreOptions;
//!
//! # let url = std::env::var("CUSTOMER_AUTH_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
//! # // 16 random hex digits (a hashed random id is as good as any), so runs never collide.
//! # let prefix = format!("doctest:{}:", &SessionId::generate()?.key().to_hex()[..16]);
//! // url is e.g. "redis://127.0.0.1:6379"; the prefix keeps this app's keys apart.
//! let store = RedisStoreOptions::new(&url).prefix(&prefix).connect().await?;
//! let auth = Auth::new(Arc::new(store.clone())).with_hasher(PasswordHasher::new(4)?);
//!
//! let ada = auth
//!     .register(Registration {
//!         first_name: "Ada".into(),
//!         last_name: "Lovelace".into(),
//!         email: "ada@example.com".into(),
//!         username: "ada".into(),
//!         password: Password::new("analytical engine"),
//!         confirm_password: Password::new("analytical engine"),
//!     })
//!     .await?;
//! let logged_in = auth.authenticate("Ada", &Password::new("analytical engine")).await?;
//! assert_eq!(logged_in.id, ada.id);
//!
//! // Sessions are filed under the hash of their id and expire in Redis by themselves.
//! let id = SessionId::generate()?;
//! let mut session = SessionRecord::new(Timestamp::now(), Duration::from_secs(1800), Duration::from_secs(86400));
//! session.principal = Some(Principal::of(&logged_in));
//! store.create_session(&id.key(), &session).await?;
//! assert_eq!(store.load_session(&id.key()).await?, Some(session));
//! assert_eq!(store.delete_customer_sessions(ada.id).await?, 1); // log out everywhere
//! # store.delete_all_keys().await?;
//! # Ok(())
//! # }
//! ```
//!
//! [`RedisStore`] implements both [`CustomerStore`](customer_auth_core::CustomerStore) and
//! [`SessionStore`](customer_auth_core::SessionStore); hand clones of one store to both, or
//! keep customers elsewhere (Postgres) and only sessions here.
//!
//! # Key layout
//! Every key starts with the store's prefix (`customer-auth:` unless
//! [`RedisStoreOptions::prefix`] says otherwise). On a Redis Cluster a customer's own keys
//! carry the customer id as a hash tag, `{<customer id>}` where the table says `<owner>`, so
//! the scripts that touch several of them find them in one slot; on a single server `<owner>`
//! is the bare id, as in versions before clusters were supported. No other key has a tag:
//! sessions, tokens, index keys and counters land wherever their names hash, over every master.
//!
//! | key | type | holds |
//! | --- | --- | --- |
//! | `<prefix>session:<hex of SessionKey>` (32 hex digits) | string | [`SessionRecord::encode`](customer_auth_core::SessionRecord::encode), expiring at the record's `expires_at()` |
//! | `<prefix>customer-sessions:<owner>` | set | the hex keys of the customer's sessions, expiring with the longest-lived one |
//! | `<prefix>customer:<owner>` | hash | the customer's fields (and, while a registration or an update runs, `pending` or `claim:<kind>:<value>` with the end of its lease) |
//! | `<prefix>username:<username key>` | string | the id of the customer with this username |
//! | `<prefix>email:<email key>` | string | the id of the customer with this email |
//! | `<prefix>customer-ids` | sorted set | every customer id, score 0, for listing in id order |
//! | `<prefix>token:<purpose>:<hex of TokenKey>` | string | `<customer id> <expires_at>`, expiring at `expires_at` |
//! | `<prefix>customer-tokens:<owner>` | set | `<purpose>:<hex of TokenKey>` of the customer's tokens, expiring with the longest-lived one |
//! | `<prefix>login-failures:<hex of AttemptKey>` | hash | a client's failed logins in the current window, expiring with it |
//!
//! # How it uses Redis
//! - Sessions are filed under their [`SessionKey`](customer_auth_core::SessionKey), the first
//!   128 bits of the SHA-256 of the id: the id itself never reaches Redis. Each key expires at
//!   the session's own expiry, so there is nothing to purge. (Versions before the 128-bit keys
//!   filed sessions under all 64 hex digits of the hash; upgrading from one logs everyone out
//!   once, as those keys are no longer looked up and simply expire.) Records are written in
//!   format 2 of [`SessionRecord::encode`](customer_auth_core::SessionRecord::encode), which
//!   earlier versions cannot read: upgrade every app instance together.
//! - Every check-and-write is a Lua script on keys of one slot, so it is atomic: a lockout
//!   counted short by racing guesses, a token taken twice, a session saved back after its
//!   logout cannot happen. What spans slots is ordered so that no step can be seen half done:
//!   a username or email is claimed with `SET NX` on its own index key, and counts only while
//!   the customer's hash (written first, marked pending until every claim is in) says it is
//!   theirs, so of racing registrations exactly one wins and a registration that dies half
//!   way holds its names for at most a minute; a session or token is written before its member
//!   in its customer's set, and "log out everywhere" deletes the sessions before their members.
//!   The same steps run on a single server, so both are tested by the same suite.
//! - One multiplexed connection per store carries every call (on a cluster, one per node,
//!   each call routed to the master of its key's slot). Session loads that arrive together
//!   are one `MGET` (on a cluster, one per slot, sent at once). The connection reconnects by
//!   itself when it drops, and a single server's is replaced when a call times out; calls while
//!   Redis is down fail within the [timeouts](RedisStoreOptions::response_timeout) with
//!   [`Error::Unavailable`](customer_auth_core::Error::Unavailable), which the web layer answers
//!   with 503. On a cluster that includes a master's failover: calls to its slots (and, while
//!   the cluster says it is down, every call) answer `Unavailable` until a replica is promoted,
//!   then go there; the store needs no restart.
//! - Customer writes (registration, updates, password hash, email confirmation, security
//!   stamp, deletion, taking a token, ending sessions) wait for
//!   [`replica_acks`](RedisStoreOptions::replica_acks) replicas (`WAIT`, 1 by default on a
//!   cluster) on a connection of their own, so a failover cannot lose one the app was told
//!   succeeded, and no session load waits behind them.
//! - Needs Redis 6.2 or newer (or a compatible server such as Valkey): a standalone server, a
//!   primary, or a Redis Cluster (`redis+cluster://host:port,host:port,…`; see
//!   [`RedisStoreOptions::new`]).

mod call;
mod claims;
mod cluster_url;
mod connection;
mod customers;
mod error;
mod factors;
mod keys;
mod login_failures;
mod options;
mod passkeys;
mod scripts;
mod sessions;
mod store;
mod tls;
mod tokens;

pub use error::Error;
pub use options::RedisStoreOptions;
pub use store::RedisStore;
