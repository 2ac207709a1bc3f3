//! Where second factors live: a trait of its own, so a store that has none still serves
//! passwords and sessions, and an app opts in with [`Auth::with_second_factors`](crate::Auth::with_second_factors).

use async_trait::async_trait;

use crate::{CustomerId, RecoveryCodeHash, Result, Timestamp};

/// A customer's confirmed TOTP authenticator, as a store keeps it.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpRecord {
    /// The secret, sealed with the app's [`FactorKey`](crate::FactorKey): stores never see it
    /// in plain.
    pub sealed_secret: Vec<u8>,
    /// When the customer confirmed it with a first code.
    pub enrolled_at: Timestamp,
}

impl std::fmt::Debug for TotpRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TotpRecord").field("enrolled_at", &self.enrolled_at).finish_non_exhaustive()
    }
}

/// Where customers' second factors are kept: a TOTP authenticator, the last TOTP step used, and
/// the hashes of their recovery codes. What must hold under concurrency is the store's to
/// enforce atomically (the conformance suite checks it): a step is accepted once, a recovery
/// code is spent once. Deleting a customer deletes their factors.
#[async_trait]
pub trait SecondFactorStore: std::fmt::Debug + Send + Sync + 'static {
    /// The customer's TOTP authenticator, if they have one.
    async fn totp(&self, customer: CustomerId) -> Result<Option<TotpRecord>>;

    /// Stores the customer's TOTP authenticator, replacing one they had, and forgets the
    /// steps used with the old one. [`Error::NotFound`](crate::Error::NotFound) when the
    /// customer does not exist.
    async fn put_totp(&self, customer: CustomerId, record: &TotpRecord) -> Result<()>;

    /// Removes the customer's TOTP authenticator; whether there was one.
    async fn delete_totp(&self, customer: CustomerId) -> Result<bool>;

    /// Marks `step` used if it is later than every step used before for this customer, and
    /// says whether it was: true at most once per step, and false for a step at or before the
    /// last one used (a replayed code, or an older one), whatever the concurrency.
    async fn use_totp_step(&self, customer: CustomerId, step: u64) -> Result<bool>;

    /// Replaces every recovery code of the customer with `codes`.
    /// [`Error::NotFound`](crate::Error::NotFound) when the customer does not exist.
    async fn replace_recovery_codes(&self, customer: CustomerId, codes: &[RecoveryCodeHash]) -> Result<()>;

    /// Spends the customer's recovery code `code`: how many are left when it was there, `None`
    /// when it was not (never had, or spent already). Two concurrent calls with one code see
    /// exactly one `Some`.
    async fn use_recovery_code(&self, customer: CustomerId, code: &RecoveryCodeHash) -> Result<Option<u32>>;

    /// How many unspent recovery codes the customer has.
    async fn recovery_codes_left(&self, customer: CustomerId) -> Result<u32>;
}
