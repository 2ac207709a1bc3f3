//! Registration that does not tell whether an email address has an account (Devise's
//! "paranoid mode"): with [`Auth::with_paranoid_registration`], a taken email answers as a
//! success does, and the address's owner gets a mail about it instead.

use crate::{Auth, Customer, Email, Error, Registration, Result};

const AUDIT: &str = "customer_auth::audit";

/// What [`Auth::sign_up`] did. Show the visitor the same page for both: "check your email".
#[derive(Debug, Clone)]
#[must_use]
pub enum Registered {
    /// A new customer was stored (and, with email confirmation, sent a link).
    Created(Box<Customer>),
    /// Paranoid registration only: the email address already has an account. Nothing was
    /// stored; its owner was mailed that someone tried to register with it.
    OwnerNotified,
}

impl Auth {
    /// Makes [`sign_up`](Self::sign_up) answer a registration with an email address that
    /// already has an account as it answers a success, and mail the address's owner instead
    /// ("someone tried to register with your address"), so the form does not tell who has an
    /// account, as `/forgot` does not. Off by default; needs
    /// [`with_mailer`](Self::with_mailer), and goes with
    /// [`with_email_confirmation`](Self::with_email_confirmation), without which a visitor
    /// expects to log in right after registering. A taken username is still reported.
    pub fn with_paranoid_registration(self, paranoid: bool) -> Self {
        self.with_setting(|settings| settings.paranoid_registration = paranoid)
    }

    /// Registers a customer as [`register`](Self::register) does. Under
    /// [`with_paranoid_registration`](Self::with_paranoid_registration), a taken email gives
    /// `Ok(Registered::OwnerNotified)` after the same hashing work as a success, and its owner
    /// gets a mail; otherwise it gives [`Error::DuplicateEmail`] as `register` does.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), customer_auth::Error> {
    /// use std::sync::Arc;
    /// use customer_auth::{Auth, MemoryStore, Password, PasswordHasher, Registered, Registration};
    /// # #[derive(Debug)]
    /// # struct Mailer;
    /// # #[async_trait::async_trait]
    /// # impl customer_auth::Mailer for Mailer {
    /// #     async fn send(&self, _: &customer_auth::Email) -> customer_auth::Result<()> { Ok(()) }
    /// # }
    ///
    /// let auth = Auth::new(Arc::new(MemoryStore::new()))
    ///     .with_hasher(PasswordHasher::new(4)?)
    ///     .with_mailer(Arc::new(Mailer), "https://shop.example")
    ///     .with_email_confirmation(true)
    ///     .with_paranoid_registration(true);
    /// let form = |username: &str| Registration {
    ///     first_name: "Ada".into(),
    ///     last_name: "Lovelace".into(),
    ///     email: "ada@example.com".into(),
    ///     username: username.into(),
    ///     password: Password::new("analytical engine"),
    ///     confirm_password: Password::new("analytical engine"),
    /// };
    /// assert!(matches!(auth.sign_up(form("ada")).await?, Registered::Created(_)));
    /// // Someone else tries the same address: the answer does not tell them it is taken.
    /// assert!(matches!(auth.sign_up(form("not_ada")).await?, Registered::OwnerNotified));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn sign_up(&self, registration: Registration) -> Result<Registered> {
        let email = registration.email.clone();
        match self.register(registration).await {
            Ok(customer) => Ok(Registered::Created(Box::new(customer))),
            Err(Error::DuplicateEmail) if self.inner.paranoid_registration => {
                self.notify_owner(&email).await?;
                Ok(Registered::OwnerNotified)
            }
            Err(err) => Err(err),
        }
    }

    /// Tells the owner of `email` that someone tried to register with it.
    async fn notify_owner(&self, email: &str) -> Result<()> {
        let mail = self.inner.mail.as_ref().ok_or_else(|| {
            Error::Config(
                "paranoid registration mails the address's owner; build Auth with .with_mailer(mailer, base_url)"
                    .into(),
            )
        })?;
        // Gone between the failed insert and now: nobody to tell, and nothing to show either.
        let Some(owner) = self.inner.customers.find_customer_by_email(email).await? else { return Ok(()) };
        let body = format!(
            "Hello {},\n\nSomeone tried to register a new account with this email address, which already has one.\n\n\
             If it was you: you can log in with your username, or choose a new password here:\n\n{}/forgot\n\n\
             If it was not you, you need not do anything; your account is unchanged.\n",
            owner.first_name, mail.base_url
        );
        let notice = Email {
            to: owner.email.clone(),
            subject: "Someone tried to register with your email address".into(),
            body,
        };
        // The visitor sees a success either way; a mail that fails is logged, as a failed
        // confirmation mail is after a real registration.
        if let Err(err) = mail.mailer.send(&notice).await {
            tracing::error!(customer_id = %owner.id, error = %err, "the registration notice could not be sent");
        }
        tracing::info!(target: AUDIT, customer_id = %owner.id, outcome = "owner_notified", "registration with a taken email");
        Ok(())
    }
}
