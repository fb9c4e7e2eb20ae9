//! Tenure's web face: the HTTP server and the REST API under `/api/v1`, over the same use cases
//! as the CLI (so the API's numbers are the CLI's numbers).
//!
//! Handlers are thin: check access, parse the request, run one app call on a pooled store
//! connection off the async threads, answer JSON. Every route has an explicit access rule in
//! [`routes::ROUTES`]; a test walks every route with every role and with none.

mod auth;
mod error;
mod handlers;
pub mod openapi;
mod pool;
pub mod routes;

use std::sync::Arc;

pub use error::ApiError;
pub use handlers::MAX_BODY_BYTES;
pub use pool::StorePool;
use tenure_app::reports::ShopTimeZone;

/// What every request handler shares.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Shared>,
}

struct Shared {
    pool: StorePool,
    time_zone: ShopTimeZone,
}

impl AppState {
    /// State over `pool`, reporting days in `time_zone`.
    pub fn new(pool: StorePool, time_zone: ShopTimeZone) -> Self {
        AppState { inner: Arc::new(Shared { pool, time_zone }) }
    }

    pub(crate) fn pool(&self) -> &StorePool {
        &self.inner.pool
    }

    pub(crate) fn time_zone(&self) -> ShopTimeZone {
        self.inner.time_zone
    }
}

/// The application's routes with their state.
pub fn router(state: AppState) -> axum::Router {
    routes::router().with_state(state)
}

/// Serves `state` on `listener` until `shutdown` completes, finishing requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown).await
}
