//! The store is asked only when a request needs its session, and written only when it changed.

use std::time::Duration;

use http::header;

use crate::common::{Stores, browser, start, start_with};

async fn a_request_that_never_touches_the_session_costs_no_store_call(stores: Stores) {
    let app = start(stores).await;
    let client = browser();
    let response = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().get(header::SET_COOKIE).is_none(), "an anonymous visit sets no cookie");
    app.register("lazy").await;
    app.log_in(&client, "lazy").await;
    let before = app.stores.sessions.calls();
    for _ in 0..5 {
        // The browser sends its session cookie, but `/` never asks for the session.
        assert_eq!(client.get(app.url("/")).send().await.unwrap().status(), 200);
    }
    assert_eq!(app.stores.sessions.calls(), before, "untouched requests reached the store");
}

async fn a_protected_request_costs_one_load_and_no_write(stores: Stores) {
    let app = start(stores).await;
    let client = browser();
    app.register("onetrip").await;
    app.log_in(&client, "onetrip").await;
    let before = app.stores.sessions.calls();
    let response = client.get(app.url("/account/orders")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "onetrip");
    assert_eq!(app.stores.sessions.calls() - before, 1, "a protected page should cost exactly one store round trip");
}

async fn storing_nothing_creates_nothing(stores: Stores) {
    let app = start(stores).await;
    let response =
        browser().get(app.url("/account/orders")).header(header::ACCEPT, "application/json").send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert!(response.headers().get(header::SET_COOKIE).is_none());
    assert_eq!(app.stores.sessions.writes(), 0);
}

async fn the_idle_expiry_is_written_back_once_per_interval(stores: Stores) {
    // With a zero interval every request extends the session; with the default, none within a minute do.
    let eager = start_with(stores, |layer| layer.with_touch_interval(Duration::ZERO)).await;
    let client = browser();
    eager.register("toucher").await;
    eager.log_in(&client, "toucher").await;
    let before = eager.stores.sessions.writes();
    client.get(eager.url("/account/orders")).send().await.unwrap();
    assert_eq!(eager.stores.sessions.writes() - before, 1);

    let lazy = start(crate::common::memory_stores().await).await;
    let client = browser();
    lazy.register("sitter").await;
    lazy.log_in(&client, "sitter").await;
    let before = lazy.stores.sessions.writes();
    for _ in 0..3 {
        client.get(lazy.url("/account/orders")).send().await.unwrap();
    }
    assert_eq!(lazy.stores.sessions.writes(), before, "a session seen within the interval was written again");
}

async fn an_expired_session_is_logged_out(stores: Stores) {
    // Expiry times are whole seconds: a 1 s timeout could end between a login late in one second
    // and a request early in the next. 2 s leaves at least a whole second for the first look.
    let app = start_with(stores, |layer| layer.with_idle_timeout(Duration::from_secs(2))).await;
    let client = browser();
    app.register("sleepy").await;
    app.log_in(&client, "sleepy").await;
    assert_eq!(client.get(app.url("/account/orders")).send().await.unwrap().status(), 200);
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let response = client.get(app.url("/account/orders")).send().await.unwrap();
    assert_eq!(response.status(), 401);
}

async fn a_session_in_use_outlives_an_idle_timeout_shorter_than_the_touch_interval(stores: Stores) {
    // 4 s idle against the default 60 s touch interval: without the layer writing the expiry
    // back twice per idle timeout, the request at 4.2 s would find the session expired.
    let app = start_with(stores, |layer| layer.with_idle_timeout(Duration::from_secs(4))).await;
    let client = browser();
    app.register("busy").await;
    app.log_in(&client, "busy").await;
    for _ in 0..2 {
        tokio::time::sleep(Duration::from_millis(2100)).await;
        assert_eq!(client.get(app.url("/account/orders")).send().await.unwrap().status(), 200);
    }
}

on_every_store!(
    a_request_that_never_touches_the_session_costs_no_store_call,
    a_protected_request_costs_one_load_and_no_write,
    storing_nothing_creates_nothing,
    the_idle_expiry_is_written_back_once_per_interval,
    an_expired_session_is_logged_out,
    a_session_in_use_outlives_an_idle_timeout_shorter_than_the_touch_interval,
);
