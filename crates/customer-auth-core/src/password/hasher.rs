use std::sync::Arc;

use crate::account::registration::MAX_PASSWORD_BYTES;
use crate::password::bcrypt_text::{self, StoredHash};
use crate::password::hash_pool::HashPool;
use crate::{Error, Password, PasswordHash, Result};

/// The bcrypt cost used when none is configured.
pub const DEFAULT_COST: u32 = 12;
/// The lowest bcrypt cost bcrypt accepts (for tests only: far too fast for real passwords).
pub const MIN_COST: u32 = 4;
/// The highest bcrypt cost bcrypt accepts.
pub const MAX_COST: u32 = 31;

/// The salt and digest of a real cost-4 hash. Verifying against it with the current cost in
/// front costs exactly as much as verifying a real hash of that cost, without computing one
/// at start-up.
const DUMMY_SALT_AND_DIGEST: &str = "PyOO4x2fSADRCvqbJjGV3.NxBuyf3SxtkAGm9Bp9lLzuGPd7tUoTy";

/// Hashes and verifies passwords with bcrypt, off the async runtime.
///
/// Every hash and verify runs on threads of the hasher's own, one per core unless
/// [`with_threads`](Self::with_threads) says otherwise, and on Linux at a lower CPU priority
/// than the rest of the process. A hash goes to an idle thread when there is one; when every
/// thread is busy, each computes up to four at once, interleaved: one bcrypt hash leaves most
/// of a core idle waiting on its own memory loads, and four in step fill those waits, for about
/// 2.5 times the hashes per core. The hashes are bcrypt's, bit for bit, readable by any bcrypt
/// library.
///
/// Hashing also steps aside after each key expansion (tens of microseconds, whatever the cost),
/// so a request waiting for a core gets one at once rather than when the scheduler gets round
/// to it. A hashing thread that had to wait for its core leaves it for 20 µs, which also lets
/// in other processes, such as a database server on the same machine, that a lower priority
/// alone would not (Linux ranks priorities only within a scheduling group, such as a
/// session). A flood of logins queues and slows logins, while every other request keeps its
/// worker threads and its CPU. A login whose client hung up is not hashed further, even half
/// way through. Cheap to clone; clones share the threads.
#[derive(Clone)]
pub struct PasswordHasher {
    cost: u32,
    pool: Arc<HashPool>,
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher").field("cost", &self.cost).field("threads", &self.pool.size()).finish()
    }
}

impl Default for PasswordHasher {
    fn default() -> Self {
        let cpus = std::thread::available_parallelism().map_or(1, usize::from);
        Self { cost: DEFAULT_COST, pool: Arc::new(HashPool::new(cpus)) }
    }
}

impl PasswordHasher {
    /// A hasher with bcrypt cost `cost` (4 to 31; 12 is the default, tests use 4) and a hashing
    /// thread per core.
    pub fn new(cost: u32) -> Result<Self> {
        if !(MIN_COST..=MAX_COST).contains(&cost) {
            return Err(Error::Config(format!(
                "bcrypt cost {cost} is out of range; use {} to {} (12 is a good default)",
                MIN_COST, MAX_COST
            )));
        }
        Ok(Self { cost, ..Self::default() })
    }

    /// Hashes on `threads` threads (at least 1) instead of one per core. Each computes up to
    /// four hashes at once; more wait their turn.
    pub fn with_threads(self, threads: usize) -> Self {
        Self { pool: Arc::new(HashPool::new(threads)), ..self }
    }

    /// The bcrypt cost new hashes get.
    pub fn cost(&self) -> u32 {
        self.cost
    }

    /// Hashes a password with the current cost. Refuses passwords over 72 bytes rather than
    /// let bcrypt truncate them.
    pub async fn hash(&self, password: &Password) -> Result<PasswordHash> {
        check_length(password)?;
        let cost = self.cost;
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt)
            .map_err(|err| Error::Hashing(format!("the operating system gave no random salt: {err}")))?;
        let digest = self.pool.digest(password.clone(), salt, cost).await?;
        Ok(PasswordHash::from_stored(bcrypt_text::format(cost, &salt, &digest)))
    }

    /// True when `password` matches `hash`. A password over 72 bytes never matches: bcrypt
    /// would compare only its first 72 bytes.
    pub async fn verify(&self, password: &Password, hash: &PasswordHash) -> Result<bool> {
        if check_length(password).is_err() {
            return Ok(false);
        }
        let stored = StoredHash::parse(hash.as_str()).map_err(|err| Error::Hashing(err.to_string()))?;
        let digest = self.pool.digest(password.clone(), *stored.salt(), stored.cost()).await?;
        Ok(stored.matches(&digest))
    }

    /// Spends the time of a verify at the current cost and returns nothing: what a login with
    /// an unknown username does, so it takes as long as a wrong password.
    pub async fn verify_dummy(&self, password: &Password) -> Result<()> {
        let dummy = PasswordHash::from_stored(format!("$2b${:02}${DUMMY_SALT_AND_DIGEST}", self.cost));
        self.verify(password, &dummy).await.map(drop)
    }

    /// True when `hash` was made with another cost or algorithm than the current policy, so a
    /// successful login should store a fresh hash.
    pub fn needs_rehash(&self, hash: &PasswordHash) -> bool {
        hash.bcrypt_cost() != Some(self.cost) || !hash.as_str().starts_with("$2b$")
    }
}

fn check_length(password: &Password) -> Result<()> {
    if password.expose().len() > MAX_PASSWORD_BYTES {
        return Err(Error::Hashing(format!(
            "passwords over {MAX_PASSWORD_BYTES} bytes are refused, because bcrypt would silently ignore the rest"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_then_verify() {
        let hasher = PasswordHasher::new(4).unwrap();
        let password = Password::new("correct horse battery");
        let hash = hasher.hash(&password).await.unwrap();
        assert_eq!(hash.bcrypt_cost(), Some(4));
        assert!(hasher.verify(&password, &hash).await.unwrap());
        assert!(!hasher.verify(&Password::new("correct horse batterY"), &hash).await.unwrap());
    }

    #[tokio::test]
    async fn a_73_byte_password_is_refused_not_truncated() {
        let hasher = PasswordHasher::new(4).unwrap();
        let long = Password::new("x".repeat(73));
        assert!(matches!(hasher.hash(&long).await, Err(Error::Hashing(_))));
        let hash72 = hasher.hash(&Password::new("x".repeat(72))).await.unwrap();
        // bcrypt alone would call these equal: it reads only 72 bytes.
        assert!(!hasher.verify(&long, &hash72).await.unwrap());
        assert!(hasher.verify(&Password::new("x".repeat(72)), &hash72).await.unwrap());
    }

    #[tokio::test]
    async fn the_dummy_hash_is_well_formed_at_every_cost() {
        for cost in [4, 5, 10] {
            let hasher = PasswordHasher::new(cost).unwrap();
            hasher.verify_dummy(&Password::new("anything at all")).await.unwrap();
        }
    }

    #[tokio::test]
    async fn needs_rehash_follows_the_policy() {
        let cost4 = PasswordHasher::new(4).unwrap();
        let cost5 = PasswordHasher::new(5).unwrap();
        let hash = cost4.hash(&Password::new("correct horse battery")).await.unwrap();
        assert!(!cost4.needs_rehash(&hash));
        assert!(cost5.needs_rehash(&hash));
        assert!(cost4.needs_rehash(&PasswordHash::from_stored("$2y$04$whatever")));
        assert!(cost4.needs_rehash(&PasswordHash::from_stored("plain text?")));
    }

    #[test]
    fn cost_out_of_range_is_a_config_error() {
        assert!(matches!(PasswordHasher::new(3), Err(Error::Config(_))));
        assert!(matches!(PasswordHasher::new(32), Err(Error::Config(_))));
        assert_eq!(PasswordHasher::default().cost(), 12);
    }

    #[tokio::test]
    async fn a_garbage_stored_hash_is_an_error_not_a_panic() {
        let hasher = PasswordHasher::new(4).unwrap();
        let result = hasher.verify(&Password::new("whatever pass"), &PasswordHash::from_stored("$2b$04$ü")).await;
        assert!(matches!(result, Err(Error::Hashing(_))));
    }
}
