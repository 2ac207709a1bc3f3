//! argon2 hashes in the PHC string format (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`,
//! salt and hash in base64 without padding): reading, computing and writing them.

use argon2::password_hash::PasswordHash as Phc;
use argon2::{Algorithm, Argon2, Version};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use subtle::ConstantTimeEq as _;
use zeroize::Zeroizing;

use crate::password::argon2_memory::Lease;
use crate::password::policy::Argon2Params;
use crate::password::stored::HashFormat;

/// The hash length customer-auth writes: argon2's default, and what every library writes.
pub(crate) const OUTPUT_BYTES: usize = 32;
/// The salt length customer-auth writes, as argon2's authors recommend.
pub(crate) const SALT_BYTES: usize = 16;

/// An argon2 hash, read.
pub(crate) struct Argon2Hash {
    algorithm: Algorithm,
    version: Version,
    params: Argon2Params,
    /// The parameters as argon2 takes them, with any `keyid` and `data` of the stored hash.
    argon2_params: argon2::Params,
    salt: Vec<u8>,
    expected: Vec<u8>,
}

impl Argon2Hash {
    /// Reads a PHC string of argon2id, argon2i or argon2d, within customer-auth's limits.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let phc = Phc::new(text).map_err(|err| format!("not a PHC string ({err})"))?;
        let algorithm =
            Algorithm::try_from(phc.algorithm).map_err(|_| "not argon2id, argon2i or argon2d".to_owned())?;
        // The reference implementation reads a string without `v=` as version 1.0 (0x10).
        let version = match phc.version {
            None | Some(0x10) => Version::V0x10,
            Some(0x13) => Version::V0x13,
            Some(other) => return Err(format!("unknown version {other}; argon2 has 16 and 19")),
        };
        let argon2_params = argon2::Params::try_from(&phc).map_err(|err| format!("bad parameters ({err})"))?;
        let params = Argon2Params::new(argon2_params.m_cost(), argon2_params.t_cost(), argon2_params.p_cost())?;
        let mut salt = [0u8; 64];
        let salt = match &phc.salt {
            Some(stored) => stored.decode_b64(&mut salt).map_err(|err| format!("bad salt ({err})"))?.to_vec(),
            None => return Err("no salt".into()),
        };
        if salt.len() < argon2::MIN_SALT_LEN {
            return Err(format!("a salt of {} bytes; argon2 needs at least {}", salt.len(), argon2::MIN_SALT_LEN));
        }
        let expected = phc.hash.map(|hash| hash.as_bytes().to_vec()).ok_or_else(|| "no hash".to_owned())?;
        Ok(Self { algorithm, version, params, argon2_params, salt, expected })
    }

    /// A hash of nothing under `params`, with a fixed salt: verifying against it costs what
    /// verifying a real argon2id hash with those parameters costs, and never matches.
    pub(crate) fn dummy(params: Argon2Params) -> Result<Self, String> {
        Ok(Self {
            algorithm: Algorithm::Argon2id,
            version: Version::V0x13,
            params,
            argon2_params: params.to_argon2(OUTPUT_BYTES)?,
            salt: vec![0x5a; SALT_BYTES],
            expected: vec![0; OUTPUT_BYTES],
        })
    }

    pub(crate) fn format(&self) -> HashFormat {
        match self.algorithm {
            Algorithm::Argon2id => HashFormat::Argon2id,
            Algorithm::Argon2i => HashFormat::Argon2i,
            Algorithm::Argon2d => HashFormat::Argon2d,
        }
    }

    /// True when this is exactly what `policy` writes: argon2id, version 19, its parameters, a
    /// 32-byte hash and no key id or associated data.
    pub(crate) fn is_written_by(&self, policy: Argon2Params) -> bool {
        self.algorithm == Algorithm::Argon2id
            && self.version == Version::V0x13
            && self.params == policy
            && self.expected.len() == OUTPUT_BYTES
            && self.argon2_params.keyid().is_empty()
            && self.argon2_params.data().is_empty()
    }

    /// True when `password` gives the stored hash; compared in constant time. Blocks for the
    /// whole computation, in `memory`: hashing threads only.
    pub(crate) fn matches(&self, password: &[u8], memory: &mut Lease) -> Result<bool, String> {
        let mut computed = Zeroizing::new(vec![0u8; self.expected.len()]);
        let blocks = memory.blocks(self.argon2_params.block_count());
        Argon2::new(self.algorithm, self.version, self.argon2_params.clone())
            .hash_password_into_with_memory(password, &self.salt, &mut computed, blocks)
            .map_err(|err| format!("argon2 failed: {err}"))?;
        Ok(computed.ct_eq(&self.expected).into())
    }
}

/// The PHC string of a new argon2id hash of `password` with `salt` under `params`. Blocks for
/// the whole computation, in `memory`: hashing threads only.
pub(crate) fn hash(
    password: &[u8],
    salt: &[u8; SALT_BYTES],
    params: Argon2Params,
    memory: &mut Lease,
) -> Result<String, String> {
    let mut output = Zeroizing::new([0u8; OUTPUT_BYTES]);
    let params = params.to_argon2(OUTPUT_BYTES)?;
    let blocks = memory.blocks(params.block_count());
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password_into_with_memory(password, salt, output.as_mut_slice(), blocks)
        .map_err(|err| format!("argon2 failed: {err}"))?;
    Ok(format!(
        "$argon2id$v=19$m={},t={},p={}${}${}",
        params.m_cost(),
        params.t_cost(),
        params.p_cost(),
        STANDARD_NO_PAD.encode(salt),
        STANDARD_NO_PAD.encode(output.as_slice())
    ))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::password::argon2_memory::Argon2Memory;

    fn small() -> Argon2Params {
        Argon2Params::new(64, 1, 1).unwrap()
    }

    async fn lease() -> Lease {
        Arc::new(Argon2Memory::new(1, 64)).lease().await.unwrap()
    }

    #[tokio::test]
    async fn a_written_hash_reads_back_and_verifies() {
        let memory = &mut lease().await;
        let text = hash(b"hunter22", &[3; SALT_BYTES], small(), memory).unwrap();
        assert!(text.starts_with("$argon2id$v=19$m=64,t=1,p=1$AwMDAwMDAwMDAwMDAwMDAw$"), "{text}");
        let stored = Argon2Hash::parse(&text).unwrap();
        assert!(stored.matches(b"hunter22", memory).unwrap());
        assert!(!stored.matches(b"hunter23", memory).unwrap());
        assert!(stored.is_written_by(small()));
        assert!(!stored.is_written_by(Argon2Params::new(64, 2, 1).unwrap()));
    }

    #[tokio::test]
    async fn the_dummy_never_matches() {
        assert!(!Argon2Hash::dummy(small()).unwrap().matches(b"", &mut lease().await).unwrap());
    }

    #[tokio::test]
    async fn a_reused_buffer_gives_the_same_hash() {
        let memory = &mut lease().await;
        let first = hash(b"hunter22", &[3; SALT_BYTES], small(), memory).unwrap();
        let other = hash(b"another password", &[4; SALT_BYTES], small(), memory).unwrap();
        assert_ne!(first, other);
        assert_eq!(hash(b"hunter22", &[3; SALT_BYTES], small(), memory).unwrap(), first);
        let mut fresh = lease().await;
        assert_eq!(hash(b"hunter22", &[3; SALT_BYTES], small(), &mut fresh).unwrap(), first);
    }

    #[test]
    fn malformed_and_oversized_hashes_are_refused() {
        for bad in [
            "$argon2id$",
            "$argon2x$v=19$m=64,t=1,p=1$AwMDAwMDAwMDAwMDAwMDAw$aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "$argon2id$v=18$m=64,t=1,p=1$AwMDAwMDAwMDAwMDAwMDAw$aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "$argon2id$v=19$m=4194304,t=1,p=1$AwMDAwMDAwMDAwMDAwMDAw$aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "$argon2id$v=19$m=64,t=100,p=1$AwMDAwMDAwMDAwMDAwMDAw$aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "$argon2id$v=19$m=64,t=1,p=1$AwMD$aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "$argon2id$v=19$m=64,t=1,p=1$AwMDAwMDAwMDAwMDAwMDAw",
            "$argon2id$v=19$m=64,t=1,p=1,x=2$AwMDAwMDAwMDAwMDAwMDAw$aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        ] {
            assert!(Argon2Hash::parse(bad).is_err(), "{bad}");
        }
    }
}
