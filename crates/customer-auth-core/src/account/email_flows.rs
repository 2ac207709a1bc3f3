//! The flows that go through email: password reset and email confirmation. Each link carries a
//! single-use [`Token`]; stores keep only its hash, and taking it is atomic.

use std::time::Duration;

use tracing::Instrument as _;

use crate::account::auth::MailSettings;
use crate::{
    Auth, Customer, Email, Error, Password, Result, Timestamp, Token, TokenPurpose, TokenRecord, validate_new_password,
};

/// How long a password reset link works.
pub const RESET_LINK_LIFETIME: Duration = Duration::from_secs(30 * 60);
/// How long an email confirmation link works.
pub const CONFIRMATION_LINK_LIFETIME: Duration = Duration::from_secs(48 * 60 * 60);
/// How long an unlock link works.
pub const UNLOCK_LINK_LIFETIME: Duration = Duration::from_secs(60 * 60);

const AUDIT: &str = "customer_auth::audit";

impl Auth {
    pub(crate) fn mail(&self) -> Result<&MailSettings> {
        self.inner.mail.as_ref().ok_or_else(|| {
            Error::Config("account email needs a mailer; build Auth with .with_mailer(mailer, base_url)".into())
        })
    }

    /// Replaces the customer's links of `purpose` with a fresh one and mails it.
    async fn send_link(&self, customer: &Customer, purpose: TokenPurpose) -> Result<()> {
        let mail = self.mail()?;
        let (lifetime, path, subject, text) = match purpose {
            TokenPurpose::PasswordReset => (
                RESET_LINK_LIFETIME,
                "reset",
                "Reset your password",
                "Someone (we hope you) asked to reset the password of your account. Choose a new one here; the link works once, for 30 minutes:",
            ),
            TokenPurpose::EmailConfirmation => (
                CONFIRMATION_LINK_LIFETIME,
                "confirm",
                "Confirm your email address",
                "Welcome! Confirm your email address to start using your account; the link works once, for 48 hours:",
            ),
            TokenPurpose::Unlock => (
                UNLOCK_LINK_LIFETIME,
                "unlock",
                "Unlock your account",
                "Someone (we hope you) asked to unlock your account after too many failed logins. Open this link in the browser you log in with to unlock it; it works once, for an hour:",
            ),
        };
        let token = Token::generate()?;
        self.inner.customers.delete_customer_tokens(customer.id, purpose).await?;
        let record = TokenRecord {
            key: token.key(),
            purpose,
            customer_id: customer.id,
            expires_at: Timestamp::now().plus(lifetime),
        };
        self.inner.customers.create_token(&record).await?;
        let body = format!(
            "Hello {},\n\n{text}\n\n{}/{path}/{}\n\nIf you did not ask for this, ignore this message.\n",
            customer.first_name,
            mail.base_url,
            token.as_str()
        );
        mail.mailer.send(&Email { to: customer.email.clone(), subject: subject.to_owned(), body }).await
    }

    /// Mails `customer` a fresh link of `purpose` in the background, so that neither the
    /// answer nor its timing tells whether anyone was found; failures are logged.
    pub(crate) fn send_link_in_background(&self, customer: Customer, purpose: TokenPurpose, event: &'static str) {
        let auth = self.clone();
        tokio::spawn(async move {
            match auth.send_link(&customer, purpose).await {
                Ok(()) => tracing::info!(target: AUDIT, customer_id = %customer.id, outcome = "sent", "{event}"),
                Err(err) => {
                    tracing::error!(target: AUDIT, customer_id = %customer.id, outcome = "failed", error = %err, "{event}");
                }
            }
        }
        // The request's span (its client address, say) stays on the events.
        .instrument(tracing::Span::current()));
    }

    pub(crate) async fn send_confirmation(&self, customer: &Customer) -> Result<()> {
        self.send_link(customer, TokenPurpose::EmailConfirmation).await?;
        tracing::info!(target: AUDIT, customer_id = %customer.id, outcome = "sent", "email confirmation requested");
        Ok(())
    }

    /// Starts a password reset for whoever has this email address or username (usernames
    /// cannot contain `@`, so the two never mix), answering the same whether or not anyone
    /// does: the link is made and mailed in the background, so neither the answer nor its
    /// timing tells. Only a store that cannot be reached is an error.
    pub async fn request_password_reset(&self, email_or_username: &str) -> Result<()> {
        self.mail()?;
        let Some(customer) = self.find_by_email_or_username(email_or_username).await? else {
            tracing::info!(target: AUDIT, outcome = "unknown_customer", "password reset requested");
            return Ok(());
        };
        self.send_link_in_background(customer, TokenPurpose::PasswordReset, "password reset requested");
        Ok(())
    }

    /// The customer a "forgot" form names: by email when it has an `@`, else by username.
    pub(crate) async fn find_by_email_or_username(&self, typed: &str) -> Result<Option<Customer>> {
        let customers = &self.inner.customers;
        if typed.contains('@') {
            customers.find_customer_by_email(typed).await
        } else {
            customers.find_customer_by_username(typed).await
        }
    }

    /// Sends a new confirmation link to the customer with `username`, if they have one and are
    /// not confirmed yet; the same answer either way, the mail going out in the background.
    pub async fn resend_confirmation(&self, username: &str) -> Result<()> {
        self.mail()?;
        let customer = self.inner.customers.find_customer_by_username(username).await?;
        let Some(customer) = customer.filter(|customer| customer.email_confirmed_at.is_none()) else {
            return Ok(());
        };
        let auth = self.clone();
        tokio::spawn(async move {
            if let Err(err) = auth.send_confirmation(&customer).await {
                tracing::error!(customer_id = %customer.id, error = %err, "the confirmation email could not be sent");
            }
        }
        .instrument(tracing::Span::current()));
        Ok(())
    }

    /// Sets a new password with the token from a reset link: the link then stops working,
    /// every session of the customer ends, a lockout is lifted, and the email address counts
    /// as confirmed (the link proved it). A link that is unknown, used or expired gives
    /// [`Error::InvalidToken`]; a password that breaks the rules gives [`Error::Validation`]
    /// and leaves the link usable.
    pub async fn reset_password(&self, link_token: &str, new: &Password, confirm: &Password) -> Result<Customer> {
        let token = Token::parse(link_token).ok_or(Error::InvalidToken)?;
        // Checked before the token is spent, so a typo does not cost the customer the link.
        // The username and email are unknown until then; the other rules all apply.
        validate_new_password(new, confirm, "", "").map_err(Error::Validation)?;
        let sessions = self.inner.sessions.as_ref().ok_or_else(|| {
            Error::Config("a reset ends the customer's sessions; build Auth with .with_sessions(store)".into())
        })?;
        let now = Timestamp::now();
        let Some(id) = self.inner.customers.take_token(TokenPurpose::PasswordReset, &token.key(), now).await? else {
            tracing::info!(target: AUDIT, outcome = "invalid_token", "password reset refused");
            return Err(Error::InvalidToken);
        };
        let mut customer = self.inner.customers.find_customer(id).await?.ok_or(Error::InvalidToken)?;
        let hash = self.inner.hasher.hash(new).await?;
        self.inner.customers.set_password_hash(id, &hash, now).await?;
        if customer.failed_logins > 0 || customer.locked_until.is_some() {
            self.inner.customers.record_successful_login(id, now).await?;
        }
        if customer.email_confirmed_at.is_none() {
            self.inner.customers.confirm_email(id, now).await?;
            customer.email_confirmed_at = Some(now);
        }
        let (stamp, _) = self.stamp_and_end_sessions(sessions, id).await?;
        customer.security_stamp = stamp.unwrap_or(customer.security_stamp);
        customer.password_hash = hash;
        customer.failed_logins = 0;
        customer.locked_until = None;
        tracing::info!(target: AUDIT, customer_id = %id, outcome = "success", "password reset");
        Ok(customer)
    }

    /// Confirms an email address with the token from a confirmation link. A link that is
    /// unknown, used or expired gives [`Error::InvalidToken`].
    pub async fn confirm_email(&self, link_token: &str) -> Result<Customer> {
        let token = Token::parse(link_token).ok_or(Error::InvalidToken)?;
        let now = Timestamp::now();
        let Some(id) = self.inner.customers.take_token(TokenPurpose::EmailConfirmation, &token.key(), now).await?
        else {
            tracing::info!(target: AUDIT, outcome = "invalid_token", "email confirmation refused");
            return Err(Error::InvalidToken);
        };
        self.inner.customers.confirm_email(id, now).await?;
        let mut customer = self.inner.customers.find_customer(id).await?.ok_or(Error::InvalidToken)?;
        customer.email_confirmed_at.get_or_insert(now);
        tracing::info!(target: AUDIT, customer_id = %id, outcome = "success", "email confirmed");
        Ok(customer)
    }
}
