//! Cross-site and tokenless posts are refused; posts with the token go through.

use http::header;

use crate::common::{PASSWORD, Stores, browser, start};

async fn posts_with_the_token_are_accepted(stores: Stores) {
    let app = start(stores).await;
    let client = browser();
    let token = app.csrf(&client).await;
    let form = client.post(app.url("/echo")).form(&[("csrf_token", &token)]).send().await.unwrap();
    assert_eq!(form.status(), 200);
    let header = client.post(app.url("/echo")).header("x-csrf-token", &token).send().await.unwrap();
    assert_eq!(header.status(), 200);
    let same_origin = client
        .post(app.url("/echo"))
        .header(header::ORIGIN, &app.base)
        .header("sec-fetch-site", "same-origin")
        .form(&[("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(same_origin.status(), 200);
}

async fn posts_without_a_valid_token_are_refused(stores: Stores) {
    let app = start(stores).await;
    let client = browser();
    let token = app.csrf(&client).await;
    let missing = client.post(app.url("/echo")).form(&[("other", "x")]).send().await.unwrap();
    assert_eq!(missing.status(), 403);
    let wrong = client.post(app.url("/echo")).form(&[("csrf_token", "A".repeat(token.len()))]).send().await.unwrap();
    assert_eq!(wrong.status(), 403);
    let json = client.post(app.url("/echo")).json(&serde_json::json!({"csrf_token": token})).send().await.unwrap();
    assert_eq!(json.status(), 403, "a JSON post must carry the header");
    let other_session = browser().post(app.url("/echo")).form(&[("csrf_token", &token)]).send().await.unwrap();
    assert_eq!(other_session.status(), 403, "a token is only good for its own session");
}

async fn cross_site_posts_are_refused_even_with_the_token(stores: Stores) {
    let app = start(stores).await;
    app.register("victim").await;
    let client = browser();
    let token = app.csrf(&client).await;
    let from_evil = client
        .post(app.url("/echo"))
        .header(header::ORIGIN, "https://evil.example")
        .form(&[("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(from_evil.status(), 403);
    for site in ["cross-site", "same-site"] {
        let response = client
            .post(app.url("/echo"))
            .header("sec-fetch-site", site)
            .form(&[("csrf_token", &token)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "Sec-Fetch-Site: {site}");
    }
    let null_origin = client
        .post(app.url("/echo"))
        .header(header::ORIGIN, "null")
        .form(&[("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(null_origin.status(), 403);
    // Login CSRF: a hostile page posting the attacker's credentials.
    let login = client
        .post(app.url("/signin"))
        .header(header::ORIGIN, "https://evil.example")
        .form(&[("username", "victim"), ("password", PASSWORD), ("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 403);
    let tokenless_login = browser()
        .post(app.url("/signin"))
        .form(&[("username", "victim"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(tokenless_login.status(), 403);
}

async fn an_oversized_form_is_413(stores: Stores) {
    let app = start(stores).await;
    let client = browser();
    let token = app.csrf(&client).await;
    let huge = "x".repeat(100 * 1024);
    let response =
        client.post(app.url("/echo")).form(&[("csrf_token", token.as_str()), ("blob", &huge)]).send().await.unwrap();
    assert_eq!(response.status(), 413);
}

on_every_store!(
    posts_with_the_token_are_accepted,
    posts_without_a_valid_token_are_refused,
    cross_site_posts_are_refused_even_with_the_token,
    an_oversized_form_is_413,
);
