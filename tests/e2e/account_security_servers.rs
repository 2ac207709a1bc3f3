//! The account-security flows of the camerastore example over real HTTP with customers in
//! PostgreSQL and sessions in Redis (the real servers): a password change ends the other
//! sessions, a reset link works once and ends every session, a disabled customer's live session
//! is refused at once, and "log out other sessions" keeps only the asking browser.

use crate::support::client::*;
use crate::support::servers::ServerShop;
use customer_auth::CustomerStore as _;
use reqwest::StatusCode;

const NEW_PASSWORD: &str = "fresh fixer and stop bath";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_change_reset_and_session_list_on_postgres_and_redis() {
    let servers = ServerShop::start(&[]).await;
    let shop = &servers.shop;
    let (laptop, laptop_jar) = logged_in(shop, "capa").await;
    let (phone, phone_jar) = new_client();
    assert_eq!(sign_in(shop, &phone, "capa", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    let phone_cookie = session_cookie(shop, &phone_jar).unwrap();

    let list = laptop.get(shop.url("/account/sessions")).send().await.unwrap().text().await.unwrap();
    assert_eq!(list.matches("<tr").count(), 3, "two sessions listed from Redis: {list}");
    let others = post_form(shop, &laptop, "/account/sessions", "/account/sessions/others", &[]).await;
    assert_eq!(others.status(), StatusCode::SEE_OTHER);
    assert_eq!(orders_status(shop, &phone_cookie).await, StatusCode::SEE_OTHER, "the phone is logged out");

    assert_eq!(sign_in(shop, &phone, "capa", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    let phone_cookie = session_cookie(shop, &phone_jar).unwrap();
    let fields = [("currentPassword", PASSWORD), ("password", NEW_PASSWORD), ("confirmPassword", NEW_PASSWORD)];
    let changed = post_form(shop, &laptop, "/account/password", "/account/password", &fields).await;
    assert_eq!(changed.status(), StatusCode::SEE_OTHER);
    assert_eq!(orders_status(shop, &phone_cookie).await, StatusCode::SEE_OTHER, "a password change ends the others");
    let laptop_cookie = session_cookie(shop, &laptop_jar).unwrap();
    assert_eq!(orders_status(shop, &laptop_cookie).await, StatusCode::OK);

    let (visitor, _) = new_client();
    let forgot = post_form(shop, &visitor, "/forgot", "/forgot", &[("email", "capa@example.com")]).await;
    assert_eq!(forgot.status(), StatusCode::OK);
    let token = shop.mailed_link("reset").await;
    let page = format!("/reset/{token}");
    let reset_fields = [("password", PASSWORD), ("confirmPassword", PASSWORD)];
    assert_eq!(post_form(shop, &visitor, &page, &page, &reset_fields).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(post_form(shop, &visitor, &page, &page, &reset_fields).await.status(), StatusCode::GONE, "used once");
    assert_eq!(orders_status(shop, &laptop_cookie).await, StatusCode::SEE_OTHER, "a reset ends every session");
    assert_eq!(sign_in(shop, &visitor, "capa", PASSWORD).await.status(), StatusCode::SEE_OTHER);

    servers.remove().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_customer_is_refused_at_once_on_postgres_and_redis() {
    let servers = ServerShop::start(&[]).await;
    let shop = &servers.shop;
    let (admin, _) = logged_in(shop, "magnum").await;
    shop.make_admin("magnum").await;
    assert_eq!(sign_in(shop, &admin, "magnum", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    let (_, jar) = logged_in(shop, "cartier2").await;
    let cookie = session_cookie(shop, &jar).unwrap();
    assert_eq!(orders_status(shop, &cookie).await, StatusCode::OK);

    let store = customer_auth::PostgresStore::connect(&shop.config.database_url).await.unwrap();
    let customer = store.find_customer_by_username("cartier2").await.unwrap().unwrap();
    store.close().await;
    let action = format!("/admin/customers/{}/status", customer.id);
    assert_eq!(
        post_form(shop, &admin, "/admin", &action, &[("status", "disabled")]).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(orders_status(shop, &cookie).await, StatusCode::SEE_OTHER, "the live session ends at once");
    let (retry, _) = new_client();
    assert_eq!(sign_in(shop, &retry, "cartier2", PASSWORD).await.status(), StatusCode::FORBIDDEN);

    servers.remove().await;
}
