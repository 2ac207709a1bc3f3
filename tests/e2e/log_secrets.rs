//! The shop's log never carries a secret (security finding: live reset tokens were in the
//! request log). Every flow whose links carry a token runs through a shop whose log this test
//! captures: confirmation, reset and unlock links, logins and logouts, an authenticator app and
//! a recovery code. Then the log is searched for each token, the password, the session cookie,
//! the TOTP secret and the recovery codes (not the six-digit TOTP codes: any six digits, a
//! timestamp's microseconds say, could match one by chance).

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use crate::support::Shop;
use crate::support::client::*;
use customer_auth::{Timestamp, totp_code};
use reqwest::StatusCode;

const NEW_PASSWORD: &str = "fresh fixer and stop bath";

/// Everything logged in this test process (nextest runs each test in a process of its own).
fn captured() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let log = Arc::new(Mutex::new(Vec::new()));
        let writer = log.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("trace,sqlx=warn,hyper=warn,h2=warn"))
            .with_ansi(false)
            .with_writer(move || Capture(writer.clone()))
            .finish();
        // Another test in this process set it first: its subscriber is not ours to read, so
        // this test's search would prove nothing.
        tracing::subscriber::set_global_default(subscriber).expect("the log capture is the only subscriber");
        log
    })
}

struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_token_password_or_session_id_reaches_the_log() {
    let log = captured().clone();
    let shop = Shop::start_with(&["--email-confirmation", "true"]).await;
    let (client, jar) = new_client();
    assert_eq!(
        register(&shop, &client, "stieglitz", "stieglitz@example.com", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let confirm = shop.mailed_link("confirm").await;
    assert!(client.get(shop.url(&format!("/confirm/{confirm}"))).send().await.unwrap().status().is_redirection());
    assert_eq!(sign_in(&shop, &client, "stieglitz", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    let session = session_cookie(&shop, &jar).unwrap();

    let (visitor, _) = new_client();
    post_form(&shop, &visitor, "/forgot", "/forgot", &[("email", "stieglitz@example.com")]).await;
    let reset = shop.mailed_link("reset").await;
    let reset_page = format!("/reset/{reset}");
    assert_eq!(visitor.get(shop.url(&reset_page)).send().await.unwrap().status(), StatusCode::OK);
    let fields = [("password", NEW_PASSWORD), ("confirmPassword", NEW_PASSWORD)];
    assert_eq!(post_form(&shop, &visitor, &reset_page, &reset_page, &fields).await.status(), StatusCode::SEE_OTHER);

    post_form(&shop, &visitor, "/unlock", "/unlock", &[("username", "stieglitz")]).await;
    let unlock = shop.mailed_link("unlock").await;
    let unlock_page = format!("/unlock/{unlock}");
    assert_eq!(post_form(&shop, &visitor, &unlock_page, &unlock_page, &[]).await.status(), StatusCode::SEE_OTHER);
    // A mistyped link is no route: its path, chosen by the client, is not logged either.
    assert_eq!(
        visitor.get(shop.url(&format!("/reset/{reset}/x"))).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );

    // An authenticator app, its first code, and a login with a recovery code.
    let (owner, _) = new_client();
    assert_eq!(sign_in(&shop, &owner, "stieglitz", NEW_PASSWORD).await.status(), StatusCode::SEE_OTHER);
    let setup = owner.get(shop.url("/account/security/totp")).send().await.unwrap().text().await.unwrap();
    let secret = setup.split(r#"id="totp-secret">"#).nth(1).unwrap().split('<').next().unwrap().to_owned();
    let first_code = totp_code(&secret, Timestamp::now()).unwrap();
    let path = "/account/security/totp";
    let codes = post_form(&shop, &owner, path, path, &[("code", &first_code)]).await.text().await.unwrap();
    let recovery: Vec<String> =
        codes.split("<li><code>").skip(1).map(|item| item.split('<').next().unwrap().to_owned()).collect();
    let (second, _) = new_client();
    assert_eq!(sign_in(&shop, &second, "stieglitz", NEW_PASSWORD).await.status(), StatusCode::SEE_OTHER);
    let path = "/login/second-factor";
    let step = post_form(&shop, &second, path, path, &[("code", &recovery[0])]).await;
    assert_eq!(step.status(), StatusCode::SEE_OTHER);

    let text = String::from_utf8(log.lock().unwrap().clone()).unwrap();
    for (what, secret) in [
        ("the TOTP secret", secret.as_str()),
        ("a used recovery code", recovery[0].as_str()),
        ("an unused recovery code", recovery[1].as_str()),
    ] {
        assert!(!text.contains(secret), "{what} is in the log:\n{text}");
    }
    for (what, secret) in [
        ("the confirmation token", confirm.as_str()),
        ("the reset token", reset.as_str()),
        ("the unlock token", unlock.as_str()),
        ("the session id", session.as_str()),
        ("the password", PASSWORD),
        ("the new password", NEW_PASSWORD),
    ] {
        assert!(!text.contains(secret), "{what} is in the log:\n{text}");
    }
    assert!(text.contains("/reset/{token}"), "the request log names the route:\n{text}");
    assert!(text.contains("customer_auth::audit"), "audit events are captured too:\n{text}");
}
