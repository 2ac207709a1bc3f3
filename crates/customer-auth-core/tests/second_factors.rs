//! Second factors through `Auth`: enrolment, the two-step login with TOTP and recovery codes,
//! replays refused, wrong codes counted against the budgets, pending logins that expire or
//! outlive an account change, the changes of a factor ending other sessions with a notice, and
//! the fresh proof for sensitive changes.
//!
//! TOTP codes are made for the step of the test's start (`t0`) and the one after: with one step
//! of skew both are accepted for the whole of a test that takes under 30 s, wherever the clock
//! crosses a step boundary, so no test waits for the clock.

// Tests state their expectations with unwrap and panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use customer_auth_core::{
    Auth, ClientBudget, Customer, Email, Error, FactorKey, LoginClient, LoginStep, Mailer, MemoryStore, Password,
    PasswordHasher, PendingLogin, Principal, Registration, SecondFactorStore, SessionId, SessionRecord, SessionStore,
    Timestamp, TotpEnrolment, totp_code,
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

struct Fixture {
    store: MemoryStore,
    auth: Auth,
    inbox: Arc<Inbox>,
    t0: Timestamp,
}

fn fixture() -> Fixture {
    let store = MemoryStore::new();
    let inbox = Arc::new(Inbox::default());
    let auth = Auth::new(Arc::new(store.clone()))
        .with_sessions(Arc::new(store.clone()))
        .with_hasher(PasswordHasher::new(4).unwrap())
        .with_mailer(inbox.clone(), "https://shop.example")
        .with_second_factors(Arc::new(store.clone()), FactorKey::generate().unwrap());
    Fixture { store, auth, inbox, t0: Timestamp::now() }
}

impl Fixture {
    async fn register(&self, username: &str) -> Customer {
        self.auth
            .register(Registration {
                first_name: "Grace".into(),
                last_name: "Hopper".into(),
                email: format!("{username}@example.com"),
                username: username.into(),
                password: Password::new(PASSWORD),
                confirm_password: Password::new(PASSWORD),
            })
            .await
            .unwrap()
    }

    /// The code of the step `steps` after the test's start.
    fn code(&self, enrolment: &TotpEnrolment, steps: i64) -> String {
        totp_code(&enrolment.secret_base32, self.t0.plus(Duration::from_secs(30 * steps as u64))).unwrap()
    }

    /// `username` with an authenticator app confirmed by the code of step `t0`, and their
    /// recovery codes.
    async fn enrolled(&self, username: &str) -> (Customer, TotpEnrolment, Vec<String>) {
        let customer = self.register(username).await;
        let enrolment = self.auth.start_totp(&customer, "Camera Store").await.unwrap();
        let codes =
            self.auth.confirm_totp(&customer, &enrolment.sealed, &self.code(&enrolment, 0), None).await.unwrap();
        (customer, enrolment, codes.codes().to_vec())
    }

    async fn pending(&self, username: &str) -> PendingLogin {
        match self.auth.log_in(username, &Password::new(PASSWORD), &LoginClient::default()).await.unwrap() {
            LoginStep::SecondFactor(pending) => pending,
            LoginStep::Complete(_) => panic!("{username} logged in without a second factor"),
        }
    }

    async fn live_session(&self, customer: &Customer) -> SessionId {
        let id = SessionId::generate().unwrap();
        let mut record = SessionRecord::new(Timestamp::now(), Duration::from_secs(600), Duration::from_secs(3600));
        record.principal = Some(Principal::of(customer));
        self.store.create_session(&id.key(), &record).await.unwrap();
        id
    }

    async fn mail_to(&self, address: &str, subject: &str) -> bool {
        for _ in 0..200 {
            let found = self.inbox.0.lock().unwrap().iter().any(|mail| mail.to == address && mail.subject == subject);
            if found {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        false
    }
}

#[tokio::test]
async fn without_a_factor_the_login_is_one_step() {
    let f = fixture();
    let grace = f.register("grace").await;
    let step = f.auth.log_in("grace", &Password::new(PASSWORD), &LoginClient::default()).await.unwrap();
    assert!(matches!(step, LoginStep::Complete(customer) if customer.id == grace.id));
    let wrong = f.auth.log_in("grace", &Password::new("not it at all"), &LoginClient::default()).await;
    assert!(matches!(wrong, Err(Error::InvalidCredentials)));
}

#[tokio::test]
async fn a_totp_code_completes_the_login_once() {
    let f = fixture();
    let (grace, enrolment, _) = f.enrolled("grace").await;
    let pending = f.pending("grace").await;
    assert_eq!(pending.customer_id, grace.id);
    let confirming = f.code(&enrolment, 0);
    let replay = f.auth.complete_login(&pending, &confirming, &LoginClient::default()).await;
    assert!(matches!(replay, Err(Error::InvalidCode)), "the code that confirmed the app is spent: {replay:?}");
    let next = f.code(&enrolment, 1);
    let login = f.auth.complete_login(&pending, &next, &LoginClient::default()).await.unwrap();
    assert_eq!((login.customer.id, login.recovery_codes_left), (grace.id, None));
    let again = f.auth.complete_login(&pending, &next, &LoginClient::default()).await;
    assert!(matches!(again, Err(Error::InvalidCode)), "a code works once (ASVS 6.5.1): {again:?}");
    for garbage in ["", "000000", "12345", "not a code", "ABCD-EFGH-IJKL-MNOP"] {
        let refused = f.auth.complete_login(&pending, garbage, &LoginClient::default()).await;
        assert!(matches!(refused, Err(Error::InvalidCode)), "{garbage:?}: {refused:?}");
    }
}

#[tokio::test]
async fn a_recovery_code_works_once_and_says_how_many_are_left() {
    let f = fixture();
    let (grace, _, codes) = f.enrolled("grace").await;
    assert_eq!(codes.len(), 10);
    let pending = f.pending("grace").await;
    let login = f.auth.complete_login(&pending, &codes[0].to_lowercase(), &LoginClient::default()).await.unwrap();
    assert_eq!((login.customer.id, login.recovery_codes_left), (grace.id, Some(9)));
    let spent = f.auth.complete_login(&pending, &codes[0], &LoginClient::default()).await;
    assert!(matches!(spent, Err(Error::InvalidCode)));
    assert_eq!(f.auth.second_factors(grace.id).await.unwrap().recovery_codes_left, 9);
}

#[tokio::test]
async fn wrong_codes_spend_the_clients_budget_like_wrong_passwords() {
    let f = fixture();
    let auth = f.auth.clone().with_client_budget(ClientBudget { failures: 3, window: Duration::from_secs(900) });
    let (_, enrolment, codes) = f.enrolled("grace").await;
    let pending = f.pending("grace").await;
    let thief = LoginClient { address: Some("203.0.113.9".parse().unwrap()), device_cookie: None };
    for _ in 0..3 {
        let wrong = auth.complete_login(&pending, "000000", &thief).await;
        assert!(matches!(wrong, Err(Error::InvalidCode)), "{wrong:?}");
    }
    let locked = auth.complete_login(&pending, &f.code(&enrolment, 1), &thief).await;
    assert!(matches!(locked, Err(Error::TemporarilyLocked)), "a right code past the budget: {locked:?}");
    let locked = auth.complete_login(&pending, &codes[0], &thief).await;
    assert!(matches!(locked, Err(Error::TemporarilyLocked)), "a recovery code past the budget: {locked:?}");
    let owner = LoginClient { address: Some("198.51.100.4".parse().unwrap()), device_cookie: None };
    assert!(auth.complete_login(&pending, &f.code(&enrolment, 1), &owner).await.is_ok(), "other clients keep theirs");
}

#[tokio::test]
async fn a_pending_login_ends_with_its_deadline_or_an_account_change() {
    let f = fixture();
    let (grace, _, codes) = f.enrolled("grace").await;
    let pending = f.pending("grace").await;
    assert!(pending.expires_at > Timestamp::now().plus(Duration::from_secs(290)), "five minutes");
    let late = PendingLogin { expires_at: Timestamp::now().minus(Duration::from_secs(1)), ..pending.clone() };
    let expired = f.auth.complete_login(&late, &codes[0], &LoginClient::default()).await;
    assert!(matches!(expired, Err(Error::LoginExpired)), "{expired:?}");

    let new_password = Password::new("a brand new passphrase");
    f.auth.change_password(grace.id, &Password::new(PASSWORD), &new_password, &new_password).await.unwrap();
    let stale = f.auth.complete_login(&pending, &codes[1], &LoginClient::default()).await;
    assert!(matches!(stale, Err(Error::LoginExpired)), "the password changed since: {stale:?}");
    assert_eq!(f.auth.second_factors(grace.id).await.unwrap().recovery_codes_left, 10, "no code was spent");
}

#[tokio::test]
async fn enrolment_needs_a_right_code_and_seals_the_secret() {
    let f = fixture();
    let grace = f.register("grace").await;
    let enrolment = f.auth.start_totp(&grace, "Camera Store").await.unwrap();
    let wrong = f.auth.confirm_totp(&grace, &enrolment.sealed, "000000", None).await;
    assert!(matches!(wrong, Err(Error::InvalidCode)));
    assert!(!f.auth.second_factors(grace.id).await.unwrap().any(), "nothing stored without a right code");
    let forged = f.auth.confirm_totp(&grace, "bm90IGEgc2VhbGVkIHNlY3JldA", &f.code(&enrolment, 0), None).await;
    assert!(matches!(forged, Err(Error::InvalidToken)), "a sealed secret of our own key only: {forged:?}");
    f.auth.confirm_totp(&grace, &enrolment.sealed, &f.code(&enrolment, 0), None).await.unwrap();
    let stored = f.store.totp(grace.id).await.unwrap().unwrap();
    let secret = base32_decode(&enrolment.secret_base32);
    assert!(!stored.sealed_secret.windows(secret.len()).any(|window| window == secret), "the store holds it sealed");
    assert!(f.auth.start_totp(&grace, "Camera Store").await.is_err(), "one app at a time");
}

#[tokio::test]
async fn changing_a_factor_ends_other_sessions_and_tells_the_customer() {
    let f = fixture();
    let grace = f.register("grace").await;
    let (here, elsewhere) = (f.live_session(&grace).await, f.live_session(&grace).await);
    let enrolment = f.auth.start_totp(&grace, "Camera Store").await.unwrap();
    let first =
        f.auth.confirm_totp(&grace, &enrolment.sealed, &f.code(&enrolment, 0), Some(&here.key())).await.unwrap();
    assert!(f.store.load_session(&here.key()).await.unwrap().is_some(), "the session asking stays");
    assert!(f.store.load_session(&elsewhere.key()).await.unwrap().is_none(), "the others end");
    assert!(f.mail_to("grace@example.com", "An authenticator app was added to your account").await);

    let elsewhere = f.live_session(&grace).await;
    let second = f.auth.regenerate_recovery_codes(&grace, Some(&here.key())).await.unwrap();
    assert_ne!(first, second);
    assert!(f.store.load_session(&elsewhere.key()).await.unwrap().is_none());
    assert!(f.mail_to("grace@example.com", "New recovery codes were made for your account").await);
    let pending = f.pending("grace").await;
    let old = f.auth.complete_login(&pending, &first.codes()[0], &LoginClient::default()).await;
    assert!(matches!(old, Err(Error::InvalidCode)), "old codes stop working");

    assert!(f.auth.remove_totp(&grace, Some(&here.key())).await.unwrap());
    assert!(f.mail_to("grace@example.com", "The authenticator app was removed from your account").await);
    assert_eq!(f.auth.second_factors(grace.id).await.unwrap().recovery_codes_left, 0);
    let one_step = f.auth.log_in("grace", &Password::new(PASSWORD), &LoginClient::default()).await.unwrap();
    assert!(matches!(one_step, LoginStep::Complete(_)), "one step again");
}

#[tokio::test]
async fn a_fresh_proof_is_the_password_or_a_code() {
    let f = fixture();
    let plain = f.register("ada").await;
    f.auth.confirm_identity(&plain, PASSWORD).await.unwrap();
    let wrong = f.auth.confirm_identity(&plain, "123456").await;
    assert!(matches!(wrong, Err(Error::InvalidCredentials)), "without a factor a code is just a wrong password");

    let (grace, enrolment, codes) = f.enrolled("grace").await;
    f.auth.confirm_identity(&grace, PASSWORD).await.unwrap();
    f.auth.confirm_identity(&grace, &f.code(&enrolment, 1)).await.unwrap();
    let replay = f.auth.confirm_identity(&grace, &f.code(&enrolment, 1)).await;
    assert!(matches!(replay, Err(Error::InvalidCredentials)), "{replay:?}");
    f.auth.confirm_identity(&grace, &codes[2]).await.unwrap();
    assert_eq!(f.auth.second_factors(grace.id).await.unwrap().recovery_codes_left, 9);
}

fn base32_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut bits, mut value, mut out) = (0, 0u32, Vec::new());
    for c in text.bytes().filter(|c| *c != b'=') {
        value = (value << 5) | ALPHABET.iter().position(|a| *a == c).unwrap() as u32;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((value >> bits) as u8);
        }
    }
    out
}
