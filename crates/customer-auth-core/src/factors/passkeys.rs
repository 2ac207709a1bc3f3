//! Passkeys (WebAuthn) on [`Auth`]: registration, the second step of a login, and the
//! passwordless login with a discoverable credential. webauthn-rs checks the signatures, the
//! origin, the signature counter and the user-verification flag.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use webauthn_rs::prelude::{
    AuthenticationResult, DiscoverableAuthentication, Passkey, PasskeyAuthentication, PasskeyRegistration,
    PublicKeyCredential, RegisterPublicKeyCredential, Url, Webauthn, WebauthnBuilder,
};

use crate::{
    Auth, Customer, CustomerId, CustomerStatus, Error, LoginClient, PasskeyRecord, PasskeyStore, PendingLogin, Result,
    SecondFactorLogin, SessionKey, Timestamp,
};

const AUDIT: &str = "customer_auth::audit";

/// The longest name a customer may give a passkey, in characters.
pub const MAX_PASSKEY_NAME_CHARS: usize = 64;

/// Who the site is to authenticators: the relying party id (the site's registrable domain,
/// `shop.example`, or `localhost`; never an IP address), the origin pages are served from
/// (`https://shop.example`) and the name authenticators show. With `localhost` as relying
/// party, any port of the origin is accepted (development servers pick theirs at start-up).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyConfig {
    /// The relying party id: the origin's host or a registrable suffix of it.
    pub rp_id: String,
    /// The origin (scheme, host and port) the shop's pages are served from.
    pub origin: String,
    /// The site's name, shown by authenticators.
    pub rp_name: String,
}

/// The passkey store and the WebAuthn relying party.
#[derive(Clone)]
pub(crate) struct PasskeySettings {
    store: Arc<dyn PasskeyStore>,
    webauthn: Arc<Webauthn>,
}

impl std::fmt::Debug for PasskeySettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasskeySettings").field("store", &self.store).finish_non_exhaustive()
    }
}

/// One step of a WebAuthn ceremony: `options` go to the browser as JSON (for
/// `navigator.credentials.create` or `.get`), `state` stays on the server (in the session)
/// until the browser's answer comes back, and is used once.
#[derive(Debug, Clone)]
pub struct PasskeyChallenge {
    /// The options for the browser, as JSON.
    pub options: serde_json::Value,
    /// What the answer is checked against: keep it server-side, never send it to the browser.
    pub state: String,
}

#[derive(Serialize, Deserialize)]
struct RegistrationState {
    customer_id: CustomerId,
    registration: PasskeyRegistration,
}

#[derive(Serialize, Deserialize)]
struct SecondFactorState {
    customer_id: CustomerId,
    authentication: PasskeyAuthentication,
}

fn refused(what: &str, err: impl std::fmt::Display) -> Error {
    tracing::info!(target: AUDIT, reason = %err, outcome = "refused", "{what}");
    Error::InvalidCredentials
}

fn to_json<T: Serialize>(value: &T) -> Result<serde_json::Value> {
    serde_json::to_value(value).map_err(|err| Error::Backend(err.into()))
}

fn state_to_string<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|err| Error::Backend(err.into()))
}

fn state_from_str<T: for<'de> Deserialize<'de>>(state: &str) -> Result<T> {
    // A state that does not parse was not made by us (or by this version): start again.
    serde_json::from_str(state).map_err(|_| Error::LoginExpired)
}

fn open(record: &PasskeyRecord) -> Result<Passkey> {
    serde_json::from_slice(&record.credential)
        .map_err(|err| Error::Corrupt(format!("a stored passkey does not parse ({err})")))
}

/// The signature counter of a stored passkey, from webauthn-rs's JSON (it keeps the field to
/// itself otherwise).
fn stored_counter(record: &PasskeyRecord) -> Result<u32> {
    let credential: serde_json::Value = serde_json::from_slice(&record.credential)
        .map_err(|err| Error::Corrupt(format!("a stored passkey does not parse ({err})")))?;
    credential
        .pointer("/cred/counter")
        .and_then(serde_json::Value::as_u64)
        .and_then(|counter| u32::try_from(counter).ok())
        .ok_or_else(|| Error::Corrupt("a stored passkey has no signature counter".into()))
}

impl Auth {
    /// Turns on passkeys, kept in `store`, for the relying party `config` describes. Fails
    /// with [`Error::Config`] when the origin is not a URL or the relying party id does not
    /// fit it.
    pub fn with_passkeys(self, store: Arc<dyn PasskeyStore>, config: &PasskeyConfig) -> Result<Self> {
        let origin = Url::parse(&config.origin)
            .map_err(|err| Error::Config(format!("the passkey origin {:?} is not a URL ({err})", config.origin)))?;
        let webauthn = WebauthnBuilder::new(&config.rp_id, &origin)
            // On localhost (development, tests) the port is often chosen at start-up.
            .map(|builder| builder.allow_any_port(config.rp_id == "localhost"))
            .and_then(|builder| builder.rp_name(&config.rp_name).build())
            .map_err(|err| {
                Error::Config(format!(
                    "the passkey relying party id {:?} does not fit the origin {:?} ({err}); use the origin's \
                     domain, or localhost",
                    config.rp_id, config.origin
                ))
            })?;
        let settings = PasskeySettings { store, webauthn: Arc::new(webauthn) };
        Ok(self.with_setting(|inner| inner.passkeys = Some(settings)))
    }

    /// Whether passkeys are on ([`with_passkeys`](Self::with_passkeys)).
    pub fn passkeys_enabled(&self) -> bool {
        self.inner.passkeys.is_some()
    }

    fn passkey_settings(&self) -> Result<&PasskeySettings> {
        self.inner.passkeys.as_ref().ok_or_else(|| {
            Error::Config(
                "passkeys need a store and a relying party; build Auth with .with_passkeys(store, config)".into(),
            )
        })
    }

    /// The customer's passkeys, oldest first; none when passkeys are off.
    pub async fn passkeys(&self, customer: CustomerId) -> Result<Vec<PasskeyRecord>> {
        match &self.inner.passkeys {
            Some(settings) => settings.store.passkeys(customer).await,
            None => Ok(Vec::new()),
        }
    }

    /// Starts registering a passkey for `customer`: options for `navigator.credentials.create`
    /// (a discoverable credential with user verification; the customer's passkeys excluded).
    pub async fn start_passkey_registration(&self, customer: &Customer) -> Result<PasskeyChallenge> {
        let settings = self.passkey_settings()?;
        let mut exclude = Vec::new();
        for record in settings.store.passkeys(customer.id).await? {
            exclude.push(open(&record)?.cred_id().clone());
        }
        let display = format!("{} {}", customer.first_name, customer.last_name);
        let (options, registration) = settings
            .webauthn
            .start_passkey_registration(*customer.id.as_uuid(), &customer.username, &display, Some(exclude))
            .map_err(|err| Error::Config(format!("a passkey registration could not start ({err})")))?;
        let mut options = to_json(&options)?;
        // Preferred, not required: authenticators that can keep the credential make it
        // discoverable (for the passwordless login), the rest still serve as a second factor.
        if let Some(selection) =
            options.pointer_mut("/publicKey/authenticatorSelection").and_then(|v| v.as_object_mut())
        {
            selection.insert("residentKey".into(), "preferred".into());
        }
        let state = state_to_string(&RegistrationState { customer_id: customer.id, registration })?;
        Ok(PasskeyChallenge { options, state })
    }

    /// Completes a passkey registration with the browser's answer (the JSON of the
    /// `PublicKeyCredential`) to [`start_passkey_registration`](Self::start_passkey_registration):
    /// stores the passkey named `name`, ends the customer's other sessions (all but `keep`),
    /// mails them and writes an audit event. An answer that does not verify, or a passkey
    /// registered already, answers [`Error::InvalidCredentials`]; a state of another customer
    /// [`Error::LoginExpired`].
    pub async fn finish_passkey_registration(
        &self,
        customer: &Customer,
        state: &str,
        response: &serde_json::Value,
        name: &str,
        keep: Option<&SessionKey>,
    ) -> Result<PasskeyRecord> {
        let settings = self.passkey_settings()?;
        let state: RegistrationState = state_from_str(state)?;
        if state.customer_id != customer.id {
            return Err(Error::LoginExpired);
        }
        let response: RegisterPublicKeyCredential =
            serde_json::from_value(response.clone()).map_err(|err| refused("passkey registration", err))?;
        let passkey = settings
            .webauthn
            .finish_passkey_registration(&response, &state.registration)
            .map_err(|err| refused("passkey registration", err))?;
        let name = passkey_name(name);
        let record = PasskeyRecord {
            credential_id: passkey.cred_id().to_vec(),
            customer_id: customer.id,
            name,
            credential: serde_json::to_vec(&passkey).map_err(|err| Error::Backend(err.into()))?,
            created_at: Timestamp::now(),
            last_used_at: None,
        };
        if !settings.store.add_passkey(&record).await? {
            return Err(refused("passkey registration", "the credential id is registered already"));
        }
        self.factor_changed(customer, keep, "passkey added", "A passkey was added to your account").await?;
        Ok(record)
    }

    /// Removes the customer's passkey with this credential id, ends their other sessions,
    /// mails them and writes an audit event. Ask for a fresh proof first
    /// ([`confirm_identity`](Self::confirm_identity)). Whether there was one.
    pub async fn remove_passkey(
        &self,
        customer: &Customer,
        credential_id: &[u8],
        keep: Option<&SessionKey>,
    ) -> Result<bool> {
        let settings = self.passkey_settings()?;
        let removed = settings.store.remove_passkey(customer.id, credential_id).await?;
        if removed {
            self.factor_changed(customer, keep, "passkey removed", "A passkey was removed from your account").await?;
        }
        Ok(removed)
    }

    /// The second step of a login with a passkey: options for `navigator.credentials.get`
    /// allowing the pending customer's passkeys. [`Error::LoginExpired`] when the pending login
    /// is over; [`Error::InvalidCredentials`] when the customer has no passkey.
    pub async fn start_passkey_second_factor(&self, pending: &PendingLogin) -> Result<PasskeyChallenge> {
        let settings = self.passkey_settings()?;
        if !pending.is_live(Timestamp::now()) {
            return Err(Error::LoginExpired);
        }
        let mut passkeys = Vec::new();
        for record in settings.store.passkeys(pending.customer_id).await? {
            passkeys.push(open(&record)?);
        }
        if passkeys.is_empty() {
            return Err(Error::InvalidCredentials);
        }
        let (options, authentication) = settings
            .webauthn
            .start_passkey_authentication(&passkeys)
            .map_err(|err| Error::Config(format!("a passkey login could not start ({err})")))?;
        let state = state_to_string(&SecondFactorState { customer_id: pending.customer_id, authentication })?;
        Ok(PasskeyChallenge { options: to_json(&options)?, state })
    }

    /// Completes the second step with the browser's answer to
    /// [`start_passkey_second_factor`](Self::start_passkey_second_factor). Same errors as
    /// [`complete_login`](Self::complete_login), with [`Error::InvalidCredentials`] for an
    /// answer that does not verify (a wrong signature, a counter gone back, no user
    /// verification).
    pub async fn finish_passkey_second_factor(
        &self,
        pending: &PendingLogin,
        state: &str,
        response: &serde_json::Value,
        _client: &LoginClient,
    ) -> Result<SecondFactorLogin> {
        let settings = self.passkey_settings()?;
        if !pending.is_live(Timestamp::now()) {
            return Err(Error::LoginExpired);
        }
        let state: SecondFactorState = state_from_str(state)?;
        if state.customer_id != pending.customer_id {
            return Err(Error::LoginExpired);
        }
        let customer = self.find_customer(pending.customer_id).await?.ok_or(Error::LoginExpired)?;
        if customer.security_stamp != pending.security_stamp {
            return Err(Error::LoginExpired);
        }
        let response: PublicKeyCredential =
            serde_json::from_value(response.clone()).map_err(|err| refused("passkey login", err))?;
        let Some(record) = settings.store.find_passkey(response.get_credential_id()).await? else {
            return Err(refused("passkey login", "unknown credential"));
        };
        if record.customer_id != customer.id {
            return Err(refused("passkey login", "another customer's credential"));
        }
        let result = settings
            .webauthn
            .finish_passkey_authentication(&response, &state.authentication)
            .map_err(|err| refused("passkey login", err))?;
        self.passkey_used(settings, &customer, record, &result).await?;
        Ok(SecondFactorLogin { customer, recovery_codes_left: None })
    }

    /// A passwordless login: options for `navigator.credentials.get` with no credentials
    /// listed, so the browser offers the site's discoverable passkeys (with `mediation:
    /// "conditional"` as autofill; drop it for a button).
    pub fn start_passkey_login(&self) -> Result<PasskeyChallenge> {
        let settings = self.passkey_settings()?;
        let (options, authentication) = settings
            .webauthn
            .start_discoverable_authentication()
            .map_err(|err| Error::Config(format!("a passkey login could not start ({err})")))?;
        Ok(PasskeyChallenge { options: to_json(&options)?, state: state_to_string(&authentication)? })
    }

    /// Completes a passwordless login with the browser's answer to
    /// [`start_passkey_login`](Self::start_passkey_login): the customer, logged in by their
    /// passkey (user verification required). [`Error::InvalidCredentials`] for an answer
    /// that does not verify or an unknown passkey, [`Error::AccountDisabled`] and
    /// [`Error::EmailNotConfirmed`] as for a password.
    pub async fn finish_passkey_login(
        &self,
        state: &str,
        response: &serde_json::Value,
        _client: &LoginClient,
    ) -> Result<Customer> {
        let settings = self.passkey_settings()?;
        let state: DiscoverableAuthentication = state_from_str(state)?;
        let response: PublicKeyCredential =
            serde_json::from_value(response.clone()).map_err(|err| refused("passkey login", err))?;
        let (user, credential_id) = settings
            .webauthn
            .identify_discoverable_authentication(&response)
            .map_err(|err| refused("passkey login", err))?;
        let Some(record) = settings.store.find_passkey(credential_id).await? else {
            return Err(refused("passkey login", "unknown credential"));
        };
        if *record.customer_id.as_uuid() != user {
            return Err(refused("passkey login", "the credential's user handle is another customer's"));
        }
        let passkey = open(&record)?;
        let result = settings
            .webauthn
            .finish_discoverable_authentication_v2(&response, state, &passkey)
            .map_err(|err| refused("passkey login", err))?;
        let customer = self.find_customer(record.customer_id).await?.ok_or(Error::InvalidCredentials)?;
        if customer.status == CustomerStatus::Disabled {
            tracing::info!(target: AUDIT, customer_id = %customer.id, outcome = "disabled", "passkey login refused");
            return Err(Error::AccountDisabled);
        }
        if self.inner.require_confirmed_email && customer.email_confirmed_at.is_none() {
            return Err(Error::EmailNotConfirmed);
        }
        self.passkey_used(settings, &customer, record, &result).await?;
        Ok(customer)
    }

    /// After a verified assertion: user verification present (a passkey stands for a password
    /// and a factor at once), the new counter and the time of use stored, an audit event.
    async fn passkey_used(
        &self,
        settings: &PasskeySettings,
        customer: &Customer,
        record: PasskeyRecord,
        result: &AuthenticationResult,
    ) -> Result<()> {
        if !result.user_verified() {
            return Err(refused("passkey login", "the authenticator did not verify the user"));
        }
        // webauthn-rs checks the counter against the credential as it was when the challenge
        // was made; against the stored one, an answer replayed with an old state is refused too.
        let stored_counter = stored_counter(&record)?;
        if (stored_counter > 0 || result.counter() > 0) && result.counter() <= stored_counter {
            return Err(refused("passkey login", "the signature counter did not go up (a replay, or a cloned key)"));
        }
        let mut passkey = open(&record)?;
        passkey.update_credential(result);
        let credential = serde_json::to_vec(&passkey).map_err(|err| Error::Backend(err.into()))?;
        let now = Timestamp::now();
        if !settings.store.update_passkey(&record.credential_id, &record.credential, &credential, now).await? {
            return Err(refused("passkey login", "another login with this passkey's counter won, or it was removed"));
        }
        tracing::info!(target: AUDIT, customer_id = %customer.id, outcome = "success", "passkey login");
        Ok(())
    }
}

/// The name a passkey is shown under: trimmed, at most [`MAX_PASSKEY_NAME_CHARS`], "Passkey"
/// when empty.
fn passkey_name(name: &str) -> String {
    let name: String = name.trim().chars().filter(|c| !c.is_control()).take(MAX_PASSKEY_NAME_CHARS).collect();
    if name.is_empty() { "Passkey".to_owned() } else { name }
}
