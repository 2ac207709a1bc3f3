//! One script call, made plainly or durably. Durably means followed by `WAIT` in the same round
//! trip on the same connection, so the write is on a replica before the caller hears it is
//! done: a failover of the primary then cannot lose it.

use std::time::Duration;

use redis::{Cmd, ErrorKind, FromRedisValue, RedisError, RedisResult, ServerErrorKind, ToRedisArgs, Value};

use crate::connection::Connection;
use crate::scripts::Lua;

/// A script with its keys (all in one slot) and arguments.
pub(crate) struct Call<'a> {
    lua: &'a Lua,
    keys: Vec<String>,
    args: Vec<Vec<u8>>,
}

impl<'a> Call<'a> {
    pub(crate) fn new(lua: &'a Lua) -> Self {
        Self { lua, keys: Vec::new(), args: Vec::new() }
    }

    pub(crate) fn key(mut self, key: String) -> Self {
        self.keys.push(key);
        self
    }

    pub(crate) fn arg(mut self, arg: impl ToRedisArgs) -> Self {
        self.args.extend(arg.to_redis_args());
        self
    }

    /// `EVALSHA`, or `EVAL` with the source for a server that does not know the script.
    fn command(&self, by_hash: bool) -> Cmd {
        let mut cmd = if by_hash { redis::cmd("EVALSHA") } else { redis::cmd("EVAL") };
        cmd.arg(if by_hash { self.lua.hash() } else { self.lua.source() }).arg(self.keys.len());
        for key in &self.keys {
            cmd.arg(key);
        }
        for arg in &self.args {
            cmd.arg(arg.as_slice());
        }
        cmd
    }

    /// Runs the script by its hash; a server that answers `NOSCRIPT` (new, restarted, or a
    /// replica promoted by a failover: scripts are not replicated) gets the source, which also
    /// caches it there. Only that node is asked, never every node as `SCRIPT LOAD` would be on a
    /// cluster, so a node that is down elsewhere costs this call nothing.
    pub(crate) async fn invoke<T: FromRedisValue>(&self, conn: &mut Connection) -> RedisResult<T> {
        match self.command(true).query_async(conn).await {
            Err(err) if is_noscript(&err) => self.command(false).query_async(conn).await,
            outcome => outcome,
        }
    }

    /// Runs the script and `WAIT replicas timeout` as one pipeline: on a cluster the pipeline
    /// goes to the master of the keys' slot, so `WAIT` counts the replicas of the node that
    /// took the write, on the connection that sent it. Returns the script's answer and how many
    /// replicas have the write.
    pub(crate) async fn invoke_durably(
        &self,
        conn: &mut Connection,
        replicas: u32,
        timeout: Duration,
    ) -> RedisResult<(Value, u64)> {
        let millis = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX).max(1);
        let pipeline = |by_hash| {
            let mut pipe = redis::pipe();
            pipe.add_command(self.command(by_hash)).cmd("WAIT").arg(replicas).arg(millis);
            pipe
        };
        let mut redirected = false;
        loop {
            match pipeline(true).query_async(conn).await {
                Err(err) if is_noscript(&err) => return pipeline(false).query_async(conn).await,
                // redis-rs follows MOVED and ASK for single commands but hands a pipeline's back
                // (a slot moved by a failover or a resharding): one keyed read makes it follow
                // the redirect and refresh its slot map, then the pipeline goes where it must.
                // The redirect means the script did not run, so sending it again is safe.
                Err(err) if is_redirect(&err) && !redirected => {
                    redirected = true;
                    let key = self.keys.first().map(String::as_str).unwrap_or_default();
                    let _: i64 = redis::cmd("EXISTS").arg(key).query_async(conn).await?;
                }
                outcome => return outcome,
            }
        }
    }

    /// How many replicas the master of this call's slot has online now (linked and in sync,
    /// so able to answer `WAIT`): a pipeline of a keyed read (`TYPE`, which gives the pipeline
    /// its route) and `INFO replication`.
    pub(crate) async fn online_replicas(&self, conn: &mut Connection) -> RedisResult<u32> {
        let key = self.keys.first().map(String::as_str).unwrap_or_default();
        let mut pipe = redis::pipe();
        pipe.cmd("TYPE").arg(key).ignore().cmd("INFO").arg("replication");
        let (info,): (String,) = pipe.query_async(conn).await?;
        // One line per replica: `slave0:ip=…,port=…,state=online,offset=…,lag=…`.
        let online = info
            .lines()
            .filter(|line| line.starts_with("slave") && line.contains(":ip=") && line.contains(",state=online,"))
            .count();
        Ok(u32::try_from(online).unwrap_or(u32::MAX))
    }
}

fn is_noscript(err: &RedisError) -> bool {
    err.kind() == ErrorKind::Server(ServerErrorKind::NoScript)
}

fn is_redirect(err: &RedisError) -> bool {
    matches!(err.kind(), ErrorKind::Server(ServerErrorKind::Moved | ServerErrorKind::Ask))
}
