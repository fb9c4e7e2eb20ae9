//! Password work — argon2 checks and hashes, tens of milliseconds of CPU and 19 MiB of memory
//! each — run on a few threads of its own, never while holding a database connection: a flood of
//! sign-in attempts then takes neither the pool (every page needs it) nor every core.
//!
//! Two lanes: the common one (two threads, a short queue) and a one-thread lane for sign-ins from
//! a place the account signed in from before, so its owner gets in while strangers fill the
//! common lane. Past a lane's queue, work is refused at once ([`Busy`], answered 503) rather than
//! queued without end — a queue as long as a flood is a wait as long as a flood for everyone in
//! it. Each thread keeps its argon2 memory ([`PasswordMemory`]) from one check to the next: fresh
//! memory for every check, on whichever of Tokio's blocking threads ran it, made the allocator
//! hold over a gigabyte under a flood (`bench/signin`).

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, PoisonError};

use tenure_app::users::PasswordMemory;
use tokio::sync::Semaphore;

/// Threads of the common lane (the machine keeps cores for everything else).
const COMMON_WORKERS: usize = 2;

/// Password checks waiting in the common lane at most (about a second of work).
const COMMON_WAITING: usize = 32;

/// Threads of, and checks waiting in, the lane of known places.
const KNOWN_WORKERS: usize = 1;
const KNOWN_WAITING: usize = 8;

/// The lanes were full: the work was not done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Busy;

/// Which lane a piece of work takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lane {
    /// Anyone.
    Common,
    /// A sign-in from an (e-mail, address) pair that signed in before.
    Known,
}

/// The server's password work.
pub(crate) struct PasswordWork {
    common: Queue,
    known: Queue,
}

impl Default for PasswordWork {
    fn default() -> Self {
        PasswordWork {
            common: Queue::new("common", COMMON_WORKERS, COMMON_WAITING),
            known: Queue::new("known", KNOWN_WORKERS, KNOWN_WAITING),
        }
    }
}

impl PasswordWork {
    /// Runs `work` on a password thread of `lane`, in that thread's argon2 memory, after the work
    /// before it; [`Busy`] at once when the lane's queue is full. A panic in `work` goes on as a
    /// panic (the server answers 500).
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        lane: Lane,
        work: impl FnOnce(&mut PasswordMemory) -> T + Send + 'static,
    ) -> Result<T, Busy> {
        match lane {
            Lane::Common => self.common.run(work).await,
            Lane::Known => self.known.run(work).await,
        }
    }
}

/// A piece of work for a password thread.
type Job = Box<dyn FnOnce(&mut PasswordMemory) + Send>;

/// One lane: its threads take jobs from one channel; `admitted` bounds those running and waiting.
struct Queue {
    admitted: Arc<Semaphore>,
    jobs: Sender<Job>,
}

impl Queue {
    /// A lane of `workers` threads and `waiting` places in its queue. Its threads end when the
    /// lane is dropped (the channel closes).
    fn new(name: &str, workers: usize, waiting: usize) -> Queue {
        let (jobs, receiver) = channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        for number in 0..workers {
            let receiver = Arc::clone(&receiver);
            std::thread::Builder::new()
                .name(format!("password-{name}-{number}"))
                .spawn(move || work_through(&receiver))
                .expect("the operating system starts a thread");
        }
        Queue { admitted: Arc::new(Semaphore::new(workers + waiting)), jobs }
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut PasswordMemory) -> T + Send + 'static,
    ) -> Result<T, Busy> {
        let admitted = Arc::clone(&self.admitted).try_acquire_owned().map_err(|_| Busy)?;
        let (done, outcome) = tokio::sync::oneshot::channel();
        // The place in the queue goes with the job: a request given up while it waits or runs
        // still holds it until the thread is free again.
        let job: Job = Box::new(move |memory| {
            let _admitted = admitted;
            let _ = done.send(catch_unwind(AssertUnwindSafe(|| work(memory))));
        });
        self.jobs.send(job).map_err(|_| Busy)?;
        match outcome.await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(panic)) => resume_unwind(panic),
            Err(_) => Err(Busy),
        }
    }
}

/// A password thread: runs the lane's jobs one after another in one kept argon2 memory.
fn work_through(jobs: &Mutex<Receiver<Job>>) {
    let mut memory = PasswordMemory::default();
    loop {
        let job = jobs.lock().unwrap_or_else(PoisonError::into_inner).recv();
        match job {
            Ok(job) => job(&mut memory),
            Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn past_the_queue_work_is_refused_at_once_and_the_known_lane_stays_open() {
        let work = Arc::new(PasswordWork::default());
        let (release, released) = std::sync::mpsc::channel::<()>();
        let released = Arc::new(std::sync::Mutex::new(released));
        // Fill the common lane: two running (blocked until released), the rest waiting.
        let mut holders = Vec::new();
        for _ in 0..COMMON_WORKERS + COMMON_WAITING {
            let (work, released) = (Arc::clone(&work), Arc::clone(&released));
            holders.push(tokio::spawn(async move {
                work.run(Lane::Common, move |_| released.lock().unwrap().recv().unwrap()).await
            }));
        }
        // Until every place is taken, the next one is admitted; then it is refused at once.
        let refused = loop {
            match work.common.admitted.available_permits() {
                0 => break work.run(Lane::Common, |_| ()).await,
                _ => tokio::task::yield_now().await,
            }
        };
        assert_eq!(refused, Err(Busy));
        assert_eq!(work.run(Lane::Known, |_| 7).await, Ok(7), "the known lane is apart");
        for _ in 0..holders.len() {
            release.send(()).unwrap();
        }
        for holder in holders {
            assert_eq!(holder.await.unwrap(), Ok(()));
        }
        assert_eq!(work.run(Lane::Common, |_| 8).await, Ok(8), "free again");
    }
}
