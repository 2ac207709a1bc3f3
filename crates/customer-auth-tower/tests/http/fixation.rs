//! Login rotates the session id; logout kills it.

use http::header;

use crate::common::{Stores, bare_client, browser, session_cookie, start};

async fn the_pre_login_cookie_does_not_authenticate_after_login(stores: Stores) {
    let app = start(stores).await;
    app.register("fixed").await;
    let client = browser();
    let login_page = client.get(app.url("/login?next=/account/orders")).send().await.unwrap();
    let before = session_cookie(&login_page).expect("the login form starts a session for its CSRF token");
    let token = login_page.text().await.unwrap();
    let signed_in = client
        .post(app.url("/signin"))
        .form(&[("username", "fixed"), ("password", crate::common::PASSWORD), ("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 303);
    assert_eq!(signed_in.headers()[header::LOCATION], "/account/orders", "the target URL carried over");
    let after = session_cookie(&signed_in).expect("login issues a new cookie");
    assert_ne!(before, after);
    assert_eq!(signed_in.headers()[header::CACHE_CONTROL], "no-store");

    let fixed = bare_client().get(app.url("/account/orders")).header(header::COOKIE, &before).send().await.unwrap();
    assert_eq!(fixed.status(), 401, "the pre-login id must not be logged in");
    // And its record is gone: writing through the old cookie has to start a new session.
    let reused = bare_client().get(app.url("/remember")).header(header::COOKIE, &before).send().await.unwrap();
    let issued = session_cookie(&reused).expect("the pre-login session was deleted at login");
    assert_ne!(issued, before);
    let fresh = bare_client().get(app.url("/account/orders")).header(header::COOKIE, &after).send().await.unwrap();
    assert_eq!(fresh.status(), 200);
}

async fn logout_makes_a_copied_cookie_useless(stores: Stores) {
    let app = start(stores).await;
    app.register("leaver").await;
    let client = browser();
    let signed_in = app.log_in(&client, "leaver").await;
    let copied = session_cookie(&signed_in).unwrap();
    let token = app.csrf(&client).await;
    let logged_out = client.post(app.url("/logout")).form(&[("csrf_token", token)]).send().await.unwrap();
    assert_eq!(logged_out.status(), 303);
    let removal = logged_out.headers()[header::SET_COOKIE].to_str().unwrap();
    assert!(removal.starts_with("session=;") && removal.contains("Max-Age=0"), "{removal}");
    let replay = bare_client().get(app.url("/account/orders")).header(header::COOKIE, &copied).send().await.unwrap();
    assert_eq!(replay.status(), 401);
}

async fn an_unknown_well_formed_id_is_never_adopted(stores: Stores) {
    let app = start(stores).await;
    let planted = format!("session={}", customer_auth_core::SessionId::generate().unwrap().to_cookie_value());
    let response = bare_client().get(app.url("/remember")).header(header::COOKIE, &planted).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let issued = session_cookie(&response).expect("storing something issues a cookie");
    assert_ne!(issued, planted, "the planted id was adopted");
}

on_every_store!(
    the_pre_login_cookie_does_not_authenticate_after_login,
    logout_makes_a_copied_cookie_useless,
    an_unknown_well_formed_id_is_never_adopted,
);
