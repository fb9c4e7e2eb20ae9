//! Model refits in the background, off the request path: an import asks for one and answers at
//! once; a timer asks for one when orders arrived by the API or webhooks since the last fit. One
//! refit runs at a time, and requests made while one runs are folded into a single next one.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

use serde_json::json;
use tenure_app::models::refresh_scores;
use tenure_app::reports::ReportScope;

use crate::AppState;
use crate::log::{self, Level};

/// The refit queue of one server.
pub(crate) struct Refits {
    /// Held while a refit runs.
    running: tokio::sync::Mutex<()>,
    /// A refit was asked for and has not started yet.
    pending: AtomicBool,
    /// The store revision the last refit started from (−1: none yet).
    fitted_at: AtomicI64,
}

impl Default for Refits {
    fn default() -> Self {
        Refits {
            running: tokio::sync::Mutex::new(()),
            pending: AtomicBool::new(false),
            fitted_at: AtomicI64::new(-1),
        }
    }
}

impl AppState {
    /// Asks for a refit of the models (with the scores stored after it), starting it once the
    /// one running, if any, is done. Returns at once.
    pub(crate) fn request_refit(&self) {
        if self.refits().pending.swap(true, Ordering::SeqCst) {
            return; // one is queued already and will see the newest data
        }
        let state = self.clone();
        tokio::spawn(async move { state.run_refit().await });
    }

    async fn run_refit(&self) {
        let _running = self.refits().running.lock().await;
        self.refits().pending.store(false, Ordering::SeqCst);
        let scope = ReportScope { time_zone: self.time_zone(), ..ReportScope::default() };
        let outcome = self
            .pool()
            .run(move |store| {
                let revision = store.revision()?;
                refresh_scores(store, &scope)?;
                Ok(revision)
            })
            .await;
        match outcome {
            Ok(revision) => self.refits().fitted_at.store(revision, Ordering::SeqCst),
            Err(error) => {
                log::event(Level::Error, "model refit failed", json!({"error": error.to_string()}));
            }
        }
    }

    /// Waits until no refit is queued or running (for tests and shutdown).
    pub async fn refits_done(&self) {
        loop {
            let running = self.refits().running.lock().await;
            if !self.refits().pending.load(Ordering::SeqCst) {
                return;
            }
            drop(running);
            tokio::task::yield_now().await;
        }
    }

    /// Every `every`, asks for a refit when the data changed since the last one (orders from the
    /// API and webhooks arrive one by one; the scores follow them at this pace).
    pub fn spawn_refit_timer(&self, every: Duration) {
        let state = self.clone();
        tokio::spawn(async move {
            let mut timer = tokio::time::interval(every);
            timer.tick().await; // the first tick is immediate: the data was just fitted or is as left
            loop {
                timer.tick().await;
                let revision = state.pool().run(|store| Ok(store.revision()?)).await;
                let fitted_at = state.refits().fitted_at.load(Ordering::SeqCst);
                if matches!(revision, Ok(now) if now != fitted_at) {
                    state.request_refit();
                }
            }
        });
    }
}
