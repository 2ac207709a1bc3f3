use serde::Deserialize;

use crate::password::common_passwords;
use crate::{FieldErrors, Password};

/// The longest first or last name accepted, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// The longest email address accepted, in characters (RFC 5321's path limit).
pub const MAX_EMAIL_CHARS: usize = 254;
/// The shortest username accepted, in characters.
pub const MIN_USERNAME_CHARS: usize = 3;
/// The longest username accepted, in characters.
pub const MAX_USERNAME_CHARS: usize = 64;
/// The shortest password accepted, in characters (NIST SP 800-63B).
pub const MIN_PASSWORD_CHARS: usize = 8;
/// The longest password accepted, in bytes: bcrypt reads no further, and a password it would
/// silently truncate is refused instead.
pub const MAX_PASSWORD_BYTES: usize = 72;

/// The registration form as posted: `firstName`, `lastName`, `email`, `username`, `password`,
/// `confirmPassword`. Missing fields deserialise as empty, so they are reported per field
/// instead of failing the whole form.
///
/// `Debug` prints the passwords as `[redacted]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Registration {
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email address.
    pub email: String,
    /// Username, used to log in.
    pub username: String,
    /// Password, exactly as typed.
    pub password: Password,
    /// The password typed again.
    pub confirm_password: Password,
}

/// A registration that passed validation: names, email and username trimmed; the password
/// exactly as typed. [`Auth::register`](crate::Auth::register) hashes it and stores the customer.
#[derive(Debug, Clone)]
pub struct NewCustomer {
    /// First name, trimmed.
    pub first_name: String,
    /// Last name, trimmed.
    pub last_name: String,
    /// Email address, trimmed.
    pub email: String,
    /// Username, trimmed.
    pub username: String,
    /// Password, exactly as typed.
    pub password: Password,
}

impl Registration {
    /// Checks every rule and returns the cleaned-up customer, or every error per field.
    /// Never panics, whatever the input.
    pub fn validate(self) -> Result<NewCustomer, FieldErrors> {
        let mut errors = FieldErrors::new();
        let first_name = name(&mut errors, "firstName", "First name", &self.first_name);
        let last_name = name(&mut errors, "lastName", "Last name", &self.last_name);
        let email = email(&mut errors, &self.email);
        let username = username(&mut errors, &self.username);
        password(&mut errors, &self.password, &self.confirm_password, [&username, &email]);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(NewCustomer { first_name, last_name, email, username, password: self.password })
    }
}

/// Checks a new password (a change or a reset) by the same rules as registration: `password`
/// and `confirmPassword` are the fields the errors are filed under.
pub fn validate_new_password(
    password: &Password,
    confirm: &Password,
    username: &str,
    email: &str,
) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::new();
    self::password(&mut errors, password, confirm, [username, email]);
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

fn has_control(value: &str) -> bool {
    value.chars().any(char::is_control)
}

/// Unicode format characters (general category Cf: the right-to-left override U+202E, the
/// isolates U+2066 to U+2069, zero-width joiners and the like) draw nothing themselves but
/// reorder or hide what is around them: `moc.elgoog@example.com` shown right to left reads as an
/// address at google.com in an admin's list. Code points not assigned yet have no agreed
/// rendering at all.
fn has_invisible(value: &str) -> bool {
    use unicode_properties::{GeneralCategory, UnicodeGeneralCategory as _};
    value.chars().any(|c| matches!(c.general_category(), GeneralCategory::Format | GeneralCategory::Unassigned))
}

/// Trims `value` and checks what every text field shares: present, no control characters,
/// not too long. Returns the trimmed value and whether it passed.
fn text(errors: &mut FieldErrors, field: &str, label: &str, value: &str, max_chars: usize) -> (String, bool) {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        errors.add(field, format!("{label} is required."));
        return (String::new(), false);
    }
    let mut ok = true;
    if has_control(trimmed) {
        errors.add(field, format!("{label} must not contain control characters."));
        ok = false;
    }
    if has_invisible(trimmed) {
        errors.add(
            field,
            format!("{label} must not contain invisible formatting characters (such as right-to-left overrides)."),
        );
        ok = false;
    }
    if trimmed.chars().count() > max_chars {
        errors.add(field, format!("{label} must be at most {max_chars} characters."));
        ok = false;
    }
    (trimmed.to_owned(), ok)
}

fn name(errors: &mut FieldErrors, field: &str, label: &str, value: &str) -> String {
    text(errors, field, label, value, MAX_NAME_CHARS).0
}

fn email(errors: &mut FieldErrors, value: &str) -> String {
    let (email, ok) = text(errors, "email", "Email", value, MAX_EMAIL_CHARS);
    if ok && !email_address::EmailAddress::is_valid(&email) {
        errors.add("email", "Enter a valid email address, like name@example.com.");
    }
    email
}

fn username(errors: &mut FieldErrors, value: &str) -> String {
    let (username, ok) = text(errors, "username", "Username", value, MAX_USERNAME_CHARS);
    if !ok {
        return username;
    }
    if username.chars().count() < MIN_USERNAME_CHARS {
        errors.add("username", format!("Username must be at least {MIN_USERNAME_CHARS} characters."));
    }
    // ASCII only: Unicode letters would let look-alike names (Cyrillic "а" for Latin "a")
    // impersonate another customer.
    if !username.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')) {
        errors.add("username", "Username may contain only letters, digits, '.', '_' and '-'.");
    }
    username
}

fn password(errors: &mut FieldErrors, password: &Password, confirm: &Password, context: [&str; 2]) {
    let typed = password.expose();
    if typed.is_empty() {
        errors.add("password", "Password is required.");
    } else {
        if has_control(typed) {
            errors.add("password", "Password must not contain control characters.");
        }
        if typed.chars().count() < MIN_PASSWORD_CHARS {
            errors.add("password", format!("Password must be at least {MIN_PASSWORD_CHARS} characters."));
        }
        if typed.len() > MAX_PASSWORD_BYTES {
            errors.add(
                "password",
                format!(
                    "Password must be at most {MAX_PASSWORD_BYTES} bytes (about {MAX_PASSWORD_BYTES} letters, fewer with accents or emoji): longer passwords cannot be checked in full."
                ),
            );
        } else if common_passwords::is_common(typed) {
            errors.add("password", "This password is too common; choose one that is harder to guess.");
        } else if context.iter().any(|word| !word.is_empty() && word.eq_ignore_ascii_case(typed)) {
            errors.add("password", "Password must not be your username or email address.");
        }
    }
    if confirm.expose().is_empty() {
        errors.add("confirmPassword", "Confirm your password.");
    } else if confirm != password {
        errors.add("confirmPassword", "Passwords do not match.");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> Registration {
        Registration {
            first_name: " Ada ".into(),
            last_name: "Lovelace".into(),
            email: "Ada@Example.com".into(),
            username: "ada_l".into(),
            password: Password::new("analytical engine"),
            confirm_password: Password::new("analytical engine"),
        }
    }

    fn errors_of(registration: Registration) -> FieldErrors {
        match registration.validate() {
            Ok(customer) => panic!("expected errors, got {customer:?}"),
            Err(errors) => errors,
        }
    }

    #[test]
    fn a_valid_form_is_trimmed_but_the_password_is_kept_as_typed() {
        let mut registration = valid();
        registration.password = Password::new("  spaced out  ");
        registration.confirm_password = Password::new("  spaced out  ");
        let customer = registration.validate().unwrap();
        assert_eq!(customer.first_name, "Ada");
        assert_eq!(customer.email, "Ada@Example.com");
        assert_eq!(customer.password.expose(), "  spaced out  ");
    }

    #[test]
    fn every_field_is_required() {
        let errors = errors_of(Registration::default());
        for field in ["firstName", "lastName", "email", "username", "password", "confirmPassword"] {
            assert!(errors.has(field), "{field} missing from {errors}");
        }
    }

    #[test]
    fn whitespace_only_counts_as_empty() {
        let mut registration = valid();
        registration.first_name = " \t ".into();
        assert_eq!(errors_of(registration).get("firstName"), ["First name is required."]);
    }

    #[test]
    fn names_are_length_limited() {
        let mut registration = valid();
        registration.last_name = "x".repeat(MAX_NAME_CHARS + 1);
        assert!(errors_of(registration).has("lastName"));
        let mut registration = valid();
        registration.last_name = "é".repeat(MAX_NAME_CHARS);
        assert!(registration.validate().is_ok());
    }

    #[test]
    fn control_characters_and_nul_are_refused_everywhere() {
        let mut registration = valid();
        registration.first_name = "Ad\0a".into();
        registration.username = "ada\u{7}".into();
        registration.email = "ada@exa\nmple.com".into();
        registration.password = Password::new("long enough\u{1b}pass");
        registration.confirm_password = registration.password.clone();
        let errors = errors_of(registration);
        for field in ["firstName", "username", "email", "password"] {
            assert!(errors.has(field), "{field} missing from {errors}");
        }
    }

    #[test]
    fn invisible_formatting_and_unassigned_characters_are_refused_in_every_identity_field() {
        // U+202E turns "moc.elgoog@example.com" into what an admin list shows as ending in
        // "@google.com"; the isolates, zero-width characters and the BOM hide or reorder text.
        for bad in [
            "\u{202E}", "\u{2066}", "\u{2067}", "\u{2068}", "\u{2069}", "\u{200B}", "\u{200D}", "\u{FEFF}", "\u{061C}",
            "\u{0378}",
        ] {
            let mut registration = valid();
            registration.first_name = format!("Ada{bad}");
            registration.last_name = format!("{bad}Lovelace");
            registration.email = format!("moc.elgoog{bad}@example.com");
            registration.username = format!("ada{bad}x");
            let errors = errors_of(registration);
            for field in ["firstName", "lastName", "email", "username"] {
                assert!(errors.has(field), "{bad:?} in {field} was accepted: {errors}");
            }
            assert!(errors.get("firstName").iter().any(|message| message.contains("invisible")), "{errors}");
        }
    }

    #[test]
    fn names_in_any_script_still_pass() {
        for (first, last) in
            [("Zoë", "O'Brien-Łukasz"), ("明", "王"), ("محمد", "العربي"), ("Ёжик", "Туманов"), ("Nguyễn", "Thị")]
        {
            let mut registration = valid();
            registration.first_name = first.into();
            registration.last_name = last.into();
            assert!(registration.validate().is_ok(), "{first} {last} was refused");
        }
    }

    #[test]
    fn email_syntax_is_checked() {
        for bad in ["ada", "ada@", "@example.com", "ada@@example.com", "ada example@x.com"] {
            let mut registration = valid();
            registration.email = bad.into();
            assert!(errors_of(registration).has("email"), "{bad} accepted");
        }
        let mut registration = valid();
        registration.email = format!("{}@example.com", "a".repeat(250));
        assert!(errors_of(registration).has("email"));
    }

    #[test]
    fn usernames_are_3_to_64_of_letters_digits_dot_underscore_dash() {
        for bad in ["ab", "has space", "semi;colon", "ünïcode", "аdmin", &"a".repeat(65)] {
            let mut registration = valid();
            registration.username = bad.into();
            assert!(errors_of(registration).has("username"), "{bad} accepted");
        }
        for good in ["abc", "a.b-c_d", "X9", &"a".repeat(64)] {
            let mut registration = valid();
            registration.username = good.into();
            assert_eq!(registration.validate().is_ok(), good.len() >= 3, "{good}");
        }
    }

    #[test]
    fn passwords_need_eight_characters_not_bytes() {
        let mut registration = valid();
        registration.password = Password::new("short1!");
        registration.confirm_password = registration.password.clone();
        assert!(errors_of(registration).has("password"));
        let mut registration = valid();
        registration.password = Password::new("ñóçäëïöü");
        registration.confirm_password = registration.password.clone();
        assert!(registration.validate().is_ok());
    }

    #[test]
    fn no_composition_rules() {
        let mut registration = valid();
        registration.password = Password::new("all lowercase words here");
        registration.confirm_password = registration.password.clone();
        assert!(registration.validate().is_ok());
    }

    #[test]
    fn a_73_byte_password_is_refused_and_72_accepted() {
        let mut registration = valid();
        registration.password = Password::new("p".repeat(73));
        registration.confirm_password = registration.password.clone();
        let errors = errors_of(registration);
        assert!(errors.get("password")[0].contains("at most 72 bytes"), "{errors}");
        let mut registration = valid();
        registration.password = Password::new("p".repeat(72));
        registration.confirm_password = registration.password.clone();
        assert!(registration.validate().is_ok());
        // 37 two-byte characters are 74 bytes: the limit is bytes, not characters.
        let mut registration = valid();
        registration.password = Password::new("é".repeat(37));
        registration.confirm_password = registration.password.clone();
        assert!(errors_of(registration).has("password"));
    }

    #[test]
    fn confirmation_must_match() {
        let mut registration = valid();
        registration.confirm_password = Password::new("analytical enginE");
        assert_eq!(errors_of(registration).get("confirmPassword"), ["Passwords do not match."]);
    }

    #[test]
    fn common_passwords_are_refused() {
        for common in ["password", "Password1", "12345678", "iloveyou", "qwertyuiop"] {
            let mut registration = valid();
            registration.password = Password::new(common);
            registration.confirm_password = registration.password.clone();
            let errors = errors_of(registration);
            assert!(errors.get("password").iter().any(|m| m.contains("too common")), "{common}: {errors}");
        }
    }

    #[test]
    fn the_password_may_not_be_the_username() {
        let mut registration = valid();
        registration.username = "ada.lovelace".into();
        registration.password = Password::new("Ada.Lovelace");
        registration.confirm_password = registration.password.clone();
        assert!(errors_of(registration).has("password"));
    }

    #[test]
    fn errors_serialise_per_field() {
        let mut registration = valid();
        registration.username = "x".into();
        let json = serde_json::to_value(errors_of(registration)).unwrap();
        assert_eq!(json["username"][0], "Username must be at least 3 characters.");
    }

    #[test]
    fn the_form_deserialises_from_its_field_names_and_hides_passwords_in_debug() {
        let form: Registration = serde_json::from_str(
            r#"{"firstName":"Ada","lastName":"L","email":"a@b.co","username":"ada","password":"s3cret-pass","confirmPassword":"s3cret-pass"}"#,
        )
        .unwrap();
        assert_eq!(form.first_name, "Ada");
        let shown = format!("{form:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        let partial: Registration = serde_json::from_str(r#"{"username":"ada"}"#).unwrap();
        assert!(partial.first_name.is_empty());
    }
}
