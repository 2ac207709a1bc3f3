//! Accounts: the customer model, registration rules, [`Auth`](crate::Auth) (register, log in),
//! the changes made after registration, lockout, single-use tokens and the flows that go
//! through email.

pub(crate) mod auth;
mod changes;
mod customer;
mod email_flows;
mod field_errors;
mod lockout;
pub(crate) mod registration;
mod sign_up;
pub mod token;

pub use auth::Auth;
pub use changes::AccountChange;
pub use customer::{Customer, CustomerId, CustomerStatus, Roles, email_key, username_key};
pub use email_flows::{CONFIRMATION_LINK_LIFETIME, RESET_LINK_LIFETIME};
pub use field_errors::FieldErrors;
pub use lockout::{FailedLogin, LockoutPolicy};
pub use registration::{
    MAX_EMAIL_CHARS, MAX_NAME_CHARS, MAX_PASSWORD_BYTES, MAX_USERNAME_CHARS, MIN_PASSWORD_CHARS, MIN_USERNAME_CHARS,
    NewCustomer, Registration, validate_new_password,
};
pub use sign_up::Registered;
