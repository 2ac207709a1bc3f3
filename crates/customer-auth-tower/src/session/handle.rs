use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use customer_auth_core::{
    Customer, CustomerStatus, PendingLogin, Principal, SessionId, SessionKey, SessionRecord, Timestamp,
};
use http::HeaderValue;
use serde::Serialize;
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;
use tokio::sync::{Mutex, MutexGuard};

use super::config::SessionConfig;
use super::cookie;
use super::visitor_csrf;
use crate::{Error, local_target};

/// Reserved session keys; app keys should not start with `_`.
const TARGET_KEY: &str = "_target";
const FLASH_KEY: &str = "_flash";
const CSRF_KEY: &str = "_csrf";
/// A login waiting for its second factor ([`PendingLogin`]): never a principal.
const PENDING_KEY: &str = "_pending_login";
/// When the customer last proved who they are (logged in, or confirmed it for a sensitive
/// change), in Unix seconds.
const PROVED_KEY: &str = "_proved_at";
/// The most of a `User-Agent` a session keeps.
const MAX_USER_AGENT_CHARS: usize = 200;

/// The current request's session, for handlers and guards. Get it from the request's
/// extensions or, with axum, as an extractor.
///
/// Nothing is read from the store until a method needs the session, and nothing is written
/// until the response goes out, and then only what changed. A visitor who never stores
/// anything gets no session and no cookie. Clones share one session.
#[derive(Clone)]
pub struct Session {
    inner: Arc<Inner>,
}

struct Inner {
    config: Arc<SessionConfig>,
    cookie_id: Option<SessionId>,
    user_agent: Option<HeaderValue>,
    /// The CSRF secret cookie a visitor who is not logged in sent, if any.
    visitor_secret: Option<String>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    loaded: bool,
    current: Option<Current>,
    /// Stored sessions to delete when the response goes out: the one a login rotated away
    /// from, or the one a logout ended.
    ended: Vec<SessionKey>,
    /// The whole customer, once a handler asked for it.
    customer: Option<Option<Customer>>,
    /// A CSRF secret made for a visitor who sent none: its cookie goes out with the response.
    new_visitor_secret: Option<String>,
}

/// The session this request works on: the one its cookie named, or a new one.
struct Current {
    id: SessionId,
    record: SessionRecord,
    stored: bool,
    dirty: bool,
    /// Stored by a login before the response: the browser still has to be sent the cookie.
    new_cookie: bool,
}

impl State {
    fn principal(&self) -> Option<&Principal> {
        self.current
            .as_ref()
            .and_then(|current| current.record.principal.as_ref())
            .filter(|principal| principal.status == CustomerStatus::Active)
    }

    fn end_current(&mut self) {
        if let Some(old) = self.current.take()
            && old.stored
        {
            self.ended.push(old.id.key());
        }
    }

    fn data(&self, key: &str) -> Option<&String> {
        self.current.as_ref().and_then(|current| current.record.data.get(key))
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("had_cookie", &self.inner.cookie_id.is_some()).finish_non_exhaustive()
    }
}

impl Session {
    pub(crate) fn new(
        config: Arc<SessionConfig>,
        cookie_id: Option<SessionId>,
        user_agent: Option<HeaderValue>,
        visitor_secret: Option<String>,
    ) -> Self {
        let state = Mutex::new(State::default());
        Self { inner: Arc::new(Inner { config, cookie_id, user_agent, visitor_secret, state }) }
    }

    /// The store key of the session this request works on, if it has one: to tell the
    /// current session apart in a list of the customer's sessions.
    pub async fn key(&self) -> Result<Option<SessionKey>, Error> {
        Ok(self.state().await?.current.as_ref().map(|current| current.id.key()))
    }

    /// The state, loaded from the store on first use: at most one load per request.
    async fn state(&self) -> Result<MutexGuard<'_, State>, Error> {
        let mut state = self.inner.state.lock().await;
        if !state.loaded {
            self.load(&mut state).await?;
            state.loaded = true;
        }
        Ok(state)
    }

    async fn load(&self, state: &mut State) -> Result<(), Error> {
        let Some(id) = &self.inner.cookie_id else { return Ok(()) };
        let config = &self.inner.config;
        let Some(mut record) = config.store.load_session(&id.key()).await? else { return Ok(()) };
        let now = Timestamp::now();
        // Extending the idle expiry on every request would turn every read into a write;
        // once per interval keeps the session alive at a fraction of the cost.
        let seen_secs_ago = now.as_unix().saturating_sub(record.last_seen_at.as_unix());
        // At least twice per idle timeout, whatever the interval says: a session in use must never
        // expire between two write-backs.
        let interval = config.touch_interval.min(config.idle_timeout / 2);
        let dirty = u64::try_from(seen_secs_ago).is_ok_and(|secs| secs >= interval.as_secs());
        if dirty {
            record.touch(now, config.idle_timeout);
        }
        state.current = Some(Current { id: id.clone(), record, stored: true, dirty, new_cookie: false });
        Ok(())
    }

    /// Ends the current session (its id is deleted from the store) and returns a fresh record
    /// that carries its data over, all but the CSRF token: what a step up in who the visitor is
    /// (a password, a login) does, so an id planted before it is worthless after it.
    fn rotated_record(&self, state: &mut State) -> SessionRecord {
        let carried = state.current.as_mut().map(|current| std::mem::take(&mut current.record.data));
        state.end_current();
        let mut record = self.fresh_record();
        record.data = carried.unwrap_or_default();
        record.data.remove(CSRF_KEY);
        record
    }

    fn fresh_record(&self) -> SessionRecord {
        let config = &self.inner.config;
        SessionRecord::new(Timestamp::now(), config.idle_timeout, config.absolute_timeout)
    }

    fn current_mut<'a>(&self, state: &'a mut State) -> Result<&'a mut Current, Error> {
        if state.current.is_none() {
            // A fresh id, never the one from the cookie: an id the store does not know is
            // never adopted, so nobody can choose another visitor's id in advance.
            let id = SessionId::generate()?;
            state.current =
                Some(Current { id, record: self.fresh_record(), stored: false, dirty: false, new_cookie: false });
        }
        state.current.as_mut().ok_or(Error::MissingSessionLayer)
    }

    /// The value stored under `key`, as the type it was stored as.
    pub async fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, Error> {
        let state = self.state().await?;
        state.data(key).map(|json| decode(key, json)).transpose()
    }

    /// Stores `value` under `key`, creating the session if there is none.
    pub async fn insert<T: Serialize + ?Sized>(&self, key: &str, value: &T) -> Result<(), Error> {
        let json = serde_json::to_string(value).map_err(|source| Error::Value { key: key.to_owned(), source })?;
        let mut state = self.state().await?;
        let current = self.current_mut(&mut state)?;
        if current.record.data.get(key) != Some(&json) {
            current.record.data.insert(key.to_owned(), json);
            current.dirty = true;
        }
        Ok(())
    }

    /// Removes the value under `key` and returns it.
    pub async fn remove<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, Error> {
        let mut state = self.state().await?;
        let Some(current) = state.current.as_mut() else { return Ok(None) };
        let Some(json) = current.record.data.remove(key) else { return Ok(None) };
        current.dirty = true;
        decode(key, &json).map(Some)
    }

    /// The logged-in customer as the session carries it, without reading the customer store.
    pub async fn principal(&self) -> Result<Option<Principal>, Error> {
        Ok(self.state().await?.principal().cloned())
    }

    /// The whole logged-in customer from the customer store, read at most once per request.
    /// A customer who was deleted or disabled meanwhile counts as logged out, and the session
    /// ends.
    pub async fn customer(&self) -> Result<Option<Customer>, Error> {
        let mut state = self.state().await?;
        if let Some(cached) = &state.customer {
            return Ok(cached.clone());
        }
        let Some(customer_id) = state.principal().map(|principal| principal.customer_id) else {
            state.customer = Some(None);
            return Ok(None);
        };
        let customers = self.inner.config.customers.as_ref().ok_or(Error::NoCustomerStore)?;
        let found =
            customers.find_customer(customer_id).await?.filter(|customer| customer.status == CustomerStatus::Active);
        if found.is_none() {
            state.end_current();
        }
        state.customer = Some(found.clone());
        Ok(found)
    }

    /// Logs `customer` in. The session gets a new id (the old one is deleted from the store,
    /// so an id planted before login is worthless after it), a new lifetime and a new CSRF
    /// token; the target URL and other data carry over.
    ///
    /// With a customer store ([`SessionLayer::with_customer_store`](crate::SessionLayer::with_customer_store)),
    /// the new session is written at once and the customer read again: when their security
    /// stamp moved since `customer` was read (a password change or reset, a disable, a role
    /// change, "log out everywhere" raced this login) or the customer is gone or disabled, the
    /// session is deleted and the login refused with [`Error::AccountChanged`]. A login that
    /// raced an account change therefore never keeps a session.
    pub async fn login(&self, customer: &Customer) -> Result<(), Error> {
        let mut state = self.state().await?;
        let mut record = self.rotated_record(&mut state);
        record.data.remove(PENDING_KEY);
        record.data.insert(PROVED_KEY.to_owned(), Timestamp::now().as_unix().to_string());
        record.principal = Some(Principal::of(customer));
        // For the customer's list of sessions; capped, since the header is the client's to choose.
        if let Some(agent) = self.inner.user_agent.as_ref().and_then(|value| value.to_str().ok()) {
            let agent: String = agent.chars().take(MAX_USER_AGENT_CHARS).collect();
            if let Ok(json) = serde_json::to_string(&agent) {
                record.data.insert(SessionRecord::USER_AGENT_KEY.to_owned(), json);
            }
        }
        let id = SessionId::generate()?;
        state.customer = Some(Some(customer.clone()));
        let Some(customers) = self.inner.config.customers.as_ref() else {
            state.current = Some(Current { id, record, stored: false, dirty: true, new_cookie: false });
            return Ok(());
        };
        let key = id.key();
        self.inner.config.store.create_session(&key, &record).await?;
        state.current = Some(Current { id, record, stored: true, dirty: false, new_cookie: true });
        let now = customers.find_customer(customer.id).await?;
        let unchanged = now
            .is_some_and(|now| now.security_stamp == customer.security_stamp && now.status == CustomerStatus::Active);
        if !unchanged {
            state.current = None;
            state.customer = Some(None);
            self.inner.config.store.delete_session(&key).await?;
            tracing::info!(target: "customer_auth::audit", customer_id = %customer.id, outcome = "account_changed", "login refused");
            return Err(Error::AccountChanged);
        }
        Ok(())
    }

    /// Holds a login at its second step: the session gets a new id (the password was a step
    /// up, so an id planted before it is worthless) and keeps `pending`, which no guard counts
    /// as logged in. [`login`](Self::login) after the factor rotates the id once more and
    /// drops it.
    pub async fn begin_second_factor(&self, pending: &PendingLogin) -> Result<(), Error> {
        let json =
            serde_json::to_string(pending).map_err(|source| Error::Value { key: PENDING_KEY.to_owned(), source })?;
        let mut state = self.state().await?;
        let mut record = self.rotated_record(&mut state);
        record.data.insert(PENDING_KEY.to_owned(), json);
        state.current =
            Some(Current { id: SessionId::generate()?, record, stored: false, dirty: true, new_cookie: false });
        Ok(())
    }

    /// The login waiting for its second factor, while its deadline has not passed.
    pub async fn pending_second_factor(&self) -> Result<Option<PendingLogin>, Error> {
        let pending: Option<PendingLogin> = self.get(PENDING_KEY).await?;
        Ok(pending.filter(|pending| pending.is_live(Timestamp::now())))
    }

    /// Drops a login waiting for its second factor (the customer gave up, or it expired).
    pub async fn cancel_second_factor(&self) -> Result<(), Error> {
        self.remove::<PendingLogin>(PENDING_KEY).await.map(drop)
    }

    /// Records that the customer just proved who they are again (their password or a code,
    /// checked with [`Auth::confirm_identity`](customer_auth_core::Auth::confirm_identity)), for
    /// [`proved_within`](Self::proved_within). A login records it too.
    pub async fn record_proof(&self) -> Result<(), Error> {
        self.insert(PROVED_KEY, &Timestamp::now().as_unix()).await
    }

    /// Whether the customer proved who they are within `age`: what a sensitive change (a new
    /// password or email, removing a factor, new recovery codes, deleting the account) asks
    /// before it goes ahead (ASVS 7.5.1).
    pub async fn proved_within(&self, age: std::time::Duration) -> Result<bool, Error> {
        if self.principal().await?.is_none() {
            return Ok(false);
        }
        let proved: Option<i64> = self.get(PROVED_KEY).await?;
        Ok(proved.is_some_and(|at| at >= Timestamp::now().minus(age).as_unix()))
    }

    /// Logs out: the session is deleted from the store and the browser told to drop the
    /// cookie. Anything stored afterwards (a flash message, say) goes into a new session.
    pub async fn logout(&self) -> Result<(), Error> {
        let mut state = self.state().await?;
        if let Some(principal) = state.principal() {
            tracing::info!(target: "customer_auth::audit", customer_id = %principal.customer_id, outcome = "success", "logout");
        }
        state.end_current();
        state.customer = Some(None);
        Ok(())
    }

    /// Records where to send the customer after login. A target that is not a local path
    /// becomes `/`.
    pub async fn set_target_url(&self, target: &str) -> Result<(), Error> {
        self.insert(TARGET_KEY, local_target(target)).await
    }

    /// The recorded target URL, left in the session: to tell the visitor on the login page
    /// that a page they asked for needs a login.
    pub async fn target_url(&self) -> Result<Option<String>, Error> {
        let target: Option<String> = self.get(TARGET_KEY).await?;
        Ok(target.map(|target| local_target(&target).to_owned()))
    }

    /// Takes the recorded target URL out of the session.
    pub async fn take_target_url(&self) -> Result<Option<String>, Error> {
        let target: Option<String> = self.remove(TARGET_KEY).await?;
        Ok(target.map(|target| local_target(&target).to_owned()))
    }

    /// Adds a message to show on the next page.
    pub async fn flash(&self, message: impl Into<String>) -> Result<(), Error> {
        let mut messages: Vec<String> = self.get(FLASH_KEY).await?.unwrap_or_default();
        messages.push(message.into());
        self.insert(FLASH_KEY, &messages).await
    }

    /// Takes the flash messages: each is shown once.
    pub async fn take_flashes(&self) -> Result<Vec<String>, Error> {
        Ok(self.remove(FLASH_KEY).await?.unwrap_or_default())
    }

    /// The CSRF token for a form's hidden `csrf_token` field (or the `x-csrf-token` header).
    ///
    /// A logged-in customer's token lives in their session, created on first use. A visitor
    /// who is not logged in gets a signed double-submit token instead: a random secret in a
    /// cookie of its own and an HMAC of it in the form, so showing a login or registration
    /// form to anyone (a bot included) writes nothing to the store. The token a visitor posts
    /// the login form with is checked that way; the session's own token takes over after.
    pub async fn csrf_token(&self) -> Result<String, Error> {
        let mut state = self.state().await?;
        if state.principal().is_none()
            && let Some(signer) = &self.inner.config.visitor_csrf
        {
            let secret = match (&self.inner.visitor_secret, &state.new_visitor_secret) {
                (Some(secret), _) | (None, Some(secret)) => secret.clone(),
                (None, None) => {
                    let secret = visitor_csrf::generate_secret()?;
                    state.new_visitor_secret = Some(secret.clone());
                    secret
                }
            };
            return Ok(signer.token(&secret));
        }
        drop(state);
        if let Some(token) = self.get::<String>(CSRF_KEY).await? {
            return Ok(token);
        }
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|err| {
            customer_auth_core::Error::Config(format!("the operating system's random generator failed: {err}"))
        })?;
        let token = URL_SAFE_NO_PAD.encode(bytes);
        self.insert(CSRF_KEY, &token).await?;
        Ok(token)
    }

    /// True when `presented` is this request's CSRF token (compared in constant time): the
    /// session's own for a logged-in customer; for anyone else, the signed token of the secret
    /// cookie the request carries (or a token an older session holds).
    pub async fn verify_csrf_token(&self, presented: &str) -> Result<bool, Error> {
        let state = self.state().await?;
        let stored = state.data(CSRF_KEY).map(|json| decode::<String>(CSRF_KEY, json)).transpose()?;
        if let Some(token) = &stored
            && bool::from(token.as_bytes().ct_eq(presented.as_bytes()))
        {
            return Ok(true);
        }
        if state.principal().is_some() {
            return Ok(false);
        }
        let signed = self.inner.visitor_secret.as_deref().zip(self.inner.config.visitor_csrf.as_ref());
        Ok(signed.is_some_and(|(secret, signer)| signer.verify(secret, presented)))
    }

    /// True when anything asked for the session during the request: the response then depends
    /// on who sent it. Never waits: a session still borrowed elsewhere counts as read.
    pub(crate) fn was_read(&self) -> bool {
        match self.inner.state.try_lock() {
            Ok(state) => state.loaded,
            Err(_) => true,
        }
    }

    /// True when the response needs store writes or a cookie change. Never waits: a session
    /// still borrowed elsewhere counts as needing them.
    pub(crate) fn needs_finish(&self) -> bool {
        match self.inner.state.try_lock() {
            Ok(state) => self.pending(&state),
            Err(_) => true,
        }
    }

    fn pending(&self, state: &State) -> bool {
        if !state.loaded {
            return false;
        }
        let stored = state.current.as_ref().is_some_and(|current| current.stored);
        state.current.as_ref().is_some_and(|current| current.dirty || current.new_cookie)
            || !state.ended.is_empty()
            || state.new_visitor_secret.is_some()
            || (self.inner.cookie_id.is_some() && !stored)
    }

    /// Writes what changed and returns the `Set-Cookie` headers to send: the session's, and a
    /// new visitor's CSRF secret.
    pub(crate) async fn finish(&self) -> Result<Vec<HeaderValue>, Error> {
        let mut state = self.inner.state.lock().await;
        if !self.pending(&state) {
            return Ok(Vec::new());
        }
        let config = &self.inner.config;
        let mut set_cookie = None;
        if let Some(current) = state.current.as_mut().filter(|current| current.dirty) {
            let key = current.id.key();
            if current.stored {
                match config.store.save_session(&key, &current.record).await {
                    Ok(()) => {}
                    // Logged out elsewhere meanwhile: never bring the session back.
                    Err(customer_auth_core::Error::NotFound) => current.stored = false,
                    Err(err) => return Err(err.into()),
                }
            } else if current.record.principal.is_some() || !current.record.data.is_empty() {
                config.store.create_session(&key, &current.record).await?;
                current.stored = true;
                set_cookie = cookie::set_cookie(config, &current.id);
            }
            current.dirty = false;
        }
        if let Some(current) = state.current.as_mut().filter(|current| current.new_cookie && current.stored) {
            current.new_cookie = false;
            set_cookie = cookie::set_cookie(config, &current.id);
        }
        // Deleted after the new session is safely stored: a failure in between leaves the
        // customer logged in or logged out, never neither.
        while let Some(key) = state.ended.pop() {
            config.store.delete_session(&key).await?;
        }
        let live = state.current.as_ref().is_some_and(|current| current.stored);
        if set_cookie.is_none() && self.inner.cookie_id.is_some() && !live {
            // The cookie names no live session (logged out, expired or unknown): drop it.
            set_cookie = cookie::removal_cookie(config);
        }
        let visitor = state
            .new_visitor_secret
            .take()
            .and_then(|secret| visitor_csrf::set_cookie(&config.csrf_cookie_name, config.secure, &secret));
        Ok(set_cookie.into_iter().chain(visitor).collect())
    }
}

fn decode<T: DeserializeOwned>(key: &str, json: &str) -> Result<T, Error> {
    serde_json::from_str(json).map_err(|source| Error::Value { key: key.to_owned(), source })
}
