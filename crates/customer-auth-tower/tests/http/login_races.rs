//! A login that races an account change never keeps its session (security finding: a session
//! saved after a disable or password change used to live on). Each test holds the login's
//! session write, after it read the customer and checked the password, runs the change to the
//! end, then lets the login go on.

use std::sync::Arc;
use std::time::Duration;

use customer_auth_core::{
    Auth, Customer, CustomerStatus, Password, Roles, SessionStore, Timestamp, Token, TokenPurpose, TokenRecord,
};

use crate::common::{App, PASSWORD, Stores, browser, start};

const NEW_PASSWORD: &str = "a brand new passphrase";

/// The account changes that end a customer's sessions.
#[derive(Clone, Copy, Debug)]
enum Change {
    Disable,
    NewPassword,
    ResetPassword,
    Delete,
    SetRoles,
    LogOutEverywhere,
}

async fn apply(change: Change, auth: &Auth, customer: &Customer) {
    let id = customer.id;
    match change {
        Change::Disable => drop(auth.set_status(id, CustomerStatus::Disabled).await.unwrap()),
        Change::NewPassword => drop(
            auth.change_password(
                id,
                &Password::new(PASSWORD),
                &Password::new(NEW_PASSWORD),
                &Password::new(NEW_PASSWORD),
            )
            .await
            .unwrap(),
        ),
        Change::ResetPassword => {
            let token = Token::generate().unwrap();
            let expires_at = Timestamp::now().plus(Duration::from_secs(600));
            let record =
                TokenRecord { key: token.key(), purpose: TokenPurpose::PasswordReset, customer_id: id, expires_at };
            auth.customers().create_token(&record).await.unwrap();
            auth.reset_password(token.as_str(), &Password::new(NEW_PASSWORD), &Password::new(NEW_PASSWORD))
                .await
                .unwrap();
        }
        Change::Delete => auth.delete_account(id, &Password::new(PASSWORD)).await.unwrap(),
        Change::SetRoles => drop(auth.set_roles(id, Roles::from(["staff".to_owned()])).await.unwrap()),
        Change::LogOutEverywhere => drop(auth.end_sessions(id).await.unwrap()),
    }
}

async fn a_login_racing(change: Change, app: &App) {
    let username = format!("racer{}", format!("{change:?}").to_lowercase());
    let customer = app.register(&username).await;
    let sessions: Arc<dyn SessionStore> = app.stores.sessions.clone();
    let auth = app.auth.clone().with_sessions(sessions.clone());
    let held = app.stores.sessions.hold_next_login();
    let client = browser();
    let login = {
        let (client, app_url, username) = (client.clone(), app.url(""), username.clone());
        tokio::spawn(async move {
            let token = client.get(format!("{app_url}/login")).send().await.unwrap().text().await.unwrap();
            client
                .post(format!("{app_url}/signin"))
                .form(&[("username", username.as_str()), ("password", PASSWORD), ("csrf_token", &token)])
                .send()
                .await
                .unwrap()
        })
    };
    held.arrived.await.expect("the login reaches its session write");
    apply(change, &auth, &customer).await;
    held.go.send(()).unwrap();
    let answer = login.await.unwrap();
    assert_eq!(answer.status(), 409, "{change:?}: the racing login must be refused");
    let orders = client.get(app.url("/account/orders")).send().await.unwrap();
    assert_eq!(orders.status(), 401, "{change:?}: the racing login's browser must not be logged in");
    let left = sessions.list_customer_sessions(customer.id).await.unwrap();
    assert!(left.is_empty(), "{change:?}: the racing login left {} session(s) in the store", left.len());
}

async fn a_login_racing_a_disable_keeps_no_session(stores: Stores) {
    a_login_racing(Change::Disable, &start(stores).await).await;
}

async fn a_login_racing_a_password_change_keeps_no_session(stores: Stores) {
    a_login_racing(Change::NewPassword, &start(stores).await).await;
}

async fn a_login_racing_a_password_reset_keeps_no_session(stores: Stores) {
    a_login_racing(Change::ResetPassword, &start(stores).await).await;
}

async fn a_login_racing_a_deletion_keeps_no_session(stores: Stores) {
    a_login_racing(Change::Delete, &start(stores).await).await;
}

async fn a_login_racing_a_role_change_keeps_no_session(stores: Stores) {
    a_login_racing(Change::SetRoles, &start(stores).await).await;
}

async fn a_login_racing_log_out_everywhere_keeps_no_session(stores: Stores) {
    a_login_racing(Change::LogOutEverywhere, &start(stores).await).await;
}

/// Without a race the login goes through: the check refuses only a stamp that moved.
async fn a_login_with_no_change_keeps_its_session(stores: Stores) {
    let app = start(stores).await;
    let customer = app.register("calm").await;
    let client = browser();
    let signed_in = app.log_in(&client, "calm").await;
    assert_eq!(signed_in.status(), 303);
    let orders = client.get(app.url("/account/orders")).send().await.unwrap();
    assert_eq!(orders.status(), 200);
    let sessions: Arc<dyn SessionStore> = app.stores.sessions.clone();
    assert_eq!(sessions.list_customer_sessions(customer.id).await.unwrap().len(), 1);
}

on_every_store!(
    a_login_racing_a_disable_keeps_no_session,
    a_login_racing_a_password_change_keeps_no_session,
    a_login_racing_a_password_reset_keeps_no_session,
    a_login_racing_a_deletion_keeps_no_session,
    a_login_racing_a_role_change_keeps_no_session,
    a_login_racing_log_out_everywhere_keeps_no_session,
    a_login_with_no_change_keeps_its_session,
);
