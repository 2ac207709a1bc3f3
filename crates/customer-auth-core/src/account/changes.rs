//! What changes an account after registration: password change, roles, status, deletion and
//! ending sessions. Each change that could leave a session with a stale principal (the
//! session carries username, roles and status) ends the customer's sessions in the same call.
//!
//! The order is the same everywhere: the change is stored, then the customer's security stamp
//! moves on, then the sessions end. A login that read the customer before the change finds
//! another stamp when it checks right after writing its session (and gives the session up), or
//! checked before the stamp moved, and then wrote its session before the sessions ended; a
//! login that read the customer after the change sees the change itself.

use std::sync::Arc;

use crate::{
    Auth, Customer, CustomerId, CustomerStatus, Error, Password, Result, Roles, SessionKey, SessionRecord,
    SessionStore, Timestamp, validate_new_password,
};

/// What an account change left behind: the customer as stored now, and how many of their
/// sessions it ended.
#[derive(Debug, Clone)]
pub struct AccountChange {
    /// The customer after the change.
    pub customer: Customer,
    /// The sessions that ended with it.
    pub sessions_ended: u64,
}

/// The audit target every account event goes to.
const AUDIT: &str = "customer_auth::audit";

impl Auth {
    fn session_store(&self) -> Result<&Arc<dyn SessionStore>> {
        self.inner.sessions.as_ref().ok_or_else(|| {
            Error::Config(
                "this needs the session store to end the customer's sessions; build Auth with .with_sessions(store)"
                    .into(),
            )
        })
    }

    async fn existing(&self, id: CustomerId) -> Result<Customer> {
        self.inner.customers.find_customer(id).await?.ok_or(Error::NotFound)
    }

    /// Checks the customer's own password before `action`. A wrong one counts as a failed login,
    /// so guessing through an account form locks the account as the login form does; a locked
    /// account is refused with the same answer.
    pub(crate) async fn confirm_password(
        &self,
        customer: &Customer,
        password: &Password,
        action: &'static str,
    ) -> Result<()> {
        let matches = self.inner.hasher.verify(password, &customer.password_hash).await?;
        if matches && !customer.is_locked(Timestamp::now()) {
            return Ok(());
        }
        if !matches {
            self.record_failed_login(customer.id).await?;
        }
        tracing::info!(target: AUDIT, customer_id = %customer.id, outcome = "wrong_password", "{action} refused");
        Err(Error::InvalidCredentials)
    }

    /// Moves the customer's security stamp on, then ends their sessions: what every change that
    /// ends sessions does once the change itself is stored (see the module docs for why in
    /// this order). Returns the new stamp and how many sessions ended. A customer deleted
    /// meanwhile has no stamp to move; their sessions end all the same.
    pub(crate) async fn stamp_and_end_sessions(
        &self,
        sessions: &Arc<dyn SessionStore>,
        id: CustomerId,
    ) -> Result<(Option<u64>, u64)> {
        let stamp = self.bump_stamp(id).await?;
        Ok((stamp, sessions.delete_customer_sessions(id).await?))
    }

    /// The customer's stamp moved on; `None` when the customer is gone.
    async fn bump_stamp(&self, id: CustomerId) -> Result<Option<u64>> {
        match self.inner.customers.bump_security_stamp(id).await {
            Ok(stamp) => Ok(Some(stamp)),
            Err(Error::NotFound) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// Ends every session of the customer (log out everywhere) and returns how many there were.
    /// A login under way at the same time ends too.
    pub async fn end_sessions(&self, id: CustomerId) -> Result<u64> {
        let (_, ended) = self.stamp_and_end_sessions(self.session_store()?, id).await?;
        tracing::info!(target: AUDIT, customer_id = %id, sessions = ended, outcome = "success", "logged out everywhere");
        Ok(ended)
    }

    /// The customer's live sessions, newest first, for a "where am I signed in" page.
    pub async fn list_sessions(&self, id: CustomerId) -> Result<Vec<(SessionKey, SessionRecord)>> {
        let mut sessions = self.session_store()?.list_customer_sessions(id).await?;
        sessions.sort_by_key(|(_, record)| std::cmp::Reverse(record.created_at));
        Ok(sessions)
    }

    /// Ends every session of the customer except `keep` (the one asking) and returns how many.
    pub async fn end_other_sessions(&self, id: CustomerId, keep: &SessionKey) -> Result<u64> {
        let store = self.session_store()?;
        // A login under way elsewhere would otherwise survive: it is not in the list yet. The
        // session kept here passed its own check long ago.
        self.bump_stamp(id).await?;
        let mut ended = 0;
        for (key, _) in store.list_customer_sessions(id).await? {
            if key != *keep {
                store.delete_session(&key).await?;
                ended += 1;
            }
        }
        tracing::info!(target: AUDIT, customer_id = %id, sessions = ended, outcome = "success", "logged out other sessions");
        Ok(ended)
    }

    /// Ends one of the customer's sessions, the one filed under `key` (from
    /// [`list_sessions`](Self::list_sessions)), for a "log out that browser" button. Returns
    /// whether the customer had such a session: a key of another customer's session ends
    /// nothing, so a form that names keys cannot be turned against anyone else.
    ///
    /// ```
    /// # async fn example(auth: customer_auth::Auth, me: customer_auth::CustomerId) -> customer_auth::Result<()> {
    /// for (key, record) in auth.list_sessions(me).await? {
    ///     if record.user_agent().is_some_and(|agent| agent.contains("Windows")) {
    ///         auth.end_session(me, &key).await?;
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn end_session(&self, id: CustomerId, key: &SessionKey) -> Result<bool> {
        let store = self.session_store()?;
        let owned = store.list_customer_sessions(id).await?.iter().any(|(owned, _)| owned == key);
        if owned {
            store.delete_session(key).await?;
            tracing::info!(target: AUDIT, customer_id = %id, sessions = 1, outcome = "success", "logged out one session");
        }
        Ok(owned)
    }

    /// Changes a password after checking the current one.
    ///
    /// A wrong current password gives [`Error::InvalidCredentials`] (and counts as a failed
    /// login, so guessing through this form locks the account like the login form does); a new
    /// password that breaks the rules gives [`Error::Validation`] with the errors under
    /// `password` and `confirmPassword`. On success every session of the customer ends: log the
    /// current browser in again (which gives it a fresh session id) to keep it signed in.
    pub async fn change_password(
        &self,
        id: CustomerId,
        current: &Password,
        new: &Password,
        confirm: &Password,
    ) -> Result<Customer> {
        let sessions = self.session_store()?;
        let mut customer = self.existing(id).await?;
        self.confirm_password(&customer, current, "password change").await?;
        validate_new_password(new, confirm, &customer.username, &customer.email).map_err(Error::Validation)?;
        let hash = self.inner.hasher.hash(new).await?;
        let now = Timestamp::now();
        self.inner.customers.set_password_hash(id, &hash, now).await?;
        customer.password_hash = hash;
        customer.updated_at = now;
        let (stamp, _) = self.stamp_and_end_sessions(sessions, id).await?;
        // The caller may log this browser in again, with the stamp as it is now.
        customer.security_stamp = stamp.unwrap_or(customer.security_stamp);
        tracing::info!(target: AUDIT, customer_id = %id, outcome = "success", "password changed");
        Ok(customer)
    }

    /// Disables or enables a customer. Either way every session of theirs ends: the sessions
    /// carry the status, and ending them makes the change take effect at once.
    pub async fn set_status(&self, id: CustomerId, status: CustomerStatus) -> Result<AccountChange> {
        self.change_principal(id, "status changed", |customer| customer.status = status).await
    }

    /// Replaces a customer's roles; their sessions end, so the new roles are in force at the
    /// next login.
    pub async fn set_roles(&self, id: CustomerId, roles: Roles) -> Result<AccountChange> {
        self.change_principal(id, "roles changed", |customer| customer.roles = roles).await
    }

    /// Applies `change` to what the sessions carry of the customer (status, roles), stores it,
    /// then moves the stamp on and ends the sessions: a login racing with it sees the change,
    /// or finds the stamp moved and gives its session up, or has its session ended here.
    async fn change_principal(
        &self,
        id: CustomerId,
        event: &'static str,
        change: impl FnOnce(&mut Customer),
    ) -> Result<AccountChange> {
        let sessions = self.session_store()?;
        let mut customer = self.existing(id).await?;
        change(&mut customer);
        self.inner.customers.update_customer(&customer).await?;
        let (stamp, sessions_ended) = self.stamp_and_end_sessions(sessions, id).await?;
        customer.security_stamp = stamp.unwrap_or(customer.security_stamp);
        let roles = customer.roles.iter().map(String::as_str).collect::<Vec<_>>().join(",");
        tracing::info!(
            target: AUDIT,
            customer_id = %id,
            status = customer.status.as_str(),
            roles,
            sessions_ended,
            outcome = "success",
            "{event}"
        );
        Ok(AccountChange { customer, sessions_ended })
    }

    /// Deletes the customer's own account after checking the password: every session ends and
    /// the customer is gone. A wrong password gives [`Error::InvalidCredentials`] and counts as
    /// a failed login.
    pub async fn delete_account(&self, id: CustomerId, password: &Password) -> Result<()> {
        let sessions = self.session_store()?;
        let customer = self.existing(id).await?;
        self.confirm_password(&customer, password, "account deletion").await?;
        // The customer goes first: a login that checks after this finds nobody, and one that
        // checked before wrote its session before the sessions below end.
        self.inner.customers.delete_customer(id).await?;
        sessions.delete_customer_sessions(id).await?;
        tracing::info!(target: AUDIT, customer_id = %id, outcome = "success", "account deleted");
        Ok(())
    }
}
