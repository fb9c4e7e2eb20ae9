//! Model refits in the background, off the request path: an import asks for one and answers at
//! once. One refit runs at a time, and requests made while one runs are folded into a single next
//! one. (Orders that arrive by the API or webhooks are fitted by the recurring `model.refit` job,
//! `tenure_app::jobs`, which one process of the deployment runs per period.)

use std::sync::atomic::{AtomicBool, Ordering};

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
}

impl Default for Refits {
    fn default() -> Self {
        Refits { running: tokio::sync::Mutex::new(()), pending: AtomicBool::new(false) }
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
        let outcome = self.pool().run(move |store| refresh_scores(store, &scope)).await;
        if let Err(error) = outcome {
            log::event(Level::Error, "model refit failed", json!({"error": error.to_string()}));
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
}
