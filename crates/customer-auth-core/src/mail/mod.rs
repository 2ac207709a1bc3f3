//! Sending account email (password reset links, email confirmation links) through a small
//! trait, so an app plugs in its own provider. [`OutboxMailer`] is the development default;
#![cfg_attr(feature = "smtp", doc = "[`SmtpMailer`] sends through an SMTP server.")]
#![cfg_attr(not(feature = "smtp"), doc = "`SmtpMailer` (feature `smtp`) sends through an SMTP server.")]

mod mailer;
#[cfg(feature = "smtp")]
mod smtp;

pub use mailer::{Email, Mailer, OutboxMailer};
#[cfg(feature = "smtp")]
pub use smtp::SmtpMailer;
