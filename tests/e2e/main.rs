//! End-to-end tests of the camerastore example over real HTTP (and one in Chromium), against
//! SQLite and the real PostgreSQL and Redis servers.
//!
//! One test binary on purpose: each file below used to be a binary of its own, and linking the
//! whole stack eight times cost minutes of every CI run on two cores. nextest still runs every
//! test in a process of its own.

// Tests state their expectations with unwrap and panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

mod account_security;
mod account_security_servers;
mod bad_input_at_scale;
mod browser;
mod brute_force;
mod camerastore;
mod email_links;
mod error_pages;
mod log_secrets;
mod passkeys;
mod scale_out;
mod second_factor;
mod store_faults;
