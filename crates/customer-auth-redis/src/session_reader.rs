//! The connection that session loads read through.

#[cfg(unix)]
use std::path::PathBuf;
use std::time::Duration;

use customer_auth_core::{Error, Result};
use redis::{ConnectionAddr, ConnectionInfo};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, BufStream};
use tokio::sync::Mutex;

use crate::error::is_transient_code;
use crate::resp::{self, ReplyError};

/// Where [`LoadBatcher`](customer_auth_core::LoadBatcher) calls read sessions: a plain
/// connection of its own, written and read by the task that makes the call.
///
/// The shared multiplexed connection hands every command to its driver task and the reply
/// back, two thread wake-ups per call that cost more than the `MGET` itself; the batcher makes
/// one call at a time anyway. A connection that failed, timed out or was abandoned mid-call is
/// never reused: the next call opens a fresh one.
pub(crate) struct SessionReader {
    address: Address,
    /// `AUTH` and `SELECT` as the URL asks, sent on every new connection. Holds the password:
    /// this type has no `Debug`.
    handshake: Vec<u8>,
    handshake_replies: usize,
    connection_timeout: Duration,
    response_timeout: Duration,
    held: Mutex<Option<Connection>>,
}

enum Address {
    Tcp(String, u16),
    #[cfg(unix)]
    Unix(PathBuf),
}

trait Duplex: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Duplex for T {}

type Connection = BufStream<Box<dyn Duplex>>;

impl SessionReader {
    /// A reader for the server `info` names, or `None` when it is reached over TLS, which only
    /// the driver speaks: loads then go through the shared connection.
    pub(crate) fn new(info: &ConnectionInfo, connection_timeout: Duration, response_timeout: Duration) -> Option<Self> {
        let address = match info.addr() {
            ConnectionAddr::Tcp(host, port) => Address::Tcp(host.clone(), *port),
            #[cfg(unix)]
            ConnectionAddr::Unix(path) => Address::Unix(path.clone()),
            _ => return None,
        };
        let settings = info.redis_settings();
        let (mut handshake, mut handshake_replies) = (Vec::new(), 0);
        if let Some(password) = settings.password() {
            match settings.username() {
                Some(username) => resp::write_command(&mut handshake, &["AUTH", username, password]),
                None => resp::write_command(&mut handshake, &["AUTH", password]),
            }
            handshake_replies += 1;
        }
        if settings.db() != 0 {
            resp::write_command(&mut handshake, &["SELECT".to_owned(), settings.db().to_string()]);
            handshake_replies += 1;
        }
        Some(Self {
            address,
            handshake,
            handshake_replies,
            connection_timeout,
            response_timeout,
            held: Mutex::new(None),
        })
    }

    /// The values of `keys` in one `MGET`: each value, or `None` for a missing key.
    pub(crate) async fn mget(&self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>> {
        let mut command = Vec::with_capacity(16 + keys.iter().map(|key| key.len() + 16).sum::<usize>());
        let args: Vec<&[u8]> =
            std::iter::once(b"MGET".as_slice()).chain(keys.iter().map(|key| key.as_bytes())).collect();
        resp::write_command(&mut command, &args);

        let mut held = self.held.lock().await;
        // Taken out for the call: dropped mid-call (an error, a timeout, a cancelled caller),
        // it is gone, never reused with half a reply still to come.
        let kept = held.take();
        let reused = kept.is_some();
        let mut connection = match kept {
            Some(connection) => connection,
            None => self.open().await?,
        };
        match self.call(&mut connection, &command, keys.len()).await? {
            Ok(values) => {
                *held = Some(connection);
                return Ok(values);
            }
            // A kept connection may have been closed since its last call (the server's idle
            // `timeout`, a restart): one try on a fresh one, which for a read is always safe.
            Err(ReplyError::Io(_)) if reused => {}
            Err(err) => return Err(reply_error(err)),
        }
        let mut connection = self.open().await?;
        let values = self.call(&mut connection, &command, keys.len()).await?.map_err(reply_error)?;
        *held = Some(connection);
        Ok(values)
    }

    /// One command and its reply; the outer error is the response timeout.
    async fn call(
        &self,
        connection: &mut Connection,
        command: &[u8],
        keys: usize,
    ) -> Result<Result<Vec<Option<Vec<u8>>>, ReplyError>> {
        tokio::time::timeout(self.response_timeout, async {
            connection.write_all(command).await?;
            connection.flush().await?;
            resp::read_values(connection, keys).await
        })
        .await
        .map_err(|_| timed_out("answer", self.response_timeout, "response"))
    }

    async fn open(&self) -> Result<Connection> {
        tokio::time::timeout(self.connection_timeout, self.connect())
            .await
            .map_err(|_| timed_out("connect", self.connection_timeout, "connection"))?
            .map_err(reply_error)
    }

    async fn connect(&self) -> Result<Connection, ReplyError> {
        let stream: Box<dyn Duplex> = match &self.address {
            Address::Tcp(host, port) => {
                let stream = tokio::net::TcpStream::connect((host.as_str(), *port)).await?;
                // A command is one small write waiting for its reply: Nagle would only delay it.
                stream.set_nodelay(true)?;
                Box::new(stream)
            }
            #[cfg(unix)]
            Address::Unix(path) => Box::new(tokio::net::UnixStream::connect(path).await?),
        };
        let mut connection = BufStream::new(stream);
        if self.handshake_replies > 0 {
            connection.write_all(&self.handshake).await?;
            connection.flush().await?;
            for _ in 0..self.handshake_replies {
                resp::read_ok(&mut connection).await?;
            }
        }
        Ok(connection)
    }
}

/// `what` did not happen within the store's `timeout` (its `<which>_timeout` option).
fn timed_out(what: &str, timeout: Duration, which: &str) -> Error {
    Error::unavailable(format!("Redis did not {what} within {timeout:?} (the store's {which} timeout)"))
}

fn reply_error(err: ReplyError) -> Error {
    match err {
        ReplyError::Io(_) => Error::unavailable(err),
        ReplyError::Server(_) if err.code().is_some_and(is_transient_code) => Error::unavailable(err),
        ReplyError::Server(_) => Error::backend(err),
        ReplyError::Protocol(_) => Error::Corrupt(err.to_string()),
    }
}
