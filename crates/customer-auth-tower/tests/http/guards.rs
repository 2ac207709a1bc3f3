//! The login and role guards' answers.

use http::header;

use crate::common::{Stores, browser, start};

async fn an_anonymous_browser_is_sent_to_login_and_back(stores: Stores) {
    let app = start(stores).await;
    app.register("shopper").await;
    let client = browser();
    let response = client
        .get(app.url("/account/orders?page=2&sort=new"))
        .header(header::ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()[header::LOCATION], "/login");
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    let signed_in = app.log_in(&client, "shopper").await;
    assert_eq!(signed_in.status(), 303);
    assert_eq!(signed_in.headers()[header::LOCATION], "/account/orders?page=2&sort=new");
    // The target is taken: the next login goes home.
    let again = app.log_in(&client, "shopper").await;
    assert_eq!(again.headers()[header::LOCATION], "/");
    let orders = client.get(app.url("/account/orders")).send().await.unwrap();
    assert_eq!(orders.status(), 200);
    assert_eq!(orders.headers()[header::CACHE_CONTROL], "no-store");
}

async fn anything_but_a_browser_page_gets_401(stores: Stores) {
    let app = start(stores).await;
    let client = browser();
    for accept in ["application/json", "*/*", ""] {
        let response = client.get(app.url("/account/orders")).header(header::ACCEPT, accept).send().await.unwrap();
        assert_eq!(response.status(), 401, "Accept: {accept}");
    }
    let head = client.head(app.url("/account/orders")).header(header::ACCEPT, "text/html").send().await.unwrap();
    assert_eq!(head.status(), 303);
}

async fn a_customer_without_the_role_gets_403(stores: Stores) {
    let app = start(stores).await;
    let mut boss = app.register("boss").await;
    app.register("clerk").await;
    let clerk = browser();
    app.log_in(&clerk, "clerk").await;
    assert_eq!(clerk.get(app.url("/admin")).send().await.unwrap().status(), 403);
    boss.roles.insert("admin".into());
    app.stores.customers.update_customer(&boss).await.unwrap();
    let admin = browser();
    app.log_in(&admin, "boss").await;
    assert_eq!(admin.get(app.url("/admin")).send().await.unwrap().status(), 200);
    assert_eq!(browser().get(app.url("/admin")).send().await.unwrap().status(), 401);
}

async fn a_store_that_is_down_gives_503_not_a_logout(stores: Stores) {
    let app = start(stores).await;
    app.register("patient").await;
    let client = browser();
    app.log_in(&client, "patient").await;
    app.stores.sessions.set_down(true);
    let response = client.get(app.url("/account/orders")).header(header::ACCEPT, "text/html").send().await.unwrap();
    assert_eq!(response.status(), 503);
    assert!(response.headers().get(header::SET_COOKIE).is_none(), "an outage must not clear the cookie");
    assert!(response.headers().contains_key(header::RETRY_AFTER));
    let home = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(home.status(), 200, "pages that need no session still work");
    app.stores.sessions.set_down(false);
    let response = client.get(app.url("/account/orders")).send().await.unwrap();
    assert_eq!(response.status(), 200, "the same cookie works once the store is back");
}

async fn a_deleted_or_disabled_customer_counts_as_logged_out(stores: Stores) {
    let app = start(stores).await;
    let gone = app.register("gone").await;
    let client = browser();
    app.log_in(&client, "gone").await;
    assert_eq!(client.get(app.url("/account/profile")).send().await.unwrap().status(), 200);
    app.stores.customers.delete_customer(gone.id).await.unwrap();
    let response = client.get(app.url("/account/profile")).send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(client.get(app.url("/account/orders")).send().await.unwrap().status(), 401, "and the session ended");

    let mut disabled = app.register("disabled").await;
    let client = browser();
    app.log_in(&client, "disabled").await;
    disabled.status = customer_auth_core::CustomerStatus::Disabled;
    app.stores.customers.update_customer(&disabled).await.unwrap();
    assert_eq!(client.get(app.url("/account/profile")).send().await.unwrap().status(), 401);
}

on_every_store!(
    an_anonymous_browser_is_sent_to_login_and_back,
    anything_but_a_browser_page_gets_401,
    a_customer_without_the_role_gets_403,
    a_store_that_is_down_gives_503_not_a_logout,
    a_deleted_or_disabled_customer_counts_as_logged_out,
);
