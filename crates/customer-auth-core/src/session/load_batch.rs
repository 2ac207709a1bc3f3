//! Concurrent session loads as one store call.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::oneshot;

use crate::{Error, Result, SessionKey, SessionRecord};

/// At most this many keys go into one call, so a burst never builds a statement that a database
/// refuses (SQLite's variable limit) or a reply that holds one batch up for long.
pub const MAX_LOAD_BATCH: usize = 64;

/// Gathers the session loads that arrive while one is in flight, and makes them the next single
/// call to the store.
///
/// Under load, most of a protected request's time is the store round trip itself (a query's
/// parse, plan and network hop, a thread hand-off), not the few bytes it reads. A store that can
/// read many keys in one call (`WHERE key = ANY($1)`, `IN (…)`, `MGET`) keeps one of these and
/// sends every [`load_session`](crate::SessionStore::load_session) through
/// [`load`](Self::load): a lone load goes straight to the store, and loads that arrive during it
/// wait and then go together, at most [`MAX_LOAD_BATCH`] per call.
///
/// One call at a time: a call that stalls holds the loads queued behind it until it ends, so a
/// store that batches should bound its calls (the Postgres store's `call_timeout`, the Redis
/// store's response timeout); then all of them answer [`Error::Unavailable`] together and the
/// next call starts afresh.
///
/// A load never joins a call that started before it: a session deleted (logged out) before a
/// load begins is never served to that load. The caller at the head of the queue makes the next
/// call with its own store handle, so no task is spawned; if that caller is dropped mid-call,
/// the loads it carried go back to the head of the queue, in their order, and the first of them
/// makes the next call.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> customer_auth::Result<()> {
/// use customer_auth::{LoadBatcher, Result, SessionId, SessionKey, SessionRecord};
///
/// struct MyStore {
///     loads: LoadBatcher,
///     // … the connection pool
/// }
///
/// impl MyStore {
///     /// One query for many keys, e.g. `SELECT key, record FROM sessions WHERE key IN (…)`.
///     async fn live_sessions(&self, keys: Vec<SessionKey>) -> Result<Vec<(SessionKey, SessionRecord)>> {
///         Ok(Vec::new())
///     }
///
///     /// The body of `SessionStore::load_session`.
///     async fn load_session(&self, key: &SessionKey) -> Result<Option<SessionRecord>> {
///         self.loads.load(*key, |keys| self.live_sessions(keys)).await
///     }
/// }
///
/// let store = MyStore { loads: LoadBatcher::new() };
/// assert_eq!(store.load_session(&SessionId::generate()?.key()).await?, None);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Default)]
pub struct LoadBatcher {
    queue: Arc<Mutex<Queue>>,
}

impl std::fmt::Debug for LoadBatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadBatcher").finish_non_exhaustive()
    }
}

#[derive(Default)]
struct Queue {
    /// True while some caller is making a call to the store.
    busy: bool,
    waiting: VecDeque<Waiter>,
}

struct Waiter {
    key: SessionKey,
    turn: oneshot::Sender<Turn>,
}

enum Turn {
    /// The waiter's load, done by another caller's call.
    Done(Result<Option<SessionRecord>>),
    /// The store is free and this waiter is first in line: it makes the next call.
    Lead,
}

impl LoadBatcher {
    /// A batcher with nobody waiting.
    pub fn new() -> Self {
        Self::default()
    }

    /// Loads `key` through `load_many`, alone or together with the loads waiting behind the one
    /// in flight.
    ///
    /// `load_many` gets distinct keys (at most [`MAX_LOAD_BATCH`]) and returns the records it found,
    /// each with its key; a key it leaves out has no live session.
    pub async fn load<F, Fut>(&self, key: SessionKey, load_many: F) -> Result<Option<SessionRecord>>
    where
        F: Fn(Vec<SessionKey>) -> Fut,
        Fut: Future<Output = Result<Vec<(SessionKey, SessionRecord)>>>,
    {
        loop {
            let turn = {
                let mut queue = self.lock();
                if queue.busy {
                    let (turn, wait) = oneshot::channel();
                    queue.waiting.push_back(Waiter { key, turn });
                    Some(wait)
                } else {
                    queue.busy = true;
                    None
                }
            };
            if let Some(turn) = turn {
                let mut waiting = Waiting { batcher: self, turn };
                match (&mut waiting.turn).await {
                    Ok(Turn::Done(result)) => return result,
                    Ok(Turn::Lead) => {}
                    // The caller carrying this load was dropped mid-call: queue again.
                    Err(_) => continue,
                }
            }
            return self.lead(key, &load_many).await;
        }
    }

    /// Makes one call for `key` and the loads waiting, then hands the store to the next in line.
    async fn lead<F, Fut>(&self, key: SessionKey, load_many: &F) -> Result<Option<SessionRecord>>
    where
        F: Fn(Vec<SessionKey>) -> Fut,
        Fut: Future<Output = Result<Vec<(SessionKey, SessionRecord)>>>,
    {
        let _handover = Handover(self);
        let mut carried = Carried {
            batcher: self,
            riders: {
                let mut queue = self.lock();
                let take = queue.waiting.len().min(MAX_LOAD_BATCH - 1);
                // A load whose request was dropped while it waited needs no read.
                queue.waiting.drain(..take).filter(|waiter| !waiter.turn.is_closed()).collect()
            },
        };
        let mut keys = Vec::with_capacity(carried.riders.len() + 1);
        keys.push(key);
        for rider in &carried.riders {
            if !keys.contains(&rider.key) {
                keys.push(rider.key);
            }
        }
        let found = load_many(keys).await;
        for rider in std::mem::take(&mut carried.riders) {
            let result = match &found {
                Ok(records) => Ok(record_for(records, &rider.key)),
                Err(err) => Err(share(err)),
            };
            // A rider that hung up no longer needs its record.
            let _ = rider.turn.send(Turn::Done(result));
        }
        found.map(|records| record_for(&records, &key))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        // Nothing panics while holding the lock, so a poisoned queue is still consistent.
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Passes the store to the first waiter still listening, or marks it free.
    fn hand_over(&self) {
        let mut queue = self.lock();
        while let Some(next) = queue.waiting.pop_front() {
            if next.turn.send(Turn::Lead).is_ok() {
                return;
            }
        }
        queue.busy = false;
    }
}

/// The loads a leading call carries. Dropped with the call still in flight (its caller was
/// cancelled), they go back to the head of the queue in their order, ahead of loads that came
/// after them; dropped after the call, it is empty. Declared after the [`Handover`], so it puts
/// them back before the store is handed on.
struct Carried<'a> {
    batcher: &'a LoadBatcher,
    riders: Vec<Waiter>,
}

impl Drop for Carried<'_> {
    fn drop(&mut self) {
        if self.riders.is_empty() {
            return;
        }
        let mut queue = self.batcher.lock();
        for rider in self.riders.drain(..).rev() {
            queue.waiting.push_front(rider);
        }
    }
}

/// Hands the store on when the leading call ends, however it ends (done, failed, or dropped
/// mid-call).
struct Handover<'a>(&'a LoadBatcher);

impl Drop for Handover<'_> {
    fn drop(&mut self) {
        self.0.hand_over();
    }
}

/// A load in the queue. Dropped after the store was handed to it but before it could lead (its
/// request was cancelled), it hands the store on, or every later load would wait forever.
struct Waiting<'a> {
    batcher: &'a LoadBatcher,
    turn: oneshot::Receiver<Turn>,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        // Closed before it is read: a hand-over sent after the close fails, and `hand_over`
        // goes on to the next waiter; one sent before is read here. Read first and closed only
        // when the receiver dropped, a hand-over sent in between was accepted and then lost,
        // and every later load waited forever.
        self.turn.close();
        if let Ok(Turn::Lead) = self.turn.try_recv() {
            self.batcher.hand_over();
        }
        // The receiver itself goes only after this returns.
        #[cfg(test)]
        tests::pause_point::reached();
    }
}

fn record_for(records: &[(SessionKey, SessionRecord)], key: &SessionKey) -> Option<SessionRecord> {
    records.iter().find(|(found, _)| found == key).map(|(_, record)| record.clone())
}

/// The same failure for every load of a batch, of the same kind: a store that is down stays
/// [`Error::Unavailable`] for each of them, so each answers 503.
fn share(err: &Error) -> Error {
    match err {
        Error::Unavailable(source) => Error::unavailable(source.to_string()),
        Error::Corrupt(message) => Error::Corrupt(message.clone()),
        Error::Config(message) => Error::Config(message.clone()),
        Error::NotFound => Error::NotFound,
        other => Error::backend(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use tokio::sync::Notify;

    use super::*;
    use crate::{SessionId, Timestamp};

    fn record(seconds: i64) -> SessionRecord {
        SessionRecord::new(Timestamp::from_unix(seconds), Duration::from_secs(60), Duration::from_secs(600))
    }

    fn key() -> SessionKey {
        SessionId::generate().unwrap().key()
    }

    /// A store whose calls wait until released, recording the keys of each call.
    #[derive(Default)]
    struct Gate {
        calls: Mutex<Vec<Vec<SessionKey>>>,
        release: Notify,
        entered: Notify,
        live: Mutex<Vec<(SessionKey, SessionRecord)>>,
    }

    impl Gate {
        async fn load_many(&self, keys: Vec<SessionKey>) -> Result<Vec<(SessionKey, SessionRecord)>> {
            self.calls.lock().unwrap().push(keys.clone());
            self.entered.notify_one();
            self.release.notified().await;
            let live = self.live.lock().unwrap();
            Ok(live.iter().filter(|(key, _)| keys.contains(key)).cloned().collect())
        }

        fn calls(&self) -> Vec<Vec<SessionKey>> {
            self.calls.lock().unwrap().clone()
        }
    }

    /// A load of `key` through `batcher` against `gate`, on a task of its own.
    fn spawn_load(
        batcher: &LoadBatcher,
        gate: &Arc<Gate>,
        key: SessionKey,
    ) -> tokio::task::JoinHandle<Result<Option<SessionRecord>>> {
        let (batcher, gate) = (batcher.clone(), gate.clone());
        tokio::spawn(async move { batcher.load(key, |keys| gate.load_many(keys)).await })
    }

    #[tokio::test]
    async fn loads_that_arrive_during_a_call_go_together_in_the_next() {
        let (batcher, gate) = (LoadBatcher::new(), Arc::new(Gate::default()));
        let keys: Vec<SessionKey> = (0..5).map(|_| key()).collect();
        for (n, key) in keys.iter().enumerate() {
            gate.live.lock().unwrap().push((*key, record(n as i64)));
        }
        let load = |key: SessionKey| spawn_load(&batcher, &gate, key);
        let first = load(keys[0]);
        gate.entered.notified().await;
        let rest: Vec<_> = keys[1..].iter().map(|key| load(*key)).collect();
        // Let the four queue behind the call in flight.
        while batcher.lock().waiting.len() < 4 {
            tokio::task::yield_now().await;
        }
        gate.release.notify_one();
        assert_eq!(first.await.unwrap().unwrap(), Some(record(0)));
        gate.entered.notified().await;
        gate.release.notify_one();
        for (n, task) in rest.into_iter().enumerate() {
            assert_eq!(task.await.unwrap().unwrap(), Some(record(n as i64 + 1)));
        }
        assert_eq!(gate.calls(), vec![vec![keys[0]], keys[1..].to_vec()]);
        assert!(!batcher.lock().busy);
    }

    #[tokio::test]
    async fn a_key_asked_for_twice_is_read_once_and_given_to_both() {
        let (batcher, gate) = (LoadBatcher::new(), Arc::new(Gate::default()));
        let (busy, shared) = (key(), key());
        gate.live.lock().unwrap().push((shared, record(7)));
        let load = |key: SessionKey| spawn_load(&batcher, &gate, key);
        let first = load(busy);
        gate.entered.notified().await;
        let (a, b) = (load(shared), load(shared));
        while batcher.lock().waiting.len() < 2 {
            tokio::task::yield_now().await;
        }
        gate.release.notify_one();
        assert_eq!(first.await.unwrap().unwrap(), None);
        gate.entered.notified().await;
        gate.release.notify_one();
        assert_eq!(a.await.unwrap().unwrap(), Some(record(7)));
        assert_eq!(b.await.unwrap().unwrap(), Some(record(7)));
        assert_eq!(gate.calls()[1], vec![shared]);
    }

    #[tokio::test]
    async fn a_load_never_joins_a_call_that_started_before_it() {
        let (batcher, gate) = (LoadBatcher::new(), Arc::new(Gate::default()));
        let session = key();
        gate.live.lock().unwrap().push((session, record(1)));
        let load = |key: SessionKey| spawn_load(&batcher, &gate, key);
        let before = load(session);
        gate.entered.notified().await;
        // Logged out while the first call is in flight; a load that starts now must miss.
        gate.live.lock().unwrap().clear();
        let after = load(session);
        while batcher.lock().waiting.is_empty() {
            tokio::task::yield_now().await;
        }
        gate.release.notify_one();
        gate.entered.notified().await;
        gate.release.notify_one();
        assert_eq!(after.await.unwrap().unwrap(), None);
        before.await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn a_failed_call_fails_every_load_it_carried_as_unavailable() {
        let batcher = LoadBatcher::new();
        let calls = AtomicUsize::new(0);
        let result = batcher
            .load(key(), |_| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(Error::unavailable("connection refused"))
            })
            .await;
        assert!(result.unwrap_err().is_unavailable());
        assert!(share(&Error::unavailable("down")).is_unavailable());
        assert!(matches!(share(&Error::Corrupt("x".into())), Error::Corrupt(_)));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert!(!batcher.lock().busy);
    }

    #[tokio::test]
    async fn when_a_leading_caller_is_dropped_mid_call_its_riders_load_again() {
        let (batcher, gate) = (LoadBatcher::new(), Arc::new(Gate::default()));
        let (first, dropped, rider) = (key(), key(), key());
        gate.live.lock().unwrap().push((rider, record(3)));
        let load = |key: SessionKey| spawn_load(&batcher, &gate, key);
        let leading = load(first);
        gate.entered.notified().await;
        let dropped_task = load(dropped);
        while batcher.lock().waiting.is_empty() {
            tokio::task::yield_now().await;
        }
        let rider_task = load(rider);
        while batcher.lock().waiting.len() < 2 {
            tokio::task::yield_now().await;
        }
        gate.release.notify_one();
        leading.await.unwrap().unwrap();
        // The second call carries the rider; its leader goes away in the middle of it.
        gate.entered.notified().await;
        assert_eq!(gate.calls()[1], vec![dropped, rider]);
        dropped_task.abort();
        assert!(dropped_task.await.unwrap_err().is_cancelled());
        gate.entered.notified().await;
        gate.release.notify_one();
        assert_eq!(rider_task.await.unwrap().unwrap(), Some(record(3)));
        assert_eq!(gate.calls()[2], vec![rider]);
        assert!(!batcher.lock().busy);
    }

    #[tokio::test]
    async fn a_load_cancelled_after_it_was_handed_the_store_hands_it_on() {
        let (batcher, gate) = (LoadBatcher::new(), Arc::new(Gate::default()));
        let (first, cancelled, last) = (key(), key(), key());
        gate.live.lock().unwrap().push((last, record(5)));
        let leading = spawn_load(&batcher, &gate, first);
        gate.entered.notified().await;
        // Polled once, so it queues; never polled again, like a request whose client hung up.
        let mut queued = Box::pin(batcher.load(cancelled, |keys| gate.load_many(keys)));
        std::future::poll_fn(|cx| {
            assert!(queued.as_mut().poll(cx).is_pending());
            std::task::Poll::Ready(())
        })
        .await;
        let behind = spawn_load(&batcher, &gate, last);
        while batcher.lock().waiting.len() < 2 {
            tokio::task::yield_now().await;
        }
        gate.release.notify_one();
        leading.await.unwrap().unwrap();
        // The store is now the cancelled load's; dropping it must pass the store to `behind`.
        drop(queued);
        tokio::time::timeout(Duration::from_secs(5), gate.entered.notified())
            .await
            .expect("the load behind a cancelled one was never given the store");
        gate.release.notify_one();
        assert_eq!(behind.await.unwrap().unwrap(), Some(record(5)));
        assert!(!batcher.lock().busy);
    }

    /// A pause inside a queued load's drop, after it looked for a hand-over and before its
    /// receiver is gone: the window where a hand-over sent from another thread was lost.
    pub(super) mod pause_point {
        use std::cell::RefCell;

        thread_local! {
            static PAUSE: RefCell<Option<Box<dyn FnOnce()>>> = const { RefCell::new(None) };
        }

        /// Runs `pause` the next time this thread reaches the point.
        pub(crate) fn set(pause: impl FnOnce() + 'static) {
            PAUSE.with(|slot| *slot.borrow_mut() = Some(Box::new(pause)));
        }

        pub(crate) fn reached() {
            if let Some(pause) = PAUSE.with(|slot| slot.borrow_mut().take()) {
                pause();
            }
        }
    }

    /// The lost hand-over, driven step by step: a queued load is dropped on one thread and
    /// paused inside its drop, after it found no hand-over; meanwhile the leading call ends on
    /// this thread and hands the store to it. The next load must still get the store. Futures
    /// are polled by hand, so every step happens exactly in this order.
    #[test]
    fn a_hand_over_to_a_load_being_dropped_is_never_lost() {
        use std::sync::mpsc;
        use std::task::{Context, Poll, Waker};

        let batcher = LoadBatcher::new();
        let mut cx = Context::from_waker(Waker::noop());
        let (release, gate) = tokio::sync::oneshot::channel::<()>();
        let gate = std::sync::Mutex::new(Some(gate));
        let mut leading = Box::pin(batcher.load(key(), |_| {
            let gate = gate.lock().unwrap().take();
            async move {
                if let Some(gate) = gate {
                    let _ = gate.await;
                }
                Ok(Vec::new())
            }
        }));
        assert!(leading.as_mut().poll(&mut cx).is_pending(), "the first load leads and waits in its call");
        let mut queued = Box::pin(batcher.load(key(), |_| async { Ok(Vec::new()) }));
        assert!(queued.as_mut().poll(&mut cx).is_pending(), "the second load queues");

        let (paused_tx, paused) = mpsc::channel::<()>();
        let (resume, resume_rx) = mpsc::channel::<()>();
        std::thread::scope(|scope| {
            let dropping = scope.spawn(move || {
                pause_point::set(move || {
                    paused_tx.send(()).unwrap();
                    resume_rx.recv().unwrap();
                });
                drop(queued);
            });
            paused.recv().unwrap();
            // The queued load is inside its drop: end the leading call, which hands the store on.
            release.send(()).unwrap();
            assert!(leading.as_mut().poll(&mut cx).is_ready());
            resume.send(()).unwrap();
            dropping.join().unwrap();
        });

        let mut next = Box::pin(batcher.load(key(), |_| async { Ok(Vec::new()) }));
        assert!(
            matches!(next.as_mut().poll(&mut cx), Poll::Ready(Ok(None))),
            "a load after the race waits forever: the hand-over to the dropped load was lost"
        );
        assert!(!batcher.lock().busy);
    }

    /// A leader cancelled mid-call: the loads it carried keep their place ahead of a load that
    /// queued after them, and the first of them makes the next call.
    #[test]
    fn a_cancelled_leaders_riders_keep_their_place_in_order() {
        use std::task::{Context, Poll, Waker};

        let batcher = LoadBatcher::new();
        let mut cx = Context::from_waker(Waker::noop());
        let calls = Mutex::new(Vec::<Vec<SessionKey>>::new());
        // Every call is recorded and never ends, but the first one's, which ends when released.
        let (release, gate) = tokio::sync::oneshot::channel::<()>();
        let gate = Mutex::new(Some(gate));
        let load_many = |keys: Vec<SessionKey>| {
            calls.lock().unwrap().push(keys);
            let gate = gate.lock().unwrap().take();
            async move {
                match gate {
                    Some(gate) => {
                        let _ = gate.await;
                        Ok(Vec::new())
                    }
                    None => std::future::pending().await,
                }
            }
        };
        let (busy, cancelled, carried, late) = (key(), key(), key(), key());
        let mut busy_load = Box::pin(batcher.load(busy, load_many));
        assert!(busy_load.as_mut().poll(&mut cx).is_pending());
        let mut cancelled_load = Box::pin(batcher.load(cancelled, load_many));
        let mut carried_load = Box::pin(batcher.load(carried, load_many));
        assert!(cancelled_load.as_mut().poll(&mut cx).is_pending());
        assert!(carried_load.as_mut().poll(&mut cx).is_pending());
        release.send(()).unwrap();
        assert!(matches!(busy_load.as_mut().poll(&mut cx), Poll::Ready(Ok(None))));
        // The next call is the first queued load's, carrying the second.
        assert!(cancelled_load.as_mut().poll(&mut cx).is_pending());
        let mut late_load = Box::pin(batcher.load(late, load_many));
        assert!(late_load.as_mut().poll(&mut cx).is_pending(), "a load that came later queues");
        drop(cancelled_load);
        assert!(carried_load.as_mut().poll(&mut cx).is_pending());
        assert!(late_load.as_mut().poll(&mut cx).is_pending());
        assert_eq!(
            calls.lock().unwrap().clone(),
            vec![vec![busy], vec![cancelled, carried], vec![carried, late]],
            "the carried load leads the next call, ahead of the load that queued after it"
        );
    }

    /// Every load a failed call carried gets the failure's kind: a store that is down answers
    /// 503 to all of them, not 500 to the riders.
    #[test]
    fn a_failed_call_gives_its_riders_the_same_kind() {
        use std::task::{Context, Poll, Waker};

        let batcher = LoadBatcher::new();
        let mut cx = Context::from_waker(Waker::noop());
        let (release, gate) = tokio::sync::oneshot::channel::<()>();
        let gate = std::sync::Mutex::new(Some(gate));
        let mut busy = Box::pin(batcher.load(key(), |_| {
            let gate = gate.lock().unwrap().take();
            async move {
                if let Some(gate) = gate {
                    let _ = gate.await;
                }
                Ok(Vec::new())
            }
        }));
        assert!(busy.as_mut().poll(&mut cx).is_pending());
        // Both queue behind the call in flight; the first makes the next call, which fails.
        let mut leader = Box::pin(batcher.load(key(), |_| async { Err(Error::unavailable("connection refused")) }));
        let mut rider = Box::pin(batcher.load(key(), |_| async { Ok(Vec::new()) }));
        assert!(leader.as_mut().poll(&mut cx).is_pending());
        assert!(rider.as_mut().poll(&mut cx).is_pending());
        release.send(()).unwrap();
        assert!(matches!(busy.as_mut().poll(&mut cx), Poll::Ready(Ok(None))));
        assert!(matches!(leader.as_mut().poll(&mut cx), Poll::Ready(Err(Error::Unavailable(_)))));
        match rider.as_mut().poll(&mut cx) {
            Poll::Ready(Err(err)) => assert!(err.is_unavailable(), "{err:?}"),
            other => panic!("the rider got {other:?}"),
        }
        assert!(!batcher.lock().busy);
    }

    /// Waves of loads on several threads, half of each wave aborted at once mid-flight (as hyper
    /// drops the requests of connections that close, without polling them again): every load
    /// that is not aborted gets its own record, and the batcher ends idle.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn loads_aborted_in_bursts_never_stall_the_others() {
        let batcher = LoadBatcher::new();
        let sessions: Arc<Vec<(SessionKey, SessionRecord)>> = Arc::new((0..32).map(|n| (key(), record(n))).collect());
        for wave in 0..40u64 {
            let mut tasks = Vec::new();
            for n in 0..100u64 {
                let (batcher, sessions) = (batcher.clone(), sessions.clone());
                tasks.push(tokio::spawn(async move {
                    let (key, record) = sessions[(n % 32) as usize].clone();
                    let found = batcher
                        .load(key, |keys| {
                            let sessions = sessions.clone();
                            async move {
                                tokio::time::sleep(Duration::from_millis(1)).await;
                                Ok(sessions.iter().filter(|(key, _)| keys.contains(key)).cloned().collect())
                            }
                        })
                        .await;
                    assert_eq!(found.unwrap(), Some(record));
                }));
            }
            tokio::time::sleep(Duration::from_millis(wave % 4)).await;
            for task in tasks.iter().skip((wave % 2) as usize).step_by(2) {
                task.abort();
            }
            for task in tasks {
                match tokio::time::timeout(Duration::from_secs(10), task).await.expect("a load stalled") {
                    Err(err) if err.is_cancelled() => {}
                    other => other.unwrap(),
                }
            }
        }
        assert!(!batcher.lock().busy);
        assert!(batcher.lock().waiting.is_empty());
    }
}
