use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use async_trait::async_trait;

mod factors;
mod passkeys;

use crate::{
    AttemptKey, Customer, CustomerId, CustomerStore, Error, FailedLogin, LockoutPolicy, PasswordHash, Result,
    SessionKey, SessionRecord, SessionStore, Timestamp, TokenKey, TokenPurpose, TokenRecord, email_key, username_key,
};

/// How often session creation also sweeps out expired sessions, so a memory store that is
/// never asked to purge still does not grow without bound.
const SWEEP_INTERVAL: Duration = Duration::from_secs(60);

/// Customers and sessions in memory, for tests and demos. Everything is lost when the process
/// ends, and it cannot be shared between app instances. Cheap to clone: clones share the data.
#[derive(Clone, Default)]
pub struct MemoryStore {
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    customers: HashMap<CustomerId, Customer>,
    by_username: HashMap<String, CustomerId>,
    by_email: HashMap<String, CustomerId>,
    sessions: HashMap<SessionKey, SessionRecord>,
    tokens: HashMap<TokenKey, TokenRecord>,
    /// Failed logins per client and account: the count and when its window ends.
    attempts: HashMap<AttemptKey, (u32, Timestamp)>,
    next_sweep: Option<Timestamp>,
    /// Second factors, by customer.
    factors: HashMap<CustomerId, factors::Factors>,
    /// Passkeys, in the order they were added.
    passkeys: Vec<crate::PasskeyRecord>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // No code path panics while holding the lock, so a poisoned lock still holds
        // consistent data.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.state();
        f.debug_struct("MemoryStore")
            .field("customers", &state.customers.len())
            .field("sessions", &state.sessions.len())
            .field("tokens", &state.tokens.len())
            .finish()
    }
}

impl State {
    fn customer_mut(&mut self, id: CustomerId) -> Result<&mut Customer> {
        self.customers.get_mut(&id).ok_or(Error::NotFound)
    }

    fn lookup(&self, index: &HashMap<String, CustomerId>, key: &str) -> Option<Customer> {
        index.get(key).and_then(|id| self.customers.get(id)).cloned()
    }

    /// Removes expired sessions and tokens; returns how many sessions.
    fn sweep(&mut self, now: Timestamp) -> u64 {
        self.tokens.retain(|_, token| !token.is_expired(now));
        self.attempts.retain(|_, (_, ends)| *ends > now);
        let before = self.sessions.len();
        self.sessions.retain(|_, record| !record.is_expired(now));
        self.next_sweep = Some(now.plus(SWEEP_INTERVAL));
        (before - self.sessions.len()) as u64
    }
}

#[async_trait]
impl CustomerStore for MemoryStore {
    async fn create_customer(&self, customer: &Customer) -> Result<()> {
        let mut state = self.state();
        let (username, email) = (customer.username_key(), customer.email_key());
        if state.by_username.contains_key(&username) {
            return Err(Error::DuplicateUsername);
        }
        if state.by_email.contains_key(&email) {
            return Err(Error::DuplicateEmail);
        }
        state.by_username.insert(username, customer.id);
        state.by_email.insert(email, customer.id);
        state.customers.insert(customer.id, customer.clone());
        Ok(())
    }

    async fn find_customer(&self, id: CustomerId) -> Result<Option<Customer>> {
        Ok(self.state().customers.get(&id).cloned())
    }

    async fn find_customer_by_username(&self, username: &str) -> Result<Option<Customer>> {
        let state = self.state();
        Ok(state.lookup(&state.by_username, &username_key(username)))
    }

    async fn find_customer_by_email(&self, email: &str) -> Result<Option<Customer>> {
        let state = self.state();
        Ok(state.lookup(&state.by_email, &email_key(email)))
    }

    async fn list_customers(&self, after: Option<CustomerId>, limit: u32) -> Result<Vec<Customer>> {
        let state = self.state();
        let mut page: Vec<&Customer> =
            state.customers.values().filter(|customer| after.is_none_or(|after| customer.id > after)).collect();
        page.sort_unstable_by_key(|customer| customer.id);
        Ok(page.into_iter().take(limit as usize).cloned().collect())
    }

    async fn update_customer(&self, customer: &Customer) -> Result<()> {
        let mut guard = self.state();
        let state = &mut *guard;
        let old = state.customers.get(&customer.id).ok_or(Error::NotFound)?;
        let (old_username, old_email) = (old.username_key(), old.email_key());
        let (username, email) = (customer.username_key(), customer.email_key());
        if state.by_username.get(&username).is_some_and(|owner| *owner != customer.id) {
            return Err(Error::DuplicateUsername);
        }
        if state.by_email.get(&email).is_some_and(|owner| *owner != customer.id) {
            return Err(Error::DuplicateEmail);
        }
        state.by_username.remove(&old_username);
        state.by_email.remove(&old_email);
        state.by_username.insert(username, customer.id);
        state.by_email.insert(email, customer.id);
        let stored = state.customer_mut(customer.id)?;
        let kept = (
            stored.password_hash.clone(),
            stored.failed_logins,
            stored.locked_until,
            stored.email_confirmed_at,
            stored.security_stamp,
            stored.created_at,
        );
        *stored = customer.clone();
        (
            stored.password_hash,
            stored.failed_logins,
            stored.locked_until,
            stored.email_confirmed_at,
            stored.security_stamp,
            stored.created_at,
        ) = kept;
        stored.updated_at = Timestamp::now();
        Ok(())
    }

    async fn set_password_hash(&self, id: CustomerId, hash: &PasswordHash, at: Timestamp) -> Result<()> {
        let mut state = self.state();
        let customer = state.customer_mut(id)?;
        customer.password_hash = hash.clone();
        customer.updated_at = at;
        Ok(())
    }

    async fn record_failed_login(&self, id: CustomerId, at: Timestamp, policy: &LockoutPolicy) -> Result<FailedLogin> {
        let mut state = self.state();
        let customer = state.customer_mut(id)?;
        customer.failed_logins = customer.failed_logins.saturating_add(1);
        if let Some(until) = policy.locked_until(customer.failed_logins, at) {
            customer.locked_until = Some(until);
        }
        Ok(FailedLogin { failed_logins: customer.failed_logins, locked_until: customer.locked_until })
    }

    async fn record_successful_login(&self, id: CustomerId, _at: Timestamp) -> Result<()> {
        let mut state = self.state();
        let customer = state.customer_mut(id)?;
        customer.failed_logins = 0;
        customer.locked_until = None;
        Ok(())
    }

    async fn bump_security_stamp(&self, id: CustomerId) -> Result<u64> {
        let mut state = self.state();
        let customer = state.customer_mut(id)?;
        customer.security_stamp = customer.security_stamp.wrapping_add(1);
        Ok(customer.security_stamp)
    }

    async fn count_client_failure(&self, key: &AttemptKey, window: Duration, now: Timestamp) -> Result<u32> {
        let mut state = self.state();
        if state.next_sweep.is_none_or(|due| due <= now) {
            state.sweep(now);
        }
        let entry = state.attempts.entry(*key).or_insert((0, now));
        if entry.1 <= now {
            *entry = (0, now.plus(window));
        }
        entry.0 = entry.0.saturating_add(1);
        Ok(entry.0)
    }

    async fn client_failures(&self, key: &AttemptKey, now: Timestamp) -> Result<u32> {
        Ok(self.state().attempts.get(key).filter(|(_, ends)| *ends > now).map_or(0, |(count, _)| *count))
    }

    async fn clear_client_failures(&self, key: &AttemptKey) -> Result<()> {
        self.state().attempts.remove(key);
        Ok(())
    }

    async fn delete_customer(&self, id: CustomerId) -> Result<()> {
        let mut state = self.state();
        let customer = state.customers.remove(&id).ok_or(Error::NotFound)?;
        state.by_username.remove(&customer.username_key());
        state.by_email.remove(&customer.email_key());
        state.tokens.retain(|_, token| token.customer_id != id);
        state.factors.remove(&id);
        state.passkeys.retain(|passkey| passkey.customer_id != id);
        Ok(())
    }

    async fn confirm_email(&self, id: CustomerId, at: Timestamp) -> Result<()> {
        self.state().customer_mut(id)?.email_confirmed_at = Some(at);
        Ok(())
    }

    async fn create_token(&self, token: &TokenRecord) -> Result<()> {
        let now = Timestamp::now();
        let mut state = self.state();
        if !state.customers.contains_key(&token.customer_id) {
            return Err(Error::NotFound);
        }
        if state.next_sweep.is_none_or(|due| due <= now) {
            state.sweep(now);
        }
        state.tokens.insert(token.key, token.clone());
        Ok(())
    }

    async fn take_token(&self, purpose: TokenPurpose, key: &TokenKey, now: Timestamp) -> Result<Option<CustomerId>> {
        let mut state = self.state();
        if state.tokens.get(key).is_none_or(|token| token.purpose != purpose) {
            return Ok(None);
        }
        Ok(state.tokens.remove(key).filter(|token| !token.is_expired(now)).map(|token| token.customer_id))
    }

    async fn delete_customer_tokens(&self, customer: CustomerId, purpose: TokenPurpose) -> Result<u64> {
        let mut state = self.state();
        let before = state.tokens.len();
        state.tokens.retain(|_, token| token.customer_id != customer || token.purpose != purpose);
        Ok((before - state.tokens.len()) as u64)
    }
}

#[async_trait]
impl SessionStore for MemoryStore {
    async fn create_session(&self, key: &SessionKey, record: &SessionRecord) -> Result<()> {
        let now = Timestamp::now();
        let mut state = self.state();
        if state.next_sweep.is_none_or(|due| due <= now) {
            state.sweep(now);
        }
        if state.sessions.get(key).is_some_and(|existing| !existing.is_expired(now)) {
            return Err(Error::Backend("a session with this key already exists".into()));
        }
        state.sessions.insert(*key, record.clone());
        Ok(())
    }

    async fn load_session(&self, key: &SessionKey) -> Result<Option<SessionRecord>> {
        let now = Timestamp::now();
        let mut state = self.state();
        match state.sessions.get(key) {
            Some(record) if record.is_expired(now) => {
                state.sessions.remove(key);
                Ok(None)
            }
            found => Ok(found.cloned()),
        }
    }

    async fn save_session(&self, key: &SessionKey, record: &SessionRecord) -> Result<()> {
        let now = Timestamp::now();
        let mut state = self.state();
        match state.sessions.get_mut(key) {
            Some(stored) if !stored.is_expired(now) => {
                *stored = record.clone();
                Ok(())
            }
            _ => Err(Error::NotFound),
        }
    }

    async fn delete_session(&self, key: &SessionKey) -> Result<()> {
        self.state().sessions.remove(key);
        Ok(())
    }

    async fn delete_customer_sessions(&self, customer: CustomerId) -> Result<u64> {
        let mut state = self.state();
        let before = state.sessions.len();
        state.sessions.retain(|_, record| record.customer_id() != Some(customer));
        Ok((before - state.sessions.len()) as u64)
    }

    async fn list_customer_sessions(&self, customer: CustomerId) -> Result<Vec<(SessionKey, SessionRecord)>> {
        let now = Timestamp::now();
        let state = self.state();
        Ok(state
            .sessions
            .iter()
            .filter(|(_, record)| record.customer_id() == Some(customer) && !record.is_expired(now))
            .map(|(key, record)| (*key, record.clone()))
            .collect())
    }

    async fn purge_expired_sessions(&self) -> Result<u64> {
        Ok(self.state().sweep(Timestamp::now()))
    }
}
