//! Passwords: the secret newtypes, the rules a new password must pass, and hashing on threads
//! of its own (bcrypt's engine, several hashes interleaved per thread, and the pool that runs
//! it at a lower CPU priority than request handling).

mod bcrypt_lanes;
mod bcrypt_text;
mod blowfish_constants;
pub(crate) mod common_passwords;
mod cpu_wait;
mod hash_pool;
mod hasher;
mod secret;

pub use hasher::{DEFAULT_COST, MAX_COST, MIN_COST, PasswordHasher};
pub use secret::{Password, PasswordHash};
