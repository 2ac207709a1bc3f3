//! Signing session cookie values and checking their signatures.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::digest::{Key as BlockKey, KeyInit};
use hmac::{Hmac, Mac as _};
use sha2::Sha256;

/// The signature in front of a signed cookie's value: base64 (with padding) of an HMAC-SHA256.
pub(crate) const SIGNATURE_CHARS: usize = 44;

/// Signs cookie values in the cookie crate's format (its `SignedJar`): base64 of HMAC-SHA256
/// over the value, then the value. Keyed once, when the layer is built: keying costs two of
/// the four SHA-256 blocks a check takes, and every request with a cookie is checked.
#[derive(Clone)]
pub(crate) struct CookieSigner {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for CookieSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CookieSigner").finish_non_exhaustive()
    }
}

impl CookieSigner {
    pub(crate) fn new(key: &cookie::Key) -> Self {
        // HMAC pads a key shorter than the hash's block with zeros; the cookie crate's signing
        // key is 32 bytes, half a SHA-256 block, so this is the same MAC with no fallible call.
        let mut block = BlockKey::<Hmac<Sha256>>::default();
        for (slot, byte) in block.iter_mut().zip(key.signing()) {
            *slot = *byte;
        }
        Self { mac: <Hmac<Sha256> as KeyInit>::new(&block) }
    }

    /// `value` with its signature in front.
    pub(crate) fn sign(&self, value: &str) -> String {
        let mut mac = self.mac.clone();
        mac.update(value.as_bytes());
        let mut signed = STANDARD.encode(mac.finalize().into_bytes());
        signed.push_str(value);
        signed
    }

    /// The value of a signed cookie, when its signature is right.
    pub(crate) fn verified<'a>(&self, signed: &'a str) -> Option<&'a str> {
        let (signature, value) = signed.split_at_checked(SIGNATURE_CHARS)?;
        // One byte of room: base64 checks the room it needs before it knows the padding.
        let mut expected = [0u8; 33];
        let decoded = STANDARD.decode_slice(signature, &mut expected).ok()?;
        let mut mac = self.mac.clone();
        mac.update(value.as_bytes());
        // Constant-time, so the comparison tells a forger nothing.
        mac.verify_slice(expected.get(..decoded)?).ok()?;
        Some(value)
    }
}

#[cfg(test)]
mod tests {
    use cookie::{CookieJar, Key};

    use super::*;

    #[test]
    fn a_value_signed_by_the_cookie_crate_verifies_and_any_change_does_not() {
        let key = Key::generate();
        let signer = CookieSigner::new(&key);
        let mut jar = CookieJar::new();
        jar.signed_mut(&key).add(("sid", "the-value"));
        let signed = jar.get("sid").unwrap().value().to_owned();
        assert_eq!(signer.verified(&signed), Some("the-value"));

        assert_eq!(CookieSigner::new(&Key::generate()).verified(&signed), None, "another key");
        let (signature, value) = signed.split_at(SIGNATURE_CHARS);
        assert_eq!(signer.verified(&format!("{signature}the-valuE")), None, "another value");
        assert_eq!(signer.verified(value), None, "no signature");
        let mut flipped = signature.to_owned().into_bytes();
        flipped[3] = if flipped[3] == b'A' { b'B' } else { b'A' };
        let flipped = format!("{}{value}", String::from_utf8(flipped).unwrap());
        assert_eq!(signer.verified(&flipped), None, "a changed signature");
        for garbage in ["", "é", &"=".repeat(60), &"é".repeat(40)] {
            assert_eq!(signer.verified(garbage), None, "{garbage:?}");
        }
    }

    #[test]
    fn what_it_signs_the_cookie_crate_verifies() {
        let key = Key::generate();
        let signed = CookieSigner::new(&key).sign("the-value");
        let mut jar = CookieJar::new();
        jar.add_original(("sid", signed.clone()));
        assert_eq!(jar.signed(&key).get("sid").map(|cookie| cookie.value().to_owned()).as_deref(), Some("the-value"));
        assert_eq!(jar.signed(&Key::generate()).get("sid"), None, "another key");
        assert_eq!(signed.len(), SIGNATURE_CHARS + "the-value".len());
    }
}
