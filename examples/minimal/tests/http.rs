//! The minimal example, run as its binary and driven over HTTP as a browser would: the protected
//! page sends a visitor to log in and back, a registration and a login work, a wrong password
//! is refused, and logging out ends it.

// Tests state their expectations with unwrap and panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Stdio;

use reqwest::{Client, StatusCode, header};
use tokio::io::{AsyncBufReadExt as _, BufReader};

/// The example, started on a free port with a database of its own; killed when dropped.
struct Example {
    base: String,
    _child: tokio::process::Child,
    _dir: tempfile::TempDir,
}

async fn start() -> Example {
    let dir = tempfile::tempdir().unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_minimal"))
        .env("DATABASE_URL", format!("sqlite://{}", dir.path().join("minimal.db").display()))
        .env("BIND", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = lines.next_line().await.unwrap().expect("the example says where it listens");
    let base = line.strip_prefix("listening on ").unwrap().to_owned();
    Example { base, _child: child, _dir: dir }
}

fn browser() -> Client {
    Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// The CSRF token in the form at `path`.
async fn token(example: &Example, client: &Client, path: &str) -> String {
    let page = client.get(format!("{}{path}", example.base)).send().await.unwrap().text().await.unwrap();
    let field = r#"name="csrf_token" value=""#;
    let start = page.find(field).expect("a form with a token") + field.len();
    page[start..].split('"').next().unwrap().to_owned()
}

async fn post(example: &Example, client: &Client, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let csrf = token(example, client, if path == "/logout" { "/account" } else { path }).await;
    let mut form = vec![("csrf_token", csrf.as_str())];
    form.extend_from_slice(fields);
    client.post(format!("{}{path}", example.base)).form(&form).send().await.unwrap()
}

fn location(response: &reqwest::Response) -> &str {
    response.headers()[header::LOCATION].to_str().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_log_in_see_the_protected_page_and_log_out() {
    let example = start().await;
    let client = browser();
    let account =
        |client: &Client| client.get(format!("{}/account", example.base)).header(header::ACCEPT, "text/html").send();
    let anonymous = account(&client).await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&anonymous), "/login");

    let fields = [
        ("firstName", "Ada"),
        ("lastName", "Lovelace"),
        ("email", "ada@example.com"),
        ("username", "ada"),
        ("password", "analytical engine"),
        ("confirmPassword", "analytical engine"),
    ];
    let registered = post(&example, &client, "/register", &fields).await;
    assert_eq!(registered.status(), StatusCode::SEE_OTHER, "{:?}", registered.text().await);
    let weak = post(&example, &client, "/register", &[("username", "bob"), ("password", "123")]).await;
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(weak.text().await.unwrap().contains("password"), "the errors name their fields");

    let wrong = post(&example, &client, "/login", &[("username", "ada"), ("password", "difference engine")]).await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let logged_in = post(&example, &client, "/login", &[("username", "ada"), ("password", "analytical engine")]).await;
    assert_eq!(logged_in.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&logged_in), "/account", "back to the page that asked for a login");
    let page = account(&client).await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Only ada sees this page."));

    let forged = client.post(format!("{}/logout", example.base)).send().await.unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN, "a form without its token is refused");
    let out = post(&example, &client, "/logout", &[]).await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert_eq!(account(&client).await.unwrap().status(), StatusCode::SEE_OTHER, "logged out");
}
