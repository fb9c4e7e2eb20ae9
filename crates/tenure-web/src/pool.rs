//! A small pool of store connections for the server. Store calls are synchronous (SQLite and the
//! PostgreSQL client both block), so each runs on Tokio's blocking threads with a connection
//! taken from here and put back afterwards; at most `size` run at once.
//!
//! Broken connections are replaced, not lent again: one found lost after a call (PostgreSQL
//! restarted, its backend terminated) is closed, and every other idle connection is pinged
//! (`SELECT 1`) before its next use, since what ended one usually ended all; a slot without a
//! connection opens a new one when next needed. While the database is down, that opening fails
//! at once and the request is answered 503; when it is back, the next request reconnects. Work
//! that panics gives its connection up (it may be mid-transaction) and fails as
//! [`AppError::Internal`].
//!
//! Why not `r2d2` or `deadpool`: the PostgreSQL client here is the synchronous one, which owns a
//! runtime of its own and may not be dropped on an async thread; `deadpool`'s managed pools
//! create, recycle and drop connections on async threads, and `r2d2` blocks a thread per waiting
//! request and drops connections wherever its last handle goes. Lending on the blocking thread
//! that does the work keeps every open, ping and close there.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tenure_app::AppError;
use tenure_store::{Store, StoreError};
use tokio::sync::Semaphore;

/// Open connections to one database, lent one request at a time.
#[derive(Clone)]
pub struct StorePool {
    shared: Arc<Shared>,
}

struct Shared {
    /// Where new connections are opened.
    url: String,
    idle: Mutex<Idle>,
    permits: Semaphore,
    size: usize,
    /// Counts connections found lost. An idle connection last checked before the latest count
    /// is pinged before it is lent.
    losses: AtomicU64,
}

/// A connection and the loss count when it was last known to work.
struct Pooled {
    store: Box<dyn Store>,
    checked_at_loss: u64,
}

/// The connections not lent out. When the last handle to the pool goes — at the end of
/// `serve`, on an async thread — they are closed on a thread of their own: the PostgreSQL client
/// closes by blocking on a runtime of its own, which tokio forbids where async work runs.
struct Idle(Vec<Pooled>);

impl Drop for Idle {
    fn drop(&mut self) {
        let stores = std::mem::take(&mut self.0);
        if !stores.is_empty() {
            let _ = std::thread::Builder::new().name("close-pool".into()).spawn(move || drop(stores));
        }
    }
}

impl StorePool {
    /// Opens `size` (at least 1) connections to `url`.
    pub fn open(url: &str, size: usize, now: tenure_domain::Timestamp) -> Result<Self, AppError> {
        let stores = (0..size.max(1)).map(|_| tenure_store::open(url, now)).collect::<Result<Vec<_>, _>>()?;
        let size = stores.len();
        let idle = stores.into_iter().map(|store| Pooled { store, checked_at_loss: 0 }).collect();
        Ok(StorePool {
            shared: Arc::new(Shared {
                url: url.to_string(),
                idle: Mutex::new(Idle(idle)),
                permits: Semaphore::new(size),
                size,
                losses: AtomicU64::new(0),
            }),
        })
    }

    /// Idle connections now, and all of them.
    pub(crate) fn connections(&self) -> (usize, usize) {
        (self.shared.permits.available_permits(), self.shared.size)
    }

    /// Stops lending: work already running finishes, and every later [`StorePool::run`] fails at
    /// once as [`AppError::Unavailable`] (503), for a server that is stopping.
    pub fn close(&self) {
        self.shared.permits.close();
    }

    /// Runs `work` with a connection on a blocking thread; waits for a free connection first.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut dyn Store) -> Result<T, AppError> + Send + 'static,
    ) -> Result<T, AppError> {
        // The permit goes with the work: a request that gives up waiting (its timeout) leaves
        // the connection lent until the blocking work ends, and no other request takes a
        // connection meanwhile — so the pool never lends more than its size.
        self.shared.permits.acquire().await.map_err(|_| stopping())?.forget();
        let permit = Permit(Arc::clone(&self.shared));
        let lent = move || permit.0.lend(work);
        match tokio::task::spawn_blocking(lent).await {
            Ok(result) => result,
            Err(error) if error.is_panic() => Err(AppError::Internal(format!(
                "lending a connection panicked: {}",
                panic_text(error.into_panic())
            ))),
            // The runtime is shutting down and dropped the task.
            Err(_) => Err(stopping()),
        }
    }
}

/// A connection's permit, given back when the work that holds it ends (or is dropped unrun).
struct Permit(Arc<Shared>);

impl Drop for Permit {
    fn drop(&mut self) {
        self.0.permits.add_permits(1);
    }
}

impl Shared {
    /// Lends a working connection to `work`, then takes it back (or gives it up).
    fn lend<T>(&self, work: impl FnOnce(&mut dyn Store) -> Result<T, AppError>) -> Result<T, AppError> {
        let mut pooled = self.checkout()?;
        match catch_unwind(AssertUnwindSafe(|| work(pooled.store.as_mut()))) {
            Ok(result) => {
                let unavailable = matches!(result, Err(AppError::Store(StoreError::Unavailable(_))));
                self.check_in(pooled, unavailable);
                result
            }
            // Dropped here, on this blocking thread: mid-transaction, it is rolled back.
            Err(panic) => Err(AppError::Internal(format!("the work panicked: {}", panic_text(panic)))),
        }
    }

    /// An idle connection known to work, or a new one in place of a lost one (or of one given
    /// up before). `Unavailable` when a new one cannot be opened.
    fn checkout(&self) -> Result<Pooled, AppError> {
        let losses = self.losses.load(Ordering::Acquire);
        let idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner).0.pop();
        let Some(mut pooled) = idle.filter(|pooled| !pooled.store.connection_lost()) else {
            return self.reopen(losses);
        };
        if pooled.checked_at_loss < losses {
            if pooled.store.ping().is_err() {
                // Closed as it is dropped, on this blocking thread.
                drop(pooled);
                return self.reopen(losses);
            }
            pooled.checked_at_loss = losses;
        }
        Ok(pooled)
    }

    fn reopen(&self, losses: u64) -> Result<Pooled, AppError> {
        match tenure_store::open(&self.url, chrono::Utc::now()) {
            Ok(store) => Ok(Pooled { store, checked_at_loss: losses }),
            Err(error) => Err(AppError::Unavailable(format!("opening a database connection: {error}"))),
        }
    }

    /// Puts a connection back after its work, unless it was lost. A lost connection, or work
    /// that found the database unavailable, makes every idle connection suspect.
    fn check_in(&self, pooled: Pooled, unavailable: bool) {
        let lost = pooled.store.connection_lost();
        if lost || unavailable {
            self.losses.fetch_add(1, Ordering::AcqRel);
        }
        if !lost {
            self.idle.lock().unwrap_or_else(PoisonError::into_inner).0.push(pooled);
        }
    }
}

fn stopping() -> AppError {
    AppError::Unavailable("the server is stopping".into())
}

/// What a panic said, if it said it in text.
pub(crate) fn panic_text(panic: Box<dyn std::any::Any + Send>) -> String {
    match panic.downcast::<String>() {
        Ok(text) => *text,
        Err(panic) => {
            panic.downcast_ref::<&str>().map_or("a panic without a message", |text| text).to_string()
        }
    }
}
