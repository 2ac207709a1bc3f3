use customer_auth_core::{AttemptKey, CustomerId, SessionKey, TokenKey, TokenPurpose};

/// The prefix every key gets unless the options say otherwise.
pub(crate) const DEFAULT_PREFIX: &str = "customer-auth:";

/// The longest prefix accepted: it is repeated in every key, so a long one costs memory.
const MAX_PREFIX_CHARS: usize = 128;

/// Builds every key name of one store from its prefix, so the layout lives in one place.
///
/// On a Redis Cluster the keys of one customer (hash, session set, token set) carry the
/// customer id as a hash tag, `{<id>}`, so the scripts that touch several of them find them in
/// one slot; every other key (sessions, tokens, the username and email indexes, the login
/// counters) has no tag and lands wherever its name hashes, so the data spreads over every
/// master. On a single server the same names are written without the braces, exactly as
/// before clusters were supported.
#[derive(Debug, Clone)]
pub(crate) struct Keys {
    prefix: String,
    tagged: bool,
}

impl Keys {
    /// Checks the prefix: it is written into every key and into `SCAN MATCH` patterns, so it
    /// must be non-empty and free of spaces and control characters. With `tagged` (a cluster)
    /// it must not hold `{` or `}` either: Redis would read them as the hash tag of every key
    /// and put the whole store in one slot.
    pub(crate) fn new(prefix: &str, tagged: bool) -> Result<Self, String> {
        if prefix.is_empty() {
            return Err("it is empty; use e.g. \"customer-auth:\"".into());
        }
        if prefix.chars().count() > MAX_PREFIX_CHARS {
            return Err(format!("it is longer than {MAX_PREFIX_CHARS} characters"));
        }
        if let Some(bad) = prefix.chars().find(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!("it contains {bad:?}; use letters, digits and punctuation such as ':' or '-'"));
        }
        if tagged && let Some(bad) = prefix.chars().find(|c| matches!(c, '{' | '}')) {
            return Err(format!(
                "it contains {bad:?}, which Redis Cluster reads as a hash tag: every key would land in one slot; \
                 leave braces out of the prefix"
            ));
        }
        Ok(Self { prefix: prefix.to_owned(), tagged })
    }

    pub(crate) fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The part of a customer's keys that names the customer: `{<id>}` on a cluster.
    fn owner(&self, id: CustomerId) -> String {
        if self.tagged { format!("{{{id}}}") } else { id.to_string() }
    }

    /// A session: no tag, so sessions spread over every master.
    pub(crate) fn session(&self, key: &SessionKey) -> String {
        format!("{}session:{}", self.prefix, key.to_hex())
    }

    pub(crate) fn customer_sessions(&self, customer: CustomerId) -> String {
        format!("{}customer-sessions:{}", self.prefix, self.owner(customer))
    }

    pub(crate) fn customer(&self, id: CustomerId) -> String {
        format!("{}customer:{}", self.prefix, self.owner(id))
    }

    /// The customer's TOTP authenticator: a hash of the sealed secret, the enrolment time and
    /// the last step used (in the customer's slot on a cluster).
    pub(crate) fn totp(&self, customer: CustomerId) -> String {
        format!("{}totp:{}", self.prefix, self.owner(customer))
    }

    /// The hashes of the customer's unspent recovery codes: a set.
    pub(crate) fn recovery_codes(&self, customer: CustomerId) -> String {
        format!("{}recovery-codes:{}", self.prefix, self.owner(customer))
    }

    /// A passkey, by its credential id: a hash of its owner, name, credential and times (in a
    /// slot of its own: a login finds it by the id alone).
    pub(crate) fn passkey(&self, credential_id: &[u8]) -> String {
        let hex: String = credential_id.iter().map(|byte| format!("{byte:02x}")).collect();
        self.passkey_of_hex(&hex)
    }

    /// A passkey, by its credential id in hex as the customer's list holds it.
    pub(crate) fn passkey_of_hex(&self, hex: &str) -> String {
        format!("{}passkey:{hex}", self.prefix)
    }

    /// The credential ids (hex) of the customer's passkeys, oldest first: a list.
    pub(crate) fn customer_passkeys(&self, customer: CustomerId) -> String {
        format!("{}customer-passkeys:{}", self.prefix, self.owner(customer))
    }

    pub(crate) fn username(&self, username_key: &str) -> String {
        format!("{}username:{username_key}", self.prefix)
    }

    pub(crate) fn email(&self, email_key: &str) -> String {
        format!("{}email:{email_key}", self.prefix)
    }

    /// A token's member in its customer's token set: `<purpose>:<hex>`.
    pub(crate) fn token_member(purpose: TokenPurpose, key: &TokenKey) -> String {
        format!("{}:{}", purpose.as_str(), key.to_hex())
    }

    pub(crate) fn token(&self, purpose: TokenPurpose, key: &TokenKey) -> String {
        format!("{}token:{}", self.prefix, Self::token_member(purpose, key))
    }

    /// The key of a token from its member in the customer's token set.
    pub(crate) fn token_of_member(&self, member: &str) -> String {
        format!("{}token:{member}", self.prefix)
    }

    /// The set of a customer's tokens, so deleting the customer (or one purpose of their
    /// tokens) finds every one without a scan.
    pub(crate) fn customer_tokens(&self, customer: CustomerId) -> String {
        format!("{}customer-tokens:{}", self.prefix, self.owner(customer))
    }

    /// The sorted set of every customer id, for listing in id order.
    pub(crate) fn customer_ids(&self) -> String {
        format!("{}customer-ids", self.prefix)
    }

    /// The failed-login counter of one client and account.
    pub(crate) fn login_failures(&self, key: &AttemptKey) -> String {
        format!("{}login-failures:{}", self.prefix, key.to_hex())
    }

    /// A `SCAN MATCH` pattern for every key of this store: the prefix with its glob characters
    /// escaped, so a prefix such as `shop[1]:` never matches another store's keys.
    pub(crate) fn scan_pattern(&self) -> String {
        let mut pattern = String::with_capacity(self.prefix.len() + 2);
        for c in self.prefix.chars() {
            if matches!(c, '*' | '?' | '[' | ']' | '\\' | '^' | '-') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        pattern.push('*');
        pattern
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_checked() {
        for tagged in [false, true] {
            assert!(Keys::new(DEFAULT_PREFIX, tagged).is_ok());
            for bad in ["", " ", "a b:", "tab\t:", "nl\n", "\u{0}", &"x".repeat(129)] {
                assert!(Keys::new(bad, tagged).is_err(), "{bad:?}");
            }
        }
        // Braces are a hash tag on a cluster only.
        assert!(Keys::new("shop-1:{auth}:", false).is_ok());
        assert!(Keys::new("shop-1:{auth}:", true).is_err());
        assert!(Keys::new("shop}:", true).is_err());
    }

    #[test]
    fn a_customers_keys_share_a_slot_on_a_cluster_and_nothing_else_does() {
        let id = CustomerId::new();
        let single = Keys::new(DEFAULT_PREFIX, false).ok();
        let single =
            single.as_ref().map(|keys| (keys.customer(id), keys.customer_sessions(id), keys.customer_tokens(id)));
        assert_eq!(
            single,
            Some((
                format!("customer-auth:customer:{id}"),
                format!("customer-auth:customer-sessions:{id}"),
                format!("customer-auth:customer-tokens:{id}")
            ))
        );
        let Ok(keys) = Keys::new(DEFAULT_PREFIX, true) else { panic!("the default prefix is refused") };
        let tag = format!("{{{id}}}");
        for key in [keys.customer(id), keys.customer_sessions(id), keys.customer_tokens(id)] {
            assert!(key.ends_with(&tag), "{key}");
        }
        let session = SessionKey::from_hex(&"ab".repeat(16));
        for key in [keys.username("ada"), keys.email("ada@example.com"), keys.customer_ids()]
            .into_iter()
            .chain(session.map(|session| keys.session(&session)))
        {
            assert!(!key.contains('{'), "{key}");
        }
    }

    #[test]
    fn scan_patterns_escape_globs() {
        assert_eq!(
            Keys::new("a*b?[c]\\:", false).map(|keys| keys.scan_pattern()).ok(),
            Some("a\\*b\\?\\[c\\]\\\\:*".into())
        );
        assert_eq!(
            Keys::new(DEFAULT_PREFIX, true).map(|keys| keys.scan_pattern()).ok(),
            Some("customer\\-auth:*".into())
        );
    }
}
