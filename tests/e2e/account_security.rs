//! The camerastore example's account pages over real HTTP: password change, disable and enable
//! by an admin, deleting one's own account, and the audit trail they leave, which must name the
//! customer and the client address but never a password, hash or session id.

use std::io::Write;
use std::sync::{Arc, Mutex};

use crate::support::Shop;
use crate::support::client::*;
use customer_auth::{CustomerStore as _, SqliteStore};
use reqwest::{Client, StatusCode};

const NEW_PASSWORD: &str = "fresh fixer and stop bath";

async fn change_password(shop: &Shop, client: &Client, current: &str) -> reqwest::Response {
    let fields = [("currentPassword", current), ("password", NEW_PASSWORD), ("confirmPassword", NEW_PASSWORD)];
    post_form(shop, client, "/account/password", "/account/password", &fields).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_change_keeps_this_browser_and_ends_every_other_session() {
    let shop = Shop::start().await;
    let (laptop, laptop_jar) = logged_in(&shop, "eggleston").await;
    let (phone, _) = new_client();
    assert_eq!(sign_in(&shop, &phone, "eggleston", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    let phone_page = phone.get(shop.url("/account/orders")).send().await.unwrap();
    assert_eq!(phone_page.status(), StatusCode::OK);
    let before = session_cookie(&shop, &laptop_jar).unwrap();

    let wrong = change_password(&shop, &laptop, "not my password").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.text().await.unwrap().contains("not your current password"));

    let weak = post_form(
        &shop,
        &laptop,
        "/account/password",
        "/account/password",
        &[("currentPassword", PASSWORD), ("password", "password"), ("confirmPassword", "password")],
    )
    .await;
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let changed = change_password(&shop, &laptop, PASSWORD).await;
    assert_eq!(changed.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&changed), "/account/orders");
    let after = session_cookie(&shop, &laptop_jar).unwrap();
    assert_ne!(before, after, "the browser that changed the password gets a new session id");
    assert_eq!(orders_status(&shop, &after).await, StatusCode::OK, "this browser stays signed in");
    assert_eq!(orders_status(&shop, &before).await, StatusCode::SEE_OTHER, "its old id is dead");
    let phone_page = phone.get(shop.url("/account/orders")).header("accept", "text/html").send().await.unwrap();
    assert_eq!(phone_page.status(), StatusCode::SEE_OTHER, "the other browser is logged out");

    let (fresh, _) = new_client();
    assert_eq!(sign_in(&shop, &fresh, "eggleston", PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(sign_in(&shop, &fresh, "eggleston", NEW_PASSWORD).await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_customer_is_logged_out_at_once_and_refused_until_enabled() {
    let shop = Shop::start().await;
    let (admin, _) = logged_in(&shop, "curator").await;
    // Making an admin ends their sessions; the role is in force from the next login.
    shop.make_admin("curator").await;
    assert_eq!(sign_in(&shop, &admin, "curator", PASSWORD).await.status(), StatusCode::SEE_OTHER);

    let (_, victim_jar) = logged_in(&shop, "arbus").await;
    let cookie = session_cookie(&shop, &victim_jar).unwrap();
    assert_eq!(orders_status(&shop, &cookie).await, StatusCode::OK);

    let store = SqliteStore::connect(&shop.config.database_url).await.unwrap();
    let arbus = store.find_customer_by_username("arbus").await.unwrap().unwrap();
    let action = format!("/admin/customers/{}/status", arbus.id);
    let disabled = post_form(&shop, &admin, "/admin", &action, &[("status", "disabled")]).await;
    assert_eq!(disabled.status(), StatusCode::SEE_OTHER);
    assert_eq!(orders_status(&shop, &cookie).await, StatusCode::SEE_OTHER, "the live session ends at once");
    let (retry, _) = new_client();
    let refused = sign_in(&shop, &retry, "arbus", PASSWORD).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(refused.text().await.unwrap().contains("disabled"));
    let listed = admin.get(shop.url("/admin")).send().await.unwrap().text().await.unwrap();
    assert!(listed.contains("data-enable=\"arbus\""), "{listed}");

    let enabled = post_form(&shop, &admin, "/admin", &action, &[("status", "active")]).await;
    assert_eq!(enabled.status(), StatusCode::SEE_OTHER);
    assert_eq!(sign_in(&shop, &retry, "arbus", PASSWORD).await.status(), StatusCode::SEE_OTHER);

    let bogus = post_form(&shop, &admin, "/admin", &action, &[("status", "deleted")]).await;
    assert_eq!(bogus.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (customer, _) = logged_in(&shop, "nonadmin").await;
    let forbidden = post_form(&shop, &customer, "/account/orders", &action, &[("status", "disabled")]).await;
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN, "only admins change a status");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_deletes_their_own_account_with_the_password() {
    let shop = Shop::start().await;
    let (client, jar) = logged_in(&shop, "maier").await;
    let cookie = session_cookie(&shop, &jar).unwrap();
    let wrong = post_form(&shop, &client, "/account/delete", "/account/delete", &[("password", "guess")]).await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(orders_status(&shop, &cookie).await, StatusCode::OK, "a refused deletion changes nothing");

    let deleted = post_form(&shop, &client, "/account/delete", "/account/delete", &[("password", PASSWORD)]).await;
    assert_eq!(deleted.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&deleted), "/");
    assert_eq!(orders_status(&shop, &cookie).await, StatusCode::SEE_OTHER);
    let home = client.get(shop.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("Your account has been deleted"), "{home}");
    let (fresh, _) = new_client();
    assert_eq!(sign_in(&shop, &fresh, "maier", PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
    let again = register(&shop, &fresh, "maier", "maier@example.com", PASSWORD).await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER, "the username and email are free again");
}

/// Everything the subscriber writes, for the test to search.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_trail_names_customer_and_address_but_no_secret() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt().with_env_filter("info").with_ansi(false).with_writer(move || writer.clone()).init();

    let shop = Shop::start().await;
    let (client, jar) = logged_in(&shop, "winogrand").await;
    let first_cookie = session_cookie(&shop, &jar).unwrap();
    let (guesser, _) = new_client();
    assert_eq!(sign_in(&shop, &guesser, "winogrand", "wrong guess at it").await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(change_password(&shop, &client, PASSWORD).await.status(), StatusCode::SEE_OTHER);
    let second_cookie = session_cookie(&shop, &jar).unwrap();
    assert_eq!(
        client.get(shop.url("/logout")).header("sec-fetch-site", "same-origin").send().await.unwrap().status(),
        StatusCode::SEE_OTHER
    );
    let forgot = post_form(&shop, &client, "/forgot", "/forgot", &[("email", "winogrand@example.com")]).await;
    assert_eq!(forgot.status(), StatusCode::OK);
    let reset_token = shop.mailed_link("reset").await;
    let reset_page = format!("/reset/{reset_token}");
    let fields = [("password", PASSWORD), ("confirmPassword", PASSWORD)];
    assert_eq!(post_form(&shop, &client, &reset_page, &reset_page, &fields).await.status(), StatusCode::SEE_OTHER);
    shop.make_admin("winogrand").await;
    let store = SqliteStore::connect(&shop.config.database_url).await.unwrap();
    let customer = store.find_customer_by_username("winogrand").await.unwrap().unwrap();

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let audit: Vec<&str> = log.lines().filter(|line| line.contains("customer_auth::audit")).collect();
    for event in [
        "customer registered",
        "login",
        "login failed",
        "password changed",
        "logout",
        "password reset",
        "roles changed",
    ] {
        assert!(audit.iter().any(|line| line.contains(event)), "no audit event {event:?} in:\n{}", audit.join("\n"));
    }
    let web: Vec<&&str> = audit.iter().filter(|line| !line.contains("roles changed")).collect();
    assert!(web.iter().all(|line| line.contains("client_ip=127.0.0.1")), "{}", audit.join("\n"));
    assert!(audit.iter().all(|line| !line.contains(&reset_token)), "a reset token reached the audit trail");
    assert!(audit.iter().any(|line| line.contains(&customer.id.to_string())));
    for secret in
        [PASSWORD, NEW_PASSWORD, "wrong guess at it", customer.password_hash.as_str(), &first_cookie, &second_cookie]
    {
        assert!(!log.contains(secret), "a secret reached the log");
    }
}

/// An admin cannot lock the shop out of its own admin page with one click: disabling oneself is
/// refused. Admins get a link to the page; other customers do not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_cannot_disable_their_own_account_and_admins_see_the_admin_link() {
    let shop = Shop::start().await;
    let (admin, _) = logged_in(&shop, "abbott").await;
    shop.make_admin("abbott").await;
    assert_eq!(sign_in(&shop, &admin, "abbott", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    let home = admin.get(shop.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains(r#"id="nav-admin""#), "{home}");
    let (customer, _) = logged_in(&shop, "evans").await;
    let theirs = customer.get(shop.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(!theirs.contains(r#"id="nav-admin""#), "{theirs}");

    let store = SqliteStore::connect(&shop.config.database_url).await.unwrap();
    let me = store.find_customer_by_username("abbott").await.unwrap().unwrap();
    let action = format!("/admin/customers/{}/status", me.id);
    let refused = post_form(&shop, &admin, "/admin", &action, &[("status", "disabled")]).await;
    assert_eq!(refused.status(), StatusCode::SEE_OTHER);
    let page = admin.get(shop.url("/admin")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK, "still an admin, still logged in");
    assert!(page.text().await.unwrap().contains("You cannot disable your own account"));
    let me = store.find_customer_by_username("abbott").await.unwrap().unwrap();
    assert_eq!(me.status, customer_auth::CustomerStatus::Active);
}

/// `--password-hash argon2id`: new accounts get argon2id hashes, and a customer whose bcrypt
/// hash was stored before moves to argon2id at their next login, without noticing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_argon2id_shop_hashes_new_passwords_with_it_and_upgrades_old_ones_at_login() {
    let shop = Shop::start_with(&["--password-hash", "argon2id"]).await;
    let store = SqliteStore::connect(&shop.config.database_url).await.unwrap();
    logged_in(&shop, "moholy").await;
    let new = store.find_customer_by_username("moholy").await.unwrap().unwrap();
    assert!(new.password_hash.as_str().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "a new account");

    let mut old = new.clone();
    old.id = customer_auth::CustomerId::new();
    old.username = "nagy".into();
    old.email = "nagy@example.com".into();
    old.password_hash =
        customer_auth::PasswordHasher::new(4).unwrap().hash(&customer_auth::Password::new(PASSWORD)).await.unwrap();
    store.create_customer(&old).await.unwrap();
    assert!(old.password_hash.as_str().starts_with("$2b$04$"));
    let (client, _) = new_client();
    assert_eq!(sign_in(&shop, &client, "nagy", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    let upgraded = store.find_customer_by_username("nagy").await.unwrap().unwrap();
    assert!(upgraded.password_hash.as_str().starts_with("$argon2id$"), "upgraded at login");
    let (again, _) = new_client();
    assert_eq!(sign_in(&shop, &again, "nagy", PASSWORD).await.status(), StatusCode::SEE_OTHER, "and still works");
}
