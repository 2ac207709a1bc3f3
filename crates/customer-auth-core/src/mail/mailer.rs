//! Sending account email (password reset links, email confirmation links) through a small
//! trait, so an app plugs in its own provider. [`OutboxMailer`] is the development default.

use std::fmt;
use std::path::{Path, PathBuf};

use async_trait::async_trait;

use crate::{Error, Result};

/// An email to one customer. Its `Debug` leaves out the body, which carries single-use links.
#[derive(Clone, PartialEq, Eq)]
pub struct Email {
    /// The recipient's address.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub body: String,
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Email").field("to", &self.to).field("subject", &self.subject).finish_non_exhaustive()
    }
}

/// Sends account email. Implement it for your provider (SMTP, an HTTP API); a failure should be
/// [`Error::Unavailable`] when the provider is down, so the app can say "try again".
#[async_trait]
pub trait Mailer: fmt::Debug + Send + Sync + 'static {
    /// Sends `email`.
    async fn send(&self, email: &Email) -> Result<()>;
}

/// For development: writes each message as a `.eml` file to an outbox folder, where a developer
/// or a test picks up the links, and logs (target `customer_auth::mailer`) its recipient,
/// subject and file, never its body.
///
/// The outbox then holds live reset links: never use it in production.
#[derive(Debug, Clone)]
pub struct OutboxMailer {
    dir: PathBuf,
}

impl OutboxMailer {
    /// Writes messages into `dir`, creating it on the first message.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The outbox folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

#[async_trait]
impl Mailer for OutboxMailer {
    async fn send(&self, email: &Email) -> Result<()> {
        let outbox = |err: std::io::Error| {
            Error::Config(format!(
                "cannot write to the outbox {}: {err}; check that it is writable",
                self.dir.display()
            ))
        };
        tokio::fs::create_dir_all(&self.dir).await.map_err(outbox)?;
        let mut random = [0u8; 4];
        getrandom::fill(&mut random)
            .map_err(|err| Error::Config(format!("the operating system's random generator failed: {err}")))?;
        let suffix: String = random.iter().map(|byte| format!("{byte:02x}")).collect();
        // Nanoseconds, zero-padded: the files sort in the order they were written.
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |since| since.as_nanos());
        let path = self.dir.join(format!("{nanos:020}-{suffix}.eml"));
        let message = format!("To: {}\nSubject: {}\n\n{}\n", email.to, email.subject, email.body);
        tokio::fs::write(&path, message).await.map_err(outbox)?;
        // The body stays out of the log: its links are live tokens, and logs travel further
        // than an outbox folder does.
        tracing::info!(
            target: "customer_auth::mailer",
            to = %email.to,
            subject = %email.subject,
            outbox = %path.display(),
            "mail written to the outbox"
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_leaves_out_the_body() {
        let email =
            Email { to: "ada@example.com".into(), subject: "Reset".into(), body: "https://x/reset/SECRET".into() };
        assert!(!format!("{email:?}").contains("SECRET"));
    }

    #[tokio::test]
    async fn the_outbox_gets_one_file_per_message() {
        let dir = std::env::temp_dir().join(format!("customer-auth-outbox-{}", std::process::id()));
        let mailer = OutboxMailer::new(&dir);
        let email = Email { to: "ada@example.com".into(), subject: "Hello".into(), body: "line one".into() };
        mailer.send(&email).await.unwrap();
        mailer.send(&email).await.unwrap();
        let mut files = std::fs::read_dir(&dir).unwrap().map(|entry| entry.unwrap().path()).collect::<Vec<_>>();
        files.sort();
        assert_eq!(files.len(), 2);
        let text = std::fs::read_to_string(&files[0]).unwrap();
        assert!(text.contains("To: ada@example.com") && text.contains("line one"), "{text}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
