//! The connection every call goes through: one server's, or a Redis Cluster's. Both are
//! redis-rs connections that reconnect by themselves; the store's code does not tell them apart
//! except where a cluster needs something of its own (a `SCAN` per master).

use std::collections::HashMap;

use futures_util::future::try_join_all;
use redis::aio::{ConnectionLike, ConnectionManager};
use redis::cluster_async::ClusterConnection;
use redis::cluster_routing::{MultipleNodeRoutingInfo, RoutingInfo, SingleNodeRoutingInfo, Slot};
use redis::{Cmd, Pipeline, RedisError, RedisFuture, RedisResult, Value};

/// A single server's multiplexed connection (the manager replaces it when it drops), or a
/// cluster connection, which keeps one multiplexed connection per node and routes each command
/// to the master of its key's slot. Cheap to clone: clones share the connection.
#[derive(Clone)]
pub(crate) enum Connection {
    /// `redis://`, `rediss://`, `unix://`.
    Server(ConnectionManager),
    /// `redis+cluster://`, `rediss+cluster://`.
    Cluster(ClusterConnection),
}

impl Connection {
    /// The values of `keys`, in order (`MGET`). On a cluster one `MGET` per slot, all sent at
    /// once: redis-rs can split a many-slot `MGET` itself, but while a node is down it leaves
    /// that node's part out and fails the whole call with a client error instead of a
    /// connection error, which would read as a bug (500) instead of an outage (503).
    pub(crate) async fn mget(&mut self, keys: &[String]) -> RedisResult<Vec<Option<Vec<u8>>>> {
        match self {
            Self::Server(_) => redis::cmd("MGET").arg(keys).query_async(self).await,
            Self::Cluster(cluster) => {
                let groups = by_slot(keys);
                let reads = groups.iter().map(|indices| {
                    let mut conn = cluster.clone();
                    let mut mget = redis::cmd("MGET");
                    for index in indices {
                        mget.arg(&keys[*index]);
                    }
                    async move { mget.query_async::<Vec<Option<Vec<u8>>>>(&mut conn).await }
                });
                let answers = try_join_all(reads).await?;
                let mut values = vec![None; keys.len()];
                for (indices, answer) in groups.iter().zip(answers) {
                    if answer.len() != indices.len() {
                        return Err(RedisError::from((
                            redis::ErrorKind::UnexpectedReturnType,
                            "MGET answered a different number of values than it was asked for",
                        )));
                    }
                    for (index, value) in indices.iter().zip(answer) {
                        values[*index] = value;
                    }
                }
                Ok(values)
            }
        }
    }

    /// Unlinks `keys` and returns how many there were. On a cluster one `UNLINK` per slot, all
    /// sent at once, for the reason [`mget`](Self::mget) gives: a node that is down fails the
    /// call instead of being skipped.
    pub(crate) async fn unlink(&mut self, keys: &[String]) -> RedisResult<u64> {
        match self {
            Self::Server(_) => redis::cmd("UNLINK").arg(keys).query_async(self).await,
            Self::Cluster(cluster) => {
                let deletes = by_slot(keys).into_iter().map(|indices| {
                    let mut conn = cluster.clone();
                    let mut unlink = redis::cmd("UNLINK");
                    for index in indices {
                        unlink.arg(&keys[index]);
                    }
                    async move { unlink.query_async::<u64>(&mut conn).await }
                });
                Ok(try_join_all(deletes).await?.into_iter().sum())
            }
        }
    }

    /// The addresses (`host:port`) of the masters serving slots, for the commands that work on
    /// one node at a time (`SCAN`); a single server's connection has none.
    pub(crate) async fn masters(&mut self) -> RedisResult<Vec<String>> {
        let Self::Cluster(cluster) = self else { return Ok(Vec::new()) };
        // Without a response policy, redis-rs answers a command sent to several nodes with a map
        // from each node's address to its answer.
        let routing = RoutingInfo::MultiNode((MultipleNodeRoutingInfo::AllMasters, None));
        let answers = cluster.route_command(redis::cmd("PING"), routing).await?;
        let Value::Map(answers) = answers else {
            return Err(RedisError::from((
                redis::ErrorKind::UnexpectedReturnType,
                "the cluster did not name its masters",
            )));
        };
        let mut masters = Vec::with_capacity(answers.len());
        for (address, _) in answers {
            masters.push(redis::from_redis_value::<String>(address)?);
        }
        Ok(masters)
    }

    /// Sends `cmd` to the node at `address` (`host:port`, as [`masters`](Self::masters) names
    /// it); on a single server, to the server.
    pub(crate) async fn on_node<T: redis::FromRedisValue>(&mut self, address: &str, cmd: Cmd) -> RedisResult<T> {
        match self {
            Self::Server(_) => cmd.query_async(self).await,
            Self::Cluster(cluster) => {
                let (host, port) = address
                    .rsplit_once(':')
                    .and_then(|(host, port)| Some((host, port.parse::<u16>().ok()?)))
                    .ok_or_else(|| {
                        RedisError::from((
                            redis::ErrorKind::UnexpectedReturnType,
                            "the cluster named a node without a port",
                        ))
                    })?;
                let routing = RoutingInfo::SingleNode(SingleNodeRoutingInfo::ByAddress { host: host.to_owned(), port });
                let value = cluster.route_command(cmd, routing).await?;
                redis::from_redis_value(value).map_err(RedisError::from)
            }
        }
    }
}

/// The indices of `keys` grouped by hash slot, each group in the order of `keys`.
fn by_slot(keys: &[String]) -> Vec<Vec<usize>> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut slots: HashMap<Slot, usize> = HashMap::new();
    for (index, key) in keys.iter().enumerate() {
        let group = *slots.entry(Slot::for_key(key)).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[group].push(index);
    }
    groups
}

impl ConnectionLike for Connection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Self::Server(server) => server.req_packed_command(cmd),
            Self::Cluster(cluster) => cluster.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Self::Server(server) => server.req_packed_commands(pipeline, offset, count),
            Self::Cluster(cluster) => cluster.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Self::Server(server) => server.get_db(),
            Self::Cluster(cluster) => cluster.get_db(),
        }
    }
}
