//! The threads password hashes run on: bcrypt's, interleaved in lanes, and any other hashing
//! work (argon2, PBKDF2) as a task that runs whole.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, TryLockError};
use std::time::Duration;

use tokio::sync::oneshot;

use crate::password::bcrypt_lanes::{self, Digest, Lane, MAX_LANES};
use crate::password::cpu_wait::CpuWait;
use crate::password::policy::{MAX_COST, MIN_COST};
use crate::{Error, Password, Result};

/// How many steps below the rest of the process the hashing threads run (Linux nice value).
///
/// A cost-12 bcrypt hash is a quarter second of pure CPU. On an equal footing, a few logins
/// take whole cores from the request threads and every page waits; ten steps down, the kernel
/// gives a request thread about nine tenths of a core both want, so pages stay fast while
/// logins queue, and hashing still gets every cycle nobody else wants.
const NICENESS_STEPS: i32 = 10;

/// How long a hashing thread leaves its core after a step in which it had to wait for one.
///
/// Yielding hands the core only to threads of the hashing thread's own scheduling group (its
/// session's autogroup, or its cgroup), and a nice value only ranks threads within one. A
/// database server on the same machine is another group, and would wait its turn behind the
/// hashes, holding up every page it serves. Off the run queue, the thread lets anyone in; a
/// sleep of a few microseconds ends before the kernel takes it off, and this one is half a
/// step. A thread that has not had to wait since it last looked just yields, so hashing on
/// cores nobody else wants loses only that look (one read a step).
const GIVE_WAY: Duration = Duration::from_micros(20);

/// Work for the hashing threads.
enum Job {
    /// A bcrypt hash, computed in a lane beside others.
    Bcrypt(BcryptJob),
    /// Any other hashing work, run whole on one thread between bcrypt steps.
    Task(Box<dyn Task>),
}

/// A bcrypt hash to compute: the password, salt and cost, and where the digest goes.
struct BcryptJob {
    password: Password,
    salt: [u8; 16],
    cost: u32,
    reply: oneshot::Sender<Digest>,
}

/// Hashing work that runs whole, and knows whether anyone still waits for it.
trait Task: Send {
    /// True when the caller stopped waiting: the work is dropped unstarted.
    fn is_abandoned(&self) -> bool;
    /// Does the work and answers the caller.
    fn run(self: Box<Self>);
}

/// A closure whose result goes back to the caller.
struct Work<F, T> {
    work: F,
    reply: oneshot::Sender<T>,
}

impl<F: FnOnce() -> T + Send, T: Send> Task for Work<F, T> {
    fn is_abandoned(&self) -> bool {
        self.reply.is_closed()
    }

    fn run(self: Box<Self>) {
        let _ = self.reply.send((self.work)());
    }
}

/// A fixed number of threads, started at first use, that compute password hashes below the
/// priority of the async runtime's threads, each up to [`MAX_LANES`] bcrypt hashes at once,
/// or one task. They end when the pool is dropped.
pub(crate) struct HashPool {
    size: usize,
    sender: OnceLock<Sender<Job>>,
}

impl HashPool {
    /// A pool of `size` threads (at least 1); none start until the first job.
    pub(crate) fn new(size: usize) -> Self {
        Self { size: size.max(1), sender: OnceLock::new() }
    }

    /// How many threads hash.
    pub(crate) fn size(&self) -> usize {
        self.size
    }

    /// bcrypt's digest of `password` with `salt` and `cost` (4 to 31; others are an error),
    /// computed on a hashing thread while the runtime goes on. Hashes beyond what the threads
    /// take on queue in order; one whose caller stops waiting is dropped, even half done.
    pub(crate) async fn digest(&self, password: Password, salt: [u8; 16], cost: u32) -> Result<Digest> {
        if !(MIN_COST..=MAX_COST).contains(&cost) {
            return Err(Error::Hashing(format!("bcrypt cost {cost} is out of range; use {MIN_COST} to {MAX_COST}")));
        }
        let (reply, outcome) = oneshot::channel();
        self.send(Job::Bcrypt(BcryptJob { password, salt, cost, reply }))?;
        outcome.await.map_err(|_| Error::Hashing("the password hashing thread failed while hashing".into()))
    }

    /// The result of `work`, run on a hashing thread while the runtime goes on. It runs whole,
    /// so a caller that stops waiting drops it only while it is still queued; what it owns
    /// (a memory permit, say) is dropped with it, run or not.
    pub(crate) async fn run<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (reply, outcome) = oneshot::channel();
        self.send(Job::Task(Box::new(Work { work, reply })))?;
        outcome.await.map_err(|_| Error::Hashing("the password hashing thread failed while hashing".into()))
    }

    fn send(&self, job: Job) -> Result<()> {
        self.sender()
            .send(job)
            .map_err(|_| Error::Hashing("no password hashing thread could be started; see the error log".into()))
    }

    fn sender(&self) -> &Sender<Job> {
        self.sender.get_or_init(|| start(self.size))
    }
}

fn start(size: usize) -> Sender<Job> {
    let (sender, receiver) = mpsc::channel::<Job>();
    let queue = Arc::new(Queue { jobs: Mutex::new(receiver), idle: AtomicUsize::new(0) });
    for index in 0..size {
        let queue = Arc::clone(&queue);
        let spawned =
            std::thread::Builder::new().name(format!("customer-auth-hash-{index}")).spawn(move || serve(&queue));
        // The threads that did start serve every job; with none, sending fails and says so.
        if let Err(err) = spawned {
            tracing::error!(%err, "could not start a password hashing thread");
        }
    }
    sender
}

/// What the hashing threads share: the jobs, and how many of the threads have none.
struct Queue {
    jobs: Mutex<Receiver<Job>>,
    /// Threads waiting for a job. While one is, a busy thread leaves the next job to it: a
    /// core of its own hashes faster than a lane beside others.
    idle: AtomicUsize,
}

type Lanes = Vec<Lane<oneshot::Sender<Digest>>>;

fn serve(queue: &Queue) {
    lower_priority();
    tighten_timer_slack();
    let mut cpu_wait = CpuWait::of_this_thread();
    let mut lanes: Lanes = Vec::with_capacity(MAX_LANES);
    loop {
        let mut task = None;
        if !take_jobs(queue, &mut lanes, &mut task, &mut cpu_wait) {
            return;
        }
        // A bug that panics mid-hash must not take the thread with it: its callers see their
        // replies dropped, and the thread serves the next jobs.
        if let Some(task) = task {
            // An argon2 hash runs whole, tens of milliseconds with no step to stop at; the
            // thread's lower priority still ranks it below the process's request threads.
            let _ = catch_unwind(AssertUnwindSafe(|| task.run()));
            give_way(&mut cpu_wait);
        }
        if !lanes.is_empty() && catch_unwind(AssertUnwindSafe(|| advance(&mut lanes, &mut cpu_wait))).is_err() {
            lanes.clear();
        }
    }
}

/// Fills `lanes` up to [`MAX_LANES`], or takes one task: waits for a job when it has none,
/// and otherwise takes only what is queued already, and only while no other thread is waiting
/// for work. False once the pool is gone and nothing is left to finish.
fn take_jobs(queue: &Queue, lanes: &mut Lanes, task: &mut Option<Box<dyn Task>>, cpu_wait: &mut CpuWait) -> bool {
    while lanes.len() < MAX_LANES && task.is_none() {
        let job = if lanes.is_empty() {
            queue.idle.fetch_add(1, Ordering::SeqCst);
            let next = queue.jobs.lock().unwrap_or_else(PoisonError::into_inner).recv();
            queue.idle.fetch_sub(1, Ordering::SeqCst);
            match next {
                Ok(job) => job,
                Err(_) => return false,
            }
        } else {
            if queue.idle.load(Ordering::SeqCst) > 0 {
                break;
            }
            let jobs = match queue.jobs.try_lock() {
                Ok(jobs) => jobs,
                Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
                // Another thread is taking a job; the rest can wait for the next step.
                Err(TryLockError::WouldBlock) => break,
            };
            match jobs.try_recv() {
                Ok(job) => job,
                Err(_) => break,
            }
        };
        // A caller that went away (its client hung up) needs no answer: skip the CPU.
        match job {
            Job::Bcrypt(job) if !job.reply.is_closed() => {
                lanes.push(Lane::new(job.password.expose().as_bytes(), &job.salt, job.cost, job.reply));
                // The set-up is as long as a step: step aside after it too.
                give_way(cpu_wait);
            }
            Job::Task(work) if !work.is_abandoned() => *task = Some(work),
            Job::Bcrypt(_) | Job::Task(_) => {}
        }
    }
    true
}

/// One step of every hash; finished hashes are answered and abandoned ones dropped, then the
/// core goes to whoever waits for it.
fn advance(lanes: &mut Lanes, cpu_wait: &mut CpuWait) {
    lanes.retain(|lane| !lane.owner().is_closed());
    bcrypt_lanes::step(lanes);
    while let Some(done) = lanes.iter().position(Lane::is_done) {
        let (digest, reply) = lanes.swap_remove(done).finish();
        let _ = reply.send(digest);
    }
    give_way(cpu_wait);
}

/// Steps aside for a moment: off the run queue when this thread had to wait for its core (see
/// [`GIVE_WAY`]), otherwise to the threads of this process that want it.
fn give_way(cpu_wait: &mut CpuWait) {
    if cpu_wait.waited_since_last() {
        std::thread::sleep(GIVE_WAY);
    } else {
        std::thread::yield_now();
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

/// Lets this thread's sleeps end on time: Linux may stretch a sleep by the thread's timer
/// slack, 50 µs by default, which would make a 20 µs give-way up to 70 µs of lost hashing.
/// Failing that, the give-way is only longer.
#[cfg(target_os = "linux")]
fn tighten_timer_slack() {
    let _ = rustix::thread::set_current_timer_slack(std::num::NonZeroU64::new(1_000));
}

#[cfg(not(target_os = "linux"))]
fn tighten_timer_slack() {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::password::bcrypt_text;

    fn reference(password: &str, salt: [u8; 16], cost: u32) -> String {
        bcrypt::hash_with_salt(password, cost, salt).unwrap().to_string()
    }

    #[tokio::test]
    async fn more_jobs_than_lanes_all_answer_with_bcrypts_hash() {
        // Two threads of four lanes, twenty jobs of two costs: jobs queue, join lanes half
        // way through others, and each gets its own answer.
        let pool = Arc::new(HashPool::new(2));
        let mut jobs = tokio::task::JoinSet::new();
        for n in 0..20u8 {
            let pool = Arc::clone(&pool);
            jobs.spawn(async move {
                let password = format!("password number {n}");
                let (salt, cost) = ([n; 16], 4 + u32::from(n % 2));
                let digest = pool.digest(Password::new(password.clone()), salt, cost).await.unwrap();
                assert_eq!(bcrypt_text::format(cost, &salt, &digest), reference(&password, salt, cost), "job {n}");
            });
        }
        assert_eq!(jobs.join_all().await.len(), 20);
    }

    #[tokio::test]
    async fn abandoned_hashes_free_their_lanes() {
        // Four cost-31 hashes fill the only thread's lanes for days. Once their callers stop
        // waiting, a new hash must get a lane; without the drop it would wait behind them.
        let pool = HashPool::new(1);
        for n in 0..MAX_LANES {
            let abandoned = pool.digest(Password::new(format!("never finished {n}")), [1; 16], 31);
            let _ = tokio::time::timeout(std::time::Duration::from_millis(50), abandoned).await;
        }
        let next = pool.digest(Password::new("next in line"), [2; 16], 4);
        let digest = tokio::time::timeout(std::time::Duration::from_secs(60), next).await.unwrap().unwrap();
        assert_eq!(bcrypt_text::format(4, &[2; 16], &digest), reference("next in line", [2; 16], 4));
    }

    #[test]
    fn a_busy_thread_leaves_new_jobs_to_an_idle_one() {
        let (sender, receiver) = mpsc::channel();
        let queue = Queue { jobs: Mutex::new(receiver), idle: AtomicUsize::new(1) };
        let (reply, _answer) = oneshot::channel();
        let mut lanes: Lanes = vec![Lane::new(b"in progress", &[3; 16], 4, reply)];
        let mut answers = Vec::new();
        for n in 0..2 {
            let (reply, answer) = oneshot::channel();
            answers.push(answer);
            let job = BcryptJob { password: Password::new(format!("queued {n}")), salt: [4; 16], cost: 4, reply };
            sender.send(Job::Bcrypt(job)).unwrap();
        }
        let mut cpu_wait = CpuWait::of_this_thread();
        let mut task = None;
        assert!(take_jobs(&queue, &mut lanes, &mut task, &mut cpu_wait));
        assert_eq!(lanes.len(), 1, "another thread is idle: the queued jobs are its");
        queue.idle.store(0, Ordering::SeqCst);
        assert!(take_jobs(&queue, &mut lanes, &mut task, &mut cpu_wait));
        assert_eq!(lanes.len(), 3, "nobody else is idle: the busy thread takes them in");
        assert!(task.is_none());
    }

    #[test]
    fn a_task_stops_the_taking_and_abandoned_tasks_are_dropped() {
        let (sender, receiver) = mpsc::channel();
        let queue = Queue { jobs: Mutex::new(receiver), idle: AtomicUsize::new(0) };
        let (abandoned_reply, abandoned) = oneshot::channel::<u32>();
        drop(abandoned);
        sender.send(Job::Task(Box::new(Work { work: || 1, reply: abandoned_reply }))).unwrap();
        let (reply, mut answer) = oneshot::channel::<u32>();
        sender.send(Job::Task(Box::new(Work { work: || 2, reply }))).unwrap();
        let (reply, _bcrypt) = oneshot::channel();
        sender
            .send(Job::Bcrypt(BcryptJob { password: Password::new("after"), salt: [5; 16], cost: 4, reply }))
            .unwrap();
        let mut lanes: Lanes = Vec::new();
        let mut task = None;
        let mut cpu_wait = CpuWait::of_this_thread();
        assert!(take_jobs(&queue, &mut lanes, &mut task, &mut cpu_wait));
        assert!(lanes.is_empty(), "the bcrypt job waits until the task has run");
        task.take().unwrap().run();
        assert_eq!(answer.try_recv().unwrap(), 2, "the abandoned task was skipped");
        assert!(take_jobs(&queue, &mut lanes, &mut task, &mut cpu_wait));
        assert_eq!(lanes.len(), 1);
    }

    #[tokio::test]
    async fn tasks_and_bcrypt_share_the_threads() {
        let pool = Arc::new(HashPool::new(1));
        let hash = pool.digest(Password::new("beside a task"), [6; 16], 4);
        let task = pool.run(|| std::thread::current().name().map(str::to_owned));
        let (digest, name) = tokio::join!(hash, task);
        assert_eq!(bcrypt_text::format(4, &[6; 16], &digest.unwrap()), reference("beside a task", [6; 16], 4));
        assert_eq!(name.unwrap().as_deref(), Some("customer-auth-hash-0"));
    }

    #[tokio::test]
    async fn a_panicking_task_fails_its_caller_and_spares_the_thread() {
        let pool = HashPool::new(1);
        #[allow(clippy::panic)]
        let failed = pool.run(|| -> u32 { panic!("a bug in a task") }).await;
        assert!(matches!(failed, Err(Error::Hashing(_))));
        assert_eq!(pool.run(|| 7).await.unwrap(), 7);
    }

    #[tokio::test]
    async fn a_cost_out_of_range_is_an_error() {
        let pool = HashPool::new(1);
        for cost in [0, 3, 32, u32::MAX] {
            assert!(matches!(pool.digest(Password::new("pw"), [0; 16], cost).await, Err(Error::Hashing(_))));
        }
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn hashing_threads_run_below_the_calling_thread() {
        let here = rustix::process::getpriority_process(None).unwrap();
        let pool = HashPool::new(1);
        pool.digest(Password::new("any password"), [0; 16], 4).await.unwrap();
        // Linux keeps a thread's nice value in field 19 of its stat line, after the name. Other
        // tests' pools may share this process (under `cargo test`), some just starting: the
        // thread that answered is among the lowered ones.
        let mut lowered = 0;
        for task in std::fs::read_dir("/proc/self/task").unwrap() {
            let dir = task.unwrap().path();
            let name = std::fs::read_to_string(dir.join("comm")).unwrap_or_default();
            if name.starts_with("customer-auth-h") {
                let stat = std::fs::read_to_string(dir.join("stat")).unwrap();
                let after_name = &stat[stat.rfind(')').unwrap() + 2..];
                let nice: i32 = after_name.split(' ').nth(16).unwrap().parse().unwrap();
                if nice == (here + NICENESS_STEPS).min(19) {
                    lowered += 1;
                }
            }
        }
        assert!(lowered >= 1, "no hashing thread runs below {here}");
        assert_eq!(rustix::process::getpriority_process(None).unwrap(), here, "the caller's thread is untouched");
    }
}
