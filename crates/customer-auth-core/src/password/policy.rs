//! The hashing policy: which algorithm, with which parameters, new password hashes get.

use std::fmt;
use std::str::FromStr;

use crate::{Error, Result};

/// The bcrypt cost used when none is configured.
pub const DEFAULT_COST: u32 = 12;
/// The lowest bcrypt cost bcrypt accepts (for tests only: far too fast for real passwords).
pub const MIN_COST: u32 = 4;
/// The highest bcrypt cost bcrypt accepts.
pub const MAX_COST: u32 = 31;

/// argon2id's memory per hash in KiB by default: OWASP's Password Storage Cheat Sheet
/// (19 MiB, with [`ARGON2_ITERATIONS`] and [`ARGON2_PARALLELISM`]).
pub const ARGON2_MEMORY_KIB: u32 = 19 * 1024;
/// argon2id's passes over its memory by default (OWASP).
pub const ARGON2_ITERATIONS: u32 = 2;
/// argon2id's lanes by default (OWASP). The lanes of one hash are computed one after another
/// on one hashing thread: more lanes only split the same memory.
pub const ARGON2_PARALLELISM: u32 = 1;
/// The most memory one argon2 hash may take, 1 GiB, whether a policy asks for it or a stored
/// hash does. Past it the allocation alone could end the process, so such a hash is an error.
pub const MAX_ARGON2_MEMORY_KIB: u32 = 1024 * 1024;
/// The most passes one argon2 hash may take, policy or stored.
pub const MAX_ARGON2_ITERATIONS: u32 = 64;
/// The most lanes one argon2 hash may have, policy or stored.
pub const MAX_ARGON2_PARALLELISM: u32 = 64;

/// The algorithm of a [`HashPolicy`], for matching on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HashAlgorithm {
    /// bcrypt (`$2b$`), customer-auth's default.
    Bcrypt,
    /// argon2id in the PHC string format (`$argon2id$v=19$…`), OWASP's first choice.
    Argon2id,
}

impl HashAlgorithm {
    /// `bcrypt` or `argon2id`, as [`HashPolicy`]'s `FromStr` reads it.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Bcrypt => "bcrypt",
            Self::Argon2id => "argon2id",
        }
    }
}

impl fmt::Display for HashAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Reads `bcrypt` or `argon2id` (any case), for a flag such as `--password-hash`; pair it with
/// [`HashPolicy::default_for`] or the algorithm's own constructor.
impl FromStr for HashAlgorithm {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "bcrypt" => Ok(Self::Bcrypt),
            "argon2id" => Ok(Self::Argon2id),
            _ => Err(Error::Config("unknown password hash algorithm; use bcrypt or argon2id".into())),
        }
    }
}

/// How new password hashes are made: bcrypt with a cost, or argon2id with its memory,
/// iterations and parallelism. The default is bcrypt at cost [`DEFAULT_COST`].
///
/// Whatever the policy, every format customer-auth reads still verifies (see
/// [`HashFormat`](crate::HashFormat)); a successful login whose stored hash is not the
/// policy's (another algorithm, or other parameters) stores a fresh one under the policy.
///
/// Parsed from `bcrypt`, `argon2id` (OWASP's parameters), `bcrypt:cost=10` or
/// `argon2id:m=65536,t=3,p=1`; [`Display`](fmt::Display) writes that last form back.
///
/// ```
/// use customer_auth_core::{HashAlgorithm, HashPolicy};
///
/// let policy: HashPolicy = "argon2id".parse()?;
/// assert_eq!(policy, HashPolicy::argon2id_owasp());
/// assert_eq!(policy.algorithm(), HashAlgorithm::Argon2id);
/// assert_eq!(policy.to_string(), "argon2id:m=19456,t=2,p=1");
/// assert_eq!("bcrypt:cost=10".parse::<HashPolicy>()?, HashPolicy::bcrypt(10)?);
/// # Ok::<(), customer_auth_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HashPolicy(Scheme);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Scheme {
    Bcrypt { cost: u32 },
    Argon2id(Argon2Params),
}

/// argon2's three parameters, checked against argon2's own rules and customer-auth's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Argon2Params {
    pub(crate) memory_kib: u32,
    pub(crate) iterations: u32,
    pub(crate) parallelism: u32,
}

impl Argon2Params {
    /// The parameters, or why they cannot be used.
    pub(crate) fn new(memory_kib: u32, iterations: u32, parallelism: u32) -> Result<Self, String> {
        if !(1..=MAX_ARGON2_PARALLELISM).contains(&parallelism) {
            return Err(format!("argon2 parallelism {parallelism} is out of range; use 1 to {MAX_ARGON2_PARALLELISM}"));
        }
        if !(1..=MAX_ARGON2_ITERATIONS).contains(&iterations) {
            return Err(format!("argon2 iterations {iterations} are out of range; use 1 to {MAX_ARGON2_ITERATIONS}"));
        }
        // argon2 needs 8 KiB per lane: two blocks in each of its four slices.
        let least = 8 * parallelism;
        if !(least..=MAX_ARGON2_MEMORY_KIB).contains(&memory_kib) {
            return Err(format!(
                "argon2 memory {memory_kib} KiB is out of range; use {least} to {MAX_ARGON2_MEMORY_KIB} KiB with parallelism {parallelism}"
            ));
        }
        Ok(Self { memory_kib, iterations, parallelism })
    }

    pub(crate) fn to_argon2(self, output_len: usize) -> Result<argon2::Params, String> {
        argon2::Params::new(self.memory_kib, self.iterations, self.parallelism, Some(output_len))
            .map_err(|err| format!("argon2 refused its parameters: {err}"))
    }
}

impl Default for HashPolicy {
    fn default() -> Self {
        Self(Scheme::Bcrypt { cost: DEFAULT_COST })
    }
}

impl HashPolicy {
    /// bcrypt with `cost` (4 to 31; 12 is the default, tests use 4).
    pub fn bcrypt(cost: u32) -> Result<Self> {
        if !(MIN_COST..=MAX_COST).contains(&cost) {
            return Err(Error::Config(format!(
                "bcrypt cost {cost} is out of range; use {MIN_COST} to {MAX_COST} (12 is a good default)"
            )));
        }
        Ok(Self(Scheme::Bcrypt { cost }))
    }

    /// argon2id with `memory_kib` KiB of memory per hash, `iterations` passes over it and
    /// `parallelism` lanes. OWASP's minimum is 19456 KiB, 2 iterations, 1 lane (or, for the
    /// same strength, 47104 KiB with 1, 12288 with 3, 9216 with 4, 7168 with 5); memory is
    /// limited to [`MAX_ARGON2_MEMORY_KIB`], iterations to [`MAX_ARGON2_ITERATIONS`] and
    /// lanes to [`MAX_ARGON2_PARALLELISM`].
    pub fn argon2id(memory_kib: u32, iterations: u32, parallelism: u32) -> Result<Self> {
        Argon2Params::new(memory_kib, iterations, parallelism)
            .map(|params| Self(Scheme::Argon2id(params)))
            .map_err(|reason| Error::Config(format!("{reason} (OWASP's choice is m=19456, t=2, p=1)")))
    }

    /// argon2id with OWASP's parameters: [`ARGON2_MEMORY_KIB`], [`ARGON2_ITERATIONS`],
    /// [`ARGON2_PARALLELISM`].
    pub const fn argon2id_owasp() -> Self {
        Self(Scheme::Argon2id(Argon2Params {
            memory_kib: ARGON2_MEMORY_KIB,
            iterations: ARGON2_ITERATIONS,
            parallelism: ARGON2_PARALLELISM,
        }))
    }

    /// The policy of `algorithm` with its default parameters: bcrypt cost 12, or OWASP's
    /// argon2id.
    pub const fn default_for(algorithm: HashAlgorithm) -> Self {
        match algorithm {
            HashAlgorithm::Bcrypt => Self(Scheme::Bcrypt { cost: DEFAULT_COST }),
            HashAlgorithm::Argon2id => Self::argon2id_owasp(),
        }
    }

    /// The algorithm new hashes get.
    pub const fn algorithm(&self) -> HashAlgorithm {
        match self.0 {
            Scheme::Bcrypt { .. } => HashAlgorithm::Bcrypt,
            Scheme::Argon2id(_) => HashAlgorithm::Argon2id,
        }
    }

    /// The bcrypt cost, under a bcrypt policy.
    pub const fn bcrypt_cost(&self) -> Option<u32> {
        match self.0 {
            Scheme::Bcrypt { cost } => Some(cost),
            Scheme::Argon2id(_) => None,
        }
    }

    /// argon2id's memory in KiB, iterations and parallelism, under an argon2id policy.
    pub const fn argon2_params(&self) -> Option<(u32, u32, u32)> {
        match self.0 {
            Scheme::Bcrypt { .. } => None,
            Scheme::Argon2id(params) => Some((params.memory_kib, params.iterations, params.parallelism)),
        }
    }

    pub(crate) const fn scheme(&self) -> Scheme {
        self.0
    }
}

impl fmt::Display for HashPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Scheme::Bcrypt { cost } => write!(f, "bcrypt:cost={cost}"),
            Scheme::Argon2id(p) => write!(f, "argon2id:m={},t={},p={}", p.memory_kib, p.iterations, p.parallelism),
        }
    }
}

impl FromStr for HashPolicy {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        let unknown = || {
            Error::Config(
                "unknown password hash policy; use bcrypt, argon2id, bcrypt:cost=12 or argon2id:m=19456,t=2,p=1".into(),
            )
        };
        let (name, params) = match text.trim().split_once(':') {
            Some((name, params)) => (name, Some(params)),
            None => (text.trim(), None),
        };
        let algorithm = match name.to_ascii_lowercase().as_str() {
            "bcrypt" => HashAlgorithm::Bcrypt,
            "argon2id" => HashAlgorithm::Argon2id,
            _ => return Err(unknown()),
        };
        let Some(params) = params else { return Ok(Self::default_for(algorithm)) };
        let mut values = Vec::new();
        for pair in params.split(',') {
            let (key, value) = pair.split_once('=').ok_or_else(unknown)?;
            let value: u32 = value.trim().parse().map_err(|_| {
                Error::Config(format!("the password hash parameter {} needs a whole number", key.trim()))
            })?;
            values.push((key.trim(), value));
        }
        let get = |key: &str, default: u32| -> Result<u32> {
            let mut found = values.iter().filter(|(k, _)| *k == key);
            match (found.next(), found.next()) {
                (None, _) => Ok(default),
                (Some((_, value)), None) => Ok(*value),
                (Some(_), Some(_)) => Err(Error::Config(format!("the password hash parameter {key} is given twice"))),
            }
        };
        let allowed: &[&str] = match algorithm {
            HashAlgorithm::Bcrypt => &["cost"],
            HashAlgorithm::Argon2id => &["m", "t", "p"],
        };
        if let Some((key, _)) = values.iter().find(|(key, _)| !allowed.contains(key)) {
            return Err(Error::Config(format!(
                "{algorithm} has no parameter {key:?}; it takes {}",
                allowed.join(", ")
            )));
        }
        match algorithm {
            HashAlgorithm::Bcrypt => Self::bcrypt(get("cost", DEFAULT_COST)?),
            HashAlgorithm::Argon2id => Self::argon2id(
                get("m", ARGON2_MEMORY_KIB)?,
                get("t", ARGON2_ITERATIONS)?,
                get("p", ARGON2_PARALLELISM)?,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_to_their_defaults_and_display_round_trips() {
        assert_eq!("bcrypt".parse::<HashPolicy>().unwrap(), HashPolicy::default());
        assert_eq!(" Argon2id ".parse::<HashPolicy>().unwrap(), HashPolicy::argon2id_owasp());
        for text in ["bcrypt:cost=4", "argon2id:m=65536,t=3,p=4", "argon2id:m=19456,t=2,p=1"] {
            let policy: HashPolicy = text.parse().unwrap();
            assert_eq!(policy.to_string(), text);
        }
        assert_eq!("argon2id:t=3".parse::<HashPolicy>().unwrap().argon2_params(), Some((19456, 3, 1)));
    }

    #[test]
    fn bad_policies_are_config_errors() {
        for bad in [
            "",
            "scrypt",
            "bcrypt:cost=3",
            "bcrypt:cost=32",
            "bcrypt:m=5",
            "argon2id:m=7,t=1,p=1",
            "argon2id:m=2000000",
            "argon2id:t=0",
            "argon2id:p=0",
            "argon2id:p=65",
            "argon2id:t=2,t=3",
            "argon2id:m",
            "argon2id:m=-1",
        ] {
            assert!(matches!(bad.parse::<HashPolicy>(), Err(Error::Config(_))), "{bad:?}");
        }
    }

    #[test]
    fn accessors_tell_the_algorithm_and_parameters() {
        let bcrypt = HashPolicy::bcrypt(10).unwrap();
        assert_eq!(
            (bcrypt.algorithm(), bcrypt.bcrypt_cost(), bcrypt.argon2_params()),
            (HashAlgorithm::Bcrypt, Some(10), None)
        );
        let argon = HashPolicy::argon2id(8, 1, 1).unwrap();
        assert_eq!(
            (argon.algorithm(), argon.bcrypt_cost(), argon.argon2_params()),
            (HashAlgorithm::Argon2id, None, Some((8, 1, 1)))
        );
        assert_eq!(HashPolicy::default_for(HashAlgorithm::Bcrypt).bcrypt_cost(), Some(DEFAULT_COST));
        assert_eq!(HashAlgorithm::Argon2id.to_string(), "argon2id");
        assert_eq!("Argon2id".parse::<HashAlgorithm>().unwrap(), HashAlgorithm::Argon2id);
        assert_eq!("bcrypt".parse::<HashAlgorithm>().unwrap(), HashAlgorithm::Bcrypt);
        assert!(matches!("scrypt".parse::<HashAlgorithm>(), Err(Error::Config(_))));
    }
}
