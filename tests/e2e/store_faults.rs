//! A store that goes away answers 503, never a logout, and the same cookie works again once the
//! store is back, without restarting the app. The stores are reached through a TCP proxy that
//! the test cuts and restores, so the servers other tests share stay up.

use std::time::{Duration, Instant};

use crate::support::Shop;
use crate::support::client::*;
use crate::support::proxy::Proxy;
use crate::support::servers::{PgDatabase, clear_redis, postgres_address, redis_address, redis_prefix};
use reqwest::{StatusCode, header};

/// How long a store may take to be seen again after it is back.
const RECOVERY: Duration = Duration::from_secs(20);

/// Asks for the orders page with `cookie` until it is served, checking that nothing on the way
/// was a logout; returns how long that took.
async fn until_served(shop: &Shop, cookie: &str) -> Duration {
    let started = Instant::now();
    loop {
        let response = get_with_cookie(shop, "/account/orders", cookie, "text/html").await;
        match response.status() {
            StatusCode::OK => return started.elapsed(),
            StatusCode::SERVICE_UNAVAILABLE => {}
            other => panic!("while the store comes back the page answered {other}, not 503 or 200"),
        }
        assert!(started.elapsed() < RECOVERY, "the store was not used again within {RECOVERY:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_going_away_gives_503_and_the_session_survives() {
    let prefix = redis_prefix();
    let proxy = Proxy::start(redis_address()).await;
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}", dir.path().join("shop.db").display());
    let redis = format!("redis://{}", proxy.address);
    let shop = Shop::start_with(&["--database-url", &sqlite, "--session-url", &redis, "--redis-prefix", &prefix]).await;
    let (_client, jar) = logged_in(&shop, "sudek").await;
    let cookie = session_cookie(&shop, &jar).unwrap();
    assert_eq!(get_with_cookie(&shop, "/account/orders", &cookie, "text/html").await.status(), StatusCode::OK);

    proxy.cut();
    for _ in 0..3 {
        let response = get_with_cookie(&shop, "/account/orders", &cookie, "text/html").await;
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE, "a protected page while Redis is away");
        assert!(response.headers().get(header::SET_COOKIE).is_none(), "the cookie must not be dropped");
    }

    proxy.restore();
    let took = until_served(&shop, &cookie).await;
    eprintln!("served again {took:?} after Redis came back");
    assert!(
        get_with_cookie(&shop, "/account/orders", &cookie, "text/html").await.text().await.unwrap().contains("sudek")
    );
    clear_redis(&prefix).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_going_away_refuses_logins_with_503_while_sessions_keep_working() {
    let database = PgDatabase::create().await;
    let prefix = redis_prefix();
    let proxy = Proxy::start(postgres_address()).await;
    let postgres = database.url(Some(proxy.address));
    let orders = database.url(None);
    let redis = format!("redis://{}", redis_address());
    let shop = Shop::start_with(&[
        "--database-url",
        &postgres,
        "--orders-url",
        &orders,
        "--session-url",
        &redis,
        "--redis-prefix",
        &prefix,
    ])
    .await;
    let (client, jar) = logged_in(&shop, "kertesz").await;
    let cookie = session_cookie(&shop, &jar).unwrap();

    proxy.cut();
    // The session carries the principal, so a protected page needs no customer lookup...
    let page = get_with_cookie(&shop, "/account/orders", &cookie, "text/html").await;
    assert_eq!(page.status(), StatusCode::OK, "a protected page needs only the session store");
    // ...while a login, which must read the customer, is refused with 503, not "invalid".
    let (other, _) = new_client();
    let login = sign_in(&shop, &other, "kertesz", PASSWORD).await;
    assert_eq!(login.status(), StatusCode::SERVICE_UNAVAILABLE);

    proxy.restore();
    let started = Instant::now();
    loop {
        let (fresh, _) = new_client();
        match sign_in(&shop, &fresh, "kertesz", PASSWORD).await.status() {
            StatusCode::SEE_OTHER => break,
            StatusCode::SERVICE_UNAVAILABLE => {}
            other => panic!("a login while Postgres comes back answered {other}"),
        }
        assert!(started.elapsed() < RECOVERY, "Postgres was not used again within {RECOVERY:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop((client, shop, proxy));
    clear_redis(&prefix).await;
    database.drop_database().await;
}
