//! Password guessing against the camerastore example over real HTTP, from several client
//! addresses (the shop trusts the test's loopback as a proxy, so each client names its address
//! in `X-Forwarded-For`): each address gets 5 guesses per account, the account as a whole 100,
//! a lock answers alike for locked, wrong and unknown, and the owner gets in on a known browser
//! or through an unlock link while the guessing goes on. Also: each client address gets only so
//! many posts a minute.

use std::sync::Arc;

use crate::support::Shop;
use crate::support::client::*;
use customer_auth::{CustomerStore as _, SqliteStore};
use reqwest::cookie::Jar;
use reqwest::{Client, StatusCode, header};

const INVALID: &str = "Invalid credentials, try again!";
const LOCKED: &str = "temporarily locked";

async fn guarded_shop() -> Shop {
    Shop::start_with(&["--trusted-proxies", "127.0.0.1/32"]).await
}

/// A browser-like client at `address`, as a proxy in front of the shop would report it.
fn client_at(address: &str) -> (Client, Arc<Jar>) {
    let jar = Arc::new(Jar::default());
    let mut headers = header::HeaderMap::new();
    headers.insert("x-forwarded-for", address.parse().unwrap());
    let client = Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .unwrap();
    (client, jar)
}

/// The status of a login attempt and which message it showed.
async fn attempt(shop: &Shop, client: &Client, username: &str, password: &str) -> (StatusCode, &'static str) {
    let response = sign_in(shop, client, username, password).await;
    let status = response.status();
    let text = response.text().await.unwrap();
    let said = if text.contains(INVALID) {
        INVALID
    } else if text.contains(LOCKED) {
        LOCKED
    } else {
        ""
    };
    (status, said)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_failures_from_one_address_lock_only_that_address_and_say_so_alike() {
    let shop = guarded_shop().await;
    logged_in(&shop, "brassai").await;
    let (attacker, _) = client_at("203.0.113.7");
    for _ in 0..5 {
        assert_eq!(attempt(&shop, &attacker, "brassai", "not the password").await, (StatusCode::UNAUTHORIZED, INVALID));
    }
    let locked = attempt(&shop, &attacker, "brassai", PASSWORD).await;
    let wrong = attempt(&shop, &attacker, "brassai", "still not it").await;
    assert_eq!(locked, (StatusCode::TOO_MANY_REQUESTS, LOCKED), "the right password is refused from this address");
    assert_eq!(locked, wrong, "locked tells nothing about the password");
    // An unknown username locks the same way, so the lock tells nobody who has an account.
    for _ in 0..5 {
        assert_eq!(attempt(&shop, &attacker, "nobody-by-that-name", "x").await, (StatusCode::UNAUTHORIZED, INVALID));
    }
    assert_eq!(attempt(&shop, &attacker, "nobody-by-that-name", PASSWORD).await, locked);
    // The owner, from an address of their own and a browser the shop has not seen, gets in.
    let (owner, _) = client_at("198.51.100.20");
    assert_eq!(sign_in(&shop, &owner, "brassai", PASSWORD).await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_guesses_from_one_address_get_five_checks() {
    let shop = Arc::new(guarded_shop().await);
    logged_in(&shop, "atget").await;
    let mut guesses = Vec::new();
    for i in 0..20 {
        let shop = shop.clone();
        guesses.push(tokio::spawn(async move {
            let (client, _) = client_at("203.0.113.8");
            attempt(&shop, &client, "atget", &format!("guess number {i}")).await
        }));
    }
    let mut answers = Vec::new();
    for guess in guesses {
        answers.push(guess.await.unwrap());
    }
    let checked = answers.iter().filter(|answer| **answer == (StatusCode::UNAUTHORIZED, INVALID)).count();
    let locked = answers.iter().filter(|answer| **answer == (StatusCode::TOO_MANY_REQUESTS, LOCKED)).count();
    assert_eq!((checked, locked), (5, 15), "{answers:?}");
    let store = SqliteStore::connect(&shop.config.database_url).await.unwrap();
    let customer = store.find_customer_by_username("atget").await.unwrap().unwrap();
    assert_eq!(customer.failed_logins, 5, "only checked guesses count against the account");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_gets_in_on_a_known_browser_or_by_an_unlock_link_while_a_botnet_guesses() {
    let shop = guarded_shop().await;
    // The owner's own browser logged in before: the shop gave it a device cookie.
    let (home, _) = client_at("198.51.100.30");
    let created = register(&shop, &home, "cartier", "cartier@example.com", PASSWORD).await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let first = sign_in(&shop, &home, "cartier", PASSWORD).await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let device =
        first.headers().get_all(header::SET_COOKIE).iter().any(|value| value.to_str().unwrap().starts_with("device="));
    assert!(device, "a successful login marks the browser");
    assert_eq!(
        home.get(shop.url("/logout")).header("sec-fetch-site", "same-origin").send().await.unwrap().status(),
        StatusCode::SEE_OTHER
    );

    // A botnet: 25 addresses, 4 guesses each, every one under its address's budget.
    for bot in 0..25 {
        let (client, _) = client_at(&format!("192.0.2.{}", bot + 1));
        for _ in 0..4 {
            assert_eq!(attempt(&shop, &client, "cartier", "guess").await, (StatusCode::UNAUTHORIZED, INVALID));
        }
    }
    // 100 guesses: the account is locked for every browser it has not logged in from.
    let (bot, _) = client_at("192.0.2.200");
    assert_eq!(attempt(&shop, &bot, "cartier", "guess").await, (StatusCode::TOO_MANY_REQUESTS, LOCKED));
    let (laptop, _) = client_at("198.51.100.31");
    assert_eq!(attempt(&shop, &laptop, "cartier", PASSWORD).await, (StatusCode::TOO_MANY_REQUESTS, LOCKED));
    // The known browser gets in all the same.
    assert_eq!(sign_in(&shop, &home, "cartier", PASSWORD).await.status(), StatusCode::SEE_OTHER);

    // The new laptop asks for an unlock link, follows it, and gets in.
    let asked = post_form(&shop, &laptop, "/unlock", "/unlock", &[("username", "cartier@example.com")]).await;
    assert_eq!(asked.status(), StatusCode::OK);
    let link = shop.mailed_link("unlock").await;
    let followed = post_form(&shop, &laptop, &format!("/unlock/{link}"), &format!("/unlock/{link}"), &[]).await;
    assert_eq!(followed.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&followed), "/login");
    assert_eq!(sign_in(&shop, &laptop, "cartier", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    // The link works once.
    let again = post_form(&shop, &laptop, &format!("/unlock/{link}"), &format!("/unlock/{link}"), &[]).await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
}

/// Customers behind one address (a carrier-grade NAT, an office) are never throttled for
/// logging in (security finding: every form post counted, 10 a minute, so a shared address got
/// 429s at nine in the morning); failed logins from it are.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_from_one_address_get_429_and_successful_ones_never() {
    let shop = Shop::start_with(&["--attempts-per-minute", "3", "--mail-forms-per-minute", "100"]).await;
    for n in 0..4 {
        logged_in(&shop, &format!("office{n}")).await;
    }
    let (client, _) = new_client();
    for round in 0..5 {
        for n in 0..4 {
            let signed_in = sign_in(&shop, &client, &format!("office{n}"), PASSWORD).await;
            assert_eq!(signed_in.status(), StatusCode::SEE_OTHER, "login {round}/{n} from the shared address");
        }
    }
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
    // The forms still load, and the mail forms have a budget of their own.
    assert_eq!(client.get(shop.url("/login")).send().await.unwrap().status(), StatusCode::OK);
    let register = register(&shop, &client, "nadar", "nadar@example.com", PASSWORD).await;
    assert_eq!(register.status(), StatusCode::SEE_OTHER);
}

/// Every post to a form that sends mail counts, successful or not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_forms_are_throttled_per_address() {
    let shop = Shop::start_with(&["--mail-forms-per-minute", "2"]).await;
    let (client, _) = new_client();
    for _ in 0..2 {
        let sent = post_form(&shop, &client, "/forgot", "/forgot", &[("email", "someone@example.com")]).await;
        assert_eq!(sent.status(), StatusCode::OK);
    }
    let refused = post_form(&shop, &client, "/forgot", "/forgot", &[("email", "someone@example.com")]).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let unlock = post_form(&shop, &client, "/unlock", "/unlock", &[("username", "someone")]).await;
    assert_eq!(unlock.status(), StatusCode::TOO_MANY_REQUESTS, "the mail forms share one budget");
}
