//! Password guessing against the camerastore example over real HTTP: accounts lock after
//! repeated failures (even under concurrent guesses), a locked account answers exactly like a
//! wrong password or an unknown name, and each client address gets only so many posts a minute.

use std::sync::Arc;

use crate::support::Shop;
use crate::support::client::*;
use customer_auth::{CustomerStore as _, SqliteStore};
use reqwest::{StatusCode, header};

const INVALID: &str = "Invalid credentials, try again!";

/// The status and the flash of a login attempt, with the echoed username taken out.
async fn attempt(shop: &Shop, username: &str, password: &str) -> (StatusCode, bool) {
    let (client, _) = new_client();
    let response = sign_in(shop, &client, username, password).await;
    let status = response.status();
    (status, response.text().await.unwrap().contains(INVALID))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_failures_lock_the_account_and_locked_unknown_and_wrong_look_alike() {
    let shop = Shop::start().await;
    logged_in(&shop, "brassai").await;
    for _ in 0..5 {
        assert_eq!(attempt(&shop, "brassai", "not the password").await, (StatusCode::UNAUTHORIZED, true));
    }
    let locked = attempt(&shop, "brassai", PASSWORD).await;
    let wrong = attempt(&shop, "brassai", "still not it").await;
    let unknown = attempt(&shop, "nobody-by-that-name", PASSWORD).await;
    assert_eq!(locked, (StatusCode::UNAUTHORIZED, true), "the right password is refused while locked");
    assert_eq!(locked, wrong);
    assert_eq!(locked, unknown);

    let store = SqliteStore::connect(&shop.config.database_url).await.unwrap();
    let customer = store.find_customer_by_username("brassai").await.unwrap().unwrap();
    assert!(customer.locked_until.is_some(), "the account is locked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_guesses_are_all_counted_and_still_lock() {
    let shop = Arc::new(Shop::start().await);
    logged_in(&shop, "atget").await;
    let mut guesses = Vec::new();
    for i in 0..20 {
        let shop = shop.clone();
        guesses.push(tokio::spawn(async move { attempt(&shop, "atget", &format!("guess number {i}")).await }));
    }
    for guess in guesses {
        assert_eq!(guess.await.unwrap(), (StatusCode::UNAUTHORIZED, true));
    }
    let store = SqliteStore::connect(&shop.config.database_url).await.unwrap();
    let customer = store.find_customer_by_username("atget").await.unwrap().unwrap();
    assert!(customer.failed_logins >= 5, "failures counted: {}", customer.failed_logins);
    assert!(customer.locked_until.is_some());
    assert_eq!(attempt(&shop, "atget", PASSWORD).await, (StatusCode::UNAUTHORIZED, true));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_posts_from_one_address_get_429_with_retry_after() {
    let shop = Shop::start_with(&["--attempts-per-minute", "3"]).await;
    let (client, _) = new_client();
    let csrf = token(&shop, &client, "/login").await;
    let post = || {
        client
            .post(shop.url("/signin"))
            .form(&[("csrf_token", csrf.as_str()), ("username", "x"), ("password", "y")])
            .send()
    };
    for _ in 0..3 {
        assert_eq!(post().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    }
    let refused = post().await.unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = refused.headers()[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after), "Retry-After: {retry_after}");
    // Registration shares the budget; the forms themselves still load.
    let register = register(&shop, &client, "nadar", "nadar@example.com", PASSWORD).await;
    assert_eq!(register.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(client.get(shop.url("/login")).send().await.unwrap().status(), StatusCode::OK);
}
