//! Malformed, oversized and forged cookies are no session: no 5xx and no store query.

use http::header;

use crate::common::{Stores, bare_client, browser, session_cookie, signing_key, start, start_with};

async fn get_orders(app: &crate::common::App, cookie: &str) -> reqwest::Response {
    bare_client()
        .get(app.url("/account/orders"))
        .header(header::COOKIE, cookie)
        .header(header::ACCEPT, "application/json")
        .send()
        .await
        .unwrap()
}

async fn bad_cookies_never_reach_the_store(stores: Stores) {
    let app = start(stores).await;
    let valid = customer_auth_core::SessionId::generate().unwrap().to_cookie_value();
    let cookies = [
        "session=garbage".to_owned(),
        "session=".to_owned(),
        format!("session={}", "A".repeat(8 * 1024)),
        format!("session={}=", &valid[..42]),
        format!("session={valid}x"),
        format!("session=%00{}", &valid[3..]),
        format!("session={valid}; session={valid}"),
        "=;;;=session".to_owned(),
    ];
    for cookie in &cookies {
        let response = get_orders(&app, cookie).await;
        assert_eq!(response.status(), 401, "cookie {:?}", &cookie[..cookie.len().min(60)]);
    }
    // Bytes that are not text at all are legal on the wire.
    let binary = http::HeaderValue::from_bytes(b"session=\xff\xfe\x80; other=\xc3").unwrap();
    let response = bare_client().get(app.url("/account/orders")).header(header::COOKIE, binary).send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(app.stores.sessions.calls(), 0, "a cookie that cannot be valid was looked up");
}

async fn forged_signatures_are_refused_without_a_store_query(stores: Stores) {
    let app = start_with(stores, |layer| layer.with_signing_key(signing_key())).await;
    app.register("signed").await;
    let client = browser();
    let signed_in = app.log_in(&client, "signed").await;
    let genuine = session_cookie(&signed_in).unwrap();
    assert_eq!(get_orders(&app, &genuine).await.status(), 200);
    let loads_before = app.stores.sessions.calls();

    let value = genuine.strip_prefix("session=").unwrap();
    let mut tampered = value.as_bytes().to_vec();
    tampered[5] = if tampered[5] == b'A' { b'B' } else { b'A' };
    let tampered = format!("session={}", String::from_utf8(tampered).unwrap());
    let unsigned = format!("session={}", &value[44..]);
    let forged_id =
        format!("session={}{}", &value[..44], customer_auth_core::SessionId::generate().unwrap().to_cookie_value());
    for cookie in [&tampered, &unsigned, &forged_id] {
        assert_eq!(get_orders(&app, cookie).await.status(), 401, "{cookie}");
    }
    assert_eq!(app.stores.sessions.calls(), loads_before, "a forged cookie reached the store");
}

async fn the_session_id_is_only_read_from_the_cookie(stores: Stores) {
    let app = start(stores).await;
    app.register("queried").await;
    let client = browser();
    let signed_in = app.log_in(&client, "queried").await;
    let cookie = session_cookie(&signed_in).unwrap();
    let id = cookie.strip_prefix("session=").unwrap();
    let response = bare_client().get(app.url(&format!("/account/orders?session={id}"))).send().await.unwrap();
    assert_eq!(response.status(), 401);
}

async fn the_cookie_is_http_only_lax_and_site_wide(stores: Stores) {
    let app = start(stores).await;
    let response = browser().get(app.url("/remember")).send().await.unwrap();
    let set_cookie = response.headers()[header::SET_COOKIE].to_str().unwrap();
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(set_cookie.contains(attribute), "{set_cookie} lacks {attribute}");
    }
    assert!(!set_cookie.contains("Secure"), "with_secure(false) drops Secure: {set_cookie}");
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
}

on_every_store!(
    bad_cookies_never_reach_the_store,
    forged_signatures_are_refused_without_a_store_query,
    the_session_id_is_only_read_from_the_cookie,
    the_cookie_is_http_only_lax_and_site_wide,
);
