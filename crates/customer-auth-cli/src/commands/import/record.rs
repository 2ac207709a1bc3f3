//! One customer of an import file: its fields as read, checked by the web form's rules and
//! turned into the customer the store gets.

use customer_auth::{
    Customer, CustomerId, CustomerStatus, Error, FieldErrors, Password, PasswordHash, Registration, Roles, Timestamp,
};

use crate::cli::parse_role;

/// The keys (JSON) or columns (CSV) an import reads; the first five are required.
pub(super) const KEYS: [&str; 7] =
    ["first_name", "last_name", "email", "username", "password_hash", "roles", "email_confirmed"];
/// How many of [`KEYS`] every line must have.
pub(super) const REQUIRED: usize = 5;

/// A password the form's rules accept, for checking the other fields by those same rules: an
/// import brings a hash, never a password. It has a space, so no username can equal it.
const PLACEHOLDER_PASSWORD: &str = "imported with its hash, never typed";

/// A line's fields, before the rules.
pub(super) struct Record {
    pub(super) first_name: String,
    pub(super) last_name: String,
    pub(super) email: String,
    pub(super) username: String,
    pub(super) password_hash: String,
    pub(super) roles: Vec<String>,
    pub(super) email_confirmed: bool,
}

impl Record {
    /// The customer to insert, or every reason the line is refused, in one sentence. No reason
    /// ever holds the hash.
    pub(super) fn into_customer(self, now: Timestamp) -> Result<Customer, String> {
        let mut reasons = Vec::new();
        let form = Registration {
            first_name: self.first_name,
            last_name: self.last_name,
            email: self.email,
            username: self.username,
            password: Password::new(PLACEHOLDER_PASSWORD),
            confirm_password: Password::new(PLACEHOLDER_PASSWORD),
        };
        let valid = form.validate().map_err(|errors| reasons.push(field_reasons(&errors))).ok();
        let password_hash = PasswordHash::from_stored(self.password_hash);
        if password_hash.as_str().is_empty() {
            reasons.push("password_hash: empty".to_owned());
        } else if let Err(err) = password_hash.format() {
            reasons.push(format!("password_hash: {}", hash_reason(err)));
        }
        let mut roles = Roles::new();
        for role in self.roles {
            match parse_role(&role) {
                Ok(role) => {
                    roles.insert(role);
                }
                Err(why) => reasons.push(format!("roles: {why} ({role:?})")),
            }
        }
        match valid {
            Some(new) if reasons.is_empty() => Ok(Customer {
                id: CustomerId::new(),
                first_name: new.first_name,
                last_name: new.last_name,
                email: new.email,
                username: new.username,
                password_hash,
                roles,
                status: CustomerStatus::Active,
                failed_logins: 0,
                locked_until: None,
                email_confirmed_at: self.email_confirmed.then_some(now),
                security_stamp: 0,
                created_at: now,
                updated_at: now,
            }),
            _ => Err(reasons.join("; ")),
        }
    }
}

/// The form's errors under the import's own key names.
fn field_reasons(errors: &FieldErrors) -> String {
    let lines: Vec<String> = errors
        .iter()
        .flat_map(|(field, messages)| {
            let key = match field {
                "firstName" => "first_name",
                "lastName" => "last_name",
                other => other,
            };
            messages.iter().map(move |message| format!("{key}: {message}"))
        })
        .collect();
    lines.join("; ")
}

/// Why a hash cannot be imported, without the hash.
fn hash_reason(err: Error) -> String {
    match err {
        Error::UnsupportedHash(why) | Error::Hashing(why) => why,
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> Record {
        Record {
            first_name: " Ada ".into(),
            last_name: "Lovelace".into(),
            email: "ada@example.com".into(),
            username: "ada".into(),
            password_hash: "$2b$04$EGdrhbKUv8Oc9vGiXX0HQOxSg445d458Muh7DAHskb6QbtCvdxcie".into(),
            roles: vec!["admin".into()],
            email_confirmed: true,
        }
    }

    #[test]
    fn a_good_record_becomes_a_customer_as_the_form_would_store_it() {
        let now = Timestamp::from_unix(1_800_000_000);
        let customer = record().into_customer(now).unwrap();
        assert_eq!(customer.first_name, "Ada");
        assert_eq!(customer.roles.iter().collect::<Vec<_>>(), ["admin"]);
        assert_eq!(customer.email_confirmed_at, Some(now));
        assert_eq!(customer.password_hash.bcrypt_cost(), Some(4));
    }

    #[test]
    fn every_reason_is_given_and_none_shows_the_hash() {
        let bad = Record {
            email: "not an address".into(),
            username: "a".into(),
            password_hash: "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4Cb".into(),
            roles: vec!["two words".into()],
            ..record()
        };
        let why = bad.into_customer(Timestamp::now()).unwrap_err();
        for part in ["email: ", "username: ", "password_hash: this password hash looks like scrypt", "roles: "] {
            assert!(why.contains(part), "{part} missing from {why}");
        }
        assert!(!why.contains("aM15713r3X"), "{why}");
        assert!(!why.contains("password:"), "the placeholder password passed: {why}");
    }
}
