use customer_auth_core::{CustomerId, SessionKey, TokenKey, TokenPurpose};

/// The prefix every key gets unless the options say otherwise.
pub(crate) const DEFAULT_PREFIX: &str = "customer-auth:";

/// The longest prefix accepted: it is repeated in every key, so a long one costs memory.
const MAX_PREFIX_CHARS: usize = 128;

/// Builds every key name of one store from its prefix, so the layout lives in one place.
#[derive(Debug, Clone)]
pub(crate) struct Keys {
    prefix: String,
}

impl Keys {
    /// Checks the prefix: it is written into every key and into `SCAN MATCH` patterns, so it
    /// must be non-empty and free of spaces and control characters.
    pub(crate) fn new(prefix: &str) -> Result<Self, String> {
        if prefix.is_empty() {
            return Err("it is empty; use e.g. \"customer-auth:\"".into());
        }
        if prefix.chars().count() > MAX_PREFIX_CHARS {
            return Err(format!("it is longer than {MAX_PREFIX_CHARS} characters"));
        }
        if let Some(bad) = prefix.chars().find(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!("it contains {bad:?}; use letters, digits and punctuation such as ':' or '-'"));
        }
        Ok(Self { prefix: prefix.to_owned() })
    }

    pub(crate) fn prefix(&self) -> &str {
        &self.prefix
    }

    pub(crate) fn session(&self, key: &SessionKey) -> String {
        format!("{}session:{}", self.prefix, key.to_hex())
    }

    /// What the session scripts prepend to a member of a customer's session set.
    pub(crate) fn session_prefix(&self) -> String {
        format!("{}session:", self.prefix)
    }

    pub(crate) fn customer_sessions(&self, customer: CustomerId) -> String {
        format!("{}customer-sessions:{customer}", self.prefix)
    }

    pub(crate) fn customer(&self, id: CustomerId) -> String {
        format!("{}{id}", self.customer_prefix())
    }

    /// The customer's TOTP authenticator: a hash of the sealed secret, the enrolment time and
    /// the last step used.
    pub(crate) fn totp(&self, customer: CustomerId) -> String {
        format!("{}totp:{customer}", self.prefix)
    }

    /// The hashes of the customer's unspent recovery codes: a set.
    pub(crate) fn recovery_codes(&self, customer: CustomerId) -> String {
        format!("{}recovery-codes:{customer}", self.prefix)
    }

    /// A passkey, by its credential id: a hash of its owner, name, credential and times.
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
        format!("{}customer-passkeys:{customer}", self.prefix)
    }

    /// What the look-up script prepends to the customer id an index holds.
    pub(crate) fn customer_prefix(&self) -> String {
        format!("{}customer:", self.prefix)
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

    /// What the token scripts prepend to a member of a customer's token set.
    pub(crate) fn token_prefix(&self) -> String {
        format!("{}token:", self.prefix)
    }

    pub(crate) fn token(&self, purpose: TokenPurpose, key: &TokenKey) -> String {
        format!("{}{}", self.token_prefix(), Self::token_member(purpose, key))
    }

    /// The set of a customer's tokens, so deleting the customer (or one purpose of their
    /// tokens) finds every one without a scan.
    pub(crate) fn customer_tokens(&self, customer: CustomerId) -> String {
        format!("{}{customer}", self.customer_tokens_prefix())
    }

    pub(crate) fn customer_tokens_prefix(&self) -> String {
        format!("{}customer-tokens:", self.prefix)
    }

    /// The sorted set of every customer id, for listing in id order.
    pub(crate) fn customer_ids(&self) -> String {
        format!("{}customer-ids", self.prefix)
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
        assert!(Keys::new(DEFAULT_PREFIX).is_ok());
        assert!(Keys::new("shop-1:{auth}:").is_ok());
        for bad in ["", " ", "a b:", "tab\t:", "nl\n", "\u{0}", &"x".repeat(129)] {
            assert!(Keys::new(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn scan_patterns_escape_globs() {
        assert_eq!(Keys::new("a*b?[c]\\:").map(|keys| keys.scan_pattern()).ok(), Some("a\\*b\\?\\[c\\]\\\\:*".into()));
        assert_eq!(Keys::new(DEFAULT_PREFIX).map(|keys| keys.scan_pattern()).ok(), Some("customer\\-auth:*".into()));
    }
}
