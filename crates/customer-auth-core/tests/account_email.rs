//! Password reset and email confirmation through `Auth`, with a mailer that keeps what it is
//! given.

// Tests state their expectations with unwrap and panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use customer_auth_core::{
    Auth, Customer, CustomerStore, Email, Error, LockoutPolicy, Mailer, MemoryStore, Password, PasswordHasher,
    Principal, Registration, SessionId, SessionRecord, SessionStore, Timestamp, Token, TokenPurpose, TokenRecord,
};

const PASSWORD: &str = "correct horse battery";
const NEW_PASSWORD: &str = "a brand new passphrase";

#[derive(Debug, Default)]
struct Inbox(Mutex<Vec<Email>>);

#[async_trait]
impl Mailer for Inbox {
    async fn send(&self, email: &Email) -> customer_auth_core::Result<()> {
        self.0.lock().unwrap().push(email.clone());
        Ok(())
    }
}

impl Inbox {
    /// The token of the newest link under `path` sent so far, waiting a little for mail that
    /// goes out in the background.
    async fn link(&self, path: &str) -> String {
        for _ in 0..200 {
            let found = self.0.lock().unwrap().iter().rev().find_map(|email| {
                email
                    .body
                    .split_whitespace()
                    .find_map(|word| word.split_once(&format!("/{path}/")).map(|(_, t)| t.to_owned()))
            });
            if let Some(token) = found {
                return token;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("no /{path}/ link was mailed");
    }

    fn count(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

fn auth(store: &MemoryStore, inbox: &Arc<Inbox>) -> Auth {
    Auth::new(Arc::new(store.clone()))
        .with_sessions(Arc::new(store.clone()))
        .with_hasher(PasswordHasher::new(4).unwrap())
        .with_mailer(inbox.clone(), "https://shop.example/")
}

fn form() -> Registration {
    Registration {
        first_name: "Grace".into(),
        last_name: "Hopper".into(),
        email: "grace@example.com".into(),
        username: "grace".into(),
        password: Password::new(PASSWORD),
        confirm_password: Password::new(PASSWORD),
    }
}

async fn live_session(store: &MemoryStore, customer: &Customer) -> SessionId {
    let id = SessionId::generate().unwrap();
    let mut record = SessionRecord::new(Timestamp::now(), Duration::from_secs(600), Duration::from_secs(3600));
    record.principal = Some(Principal::of(customer));
    store.create_session(&id.key(), &record).await.unwrap();
    id
}

#[tokio::test]
async fn a_reset_link_works_once_ends_sessions_and_lifts_a_lock() {
    let store = MemoryStore::new();
    let inbox = Arc::new(Inbox::default());
    let auth = auth(&store, &inbox).with_lockout(LockoutPolicy { threshold: 1, ..LockoutPolicy::default() });
    let grace = auth.register(form()).await.unwrap();
    let session = live_session(&store, &grace).await;
    let _ = auth.authenticate("grace", &Password::new("wrong guess")).await;

    auth.request_password_reset("GRACE@example.com").await.unwrap();
    let token = inbox.link("reset").await;
    assert!(inbox.0.lock().unwrap()[0].body.contains("https://shop.example/reset/"), "links use the base URL");

    let new = Password::new(NEW_PASSWORD);
    let weak = Password::new("password");
    assert!(matches!(auth.reset_password(&token, &weak, &weak).await, Err(Error::Validation(_))));
    let reset = auth.reset_password(&token, &new, &new).await.unwrap();
    assert_eq!(reset.id, grace.id, "a rejected password did not spend the link");
    assert!(store.load_session(&session.key()).await.unwrap().is_none(), "every session ends");
    assert!(matches!(auth.reset_password(&token, &new, &new).await, Err(Error::InvalidToken)), "single use");
    assert_eq!(auth.authenticate("grace", &new).await.unwrap().id, grace.id, "the lock is lifted");
    assert!(matches!(auth.authenticate("grace", &Password::new(PASSWORD)).await, Err(Error::InvalidCredentials)));
}

/// People type what they log in with: a username on the "forgot" form finds its account too.
#[tokio::test]
async fn a_reset_can_be_asked_for_by_username() {
    let store = MemoryStore::new();
    let inbox = Arc::new(Inbox::default());
    let auth = auth(&store, &inbox);
    let grace = auth.register(form()).await.unwrap();
    auth.request_password_reset("Grace").await.unwrap();
    let token = inbox.link("reset").await;
    let new = Password::new(NEW_PASSWORD);
    assert_eq!(auth.reset_password(&token, &new, &new).await.unwrap().id, grace.id);
}

#[tokio::test]
async fn unknown_emails_expired_and_garbage_links_give_nothing_away() {
    let store = MemoryStore::new();
    let inbox = Arc::new(Inbox::default());
    let auth = auth(&store, &inbox);
    let grace = auth.register(form()).await.unwrap();

    auth.request_password_reset("nobody@example.com").await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(inbox.count(), 0, "no mail for an address nobody has");

    let expired = Token::generate().unwrap();
    store
        .create_token(&TokenRecord {
            key: expired.key(),
            purpose: TokenPurpose::PasswordReset,
            customer_id: grace.id,
            expires_at: Timestamp::now().minus(Duration::from_secs(1)),
        })
        .await
        .unwrap();
    let new = Password::new(NEW_PASSWORD);
    assert!(matches!(auth.reset_password(expired.as_str(), &new, &new).await, Err(Error::InvalidToken)));
    for garbage in ["", "short", "../../etc/passwd", &"A".repeat(10_000), "\0"] {
        assert!(matches!(auth.reset_password(garbage, &new, &new).await, Err(Error::InvalidToken)), "{garbage:?}");
        assert!(matches!(auth.confirm_email(garbage).await, Err(Error::InvalidToken)));
    }
    // A confirmation token is no reset token.
    let confirmation = Token::generate().unwrap();
    store
        .create_token(&TokenRecord {
            key: confirmation.key(),
            purpose: TokenPurpose::EmailConfirmation,
            customer_id: grace.id,
            expires_at: Timestamp::now().plus(Duration::from_secs(60)),
        })
        .await
        .unwrap();
    assert!(matches!(auth.reset_password(confirmation.as_str(), &new, &new).await, Err(Error::InvalidToken)));
}

#[tokio::test]
async fn with_confirmation_required_a_login_waits_for_the_link() {
    let store = MemoryStore::new();
    let inbox = Arc::new(Inbox::default());
    let auth = auth(&store, &inbox).with_email_confirmation(true);
    let grace = auth.register(form()).await.unwrap();
    let token = inbox.link("confirm").await;

    let password = Password::new(PASSWORD);
    assert!(matches!(auth.authenticate("grace", &password).await, Err(Error::EmailNotConfirmed)));
    assert!(
        matches!(auth.authenticate("grace", &Password::new("wrong guess")).await, Err(Error::InvalidCredentials)),
        "only the right password learns that the address waits for confirmation"
    );

    auth.resend_confirmation("grace").await.unwrap();
    for _ in 0..200 {
        if inbox.count() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let fresh = inbox.link("confirm").await;
    assert_ne!(fresh, token);
    assert!(matches!(auth.confirm_email(&token).await, Err(Error::InvalidToken)), "a new link replaces the old");

    let confirmed = auth.confirm_email(&fresh).await.unwrap();
    assert_eq!(confirmed.id, grace.id);
    assert!(confirmed.email_confirmed_at.is_some());
    assert_eq!(auth.authenticate("grace", &password).await.unwrap().id, grace.id);

    let sent = inbox.count();
    auth.resend_confirmation("grace").await.unwrap();
    auth.resend_confirmation("nobody").await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(inbox.count(), sent, "nothing to resend to a confirmed or unknown customer");
}

#[tokio::test]
async fn without_a_mailer_email_flows_say_how_to_configure() {
    let store = MemoryStore::new();
    let auth = Auth::new(Arc::new(store.clone())).with_hasher(PasswordHasher::new(4).unwrap());
    match auth.request_password_reset("grace@example.com").await {
        Err(Error::Config(message)) => assert!(message.contains("with_mailer"), "{message}"),
        other => panic!("expected a configuration error, got {other:?}"),
    }
}
