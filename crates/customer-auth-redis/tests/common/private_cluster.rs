//! A Redis Cluster of a test's own: 3 masters and 3 replicas on free loopback ports, each node
//! in a temporary directory, for tests that kill nodes and so must never touch the shared test
//! cluster. Dropping it kills every node (and the directory goes with it), also when the test
//! fails half way.
#![allow(dead_code, unreachable_pub)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// Nodes: 3 masters and a replica each.
const NODES: u16 = 6;
/// How long a node may not answer before the others fail it over. Short, so a test sees a
/// failover in seconds; the shared cluster uses 5 s.
const NODE_TIMEOUT_MS: u64 = 2000;

pub struct PrivateCluster {
    pub ports: Vec<u16>,
    nodes: Vec<Child>,
    dir: TempDir,
}

impl PrivateCluster {
    /// Starts the nodes on the first free ports from `first_port` on (each test its own, so
    /// tests that run at once never race for the same ports), makes them a cluster with
    /// `redis-cli --cluster create`, and waits until every node says `cluster_state:ok` and
    /// every master has its replica online.
    pub async fn start(first_port: u16) -> Self {
        let base = free_ports(first_port);
        let dir = tempfile::tempdir().unwrap();
        let mut cluster = Self { ports: (base..base + NODES).collect(), nodes: Vec::new(), dir };
        for port in cluster.ports.clone() {
            let node_dir = cluster.dir.path().join(port.to_string());
            std::fs::create_dir_all(&node_dir).unwrap();
            let child = Command::new("redis-server")
                .args(["--bind", "127.0.0.1", "--port", &port.to_string(), "--cluster-enabled", "yes"])
                .args(["--cluster-config-file", "nodes.conf", "--cluster-node-timeout", &NODE_TIMEOUT_MS.to_string()])
                .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
                .arg("--dir")
                .arg(&node_dir)
                .arg("--logfile")
                .arg(node_dir.join("redis.log"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|err| panic!("cannot start redis-server ({err}); run bash scripts/services.sh"));
            cluster.nodes.push(child);
        }
        for port in &cluster.ports {
            wait_for(&format!("node {port} to listen"), || ping(*port)).await;
        }
        let mut create = tokio::process::Command::new("redis-cli");
        create.arg("--cluster").arg("create");
        for port in &cluster.ports {
            create.arg(format!("127.0.0.1:{port}"));
        }
        let output = create.args(["--cluster-replicas", "1", "--cluster-yes"]).output().await.unwrap();
        assert!(
            output.status.success(),
            "redis-cli --cluster create failed: {}",
            String::from_utf8_lossy(&output.stdout)
        );
        wait_for("the private cluster to be healthy", || cluster.healthy()).await;
        cluster
    }

    /// The URL of the cluster, seeded with every node.
    pub fn url(&self) -> String {
        let nodes: Vec<String> = self.ports.iter().map(|port| format!("127.0.0.1:{port}")).collect();
        format!("redis+cluster://{}", nodes.join(","))
    }

    /// True when every live node is in a cluster of state ok whose masters each have an online
    /// replica.
    pub fn healthy(&self) -> bool {
        self.ports.iter().all(|port| {
            let Some(info) = query(*port, &["CLUSTER", "INFO"]) else { return false };
            let Some(replication) = query(*port, &["INFO", "replication"]) else { return false };
            info.contains("cluster_state:ok")
                && (!replication.contains("role:master") || !replication.contains("connected_slaves:0"))
                && (!replication.contains("role:slave") || replication.contains("master_link_status:up"))
        })
    }

    /// The ports of the masters that serve slots now, as a node that answers sees them.
    pub fn masters(&self) -> Vec<u16> {
        for port in &self.ports {
            let Some(nodes) = query(*port, &["CLUSTER", "NODES"]) else { continue };
            return nodes
                .lines()
                .filter(|line| {
                    let fields: Vec<&str> = line.split(' ').collect();
                    fields.len() > 8 && fields[2].contains("master") && !fields[2].contains("fail")
                })
                .filter_map(|line| line.split(' ').nth(1)?.split('@').next()?.rsplit(':').next()?.parse().ok())
                .collect();
        }
        Vec::new()
    }

    /// The port of the master that serves `key` now.
    pub fn master_of(&self, key: &str) -> Option<u16> {
        let port = *self.ports.iter().find(|port| ping(**port))?;
        let slot: i64 = redis::cmd("CLUSTER").arg("KEYSLOT").arg(key).query(&mut connection(port)?).ok()?;
        let slots: redis::Value = redis::cmd("CLUSTER").arg("SLOTS").query(&mut connection(port)?).ok()?;
        let redis::Value::Array(ranges) = slots else { return None };
        ranges.into_iter().find_map(|range| {
            let redis::Value::Array(range) = range else { return None };
            let start: i64 = redis::from_redis_value(range.first()?.clone()).ok()?;
            let end: i64 = redis::from_redis_value(range.get(1)?.clone()).ok()?;
            let redis::Value::Array(master) = range.get(2)?.clone() else { return None };
            let port: i64 = redis::from_redis_value(master.get(1)?.clone()).ok()?;
            (start..=end).contains(&slot).then(|| u16::try_from(port).ok()).flatten()
        })
    }

    /// The port of the replica of the master on `master`.
    pub fn replica_of(&self, master: u16) -> Option<u16> {
        let nodes = query(master, &["CLUSTER", "NODES"])?;
        let id = nodes.lines().find(|line| line.contains("myself"))?.split(' ').next()?.to_owned();
        nodes
            .lines()
            .find(|line| line.split(' ').nth(3) == Some(id.as_str()))?
            .split(' ')
            .nth(1)?
            .split('@')
            .next()?
            .rsplit(':')
            .next()?
            .parse()
            .ok()
    }

    /// Stops the node on `port` where it is (`SIGSTOP`): its connections stay open, it answers
    /// nothing, as a node stalled by a full disk or a long fork would.
    pub fn pause(&self, port: u16) {
        self.signal(port, "-STOP");
    }

    /// Lets a paused node run again (`SIGCONT`).
    pub fn resume(&self, port: u16) {
        self.signal(port, "-CONT");
    }

    fn signal(&self, port: u16, signal: &str) {
        let index = self.ports.iter().position(|p| *p == port).unwrap();
        let pid = self.nodes[index].id().to_string();
        let status = Command::new("kill").args([signal, &pid]).status().unwrap();
        assert!(status.success(), "kill {signal} {pid} failed");
    }

    /// `kill -9` of the node on `port`.
    pub fn kill(&mut self, port: u16) {
        let index = self.ports.iter().position(|p| *p == port).unwrap();
        self.nodes[index].kill().unwrap();
        self.nodes[index].wait().unwrap();
    }

    /// True once the nodes still up agree the cluster is ok again without the node on `dead`.
    pub fn failed_over(&self, dead: u16) -> bool {
        let live: Vec<u16> = self.ports.iter().copied().filter(|port| *port != dead).collect();
        live.iter().all(|port| query(*port, &["CLUSTER", "INFO"]).is_some_and(|info| info.contains("cluster_state:ok")))
            && !self.masters().contains(&dead)
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        for port in self.ports.clone() {
            // A paused node ignores nothing but SIGKILL, which follows; resuming first is tidier.
            let index = self.ports.iter().position(|p| *p == port).unwrap();
            let _ = Command::new("kill")
                .args(["-CONT", &self.nodes[index].id().to_string()])
                .stderr(Stdio::null())
                .status();
        }
        for node in &mut self.nodes {
            let _ = node.kill();
            let _ = node.wait();
        }
    }
}

/// A base port from `first` on with 6 free ports and their cluster bus ports (port + 10000)
/// free too.
fn free_ports(first: u16) -> u16 {
    (first..first + 1000)
        .step_by(10)
        .find(|base| {
            (*base..base + NODES).all(|port| {
                TcpListener::bind(("127.0.0.1", port)).is_ok() && TcpListener::bind(("127.0.0.1", port + 10000)).is_ok()
            })
        })
        .expect("no 6 free ports (and their bus ports) for a private cluster")
}

fn connection(port: u16) -> Option<redis::Connection> {
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}")).ok()?;
    client.get_connection_with_timeout(Duration::from_millis(500)).ok()
}

fn ping(port: u16) -> bool {
    connection(port).is_some_and(|mut conn| redis::cmd("PING").query::<String>(&mut conn).is_ok())
}

/// One command to one node, its answer as text; `None` when the node does not answer.
pub fn query(port: u16, args: &[&str]) -> Option<String> {
    let mut conn = connection(port)?;
    let mut cmd = redis::cmd(args[0]);
    for arg in &args[1..] {
        cmd.arg(*arg);
    }
    cmd.query(&mut conn).ok()
}

/// Polls `ready` every 100 ms for up to 60 s; fails the test saying what it waited for.
pub async fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ready() {
        assert!(started.elapsed() < Duration::from_secs(60), "waited 60 s for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
