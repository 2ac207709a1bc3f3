//! The layers over real HTTP: an axum server on an ephemeral port, a real HTTP client, and
//! every test run against `MemoryStore`, `SqliteStore`, and customers in Postgres with sessions in
//! Redis (the real servers).

// Tests state their expectations with unwrap and panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

/// Runs each listed `async fn(Stores)` once per store.
macro_rules! on_every_store {
    ($($name:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(crate::common::memory_stores().await).await
                }
            )*
        }
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(crate::common::sqlite_stores().await).await
                }
            )*
        }
        mod postgres_redis {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(crate::common::postgres_redis_stores().await).await
                }
            )*
        }
    };
}

mod anonymous_forms;
mod cookies;
mod csrf;
mod fixation;
mod guards;
mod lazy;
mod login_races;
mod redirects;
