//! Sending a request and reading no more than its status.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use super::generate::Request;

/// Longer than any answer takes on a loaded two-core machine; a request still unanswered then
/// is a hang, which fails the test.
const TIMEOUT: Duration = Duration::from_secs(15);
/// Response heads are small; more than this without the blank line is garbage.
const MAX_HEAD: usize = 64 * 1024;

/// What came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Outcome {
    /// A response with this status (interim 1xx answers skipped).
    Status(u16),
    /// The server closed (or reset) the connection without a response.
    Closed,
    /// Bytes that are no HTTP response.
    Garbled(String),
    /// Nothing within the timeout.
    Hung,
    /// The server could not be reached at all.
    Unreachable(String),
}

/// Sends `request` to `address` (raw ones on a fresh connection) and reads the status.
pub(super) async fn send(address: SocketAddr, client: &reqwest::Client, request: &Request) -> Outcome {
    match request {
        Request::Raw { bytes, truncated } => {
            tokio::time::timeout(TIMEOUT, raw(address, bytes, *truncated)).await.unwrap_or(Outcome::Hung)
        }
        Request::Form { path, cookie, fields } => {
            let mut post = client.post(format!("http://{address}{path}")).form(fields).timeout(TIMEOUT);
            if let Some(cookie) = cookie {
                post = post.header(reqwest::header::COOKIE, cookie);
            }
            match post.send().await {
                Ok(response) => Outcome::Status(response.status().as_u16()),
                Err(err) if err.is_timeout() => Outcome::Hung,
                Err(err) if err.is_connect() => Outcome::Unreachable(err.to_string()),
                Err(_) => Outcome::Closed,
            }
        }
    }
}

async fn raw(address: SocketAddr, bytes: &[u8], truncated: bool) -> Outcome {
    let stream = match TcpStream::connect(address).await {
        Ok(stream) => stream,
        Err(err) => return Outcome::Unreachable(err.to_string()),
    };
    let (mut reader, mut writer) = stream.into_split();
    // Written while reading: a server may answer (413, 431, 400) before the body is all sent, and
    // then stop reading it.
    let write = async {
        if writer.write_all(bytes).await.is_ok() && truncated {
            // A request that promised more than it sent ends here, as a client that gives up does.
            let _ = writer.shutdown().await;
        }
        std::future::pending::<()>().await
    };
    tokio::select! {
        () = write => unreachable!("writing never finishes on its own"),
        outcome = read_status(&mut reader) => outcome,
    }
}

async fn read_status(reader: &mut tokio::net::tcp::OwnedReadHalf) -> Outcome {
    let mut head = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        if let Some(end) = head.windows(4).position(|window| window == b"\r\n\r\n") {
            let status = std::str::from_utf8(&head[..end])
                .ok()
                .and_then(|text| text.strip_prefix("HTTP/1.1 ").or_else(|| text.strip_prefix("HTTP/1.0 ")))
                .and_then(|rest| rest.get(..3))
                .and_then(|code| code.parse::<u16>().ok());
            match status {
                // An interim answer (100 Continue): the real one follows.
                Some(code) if (100..200).contains(&code) => {
                    head.drain(..end + 4);
                    continue;
                }
                Some(code) => return Outcome::Status(code),
                None => return Outcome::Garbled(String::from_utf8_lossy(&head[..end.min(200)]).into_owned()),
            }
        }
        if head.len() > MAX_HEAD {
            return Outcome::Garbled(String::from_utf8_lossy(&head[..200]).into_owned());
        }
        match reader.read(&mut buffer).await {
            Ok(0) | Err(_) if head.is_empty() => return Outcome::Closed,
            Ok(0) | Err(_) => {
                return Outcome::Garbled(String::from_utf8_lossy(&head[..head.len().min(200)]).into_owned());
            }
            Ok(read) => head.extend_from_slice(&buffer[..read]),
        }
    }
}
