//! Paranoid registration: a taken email answers as a success does and its owner is mailed,
//! so the registration form no longer tells who has an account (security finding 8).

// Tests state their expectations with unwrap and panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use customer_auth_core::{
    Auth, CustomerStore, Email, Error, Mailer, MemoryStore, Password, PasswordHasher, Registered, Registration,
};

const PASSWORD: &str = "correct horse battery";

#[derive(Debug, Default)]
struct Inbox(Mutex<Vec<Email>>);

#[async_trait]
impl Mailer for Inbox {
    async fn send(&self, email: &Email) -> customer_auth_core::Result<()> {
        self.0.lock().unwrap().push(email.clone());
        Ok(())
    }
}

fn form(username: &str, email: &str) -> Registration {
    Registration {
        first_name: "Ada".into(),
        last_name: "Lovelace".into(),
        email: email.into(),
        username: username.into(),
        password: Password::new(PASSWORD),
        confirm_password: Password::new(PASSWORD),
    }
}

fn auth(store: &MemoryStore, inbox: &Arc<Inbox>, paranoid: bool) -> Auth {
    Auth::new(Arc::new(store.clone()))
        .with_hasher(PasswordHasher::new(4).unwrap())
        .with_mailer(inbox.clone(), "https://shop.example")
        .with_email_confirmation(true)
        .with_paranoid_registration(paranoid)
}

#[tokio::test]
async fn a_taken_email_answers_as_a_success_and_mails_its_owner() {
    let (store, inbox) = (MemoryStore::new(), Arc::new(Inbox::default()));
    let auth = auth(&store, &inbox, true);
    let Registered::Created(owner) = auth.sign_up(form("ada", "ada@example.com")).await.unwrap() else {
        panic!("a fresh registration is created");
    };
    let mailed_before = inbox.0.lock().unwrap().len();

    let answer = auth.sign_up(form("mallory", "ADA@example.com")).await.unwrap();
    assert!(matches!(answer, Registered::OwnerNotified), "{answer:?}");
    assert!(store.find_customer_by_username("mallory").await.unwrap().is_none(), "nothing is stored");
    assert_eq!(store.find_customer_by_email("ada@example.com").await.unwrap().unwrap().id, owner.id);
    let mail = inbox.0.lock().unwrap();
    assert_eq!(mail.len(), mailed_before + 1, "exactly one mail, to the owner");
    let notice = mail.last().unwrap();
    assert_eq!(notice.to, "ada@example.com");
    assert!(notice.subject.contains("tried to register"), "{}", notice.subject);
    assert!(notice.body.contains("https://shop.example/forgot"), "{}", notice.body);
    assert!(!notice.body.contains("/confirm/"), "the owner gets no confirmation link: {}", notice.body);
}

#[tokio::test]
async fn without_the_setting_a_taken_email_is_reported() {
    let (store, inbox) = (MemoryStore::new(), Arc::new(Inbox::default()));
    let auth = auth(&store, &inbox, false);
    assert!(matches!(auth.sign_up(form("ada", "ada@example.com")).await.unwrap(), Registered::Created(_)));
    let answer = auth.sign_up(form("mallory", "ada@example.com")).await;
    assert!(matches!(answer, Err(Error::DuplicateEmail)), "{answer:?}");
}

#[tokio::test]
async fn a_taken_username_is_still_reported_and_register_stays_plain() {
    let (store, inbox) = (MemoryStore::new(), Arc::new(Inbox::default()));
    let auth = auth(&store, &inbox, true);
    assert!(matches!(auth.sign_up(form("ada", "ada@example.com")).await.unwrap(), Registered::Created(_)));
    let answer = auth.sign_up(form("ADA", "other@example.com")).await;
    assert!(matches!(answer, Err(Error::DuplicateUsername)), "{answer:?}");
    // `register` (the admin tools' way in) reports a taken email whatever the setting.
    let answer = auth.register(form("other", "ada@example.com")).await;
    assert!(matches!(answer, Err(Error::DuplicateEmail)), "{answer:?}");
}
