//! Whatever target an attacker plants, login never redirects off the site.

use customer_auth_tower::is_local_target;
use http::header;

use crate::common::{PASSWORD, Stores, browser, start};

/// Targets that must all end on `/`.
const HOSTILE: &[&str] = &[
    "//evil.com",
    "///evil.com",
    "////evil.com",
    "/\\evil.com",
    "\\/evil.com",
    "\\\\evil.com",
    "http:\\\\evil.com",
    "/%2F%2Fevil.com",
    "/%2f/evil.com",
    "%2F%2Fevil.com",
    "/%5Cevil.com",
    "/%5cevil.com",
    "//evil.com%00.example.com",
    "/%00//evil.com",
    "/%252F%252Fevil.com",
    "\t//evil.com",
    "/\t/evil.com",
    "/\n/evil.com",
    "\n//evil.com",
    "/\u{8}/evil.com",
    "\u{8}//evil.com",
    "/%09/evil.com",
    "/%0a/evil.com",
    "javascript:alert(1)",
    "java\nscript:alert(1)",
    "javascript\t:alert(1)",
    "jAvAsCrIpT:alert(1)",
    "http:evil.com",
    "https:evil.com",
    "HTTP://evil.com",
    "https://evil.com",
    "http://example.com\\@evil.com",
    "//example.com@evil.com",
    "evil.com",
    " /leading-space",
    "/.//evil.com",
    "data:text/html,<script>alert(1)</script>",
];

/// Local paths that must survive as they are.
const LOCAL: &[&str] = &["/view/?param=http://example.com", "/url%20with%20spaces/", "/account/orders?page=2"];

async fn location_after_login_with_target(app: &crate::common::App, target: &str) -> String {
    let client = browser();
    let token = client.get(app.url("/login")).query(&[("next", target)]).send().await.unwrap().text().await.unwrap();
    let response = client
        .post(app.url("/signin"))
        .form(&[("username", "traveller"), ("password", PASSWORD), ("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303, "target {target:?}");
    response.headers()[header::LOCATION].to_str().unwrap().to_owned()
}

async fn hostile_targets_all_end_on_the_site(stores: Stores) {
    assert!(HOSTILE.len() >= 30);
    let app = start(stores).await;
    app.register("traveller").await;
    for target in HOSTILE {
        let location = location_after_login_with_target(&app, target).await;
        assert_eq!(location, "/", "target {target:?} redirected to {location:?}");
    }
}

async fn local_targets_are_kept(stores: Stores) {
    let app = start(stores).await;
    app.register("traveller").await;
    for target in LOCAL {
        let location = location_after_login_with_target(&app, target).await;
        assert_eq!(&location, target);
        assert!(is_local_target(&location));
    }
}

on_every_store!(hostile_targets_all_end_on_the_site, local_targets_are_kept);
