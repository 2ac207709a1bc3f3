//! Accounts: the customer model, registration rules, [`Auth`](crate::Auth) (register, log in),
//! the changes made after registration, lockout, single-use tokens and the flows that go
//! through email.

pub(crate) mod auth;
mod changes;
mod customer;
mod email_flows;
mod field_errors;
mod known_device;
mod lockout;
mod login_client;
mod login_form;
pub(crate) mod registration;
mod sign_up;
pub mod token;
mod unlock;

pub use auth::Auth;
pub use changes::AccountChange;
pub use customer::{Customer, CustomerId, CustomerStatus, Roles, email_key, username_key};
pub use email_flows::{CONFIRMATION_LINK_LIFETIME, RESET_LINK_LIFETIME, UNLOCK_LINK_LIFETIME};
pub use field_errors::FieldErrors;
pub use known_device::{DeviceKey, KnownDevice};
pub use lockout::{ClientBudget, FailedLogin, LockoutPolicy};
pub use login_client::{AttemptKey, LoginClient};
pub use login_form::LoginForm;
pub use registration::{
    MAX_EMAIL_CHARS, MAX_NAME_CHARS, MAX_PASSWORD_BYTES, MAX_USERNAME_CHARS, MIN_PASSWORD_CHARS, MIN_USERNAME_CHARS,
    NewCustomer, Registration, validate_new_password,
};
pub use sign_up::Registered;
