//! The smallest whole app on customer-auth: register, log in, a page only customers see, log
//! out. `cargo run -p minimal`, then open http://127.0.0.1:3000.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Form, State};
use axum::response::{Html, Redirect};
use axum::routing::{get, post};
use customer_auth::web::Error;
use customer_auth::{
    Auth, CsrfLayer, CurrentPrincipal, LoginForm, Registration, RequireLogin, Session, SessionLayer, SqliteStore,
};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let database = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite://minimal.db".into());
    let store = Arc::new(SqliteStore::connect(&database).await?);
    let auth = Auth::new(store.clone());

    let app = Router::new()
        .route("/account", get(account))
        .route_layer(RequireLogin::new()) // anonymous browsers: 303 to /login, and back after it
        .route("/", get(home))
        .route("/register", get(register_form).post(register))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .with_state(auth)
        .layer(CsrfLayer::new()) // every form carries session.csrf_token()
        .layer(SessionLayer::new(store.clone()).with_customer_store(store));

    let listener = tokio::net::TcpListener::bind(std::env::var("BIND").as_deref().unwrap_or("127.0.0.1:3000")).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}

async fn home(session: Session) -> Result<Html<String>, Error> {
    Ok(Html(match session.principal().await? {
        Some(me) => format!(r#"Hello, {}. <a href="/account">Your account</a>"#, me.username),
        None => r#"<a href="/login">Log in</a> or <a href="/register">register</a>"#.to_owned(),
    }))
}

async fn account(CurrentPrincipal(me): CurrentPrincipal, session: Session) -> Result<Html<String>, Error> {
    let logout = form("/logout", &session.csrf_token().await?, "", "Log out");
    Ok(Html(format!("<p>Only {} sees this page.</p>{logout}", me.username)))
}

async fn register_form(session: Session) -> Result<Html<String>, Error> {
    let fields = ["firstName", "lastName", "email", "username", "password", "confirmPassword"]
        .map(|name| format!(r#"<input name="{name}" placeholder="{name}">"#))
        .concat();
    Ok(Html(form("/register", &session.csrf_token().await?, &fields, "Register")))
}

/// A refused registration answers 422 with the errors per field as JSON.
async fn register(State(auth): State<Auth>, Form(registration): Form<Registration>) -> Result<Redirect, Error> {
    auth.register(registration).await?;
    Ok(Redirect::to("/login"))
}

async fn login_form(session: Session) -> Result<Html<String>, Error> {
    let fields = r#"<input name="username"><input name="password" type="password">"#;
    Ok(Html(form("/login", &session.csrf_token().await?, fields, "Log in")))
}

/// A wrong password or an unknown username answers 401, alike.
async fn login(State(auth): State<Auth>, session: Session, Form(form): Form<LoginForm>) -> Result<Redirect, Error> {
    let customer = auth.authenticate(&form.username, &form.password).await?;
    session.login(&customer).await?; // a new session id
    Ok(Redirect::to(&session.take_target_url().await?.unwrap_or_else(|| "/".into())))
}

async fn logout(session: Session) -> Result<Redirect, Error> {
    session.logout().await?;
    Ok(Redirect::to("/"))
}

fn form(action: &str, csrf_token: &str, fields: &str, button: &str) -> String {
    format!(
        r#"<form method="post" action="{action}"><input type="hidden" name="csrf_token" value="{csrf_token}">{fields}<button>{button}</button></form>"#
    )
}
