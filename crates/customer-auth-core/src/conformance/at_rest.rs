//! The at-rest check: what a store writes must never hold a password, a session id or a token,
//! in any form. The store's own test plants the data with [`plant`], dumps everything its backend
//! holds (every column of every row, or every key name and value) and hands the dump to
//! [`Planted::check`]; only the dump is backend-specific.

use std::sync::Arc;
use std::time::Duration;

use super::{Failure, Step as _, ensure, unique};
use crate::{
    Auth, Customer, CustomerStore, Password, PasswordHasher, Registration, SessionId, SessionStore, Timestamp, Token,
    TokenPurpose, TokenRecord, secret_bytes,
};

const CHECK: &str = "at_rest";

/// What [`plant`] stored: a customer registered with a known password, three of their sessions
/// (one saved back anonymous) and a token of each purpose.
pub struct Planted {
    password: String,
    customer: Customer,
    session_ids: Vec<SessionId>,
    tokens: Vec<Token>,
}

impl std::fmt::Debug for Planted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Planted").field("customer", &self.customer.id).finish_non_exhaustive()
    }
}

/// Stores the secrets that [`Planted::check`] then looks for.
pub async fn plant(customers: Arc<dyn CustomerStore>, sessions: Arc<dyn SessionStore>) -> Result<Planted, Failure> {
    let password = format!("correct horse battery {}", unique());
    let hasher = PasswordHasher::new(4).step(CHECK, "PasswordHasher::new")?;
    let auth = Auth::new(customers.clone()).with_hasher(hasher);
    let tag = format!("rest{}", unique());
    let customer = auth
        .register(Registration {
            first_name: "Grace".into(),
            last_name: "Hopper".into(),
            email: format!("{tag}@example.com"),
            username: tag,
            password: Password::new(password.as_str()),
            confirm_password: Password::new(password.as_str()),
        })
        .await
        .step(CHECK, "register")?;
    let mut session_ids = Vec::new();
    for _ in 0..3 {
        let id = SessionId::generate().step(CHECK, "SessionId::generate")?;
        sessions
            .create_session(&id.key(), &super::fixtures::session(Some(&customer)))
            .await
            .step(CHECK, "create_session")?;
        session_ids.push(id);
    }
    if let Some(first) = session_ids.first() {
        sessions.save_session(&first.key(), &super::fixtures::session(None)).await.step(CHECK, "save_session")?;
    }
    let mut tokens = Vec::new();
    for purpose in TokenPurpose::ALL {
        let token = Token::generate().step(CHECK, "Token::generate")?;
        let expires_at = Timestamp::now().plus(Duration::from_secs(3600));
        let record = TokenRecord { key: token.key(), purpose, customer_id: customer.id, expires_at };
        customers.create_token(&record).await.step(CHECK, "create_token")?;
        tokens.push(token);
    }
    Ok(Planted { password, customer, session_ids, tokens })
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|window| window == needle)
}

/// True when some value holds `bytes` raw or as lowercase hex.
fn holds(dump: &[Vec<u8>], bytes: &[u8]) -> bool {
    let hex = secret_bytes::to_hex(bytes);
    dump.iter().any(|value| contains(value, bytes) || contains(value, hex.as_bytes()))
}

impl Planted {
    /// Checks a dump of everything the store holds (values and, for key-value stores, key names).
    ///
    /// It must show the password hash and every session and token key (raw or as hex), or the
    /// dump saw nothing and proves nothing; and it must show no password, session id or token,
    /// whether in cookie or link form, raw, or as hex.
    pub fn check(&self, dump: &[Vec<u8>]) -> Result<(), Failure> {
        let hash = self.customer.password_hash.as_str().as_bytes();
        ensure!(CHECK, dump.iter().any(|value| contains(value, hash)), "the dump does not show the password hash");
        for id in &self.session_ids {
            ensure!(CHECK, holds(dump, id.key().as_bytes()), "the dump does not show a session key");
        }
        for token in &self.tokens {
            ensure!(CHECK, holds(dump, token.key().as_bytes()), "the dump does not show a token key");
        }
        let mut needles: Vec<(String, Vec<u8>)> = vec![("the password".into(), self.password.clone().into_bytes())];
        let secrets = self
            .session_ids
            .iter()
            .map(|id| ("session id", id.to_cookie_value()))
            .chain(self.tokens.iter().map(|token| ("token", token.as_str().to_owned())));
        for (n, (what, text)) in secrets.enumerate() {
            if let Some(raw) = secret_bytes::decode(&text) {
                needles.push((format!("{what} #{n} raw"), raw.to_vec()));
                needles.push((format!("{what} #{n} as hex"), secret_bytes::to_hex(&raw).into_bytes()));
            }
            needles.push((format!("{what} #{n} as sent"), text.into_bytes()));
        }
        for (what, needle) in &needles {
            ensure!(CHECK, !dump.iter().any(|value| contains(value, needle)), "{what} is stored in the backend");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryStore;

    #[tokio::test]
    async fn the_check_needs_a_real_dump_and_catches_a_stored_secret() {
        let store = Arc::new(MemoryStore::new());
        let planted = plant(store.clone(), store).await.unwrap();
        let mut dump = vec![planted.customer.password_hash.as_str().as_bytes().to_vec()];
        dump.extend(planted.session_ids.iter().map(|id| id.key().as_bytes().to_vec()));
        dump.extend(planted.tokens.iter().map(|token| token.key().to_hex().into_bytes()));
        planted.check(&dump).unwrap();

        assert!(planted.check(&[]).is_err(), "an empty dump proves nothing");
        let mut leaky = dump.clone();
        leaky.push(format!("id={}", planted.session_ids[1].to_cookie_value()).into_bytes());
        assert!(planted.check(&leaky).is_err(), "a session id in cookie form must be caught");
        let mut leaky = dump;
        leaky.push(planted.password.clone().into_bytes());
        assert!(planted.check(&leaky).is_err(), "the password must be caught");
    }
}
