use std::fmt;

use async_trait::async_trait;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::{Email, Error, Mailer, Result};

/// Sends account email through an SMTP server (feature `smtp`).
///
/// The URL says how: `smtp://host:25` (plain, for a local relay), `smtp://user:pass@host:587?tls=required`
/// (STARTTLS) or `smtps://user:pass@host:465` (TLS from the start, with the web's root
/// certificates).
#[derive(Clone)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL may carry the relay's password: only the sender is shown.
        f.debug_struct("SmtpMailer").field("from", &self.from.to_string()).finish_non_exhaustive()
    }
}

impl SmtpMailer {
    /// A mailer for the server at `url`, sending as `from` (`Shop <shop@example.com>` or a bare
    /// address).
    pub fn new(url: &str, from: &str) -> Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|err| {
                Error::Config(format!(
                    "the SMTP URL is not usable ({err}); use smtp://host:25, smtp://user:pass@host:587?tls=required or smtps://user:pass@host:465"
                ))
            })?
            .build();
        let from = from
            .parse()
            .map_err(|err| Error::Config(format!("the sender {from:?} is not an email address ({err})")))?;
        Ok(Self { transport, from })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, email: &Email) -> Result<()> {
        let to: Mailbox =
            email.to.parse().map_err(|err| Error::backend(format!("the recipient address cannot be used ({err})")))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.clone())
            .body(email.body.clone())
            .map_err(Error::backend)?;
        self.transport.send(message).await.map(|_| ()).map_err(|err| {
            // A server that answers with a permanent error has refused this message; anything
            // else (refused connection, timeout, 4xx) is worth trying again later.
            if err.is_permanent() { Error::backend(err) } else { Error::unavailable(err) }
        })
    }
}
