//! A TCP proxy in front of the test Redis that a test can cut, stall and restore, so faults
//! are tested without touching the shared server.
#![allow(dead_code, unreachable_pub)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::copy_bidirectional;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub struct Proxy {
    pub addr: SocketAddr,
    /// True while the proxy is cut: every connection, open or new, is closed.
    down: watch::Sender<bool>,
    /// Bumped by `stall`: connections opened before go silent.
    epoch: watch::Sender<u64>,
    accept: JoinHandle<()>,
    connections: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    /// Starts a proxy on a free local port, forwarding to `target` (`host:port`).
    pub async fn start(target: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (down, down_rx) = watch::channel(false);
        let (epoch, epoch_rx) = watch::channel(0u64);
        let connections: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let tracked = Arc::clone(&connections);
        let accept = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if *down_rx.borrow() {
                    drop(client);
                    continue;
                }
                let (mut down, mut epoch) = (down_rx.clone(), epoch_rx.clone());
                let mine = *epoch.borrow_and_update();
                let target = target.clone();
                let handle = tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(&target).await else { return };
                    tokio::select! {
                        _ = copy_bidirectional(&mut client, &mut server) => {}
                        _ = async { down.wait_for(|down| *down).await.map(|_| ()) } => {}
                        _ = async { epoch.wait_for(|now| *now != mine).await.map(|_| ()) } => {
                            // Stalled: both sockets stay open and silent until the proxy is cut.
                            let _ = down.wait_for(|down| *down).await.map(|_| ());
                        }
                    }
                });
                tracked.lock().unwrap().push(handle);
            }
        });
        Self { addr, down, epoch, accept, connections }
    }

    /// The proxy's URL.
    pub fn url(&self) -> String {
        format!("redis://{}", self.addr)
    }

    /// Closes every open connection and refuses new ones, as a server that went away.
    pub fn cut(&self) {
        self.down.send_replace(true);
    }

    /// Forwards new connections again.
    pub fn restore(&self) {
        self.down.send_replace(false);
    }

    /// Silences the connections open now, as a route that drops packets without a word; new
    /// connections are forwarded.
    pub fn stall(&self) {
        self.epoch.send_modify(|epoch| *epoch += 1);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
        for handle in self.connections.lock().unwrap().drain(..) {
            handle.abort();
        }
    }
}
