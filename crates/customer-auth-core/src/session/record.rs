use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::{Customer, CustomerId, CustomerStatus, Error, Result, Timestamp};

/// The first byte of every encoded record, so the format can change without misreading old
/// records. Format 1 (still read) held the four times as they are; format 2 holds offsets.
const FORMAT_VERSION: u8 = 2;
const FORMAT_ABSOLUTE_TIMES: u8 = 1;
/// Format 2 without the customer's id, which the store keeps beside the record.
const FORMAT_DETACHED: u8 = 3;

/// A record as format 2 writes it: each time but the first as an offset from an earlier one.
/// The offsets are minutes to days, one to three bytes as varints where a time since 1970 takes
/// five: 9 bytes fewer for a fresh session. They wrap (and unwrap) rather than overflow, so any
/// four times round-trip exactly.
#[derive(Serialize)]
struct WireOut<'a, P> {
    principal: P,
    data: &'a BTreeMap<String, String>,
    created_at: i64,
    seen_after_created: i64,
    idle_after_seen: i64,
    absolute_after_created: i64,
}

/// A principal in format 3: all but the customer id, which the store's row holds.
#[derive(Serialize)]
struct DetachedOut<'a> {
    username: &'a str,
    roles: &'a [String],
    status: CustomerStatus,
}

/// What [`DetachedOut`] writes, read back.
#[derive(Deserialize)]
struct DetachedIn {
    username: String,
    roles: Vec<String>,
    status: CustomerStatus,
}

/// What [`WireOut`] writes, read back.
#[derive(Deserialize)]
struct WireIn<P> {
    principal: Option<P>,
    data: BTreeMap<String, String>,
    created_at: i64,
    seen_after_created: i64,
    idle_after_seen: i64,
    absolute_after_created: i64,
}

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
        self.encode_as(FORMAT_VERSION, &self.principal)
    }

    /// [`encode`](Self::encode) without the customer's id, for a store that keeps
    /// [`customer_id`](Self::customer_id) in a column of its own (to find a customer's sessions)
    /// and so need not keep it twice. Read it back with [`decode_detached`](Self::decode_detached).
    pub fn encode_detached(&self) -> Result<Vec<u8>> {
        let principal = self.principal.as_ref().map(|principal| DetachedOut {
            username: &principal.username,
            roles: &principal.roles,
            status: principal.status,
        });
        self.encode_as(FORMAT_DETACHED, principal)
    }

    fn encode_as(&self, version: u8, principal: impl Serialize) -> Result<Vec<u8>> {
        let created = self.created_at.as_unix();
        let seen = self.last_seen_at.as_unix();
        let wire = WireOut {
            principal,
            data: &self.data,
            created_at: created,
            seen_after_created: seen.wrapping_sub(created),
            idle_after_seen: self.idle_expires_at.as_unix().wrapping_sub(seen),
            absolute_after_created: self.absolute_expires_at.as_unix().wrapping_sub(created),
        };
        let mut bytes = vec![version];
        postcard::to_io(&wire, &mut bytes)
            .map_err(|err| Error::Corrupt(format!("a session record could not be encoded: {err}")))?;
        Ok(bytes)
    }

    /// Reads the form [`encode`](Self::encode) writes, and the earlier format 1. Any other bytes
    /// are an error, never a panic.
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        Self::decode_detached(bytes, None)
    }

    /// Reads what [`encode_detached`](Self::encode_detached) wrote, given the customer id kept
    /// beside it, and anything [`decode`](Self::decode) reads (those hold their own id).
    pub fn decode_detached(bytes: &[u8], customer_id: Option<CustomerId>) -> Result<Self> {
        match bytes.split_first() {
            Some((&FORMAT_VERSION, body)) => {
                Ok(postcard::from_bytes::<WireIn<Principal>>(body).map_err(undecodable)?.into_record(Some))
            }
            Some((&FORMAT_DETACHED, body)) => {
                let wire: WireIn<DetachedIn> = postcard::from_bytes(body).map_err(undecodable)?;
                if wire.principal.is_some() && customer_id.is_none() {
                    return Err(Error::Corrupt("a logged-in session was stored without its customer's id".into()));
                }
                Ok(wire.into_record(|principal| {
                    customer_id.map(|customer_id| Principal {
                        customer_id,
                        username: principal.username,
                        roles: principal.roles,
                        status: principal.status,
                    })
                }))
            }
            Some((&FORMAT_ABSOLUTE_TIMES, body)) => postcard::from_bytes(body).map_err(undecodable),
            Some((version, _)) => Err(Error::Corrupt(format!("session record format {version} is unknown"))),
            None => Err(Error::Corrupt("a session record was empty".into())),
        }
    }
}

fn undecodable(err: postcard::Error) -> Error {
    Error::Corrupt(format!("a session record could not be decoded: {err}"))
}

impl<P> WireIn<P> {
    fn into_record(self, principal: impl FnOnce(P) -> Option<Principal>) -> SessionRecord {
        let seen = self.created_at.wrapping_add(self.seen_after_created);
        SessionRecord {
            principal: self.principal.and_then(principal),
            data: self.data,
            created_at: Timestamp::from_unix(self.created_at),
            last_seen_at: Timestamp::from_unix(seen),
            idle_expires_at: Timestamp::from_unix(seen.wrapping_add(self.idle_after_seen)),
            absolute_expires_at: Timestamp::from_unix(self.created_at.wrapping_add(self.absolute_after_created)),
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

    fn logged_in(customer_id: CustomerId) -> SessionRecord {
        let mut record = record();
        record.principal = Some(Principal {
            customer_id,
            username: "ada".into(),
            roles: vec!["admin".into()],
            status: CustomerStatus::Active,
        });
        record
    }

    #[test]
    fn round_trips() {
        let record = logged_in(CustomerId::new());
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
    fn extreme_times_round_trip() {
        let mut record = record();
        for (created, seen, idle, absolute) in
            [(i64::MIN, i64::MAX, i64::MIN, i64::MAX), (0, -1, i64::MAX, i64::MIN), (1_800_000_000, 0, 5, -5)]
        {
            record.created_at = Timestamp::from_unix(created);
            record.last_seen_at = Timestamp::from_unix(seen);
            record.idle_expires_at = Timestamp::from_unix(idle);
            record.absolute_expires_at = Timestamp::from_unix(absolute);
            assert_eq!(SessionRecord::decode(&record.encode().unwrap()).unwrap(), record);
        }
    }

    #[test]
    fn records_written_in_format_1_still_read() {
        let record = logged_in(CustomerId::new());
        // What the previous release wrote: the record's own fields, times as they are.
        let mut old = vec![FORMAT_ABSOLUTE_TIMES];
        postcard::to_io(&record, &mut old).unwrap();
        assert_eq!(SessionRecord::decode(&old).unwrap(), record);
        assert_eq!(record.encode().unwrap().len(), old.len() - 9, "offsets save 9 bytes on a fresh login");
    }

    #[test]
    fn a_detached_record_takes_its_customer_id_from_beside_it() {
        let id = CustomerId::new();
        let mut record = logged_in(id);
        let detached = record.encode_detached().unwrap();
        assert_eq!(detached.len(), record.encode().unwrap().len() - 17, "the id and its length byte");
        assert_eq!(SessionRecord::decode_detached(&detached, Some(id)).unwrap(), record);
        assert!(SessionRecord::decode(&detached).is_err(), "a principal with no id is corrupt");
        // Records written whole read the same either way.
        let whole = record.encode().unwrap();
        assert_eq!(SessionRecord::decode_detached(&whole, None).unwrap(), record);

        record.principal = None;
        let anonymous = record.encode_detached().unwrap();
        assert_eq!(SessionRecord::decode(&anonymous).unwrap(), record);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for bytes in [&[][..], &[0], &[1], &[2], &[3], &[1, 255, 255, 255], &[2, 255, 255, 255], &[3, 1, 9], &[9, 1, 2]]
        {
            assert!(SessionRecord::decode(bytes).is_err(), "{bytes:?}");
        }
    }

    #[test]
    fn records_are_compact() {
        assert!(record().encode().unwrap().len() < 100);
    }
}
