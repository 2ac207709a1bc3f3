//! A store's connection logs in as the URL's user and uses the URL's database, and a load
//! survives the server closing it.

// Tests state their expectations with unwrap and panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use customer_auth_core::{SessionId, SessionStore};
use customer_auth_redis::{RedisStore, RedisStoreOptions};

/// The database the test uses: not 0, so a connection that skipped `SELECT` reads elsewhere.
const DB: u32 = 11;

/// Deletes the test's Redis user and its keys when the test ends, passed or failed.
struct Cleanup {
    admin_url: String,
    user: String,
    prefix: String,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let mut admin = redis::Client::open(self.admin_url.as_str()).unwrap().get_connection().unwrap();
        let keys: Vec<String> = redis::Commands::scan_match(&mut admin, format!("{}*", self.prefix))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for key in keys {
            let _: u64 = redis::Commands::unlink(&mut admin, key).unwrap();
        }
        let _: u64 = redis::cmd("ACL").arg("DELUSER").arg(&self.user).query(&mut admin).unwrap();
    }
}

/// A store that logs in as a Redis user of its own, in database [`DB`].
async fn store_as_its_own_user() -> (RedisStore, String, Cleanup) {
    let prefix = common::random_prefix();
    let user = format!("t_{}", prefix.trim_start_matches("test:").trim_end_matches(':'));
    let password = format!("pw-{user}");
    let base = common::url();
    let (scheme, host) = base.split_once("://").unwrap();
    let host = host.split(['/', '?']).next().unwrap().rsplit('@').next().unwrap();
    let admin_url = format!("{scheme}://{host}/{DB}");
    let url = format!("{scheme}://{user}:{password}@{host}/{DB}");

    let mut admin = admin(&admin_url).await;
    let _: () = redis::cmd("ACL")
        .arg("SETUSER")
        .arg(&user)
        .arg(&["on", &format!(">{password}"), &format!("~{prefix}*"), "+@all"])
        .query_async(&mut admin)
        .await
        .unwrap();
    let cleanup = Cleanup { admin_url, user: user.clone(), prefix: prefix.clone() };
    (common::connect_with(RedisStoreOptions::new(&url).prefix(&prefix)).await, user, cleanup)
}

async fn admin(url: &str) -> redis::aio::MultiplexedConnection {
    redis::Client::open(url).unwrap().get_multiplexed_async_connection().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_loads_log_in_as_the_urls_user_and_use_its_database() {
    let (store, user, cleanup) = store_as_its_own_user().await;
    let customer = common::customer("acl");
    let key = SessionId::generate().unwrap().key();
    let record = common::session(Some(&customer));
    store.create_session(&key, &record).await.unwrap();
    assert_eq!(store.load_session(&key).await.unwrap(), Some(record));

    let clients: String =
        redis::cmd("CLIENT").arg("LIST").query_async(&mut admin(&cleanup.admin_url).await).await.unwrap();
    let ours: Vec<&str> = clients.lines().filter(|line| line.contains(&format!(" user={user} "))).collect();
    assert_eq!(ours.len(), 1, "one connection, redis-rs's, as {user}: {ours:#?}");
    assert!(ours.iter().all(|line| line.contains(&format!(" db={DB} "))), "{ours:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_load_after_the_server_closed_the_kept_connection_still_answers() {
    let (store, user, cleanup) = store_as_its_own_user().await;
    let key = SessionId::generate().unwrap().key();
    let record = common::session(None);
    store.create_session(&key, &record).await.unwrap();
    assert_eq!(store.load_session(&key).await.unwrap().as_ref(), Some(&record));

    // What the server's idle `timeout` or a restart does to the store's connection.
    let killed: u64 = redis::cmd("CLIENT")
        .arg(&["KILL", "USER", user.as_str()])
        .query_async(&mut admin(&cleanup.admin_url).await)
        .await
        .unwrap();
    assert!(killed >= 1);
    // Not an error, not a 503: the next load finds the connection closed and opens another.
    assert_eq!(store.load_session(&key).await.unwrap(), Some(record));
}
