//! The state between the two steps of a login: a correct password for a customer with a second
//! factor is not a login yet.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::{Customer, CustomerId, Timestamp};

/// How long the second step may take after the password.
pub const SECOND_FACTOR_DEADLINE: Duration = Duration::from_secs(5 * 60);

/// What a correct password leads to.
#[derive(Debug)]
pub enum LoginStep {
    /// The customer has no second factor: log them in.
    Complete(Customer),
    /// The customer has a second factor: keep this in the session (never a principal, so no
    /// guard lets it through) and ask for a code; [`Auth::complete_login`](crate::Auth::complete_login)
    /// turns it into a login.
    SecondFactor(PendingLogin),
}

/// A login waiting for its second factor: who, until when, and the account's security stamp
/// at the password, so a change of the account meanwhile (a new password, a disable) ends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingLogin {
    /// The customer whose password was right.
    pub customer_id: CustomerId,
    /// Their security stamp then.
    pub security_stamp: u64,
    /// When the second step stops being accepted.
    pub expires_at: Timestamp,
}

impl PendingLogin {
    pub(crate) fn of(customer: &Customer) -> Self {
        Self {
            customer_id: customer.id,
            security_stamp: customer.security_stamp,
            expires_at: Timestamp::now().plus(SECOND_FACTOR_DEADLINE),
        }
    }

    /// Whether the second step is still accepted.
    pub fn is_live(&self, now: Timestamp) -> bool {
        now < self.expires_at
    }
}

/// What a customer has as second factors, for a security page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecondFactors {
    /// When their TOTP authenticator was enrolled, if they have one.
    pub totp_enrolled_at: Option<Timestamp>,
    /// Their unspent recovery codes.
    pub recovery_codes_left: u32,
    /// How many passkeys they registered.
    pub passkeys: u32,
}

impl SecondFactors {
    /// Whether a login needs a second step.
    pub fn any(&self) -> bool {
        self.totp_enrolled_at.is_some() || self.passkeys > 0
    }
}

/// A completed second step: the customer, and how many recovery codes are left when one was
/// spent (suggest making new ones when few are).
#[derive(Debug)]
pub struct SecondFactorLogin {
    /// Who logged in.
    pub customer: Customer,
    /// `Some` when a recovery code was used: how many remain.
    pub recovery_codes_left: Option<u32>,
}
