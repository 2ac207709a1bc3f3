//! The threads password hashes run on.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, OnceLock};

use tokio::sync::oneshot;

use crate::{Error, Result};

/// How many steps below the rest of the process the hashing threads run (Linux nice value).
///
/// A cost-12 bcrypt hash is a quarter second of pure CPU. On an equal footing, a few logins
/// take whole cores from the request threads and every page waits; ten steps down, the kernel
/// gives a request thread about nine tenths of a core both want, so pages stay fast while
/// logins queue, and hashing still gets every cycle nobody else wants.
const NICENESS_STEPS: i32 = 10;

type Job = Box<dyn FnOnce() + Send>;

/// A fixed number of threads, started at first use, that run password hashes below the
/// priority of the async runtime's threads. They end when the pool is dropped.
pub(crate) struct HashPool {
    size: usize,
    sender: OnceLock<Sender<Job>>,
}

impl HashPool {
    /// A pool of `size` threads (at least 1); none start until the first job.
    pub(crate) fn new(size: usize) -> Self {
        Self { size: size.max(1), sender: OnceLock::new() }
    }

    /// How many hashes run at once.
    pub(crate) fn size(&self) -> usize {
        self.size
    }

    /// Runs `work` on a hashing thread and waits for its result without blocking the runtime.
    /// Jobs beyond the pool's size queue in order.
    pub(crate) async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
        let (reply, outcome) = oneshot::channel();
        let job: Job = Box::new(move || {
            // A caller that went away (its client hung up) needs no answer: skip the CPU.
            if !reply.is_closed() {
                let _ = reply.send(work());
            }
        });
        self.sender()
            .send(job)
            .map_err(|_| Error::Hashing("no password hashing thread could be started; see the error log".into()))?;
        outcome.await.map_err(|_| Error::Hashing("the password hashing thread failed while hashing".into()))
    }

    fn sender(&self) -> &Sender<Job> {
        self.sender.get_or_init(|| start(self.size))
    }
}

fn start(size: usize) -> Sender<Job> {
    let (sender, receiver) = mpsc::channel::<Job>();
    let receiver = Arc::new(Mutex::new(receiver));
    for index in 0..size {
        let receiver = Arc::clone(&receiver);
        let spawned =
            std::thread::Builder::new().name(format!("customer-auth-hash-{index}")).spawn(move || serve(&receiver));
        // The threads that did start serve every job; with none, sending fails and says so.
        if let Err(err) = spawned {
            tracing::error!(%err, "could not start a password hashing thread");
        }
    }
    sender
}

fn serve(receiver: &Mutex<Receiver<Job>>) {
    lower_priority();
    loop {
        let next = match receiver.lock() {
            Ok(queue) => queue.recv(),
            Err(poisoned) => poisoned.into_inner().recv(),
        };
        let Ok(job) = next else { return };
        // A panicking hash must not take the thread with it; its caller sees the reply dropped.
        let _ = catch_unwind(AssertUnwindSafe(job));
    }
}

/// Lowers this thread's priority, relative to where the process runs. Linux only: there the
/// nice value belongs to the thread, while elsewhere `setpriority` would slow the whole process.
#[cfg(target_os = "linux")]
fn lower_priority() {
    use rustix::process::{getpriority_process, setpriority_process};
    const LOWEST: i32 = 19;
    let lowered = getpriority_process(None).map(|nice| (nice + NICENESS_STEPS).min(LOWEST));
    if let Err(err) = lowered.and_then(|nice| setpriority_process(None, nice)) {
        tracing::warn!(%err, "password hashing runs at the process's own priority: could not lower it");
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_beyond_the_pool_size_queue_and_all_answer() {
        let pool = HashPool::new(1);
        let (a, b, c) = tokio::join!(pool.run(|| 1), pool.run(|| 2), pool.run(|| 3));
        assert_eq!((a.unwrap(), b.unwrap(), c.unwrap()), (1, 2, 3));
    }

    #[tokio::test]
    async fn a_panicking_job_is_an_error_and_the_pool_keeps_serving() {
        let pool = HashPool::new(1);
        let failed = pool.run(|| -> u32 { panic!("a hash that blows up") }).await;
        assert!(matches!(failed, Err(Error::Hashing(_))));
        assert_eq!(pool.run(|| 7).await.unwrap(), 7);
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn hashing_threads_run_below_the_calling_thread() {
        let here = rustix::process::getpriority_process(None).unwrap();
        let pool = HashPool::new(1);
        let there = pool.run(|| rustix::process::getpriority_process(None).unwrap()).await.unwrap();
        assert_eq!(there, (here + NICENESS_STEPS).min(19));
        assert_eq!(rustix::process::getpriority_process(None).unwrap(), here, "the caller's thread is untouched");
    }
}
