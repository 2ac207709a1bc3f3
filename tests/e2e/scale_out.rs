//! Three camerastore instances on three ports share one PostgreSQL database (customers and
//! orders) and one Redis (sessions), as app servers behind a load balancer do: an account made
//! on one is there on the others, a session made on one is valid on every other, and a logout
//! on one is seen by all at once; and the same on a Redis Cluster.

use crate::support::Shop;
use crate::support::client::*;
use crate::support::servers::ServerShop;
use base64::Engine as _;
use reqwest::StatusCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_share_customers_in_postgres_and_sessions_in_redis() {
    let mut key = [0u8; 64];
    getrandom::fill(&mut key).unwrap();
    let key = base64::engine::general_purpose::STANDARD.encode(key);
    // Every instance signs cookies with the same key, as a deployment would configure them.
    let flags = ["--cookie-key", key.as_str()];
    let servers = ServerShop::start(&flags).await;
    let (second, third) = (servers.another(&flags).await, servers.another(&flags).await);
    let shops = [&servers.shop, &second, &third];

    // Cookies are per host, not per port, so one client is one browser behind a balancer.
    let (client, jar) = new_client();
    let created = register(shops[0], &client, "cartier", "cartier@example.com", PASSWORD).await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER, "register on the first instance");

    let signed_in = sign_in(shops[1], &client, "Cartier", PASSWORD).await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER, "log in on the second instance");
    let cookie = session_cookie(shops[1], &jar).expect("a session cookie");

    let orders = get_with_cookie(shops[2], "/account/orders", &cookie, "text/html").await;
    assert_eq!(orders.status(), StatusCode::OK, "the session works on the third instance");
    let body = orders.text().await.unwrap();
    assert!(body.contains("cartier"), "{body}");
    assert!(body.contains("Leica"), "orders written by the first instance are seen by the third: {body}");

    let logout = client.get(shops[0].url("/logout")).header("sec-fetch-site", "same-origin").send().await.unwrap();
    assert_eq!(logout.status(), StatusCode::SEE_OTHER, "log out on the first instance");
    for shop in &shops[1..] {
        let refused = get_with_cookie(shop, "/account/orders", &cookie, "text/html").await;
        assert_eq!(refused.status(), StatusCode::SEE_OTHER, "the logged-out cookie is refused on {}", shop.base);
        assert_eq!(location(&refused), "/login");
    }

    drop((second, third));
    servers.remove().await;
}

/// The same three instances with every session (and customer) on a Redis Cluster of three
/// masters and three replicas (started by scripts/services.sh), and the orders in one SQLite file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_share_everything_on_a_redis_cluster() {
    let cluster = std::env::var("CUSTOMER_AUTH_TEST_REDIS_CLUSTER_URL")
        .unwrap_or_else(|_| "redis+cluster://127.0.0.1:7100,127.0.0.1:7101,127.0.0.1:7102".into());
    let prefix = crate::support::servers::redis_prefix();
    let dir = tempfile::tempdir().unwrap();
    let orders = format!("sqlite://{}", dir.path().join("orders.db").display());
    let mut key = [0u8; 64];
    getrandom::fill(&mut key).unwrap();
    let key = base64::engine::general_purpose::STANDARD.encode(key);
    let flags = [
        "--database-url",
        cluster.as_str(),
        "--redis-prefix",
        prefix.as_str(),
        "--orders-url",
        orders.as_str(),
        "--cookie-key",
        key.as_str(),
    ];
    let shops = [Shop::start_with(&flags).await, Shop::start_with(&flags).await, Shop::start_with(&flags).await];

    let (client, jar) = new_client();
    let created = register(&shops[0], &client, "kertesz", "kertesz@example.com", PASSWORD).await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER, "register on the first instance");
    assert_eq!(sign_in(&shops[1], &client, "Kertesz", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    let cookie = session_cookie(&shops[1], &jar).expect("a session cookie");
    let orders = get_with_cookie(&shops[2], "/account/orders", &cookie, "text/html").await;
    assert_eq!(orders.status(), StatusCode::OK, "the session works on the third instance");
    let logout = client.get(shops[0].url("/logout")).header("sec-fetch-site", "same-origin").send().await.unwrap();
    assert_eq!(logout.status(), StatusCode::SEE_OTHER);
    for shop in &shops[1..] {
        let refused = get_with_cookie(shop, "/account/orders", &cookie, "text/html").await;
        assert_eq!(refused.status(), StatusCode::SEE_OTHER, "the logged-out cookie is refused on {}", shop.base);
    }
    drop(shops);
    let store = customer_auth::RedisStoreOptions::new(&cluster).prefix(&prefix).connect().await.unwrap();
    store.delete_all_keys().await.unwrap();
}
