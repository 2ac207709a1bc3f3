//! Just enough of Redis' wire protocol (RESP2) for the session reader: commands out, and the
//! replies of `AUTH`, `SELECT` and `MGET` back.

use std::io::{self, Write as _};

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt};

/// The longest header line accepted: a type byte and a number, or a server error's message.
const MAX_LINE: u64 = 4096;
/// The longest bulk string Redis itself accepts by default (`proto-max-bulk-len`).
const MAX_BULK: usize = 512 * 1024 * 1024;
/// How much of a bulk string is allocated before its bytes have arrived.
const CHUNK: usize = 64 * 1024;

/// What reading a reply can fail with.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReplyError {
    /// The connection failed or closed mid-reply.
    #[error("the connection to Redis failed: {0}")]
    Io(#[from] io::Error),
    /// Redis answered with an error, e.g. `LOADING Redis is loading the dataset in memory`.
    #[error("Redis answered {0}")]
    Server(String),
    /// Redis answered something that is not the reply asked for.
    #[error("Redis answered something the session reader cannot read: {0}")]
    Protocol(String),
}

impl ReplyError {
    /// The error code of a server error: its first word, such as `LOADING` or `NOAUTH`.
    pub(crate) fn code(&self) -> Option<&str> {
        match self {
            Self::Server(message) => message.split_whitespace().next(),
            Self::Io(_) | Self::Protocol(_) => None,
        }
    }
}

/// Appends one command, as an array of bulk strings, to `out`.
pub(crate) fn write_command<A: AsRef<[u8]>>(out: &mut Vec<u8>, args: &[A]) {
    // Writing to a Vec cannot fail.
    let _ = write!(out, "*{}\r\n", args.len());
    for arg in args {
        let arg = arg.as_ref();
        let _ = write!(out, "${}\r\n", arg.len());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
}

/// Reads a simple-string reply (`+OK`).
pub(crate) async fn read_ok<R: AsyncBufRead + Unpin>(reader: &mut R) -> Result<(), ReplyError> {
    let mut line = Vec::new();
    match read_line(reader, &mut line).await? {
        b'+' => Ok(()),
        other => Err(unexpected(other, &line, "a status")),
    }
}

/// Reads the reply of an `MGET` of `keys` keys: each value, or `None` for a missing key.
pub(crate) async fn read_values<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    keys: usize,
) -> Result<Vec<Option<Vec<u8>>>, ReplyError> {
    // One buffer for every header line of the reply.
    let mut line = Vec::new();
    let kind = read_line(reader, &mut line).await?;
    if kind != b'*' {
        return Err(unexpected(kind, &line, "an array"));
    }
    let count = number(&line)?;
    if count != i64::try_from(keys).unwrap_or(i64::MAX) {
        return Err(ReplyError::Protocol(format!("{count} values for {keys} keys")));
    }
    let mut values = Vec::with_capacity(keys);
    for _ in 0..keys {
        values.push(read_bulk(reader, &mut line).await?);
    }
    Ok(values)
}

async fn read_bulk<R: AsyncBufRead + Unpin>(reader: &mut R, line: &mut Vec<u8>) -> Result<Option<Vec<u8>>, ReplyError> {
    let kind = read_line(reader, line).await?;
    if kind != b'$' {
        return Err(unexpected(kind, line, "a string"));
    }
    let Ok(len) = usize::try_from(number(line)?) else {
        // `$-1`: the key does not exist, or holds something other than a string.
        return Ok(None);
    };
    if len > MAX_BULK {
        return Err(ReplyError::Protocol(format!("a string of {len} bytes")));
    }
    // Grown a chunk at a time as the bytes arrive, so a length that no bytes follow cannot
    // make it allocate much; a session record is one chunk.
    let mut value = Vec::new();
    let mut left = len + 2;
    while left > 0 {
        let chunk = left.min(CHUNK);
        let start = value.len();
        value.resize(start + chunk, 0);
        reader.read_exact(&mut value[start..]).await?;
        left -= chunk;
    }
    if !value.ends_with(b"\r\n") {
        return Err(ReplyError::Protocol("a string that does not end where its length says".into()));
    }
    value.truncate(len);
    Ok(Some(value))
}

/// Reads one `\r\n`-terminated line into `line`, leaving there what follows its type byte,
/// and returns the type byte.
async fn read_line<R: AsyncBufRead + Unpin>(reader: &mut R, line: &mut Vec<u8>) -> Result<u8, ReplyError> {
    line.clear();
    reader.take(MAX_LINE).read_until(b'\n', line).await?;
    if line.is_empty() {
        return Err(ReplyError::Io(io::ErrorKind::UnexpectedEof.into()));
    }
    if line.len() < 3 || !line.ends_with(b"\r\n") {
        return Err(ReplyError::Protocol(format!("a line of {} bytes without its end", line.len())));
    }
    let kind = line[0];
    line.truncate(line.len() - 2);
    line.remove(0);
    Ok(kind)
}

fn number(text: &[u8]) -> Result<i64, ReplyError> {
    std::str::from_utf8(text)
        .ok()
        .and_then(|text| text.parse().ok())
        .ok_or_else(|| ReplyError::Protocol(format!("{:?} where a length belongs", String::from_utf8_lossy(text))))
}

fn unexpected(kind: u8, rest: &[u8], wanted: &str) -> ReplyError {
    let rest = String::from_utf8_lossy(rest);
    if kind == b'-' {
        return ReplyError::Server(rest.into_owned());
    }
    let shown: String = rest.chars().take(64).collect();
    ReplyError::Protocol(format!("{:?}{shown} where {wanted} belongs", char::from(kind)))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn values(reply: &[u8], keys: usize) -> Result<Vec<Option<Vec<u8>>>, ReplyError> {
        let mut reader = reply;
        let values = read_values(&mut reader, keys).await;
        if values.is_ok() {
            assert!(reader.is_empty(), "{} bytes left unread", reader.len());
        }
        values
    }

    #[test]
    fn commands_are_arrays_of_bulk_strings() {
        let mut out = Vec::new();
        write_command(&mut out, &["MGET", "a", ""]);
        write_command(&mut out, &[b"SELECT".as_slice(), b"\r\n\0"]);
        assert_eq!(out, b"*3\r\n$4\r\nMGET\r\n$1\r\na\r\n$0\r\n\r\n*2\r\n$6\r\nSELECT\r\n$3\r\n\r\n\0\r\n");
    }

    #[tokio::test]
    async fn values_are_read_with_missing_keys_and_binary_bytes() {
        let reply = b"*3\r\n$3\r\n\r\n\0\r\n$-1\r\n$0\r\n\r\n";
        let read = values(reply, 3).await.unwrap();
        assert_eq!(read, vec![Some(b"\r\n\0".to_vec()), None, Some(Vec::new())]);
    }

    #[tokio::test]
    async fn statuses_and_server_errors_are_told_apart() {
        assert!(read_ok(&mut b"+OK\r\n".as_slice()).await.is_ok());
        let err = read_ok(&mut b"-WRONGPASS invalid username-password pair\r\n".as_slice()).await.unwrap_err();
        assert_eq!(err.code(), Some("WRONGPASS"));
        let err = values(b"-LOADING Redis is loading the dataset in memory\r\n", 1).await.unwrap_err();
        assert_eq!(err.code(), Some("LOADING"));
    }

    #[tokio::test]
    async fn anything_else_is_an_error_never_a_panic() {
        for reply in [
            b"".as_slice(),
            b"*1\r\n",
            b"*1\r\n$5\r\nabc",
            b"*1\r\n$3\r\nabcde",
            b"*2\r\n$-1\r\n",
            b"*1\n",
            b"*x\r\n",
            b"*99999999999999999999\r\n",
            b"*1\r\n:1\r\n",
            b"*1\r\n$99999999999\r\n",
            b"*1\r\n$500000000\r\nabc",
            b"*-1\r\n",
            b"+OK\r\n",
            b"\r\n",
        ] {
            assert!(values(reply, 1).await.is_err(), "{:?}", String::from_utf8_lossy(reply));
        }
    }

    #[tokio::test]
    async fn damaged_replies_are_read_or_refused_never_a_panic() {
        let valid = b"*3\r\n$3\r\nabc\r\n$-1\r\n$5\r\n\x00\r\n\xff!\r\n";
        assert_eq!(values(valid, 3).await.unwrap().len(), 3);
        // A small deterministic generator: every damage is reproducible from its seed.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            usize::try_from(x % 1_000_003).unwrap()
        };
        for _ in 0..20_000 {
            let mut reply = valid.to_vec();
            for _ in 0..1 + next() % 3 {
                let at = next() % reply.len();
                match next() % 3 {
                    0 => reply[at] = u8::try_from(next() % 256).unwrap(),
                    1 => reply.truncate(at),
                    _ => reply.insert(at, b"*$-:+\r\n0123456789"[next() % 17]),
                }
                if reply.is_empty() {
                    break;
                }
            }
            // Bytes after a complete reply are the next reply's: only the count is checked.
            if let Ok(read) = read_values(&mut reply.as_slice(), 3).await {
                assert_eq!(read.len(), 3);
            }
        }
    }

    #[tokio::test]
    async fn an_overlong_line_is_refused() {
        let long = [b"-".as_slice(), &[b'x'; 5000], b"\r\n"].concat();
        assert!(matches!(read_ok(&mut long.as_slice()).await, Err(ReplyError::Protocol(_))));
    }
}
