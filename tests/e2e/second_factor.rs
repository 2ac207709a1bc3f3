//! Second factors in the shop over HTTP: setting up an authenticator app from the secret on
//! `/account/security/totp`, the two-step login at `/login/second-factor` (a pending login is
//! no login, the target URL survives both steps, a code works once, a recovery code says how
//! many are left), and the fresh proof that removing the app or making new codes asks for.
//!
//! Codes are made for the step of the test's start and the one after: both are accepted for
//! the whole test wherever the clock crosses a step boundary, so nothing waits for the clock.

use std::time::Duration;

use crate::support::client::*;
use crate::support::servers::{ServerShop, clear_redis, redis_address, redis_prefix};
use crate::support::{Shop, csrf_token};
use customer_auth::{SessionId, SessionStore as _, SqliteStore, Timestamp, totp_code};
use reqwest::{Client, StatusCode, header};

const WRONG: &str = "That code is not right, or was used already.";

/// The text inside the element with `id`.
fn element_text(page: &str, id: &str) -> String {
    let start = page.find(&format!(r#"id="{id}">"#)).unwrap_or_else(|| panic!("no #{id} in {page}"));
    let rest = &page[start..];
    rest[rest.find('>').unwrap() + 1..].split('<').next().unwrap().to_owned()
}

/// Sets up an authenticator app for the logged-in `client`: its secret, the step time its
/// first code was made for, and the recovery codes shown.
async fn enrol(shop: &Shop, client: &Client) -> (String, Timestamp, Vec<String>) {
    let page = client.get(shop.url("/account/security/totp")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    assert!(page.contains("<svg"), "a QR code: {page}");
    let secret = element_text(&page, "totp-secret");
    let wrong = post_form(shop, client, "/account/security/totp", "/account/security/totp", &[("code", "12345")]).await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(element_text(&wrong.text().await.unwrap(), "totp-secret"), secret, "the same secret after a typo");
    let t0 = Timestamp::now();
    let code = totp_code(&secret, t0).unwrap();
    let done = post_form(shop, client, "/account/security/totp", "/account/security/totp", &[("code", &code)]).await;
    assert_eq!(done.status(), StatusCode::OK);
    let page = done.text().await.unwrap();
    let codes: Vec<String> =
        page.split("<li><code>").skip(1).map(|item| item.split("</code>").next().unwrap().to_owned()).collect();
    assert_eq!(codes.len(), 10, "{page}");
    (secret, t0, codes)
}

fn next_code(secret: &str, t0: Timestamp) -> String {
    totp_code(secret, t0.plus(Duration::from_secs(30))).unwrap()
}

async fn orders(shop: &Shop, client: &Client) -> reqwest::Response {
    client.get(shop.url("/account/orders")).header(header::ACCEPT, "text/html").send().await.unwrap()
}

async fn second_step(shop: &Shop, client: &Client, code: &str) -> reqwest::Response {
    post_form(shop, client, "/login/second-factor", "/login/second-factor", &[("code", code)]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_authenticator_app_makes_the_login_two_steps_and_each_code_works_once() {
    let shop = Shop::start().await;
    let (laptop, _) = logged_in(&shop, "sander").await;
    let (phone, _) = new_client();
    assert_eq!(sign_in(&shop, &phone, "sander", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    let (secret, t0, codes) = enrol(&shop, &laptop).await;
    let security = laptop.get(shop.url("/account/security")).send().await.unwrap().text().await.unwrap();
    assert!(security.contains("Authenticator app: set up") && security.contains("<strong>10</strong>"), "{security}");
    assert_eq!(orders(&shop, &phone).await.status(), StatusCode::SEE_OTHER, "other sessions end");
    assert_eq!(orders(&shop, &laptop).await.status(), StatusCode::OK, "this one stays");

    let (browser, _) = new_client();
    assert_eq!(orders(&shop, &browser).await.status(), StatusCode::SEE_OTHER);
    let password = sign_in(&shop, &browser, "sander", PASSWORD).await;
    assert_eq!(password.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&password), "/login/second-factor");
    assert_eq!(orders(&shop, &browser).await.status(), StatusCode::SEE_OTHER, "a password alone is no login");
    let wrong = second_step(&shop, &browser, "000000").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.text().await.unwrap().contains(WRONG));
    let replayed = second_step(&shop, &browser, &totp_code(&secret, t0).unwrap()).await;
    assert_eq!(replayed.status(), StatusCode::UNAUTHORIZED, "the code that turned the app on is spent");
    let code = next_code(&secret, t0);
    let done = second_step(&shop, &browser, &code).await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&done), "/account/orders", "the target URL survives both steps");
    assert_eq!(orders(&shop, &browser).await.status(), StatusCode::OK);

    let (thief, _) = new_client();
    assert_eq!(sign_in(&shop, &thief, "sander", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(second_step(&shop, &thief, &code).await.status(), StatusCode::UNAUTHORIZED, "a code works once");
    let recovered = second_step(&shop, &thief, &codes[3]).await;
    assert_eq!(recovered.status(), StatusCode::SEE_OTHER);
    let home = thief.get(shop.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("You used a recovery code: 9 codes left."), "{home}");
    let (again, _) = new_client();
    assert_eq!(sign_in(&shop, &again, "sander", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(second_step(&shop, &again, &codes[3]).await.status(), StatusCode::UNAUTHORIZED, "spent");
}

/// Makes the session's last proof older than ten minutes, as if the customer had logged in
/// long ago: written straight into the shop's session store.
async fn age_the_proof(shop: &Shop, jar: &reqwest::cookie::Jar) {
    let store = SqliteStore::connect(&shop.config.database_url).await.unwrap();
    let key = SessionId::parse(&session_cookie(shop, jar).unwrap()).unwrap().key();
    let mut record = store.load_session(&key).await.unwrap().unwrap();
    let long_ago = Timestamp::now().minus(Duration::from_secs(3600)).as_unix().to_string();
    record.data.insert("_proved_at".into(), long_ago);
    store.save_session(&key, &record).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_the_app_or_making_new_codes_asks_for_a_fresh_proof_in_place() {
    let shop = Shop::start().await;
    let (client, jar) = logged_in(&shop, "blossfeldt").await;
    let (secret, t0, _) = enrol(&shop, &client).await;

    age_the_proof(&shop, &jar).await;
    let asked = post_form(&shop, &client, "/account/security", "/account/security/recovery-codes", &[]).await;
    assert_eq!(asked.status(), StatusCode::OK);
    // Attributes escape `/` as `&#x2f;`; a browser reads the action back.
    let page = asked.text().await.unwrap().replace("&#x2f;", "/");
    assert!(page.contains("Confirm it's you") && page.contains(r#"action="/account/security/recovery-codes""#));
    let csrf = csrf_token(&page);
    let with_code = [("csrf_token", csrf.as_str()), ("proof", &next_code(&secret, t0))];
    let regenerated = client.post(shop.url("/account/security/recovery-codes")).form(&with_code).send().await.unwrap();
    assert_eq!(regenerated.status(), StatusCode::OK);
    assert!(regenerated.text().await.unwrap().contains("Here are your new recovery codes"), "a code is a proof");

    age_the_proof(&shop, &jar).await;
    let asked = post_form(&shop, &client, "/account/security", "/account/security/totp/remove", &[]).await;
    let page = asked.text().await.unwrap();
    assert!(page.contains("Confirm it's you"), "{page}");
    let wrong = [("csrf_token", csrf_token(&page)), ("proof", "not my password".to_owned())];
    let refused = client.post(shop.url("/account/security/totp/remove")).form(&wrong).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let page = refused.text().await.unwrap();
    let right = [("csrf_token", csrf_token(&page)), ("proof", PASSWORD.to_owned())];
    let removed = client.post(shop.url("/account/security/totp/remove")).form(&right).send().await.unwrap();
    assert_eq!(removed.status(), StatusCode::SEE_OTHER);
    let security = client.get(shop.url("/account/security")).send().await.unwrap().text().await.unwrap();
    assert!(security.contains("No second factor yet") && security.contains("were removed"), "{security}");
    let (browser, _) = new_client();
    let one_step = sign_in(&shop, &browser, "blossfeldt", PASSWORD).await;
    assert_eq!(location(&one_step), "/", "one step again");
}

/// The same two steps with the customers in Postgres (sessions in Redis), and with everything in
/// Redis: each store keeps the factors.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_two_step_login_works_on_postgres_and_on_redis() {
    let servers = ServerShop::start(&[]).await;
    two_steps(&servers.shop, "evans").await;
    servers.remove().await;

    let prefix = redis_prefix();
    let redis = format!("redis://{}", redis_address());
    let shop = Shop::start_with(&["--database-url", &redis, "--redis-prefix", &prefix]).await;
    two_steps(&shop, "walker").await;
    drop(shop);
    clear_redis(&prefix).await;
}

async fn two_steps(shop: &Shop, username: &str) {
    let (laptop, _) = logged_in(shop, username).await;
    let (secret, t0, codes) = enrol(shop, &laptop).await;
    let (browser, _) = new_client();
    assert_eq!(location(&sign_in(shop, &browser, username, PASSWORD).await), "/login/second-factor");
    let code = next_code(&secret, t0);
    assert_eq!(second_step(shop, &browser, &code).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(orders(shop, &browser).await.status(), StatusCode::OK);
    let (thief, _) = new_client();
    sign_in(shop, &thief, username, PASSWORD).await;
    assert_eq!(second_step(shop, &thief, &code).await.status(), StatusCode::UNAUTHORIZED, "a code works once");
    assert_eq!(second_step(shop, &thief, &codes[0]).await.status(), StatusCode::SEE_OTHER);
    let stranger = new_client().0.get(shop.url("/login/second-factor")).send().await.unwrap();
    assert_eq!(location(&stranger), "/login", "no pending login: back to the password");
}

/// Wrong codes spend the client's budget as wrong passwords do: five, and then not even the
/// right code gets in from that client for a while.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_codes_are_counted_like_wrong_passwords() {
    let shop = Shop::start().await;
    let (laptop, _) = logged_in(&shop, "atget").await;
    let (secret, t0, _) = enrol(&shop, &laptop).await;
    let (guesser, _) = new_client();
    assert_eq!(location(&sign_in(&shop, &guesser, "atget", PASSWORD).await), "/login/second-factor");
    for guess in ["000000", "111111", "222222", "333333", "444444"] {
        assert_eq!(second_step(&shop, &guesser, guess).await.status(), StatusCode::UNAUTHORIZED, "{guess}");
    }
    let locked = second_step(&shop, &guesser, &next_code(&secret, t0)).await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS, "the budget is spent");
    assert!(locked.text().await.unwrap().contains("temporarily locked"));
}
