//! Where passkeys live: a trait of its own, so a store without passkeys still serves the rest,
//! and an app opts in with [`Auth::with_passkeys`](crate::Auth::with_passkeys).

use async_trait::async_trait;

use crate::{CustomerId, Result, Timestamp};

/// A customer's registered passkey, as a store keeps it.
#[derive(Clone, PartialEq, Eq)]
pub struct PasskeyRecord {
    /// The credential id the authenticator chose: unique across all customers.
    pub credential_id: Vec<u8>,
    /// Whose passkey it is.
    pub customer_id: CustomerId,
    /// The name the customer gave it ("phone", "laptop").
    pub name: String,
    /// The credential (public key, signature counter, flags) as webauthn-rs serialises it,
    /// opaque to stores.
    pub credential: Vec<u8>,
    /// When it was registered.
    pub created_at: Timestamp,
    /// When it last logged the customer in.
    pub last_used_at: Option<Timestamp>,
}

impl std::fmt::Debug for PasskeyRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasskeyRecord")
            .field("customer_id", &self.customer_id)
            .field("name", &self.name)
            .field("created_at", &self.created_at)
            .field("last_used_at", &self.last_used_at)
            .finish_non_exhaustive()
    }
}

/// Where customers' passkeys are kept. A credential id belongs to one passkey at most (the
/// store enforces it atomically, the conformance suite checks it); deleting a customer deletes
/// their passkeys.
#[async_trait]
pub trait PasskeyStore: std::fmt::Debug + Send + Sync + 'static {
    /// Stores a new passkey: false, storing nothing, when its credential id is registered
    /// already (to this customer or another). [`Error::NotFound`](crate::Error::NotFound)
    /// when the customer does not exist.
    async fn add_passkey(&self, record: &PasskeyRecord) -> Result<bool>;

    /// The customer's passkeys, oldest first.
    async fn passkeys(&self, customer: CustomerId) -> Result<Vec<PasskeyRecord>>;

    /// The passkey with this credential id, whoever's it is.
    async fn find_passkey(&self, credential_id: &[u8]) -> Result<Option<PasskeyRecord>>;

    /// After a login with it: the passkey's new credential (its signature counter) and when it
    /// was used, if its stored credential is still `previous` (the one the login was checked
    /// against). Whether it was: of two concurrent logins with one counter value, one wins.
    async fn update_passkey(
        &self,
        credential_id: &[u8],
        previous: &[u8],
        credential: &[u8],
        used_at: Timestamp,
    ) -> Result<bool>;

    /// Removes the customer's passkey with this credential id (never another customer's).
    /// Whether there was one.
    async fn remove_passkey(&self, customer: CustomerId, credential_id: &[u8]) -> Result<bool>;
}
