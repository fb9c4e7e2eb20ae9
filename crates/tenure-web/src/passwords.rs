//! Password work — argon2 checks and hashes, tens of milliseconds of CPU and 19 MiB of memory
//! each — run on blocking threads under semaphores of its own, never while holding a database
//! connection: a flood of sign-in attempts then takes neither the pool (every page needs it) nor
//! every core.
//!
//! Two lanes: the common one (two at a time, a short queue) and a small one for sign-ins from a
//! place the account signed in from before, so its owner gets in while strangers fill the common
//! lane. Past a lane's queue, work is refused at once ([`Busy`], answered 503) rather than queued
//! without end — a queue as long as a flood is a wait as long as a flood for everyone in it.

use std::sync::Arc;

use tokio::sync::Semaphore;

/// Password checks run at once in the common lane (the machine keeps cores for everything else).
const COMMON_RUNNING: usize = 2;

/// Password checks waiting in the common lane at most (about a second of work).
const COMMON_WAITING: usize = 32;

/// Password checks run at once, and waiting, in the lane of known places.
const KNOWN_RUNNING: usize = 1;
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
            common: Queue::new(COMMON_RUNNING, COMMON_WAITING),
            known: Queue::new(KNOWN_RUNNING, KNOWN_WAITING),
        }
    }
}

impl PasswordWork {
    /// Runs `work` on a blocking thread in `lane`, after the work before it; [`Busy`] at once when
    /// the lane's queue is full. A panic in `work` goes on as a panic (the server answers 500).
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        lane: Lane,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Busy> {
        match lane {
            Lane::Common => self.common.run(work).await,
            Lane::Known => self.known.run(work).await,
        }
    }
}

/// One lane: `admitted` bounds those running and waiting, `running` those running.
struct Queue {
    admitted: Arc<Semaphore>,
    running: Arc<Semaphore>,
}

impl Queue {
    fn new(running: usize, waiting: usize) -> Queue {
        Queue {
            admitted: Arc::new(Semaphore::new(running + waiting)),
            running: Arc::new(Semaphore::new(running)),
        }
    }

    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, Busy> {
        let admitted = Arc::clone(&self.admitted).try_acquire_owned().map_err(|_| Busy)?;
        let running = Arc::clone(&self.running).acquire_owned().await.map_err(|_| Busy)?;
        // The permits go with the work: a request given up while it runs still holds its place
        // until the CPU is free again.
        let job = tokio::task::spawn_blocking(move || {
            let _permits = (admitted, running);
            work()
        });
        match job.await {
            Ok(value) => Ok(value),
            Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            Err(_) => Err(Busy),
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
        for _ in 0..COMMON_RUNNING + COMMON_WAITING {
            let (work, released) = (Arc::clone(&work), Arc::clone(&released));
            holders.push(tokio::spawn(async move {
                work.run(Lane::Common, move || released.lock().unwrap().recv().unwrap()).await
            }));
        }
        // Until every place is taken, the next one is admitted; then it is refused at once.
        let refused = loop {
            match work.common.admitted.available_permits() {
                0 => break work.run(Lane::Common, || ()).await,
                _ => tokio::task::yield_now().await,
            }
        };
        assert_eq!(refused, Err(Busy));
        assert_eq!(work.run(Lane::Known, || 7).await, Ok(7), "the known lane is apart");
        for _ in 0..holders.len() {
            release.send(()).unwrap();
        }
        for holder in holders {
            assert_eq!(holder.await.unwrap(), Ok(()));
        }
        assert_eq!(work.run(Lane::Common, || 8).await, Ok(8), "free again");
    }
}
