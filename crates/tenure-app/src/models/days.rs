//! Purchase days per customer, read once from the store: each purchase's UTC time becomes a
//! calendar day of the shop's time zone, and a customer's purchases on one day become one
//! purchase day whose spend is that day's revenue (the CDNOW convention of the published models).
//!
//! Not a model: the `(x, t_x, T)` summaries are made from these days in [`super::summary`].

use tenure_domain::{Currency, CustomerId};
use tenure_store::{PurchaseRow, Store, StoreError};

use crate::AppError;
use crate::reports::{Date, ReportScope, ShopTimeZone};

/// Every customer's purchase days in one currency, customers in store order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PurchaseDays {
    customers: Vec<CustomerId>,
    /// `days[starts[c]..starts[c + 1]]` are customer `c`'s days, ascending and distinct.
    starts: Vec<usize>,
    days: Vec<i32>,
    /// Revenue of each purchase day, minor units.
    spend_minor: Vec<i64>,
    currency: Option<Currency>,
    time_zone: ShopTimeZone,
}

impl PurchaseDays {
    /// Reads the store's purchases in `scope` (currency: as given, else the one with the most
    /// revenue) in one ordered pass.
    pub fn load(store: &mut dyn Store, scope: &ReportScope) -> Result<Self, AppError> {
        let currency = crate::reports::report_currency(store, scope)?;
        let mut builder = Builder::new(scope.time_zone);
        if let Some(currency) = currency {
            store.for_each_purchase(currency.code(), &mut |row| builder.add(row))?;
        }
        let mut days = builder.finish();
        days.currency = currency;
        Ok(days)
    }

    /// Builds the days from rows ordered by customer (then time), as the store streams them.
    pub fn from_rows(
        rows: impl IntoIterator<Item = PurchaseRow>,
        time_zone: ShopTimeZone,
    ) -> Result<Self, AppError> {
        let mut builder = Builder::new(time_zone);
        for row in rows {
            builder.add(row)?;
        }
        Ok(builder.finish())
    }

    /// Number of customers with at least one purchase.
    pub fn len(&self) -> usize {
        self.customers.len()
    }

    /// True when there is no purchase.
    pub fn is_empty(&self) -> bool {
        self.customers.is_empty()
    }

    /// The store id of customer `index`.
    pub fn customer_id(&self, index: usize) -> CustomerId {
        self.customers[index]
    }

    /// Customer `index`'s purchase days (day numbers, ascending, distinct) and their spend.
    pub fn customer(&self, index: usize) -> (&[i32], &[i64]) {
        let range = self.starts[index]..self.starts[index + 1];
        (&self.days[range.clone()], &self.spend_minor[range])
    }

    /// The currency read; `None` for a store without purchases.
    pub fn currency(&self) -> Option<Currency> {
        self.currency
    }

    /// The shop's time zone of the days.
    pub fn time_zone(&self) -> ShopTimeZone {
        self.time_zone
    }

    /// The latest purchase day of any customer.
    pub fn last_day(&self) -> Option<Date> {
        self.days.iter().max().and_then(|&d| Date::from_days(d).ok())
    }

    /// `minor` minor units in major units of the currency (2 decimals when unknown).
    pub fn major(&self, minor: f64) -> f64 {
        minor / 10f64.powi(self.currency.map_or(2, |c| c.exponent()) as i32)
    }
}

/// Collects streamed rows; one customer's rows are merged into days when the next one starts.
struct Builder {
    time_zone: ShopTimeZone,
    out: PurchaseDays,
    /// The current customer's (day, revenue) rows, not yet merged.
    pending: Vec<(i32, i64)>,
}

impl Builder {
    fn new(time_zone: ShopTimeZone) -> Self {
        let out = PurchaseDays { starts: vec![0], time_zone, ..PurchaseDays::default() };
        Builder { time_zone, out, pending: Vec::new() }
    }

    fn add(&mut self, row: PurchaseRow) -> Result<(), StoreError> {
        if self.out.customers.last() != Some(&row.customer) {
            self.flush();
            self.out.customers.push(row.customer);
        }
        let day = self.time_zone.day_of(row.placed_at).map_err(|e| StoreError::Invalid(e.to_string()))?;
        self.pending.push((day.days(), row.revenue_minor));
        Ok(())
    }

    /// Merges the current customer's rows into distinct days (sorted again: local days can step
    /// back where a zone's clock once went back across midnight).
    fn flush(&mut self) {
        if self.out.customers.is_empty() {
            return;
        }
        self.pending.sort_by_key(|&(day, _)| day);
        for &(day, revenue) in &self.pending {
            if self.out.days.len() > self.out.starts[self.out.starts.len() - 1]
                && self.out.days.last() == Some(&day)
            {
                *self.out.spend_minor.last_mut().expect("a day was pushed") += revenue;
            } else {
                self.out.days.push(day);
                self.out.spend_minor.push(revenue);
            }
        }
        self.out.starts.push(self.out.days.len());
        self.pending.clear();
    }

    fn finish(mut self) -> PurchaseDays {
        self.flush();
        self.out
    }
}
