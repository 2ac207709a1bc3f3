//! Unique usernames and emails across slots. A customer's hash lives in the slot of its id, its
//! username and email index keys each in a slot of their own, so no one script can check and
//! write all three. Instead:
//!
//! - An index key is claimed with `SET NX` (a script that returns the owner): of any number of
//!   racing claims exactly one wins, by Redis's own atomicity on that key.
//! - The customer's hash is the record of truth. An index key counts as its owner's only while
//!   the owner's hash exists and holds that value (`username_key`/`email_key`), or while an
//!   update of the owner holds a live claim to it (a `claim:<kind>:<value>` field with a
//!   deadline). A registration writes the hash first, marked `pending` and expiring with its
//!   lease, and removes the mark last; an index key whose owner is pending counts as taken.
//! - An index key that does not count (its registration died, its customer was deleted or
//!   renamed and the key was not cleaned up) is taken over with a compare-and-set, so nothing
//!   a crashed app instance leaves behind can block a name for longer than a lease.
//!
//! The cost is a few more round trips per registration and login look-up than one script on
//! one server would take; a login spends far longer on its password hash.

use customer_auth_core::{CustomerId, Error, Result};

use crate::RedisStore;
use crate::call::Call;

/// How long a registration or an update may take from its first step to its last (seconds):
/// each step is bounded by the response timeout, so only a stalled app instance runs out of it.
/// A registration that dies holds its username and email for at most this long.
pub(crate) const LEASE_SECS: u64 = 60;

/// How often a claim retries a take-over that lost to another take-over of the same stale key.
const TAKE_OVER_ATTEMPTS: usize = 4;

/// The two unique indexes of customers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Index {
    Username,
    Email,
}

impl Index {
    /// The hash field that holds the customer's value for this index.
    fn field(self) -> &'static str {
        match self {
            Self::Username => "username_key",
            Self::Email => "email_key",
        }
    }

    /// The hash field an update sets while it claims `value`.
    fn claim_field(self, value: &str) -> String {
        match self {
            Self::Username => format!("claim:username:{value}"),
            Self::Email => format!("claim:email:{value}"),
        }
    }

    fn duplicate(self) -> Error {
        match self {
            Self::Username => Error::DuplicateUsername,
            Self::Email => Error::DuplicateEmail,
        }
    }
}

impl RedisStore {
    fn index_key(&self, index: Index, value: &str) -> String {
        match index {
            Index::Username => self.keys().username(value),
            Index::Email => self.keys().email(value),
        }
    }

    /// Makes the index key of `value` point at `id`, unless it rightly belongs to another
    /// customer (then the index's duplicate error). The caller's hash must already say that it
    /// wants `value`: a pending registration, or an update's claim field.
    pub(crate) async fn claim(&self, index: Index, value: &str, id: CustomerId) -> Result<()> {
        let scripts = self.scripts();
        let key = self.index_key(index, value);
        let me = id.to_string();
        for _ in 0..TAKE_OVER_ATTEMPTS {
            let owner: Option<String> = self.eval_durable(&Call::new(&scripts.claim).key(key.clone()).arg(&me)).await?;
            let Some(owner) = owner else { continue };
            if owner == me {
                return Ok(());
            }
            let owner_id = owner
                .parse::<CustomerId>()
                .map_err(|err| Error::Corrupt(format!("an index key holds {owner:?}, not a customer id: {err}")))?;
            let holds: u64 = self
                .eval(
                    &Call::new(&scripts.holds_claim)
                        .key(self.keys().customer(owner_id))
                        .arg(index.field())
                        .arg(value)
                        .arg(index.claim_field(value)),
                )
                .await?;
            if holds == 1 {
                return Err(index.duplicate());
            }
            let taken: u64 =
                self.eval_durable(&Call::new(&scripts.take_over).key(key.clone()).arg(&owner).arg(&me)).await?;
            if taken == 1 {
                return Ok(());
            }
        }
        // Every round lost a take-over to another claim, which then owns the key.
        Err(index.duplicate())
    }

    /// Deletes the index key of `value` if it points at `id`. Best effort where it is called:
    /// a key left behind no longer counts (see the module docs) and is taken over when claimed.
    pub(crate) async fn release(&self, index: Index, value: &str, id: CustomerId) -> Result<()> {
        let call = Call::new(&self.scripts().release).key(self.index_key(index, value)).arg(id.to_string());
        let _: u64 = self.eval(&call).await?;
        Ok(())
    }

    /// Drops an update's claim fields from the customer's hash when it gives up.
    pub(crate) async fn drop_claims(&self, id: CustomerId, claims: &[(Index, String)]) -> Result<()> {
        if claims.is_empty() {
            return Ok(());
        }
        let fields: Vec<String> = claims.iter().map(|(index, value)| index.claim_field(value)).collect();
        let _: u64 =
            self.eval(&Call::new(&self.scripts().drop_claims).key(self.keys().customer(id)).arg(fields)).await?;
        Ok(())
    }

    /// The claim fields of `claims`, in the order the finishing script takes them.
    pub(crate) fn claim_fields(claims: &[(Index, String)]) -> Vec<String> {
        claims.iter().map(|(index, value)| index.claim_field(value)).collect()
    }
}
