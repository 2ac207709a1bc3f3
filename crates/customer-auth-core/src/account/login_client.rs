//! Who is trying to log in, as far as the failed-login budgets care: the client's address and
//! the device cookie it presented.

use std::net::IpAddr;

use sha2::{Digest, Sha256};

use crate::account::known_device::KnownDevice;
use crate::secret_bytes::store_key;
use crate::username_key;

store_key!(
    /// The key a store counts one client's failed logins against one account under: 16 bytes
    /// of a SHA-256 over the username and the client, so a store never holds an address.
    AttemptKey,
    16
);

/// The client of a login attempt, for [`Auth::authenticate_client`](crate::Auth::authenticate_client).
/// Web layers fill it from the request: the client address (after trusted proxies) and the
/// device cookie an earlier login set.
#[derive(Clone, Default)]
pub struct LoginClient {
    /// The client's address. IPv6 addresses count by their /64 network, which one subscriber
    /// usually holds whole.
    pub address: Option<IpAddr>,
    /// The device cookie's value, as the browser sent it; verified before it counts.
    pub device_cookie: Option<String>,
}

impl LoginClient {
    /// A client at `address` with the device cookie it sent, if any.
    pub fn new(address: Option<IpAddr>, device_cookie: Option<String>) -> Self {
        Self { address, device_cookie }
    }

    /// What this client's failures against `username` are counted under: its device when the
    /// device is known, else its address; `None` when there is neither to tell it by.
    pub(crate) fn attempt_key(&self, username: &str, device: Option<&KnownDevice>) -> Option<AttemptKey> {
        let mut hash = Sha256::new();
        hash.update(b"customer-auth failed logins\0");
        hash.update(username_key(username).as_bytes());
        hash.update([0]);
        match (device, self.address) {
            (Some(device), _) => {
                hash.update(b"device\0");
                hash.update(device.customer_id.as_bytes());
                hash.update(device.nonce);
            }
            (None, Some(IpAddr::V4(v4))) => {
                hash.update(b"ipv4\0");
                hash.update(v4.octets());
            }
            (None, Some(IpAddr::V6(v6))) => match v6.to_ipv4_mapped() {
                Some(v4) => {
                    hash.update(b"ipv4\0");
                    hash.update(v4.octets());
                }
                None => {
                    hash.update(b"ipv6/64\0");
                    hash.update(&v6.octets()[..8]);
                }
            },
            (None, None) => return None,
        }
        let digest = hash.finalize();
        let mut key = [0u8; AttemptKey::LEN];
        key.copy_from_slice(&digest[..AttemptKey::LEN]);
        Some(AttemptKey::from_bytes(key))
    }
}

impl std::fmt::Debug for LoginClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginClient")
            .field("address", &self.address)
            .field("device_cookie", &self.device_cookie.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(address: &str) -> Option<AttemptKey> {
        LoginClient::new(Some(address.parse().unwrap()), None).attempt_key("Ada", None)
    }

    #[test]
    fn clients_count_by_address_and_ipv6_by_its_network() {
        assert_eq!(key("192.0.2.1"), key("192.0.2.1"));
        assert_ne!(key("192.0.2.1"), key("192.0.2.2"));
        assert_eq!(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff::9"), "one /64 is one client");
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("::ffff:192.0.2.1"), key("192.0.2.1"), "a mapped address is its IPv4 one");
        let client = LoginClient::new(Some("192.0.2.1".parse().unwrap()), None);
        assert_eq!(client.attempt_key("ADA ", None), client.attempt_key("ada", None), "usernames as they are unique");
        assert_ne!(client.attempt_key("bob", None), client.attempt_key("ada", None));
        assert_eq!(LoginClient::default().attempt_key("ada", None), None);
    }

    #[test]
    fn debug_hides_the_device_cookie() {
        let client = LoginClient::new(None, Some("secret-cookie".into()));
        assert!(!format!("{client:?}").contains("secret-cookie"));
    }
}
