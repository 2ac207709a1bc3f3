//! Whether a thread has had to wait for a CPU, as Linux counts it.

/// Watches how long the thread that made it has spent runnable but waiting for a CPU: the
/// second field of Linux's `/proc/thread-self/schedstat`, in nanoseconds.
///
/// A hashing thread that had to wait shares its core with someone. That someone may be a
/// process in another scheduling group, such as a database server on the same machine in a
/// session of its own, and Linux weighs nice values only within a group (an autogroup or a
/// cgroup): against such a process the hashing thread's lowered priority counts for nothing.
/// Elsewhere, or where the kernel keeps no such count, it never reports a wait.
pub(crate) struct CpuWait {
    #[cfg(target_os = "linux")]
    schedstat: Option<std::fs::File>,
    waited_ns: u64,
}

impl CpuWait {
    /// Watches the calling thread; only that thread should ask it.
    pub(crate) fn of_this_thread() -> Self {
        let mut watch = Self {
            #[cfg(target_os = "linux")]
            schedstat: std::fs::File::open("/proc/thread-self/schedstat").ok(),
            waited_ns: 0,
        };
        watch.waited_since_last();
        watch
    }

    /// True when the thread has waited for a CPU since the last call.
    pub(crate) fn waited_since_last(&mut self) -> bool {
        let Some(now) = self.read() else { return false };
        let waited = now > self.waited_ns;
        self.waited_ns = now;
        waited
    }

    #[cfg(target_os = "linux")]
    fn read(&self) -> Option<u64> {
        use std::os::unix::fs::FileExt as _;
        // Three numbers of up to 20 digits and their separators.
        let mut text = [0u8; 64];
        let len = self.schedstat.as_ref()?.read_at(&mut text, 0).ok()?;
        run_queue_wait(text.get(..len)?)
    }

    #[cfg(not(target_os = "linux"))]
    fn read(&self) -> Option<u64> {
        None
    }
}

/// The wait, from a schedstat line: time on a CPU, time waiting for one, time slices.
#[cfg(any(target_os = "linux", test))]
fn run_queue_wait(schedstat: &[u8]) -> Option<u64> {
    let line = std::str::from_utf8(schedstat).ok()?;
    line.split_ascii_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_is_the_second_number() {
        assert_eq!(run_queue_wait(b"6151934829 26530117 1711\n"), Some(26_530_117));
        assert_eq!(run_queue_wait(b"6151934829"), None);
        assert_eq!(run_queue_wait(b"1 two 3\n"), None);
        assert_eq!(run_queue_wait(b""), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_thread_that_shares_its_cpu_with_a_busy_one_has_waited() {
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::time::{Duration, Instant};

        // Both on the CPU this test started on, so one of them must wait while the other runs.
        let mut one_cpu = rustix::thread::CpuSet::new();
        one_cpu.set(rustix::thread::sched_getcpu());
        let pin = || rustix::thread::sched_setaffinity(None, &one_cpu).unwrap();
        // Pinned before the spinner starts: a failure here must not leave the scope waiting
        // on a spinner nobody stops.
        pin();
        let stop = AtomicBool::new(false);
        std::thread::scope(|scope| {
            scope.spawn(|| {
                pin();
                while !stop.load(Ordering::Relaxed) {
                    std::hint::spin_loop();
                }
            });
            let mut wait = CpuWait::of_this_thread();
            let spin_until = Instant::now() + Duration::from_millis(200);
            while Instant::now() < spin_until {
                std::hint::spin_loop();
            }
            let waited = wait.waited_since_last();
            stop.store(true, Ordering::Relaxed);
            assert!(
                waited,
                "200 ms beside a busy thread on one CPU, and no wait read from /proc/thread-self/schedstat"
            );
        });
    }
}
