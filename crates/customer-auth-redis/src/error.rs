use customer_auth_core::Error as CoreError;
use redis::{ErrorKind, RedisError};

/// What can go wrong while configuring or connecting a [`RedisStore`](crate::RedisStore).
///
/// The store's trait methods answer with [`customer_auth_core::Error`] instead; this error
/// converts into it with `From`, so an app can use `?` on both.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The URL given to [`RedisStoreOptions::new`](crate::RedisStoreOptions::new) could not be
    /// read. The URL is shown with its password redacted.
    #[error(
        "{url:?} is not a Redis URL ({reason}); use redis://[[user]:password@]host[:port][/db], rediss://..., unix:///path/to/redis.sock, or redis+cluster://host:port,host:port,... (rediss+cluster://... with TLS) for a Redis Cluster"
    )]
    InvalidUrl {
        /// The URL as given, password redacted.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The key prefix is not usable.
    #[error("{prefix:?} is not a usable key prefix: {reason}")]
    InvalidPrefix {
        /// The prefix as given.
        prefix: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An option is out of range.
    #[error("invalid Redis store option: {0}")]
    Config(String),
    /// Redis could not be reached, refused the connection, did not answer in time, or
    /// refused the credentials.
    #[error(
        "could not connect to Redis at {server}: {source}; check that Redis is running and reachable from this host (redis-cli -h <host> -p <port> ping) and that the URL and credentials are right"
    )]
    Connect {
        /// The server's URL, password redacted.
        server: String,
        /// What the driver said.
        #[source]
        source: RedisError,
    },
}

impl From<Error> for CoreError {
    fn from(err: Error) -> Self {
        match err {
            Error::InvalidUrl { .. } | Error::InvalidPrefix { .. } | Error::Config(_) => {
                CoreError::Config(err.to_string())
            }
            // A server that is down now may be up in a moment: a 503, not a logout.
            Error::Connect { ref source, .. } if is_unavailable(source) => CoreError::unavailable(err),
            Error::Connect { .. } => CoreError::backend(err),
        }
    }
}

/// True when the error means Redis is down, unreachable, too slow or not serving yet, so the
/// caller should answer 503 and retry later.
pub(crate) fn is_unavailable(err: &RedisError) -> bool {
    err.is_io_error()
        || err.is_timeout()
        || err.is_connection_dropped()
        || err.is_connection_refusal()
        || matches!(err.kind(), ErrorKind::ClusterConnectionNotFound)
        || err.code().is_some_and(is_transient_code)
}

/// True for the error codes of a Redis that will serve again by itself: loading its dataset
/// after a restart, a failover in progress, a replica that was a primary a moment ago, a
/// script running past `lua-time-limit` (`BUSY`), or a cluster slot that moved and is still
/// being followed (`MOVED`, `ASK`: redis-rs follows them for single commands, not for the
/// pipelines of durable writes, which retry once).
pub(crate) fn is_transient_code(code: &str) -> bool {
    matches!(code, "LOADING" | "TRYAGAIN" | "MASTERDOWN" | "CLUSTERDOWN" | "READONLY" | "BUSY" | "MOVED" | "ASK")
}

/// Converts a driver error from a trait method into the core error the web layer understands.
pub(crate) fn store_error(err: RedisError) -> CoreError {
    if is_unavailable(&err) {
        CoreError::unavailable(err)
    } else if matches!(err.kind(), ErrorKind::Parse | ErrorKind::UnexpectedReturnType) {
        CoreError::Corrupt(format!("Redis answered something this version cannot read: {err}"))
    } else {
        CoreError::backend(err)
    }
}

/// Shows a Redis URL without its password: `redis://user:secret@host` becomes
/// `redis://user:[redacted]@host`.
pub(crate) fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|at| at + 3) else {
        return url.to_owned();
    };
    let rest = &url[scheme_end..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return url.to_owned();
    };
    let userinfo = &rest[..at];
    let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
    let hidden = if userinfo.contains(':') { format!("{user}:[redacted]") } else { "[redacted]".to_owned() };
    format!("{}{hidden}{}", &url[..scheme_end], &rest[at..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        for (url, shown) in [
            ("redis://127.0.0.1:6379", "redis://127.0.0.1:6379"),
            ("redis://:s3cret@host:6379/0", "redis://:[redacted]@host:6379/0"),
            ("rediss://app:p@ss:w0rd@host/1", "rediss://app:[redacted]@host/1"),
            ("redis://token@host", "redis://[redacted]@host"),
            ("redis://host/0?x=a@b", "redis://host/0?x=a@b"),
            ("unix:///run/redis.sock", "unix:///run/redis.sock"),
            ("redis+cluster://:s3cret@a:7000,b:7001/0", "redis+cluster://:[redacted]@a:7000,b:7001/0"),
            ("not a url", "not a url"),
        ] {
            assert_eq!(redact_url(url), shown, "{url}");
        }
    }
}
