//! Report inputs kept between requests. Loading a shop's purchases is the slow part of every
//! report (seconds at a million customers); the computations on them are fast. So each server
//! keeps the loaded purchases per currency, labelled with the store's revision, and loads them
//! again only when the revision moved — whichever server or import changed the data.

use std::collections::HashMap;
use std::sync::Arc;

use tenure_app::AppError;
use tenure_app::reports::{Purchases, ReportScope};
use tenure_domain::Currency;
use tenure_store::Store;

use crate::AppState;

/// Purchases loaded at a store revision.
type Loaded = (i64, Arc<Purchases>);

/// Loaded purchases per requested currency (`None`: the store's main currency), with the
/// revision they were loaded at. One entry per currency asked for: a handful at most.
#[derive(Default)]
pub(crate) struct PurchasesCache {
    // A Tokio mutex, held while loading: concurrent requests after a change wait for one load
    // instead of each starting their own.
    entries: tokio::sync::Mutex<HashMap<Option<String>, Loaded>>,
}

impl AppState {
    /// Runs `work` on a pooled connection with the shop's purchases in `currency` (the store's
    /// main currency when `None`), loaded once per store revision.
    pub(crate) async fn with_purchases<T: Send + 'static>(
        &self,
        currency: Option<Currency>,
        work: impl FnOnce(&mut dyn Store, &Purchases) -> Result<T, AppError> + Send + 'static,
    ) -> Result<T, AppError> {
        let purchases = self.purchases(currency).await?;
        self.pool().run(move |store| work(store, &purchases)).await
    }

    /// The purchases in `currency`, from the cache while the store's revision stands.
    async fn purchases(&self, currency: Option<Currency>) -> Result<Arc<Purchases>, AppError> {
        // Read before loading: a change landing in between is then in the loaded data under an
        // older label, and the next request loads again — never the other way round.
        let revision = self.pool().run(|store| Ok(store.revision()?)).await?;
        let key = currency.map(|c| c.code().to_string());
        let mut entries = self.cache().entries.lock().await;
        if let Some((cached_at, purchases)) = entries.get(&key)
            && *cached_at == revision
        {
            return Ok(Arc::clone(purchases));
        }
        let scope = ReportScope { time_zone: self.time_zone(), currency, ..ReportScope::default() };
        let loaded = Arc::new(self.pool().run(move |store| Purchases::load(store, &scope)).await?);
        entries.insert(key, (revision, Arc::clone(&loaded)));
        Ok(loaded)
    }
}
