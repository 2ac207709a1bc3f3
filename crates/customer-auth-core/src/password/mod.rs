//! Passwords: the secret newtypes, the hashing policy, reading the hashes other systems
//! stored, and hashing on threads of its own (bcrypt's engine, several hashes interleaved per
//! thread, argon2 and PBKDF2 beside it, and the pool that runs them at a lower CPU priority
//! than request handling).

mod argon2_memory;
mod bcrypt_lanes;
mod bcrypt_text;
mod blowfish_constants;
pub(crate) mod common_passwords;
mod cpu_wait;
mod hash_pool;
mod hasher;
mod policy;
mod secret;
mod stored;

pub use hasher::PasswordHasher;
pub use policy::{
    ARGON2_ITERATIONS, ARGON2_MEMORY_KIB, ARGON2_PARALLELISM, DEFAULT_COST, HashAlgorithm, HashPolicy,
    MAX_ARGON2_ITERATIONS, MAX_ARGON2_MEMORY_KIB, MAX_ARGON2_PARALLELISM, MAX_COST, MIN_COST,
};
pub use secret::{Password, PasswordHash};
pub use stored::HashFormat;
