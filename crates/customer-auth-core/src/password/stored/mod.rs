//! Stored password hashes, read: which format a hash is in, what verifying it takes, and a
//! named refusal for the formats customer-auth cannot verify.
//!
//! Reading never panics and never repeats the hash in an error: a hash is offline-crackable.

mod argon2_phc;
mod aspnet_identity;
mod django_pbkdf2;
mod pbkdf2_hash;
mod unsupported;

use std::fmt;

pub(crate) use argon2_phc::{Argon2Hash, hash as argon2_hash};
pub(crate) use pbkdf2_hash::Pbkdf2Hash;

use crate::password::bcrypt_text::StoredHash;
use crate::{Error, Result};

/// The formats of stored password hashes that customer-auth verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HashFormat {
    /// bcrypt: `$2a$`, `$2b$`, `$2x$` or `$2y$`, and Django's `bcrypt$` wrapping of it.
    Bcrypt,
    /// argon2id in the PHC string format (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`), and
    /// Django's `argon2$` wrapping of it.
    Argon2id,
    /// argon2i in the PHC string format.
    Argon2i,
    /// argon2d in the PHC string format.
    Argon2d,
    /// Django's PBKDF2-HMAC-SHA256: `pbkdf2_sha256$<iterations>$<salt>$<base64 hash>`.
    DjangoPbkdf2Sha256,
    /// ASP.NET Core Identity's version 3 hashes: base64 of a 0x01 header byte, the PRF
    /// (HMAC-SHA256 or HMAC-SHA512), the iteration count and salt length (big-endian u32s), the
    /// salt and the PBKDF2 subkey.
    AspNetIdentityV3,
}

impl HashFormat {
    /// The format's name, for messages and reports.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Bcrypt => "bcrypt",
            Self::Argon2id => "argon2id",
            Self::Argon2i => "argon2i",
            Self::Argon2d => "argon2d",
            Self::DjangoPbkdf2Sha256 => "Django pbkdf2_sha256",
            Self::AspNetIdentityV3 => "ASP.NET Identity v3",
        }
    }
}

impl fmt::Display for HashFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A stored hash, read, with what verifying it needs.
pub(crate) enum Stored {
    Bcrypt(StoredHash),
    Argon2(Argon2Hash),
    Pbkdf2(Pbkdf2Hash),
}

impl Stored {
    /// Reads `text` in whichever format it is. An unknown or unsupported format is
    /// [`Error::UnsupportedHash`], naming the format when it can tell; a known format that is
    /// malformed or out of customer-auth's limits is [`Error::Hashing`].
    pub(crate) fn parse(text: &str) -> Result<Self> {
        let malformed = |format: &str, reason: String| {
            Error::Hashing(format!("the stored {format} password hash is malformed: {reason}"))
        };
        if is_bcrypt(text) {
            return StoredHash::parse(text).map(Self::Bcrypt).map_err(|err| malformed("bcrypt", err.to_string()));
        }
        if let Some(bcrypt) = text.strip_prefix("bcrypt$").filter(|rest| is_bcrypt(rest)) {
            return StoredHash::parse(bcrypt).map(Self::Bcrypt).map_err(|err| malformed("bcrypt", err.to_string()));
        }
        let phc = text.strip_prefix("argon2").filter(|rest| rest.starts_with("$argon2")).unwrap_or(text);
        if phc.starts_with("$argon2") {
            return Argon2Hash::parse(phc).map(Self::Argon2).map_err(|reason| malformed("argon2", reason));
        }
        if let Some(rest) = text.strip_prefix("pbkdf2_sha256$") {
            return django_pbkdf2::parse(rest)
                .map(Self::Pbkdf2)
                .map_err(|reason| malformed(HashFormat::DjangoPbkdf2Sha256.name(), reason));
        }
        if let Some(looks_like) = unsupported::recognise(text) {
            return Err(Error::UnsupportedHash(format!(
                "this password hash looks like {looks_like}, which customer-auth cannot verify"
            )));
        }
        match aspnet_identity::parse(text) {
            Some(Ok(hash)) => Ok(Self::Pbkdf2(hash)),
            Some(Err(reason)) => Err(reason),
            None if text.is_empty() => Err(Error::UnsupportedHash("the stored password hash is empty".into())),
            None => Err(Error::UnsupportedHash("the stored password hash is in an unrecognised format".into())),
        }
    }

    /// The format it was stored in.
    pub(crate) fn format(&self) -> HashFormat {
        match self {
            Self::Bcrypt(_) => HashFormat::Bcrypt,
            Self::Argon2(hash) => hash.format(),
            Self::Pbkdf2(hash) => hash.format(),
        }
    }
}

/// The format `text` appears to be in, from its prefix alone: for `Debug`, which must not
/// parse.
pub(crate) fn sniff(text: &str) -> Option<HashFormat> {
    let phc = text.strip_prefix("argon2").unwrap_or(text);
    if is_bcrypt(text) || text.strip_prefix("bcrypt$").is_some_and(is_bcrypt) {
        Some(HashFormat::Bcrypt)
    } else if phc.starts_with("$argon2id$") {
        Some(HashFormat::Argon2id)
    } else if phc.starts_with("$argon2i$") {
        Some(HashFormat::Argon2i)
    } else if phc.starts_with("$argon2d$") {
        Some(HashFormat::Argon2d)
    } else if text.starts_with("pbkdf2_sha256$") {
        Some(HashFormat::DjangoPbkdf2Sha256)
    } else {
        None
    }
}

fn is_bcrypt(text: &str) -> bool {
    ["$2a$", "$2b$", "$2x$", "$2y$"].iter().any(|prefix| text.starts_with(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(text: &str) -> String {
        match Stored::parse(text) {
            Err(Error::UnsupportedHash(message)) => message,
            Err(other) => format!("another error: {other}"),
            Ok(stored) => format!("read as {}", stored.format()),
        }
    }

    #[test]
    fn foreign_formats_are_refused_by_name() {
        for (hash, name) in [
            ("$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E", "scrypt"),
            ("$7$C6..../....SodiumChloride$kBGj9fHznVYFQMEn/qDCfrDevf9YDtcDdKvEqHJLV8D", "scrypt"),
            ("scrypt$salt$16384$8$1$hash", "scrypt"),
            ("$6$rounds=5000$salt$hash", "sha512-crypt"),
            ("$1$salt$hash", "md5-crypt"),
            ("sha1$salt$5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8", "Django's sha1"),
            ("pbkdf2_sha1$260000$salt$hash", "Django's pbkdf2_sha1"),
            ("5f4dcc3b5aa765d61d8327deb882cf99", "MD5"),
            ("5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8", "SHA-1"),
            ("{SSHA}abcdef", "LDAP"),
            // ASP.NET Identity v2: 0x00, 16 bytes of salt, 32 of subkey.
            ("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", "ASP.NET Identity v2"),
        ] {
            let message = refusal(hash);
            assert!(message.contains(name) && message.contains("cannot verify"), "{hash}: {message}");
            assert!(!message.contains(hash), "the hash itself in {message}");
        }
        assert_eq!(refusal("plain text?"), "the stored password hash is in an unrecognised format");
        assert_eq!(refusal(""), "the stored password hash is empty");
    }

    #[test]
    fn prefixes_sniff_their_format() {
        assert_eq!(sniff("$2y$10$x"), Some(HashFormat::Bcrypt));
        assert_eq!(sniff("bcrypt$$2b$10$x"), Some(HashFormat::Bcrypt));
        assert_eq!(sniff("argon2$argon2id$v=19$x"), Some(HashFormat::Argon2id));
        assert_eq!(sniff("$argon2i$v=19$x"), Some(HashFormat::Argon2i));
        assert_eq!(sniff("pbkdf2_sha256$1$a$b"), Some(HashFormat::DjangoPbkdf2Sha256));
        assert_eq!(sniff("AQAAAAI"), None);
    }
}
