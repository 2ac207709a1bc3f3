//! TLS settings for `rediss://` URLs: a CA file and a client certificate, from
//! [`RedisStoreOptions`](crate::RedisStoreOptions) or from the URL's query (`sslrootcert`,
//! `sslcert`, `sslkey`, the names libpq uses for PostgreSQL), read into what redis-rs takes.

use std::path::PathBuf;

use redis::{ClientTlsConfig, TlsCertificates};
use url::Url;

use crate::Error;

/// The query parameters this store reads itself, and takes out before redis-rs sees the URL.
const PARAMETERS: [&str; 3] = ["sslrootcert", "sslcert", "sslkey"];

/// Where the TLS files are, when any are given.
#[derive(Debug, Clone, Default)]
pub(crate) struct TlsFiles {
    pub(crate) ca: Option<PathBuf>,
    pub(crate) cert: Option<PathBuf>,
    pub(crate) key: Option<PathBuf>,
}

impl TlsFiles {
    fn is_empty(&self) -> bool {
        self.ca.is_none() && self.cert.is_none() && self.key.is_none()
    }

    /// Fills in what `self` leaves out from `other`.
    fn or(self, other: Self) -> Self {
        Self { ca: self.ca.or(other.ca), cert: self.cert.or(other.cert), key: self.key.or(other.key) }
    }
}

/// `url` without this store's TLS parameters, and the files they name. A URL that does not
/// parse is returned as it is, for redis-rs to refuse with its own reason.
pub(crate) fn split_url(url: &str) -> (String, TlsFiles) {
    let Ok(mut parsed) = Url::parse(url) else { return (url.to_owned(), TlsFiles::default()) };
    let mut files = TlsFiles::default();
    let mut kept = Vec::new();
    for (name, value) in parsed.query_pairs() {
        match name.as_ref() {
            "sslrootcert" => files.ca = Some(PathBuf::from(value.as_ref())),
            "sslcert" => files.cert = Some(PathBuf::from(value.as_ref())),
            "sslkey" => files.key = Some(PathBuf::from(value.as_ref())),
            _ => kept.push((name.into_owned(), value.into_owned())),
        }
    }
    if files.is_empty() {
        return (url.to_owned(), files);
    }
    if kept.is_empty() {
        parsed.set_query(None);
    } else {
        parsed.query_pairs_mut().clear().extend_pairs(kept);
    }
    (parsed.to_string(), files)
}

/// The certificates for redis-rs, read from the files; `None` when no file is given (redis-rs
/// then trusts the system's and webpki's roots for `rediss://`).
pub(crate) async fn certificates(
    url: &str,
    options: TlsFiles,
    in_url: TlsFiles,
) -> Result<Option<TlsCertificates>, Error> {
    let files = options.or(in_url);
    if files.is_empty() {
        return Ok(None);
    }
    if !url.starts_with("rediss") {
        return Err(Error::Config(format!(
            "TLS files ({}) are given for a URL without TLS; use rediss:// to connect over TLS",
            PARAMETERS.join(", ")
        )));
    }
    let read = async |path: &PathBuf, what: &str| {
        tokio::fs::read(path).await.map_err(|err| {
            Error::Config(format!(
                "cannot read the {what} {}: {err}; check the path and its permissions",
                path.display()
            ))
        })
    };
    let root_cert = match &files.ca {
        Some(path) => Some(read(path, "CA file").await?),
        None => None,
    };
    let client_tls = match (&files.cert, &files.key) {
        (Some(cert), Some(key)) => Some(ClientTlsConfig {
            client_cert: read(cert, "client certificate").await?,
            client_key: read(key, "client key").await?,
        }),
        (None, None) => None,
        _ => return Err(Error::Config("a client certificate needs both sslcert and sslkey".into())),
    };
    Ok(Some(TlsCertificates { client_tls, root_cert }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tls_parameters_come_out_of_the_url_and_the_rest_stays() {
        let (url, files) = split_url("rediss://user:pw@host:6380/2?sslrootcert=/ca.pem&protocol=resp3#insecure");
        assert_eq!(url, "rediss://user:pw@host:6380/2?protocol=resp3#insecure");
        assert_eq!(files.ca, Some(PathBuf::from("/ca.pem")));
        let (url, files) = split_url("rediss://host/0?sslcert=/c.pem&sslkey=/k.pem");
        assert_eq!(url, "rediss://host/0");
        assert!(files.cert.is_some() && files.key.is_some() && files.ca.is_none());
        let (url, files) = split_url("redis://host:6379/0");
        assert_eq!(url, "redis://host:6379/0");
        assert!(files.is_empty());
    }
}
