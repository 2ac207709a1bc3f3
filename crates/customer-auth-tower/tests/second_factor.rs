//! The two-step login in the session layer: after the password the session holds a pending
//! login under a new id, which no guard counts as logged in; the factor rotates the id again
//! and logs in; the old ids are worthless; a fresh proof is remembered for ten minutes.

// Tests state their expectations with unwrap and panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use customer_auth_core::{
    Auth, FactorKey, LoginClient, LoginStep, MemoryStore, Password, PasswordHasher, Registration, Timestamp, totp_code,
};
use customer_auth_tower::{RequireLogin, Session, SessionLayer};
use http::{Request, StatusCode, header};
use tower::ServiceExt;

const PASSWORD: &str = "correct horse battery";

async fn password(State(auth): State<Auth>, session: Session) -> impl IntoResponse {
    match auth.log_in("grace", &Password::new(PASSWORD), &LoginClient::default()).await.unwrap() {
        LoginStep::SecondFactor(pending) => {
            session.begin_second_factor(&pending).await.unwrap();
            "your code, please"
        }
        LoginStep::Complete(_) => panic!("grace has an authenticator app"),
    }
}

async fn code(State(auth): State<Auth>, session: Session, body: String) -> StatusCode {
    let Some(pending) = session.pending_second_factor().await.unwrap() else { return StatusCode::UNAUTHORIZED };
    let login = auth.complete_login(&pending, &body, &LoginClient::default()).await.unwrap();
    session.login(&login.customer).await.unwrap();
    StatusCode::SEE_OTHER
}

async fn fresh(session: Session) -> String {
    session.proved_within(Duration::from_secs(600)).await.unwrap().to_string()
}

async fn app() -> (Router, String) {
    let store = Arc::new(MemoryStore::new());
    let auth = Auth::new(store.clone())
        .with_sessions(store.clone())
        .with_hasher(PasswordHasher::new(4).unwrap())
        .with_second_factors(store.clone(), FactorKey::generate().unwrap());
    let grace = auth
        .register(Registration {
            first_name: "Grace".into(),
            last_name: "Hopper".into(),
            email: "grace@example.com".into(),
            username: "grace".into(),
            password: Password::new(PASSWORD),
            confirm_password: Password::new(PASSWORD),
        })
        .await
        .unwrap();
    let enrolment = auth.start_totp(&grace, "Test").await.unwrap();
    let now = Timestamp::now();
    auth.confirm_totp(&grace, &enrolment.sealed, &totp_code(&enrolment.secret_base32, now).unwrap(), None)
        .await
        .unwrap();
    let next = totp_code(&enrolment.secret_base32, now.plus(Duration::from_secs(30))).unwrap();
    let router = Router::new()
        .route("/account", get(|| async { "logged in" }))
        .route("/fresh", get(fresh))
        .route_layer(RequireLogin::new())
        .route("/password", post(password))
        .route("/code", post(code))
        .route("/visit", get(|session: Session| async move { session.insert("visited", &true).await.unwrap() }))
        .with_state(auth)
        .layer(SessionLayer::new(store.clone()).with_customer_store(store).with_secure(false));
    (router, next)
}

async fn call(app: &Router, method: &str, path: &str, cookie: Option<&str>, body: &str) -> http::Response<Body> {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    app.clone().oneshot(request.body(Body::from(body.to_owned())).unwrap()).await.unwrap()
}

fn cookie(response: &http::Response<Body>) -> String {
    response.headers()[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned()
}

#[tokio::test]
async fn the_password_is_a_step_and_the_factor_the_login() {
    let (app, code) = app().await;
    let visitor = cookie(&call(&app, "GET", "/visit", None, "").await);

    let after_password = call(&app, "POST", "/password", Some(&visitor), "").await;
    assert_eq!(after_password.status(), StatusCode::OK);
    let pending = cookie(&after_password);
    assert_ne!(pending, visitor, "the password step rotates the id");
    let account = call(&app, "GET", "/account", Some(&pending), "").await;
    assert_eq!(account.status(), StatusCode::UNAUTHORIZED, "a pending login is not a login");
    assert_eq!(call(&app, "POST", "/code", Some(&visitor), &code).await.status(), StatusCode::UNAUTHORIZED);

    let logged_in = call(&app, "POST", "/code", Some(&pending), &code).await;
    assert_eq!(logged_in.status(), StatusCode::SEE_OTHER);
    let session = cookie(&logged_in);
    assert_ne!(session, pending, "the factor rotates the id again");
    assert_eq!(call(&app, "GET", "/account", Some(&session), "").await.status(), StatusCode::OK);
    assert_eq!(call(&app, "GET", "/account", Some(&pending), "").await.status(), StatusCode::UNAUTHORIZED);
    let fresh = call(&app, "GET", "/fresh", Some(&session), "").await;
    let fresh = axum::body::to_bytes(fresh.into_body(), 64).await.unwrap();
    assert_eq!(&fresh[..], b"true", "a login is a fresh proof");
}
