//! Unlock links: an owner locked out by failed logins (someone else's guesses, most likely)
//! gets back in at once through a single-use link by email, as Devise's
//! `unlock_strategy = :email` does.

use crate::{Auth, Customer, Error, LoginClient, Result, Timestamp, Token, TokenPurpose};

const AUDIT: &str = "customer_auth::audit";

impl Auth {
    /// Mails an unlock link to the customer with this username or email address, if there is
    /// one; the same answer either way, the mail going out in the background. Needs
    /// [`with_mailer`](Self::with_mailer).
    pub async fn request_unlock(&self, username_or_email: &str) -> Result<()> {
        self.mail()?;
        let Some(customer) = self.find_by_email_or_username(username_or_email).await? else {
            tracing::info!(target: AUDIT, outcome = "unknown_customer", "unlock requested");
            return Ok(());
        };
        self.send_link_in_background(customer, TokenPurpose::Unlock, "unlock requested");
        Ok(())
    }

    /// Follows an unlock link from `client` (the browser that opened it): the account's lock
    /// and failure count are lifted and this client's failures forgotten. Give the browser a
    /// [`device_cookie`](Self::device_cookie) for the returned customer, so guesses from
    /// elsewhere cannot lock it out again. The customer still logs in with their password. A
    /// link that is unknown, used or expired gives [`Error::InvalidToken`].
    pub async fn unlock(&self, link_token: &str, client: &LoginClient) -> Result<Customer> {
        let token = Token::parse(link_token).ok_or(Error::InvalidToken)?;
        let customers = &self.inner.customers;
        let now = Timestamp::now();
        let Some(id) = customers.take_token(TokenPurpose::Unlock, &token.key(), now).await? else {
            tracing::info!(target: AUDIT, outcome = "invalid_token", "unlock refused");
            return Err(Error::InvalidToken);
        };
        let mut customer = customers.find_customer(id).await?.ok_or(Error::InvalidToken)?;
        customers.record_successful_login(id, now).await?;
        customer.failed_logins = 0;
        customer.locked_until = None;
        if let Some(key) = client.attempt_key(&customer.username, None) {
            customers.clear_client_failures(&key).await?;
        }
        tracing::info!(target: AUDIT, customer_id = %id, outcome = "success", "account unlocked");
        Ok(customer)
    }
}
