//! The formats other systems store that customer-auth cannot verify, recognised so the
//! refusal names them: an admin who reads "looks like scrypt" knows what to do next, one who
//! reads "wrong password" does not.

/// Prefixes and the format each starts, most specific first.
const PREFIXES: &[(&str, &str)] = &[
    // Modular crypt and PHC strings.
    ("$scrypt$", "scrypt (PHC)"),
    ("$7$", "scrypt (libsodium's $7$)"),
    ("$s0$", "scrypt (lambdaworks' $s0$)"),
    ("$y$", "yescrypt"),
    ("$gy$", "gost-yescrypt"),
    ("$1$", "md5-crypt"),
    ("$apr1$", "Apache's md5-crypt"),
    ("$md5", "Sun md5-crypt"),
    ("$5$", "sha256-crypt"),
    ("$6$", "sha512-crypt"),
    ("$sha1$", "NetBSD sha1-crypt"),
    ("$pbkdf2-sha256$", "passlib's pbkdf2-sha256"),
    ("$pbkdf2-sha512$", "passlib's pbkdf2-sha512"),
    ("$pbkdf2$", "passlib's pbkdf2-sha1"),
    ("$bcrypt-sha256$", "passlib's bcrypt-sha256"),
    ("$balloon", "balloon hashing"),
    // Django's other hashers.
    ("pbkdf2_sha1$", "Django's pbkdf2_sha1"),
    ("bcrypt_sha256$", "Django's bcrypt_sha256"),
    ("scrypt$", "scrypt (Django's)"),
    ("sha1$", "Django's sha1"),
    ("md5$", "Django's md5"),
    ("unsalted_sha1$", "Django's unsalted_sha1"),
    ("unsalted_md5$", "Django's unsalted_md5"),
    ("crypt$", "Django's crypt"),
    // LDAP's userPassword schemes.
    ("{SSHA512}", "LDAP {SSHA512}"),
    ("{SSHA256}", "LDAP {SSHA256}"),
    ("{SSHA}", "LDAP {SSHA}"),
    ("{SHA512}", "LDAP {SHA512}"),
    ("{SHA256}", "LDAP {SHA256}"),
    ("{SHA}", "LDAP {SHA}"),
    ("{SMD5}", "LDAP {SMD5}"),
    ("{MD5}", "LDAP {MD5}"),
    ("{CRYPT}", "LDAP {CRYPT}"),
    ("{PBKDF2", "LDAP {PBKDF2}"),
    ("{ARGON2}", "LDAP {ARGON2}"),
];

/// The name of the unsupported format `text` is in, when it is one customer-auth knows of.
pub(super) fn recognise(text: &str) -> Option<&'static str> {
    if let Some((_, name)) = PREFIXES.iter().find(|(prefix, _)| starts_with_ignoring_case(text, prefix)) {
        return Some(name);
    }
    // Unsalted digests in hex: nothing but the length tells them apart.
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return match text.len() {
            32 => Some("an unsalted MD5 digest"),
            40 => Some("an unsalted SHA-1 digest"),
            64 => Some("an unsalted SHA-256 digest"),
            128 => Some("an unsalted SHA-512 digest"),
            _ => None,
        };
    }
    None
}

fn starts_with_ignoring_case(text: &str, prefix: &str) -> bool {
    text.as_bytes().get(..prefix.len()).is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
}
