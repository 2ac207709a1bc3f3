//! Passkeys through `Auth`, with webauthn-authenticator-rs's software passkey as the browser:
//! registration, a passkey as the second step after the password, a replayed or foreign answer
//! refused, the counter kept, removal, and each change ending other sessions with a notice.

// Tests state their expectations with unwrap and panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use customer_auth_core::{
    Auth, Customer, Email, Error, LoginClient, LoginStep, Mailer, MemoryStore, PasskeyConfig, PasskeyStore, Password,
    PasswordHasher, Registration,
};
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::prelude::{CreationChallengeResponse, RequestChallengeResponse, Url};
use webauthn_authenticator_rs::softpasskey::SoftPasskey;

const PASSWORD: &str = "correct horse battery";
const ORIGIN: &str = "https://shop.example";

#[derive(Debug, Default)]
struct Inbox(Mutex<Vec<Email>>);

#[async_trait]
impl Mailer for Inbox {
    async fn send(&self, email: &Email) -> customer_auth_core::Result<()> {
        self.0.lock().unwrap().push(email.clone());
        Ok(())
    }
}

fn config() -> PasskeyConfig {
    PasskeyConfig { rp_id: "shop.example".into(), origin: ORIGIN.into(), rp_name: "Camera Store".into() }
}

fn auth(store: &MemoryStore, inbox: &Arc<Inbox>) -> Auth {
    Auth::new(Arc::new(store.clone()))
        .with_sessions(Arc::new(store.clone()))
        .with_hasher(PasswordHasher::new(4).unwrap())
        .with_mailer(inbox.clone(), ORIGIN)
        .with_passkeys(Arc::new(store.clone()), &config())
        .unwrap()
}

async fn register(auth: &Auth, username: &str) -> Customer {
    let password = Password::new(PASSWORD);
    auth.register(Registration {
        first_name: "Grace".into(),
        last_name: "Hopper".into(),
        email: format!("{username}@example.com"),
        username: username.into(),
        password: password.clone(),
        confirm_password: password,
    })
    .await
    .unwrap()
}

/// What the browser answers to registration options, as the JSON it posts back.
fn create(key: &mut SoftPasskey, options: &serde_json::Value) -> serde_json::Value {
    let options: CreationChallengeResponse = serde_json::from_value(options.clone()).unwrap();
    let credential = key.do_registration(Url::parse(ORIGIN).unwrap(), options).unwrap();
    serde_json::to_value(credential).unwrap()
}

fn get(key: &mut SoftPasskey, options: &serde_json::Value) -> serde_json::Value {
    let options: RequestChallengeResponse = serde_json::from_value(options.clone()).unwrap();
    let credential = key.do_authentication(Url::parse(ORIGIN).unwrap(), options).unwrap();
    serde_json::to_value(credential).unwrap()
}

async fn with_passkey(auth: &Auth, customer: &Customer, key: &mut SoftPasskey, name: &str) {
    let challenge = auth.start_passkey_registration(customer).await.unwrap();
    assert!(!challenge.state.is_empty());
    let answer = create(key, &challenge.options);
    let record = auth.finish_passkey_registration(customer, &challenge.state, &answer, name, None).await.unwrap();
    assert_eq!((record.customer_id, record.name.as_str(), record.last_used_at), (customer.id, name.trim(), None));
}

/// The subjects mailed so far, once there are `count` (notices go out on a task of their own).
async fn notices(inbox: &Inbox, count: usize) -> Vec<String> {
    for _ in 0..200 {
        let subjects = inbox.0.lock().unwrap().iter().map(|email| email.subject.clone()).collect::<Vec<_>>();
        if subjects.len() >= count {
            return subjects;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("fewer than {count} notices were mailed");
}

async fn pending(auth: &Auth, username: &str) -> customer_auth_core::PendingLogin {
    match auth.log_in(username, &Password::new(PASSWORD), &LoginClient::default()).await.unwrap() {
        LoginStep::SecondFactor(pending) => pending,
        LoginStep::Complete(_) => panic!("a customer with a passkey logged in with the password alone"),
    }
}

#[tokio::test]
async fn a_registered_passkey_is_the_second_step_after_the_password() {
    let store = MemoryStore::new();
    let inbox = Arc::new(Inbox::default());
    let auth = auth(&store, &inbox);
    let grace = register(&auth, "grace").await;
    assert!(matches!(
        auth.log_in("grace", &Password::new(PASSWORD), &LoginClient::default()).await.unwrap(),
        LoginStep::Complete(_)
    ));
    let mut key = SoftPasskey::new(true);
    with_passkey(&auth, &grace, &mut key, "  laptop\n").await;
    let factors = auth.second_factors(grace.id).await.unwrap();
    assert_eq!((factors.passkeys, factors.any()), (1, true));
    assert_eq!(notices(&inbox, 1).await, ["A passkey was added to your account"]);

    let pending = pending(&auth, "grace").await;
    let challenge = auth.start_passkey_second_factor(&pending).await.unwrap();
    let answer = get(&mut key, &challenge.options);
    let login =
        auth.finish_passkey_second_factor(&pending, &challenge.state, &answer, &LoginClient::default()).await.unwrap();
    assert_eq!((login.customer.id, login.recovery_codes_left), (grace.id, None));
    let stored = auth.passkeys(grace.id).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert!(stored[0].last_used_at.is_some(), "the use is recorded");

    // The same answer again (a replay): its challenge was for one use, and the counter moved on.
    let replay = auth.finish_passkey_second_factor(&pending, &challenge.state, &answer, &LoginClient::default()).await;
    assert!(matches!(replay, Err(Error::InvalidCredentials)), "{replay:?}");
}

#[tokio::test]
async fn another_customers_passkey_or_state_is_refused() {
    let store = MemoryStore::new();
    let inbox = Arc::new(Inbox::default());
    let auth = auth(&store, &inbox);
    let grace = register(&auth, "grace").await;
    let alan = register(&auth, "alan").await;
    let mut graces = SoftPasskey::new(true);
    let mut alans = SoftPasskey::new(true);
    with_passkey(&auth, &grace, &mut graces, "grace's").await;
    with_passkey(&auth, &alan, &mut alans, "alan's").await;

    // A registration started for Grace cannot be finished for Alan.
    let challenge = auth.start_passkey_registration(&grace).await.unwrap();
    let answer = create(&mut SoftPasskey::new(true), &challenge.options);
    let crossed = auth.finish_passkey_registration(&alan, &challenge.state, &answer, "x", None).await;
    assert!(matches!(crossed, Err(Error::LoginExpired)), "{crossed:?}");

    // Grace's second step cannot be answered with Alan's passkey, nor with Alan's challenge.
    let graces_login = pending(&auth, "grace").await;
    let alans_login = pending(&auth, "alan").await;
    let alans_challenge = auth.start_passkey_second_factor(&alans_login).await.unwrap();
    let alans_answer = get(&mut alans, &alans_challenge.options);
    let client = LoginClient::default();
    let wrong_state = auth.finish_passkey_second_factor(&graces_login, &alans_challenge.state, &alans_answer, &client);
    assert!(matches!(wrong_state.await, Err(Error::LoginExpired)));
    let graces_challenge = auth.start_passkey_second_factor(&graces_login).await.unwrap();
    let wrong_key = auth
        .finish_passkey_second_factor(&graces_login, &graces_challenge.state, &alans_answer, &LoginClient::default())
        .await;
    assert!(matches!(wrong_key, Err(Error::InvalidCredentials)), "{wrong_key:?}");
    let garbage = auth
        .finish_passkey_second_factor(
            &graces_login,
            &graces_challenge.state,
            &serde_json::json!({"id": "x"}),
            &LoginClient::default(),
        )
        .await;
    assert!(matches!(garbage, Err(Error::InvalidCredentials)), "{garbage:?}");
}

#[tokio::test]
async fn one_passkey_cannot_be_registered_twice_and_is_removed_by_its_owner() {
    let store = MemoryStore::new();
    let inbox = Arc::new(Inbox::default());
    let auth = auth(&store, &inbox);
    let grace = register(&auth, "grace").await;
    let mut key = SoftPasskey::new(true);
    with_passkey(&auth, &grace, &mut key, "key").await;
    let challenge = auth.start_passkey_registration(&grace).await.unwrap();
    let excluded = challenge.options.pointer("/publicKey/excludeCredentials").and_then(|v| v.as_array()).unwrap();
    assert_eq!(excluded.len(), 1, "the browser is told which passkey the customer has already");

    let credential_id = auth.passkeys(grace.id).await.unwrap()[0].credential_id.clone();
    let alan = register(&auth, "alan").await;
    assert!(!auth.remove_passkey(&alan, &credential_id, None).await.unwrap(), "not Alan's to remove");
    assert!(auth.remove_passkey(&grace, &credential_id, None).await.unwrap());
    assert!(store.find_passkey(&credential_id).await.unwrap().is_none());
    assert!(!auth.second_factors(grace.id).await.unwrap().any(), "the password alone logs in again");
    let sent = notices(&inbox, 2).await;
    assert_eq!(sent, ["A passkey was added to your account", "A passkey was removed from your account"]);
}

#[tokio::test]
async fn a_relying_party_that_does_not_fit_its_origin_is_a_config_error() {
    let store = MemoryStore::new();
    let bad = PasskeyConfig { rp_id: "other.example".into(), origin: ORIGIN.into(), rp_name: "Shop".into() };
    let refused = Auth::new(Arc::new(store.clone())).with_passkeys(Arc::new(store.clone()), &bad);
    assert!(matches!(refused, Err(Error::Config(_))));
    let not_a_url = PasskeyConfig { origin: "shop".into(), ..config() };
    assert!(matches!(
        Auth::new(Arc::new(store.clone())).with_passkeys(Arc::new(store), &not_a_url),
        Err(Error::Config(_))
    ));
}
