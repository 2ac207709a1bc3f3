//! Fuzz target: see `customer_auth_fuzz_properties::stored_hash` for the property it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| customer_auth_fuzz_properties::stored_hash::check(data));
