//! The threads that hash and check passwords. An argon2id check is meant to
//! be expensive: tens of milliseconds of CPU and 19 MiB of memory. On the
//! runtime's blocking pool (up to 512 threads) a burst of sign-ins ran that
//! many at once: they took every core from the sends, and each thread's
//! 19 MiB stayed in the allocator's arenas after the burst.
//!
//! Here a fixed number of threads (one fewer than the cores, at least one)
//! take the checks from a bounded queue, each reusing one argon2 memory
//! area while sign-ins keep coming and giving it back to the system after a
//! few idle seconds, at the lowest scheduling priority. When the queue is
//! full the caller is told the service is busy (503 with `Retry-After`)
//! instead of waiting without end.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::{AppError, AppResult};

use super::Memory;

/// Checks waiting per hashing thread before callers are turned away.
const QUEUE_PER_THREAD: usize = 32;
/// The fewest checks that may wait, however few the threads.
const MIN_QUEUE: usize = 64;
/// How much lower than the request threads the hashing threads run (a Unix
/// nice value, 0–19: the lowest). A server with cores to spare checks
/// passwords at full speed; a busy one answers messages first and checks
/// passwords with what is left, so a burst of sign-ins slows sign-ins, not
/// everything else. (At 10 they still took 27–31% of the sends' throughput.)
const NICENESS: i32 = 19;
/// How long a hashing thread keeps its argon2 memory with no check to do.
const KEEP_MEMORY_IDLE: Duration = Duration::from_secs(1);

/// A job for a hashing thread.
type Job = Box<dyn FnOnce(&mut Memory) + Send>;

/// A job in the queue, or why it is not.
pub(crate) struct Queued<T>(Result<tokio::sync::oneshot::Receiver<T>, AppError>);

impl<T> Queued<T> {
    /// The job's result once a hashing thread has run it;
    /// [`AppError::Unavailable`] when the queue was full.
    pub(crate) async fn answer(self) -> AppResult<T> {
        self.0?.await.map_err(|_| AppError::internal(PoolGone))
    }
}

/// A fixed set of threads checking and hashing passwords from a bounded queue.
pub(crate) struct HashingPool {
    jobs: SyncSender<Job>,
    queue: usize,
}

/// The hashing threads are gone (they never stop while the pool lives; only
/// a failure to start them leads here).
#[derive(Debug, thiserror::Error)]
#[error("the password-hashing threads are not running")]
struct PoolGone;

impl HashingPool {
    /// The pool for this machine: one thread fewer than the cores (so
    /// requests keep one), at least one.
    pub(crate) fn for_this_machine() -> Self {
        let (threads, queue) = size_for_this_machine();
        tracing::debug!(threads, queue, "password hashing threads");
        Self::new(threads, queue)
    }

    /// `threads` hashing threads (at least one) with room for `queue` waiting checks.
    pub(crate) fn new(threads: usize, queue: usize) -> Self {
        let threads = threads.max(1);
        let (jobs, waiting) = sync_channel::<Job>(queue);
        let waiting = Arc::new(Mutex::new(waiting));
        for n in 0..threads {
            let waiting = waiting.clone();
            let started = std::thread::Builder::new().name(format!("password-hash-{n}")).spawn(move || work(&waiting));
            if let Err(err) = started {
                tracing::error!(error = %err, "a password-hashing thread could not start");
            }
        }
        Self { jobs, queue }
    }

    /// Queues `work` for a hashing thread, which runs it with its argon2
    /// memory; [`Queued::answer`] waits for the result. Queued at once, in
    /// call order, whether or not the answer is awaited.
    pub(crate) fn run<T: Send + 'static>(&self, work: impl FnOnce(&mut Memory) -> T + Send + 'static) -> Queued<T> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |memory| {
            let _ = answer.send(work(memory));
        });
        match self.jobs.try_send(job) {
            Ok(()) => Queued(Ok(answered)),
            Err(TrySendError::Full(_)) => {
                tracing::warn!(
                    queue = self.queue,
                    "password check refused: every hashing thread is busy and the queue is full"
                );
                Queued(Err(AppError::Unavailable))
            }
            Err(TrySendError::Disconnected(_)) => Queued(Err(AppError::internal(PoolGone))),
        }
    }

    /// Queues `work` without waiting for it (warming up); dropped when the queue is full.
    pub(crate) fn submit(&self, work: impl FnOnce(&mut Memory) + Send + 'static) {
        let _ = self.jobs.try_send(Box::new(work));
    }
}

/// How many threads hash on this machine (one fewer than the cores, at
/// least one), and how many checks may wait.
fn size_for_this_machine() -> (usize, usize) {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let threads = cores.saturating_sub(1).max(1);
    (threads, (threads * QUEUE_PER_THREAD).max(MIN_QUEUE))
}

/// A hashing thread: lowers its own priority, then takes jobs until the
/// pool is dropped, letting its memory go when no job came for a while.
fn work(waiting: &Mutex<Receiver<Job>>) {
    lower_priority();
    let mut memory = Memory::default();
    loop {
        // The lock is held only while waiting for the next job, never while
        // hashing; threads waiting for the lock meanwhile time out in turn.
        let job = waiting.lock().unwrap_or_else(PoisonError::into_inner).recv_timeout(KEEP_MEMORY_IDLE);
        let job = match job {
            Ok(job) => job,
            Err(RecvTimeoutError::Timeout) => {
                memory = Memory::default();
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => return,
        };
        // A job that panics loses its answer (the caller gets an internal
        // error), not the thread.
        if std::panic::catch_unwind(AssertUnwindSafe(|| job(&mut memory))).is_err() {
            tracing::error!("a password check panicked");
            memory = Memory::default();
        }
        memory.release_excess();
    }
}

/// Runs this thread at [`NICENESS`] (Linux: `setpriority` on the thread's id).
fn lower_priority() {
    #[cfg(target_os = "linux")]
    if let Err(err) = rustix::process::setpriority_process(Some(rustix::thread::gettid()), NICENESS) {
        tracing::warn!(error = %err, "could not lower the priority of a password-hashing thread");
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn a_full_queue_turns_checks_away_as_unavailable_instead_of_waiting() {
        let pool = HashingPool::new(1, 1);
        let (release, hold) = mpsc::channel::<()>();
        let (started_tx, started) = mpsc::channel::<()>();
        // One check holds the only thread, one waits in the only queue slot.
        let running = pool.run(move |_| {
            let _ = started_tx.send(());
            let _ = hold.recv_timeout(Duration::from_secs(10));
            1
        });
        started.recv_timeout(Duration::from_secs(10)).expect("the first check starts");
        let waiting = pool.run(|_| 2);
        let refused = pool.run(|_| 3).answer().await;
        assert!(matches!(refused, Err(AppError::Unavailable)), "a third check is turned away");
        release.send(()).expect("release the first check");
        assert_eq!(running.answer().await.expect("first"), 1);
        assert_eq!(waiting.answer().await.expect("queued"), 2, "the queued check runs once a thread is free");
        assert_eq!(pool.run(|_| 4).answer().await.expect("room again"), 4);
    }

    #[tokio::test]
    async fn a_panicking_check_fails_alone_and_the_thread_keeps_working() {
        let pool = HashingPool::new(1, 4);
        let failed = pool.run(|_| -> u8 { panic!("a check that panics") }).answer().await;
        assert!(matches!(failed, Err(AppError::Internal(_))));
        assert_eq!(pool.run(|_| 5).answer().await.expect("still working"), 5);
    }

    #[tokio::test]
    async fn a_thread_keeps_its_memory_between_checks_and_gives_it_back_when_idle() {
        let pool = HashingPool::new(1, 4);
        let held = pool.run(|memory| memory.blocks(8).len()).answer().await.expect("first");
        assert_eq!(held, 8);
        let kept = pool.run(|memory| memory.0.len()).answer().await.expect("right after");
        assert_eq!(kept, 8, "kept from one check to the next");
        tokio::time::sleep(KEEP_MEMORY_IDLE * 2).await;
        let after_idle = pool.run(|memory| memory.0.capacity()).answer().await.expect("after a pause");
        assert_eq!(after_idle, 0, "given back after an idle while");
    }

    #[test]
    fn the_pool_never_has_more_threads_than_the_cores() {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        let (threads, queue) = size_for_this_machine();
        assert!(threads >= 1 && threads <= cores);
        assert!(queue >= MIN_QUEUE);
    }
}
