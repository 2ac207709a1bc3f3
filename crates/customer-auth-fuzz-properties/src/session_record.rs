//! `SessionRecord::decode`: bytes from a store (possibly corrupted or planted) never panic,
//! and whatever decodes round-trips.
//!
//! "No huge allocation from a tiny input" is checked two ways: libFuzzer's `-rss_limit_mb`
//! (and `-malloc_limit_mb` with a sanitizer) during runs, and here by the record re-encoding
//! to no more bytes than it was read from, so a record cannot be inflated by decoding it.

use customer_auth_core::SessionRecord;

/// Checks the property for `data` as stored record bytes.
pub fn check(data: &[u8]) {
    let Ok(record) = SessionRecord::decode(data) else { return };
    let encoded = record.encode().expect("a decoded record encodes");
    assert!(
        encoded.len() <= data.len(),
        "a {}-byte input decoded to a record that encodes to {} bytes",
        data.len(),
        encoded.len()
    );
    let again = SessionRecord::decode(&encoded).expect("an encoded record decodes");
    assert_eq!(again, record, "decode -> encode -> decode changed the record");
    assert_eq!(again.encode().expect("a decoded record encodes"), encoded, "the encoding is not canonical");
}
