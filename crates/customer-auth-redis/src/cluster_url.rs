//! `redis+cluster://` and `rediss+cluster://` URLs: the seed nodes of a Redis Cluster in one
//! URL, read into one redis-rs URL per node. redis-rs asks the seeds for the rest of the
//! cluster, so a few of its nodes are enough.

/// True when `url` names a Redis Cluster.
pub(crate) fn is_cluster(url: &str) -> bool {
    node_scheme(url).is_some()
}

/// The scheme of each node's URL: `redis` or `rediss`.
fn node_scheme(url: &str) -> Option<&'static str> {
    let (scheme, _) = url.trim_start().split_once("://")?;
    match scheme.to_ascii_lowercase().as_str() {
        "redis+cluster" => Some("redis"),
        "rediss+cluster" => Some("rediss"),
        _ => None,
    }
}

/// The URL of each node in `url`
/// (`redis+cluster://[[user]:password@]host:port[,host:port…][/0][?query][#insecure]`), each
/// with the credentials, query and fragment of the whole: `redis://[[user]:password@]host:port…`.
/// The error says what is wrong, never repeating the URL (it may hold a password).
pub(crate) fn node_urls(url: &str) -> Result<Vec<String>, String> {
    let scheme = node_scheme(url).ok_or("it does not start with redis+cluster:// or rediss+cluster://")?;
    let rest = url.trim().split_once("://").map_or("", |(_, rest)| rest);
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let (userinfo, hosts) = match authority.rfind('@') {
        Some(at) => authority.split_at(at + 1),
        None => ("", authority),
    };
    let path = &tail[..tail.find(['?', '#']).unwrap_or(tail.len())];
    if !matches!(path, "" | "/" | "/0") {
        return Err("a Redis Cluster has only database 0; leave the /<db> out".into());
    }
    let mut urls = Vec::new();
    for host in hosts.split(',') {
        if host.is_empty() {
            return Err("a node is missing; list the nodes as host:port,host:port,…".into());
        }
        urls.push(format!("{scheme}://{userinfo}{host}{tail}"));
    }
    Ok(urls)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_urls_become_one_url_per_node() {
        assert_eq!(
            node_urls("redis+cluster://127.0.0.1:7000,127.0.0.1:7001,[::1]:7002"),
            Ok(vec![
                "redis://127.0.0.1:7000".to_owned(),
                "redis://127.0.0.1:7001".to_owned(),
                "redis://[::1]:7002".to_owned()
            ])
        );
        assert_eq!(
            node_urls("rediss+cluster://app:p@ss@a:6380,b:6380/0?sslrootcert=/ca.pem#insecure"),
            Ok(vec![
                "rediss://app:p@ss@a:6380/0?sslrootcert=/ca.pem#insecure".to_owned(),
                "rediss://app:p@ss@b:6380/0?sslrootcert=/ca.pem#insecure".to_owned()
            ])
        );
        assert_eq!(node_urls("REDIS+CLUSTER://h:1/"), Ok(vec!["redis://h:1/".to_owned()]));
    }

    #[test]
    fn what_a_cluster_cannot_be_is_refused_without_repeating_the_url() {
        for url in ["redis+cluster://:hunter2@a:1,,b:2", "redis+cluster://:hunter2@a:1/3", "redis+cluster://:hunter2@"]
        {
            let reason = node_urls(url).err().unwrap_or_default();
            assert!(!reason.is_empty(), "{url} was accepted");
            assert!(!reason.contains("hunter2"), "{reason}");
        }
        assert!(node_urls("redis://a:1").is_err());
        assert!(is_cluster("rediss+cluster://a:1") && is_cluster("redis+cluster://a:1"));
        assert!(!is_cluster("redis://a:1") && !is_cluster("unix:///tmp/redis.sock"));
    }
}
