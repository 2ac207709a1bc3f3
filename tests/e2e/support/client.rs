//! A browser-like client for the shop: keeps cookies, follows no redirects, fills in the
//! forms with their CSRF tokens.

use std::sync::Arc;

use reqwest::cookie::{CookieStore as _, Jar};
use reqwest::{Client, StatusCode, header};

use super::{Shop, csrf_token};

pub const PASSWORD: &str = "silver gelatin print";
/// The session cookie's name on plain http (no `__Host-` prefix without `Secure`).
pub const COOKIE: &str = "session";

/// A browser-like client whose cookies the test can read.
pub fn new_client() -> (Client, Arc<Jar>) {
    let jar = Arc::new(Jar::default());
    let client = Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client");
    (client, jar)
}

/// The session cookie's value as the client holds it.
pub fn session_cookie(shop: &Shop, jar: &Jar) -> Option<String> {
    let url = shop.base.parse().expect("the shop's URL");
    let header = jar.cookies(&url)?;
    header
        .to_str()
        .expect("cookies are text")
        .split("; ")
        .find_map(|pair| pair.strip_prefix(&format!("{COOKIE}=")).map(str::to_owned))
}

/// A client that sends exactly `cookie` as its session cookie and keeps nothing.
pub async fn get_with_cookie(shop: &Shop, path: &str, cookie: &str, accept: &str) -> reqwest::Response {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(shop.url(path))
        .header(header::COOKIE, format!("{COOKIE}={cookie}"))
        .header(header::ACCEPT, accept)
        .send()
        .await
        .unwrap()
}

pub fn location(response: &reqwest::Response) -> &str {
    response.headers().get(header::LOCATION).map(|value| value.to_str().unwrap()).unwrap_or("")
}

/// The CSRF token of the form at `path`.
pub async fn token(shop: &Shop, client: &Client, path: &str) -> String {
    let page = client.get(shop.url(path)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK, "GET {path}");
    csrf_token(&page.text().await.unwrap())
}

/// Posts the registration form and returns the response.
pub async fn register(shop: &Shop, client: &Client, username: &str, email: &str, confirm: &str) -> reqwest::Response {
    let csrf = token(shop, client, "/register").await;
    client
        .post(shop.url("/account/create"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("firstName", "Ansel"),
            ("lastName", "Adams"),
            ("email", email),
            ("username", username),
            ("password", PASSWORD),
            ("confirmPassword", confirm),
        ])
        .send()
        .await
        .unwrap()
}

/// Posts the login form and returns the response.
pub async fn sign_in(shop: &Shop, client: &Client, username: &str, password: &str) -> reqwest::Response {
    let csrf = token(shop, client, "/login").await;
    client
        .post(shop.url("/signin"))
        .form(&[("csrf_token", csrf.as_str()), ("username", username), ("password", password)])
        .send()
        .await
        .unwrap()
}

/// A registered and logged-in client.
pub async fn logged_in(shop: &Shop, username: &str) -> (Client, Arc<Jar>) {
    let (client, jar) = new_client();
    let created = register(shop, &client, username, &format!("{username}@example.com"), PASSWORD).await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER, "{}", created.text().await.unwrap());
    let signed_in = sign_in(shop, &client, username, PASSWORD).await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    (client, jar)
}

/// Fills in the form on `page` (its CSRF token and `fields`) and posts it to `action`.
pub async fn post_form(
    shop: &Shop,
    client: &Client,
    page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let csrf = token(shop, client, page).await;
    let mut form = vec![("csrf_token", csrf.as_str())];
    form.extend_from_slice(fields);
    client.post(shop.url(action)).form(&form).send().await.unwrap()
}

/// The status of the orders page for a browser holding `cookie`.
pub async fn orders_status(shop: &Shop, cookie: &str) -> StatusCode {
    get_with_cookie(shop, "/account/orders", cookie, "text/html").await.status()
}
