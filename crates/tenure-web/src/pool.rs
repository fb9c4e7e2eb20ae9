//! A small pool of store connections for the server. Store calls are synchronous (SQLite and the
//! PostgreSQL client both block), so each runs on Tokio's blocking threads with a connection
//! taken from here and put back afterwards; at most `size` run at once.

use std::sync::{Arc, Mutex};

use tenure_app::AppError;
use tenure_store::Store;
use tokio::sync::Semaphore;

/// Open connections to one database, lent one request at a time.
#[derive(Clone)]
pub struct StorePool {
    idle: Arc<Mutex<Idle>>,
    permits: Arc<Semaphore>,
    size: usize,
}

/// The connections not lent out. When the last handle to the pool goes — at the end of
/// `serve`, on an async thread — they are closed on a thread of their own: the PostgreSQL client
/// closes by blocking on a runtime of its own, which tokio forbids where async work runs.
struct Idle(Vec<Box<dyn Store>>);

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
        Ok(StorePool {
            permits: Arc::new(Semaphore::new(size)),
            idle: Arc::new(Mutex::new(Idle(stores))),
            size,
        })
    }

    /// Idle connections now, and all of them.
    pub(crate) fn connections(&self) -> (usize, usize) {
        (self.permits.available_permits(), self.size)
    }

    /// Runs `work` with a connection on a blocking thread; waits for a free connection first.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut dyn Store) -> Result<T, AppError> + Send + 'static,
    ) -> Result<T, AppError> {
        let _permit =
            self.permits.acquire().await.map_err(|_| AppError::Invalid("the server is stopping".into()))?;
        let idle = Arc::clone(&self.idle);
        tokio::task::spawn_blocking(move || {
            let mut store = take(&idle);
            let result = work(store.as_mut());
            idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner).0.push(store);
            result
        })
        .await
        .map_err(|e| AppError::Invalid(format!("a request failed: {e}")))?
    }
}

/// An idle connection; the semaphore guarantees there is one.
fn take(idle: &Mutex<Idle>) -> Box<dyn Store> {
    idle.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .0
        .pop()
        .expect("a permit is held, so a connection is idle")
}
