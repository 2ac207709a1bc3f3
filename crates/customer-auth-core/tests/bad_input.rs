//! Whatever arrives from outside, validation and decoding return values: they never panic.

// Tests state their expectations with unwrap and panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use customer_auth_core::{Password, Registration, SessionId, SessionRecord};
use proptest::prelude::*;

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "\\PC{0,80}",
        "[\\x00-\\x1f ]{0,10}",
        Just(String::new()),
        (any::<char>(), 0usize..200_000).prop_map(|(c, n)| std::iter::repeat_n(c, n).collect()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn registration_validation_never_panics(
        first in any_text(), last in any_text(), email in any_text(), username in any_text(),
        password in any_text(), confirm in any_text(),
    ) {
        let same = password == confirm;
        let registration = Registration {
            first_name: first,
            last_name: last,
            email,
            username,
            password: Password::new(password),
            confirm_password: Password::new(confirm),
        };
        if let Ok(customer) = registration.validate() {
            prop_assert!(same);
            prop_assert!((3..=64).contains(&customer.username.len()));
            prop_assert!(customer.password.expose().len() <= 72);
            prop_assert!(!customer.first_name.chars().any(char::is_control));
            prop_assert!(!customer.email.chars().any(char::is_control));
        }
    }

    #[test]
    fn session_ids_parse_or_refuse(text in any_text()) {
        if let Some(id) = SessionId::parse(&text) {
            prop_assert_eq!(id.to_cookie_value(), text);
        }
    }

    #[test]
    fn session_record_decoding_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = SessionRecord::decode(&bytes);
        let mut versioned = vec![1u8];
        versioned.extend_from_slice(&bytes);
        let _ = SessionRecord::decode(&versioned);
    }
}
