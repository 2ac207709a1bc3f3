//! Passkeys in a real headless Chromium with the WebDriver virtual authenticator (a CTAP2
//! platform authenticator with resident keys and user verification, added through
//! fantoccini's raw command support): a customer adds a passkey at `/account/security`, logs
//! out, logs in with it alone (passwordless, a discoverable credential), and then with the
//! password and the passkey as the second step, and removes it. WebAuthn takes no IP address as relying party,
//! so the browser opens the shop at `http://localhost:PORT` (the shop's relying party for a
//! loopback base URL).

use std::time::{Duration, Instant};

use crate::browser::{open_browser, screenshot, start_chromedriver, visible, wait_for_path};
use crate::support::Shop;
use fantoccini::Client;
use fantoccini::wd::WebDriverCompatibleCommand;
use serde_json::json;

/// A WebAuthn extension command of WebDriver (WebAuthn Level 2, §11): `POST
/// /session/{id}/webauthn/{path}` with a JSON body.
#[derive(Debug)]
struct WebauthnCommand {
    path: String,
    body: serde_json::Value,
}

impl WebDriverCompatibleCommand for WebauthnCommand {
    fn endpoint(&self, base_url: &url::Url, session_id: Option<&str>) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/webauthn/{}", session_id.unwrap_or_default(), self.path))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.body.to_string()))
    }
}

/// Adds a platform authenticator with resident keys and user verification; its id.
async fn add_authenticator(client: &Client) -> String {
    let body = json!({
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": true,
        "hasUserVerification": true,
        "isUserVerified": true,
        "automaticPresenceSimulation": true,
    });
    let id = client.issue_cmd(WebauthnCommand { path: "authenticator".into(), body }).await;
    let id = id.expect("chromedriver adds a virtual authenticator");
    id.as_str().expect("the authenticator's id").to_owned()
}

/// Whether the authenticator verifies the user (a fingerprint that matches, or not).
async fn verify_user(client: &Client, authenticator: &str, verified: bool) {
    let command = WebauthnCommand {
        path: format!("authenticator/{authenticator}/uv"),
        body: json!({ "isUserVerified": verified }),
    };
    client.issue_cmd(command).await.expect("chromedriver sets the user verification");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_passkey_is_added_and_logs_in_alone_and_as_the_second_step_in_chromium() {
    let shop = Shop::start().await;
    let base = shop.base.replace("127.0.0.1", "localhost");
    let (_driver, webdriver) = start_chromedriver().await;
    let profile = tempfile::tempdir().expect("a temporary Chromium profile directory");
    let client = open_browser(&webdriver, &profile.path().display().to_string()).await;
    let walk = tokio::spawn(walk(client.clone(), base));
    let outcome = tokio::time::timeout(Duration::from_secs(120), walk).await;
    let closed = client.close().await;
    match outcome {
        Err(_) => panic!("the passkey walk took longer than 120 s"),
        Ok(Err(join)) if join.is_panic() => std::panic::resume_unwind(join.into_panic()),
        Ok(Err(join)) => panic!("the passkey walk did not finish: {join}"),
        Ok(Ok(())) => {}
    }
    closed.expect("the browser session closes");
}

async fn type_into(client: &Client, css: &str, text: &str) {
    visible(client, css).await.send_keys(text).await.unwrap_or_else(|err| panic!("typing into {css}: {err}"));
}

async fn click(client: &Client, css: &str) {
    visible(client, css).await.click().await.unwrap_or_else(|err| panic!("clicking {css}: {err}"));
}

/// Waits until the logged-in header names `username`, or fails with the page's passkey status.
async fn signed_in_as(client: &Client, username: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let who = client.find(fantoccini::Locator::Css("span.who strong")).await;
        if let Ok(who) = who
            && who.text().await.is_ok_and(|text| text.trim() == username)
        {
            return;
        }
        if Instant::now() > deadline {
            let status = client
                .execute("const s = document.getElementById('passkey-status'); return s ? s.textContent : ''", vec![])
                .await
                .unwrap_or_default();
            let url = client.current_url().await.map(|url| url.to_string()).unwrap_or_default();
            panic!("not signed in as {username} at {url}; the passkey status says {status}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn log_out(client: &Client) {
    click(client, "#logout").await;
    wait_for_path(client, "/").await;
    visible(client, "#nav-login").await;
}

async fn walk(client: Client, base: String) {
    let (username, password) = ("imogen", "platinum prints 1925");
    let authenticator = add_authenticator(&client).await;

    // Register and log in with the password: no factor yet, so one step.
    client.goto(&format!("{base}/register")).await.expect("the register page opens");
    for (field, value) in [
        ("firstName", "Imogen"),
        ("lastName", "Cunningham"),
        ("email", "imogen@example.com"),
        ("username", username),
        ("password", password),
        ("confirmPassword", password),
    ] {
        type_into(&client, &format!("#register-form input[name=\"{field}\"]"), value).await;
    }
    click(&client, "#register-submit").await;
    wait_for_path(&client, "/login").await;
    type_into(&client, "#login-form input[name=\"username\"]", username).await;
    type_into(&client, "#login-form input[name=\"password\"]", password).await;
    click(&client, "#login-submit").await;
    signed_in_as(&client, username).await;

    // Add a passkey.
    client.goto(&format!("{base}/account/security")).await.expect("the security page opens");
    visible(&client, "#passkeys-none").await;
    type_into(&client, "#passkey-name", "virtual key").await;
    click(&client, "#add-passkey").await;
    let deadline = Instant::now() + Duration::from_secs(15);
    let name = loop {
        if let Ok(name) = client.find(fantoccini::Locator::Css("#passkeys .passkey-name")).await {
            break name.text().await.expect("the passkey's name");
        }
        // Between two pages there may be no status to read.
        let status = match client.find(fantoccini::Locator::Css("#passkey-status")).await {
            Ok(status) => status.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        assert!(Instant::now() < deadline, "no passkey listed after adding one; the page says {status:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(name.trim(), "virtual key");
    screenshot(&client, "passkey-01-added").await;
    log_out(&client).await;

    // Passwordless: the passkey alone.
    // The page asks for autofill of passkeys as it loads, and the virtual authenticator answers
    // that at once, so the login may be over before "Sign in with a passkey" can be clicked:
    // either way it is the passkey alone that logs in.
    client.goto(&format!("{base}/login")).await.expect("the login page opens");
    let autocomplete = client
        .execute(
            "const u = document.getElementById('username'); return u ? u.autocomplete : 'username webauthn'",
            vec![],
        )
        .await
        .expect("the username field's autocomplete");
    assert_eq!(autocomplete, json!("username webauthn"), "browsers offer passkeys in the username field");
    if let Ok(button) = client.find(fantoccini::Locator::Css("#passkey-login")).await {
        // A stale button means the autofill logged in meanwhile.
        let _ = button.click().await;
    }
    signed_in_as(&client, username).await;
    screenshot(&client, "passkey-02-passwordless").await;
    client.goto(&format!("{base}/account/security")).await.expect("the security page opens");
    let listed = visible(&client, "#passkeys .passkey").await.text().await.expect("the passkey's line");
    assert!(listed.contains("last used"), "the login is recorded: {listed:?}");
    log_out(&client).await;

    // The password is no longer enough: the passkey is the second step. The authenticator
    // stops verifying the user meanwhile, so the login page's autofill gets no passkey login.
    verify_user(&client, &authenticator, false).await;
    client.goto(&format!("{base}/login")).await.expect("the login page opens");
    type_into(&client, "#login-form input[name=\"username\"]", username).await;
    type_into(&client, "#login-form input[name=\"password\"]", password).await;
    click(&client, "#login-submit").await;
    wait_for_path(&client, "/login/second-factor").await;
    let anonymous = client.find_all(fantoccini::Locator::Css("#logout")).await.expect("searching for #logout");
    assert!(anonymous.is_empty(), "the password alone logged the customer in");
    visible(&client, "#passkey-only").await;
    let code_fields = client.find_all(fantoccini::Locator::Css("#code")).await.expect("searching for #code");
    assert!(code_fields.is_empty(), "a customer with only a passkey is asked for a code");
    verify_user(&client, &authenticator, true).await;
    click(&client, "#passkey-second-factor").await;
    signed_in_as(&client, username).await;
    screenshot(&client, "passkey-03-second-step").await;

    // Removing it (the login just now is a fresh proof) makes the password one step again.
    client.goto(&format!("{base}/account/security")).await.expect("the security page opens");
    click(&client, "#remove-passkey-1").await;
    wait_for_path(&client, "/account/security").await;
    visible(&client, "#passkeys-none").await;
    log_out(&client).await;
    client.goto(&format!("{base}/login")).await.expect("the login page opens");
    type_into(&client, "#login-form input[name=\"username\"]", username).await;
    type_into(&client, "#login-form input[name=\"password\"]", password).await;
    click(&client, "#login-submit").await;
    signed_in_as(&client, username).await;
}
