//! Second factors on [`Auth`]: the two-step login, TOTP enrolment, recovery codes, and the
//! proof a sensitive change asks for.

use std::sync::Arc;

use crate::factors::{recovery, totp};
use crate::{
    Auth, Customer, CustomerId, CustomerStatus, Email, Error, FactorKey, LoginClient, LoginStep, Password,
    PendingLogin, RecoveryCodes, Result, SecondFactorLogin, SecondFactorStore, SecondFactors, SessionKey, Timestamp,
    TotpEnrolment, TotpRecord,
};

const AUDIT: &str = "customer_auth::audit";

/// The store and key second factors need.
#[derive(Debug, Clone)]
pub(crate) struct FactorSettings {
    pub(crate) store: Arc<dyn SecondFactorStore>,
    pub(crate) key: FactorKey,
}

impl Auth {
    /// Turns on second factors: TOTP authenticators and recovery codes kept in `store`, their
    /// secrets sealed with `key`. Logins of customers with a factor then take two steps
    /// ([`log_in`](Self::log_in), [`complete_login`](Self::complete_login)).
    pub fn with_second_factors(self, store: Arc<dyn SecondFactorStore>, key: FactorKey) -> Self {
        self.with_setting(|settings| settings.factors = Some(FactorSettings { store, key }))
    }

    fn factors(&self) -> Result<&FactorSettings> {
        self.inner.factors.as_ref().ok_or_else(|| {
            Error::Config(
                "second factors need a store and a key; build Auth with .with_second_factors(store, key)".into(),
            )
        })
    }

    /// What second factors the customer has.
    pub async fn second_factors(&self, customer: CustomerId) -> Result<SecondFactors> {
        let passkeys = u32::try_from(self.passkeys(customer).await?.len()).unwrap_or(u32::MAX);
        let Some(factors) = &self.inner.factors else {
            return Ok(SecondFactors { totp_enrolled_at: None, recovery_codes_left: 0, passkeys });
        };
        let totp = factors.store.totp(customer).await?;
        let recovery_codes_left = factors.store.recovery_codes_left(customer).await?;
        Ok(SecondFactors { totp_enrolled_at: totp.map(|totp| totp.enrolled_at), recovery_codes_left, passkeys })
    }

    /// The first step of a login: checks the password as
    /// [`authenticate_client`](Self::authenticate_client) does (same errors, same budgets),
    /// then says whether a second factor is needed. Without
    /// [`with_second_factors`](Self::with_second_factors) it is always
    /// [`LoginStep::Complete`].
    pub async fn log_in(&self, username: &str, password: &Password, client: &LoginClient) -> Result<LoginStep> {
        let customer = self.authenticate_client(username, password, client).await?;
        if self.second_factors(customer.id).await?.any() {
            tracing::info!(target: AUDIT, customer_id = %customer.id, outcome = "second_factor_needed", "login");
            return Ok(LoginStep::SecondFactor(PendingLogin::of(&customer)));
        }
        Ok(LoginStep::Complete(customer))
    }

    /// The second step: a TOTP code (six digits, each accepted once) or a recovery code (spent
    /// by its use). A wrong code counts against the client's and the account's budgets as a
    /// wrong password does, and answers [`Error::InvalidCode`]; a pending login past its five
    /// minutes, or one whose account changed since the password, answers
    /// [`Error::LoginExpired`] (start again with the password).
    pub async fn complete_login(
        &self,
        pending: &PendingLogin,
        code: &str,
        client: &LoginClient,
    ) -> Result<SecondFactorLogin> {
        let now = Timestamp::now();
        if !pending.is_live(now) {
            return Err(Error::LoginExpired);
        }
        let customers = &self.inner.customers;
        let customer = customers.find_customer(pending.customer_id).await?.ok_or(Error::LoginExpired)?;
        if customer.security_stamp != pending.security_stamp {
            return Err(Error::LoginExpired);
        }
        if customer.status == CustomerStatus::Disabled {
            return Err(Error::AccountDisabled);
        }
        let (device, attempt) = self.client_attempt(&customer.username, client);
        let known_device = device.is_some_and(|device| device.customer_id == customer.id);
        if self.past_client_budget(attempt.as_ref()).await? {
            tracing::info!(target: AUDIT, customer_id = %customer.id, outcome = "client_locked", "second factor refused");
            return Err(Error::TemporarilyLocked);
        }
        if customer.is_locked(now) && !known_device {
            return Err(Error::TemporarilyLocked);
        }
        match self.check_code(&customer, code).await? {
            Some(recovery_codes_left) => {
                if let Some(key) = &attempt {
                    customers.clear_client_failures(key).await?;
                }
                tracing::info!(target: AUDIT, customer_id = %customer.id, outcome = "success", "login");
                Ok(SecondFactorLogin { customer, recovery_codes_left })
            }
            None => {
                if !known_device {
                    self.record_failed_login(customer.id).await?;
                }
                tracing::info!(target: AUDIT, customer_id = %customer.id, outcome = "wrong_code", "second factor refused");
                Err(Error::InvalidCode)
            }
        }
    }

    /// Checks and spends a code: `Some(None)` for a TOTP code, `Some(Some(left))` for a
    /// recovery code, `None` for a wrong, replayed or malformed one.
    async fn check_code(&self, customer: &Customer, code: &str) -> Result<Option<Option<u32>>> {
        let factors = self.factors()?;
        if totp::looks_like_totp(code) {
            let Some(record) = factors.store.totp(customer.id).await? else { return Ok(None) };
            let secret = factors.key.open(customer.id, &record.sealed_secret)?;
            let Some(step) = totp::matching_step(&secret, code, Timestamp::now())? else { return Ok(None) };
            let fresh = factors.store.use_totp_step(customer.id, step).await?;
            return Ok(fresh.then_some(None));
        }
        let Some(hash) = recovery::hash(customer.id, code) else { return Ok(None) };
        let left = factors.store.use_recovery_code(customer.id, &hash).await?;
        if let Some(left) = left {
            tracing::info!(target: AUDIT, customer_id = %customer.id, recovery_codes_left = left, outcome = "success", "recovery code used");
        }
        Ok(left.map(Some))
    }

    /// Starts a TOTP enrolment for `customer`: a new secret, its QR code and `otpauth://` URL
    /// labelled `issuer` (the site's name) and the customer's username. Nothing is stored until
    /// [`confirm_totp`](Self::confirm_totp) sees a first code. A customer who has an
    /// authenticator removes it first.
    pub async fn start_totp(&self, customer: &Customer, issuer: &str) -> Result<TotpEnrolment> {
        let factors = self.factors()?;
        if factors.store.totp(customer.id).await?.is_some() {
            return Err(Error::Config("this customer has an authenticator app already; remove it first".into()));
        }
        totp::enrol(&factors.key, customer.id, issuer, &customer.username)
    }

    /// The enrolment page again for an enrolment started earlier (`sealed` from
    /// [`start_totp`](Self::start_totp)), after a mistyped first code: the same secret, so the
    /// app the customer already scanned it into still works.
    pub fn resume_totp(&self, customer: &Customer, sealed: &str, issuer: &str) -> Result<TotpEnrolment> {
        totp::resume(&self.factors()?.key, customer.id, sealed, issuer, &customer.username)
    }

    /// Completes a TOTP enrolment with the first code the app shows: stores the authenticator
    /// (its secret sealed), makes ten recovery codes to show once, ends the customer's other
    /// sessions (all but `keep`, the one asking), mails the customer and writes an audit event.
    /// A wrong code answers [`Error::InvalidCode`] and changes nothing.
    pub async fn confirm_totp(
        &self,
        customer: &Customer,
        sealed: &str,
        code: &str,
        keep: Option<&SessionKey>,
    ) -> Result<RecoveryCodes> {
        let factors = self.factors()?;
        let sealed = totp::unseal_enrolment(&factors.key, customer.id, sealed)?;
        let secret = factors.key.open(customer.id, &sealed)?;
        let now = Timestamp::now();
        let Some(step) = totp::matching_step(&secret, code, now)? else { return Err(Error::InvalidCode) };
        factors.store.put_totp(customer.id, &TotpRecord { sealed_secret: sealed, enrolled_at: now }).await?;
        // The code that confirmed it is spent: it cannot log anyone in again.
        factors.store.use_totp_step(customer.id, step).await?;
        let (codes, hashes) = recovery::generate(customer.id)?;
        factors.store.replace_recovery_codes(customer.id, &hashes).await?;
        self.factor_changed(
            customer,
            keep,
            "authenticator app added",
            "An authenticator app was added to your account",
        )
        .await?;
        Ok(codes)
    }

    /// Removes the customer's authenticator app (and, with no factor left, their recovery
    /// codes), ends their other sessions, mails them and writes an audit event. Ask for a fresh
    /// proof first ([`confirm_identity`](Self::confirm_identity)). Whether there was one.
    pub async fn remove_totp(&self, customer: &Customer, keep: Option<&SessionKey>) -> Result<bool> {
        let factors = self.factors()?;
        let removed = factors.store.delete_totp(customer.id).await?;
        if removed {
            factors.store.replace_recovery_codes(customer.id, &[]).await?;
            self.factor_changed(
                customer,
                keep,
                "authenticator app removed",
                "The authenticator app was removed from your account",
            )
            .await?;
        }
        Ok(removed)
    }

    /// Ten new recovery codes in place of the old ones (which stop working), shown once; ends
    /// the customer's other sessions, mails them and writes an audit event. Only for a customer
    /// with a second factor. Ask for a fresh proof first.
    pub async fn regenerate_recovery_codes(
        &self,
        customer: &Customer,
        keep: Option<&SessionKey>,
    ) -> Result<RecoveryCodes> {
        let factors = self.factors()?;
        if factors.store.totp(customer.id).await?.is_none() {
            return Err(Error::Config("recovery codes go with a second factor; add an authenticator app first".into()));
        }
        let (codes, hashes) = recovery::generate(customer.id)?;
        factors.store.replace_recovery_codes(customer.id, &hashes).await?;
        self.factor_changed(
            customer,
            keep,
            "recovery codes regenerated",
            "New recovery codes were made for your account",
        )
        .await?;
        Ok(codes)
    }

    /// A fresh proof before a sensitive change (ASVS 7.5.1): the customer's password, or a code
    /// of their second factor (spent as at login). A wrong one counts as a failed login and
    /// answers [`Error::InvalidCredentials`].
    pub async fn confirm_identity(&self, customer: &Customer, password_or_code: &str) -> Result<()> {
        // Only codes are typed: a customer whose one factor is a passkey types their password.
        let factors = self.second_factors(customer.id).await?;
        let has_factor = factors.totp_enrolled_at.is_some() || factors.recovery_codes_left > 0;
        let looks_like_code =
            totp::looks_like_totp(password_or_code) || recovery::hash(customer.id, password_or_code).is_some();
        if has_factor && looks_like_code {
            if self.check_code(customer, password_or_code).await?.is_some() && !customer.is_locked(Timestamp::now()) {
                tracing::info!(target: AUDIT, customer_id = %customer.id, outcome = "success", "identity confirmed");
                return Ok(());
            }
            self.record_failed_login(customer.id).await?;
            return Err(Error::InvalidCredentials);
        }
        self.confirm_password(customer, &Password::new(password_or_code), "identity confirmation").await?;
        tracing::info!(target: AUDIT, customer_id = %customer.id, outcome = "success", "identity confirmed");
        Ok(())
    }

    /// What every change of a factor does once it is stored.
    pub(crate) async fn factor_changed(
        &self,
        customer: &Customer,
        keep: Option<&SessionKey>,
        event: &'static str,
        subject: &'static str,
    ) -> Result<()> {
        let ended = match (keep, &self.inner.sessions) {
            (Some(keep), Some(_)) => self.end_other_sessions(customer.id, keep).await?,
            (None, Some(_)) => self.end_sessions(customer.id).await?,
            (_, None) => 0,
        };
        tracing::info!(target: AUDIT, customer_id = %customer.id, sessions_ended = ended, outcome = "success", "{event}");
        if let Some(mail) = self.inner.mail.clone() {
            let notice = Email {
                to: customer.email.clone(),
                subject: subject.to_owned(),
                body: format!(
                    "Hello {},\n\n{} ({}). Your other sessions were logged out.\n\nIf this was not you, reset your \
                     password at {}/forgot at once and tell us.\n",
                    customer.first_name, subject, event, mail.base_url
                ),
            };
            let id = customer.id;
            tokio::spawn(async move {
                if let Err(err) = mail.mailer.send(&notice).await {
                    tracing::error!(customer_id = %id, error = %err, "the security notice could not be sent");
                }
            });
        }
        Ok(())
    }
}
