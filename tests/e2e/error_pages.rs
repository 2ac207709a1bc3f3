//! Error pages: what the router and the layers refuse with (403, 404, 429, 503) is a page in the
//! shop's layout with a way back, and JSON for a client that asks for JSON.

use crate::support::client::*;
use crate::support::proxy::Proxy;
use crate::support::servers::{clear_redis, redis_address, redis_prefix};
use crate::support::{Shop, csrf_token};
use reqwest::{StatusCode, header};

const BROWSER_ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

fn is_shop_page(html: &str) -> bool {
    html.contains("📷 Camera Store")
        && html.contains(r#"id="error-page""#)
        && html.contains(r#"href="/" id="error-home""#)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_page_is_a_page_for_browsers_and_json_for_api_clients() {
    let shop = Shop::start().await;
    let (client, _) = new_client();
    let page = client.get(shop.url("/no/such/page")).header(header::ACCEPT, BROWSER_ACCEPT).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert!(page.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    let html = page.text().await.unwrap();
    assert!(is_shop_page(&html) && html.contains("Page not found"), "{html}");

    let json = client.get(shop.url("/no/such/page")).header(header::ACCEPT, "application/json").send().await.unwrap();
    assert_eq!(json.status(), StatusCode::NOT_FOUND);
    assert_eq!(json.headers()[header::CONTENT_TYPE], "application/json");
    let body: serde_json::Value = json.json().await.unwrap();
    assert_eq!(body["status"], 404);
    assert!(body["error"].as_str().unwrap().contains("no page at this address"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forbidden_page_shows_who_is_logged_in_and_a_refused_form_says_why() {
    let shop = Shop::start().await;
    let (client, _) = logged_in(&shop, "arbus").await;
    let admin = client.get(shop.url("/admin")).header(header::ACCEPT, BROWSER_ACCEPT).send().await.unwrap();
    assert_eq!(admin.status(), StatusCode::FORBIDDEN);
    let html = admin.text().await.unwrap();
    assert!(is_shop_page(&html) && html.contains("You do not have access to this page."), "{html}");
    assert!(html.contains("Signed in as <strong>arbus</strong>"), "the layout knows who is logged in: {html}");
    // Its logout button still works: the layout carries the session's CSRF token.
    let csrf = csrf_token(&html);
    let out = client.post(shop.url("/logout")).form(&[("csrf_token", csrf.as_str())]).send().await.unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);

    let (stranger, _) = new_client();
    let forged = stranger.post(shop.url("/signin")).form(&[("username", "arbus"), ("password", PASSWORD)]);
    let forged = forged.send().await.unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let html = forged.text().await.unwrap();
    assert!(is_shop_page(&html), "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_client_gets_a_page_that_keeps_retry_after() {
    let shop = Shop::start_with(&["--attempts-per-minute", "1"]).await;
    let (client, _) = new_client();
    assert_eq!(sign_in(&shop, &client, "nobody", "wrong").await.status(), StatusCode::UNAUTHORIZED);
    let throttled = sign_in(&shop, &client, "nobody", "wrong").await;
    assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(throttled.headers().contains_key(header::RETRY_AFTER), "Retry-After survives the page");
    let html = throttled.text().await.unwrap();
    assert!(is_shop_page(&html) && html.contains("Slow down"), "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_that_is_away_gives_an_unavailable_page() {
    let prefix = redis_prefix();
    let proxy = Proxy::start(redis_address()).await;
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}", dir.path().join("shop.db").display());
    let redis = format!("redis://{}", proxy.address);
    let shop = Shop::start_with(&["--database-url", &sqlite, "--session-url", &redis, "--redis-prefix", &prefix]).await;
    let (_client, jar) = logged_in(&shop, "model").await;
    let cookie = session_cookie(&shop, &jar).unwrap();
    proxy.cut();
    let page = get_with_cookie(&shop, "/account/orders", &cookie, BROWSER_ACCEPT).await;
    assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(page.headers().contains_key(header::RETRY_AFTER));
    let html = page.text().await.unwrap();
    assert!(is_shop_page(&html) && html.contains("Briefly unavailable"), "{html}");
    let json = get_with_cookie(&shop, "/account/orders", &cookie, "application/json").await;
    assert_eq!(json.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(json.json::<serde_json::Value>().await.unwrap()["status"], 503);
    proxy.restore();
    clear_redis(&prefix).await;
}
