//! The camerastore example end to end over real HTTP: the shop runs on an ephemeral port with its
//! own SQLite file, and a cookie-keeping client walks the customer's story the way a browser
//! would (no redirects followed, so every status and `Location` is checked).

use std::sync::Arc;

use crate::support::Shop;
use crate::support::client::*;
use reqwest::{Client, StatusCode, header};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_story_register_target_url_login_rotation_logout() {
    let shop = Shop::start().await;
    let (client, jar) = new_client();

    // An anonymous home page sets no cookie.
    let home = client.get(shop.url("/")).send().await.unwrap();
    assert_eq!(home.status(), StatusCode::OK);
    assert!(home.headers().get(header::SET_COOKIE).is_none(), "an anonymous visit set a cookie");
    let body = home.text().await.unwrap();
    assert!(body.contains("Log in") && body.contains("Register"), "{body}");

    // A protected page records the target and sends the browser to the login page.
    let orders =
        client.get(shop.url("/account/orders?page=2")).header(header::ACCEPT, "text/html").send().await.unwrap();
    assert_eq!(orders.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&orders), "/login");

    // Register; the login page shows the flash once.
    let created = register(&shop, &client, "ansel", "ansel@example.com", PASSWORD).await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER, "{}", created.text().await.unwrap());
    assert_eq!(location(&created), "/login");
    let login_page = client.get(shop.url("/login")).send().await.unwrap().text().await.unwrap();
    assert!(login_page.contains("Account created, please log in"), "{login_page}");
    let again = client.get(shop.url("/login")).send().await.unwrap().text().await.unwrap();
    assert!(!again.contains("Account created"), "a flash is shown once");

    // Log in: back to the recorded target, with a new session id.
    let before = session_cookie(&shop, &jar).expect("an anonymous session holds the target and the token");
    let signed_in = sign_in(&shop, &client, "ANSEL", PASSWORD).await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&signed_in), "/account/orders?page=2");
    let after = session_cookie(&shop, &jar).expect("a logged-in session");
    assert_ne!(before, after, "login must rotate the session id");

    let orders = client.get(shop.url("/account/orders")).send().await.unwrap();
    assert_eq!(orders.status(), StatusCode::OK);
    assert_eq!(orders.headers()[header::CACHE_CONTROL], "no-store");
    let body = orders.text().await.unwrap();
    assert!(body.contains("ansel"), "the orders page shows the username");
    assert!(body.contains("Leica"), "new customers get demo orders: {body}");

    // The target was taken: the next login goes home.
    let (second, _) = new_client();
    let home = sign_in(&shop, &second, "ansel", PASSWORD).await;
    assert_eq!(location(&home), "/");

    // The pre-login id is worthless now; the logged-in one works.
    let stale = get_with_cookie(&shop, "/account/orders", &before, "text/html").await;
    assert_eq!(stale.status(), StatusCode::SEE_OTHER, "the pre-login cookie must not authenticate");
    let live = get_with_cookie(&shop, "/account/orders", &after, "text/html").await;
    assert_eq!(live.status(), StatusCode::OK);

    // Log out: home, and a copy of the cookie is refused everywhere.
    let logout = client.get(shop.url("/logout")).header("sec-fetch-site", "same-origin").send().await.unwrap();
    assert_eq!(logout.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&logout), "/");
    let copied = get_with_cookie(&shop, "/account/orders", &after, "text/html").await;
    assert_eq!(copied.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&copied), "/login");
    let json = get_with_cookie(&shop, "/account/orders", &after, "application/json").await;
    assert_eq!(json.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_by_post_ends_the_session() {
    let shop = Shop::start().await;
    let (client, jar) = logged_in(&shop, "imogen").await;
    let cookie = session_cookie(&shop, &jar).unwrap();
    let csrf = token(&shop, &client, "/account/orders").await;
    let logout = client.post(shop.url("/logout")).form(&[("csrf_token", csrf.as_str())]).send().await.unwrap();
    assert_eq!(logout.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&logout), "/");
    let copied = get_with_cookie(&shop, "/account/orders", &cookie, "text/html").await;
    assert_eq!(copied.status(), StatusCode::SEE_OTHER);
}

/// Pages that show who is logged in, or carry a CSRF token, never go into a shared cache.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_built_from_the_session_are_not_cacheable() {
    let shop = Shop::start().await;
    let (client, _) = logged_in(&shop, "kertesz").await;
    for path in ["/", "/login", "/register", "/forgot", "/confirm", "/account/orders"] {
        let page = client.get(shop.url(path)).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK, "{path}");
        assert_eq!(page.headers()[header::CACHE_CONTROL], "no-store", "{path}");
        let vary: Vec<_> = page.headers().get_all(header::VARY).iter().map(|value| value.to_str().unwrap()).collect();
        assert!(vary.iter().any(|value| value.eq_ignore_ascii_case("cookie")), "{path}: Vary {vary:?}");
    }
}

/// A logout link on another site (SameSite=Lax still sends the cookie on a top-level
/// navigation) must not log the customer out: the shop asks with a button instead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cross_site_logout_link_only_asks() {
    let shop = Shop::start().await;
    let (client, jar) = logged_in(&shop, "weegee").await;
    let cookie = session_cookie(&shop, &jar).unwrap();
    for fetch_site in [Some("cross-site"), Some("same-site"), None] {
        let mut request = client.get(shop.url("/logout"));
        if let Some(fetch_site) = fetch_site {
            request = request.header("sec-fetch-site", fetch_site);
        }
        let answer = request.send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::OK, "{fetch_site:?}");
        let page = answer.text().await.unwrap();
        assert!(page.contains("id=\"logout-confirm\""), "{fetch_site:?}: a page with a logout button");
        assert_eq!(orders_status(&shop, &cookie).await, StatusCode::OK, "{fetch_site:?}: still logged in");
    }
    // Typed into the address bar (or a bookmark): `none`, acted on.
    let typed = client.get(shop.url("/logout")).header("sec-fetch-site", "none").send().await.unwrap();
    assert_eq!(typed.status(), StatusCode::SEE_OTHER);
    assert_ne!(orders_status(&shop, &cookie).await, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicates_in_any_case_and_mismatched_confirmations_are_refused() {
    let shop = Shop::start().await;
    let (client, _) = new_client();
    let first = register(&shop, &client, "Dorothea", "dorothea@example.com", PASSWORD).await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);

    let same_name = register(&shop, &client, "DOROTHEA", "other@example.com", PASSWORD).await;
    assert_eq!(same_name.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = same_name.text().await.unwrap();
    assert!(body.contains("already taken"), "{body}");
    assert!(body.contains("other@example.com"), "the entered email is shown again");
    assert!(!body.contains(PASSWORD), "a re-rendered form never carries the password");

    let same_email = register(&shop, &client, "lange", "Dorothea@EXAMPLE.com", PASSWORD).await;
    assert_eq!(same_email.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(same_email.text().await.unwrap().contains("already exists"));

    let mismatch = register(&shop, &client, "lange", "lange@example.com", "silver gelatin prints").await;
    assert_eq!(mismatch.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = mismatch.text().await.unwrap();
    assert!(body.contains("data-field=\"confirmPassword\""), "the error sits by its field: {body}");
    assert!(body.contains("value=\"lange\""), "the entered username is shown again");
    assert!(!body.contains("silver gelatin"), "a re-rendered form never carries a password");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_user_and_wrong_password_get_the_same_answer() {
    let shop = Shop::start().await;
    let (client, _) = logged_in(&shop, "walker").await;
    let wrong = sign_in(&shop, &client, "walker", "not the password").await;
    let unknown = sign_in(&shop, &client, "nobody-here", "not the password").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    for body in [wrong.text().await.unwrap(), unknown.text().await.unwrap()] {
        assert!(body.contains("Invalid credentials, try again!"), "{body}");
        assert!(!body.contains("not the password"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_page_needs_the_admin_role() {
    let shop = Shop::start().await;
    let (anonymous, _) = new_client();
    let page = anonymous.get(shop.url("/admin")).header(header::ACCEPT, "application/json").send().await.unwrap();
    assert_eq!(page.status(), StatusCode::UNAUTHORIZED);

    let (client, _) = logged_in(&shop, "berenice").await;
    let page = client.get(shop.url("/admin")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::FORBIDDEN);

    shop.make_admin("berenice").await;
    // Making an admin ends their sessions, so the new role is in force at the next login.
    let page = client.get(shop.url("/admin")).header(header::ACCEPT, "text/html").send().await.unwrap();
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    assert_eq!(sign_in(&shop, &client, "berenice", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    let page = client.get(shop.url("/admin")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let body = page.text().await.unwrap();
    assert!(body.contains("berenice@example.com"), "{body}");
    assert!(!body.contains("$2b$"), "no password hash on the admin page");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_inputs_are_client_errors_never_server_errors() {
    let shop = Shop::start().await;
    let (client, _) = new_client();
    let csrf = token(&shop, &client, "/register").await;
    let post = |path: &str, content_type: &str, body: Vec<u8>| {
        client
            .post(shop.url(path))
            .header(header::CONTENT_TYPE, content_type)
            .header("x-csrf-token", csrf.as_str())
            .body(body)
            .send()
    };
    let form = "application/x-www-form-urlencoded";
    let fields = |password: &str, first: &str| {
        format!(
            "firstName={first}&lastName=Adams&email=a%40example.com&username=ansel&password={password}&confirmPassword={password}"
        )
    };

    let huge = "a".repeat(1024 * 1024);
    // The server answers 413 after 16 KB and closes the connection without reading the rest, so
    // a client still uploading may see the connection cut before it reads the 413. Either way
    // the body was refused; what must never come back is a 5xx.
    for (what, path, body) in [
        ("1 MB password", "/account/create", fields(&huge, "Ansel")),
        ("1 MB password at login", "/signin", format!("username=a&password={huge}")),
    ] {
        match post(path, form, body.into_bytes()).await {
            Ok(response) => assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE, "{what}"),
            Err(err) => assert!(err.is_request() && !err.is_timeout(), "{what}: {err}"),
        }
    }
    let cases: Vec<(&str, reqwest::Response)> = vec![
        (
            "invalid UTF-8",
            post("/account/create", form, [b"firstName=\xff\xfe&".as_slice(), fields("a", "x").as_bytes()].concat())
                .await
                .unwrap(),
        ),
        (
            "invalid UTF-8, percent-encoded",
            post("/account/create", form, fields(PASSWORD, "%FF%FE").into_bytes()).await.unwrap(),
        ),
        ("NUL in a field", post("/account/create", form, fields(PASSWORD, "An%00sel").into_bytes()).await.unwrap()),
        ("empty form", post("/account/create", form, Vec::new()).await.unwrap()),
        ("empty login form", post("/signin", form, Vec::new()).await.unwrap()),
        (
            "JSON body on a form route",
            post("/account/create", "application/json", br#"{"username":"ansel"}"#.to_vec()).await.unwrap(),
        ),
        ("no content type", post("/signin", "", b"username=a&password=b".to_vec()).await.unwrap()),
        (
            "repeated fields",
            post("/account/create", form, format!("{}&username=x&username=y", fields(PASSWORD, "A")).into_bytes())
                .await
                .unwrap(),
        ),
    ];
    for (what, response) in cases {
        assert!(response.status().is_client_error(), "{what}: {}", response.status());
    }

    // An 8 KB cookie is no session: pages still load, and a form post is refused for want of a
    // token that matches, never with a 5xx.
    let big_cookie = format!("{COOKIE}={}", "A".repeat(8 * 1024));
    let plain = Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let home = plain.get(shop.url("/")).header(header::COOKIE, &big_cookie).send().await.unwrap();
    assert_eq!(home.status(), StatusCode::OK);
    let signin = plain
        .post(shop.url("/signin"))
        .header(header::COOKIE, &big_cookie)
        .form(&[("csrf_token", "x"), ("username", "a"), ("password", "b")])
        .send()
        .await
        .unwrap();
    assert!(signin.status().is_client_error(), "8 KB cookie: {}", signin.status());

    // Nothing above created an account.
    let nobody = sign_in(&shop, &client, "ansel", PASSWORD).await;
    assert_eq!(nobody.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_two_concurrent_registrations_of_one_username_make_one_account() {
    let shop = Arc::new(Shop::start().await);
    let mut attempts = Vec::new();
    for i in 0..32 {
        let shop = shop.clone();
        attempts.push(tokio::spawn(async move {
            let (client, _) = new_client();
            let csrf = token(&shop, &client, "/register").await;
            let email = format!("racer{i}@example.com");
            let response = client
                .post(shop.url("/account/create"))
                .form(&[
                    ("csrf_token", csrf.as_str()),
                    ("firstName", "Race"),
                    ("lastName", "Condition"),
                    ("email", email.as_str()),
                    ("username", if i % 2 == 0 { "racer" } else { "RACER" }),
                    ("password", PASSWORD),
                    ("confirmPassword", PASSWORD),
                ])
                .send()
                .await
                .unwrap();
            response.status()
        }));
    }
    let mut statuses = Vec::new();
    for attempt in attempts {
        statuses.push(attempt.await.unwrap());
    }
    assert!(statuses.iter().all(|status| !status.is_server_error()), "{statuses:?}");
    assert_eq!(statuses.iter().filter(|status| **status == StatusCode::SEE_OTHER).count(), 1, "{statuses:?}");
    assert_eq!(
        statuses.iter().filter(|status| **status == StatusCode::UNPROCESSABLE_ENTITY).count(),
        31,
        "{statuses:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_site_posts_are_refused() {
    let shop = Shop::start().await;
    let (client, _) = new_client();
    let csrf = token(&shop, &client, "/login").await;
    let forged = client
        .post(shop.url("/signin"))
        .header(header::ORIGIN, "https://evil.example")
        .form(&[("csrf_token", csrf.as_str()), ("username", "a"), ("password", "b")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let tokenless =
        client.post(shop.url("/signin")).form(&[("username", "a"), ("password", "b")]).send().await.unwrap();
    assert_eq!(tokenless.status(), StatusCode::FORBIDDEN);
}

/// The login page says why the visitor is there, and links to what helps.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_login_page_says_why_and_links_what_helps() {
    let shop = Shop::start_with(&["--email-confirmation", "true"]).await;
    let (client, _) = new_client();
    let guarded = client.get(shop.url("/account/orders")).header(header::ACCEPT, "text/html").send().await.unwrap();
    assert_eq!(location(&guarded), "/login");
    let login = client.get(shop.url("/login")).send().await.unwrap().text().await.unwrap();
    assert!(login.contains("Please log in to see that page."), "{login}");
    let plain = new_client().0.get(shop.url("/login")).send().await.unwrap().text().await.unwrap();
    assert!(!plain.contains("Please log in to see that page."), "only when a page sent the visitor");

    assert_eq!(register(&shop, &client, "model", "model@example.com", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    let unconfirmed = sign_in(&shop, &client, "model", PASSWORD).await.text().await.unwrap();
    assert!(unconfirmed.contains(r#"<a href="/confirm">"#), "a link to a new confirmation link: {unconfirmed}");
    let link = shop.mailed_link("confirm").await;
    client.get(shop.url(&format!("/confirm/{link}"))).send().await.unwrap();
    assert_eq!(sign_in(&shop, &client, "model", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    let csrf = token(&shop, &client, "/account/orders").await;
    client.post(shop.url("/logout")).form(&[("csrf_token", csrf.as_str())]).send().await.unwrap();
    let home = client.get(shop.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("You are logged out."), "{home}");
}
