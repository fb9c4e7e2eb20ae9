//! Report inputs kept between requests. Loading a shop's purchases (and its stored scores) is
//! the slow part of every report — seconds at a million customers — while the computations on
//! them are fast. So each server keeps what it loaded, labelled with the store's revision, and
//! loads again only when the revision moved, whichever server or import changed the data.

use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;

use tenure_app::AppError;
use tenure_app::models::ScoreBoard;
use tenure_app::reports::{Purchases, ReportScope};
use tenure_domain::Currency;
use tenure_store::Store;

use crate::AppState;

/// Something loaded at a store revision.
type Loaded = (i64, Arc<dyn Any + Send + Sync>);

/// Entries kept at most: loaded inputs (a few) and computed results (one per distinct query).
const MAX_ENTRIES: usize = 256;

/// What was loaded or computed, by what it is (`purchases:USD`, `scores:`, `overview:…`).
#[derive(Default)]
pub(crate) struct ReportCache {
    // A Tokio mutex, held while loading: concurrent requests after a change wait for one load
    // instead of each starting their own.
    entries: tokio::sync::Mutex<HashMap<String, Loaded>>,
}

impl AppState {
    /// Runs `work` on a pooled connection with the shop's purchases in `currency` (the store's
    /// main currency when `None`), loaded once per store revision.
    pub(crate) async fn with_purchases<T: Send + 'static>(
        &self,
        currency: Option<Currency>,
        work: impl FnOnce(&mut dyn Store, &Purchases) -> Result<T, AppError> + Send + 'static,
    ) -> Result<T, AppError> {
        let revision = self.revision().await?;
        let purchases = self.purchases(currency, revision).await?;
        self.pool().run(move |store| work(store, &purchases)).await
    }

    /// Runs `work` with the stored scores of the main currency, sorted, loaded once per revision.
    pub(crate) async fn with_scores<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut dyn Store, &ScoreBoard) -> Result<T, AppError> + Send + 'static,
    ) -> Result<T, AppError> {
        let revision = self.revision().await?;
        let purchases = self.purchases(None, revision).await?;
        let board = self
            .cached("scores:".to_string(), revision, move |store| ScoreBoard::load(store, &purchases))
            .await?;
        self.pool().run(move |store| work(store, &board)).await
    }

    /// `compute`s a result from the purchases of the main currency once per store revision and
    /// `key` (which must name everything the result depends on, the query included).
    pub(crate) async fn cached_report<T: Any + Send + Sync>(
        &self,
        key: String,
        compute: impl FnOnce(&Purchases) -> Result<T, AppError> + Send + 'static,
    ) -> Result<Arc<T>, AppError> {
        let revision = self.revision().await?;
        let purchases = self.purchases(None, revision).await?;
        self.cached(key, revision, move |_| compute(&purchases)).await
    }

    /// The store's revision now. Read before loading: a change landing in between is then in
    /// the loaded data under an older label, and the next request loads again — never the
    /// other way round.
    async fn revision(&self) -> Result<i64, AppError> {
        self.pool().run(|store| Ok(store.revision()?)).await
    }

    async fn purchases(&self, currency: Option<Currency>, revision: i64) -> Result<Arc<Purchases>, AppError> {
        let key = format!("purchases:{}", currency.map(|c| c.code().to_string()).unwrap_or_default());
        let scope = ReportScope { time_zone: self.time_zone(), currency, ..ReportScope::default() };
        self.cached(key, revision, move |store| Purchases::load(store, &scope)).await
    }

    /// The value under `key` if it was loaded at `revision`; else `load`ed now and kept.
    async fn cached<T: Any + Send + Sync>(
        &self,
        key: String,
        revision: i64,
        load: impl FnOnce(&mut dyn Store) -> Result<T, AppError> + Send + 'static,
    ) -> Result<Arc<T>, AppError> {
        let mut entries = self.cache().entries.lock().await;
        if let Some((loaded_at, value)) = entries.get(&key)
            && *loaded_at == revision
            && let Ok(value) = Arc::clone(value).downcast::<T>()
        {
            return Ok(value);
        }
        let loaded = Arc::new(self.pool().run(load).await?);
        if entries.len() >= MAX_ENTRIES {
            // Stale entries first; if every entry is current (many distinct queries), start over.
            entries.retain(|_, (loaded_at, _)| *loaded_at == revision);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(key, (revision, Arc::clone(&loaded) as Arc<dyn Any + Send + Sync>));
        Ok(loaded)
    }
}
