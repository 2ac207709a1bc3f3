use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::{Customer, CustomerId, CustomerStatus, Error, Result, Timestamp};

/// The first byte of every encoded record, so the format can change without misreading old
/// records.
const FORMAT_VERSION: u8 = 1;

/// The logged-in customer as a session carries it: enough for the login and role guards to
/// decide without reading the customer store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    /// The customer's id.
    pub customer_id: CustomerId,
    /// The username, for display.
    pub username: String,
    /// The roles held when the session was written.
    pub roles: Vec<String>,
    /// The status when the session was written.
    pub status: CustomerStatus,
}

impl Principal {
    /// The principal for a customer who just logged in.
    pub fn of(customer: &Customer) -> Self {
        Self {
            customer_id: customer.id,
            username: customer.username.clone(),
            roles: customer.roles.iter().cloned().collect(),
            status: customer.status,
        }
    }

    /// True when the principal holds `role`.
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|held| held == role)
    }
}

/// What a store keeps for one session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    /// The logged-in customer, or `None` for an anonymous session.
    pub principal: Option<Principal>,
    /// Small values by name (target URL, flash messages, CSRF token), each as JSON text.
    pub data: BTreeMap<String, String>,
    /// When the session was created.
    pub created_at: Timestamp,
    /// When the session was last seen (written at most once per touch interval).
    pub last_seen_at: Timestamp,
    /// The session ends if it is not seen again before this.
    pub idle_expires_at: Timestamp,
    /// The session ends at this time however active it is.
    pub absolute_expires_at: Timestamp,
}

impl SessionRecord {
    /// The data key under which a login records the browser's `User-Agent` (as JSON text), for
    /// a "where am I signed in" page.
    pub const USER_AGENT_KEY: &'static str = "_user_agent";

    /// The browser the customer logged in with, as its `User-Agent` said.
    pub fn user_agent(&self) -> Option<String> {
        self.data.get(Self::USER_AGENT_KEY).and_then(|json| serde_json::from_str(json).ok())
    }

    /// A new, empty session starting at `now`.
    pub fn new(now: Timestamp, idle_timeout: Duration, absolute_timeout: Duration) -> Self {
        Self {
            principal: None,
            data: BTreeMap::new(),
            created_at: now,
            last_seen_at: now,
            idle_expires_at: now.plus(idle_timeout),
            absolute_expires_at: now.plus(absolute_timeout),
        }
    }

    /// When the session ends: the earlier of its idle and absolute expiry.
    pub fn expires_at(&self) -> Timestamp {
        self.idle_expires_at.min(self.absolute_expires_at)
    }

    /// True once the session has ended.
    pub fn is_expired(&self, now: Timestamp) -> bool {
        self.expires_at() <= now
    }

    /// The logged-in customer's id, if any; stores index sessions by it.
    pub fn customer_id(&self) -> Option<CustomerId> {
        self.principal.as_ref().map(|principal| principal.customer_id)
    }

    /// Marks the session seen at `now`, pushing its idle expiry out.
    pub fn touch(&mut self, now: Timestamp, idle_timeout: Duration) {
        self.last_seen_at = now;
        self.idle_expires_at = now.plus(idle_timeout);
    }

    /// The compact binary form stores keep: a version byte, then postcard (varints, no field
    /// names). An anonymous record with a CSRF token is well under 100 bytes.
    pub fn encode(&self) -> Result<Vec<u8>> {
        let mut bytes = vec![FORMAT_VERSION];
        postcard::to_io(self, &mut bytes)
            .map_err(|err| Error::Corrupt(format!("a session record could not be encoded: {err}")))?;
        Ok(bytes)
    }

    /// Reads the form [`encode`](Self::encode) writes. Any other bytes are an error, never a
    /// panic.
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        match bytes.split_first() {
            Some((&FORMAT_VERSION, body)) => postcard::from_bytes(body)
                .map_err(|err| Error::Corrupt(format!("a session record could not be decoded: {err}"))),
            Some((version, _)) => Err(Error::Corrupt(format!("session record format {version} is unknown"))),
            None => Err(Error::Corrupt("a session record was empty".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> SessionRecord {
        let mut record = SessionRecord::new(
            Timestamp::from_unix(1_800_000_000),
            Duration::from_secs(1800),
            Duration::from_secs(7 * 86400),
        );
        record.data.insert("csrf".into(), "\"aGVsbG8gd29ybGQgaGVsbG8gd29ybGQgaGVsbG8gd29y\"".into());
        record
    }

    #[test]
    fn round_trips() {
        let mut record = record();
        record.principal = Some(Principal {
            customer_id: CustomerId::new(),
            username: "ada".into(),
            roles: vec!["admin".into()],
            status: CustomerStatus::Active,
        });
        assert_eq!(SessionRecord::decode(&record.encode().unwrap()).unwrap(), record);
    }

    #[test]
    fn expiry_is_the_earlier_of_idle_and_absolute() {
        let mut record = record();
        assert_eq!(record.expires_at(), record.idle_expires_at);
        record.touch(Timestamp::from_unix(1_800_000_000 + 7 * 86400), Duration::from_secs(1800));
        assert_eq!(record.expires_at(), record.absolute_expires_at);
        assert!(record.is_expired(record.absolute_expires_at));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for bytes in [&[][..], &[0], &[1], &[1, 255, 255, 255], &[9, 1, 2]] {
            assert!(SessionRecord::decode(bytes).is_err(), "{bytes:?}");
        }
    }

    #[test]
    fn records_are_compact() {
        assert!(record().encode().unwrap().len() < 100);
    }
}
