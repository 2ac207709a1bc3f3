//! `SessionRecord::decode`: bytes from a store (possibly corrupted or planted) never panic,
//! and whatever decodes round-trips.
//!
//! "No huge allocation from a tiny input" is checked two ways: libFuzzer's `-rss_limit_mb`
//! (and `-malloc_limit_mb` with a sanitizer) during runs, and here by the record re-encoding
//! to no more bytes than it was read from, so a record cannot be inflated by decoding it. A
//! record of the older format 1 may grow by a few bytes: its times are each at least one byte,
//! and format 2 writes three of them as offsets of up to ten bytes each.

use customer_auth_core::{CustomerId, SessionRecord};

/// The most a format-1 record grows when written in format 2.
const FORMAT_1_GROWTH: usize = 3 * 9;

/// Checks the property for `data` as stored record bytes.
pub fn check(data: &[u8]) {
    let Ok(record) = SessionRecord::decode(data) else { return };
    let encoded = record.encode().expect("a decoded record encodes");
    let growth = if data.first() == Some(&1) { FORMAT_1_GROWTH } else { 0 };
    assert!(
        encoded.len() <= data.len() + growth,
        "a {}-byte input decoded to a record that encodes to {} bytes",
        data.len(),
        encoded.len()
    );
    let again = SessionRecord::decode(&encoded).expect("an encoded record decodes");
    assert_eq!(again, record, "decode -> encode -> decode changed the record");
    assert_eq!(again.encode().expect("a decoded record encodes"), encoded, "the encoding is not canonical");

    check_detached(data, growth);
}

/// The same for a SQL store's row, whose customer id column completes a detached record.
fn check_detached(data: &[u8], growth: usize) {
    let column: CustomerId = "00000000-0000-4000-8000-000000000001".parse().expect("a valid id");
    let Ok(mut record) = SessionRecord::decode_detached(data, Some(column)) else { return };
    let detached = record.encode_detached().expect("a decoded record encodes detached");
    assert!(
        detached.len() <= data.len() + growth,
        "a {}-byte input grew to {} bytes detached",
        data.len(),
        detached.len()
    );
    // Written detached, the id is the column's whatever the input held.
    if let Some(principal) = record.principal.as_mut() {
        principal.customer_id = column;
    }
    let again = SessionRecord::decode_detached(&detached, Some(column)).expect("a detached record decodes");
    assert_eq!(again, record, "decode -> encode_detached -> decode changed the record");
}
