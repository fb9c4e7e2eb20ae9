//! Reading the store's purchases once into [`PurchaseColumns`]: one currency, each UTC time turned
//! into a calendar day of the shop's time zone, customers numbered densely in store order.
//!
//! Not a computation: every number is left to `tenure-metrics`. Not SQL either: the store streams
//! the rows ([`Store::for_each_purchase`]) and this module only converts and collects them.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use chrono::Datelike;
use chrono_tz::Tz;
use tenure_domain::{Currency, CustomerId, Timestamp};
use tenure_metrics::{Date, PurchaseColumns, SegmentRule, SegmentRules, days_from_civil};
use tenure_store::{PurchaseRow, ScoreOrder, ScoreQuery, Store, StoreError};

use crate::AppError;

/// The shop's time zone: an IANA name such as `Europe/Berlin` (default `UTC`).
///
/// The time zone database is compiled into the program (`chrono-tz`): nothing is read at run time,
/// so the same binary gives the same days everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShopTimeZone(Tz);

impl ShopTimeZone {
    /// Universal time, the default.
    pub const UTC: ShopTimeZone = ShopTimeZone(Tz::UTC);

    /// The zone named `name` (an IANA name, e.g. `America/New_York`; `UTC` too).
    pub fn parse(name: &str) -> Result<Self, AppError> {
        name.trim().parse::<Tz>().map(ShopTimeZone).map_err(|_| {
            AppError::Invalid(format!(
                "unknown time zone `{name}`: use an IANA name such as UTC, Europe/Berlin or America/New_York"
            ))
        })
    }

    /// The zone itself (for the importers' times written without one).
    pub fn zone(&self) -> Tz {
        self.0
    }

    /// The IANA name.
    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    /// The shop-calendar day of an instant: the local date in this zone.
    pub fn day_of(&self, at: Timestamp) -> Result<Date, AppError> {
        if self.0 == Tz::UTC {
            // The default zone, on every row of every report: plain arithmetic, no zone lookup.
            let days = i32::try_from(at.timestamp().div_euclid(86_400))
                .map_err(|_| AppError::Invalid(format!("purchase at {at}: too far from 1970")))?;
            return Date::from_days(days).map_err(|e| AppError::Invalid(format!("purchase at {at}: {e}")));
        }
        let local = at.with_timezone(&self.0).date_naive();
        Date::from_days(days_from_civil(local.year(), local.month(), local.day()))
            .map_err(|e| AppError::Invalid(format!("purchase at {at}: {e}")))
    }
}

impl Default for ShopTimeZone {
    fn default() -> Self {
        Self::UTC
    }
}

impl FromStr for ShopTimeZone {
    type Err = AppError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::parse(name)
    }
}

impl fmt::Display for ShopTimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which purchases a report reads.
#[derive(Debug, Clone, Default)]
pub struct ReportScope {
    /// Calendar of the shop (default UTC).
    pub time_zone: ShopTimeZone,
    /// The currency to report on; `None`: the store's currency with the most revenue.
    pub currency: Option<Currency>,
    /// The segment table (default: the documented one; a seller's own with
    /// [`read_segment_rules`]).
    pub segment_rules: SegmentRules,
}

/// A seller's segment table from a JSON file: an array of
/// `{"name", "recency": {"min", "max"}, "frequency": {…}, "monetary": {…}}` rules, first match
/// wins, the last one matching every score (see `tenure_metrics::SegmentRules`).
pub fn read_segment_rules(path: &std::path::Path) -> Result<SegmentRules, AppError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| AppError::File { path: path.to_path_buf(), source })?;
    let rules: Vec<SegmentRule> = serde_json::from_str(&text)
        .map_err(|e| AppError::Invalid(format!("{}: not a segment table: {e}", path.display())))?;
    SegmentRules::new(rules).map_err(|e| AppError::Invalid(format!("{}: {e}", path.display())))
}

/// Every purchase of one currency as metrics columns, with the dense index → customer mapping.
#[derive(Debug, Clone)]
pub struct Purchases {
    pub(crate) columns: PurchaseColumns,
    pub(crate) customers: Vec<CustomerId>,
    pub(crate) currency: Option<Currency>,
    pub(crate) time_zone: ShopTimeZone,
    /// Stored model probability alive per dense customer index, with the day of those scores,
    /// when scores exist for the currency (customers without a score count as alive).
    pub(crate) p_alive: Option<StoredAlive>,
    /// The segment table of the scope.
    pub(crate) segment_rules: SegmentRules,
    /// Per dense customer index: approved testimonials (their influence), when any is approved.
    pub(crate) influence: Option<Vec<u32>>,
}

/// Per dense customer index, their influence: approved testimonials plus referred customers who
/// bought and were rewarded; `None` when there is neither (influence unknown: no influencer
/// flags, as before the shop collected any).
fn influence(store: &mut dyn Store, customers: &[CustomerId]) -> Result<Option<Vec<u32>>, AppError> {
    let mut approved = store.approved_testimonials()?;
    approved.extend(store.paid_referrals_by_referrer()?);
    if approved.is_empty() {
        return Ok(None);
    }
    let index: std::collections::HashMap<CustomerId, usize> =
        customers.iter().enumerate().map(|(i, c)| (*c, i)).collect();
    let mut counts = vec![0u32; customers.len()];
    for (customer, n) in approved {
        if let Some(&i) = index.get(&customer) {
            counts[i] = counts[i].saturating_add(n);
        }
    }
    Ok(Some(counts))
}

/// The stored probability alive of every customer, and the day it was computed for.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StoredAlive {
    /// The scores' `as_of`.
    pub(crate) as_of: Date,
    /// Per dense customer index.
    pub(crate) p_alive: Vec<f64>,
    /// Per dense customer index: the stored CLV in minor units, `None` for a customer without a
    /// score (bought first after the scores' day, or only in another currency).
    pub(crate) clv_minor: Vec<Option<i64>>,
}

impl Purchases {
    /// Reads the store's purchases in `scope` in one ordered pass (one snapshot).
    ///
    /// Errors when `scope.currency` is given, the store has purchases, and none in that currency
    /// (the message lists the currencies there are). An empty store gives empty columns.
    pub fn load(store: &mut dyn Store, scope: &ReportScope) -> Result<Self, AppError> {
        let currency = match scope.currency {
            Some(currency) => Some(currency),
            None => richest_currency(store)?,
        };
        let mut collector = Collector::new(scope.time_zone);
        if let Some(currency) = currency {
            store.for_each_purchase(currency.code(), &mut |row| collector.add(row))?;
        }
        if let Some(requested) = scope.currency.filter(|_| collector.days.is_empty()) {
            refuse_absent_currency(store, requested)?;
        }
        let mut purchases = collector.finish(currency)?;
        purchases.segment_rules = scope.segment_rules.clone();
        if let Some(currency) = currency {
            purchases.p_alive = stored_p_alive(store, currency, &purchases.customers)?;
        }
        purchases.influence = influence(store, &purchases.customers)?;
        Ok(purchases)
    }

    /// True when "at risk" on `as_of` comes from stored model scores (probability alive below
    /// 0.5) rather than from the overdue rule: scores exist for the currency and were computed
    /// on or before `as_of` (a report on an earlier day must not see later purchases).
    pub fn at_risk_by_model(&self, as_of: Date) -> bool {
        self.stored_p_alive(as_of).is_some()
    }

    /// The stored probabilities alive usable on `as_of`.
    /// The stored scores when they were computed on or before `as_of`.
    pub(crate) fn stored_scores(&self, as_of: Date) -> Option<&StoredAlive> {
        self.p_alive.as_ref().filter(|stored| stored.as_of <= as_of)
    }

    pub(crate) fn stored_p_alive(&self, as_of: Date) -> Option<&[f64]> {
        self.p_alive.as_ref().filter(|stored| stored.as_of <= as_of).map(|stored| stored.p_alive.as_slice())
    }

    /// The metrics input.
    pub fn columns(&self) -> &PurchaseColumns {
        &self.columns
    }

    /// The store id of the customer with dense index `index`.
    pub fn customer_id(&self, index: usize) -> CustomerId {
        self.customers[index]
    }

    /// The currency reported on; `None` only for a store without purchases.
    pub fn currency(&self) -> Option<Currency> {
        self.currency
    }

    /// The shop's time zone used for the days.
    pub fn time_zone(&self) -> ShopTimeZone {
        self.time_zone
    }

    /// The latest purchase day, if there is any purchase: the natural default `as_of` for data
    /// that stopped (a past export); a live shop passes today instead.
    pub fn last_day(&self) -> Option<Date> {
        let last = self.columns.per_customer().filter_map(|(days, _)| days.last()).max();
        last.and_then(|&day| Date::from_days(day).ok())
    }

    /// The day a report is as of: `as_of` when given, else the latest purchase day (data that
    /// stopped: a past export), else — an empty store — the day it is at `now` in the shop's
    /// time zone. The one rule the CLI, the API and the pages share.
    pub fn report_day(&self, as_of: Option<Date>, now: tenure_domain::Timestamp) -> Result<Date, AppError> {
        match as_of.or_else(|| self.last_day()) {
            Some(day) => Ok(day),
            None => self.time_zone().day_of(now),
        }
    }

    /// `minor` minor units of the report currency in major units (2 decimals when unknown).
    pub fn major(&self, minor: f64) -> f64 {
        let exponent = self.currency.map_or(2, |c| c.exponent());
        minor / 10f64.powi(exponent as i32)
    }
}

/// The currency a report or model reads: the requested one (refused when the store has purchases
/// only in others), else the one with the most revenue; `None` for a store without purchases.
pub(crate) fn report_currency(
    store: &mut dyn Store,
    scope: &ReportScope,
) -> Result<Option<Currency>, AppError> {
    match scope.currency {
        Some(requested) => {
            refuse_absent_currency(store, requested)?;
            Ok(Some(requested))
        }
        None => richest_currency(store),
    }
}

/// The stored probability alive of each customer (by dense index), or `None` without scores.
fn stored_p_alive(
    store: &mut dyn Store,
    currency: Currency,
    customers: &[CustomerId],
) -> Result<Option<StoredAlive>, AppError> {
    let query =
        ScoreQuery { currency: currency.code().to_string(), order: ScoreOrder::Customer, limit: None };
    let scores = store.scores(&query)?;
    let Some(first) = scores.first() else { return Ok(None) };
    let (year, month, day) = (first.as_of.year(), first.as_of.month(), first.as_of.day());
    let as_of = Date::from_ymd(year, month, day)
        .ok_or_else(|| AppError::Invalid(format!("stored scores have an invalid day {}", first.as_of)))?;
    let by_customer: HashMap<CustomerId, (f64, i64)> =
        scores.iter().map(|s| (s.customer, (s.probability_alive, s.clv_minor))).collect();
    let scored: Vec<Option<(f64, i64)>> = customers.iter().map(|id| by_customer.get(id).copied()).collect();
    let p_alive = scored.iter().map(|s| s.map_or(1.0, |(p, _)| p)).collect();
    let clv_minor = scored.iter().map(|s| s.map(|(_, clv)| clv)).collect();
    Ok(Some(StoredAlive { as_of, p_alive, clv_minor }))
}

/// The store's currency with the most revenue (the first code among equals); `None` when empty.
fn richest_currency(store: &mut dyn Store) -> Result<Option<Currency>, AppError> {
    let revenue = store.revenue_by_currency()?;
    let best = revenue.iter().fold(None::<(&String, i64)>, |best, (code, &minor)| match best {
        Some((_, top)) if top >= minor => best,
        _ => Some((code, minor)),
    });
    best.map(|(code, _)| Currency::parse(code))
        .transpose()
        .map_err(|e| AppError::Invalid(format!("the store holds an invalid currency code: {e}")))
}

/// A requested currency without purchases is a mistake when the store has purchases in others.
fn refuse_absent_currency(store: &mut dyn Store, requested: Currency) -> Result<(), AppError> {
    let revenue = store.revenue_by_currency()?;
    if revenue.is_empty() || revenue.contains_key(requested.code()) {
        return Ok(());
    }
    let codes: Vec<&str> = revenue.keys().map(String::as_str).collect();
    Err(AppError::Invalid(format!(
        "there are no purchases in {requested}; the store has purchases in {}",
        codes.join(", ")
    )))
}

/// Collects streamed rows into columns. Rows come by customer, then UTC time; local days are
/// sorted again per customer in the rare zones whose clocks once went back across midnight.
struct Collector {
    time_zone: ShopTimeZone,
    customers: Vec<CustomerId>,
    index: Vec<u32>,
    days: Vec<i32>,
    revenues: Vec<i64>,
    /// First row of the current customer.
    current_from: usize,
}

impl Collector {
    fn new(time_zone: ShopTimeZone) -> Self {
        Self {
            time_zone,
            customers: Vec::new(),
            index: Vec::new(),
            days: Vec::new(),
            revenues: Vec::new(),
            current_from: 0,
        }
    }

    fn add(&mut self, row: PurchaseRow) -> Result<(), StoreError> {
        if self.customers.last() != Some(&row.customer) {
            self.sort_current_customer();
            self.customers.push(row.customer);
        }
        let dense = u32::try_from(self.customers.len() - 1)
            .map_err(|_| StoreError::Invalid("more than 4,294,967,295 customers".into()))?;
        let day = self.time_zone.day_of(row.placed_at).map_err(|e| StoreError::Invalid(e.to_string()))?;
        self.index.push(dense);
        self.days.push(day.days());
        self.revenues.push(row.revenue_minor);
        Ok(())
    }

    /// Sorts the current customer's rows by day (stable: keeps the store's order within a day).
    fn sort_current_customer(&mut self) {
        let range = self.current_from..self.days.len();
        self.current_from = self.days.len();
        if self.days[range.clone()].is_sorted() {
            return;
        }
        let mut rows: Vec<(i32, i64)> = self.days[range.clone()]
            .iter()
            .copied()
            .zip(self.revenues[range.clone()].iter().copied())
            .collect();
        rows.sort_by_key(|&(day, _)| day);
        for (i, (day, revenue)) in range.zip(rows) {
            self.days[i] = day;
            self.revenues[i] = revenue;
        }
    }

    fn finish(mut self, currency: Option<Currency>) -> Result<Purchases, AppError> {
        self.sort_current_customer();
        let n_customers = self.customers.len() as u32;
        let columns = PurchaseColumns::from_columns(&self.index, self.days, self.revenues, n_customers)
            .map_err(|e| AppError::Invalid(format!("the store's purchases: {e}")))?;
        Ok(Purchases {
            columns,
            customers: self.customers,
            currency,
            time_zone: self.time_zone,
            p_alive: None,
            segment_rules: SegmentRules::default(),
            influence: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn row(customer: i64, day: u32, revenue_minor: i64) -> PurchaseRow {
        let placed_at = chrono::Utc.with_ymd_and_hms(2024, 1, day, 12, 0, 0).unwrap();
        PurchaseRow { customer: CustomerId(customer), placed_at, revenue_minor }
    }

    #[test]
    fn the_utc_shortcut_gives_the_days_the_zone_database_gives() {
        // Etc/GMT is UTC under another name, so it takes the general path through chrono-tz.
        let general = ShopTimeZone::parse("Etc/GMT").unwrap();
        for seconds in [-86_401, -86_400, -1, 0, 1, 43_200, 86_399, 86_400, 867_715_200, 1_719_792_000 - 1] {
            let at = chrono::DateTime::from_timestamp(seconds, 0).unwrap();
            assert_eq!(ShopTimeZone::UTC.day_of(at).unwrap(), general.day_of(at).unwrap(), "at {at}");
        }
    }

    #[test]
    fn the_collector_numbers_customers_densely_and_sorts_days_that_arrive_out_of_order() {
        // Local days can step back where a zone's clock once went back across midnight; the
        // collector must then re-sort that customer's days with their revenues.
        let mut collector = Collector::new(ShopTimeZone::UTC);
        for r in [row(7, 5, 50), row(7, 3, 30), row(7, 4, 40), row(42, 9, 90)] {
            collector.add(r).unwrap();
        }
        let purchases = collector.finish(Some(Currency::USD)).unwrap();
        let day = |d: u32| days_from_civil(2024, 1, d);
        assert_eq!(purchases.columns().customer_days(0), &[day(3), day(4), day(5)]);
        assert_eq!(&purchases.columns().revenues()[..3], &[30, 40, 50]);
        assert_eq!((purchases.customer_id(0), purchases.customer_id(1)), (CustomerId(7), CustomerId(42)));
        assert_eq!(purchases.last_day(), Date::from_days(day(9)).ok());
        assert_eq!(purchases.major(3800.5), 38.005);
    }
}
