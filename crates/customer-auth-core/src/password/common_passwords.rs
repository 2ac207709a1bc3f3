use std::collections::HashSet;
use std::sync::LazyLock;

/// Django's list of the 20,000 most common passwords (BSD-3-Clause, from Royce Williams'
/// breach-corpus list; 19,640 distinct entries), all lowercase, one per line.
static LIST: &str = include_str!("../../data/common-passwords.txt");

static SET: LazyLock<HashSet<&'static str>> = LazyLock::new(|| LIST.lines().collect());

/// True when the password, compared case-insensitively, is one of the most common passwords
/// (NIST SP 800-63B 5.1.1.2: refuse values known from breach corpuses).
pub(crate) fn is_common(password: &str) -> bool {
    SET.contains(password.to_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_at_least_ten_thousand_long() {
        assert!(SET.len() >= 10_000, "{}", SET.len());
    }

    #[test]
    fn common_passwords_are_found_in_any_case() {
        assert!(is_common("password"));
        assert!(is_common("PassWord1"));
        assert!(is_common("iloveyou"));
        assert!(!is_common("correct horse battery staple"));
    }
}
