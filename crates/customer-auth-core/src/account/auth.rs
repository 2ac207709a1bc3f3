use std::sync::Arc;

use crate::{
    AttemptKey, ClientBudget, Customer, CustomerId, CustomerStatus, CustomerStore, DeviceKey, Error, FailedLogin,
    HashPolicy, KnownDevice, LockoutPolicy, LoginClient, Mailer, Password, PasswordHasher, Registration, Result, Roles,
    SessionStore, Timestamp,
};

/// The service an app calls to register and log in customers. Cheap to clone: one reference
/// count, since web frameworks clone their state (an `Auth` among it) for every request.
#[derive(Debug, Clone)]
pub struct Auth {
    pub(crate) inner: Arc<Settings>,
}

/// What an [`Auth`] is made of, shared by its clones.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) customers: Arc<dyn CustomerStore>,
    /// Where the customers' sessions live, so that what changes a principal can end them.
    pub(crate) sessions: Option<Arc<dyn SessionStore>>,
    pub(crate) hasher: PasswordHasher,
    lockout: LockoutPolicy,
    /// Each client's own failed-login budget per account.
    pub(crate) client_budget: ClientBudget,
    /// Signs the cookies of browsers that logged in before; `None` only when the operating
    /// system's generator failed at start-up, and then every browser counts as new.
    pub(crate) device_key: Option<DeviceKey>,
    /// How account email goes out, and where its links point.
    pub(crate) mail: Option<MailSettings>,
    /// Whether a login needs a confirmed email address.
    pub(crate) require_confirmed_email: bool,
    /// Whether `sign_up` hides a taken email address.
    pub(crate) paranoid_registration: bool,
    /// Second factors' store and key, when the app turned them on.
    pub(crate) factors: Option<crate::factors::FactorSettings>,
    /// Passkeys' store and relying party, when the app turned them on.
    pub(crate) passkeys: Option<crate::factors::PasskeySettings>,
}

/// A mailer and the site's base URL (`https://shop.example`), for the links in account email.
#[derive(Debug, Clone)]
pub(crate) struct MailSettings {
    pub(crate) mailer: Arc<dyn Mailer>,
    pub(crate) base_url: String,
}

impl Auth {
    /// An `Auth` over `customers` with bcrypt cost 12, the default lockout policy and client
    /// budget, and a device key of its own (see [`with_device_key`](Self::with_device_key)).
    pub fn new(customers: Arc<dyn CustomerStore>) -> Self {
        let settings = Settings {
            customers,
            sessions: None,
            hasher: PasswordHasher::default(),
            lockout: LockoutPolicy::default(),
            client_budget: ClientBudget::default(),
            device_key: DeviceKey::generate().ok(),
            mail: None,
            require_confirmed_email: false,
            paranoid_registration: false,
            factors: None,
            passkeys: None,
        };
        Self { inner: Arc::new(settings) }
    }

    /// Changes a setting; only builders call it, before the `Auth` is shared.
    pub(crate) fn with_setting(mut self, change: impl FnOnce(&mut Settings)) -> Self {
        change(Arc::make_mut(&mut self.inner));
        self
    }

    /// Ends customers' sessions in `sessions` whenever their password, roles or status change,
    /// or the account is deleted. The account methods refuse to run without it, since they
    /// would leave sessions alive with a stale principal.
    pub fn with_sessions(self, sessions: Arc<dyn SessionStore>) -> Self {
        self.with_setting(|settings| settings.sessions = Some(sessions))
    }

    /// Sends account email (password reset and confirmation links) through `mailer`, with links
    /// under `base_url`, e.g. `https://shop.example` gives `https://shop.example/reset/<token>`.
    pub fn with_mailer(self, mailer: Arc<dyn Mailer>, base_url: impl Into<String>) -> Self {
        let base_url = base_url.into().trim_end_matches('/').to_owned();
        self.with_setting(|settings| settings.mail = Some(MailSettings { mailer, base_url }))
    }

    /// Requires a confirmed email address before login (off by default). Registration then
    /// sends a confirmation link, and [`authenticate`](Self::authenticate) answers
    /// [`Error::EmailNotConfirmed`] to the right password until the link is followed. Needs
    /// [`with_mailer`](Self::with_mailer).
    pub fn with_email_confirmation(self, required: bool) -> Self {
        self.with_setting(|settings| settings.require_confirmed_email = required)
    }

    /// True when a login needs a confirmed email address.
    pub fn requires_confirmed_email(&self) -> bool {
        self.inner.require_confirmed_email
    }

    /// Uses `hasher` (another policy, threads or argon2 cap) for new hashes and verification.
    pub fn with_hasher(self, hasher: PasswordHasher) -> Self {
        self.with_setting(|settings| settings.hasher = hasher)
    }

    /// Makes new password hashes under `policy` (bcrypt cost 12 by default), on the hasher's
    /// threads as they are. Stored hashes of every format customer-auth reads still verify, and
    /// a successful login whose hash is not the policy's stores a fresh one under it, so
    /// customers move to the policy as they log in. Call it after
    /// [`with_hasher`](Self::with_hasher), which brings a policy of its own.
    pub fn with_hash_policy(self, policy: HashPolicy) -> Self {
        self.with_setting(|settings| settings.hasher = settings.hasher.clone().with_policy(policy))
    }

    /// Uses `lockout` to lock accounts after failed logins.
    pub fn with_lockout(self, lockout: LockoutPolicy) -> Self {
        self.with_setting(|settings| settings.lockout = lockout)
    }

    /// Gives each client (address, or known browser) `budget` failed logins per account, on top
    /// of the account's own lockout policy.
    pub fn with_client_budget(self, budget: ClientBudget) -> Self {
        self.with_setting(|settings| settings.client_budget = budget)
    }

    /// Signs device cookies with `key`. Give every app instance that shares customers the same
    /// key; the default, a key of this process's own, makes a browser new again on another
    /// instance or after a restart (it then counts by its address, which is only stricter).
    pub fn with_device_key(self, key: DeviceKey) -> Self {
        self.with_setting(|settings| settings.device_key = Some(key))
    }

    /// A device cookie value for `customer`, to set when they log in (or follow an unlock
    /// link): that browser then keeps its own failed-login budget for the account, and a lock
    /// that guesses from elsewhere put on the account does not apply to it.
    pub fn device_cookie(&self, customer: &Customer) -> Result<String> {
        let key = self.inner.device_key.as_ref().ok_or_else(|| {
            Error::Config("no device key: the random generator failed at start-up; set one with with_device_key".into())
        })?;
        key.issue(customer.id)
    }

    /// The customer store.
    pub fn customers(&self) -> &Arc<dyn CustomerStore> {
        &self.inner.customers
    }

    /// The password hasher.
    pub fn hasher(&self) -> &PasswordHasher {
        &self.inner.hasher
    }

    /// Validates a registration form, hashes the password and stores the new customer.
    ///
    /// A form with errors gives [`Error::Validation`]; a taken username or email gives
    /// [`Error::DuplicateUsername`] or [`Error::DuplicateEmail`], decided by the store.
    pub async fn register(&self, registration: Registration) -> Result<Customer> {
        let new = registration.validate().map_err(Error::Validation)?;
        let password_hash = self.inner.hasher.hash(&new.password).await?;
        let now = Timestamp::now();
        let customer = Customer {
            id: CustomerId::new(),
            first_name: new.first_name,
            last_name: new.last_name,
            email: new.email,
            username: new.username,
            password_hash,
            roles: Roles::new(),
            status: CustomerStatus::Active,
            failed_logins: 0,
            locked_until: None,
            email_confirmed_at: None,
            security_stamp: 0,
            created_at: now,
            updated_at: now,
        };
        self.inner.customers.create_customer(&customer).await?;
        tracing::info!(target: "customer_auth::audit", customer_id = %customer.id, outcome = "success", "customer registered");
        if self.inner.require_confirmed_email {
            // The account exists either way: a failed mail is logged, and the customer can ask
            // for another link.
            if let Err(err) = self.send_confirmation(&customer).await {
                tracing::error!(customer_id = %customer.id, error = %err, "the confirmation email could not be sent");
            }
        }
        Ok(customer)
    }

    /// Checks a username and password and returns the customer, counting failures against
    /// the account only. A web login should call
    /// [`authenticate_client`](Self::authenticate_client), which also gives each client a
    /// budget of its own.
    pub async fn authenticate(&self, username: &str, password: &Password) -> Result<Customer> {
        self.authenticate_client(username, password, &LoginClient::default()).await
    }

    /// Checks a username and password from `client` and returns the customer.
    ///
    /// An unknown username and a wrong password give [`Error::InvalidCredentials`] after the
    /// same hashing work, so neither the answer nor its timing tells whether the account
    /// exists. Failures count twice: against the client (its address, or its device cookie when
    /// the account logged in from that browser before), which past its [`ClientBudget`] gets
    /// [`Error::TemporarilyLocked`] for the rest of the window, and against the account, which
    /// past its [`LockoutPolicy`] is locked for every client but its known browsers. Nobody can
    /// lock the owner out for good: their browser keeps its own budget, and an unlock link
    /// ([`request_unlock`](Self::request_unlock)) lifts the account's lock. Locked answers are
    /// given whatever the password, and for unknown usernames too.
    ///
    /// A right password for a disabled account gives [`Error::AccountDisabled`]. On success a
    /// hash that is not the policy's (another algorithm or format, other parameters) is
    /// replaced by one under the policy, and the client's failures are forgotten. The dummy
    /// verify behind an unknown username follows the policy too, so under either policy it
    /// costs what a wrong password for a customer already on the policy costs.
    pub async fn authenticate_client(
        &self,
        username: &str,
        password: &Password,
        client: &LoginClient,
    ) -> Result<Customer> {
        let customers = &self.inner.customers;
        let (device, attempt) = self.client_attempt(username, client);
        if self.past_client_budget(attempt.as_ref()).await? {
            self.inner.hasher.verify_dummy(password).await?;
            tracing::info!(target: "customer_auth::audit", outcome = "client_locked", "login refused");
            return Err(Error::TemporarilyLocked);
        }
        let Some(mut customer) = customers.find_customer_by_username(username).await? else {
            self.inner.hasher.verify_dummy(password).await?;
            tracing::info!(target: "customer_auth::audit", outcome = "unknown_username", "login failed");
            return Err(Error::InvalidCredentials);
        };
        let known_device = device.is_some_and(|device| device.customer_id == customer.id);
        let matches = self.inner.hasher.verify(password, &customer.password_hash).await?;
        let now = Timestamp::now();
        if customer.is_locked(now) && !known_device {
            tracing::info!(target: "customer_auth::audit", customer_id = %customer.id, outcome = "locked", "login refused");
            return Err(Error::TemporarilyLocked);
        }
        if !matches {
            // A known browser spends only its own budget: a thief of its cookie gets no more
            // guesses than any other client, and the owner's typos never lock the account.
            if known_device {
                tracing::info!(target: "customer_auth::audit", customer_id = %customer.id, outcome = "wrong_password", "login failed");
            } else {
                self.record_failed_login(customer.id).await?;
            }
            return Err(Error::InvalidCredentials);
        }
        if let Some(key) = &attempt {
            customers.clear_client_failures(key).await?;
        }
        if customer.status == CustomerStatus::Disabled {
            tracing::info!(target: "customer_auth::audit", customer_id = %customer.id, outcome = "disabled", "login refused");
            return Err(Error::AccountDisabled);
        }
        if self.inner.require_confirmed_email && customer.email_confirmed_at.is_none() {
            tracing::info!(target: "customer_auth::audit", customer_id = %customer.id, outcome = "email_not_confirmed", "login refused");
            return Err(Error::EmailNotConfirmed);
        }
        if customer.failed_logins > 0 || customer.locked_until.is_some() {
            customers.record_successful_login(customer.id, now).await?;
            customer.failed_logins = 0;
            customer.locked_until = None;
        }
        if self.inner.hasher.needs_rehash(&customer.password_hash) {
            // The login stands whatever the upgrade does: the password was right. A password
            // another system took but bcrypt cannot (over 72 bytes) keeps its old hash, which
            // still verifies.
            match self.inner.hasher.hash(password).await {
                Ok(fresh) => {
                    customers.set_password_hash(customer.id, &fresh, now).await?;
                    customer.password_hash = fresh;
                    tracing::info!(target: "customer_auth::audit", customer_id = %customer.id, policy = %self.inner.hasher.policy(), "password hash upgraded");
                }
                Err(err) => {
                    tracing::warn!(customer_id = %customer.id, error = %err, "the password hash was not upgraded to the policy; the old one stays");
                }
            }
        }
        tracing::info!(target: "customer_auth::audit", customer_id = %customer.id, outcome = "success", "login");
        Ok(customer)
    }

    /// The browser `client` proves it is (its device cookie, when signed by our key), and the
    /// failed-login budget an attempt on `username` from it spends.
    pub(crate) fn client_attempt(
        &self,
        username: &str,
        client: &LoginClient,
    ) -> (Option<KnownDevice>, Option<AttemptKey>) {
        let device = client.device_cookie.as_deref().and_then(|value| self.inner.device_key.as_ref()?.verify(value));
        let attempt = client.attempt_key(username, device.as_ref());
        (device, attempt)
    }

    /// Counts an attempt against the client's budget and says whether it is past it. Counted
    /// before the secret is checked, and forgotten again when it is right: a check first would
    /// let concurrent guesses all pass it before any of them counted.
    pub(crate) async fn past_client_budget(&self, attempt: Option<&AttemptKey>) -> Result<bool> {
        let Some(key) = attempt else { return Ok(false) };
        let budget = self.inner.client_budget;
        Ok(self.inner.customers.count_client_failure(key, budget.window, Timestamp::now()).await? > budget.failures)
    }

    /// The customer with this id.
    pub async fn find_customer(&self, id: CustomerId) -> Result<Option<Customer>> {
        self.inner.customers.find_customer(id).await
    }

    /// Counts a failed login against the customer and locks the account when the policy says so.
    pub async fn record_failed_login(&self, id: CustomerId) -> Result<FailedLogin> {
        let failed = self.inner.customers.record_failed_login(id, Timestamp::now(), &self.inner.lockout).await?;
        tracing::info!(
            target: "customer_auth::audit",
            customer_id = %id,
            failed_logins = failed.failed_logins,
            locked = failed.locked_until.is_some(),
            outcome = "wrong_password",
            "login failed"
        );
        if let Some(until) = failed.locked_until {
            tracing::warn!(
                target: "customer_auth::audit",
                customer_id = %id,
                failed_logins = failed.failed_logins,
                locked_until = until.as_unix(),
                outcome = "locked",
                "account locked"
            );
        }
        Ok(failed)
    }
}
