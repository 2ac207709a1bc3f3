//! `Registration::validate`: never panics, and whatever it accepts keeps every documented rule.
//!
//! Input layout: the first byte holds flags (bit 0: the confirmation is a copy of the password,
//! which a fuzzer would otherwise rarely produce), the rest is split on `0xFF` (never part of
//! UTF-8) into first name, last name, email, username, password and confirmation, each read
//! as lossy UTF-8 so invalid bytes become U+FFFD rather than a skipped input.

use customer_auth_core::{
    FieldErrors, MAX_EMAIL_CHARS, MAX_NAME_CHARS, MAX_PASSWORD_BYTES, MAX_USERNAME_CHARS, MIN_PASSWORD_CHARS,
    MIN_USERNAME_CHARS, NewCustomer, Password, Registration, email_key, username_key, validate_new_password,
};
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory as _};

const FIELDS: [&str; 6] = ["firstName", "lastName", "email", "username", "password", "confirmPassword"];

/// Checks the property for `data` laid out as the module docs say.
pub fn check(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else { return };
    let mut parts = rest.split(|&byte| byte == 0xFF).map(|part| String::from_utf8_lossy(part).into_owned());
    let mut next = || parts.next().unwrap_or_default();
    let (first_name, last_name, email, username, password) = (next(), next(), next(), next(), next());
    let confirm = if flags & 1 == 1 { password.clone() } else { next() };
    let registration = Registration {
        first_name,
        last_name,
        email,
        username,
        password: Password::new(password),
        confirm_password: Password::new(confirm),
    };

    assert_debug_hides_passwords(&registration);
    let standalone = validate_new_password(
        &registration.password,
        &registration.confirm_password,
        registration.username.trim(),
        registration.email.trim(),
    );
    match registration.clone().validate() {
        Ok(customer) => {
            assert_invariants(&registration, &customer);
            assert!(standalone.is_ok(), "registration took a password that a password change refuses: {standalone:?}");
        }
        Err(errors) => {
            assert_errors_are_well_formed(&errors);
            // A password change and a registration apply one rule set: same password errors.
            let standalone = standalone.err().unwrap_or_default();
            for field in ["password", "confirmPassword"] {
                assert_eq!(errors.get(field), standalone.get(field), "{field} errors differ from a password change's");
            }
        }
    }
}

fn assert_debug_hides_passwords(registration: &Registration) {
    let mut other = registration.clone();
    other.password = Password::new("x");
    other.confirm_password = Password::new("y");
    assert_eq!(format!("{registration:?}"), format!("{other:?}"), "Debug depends on the passwords");
}

fn assert_invariants(registration: &Registration, customer: &NewCustomer) {
    for (label, entered, kept, max) in [
        ("first name", &registration.first_name, &customer.first_name, MAX_NAME_CHARS),
        ("last name", &registration.last_name, &customer.last_name, MAX_NAME_CHARS),
        ("email", &registration.email, &customer.email, MAX_EMAIL_CHARS),
        ("username", &registration.username, &customer.username, MAX_USERNAME_CHARS),
    ] {
        assert_eq!(kept, entered.trim(), "the {label} was not kept trimmed");
        assert!(!kept.is_empty(), "an empty {label} was accepted");
        assert!(kept.chars().count() <= max, "a {label} over {max} characters was accepted");
        assert!(!kept.chars().any(char::is_control), "a {label} with a control character was accepted: {kept:?}");
        let invisible =
            kept.chars().any(|c| matches!(c.general_category(), GeneralCategory::Format | GeneralCategory::Unassigned));
        assert!(!invisible, "a {label} with an invisible formatting or unassigned character was accepted: {kept:?}");
    }
    let username = &customer.username;
    assert!(username.chars().count() >= MIN_USERNAME_CHARS, "username {username:?} is too short");
    assert!(
        username.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')),
        "username {username:?} holds a character outside [A-Za-z0-9._-]",
    );
    assert!(customer.email.contains('@'), "email {:?} has no @", customer.email);
    assert!(!username_key(username).is_empty(), "username {username:?} normalises to nothing");
    assert!(!email_key(&customer.email).is_empty(), "email {:?} normalises to nothing", customer.email);

    let password = customer.password.expose();
    assert_eq!(password, registration.password.expose(), "the password was altered, not kept as typed");
    assert_eq!(customer.password, registration.confirm_password, "a password that differs from its confirmation");
    assert!(password.len() <= MAX_PASSWORD_BYTES, "a {}-byte password: bcrypt would truncate it", password.len());
    assert!(password.chars().count() >= MIN_PASSWORD_CHARS, "a password under {MIN_PASSWORD_CHARS} characters");
    assert!(!password.chars().any(char::is_control), "a password with a control character");
    for context in [username.as_str(), customer.email.as_str()] {
        assert!(!context.eq_ignore_ascii_case(password), "the password equals the username or email");
    }
}

fn assert_errors_are_well_formed(errors: &FieldErrors) {
    assert!(!errors.is_empty(), "a refusal without errors");
    for (field, messages) in errors.iter() {
        assert!(FIELDS.contains(&field), "an error filed under an unknown field {field:?}");
        assert!(
            !messages.is_empty() && messages.iter().all(|message| !message.is_empty()),
            "empty message for {field}"
        );
    }
}
