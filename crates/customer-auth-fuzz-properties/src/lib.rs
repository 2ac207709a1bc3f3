//! The properties customer-auth's fuzz targets check, one module per target.
//!
//! Each module's `check(data)` takes the fuzzer's raw bytes and panics when the property does
//! not hold: a panic is how libFuzzer learns of a failure, so here it is the point, not a bug.
//! The targets in `fuzz/fuzz_targets` are one-line wrappers, and `tests/replay.rs` runs the same
//! functions over the committed seeds with plain `cargo test`, so the properties stay compiled
//! and exercised without libFuzzer or a nightly flag.

// A property that does not hold must panic, and its checks read best as unwrap and assert.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

pub mod bcrypt_differential;
pub mod redirect_target;
pub mod registration;
pub mod session_cookie;
pub mod session_record;
pub mod stored_hash;

/// The names of the targets, which are also the folders of their seeds under `fuzz/seeds/`.
pub const TARGETS: [&str; 6] =
    ["redirect_target", "session_cookie", "registration", "session_record", "bcrypt_differential", "stored_hash"];

/// Runs the named target's property on `data`; `false` when no target has that name.
pub fn check(target: &str, data: &[u8]) -> bool {
    let check = match target {
        "redirect_target" => redirect_target::check,
        "session_cookie" => session_cookie::check,
        "registration" => registration::check,
        "session_record" => session_record::check,
        "bcrypt_differential" => bcrypt_differential::check,
        "stored_hash" => stored_hash::check,
        _ => return false,
    };
    check(data);
    true
}
