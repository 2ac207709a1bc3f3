//! A store on a Unix socket (`unix:///path`) reads and writes its sessions over that socket. The
//! shared test server listens on TCP only, so this test starts a Redis of its own on a socket
//! in a temporary directory, and stops it when done.

// Tests state their expectations with unwrap and panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use customer_auth_core::{SessionId, SessionStore};
use customer_auth_redis::RedisStoreOptions;
use std::process::{Child, Command, Stdio};

/// A `redis-server` listening only on a socket, stopped (and reaped) when dropped.
struct SocketServer {
    child: Child,
}

impl Drop for SocketServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl SocketServer {
    async fn start(socket: &Path) -> Self {
        let child = Command::new("redis-server")
            .args(["--port", "0", "--unixsocket"])
            .arg(socket)
            .args(["--unixsocketperm", "700", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| {
                panic!("could not start redis-server ({err}); install it (apt-get install redis-server) or run ./scripts/test")
            });
        let server = Self { child };
        let deadline = Instant::now() + Duration::from_secs(10);
        while !socket.exists() {
            assert!(Instant::now() < deadline, "redis-server did not open {} within 10 s", socket.display());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        server
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_loads_go_over_the_unix_socket() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("redis.sock");
    let _server = SocketServer::start(&socket).await;
    let url = format!("unix://{}", socket.display());
    let store = common::connect_with(RedisStoreOptions::new(&url).prefix(&common::random_prefix())).await;

    let key = SessionId::generate().unwrap().key();
    let record = common::session(Some(&common::customer("socket")));
    store.create_session(&key, &record).await.unwrap();
    assert_eq!(store.load_session(&key).await.unwrap(), Some(record));
    let unknown = SessionId::generate().unwrap().key();
    assert_eq!(store.load_session(&unknown).await.unwrap(), None);

    // This server has no other clients: the store's one connection.
    let mut admin = redis::Client::open(url.as_str()).unwrap().get_multiplexed_async_connection().await.unwrap();
    let clients: String = redis::cmd("CLIENT").arg("LIST").query_async(&mut admin).await.unwrap();
    assert_eq!(clients.lines().count(), 2, "the store's connection and this one: {clients}");
}
