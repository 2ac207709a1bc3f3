use std::sync::Arc;

use crate::account::registration::MAX_PASSWORD_BYTES;
use crate::password::argon2_memory::Argon2Memory;
use crate::password::bcrypt_text;
use crate::password::hash_pool::HashPool;
use crate::password::policy::{ARGON2_MEMORY_KIB, Scheme};
use crate::password::stored::{Argon2Hash, Stored, argon2_hash};
use crate::{Error, HashPolicy, Password, PasswordHash, Result};

/// The salt and digest of a real cost-4 hash. Verifying against it with the current cost in
/// front costs exactly as much as verifying a real hash of that cost, without computing one
/// at start-up.
const DUMMY_SALT_AND_DIGEST: &str = "PyOO4x2fSADRCvqbJjGV3.NxBuyf3SxtkAGm9Bp9lLzuGPd7tUoTy";

/// The argon2 memory the default cap on argon2 hashes in flight allows: 256 MiB, thirteen
/// hashes at OWASP's 19 MiB.
const DEFAULT_ARGON2_BUDGET_KIB: u64 = 256 * 1024;

/// The longest password verified against formats other than bcrypt, which reads no more than
/// 72 bytes. Other systems took longer passwords, and their customers still log in; past
/// this, a password is no one's and never matches.
const MAX_OTHER_PASSWORD_BYTES: usize = 1024;

/// Hashes and verifies passwords off the async runtime, under a [`HashPolicy`]: bcrypt (the
/// default, cost 12) or argon2id.
///
/// Verifying reads the stored hash's own format, whatever the policy: bcrypt, argon2id,
/// argon2i and argon2d, Django's PBKDF2-SHA256 and ASP.NET Identity v3 (see
/// [`HashFormat`](crate::HashFormat)). Other formats are refused with
/// [`Error::UnsupportedHash`], which names them where it can, never answered as a wrong
/// password.
///
/// Every hash and verify runs on threads of the hasher's own, one per core unless
/// [`with_threads`](Self::with_threads) says otherwise, and on Linux at a lower CPU priority
/// than the rest of the process. A hash goes to an idle thread when there is one; when every
/// thread is busy, each computes up to four bcrypt hashes at once, interleaved: one bcrypt
/// hash leaves most of a core idle waiting on its own memory loads, and four in step fill those
/// waits, for about 2.5 times the hashes per core. The hashes are bcrypt's, bit for bit,
/// readable by any bcrypt library.
///
/// bcrypt hashing also steps aside after each key expansion (tens of microseconds, whatever
/// the cost), so a request waiting for a core gets one at once rather than when the scheduler
/// gets round to it. A hashing thread that had to wait for its core leaves it for 20 µs, which
/// also lets in other processes, such as a database server on the same machine, that a lower
/// priority alone would not (Linux ranks priorities only within a scheduling group, such as a
/// session). A flood of logins queues and slows logins, while every other request keeps its
/// worker threads and its CPU. A login whose client hung up is not hashed further, even half
/// way through.
///
/// argon2 and PBKDF2 run on the same threads, one hash at a time per thread and whole. Each
/// argon2 hash holds its memory (19 MiB under OWASP's policy) while it runs, so no more than
/// [`argon2_in_flight`](Self::argon2_in_flight) run at once, whatever the threads: the rest
/// wait their turn without holding any. Their buffers are handed from hash to hash (wiped in
/// between), so after the first logins the process holds the cap's worth of argon2 memory and
/// no more. Cheap to clone; clones share the threads.
#[derive(Clone)]
pub struct PasswordHasher {
    policy: HashPolicy,
    pool: Arc<HashPool>,
    argon2_memory: Arc<Argon2Memory>,
    argon2_in_flight: usize,
    /// Set by [`with_argon2_in_flight`](Self::with_argon2_in_flight); otherwise the cap follows
    /// the threads and the policy.
    argon2_in_flight_fixed: bool,
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("policy", &self.policy)
            .field("threads", &self.pool.size())
            .field("argon2_in_flight", &self.argon2_in_flight)
            .finish()
    }
}

impl Default for PasswordHasher {
    fn default() -> Self {
        let cpus = std::thread::available_parallelism().map_or(1, usize::from);
        Self::on(HashPolicy::default(), Arc::new(HashPool::new(cpus)), None)
    }
}

impl PasswordHasher {
    /// A hasher with bcrypt cost `cost` (4 to 31; 12 is the default, tests use 4) and a hashing
    /// thread per core.
    pub fn new(cost: u32) -> Result<Self> {
        HashPolicy::bcrypt(cost).map(|policy| Self::default().with_policy(policy))
    }

    fn on(policy: HashPolicy, pool: Arc<HashPool>, fixed_cap: Option<usize>) -> Self {
        let argon2_in_flight = fixed_cap.unwrap_or_else(|| default_argon2_in_flight(pool.size(), policy));
        Self {
            policy,
            pool,
            argon2_memory: Arc::new(Argon2Memory::new(argon2_in_flight, policy_memory_kib(policy))),
            argon2_in_flight,
            argon2_in_flight_fixed: fixed_cap.is_some(),
        }
    }

    fn fixed_cap(&self) -> Option<usize> {
        self.argon2_in_flight_fixed.then_some(self.argon2_in_flight)
    }

    /// Makes new hashes under `policy`, on the same threads.
    pub fn with_policy(self, policy: HashPolicy) -> Self {
        let cap = self.fixed_cap();
        Self::on(policy, self.pool, cap)
    }

    /// Hashes on `threads` threads (at least 1) instead of one per core. Each computes up to
    /// four bcrypt hashes at once, or one of any other kind; more wait their turn.
    pub fn with_threads(self, threads: usize) -> Self {
        let cap = self.fixed_cap();
        Self::on(self.policy, Arc::new(HashPool::new(threads)), cap)
    }

    /// Lets at most `hashes` argon2 hashes (at least 1) compute at once, each holding its
    /// memory while it does. By default: one per hashing thread, but no more than fit in
    /// 256 MiB at the policy's memory (OWASP's 19 MiB when the policy is bcrypt).
    pub fn with_argon2_in_flight(self, hashes: usize) -> Self {
        Self::on(self.policy, self.pool, Some(hashes.max(1)))
    }

    /// How many argon2 hashes may compute at once.
    pub fn argon2_in_flight(&self) -> usize {
        self.argon2_in_flight
    }

    /// The policy new hashes are made under.
    pub fn policy(&self) -> HashPolicy {
        self.policy
    }

    /// Hashes a password under the policy. Under bcrypt, refuses passwords over 72 bytes
    /// rather than let bcrypt truncate them.
    pub async fn hash(&self, password: &Password) -> Result<PasswordHash> {
        match self.policy.scheme() {
            Scheme::Bcrypt { cost } => {
                check_length(password, MAX_PASSWORD_BYTES, "because bcrypt would silently ignore the rest")?;
                let salt = random_salt()?;
                let digest = self.pool.digest(password.clone(), salt, cost).await?;
                Ok(PasswordHash::from_stored(bcrypt_text::format(cost, &salt, &digest)))
            }
            Scheme::Argon2id(params) => {
                check_length(password, MAX_OTHER_PASSWORD_BYTES, "since no customer has one")?;
                let salt = random_salt()?;
                let mut memory = self.argon2_memory.lease().await?;
                let password = password.clone();
                let hashed = self
                    .pool
                    .run(move || argon2_hash(password.expose().as_bytes(), &salt, params, &mut memory))
                    .await?;
                hashed.map(PasswordHash::from_stored).map_err(Error::Hashing)
            }
        }
    }

    /// True when `password` matches `hash`, in whichever format customer-auth reads it was
    /// stored. A password over 72 bytes never matches a bcrypt hash: bcrypt would compare only
    /// its first 72 bytes. A hash in a format customer-auth cannot verify is
    /// [`Error::UnsupportedHash`]; a malformed one is [`Error::Hashing`].
    pub async fn verify(&self, password: &Password, hash: &PasswordHash) -> Result<bool> {
        let length = password.expose().len();
        match Stored::parse(hash.as_str())? {
            Stored::Bcrypt(_) if length > MAX_PASSWORD_BYTES => Ok(false),
            Stored::Argon2(_) | Stored::Pbkdf2(_) if length > MAX_OTHER_PASSWORD_BYTES => Ok(false),
            Stored::Bcrypt(stored) => {
                let digest = self.pool.digest(password.clone(), *stored.salt(), stored.cost()).await?;
                Ok(stored.matches(&digest))
            }
            Stored::Argon2(stored) => self.verify_argon2(password, stored).await,
            Stored::Pbkdf2(stored) => {
                let password = password.clone();
                self.pool.run(move || stored.matches(password.expose().as_bytes())).await
            }
        }
    }

    async fn verify_argon2(&self, password: &Password, stored: Argon2Hash) -> Result<bool> {
        // The lease, and with it the place among the hashes in flight, goes with the work: a
        // hash abandoned while it runs still holds its memory until it is done.
        let mut memory = self.argon2_memory.lease().await?;
        let password = password.clone();
        let matched = self.pool.run(move || stored.matches(password.expose().as_bytes(), &mut memory)).await?;
        matched.map_err(Error::Hashing)
    }

    /// Spends the time of a verify under the policy and returns nothing: what a login with
    /// an unknown username does, so it takes as long as a wrong password.
    pub async fn verify_dummy(&self, password: &Password) -> Result<()> {
        match self.policy.scheme() {
            Scheme::Bcrypt { cost } => {
                let dummy = PasswordHash::from_stored(format!("$2b${cost:02}${DUMMY_SALT_AND_DIGEST}"));
                self.verify(password, &dummy).await.map(drop)
            }
            Scheme::Argon2id(_) if password.expose().len() > MAX_OTHER_PASSWORD_BYTES => Ok(()),
            Scheme::Argon2id(params) => {
                let dummy = Argon2Hash::dummy(params).map_err(Error::Hashing)?;
                self.verify_argon2(password, dummy).await.map(drop)
            }
        }
    }

    /// True when `hash` is not what the policy writes (another algorithm, other parameters or
    /// another format), so a successful login should store a fresh hash.
    pub fn needs_rehash(&self, hash: &PasswordHash) -> bool {
        match self.policy.scheme() {
            Scheme::Bcrypt { cost } => hash.bcrypt_cost() != Some(cost) || !hash.as_str().starts_with("$2b$"),
            Scheme::Argon2id(params) => {
                !matches!(Stored::parse(hash.as_str()), Ok(Stored::Argon2(stored)) if stored.is_written_by(params))
            }
        }
    }
}

/// One argon2 hash per hashing thread, as many as fit in [`DEFAULT_ARGON2_BUDGET_KIB`].
fn default_argon2_in_flight(threads: usize, policy: HashPolicy) -> usize {
    let fit =
        usize::try_from(DEFAULT_ARGON2_BUDGET_KIB / u64::from(policy_memory_kib(policy).max(1))).unwrap_or(usize::MAX);
    fit.clamp(1, threads.max(1))
}

/// The memory of the policy's argon2 hashes; OWASP's under bcrypt, which still verifies
/// argon2 hashes that were imported.
fn policy_memory_kib(policy: HashPolicy) -> u32 {
    policy.argon2_params().map_or(ARGON2_MEMORY_KIB, |(memory_kib, _, _)| memory_kib)
}

fn random_salt<const N: usize>() -> Result<[u8; N]> {
    let mut salt = [0u8; N];
    getrandom::fill(&mut salt)
        .map_err(|err| Error::Hashing(format!("the operating system gave no random salt: {err}")))?;
    Ok(salt)
}

fn check_length(password: &Password, max: usize, why: &str) -> Result<()> {
    if password.expose().len() > max {
        return Err(Error::Hashing(format!("passwords over {max} bytes are refused, {why}")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HashAlgorithm;

    fn small_argon2() -> HashPolicy {
        HashPolicy::argon2id(64, 1, 1).unwrap()
    }

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
    async fn argon2id_hash_then_verify_under_either_policy() {
        let argon = PasswordHasher::default().with_policy(small_argon2());
        let password = Password::new("correct horse battery");
        let hash = argon.hash(&password).await.unwrap();
        assert!(hash.as_str().starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{hash:?}");
        assert!(argon.verify(&password, &hash).await.unwrap());
        assert!(!argon.verify(&Password::new("correct horse batterY"), &hash).await.unwrap());
        let bcrypt = PasswordHasher::new(4).unwrap();
        assert!(bcrypt.verify(&password, &hash).await.unwrap(), "a bcrypt policy still reads argon2id");
        assert!(bcrypt.needs_rehash(&hash));
        assert!(!argon.needs_rehash(&hash));
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
    async fn argon2id_takes_long_passwords_other_systems_took() {
        let hasher = PasswordHasher::default().with_policy(small_argon2());
        let long = Password::new("y".repeat(200));
        let hash = hasher.hash(&long).await.unwrap();
        assert!(hasher.verify(&long, &hash).await.unwrap());
        let endless = Password::new("y".repeat(MAX_OTHER_PASSWORD_BYTES + 1));
        assert!(matches!(hasher.hash(&endless).await, Err(Error::Hashing(_))));
        assert!(!hasher.verify(&endless, &hash).await.unwrap());
    }

    #[tokio::test]
    async fn the_dummy_hash_is_well_formed_under_every_policy() {
        for cost in [4, 5, 10] {
            let hasher = PasswordHasher::new(cost).unwrap();
            hasher.verify_dummy(&Password::new("anything at all")).await.unwrap();
        }
        let argon = PasswordHasher::default().with_policy(small_argon2());
        argon.verify_dummy(&Password::new("anything at all")).await.unwrap();
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
        let argon = PasswordHasher::default().with_policy(small_argon2());
        assert!(argon.needs_rehash(&hash), "bcrypt under an argon2id policy");
        let argon_hash = argon.hash(&Password::new("correct horse battery")).await.unwrap();
        let stronger = PasswordHasher::default().with_policy(HashPolicy::argon2id(64, 2, 1).unwrap());
        assert!(stronger.needs_rehash(&argon_hash), "other parameters");
        let argon2i = argon_hash.as_str().replacen("$argon2id$", "$argon2i$", 1);
        assert!(argon.needs_rehash(&PasswordHash::from_stored(argon2i)), "argon2i is not argon2id");
        assert!(argon.needs_rehash(&PasswordHash::from_stored("plain text?")));
    }

    #[test]
    fn cost_out_of_range_is_a_config_error() {
        assert!(matches!(PasswordHasher::new(3), Err(Error::Config(_))));
        assert!(matches!(PasswordHasher::new(32), Err(Error::Config(_))));
        assert_eq!(PasswordHasher::default().policy().bcrypt_cost(), Some(12));
        assert_eq!(PasswordHasher::default().policy().algorithm(), HashAlgorithm::Bcrypt);
    }

    #[test]
    fn the_argon2_cap_follows_threads_and_memory_unless_set() {
        let owasp = HashPolicy::argon2id_owasp();
        assert_eq!(PasswordHasher::default().with_threads(2).with_policy(owasp).argon2_in_flight(), 2);
        assert_eq!(PasswordHasher::default().with_policy(owasp).with_threads(64).argon2_in_flight(), 13);
        let gig = HashPolicy::argon2id(1024 * 1024, 1, 1).unwrap();
        assert_eq!(PasswordHasher::default().with_threads(8).with_policy(gig).argon2_in_flight(), 1);
        let fixed = PasswordHasher::default().with_argon2_in_flight(3).with_threads(64).with_policy(owasp);
        assert_eq!(fixed.argon2_in_flight(), 3);
        assert_eq!(PasswordHasher::default().with_argon2_in_flight(0).argon2_in_flight(), 1);
    }

    #[tokio::test]
    async fn a_garbage_stored_hash_is_an_error_not_a_panic() {
        let hasher = PasswordHasher::new(4).unwrap();
        let result = hasher.verify(&Password::new("whatever pass"), &PasswordHash::from_stored("$2b$04$ü")).await;
        assert!(matches!(result, Err(Error::Hashing(_))));
        let result =
            hasher.verify(&Password::new("whatever pass"), &PasswordHash::from_stored("$scrypt$ln=1$x$y")).await;
        assert!(matches!(result, Err(Error::UnsupportedHash(ref message)) if message.contains("scrypt")), "{result:?}");
    }
}
