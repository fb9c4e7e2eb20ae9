//! The stored model scores as people read them: a filtered, sorted list of scored customers with
//! their last purchase (the dashboard's at-risk page and its CSV), and one customer's purchase
//! history in the model's terms (purchase days, gaps), so a page can say why a score is what it is.
//!
//! Nothing is fitted here: the scores are the ones [`super::refresh_scores`] stored.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use tenure_domain::{Currency, CustomerId};
use tenure_metrics::{CustomerFacts, Date, PurchaseColumnsBuilder};
use tenure_store::{CustomerDetail, CustomerScore, ScoreOrder, ScoreQuery, Store};

use crate::AppError;
use crate::reports::{Purchases, ShopTimeZone};

/// The order of a score list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ScoreSort {
    /// Lowest probability alive first (the customers slipping away), then by customer id.
    #[default]
    ProbabilityAlive,
    /// Highest CLV first (the customers worth most), then by customer id.
    Clv,
    /// Oldest last purchase first (the longest quiet), then by customer id.
    LastPurchase,
}

impl FromStr for ScoreSort {
    type Err = AppError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "probability" => Ok(Self::ProbabilityAlive),
            "clv" => Ok(Self::Clv),
            "last_purchase" => Ok(Self::LastPurchase),
            _ => Err(AppError::Invalid(format!(
                "`{text}` is not a sort order (probability, clv or last_purchase)"
            ))),
        }
    }
}

impl fmt::Display for ScoreSort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::ProbabilityAlive => "probability",
            Self::Clv => "clv",
            Self::LastPurchase => "last_purchase",
        })
    }
}

/// Which stored scores to list.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScoreListQuery {
    /// Only customers whose probability alive is strictly below this.
    pub below: Option<f64>,
    /// Only customers whose CLV is at least this, major units.
    pub min_clv: Option<f64>,
    /// The order.
    pub sort: ScoreSort,
    /// Skip this many matching customers (paging).
    pub offset: usize,
    /// At most this many; `None` for every matching customer.
    pub limit: Option<usize>,
}

/// A page of scored customers.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreList {
    /// The currency of the scores; `None` for a store without purchases.
    pub currency: Option<Currency>,
    /// The day the scores describe; `None` when no scores are stored for the currency.
    pub as_of: Option<chrono::NaiveDate>,
    /// Customers with a stored score.
    pub scored: usize,
    /// Customers matching the filters (all pages).
    pub matching: usize,
    /// The customers of this page, in order.
    pub rows: Vec<ListedScore>,
}

/// One scored customer.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedScore {
    /// The stored score.
    pub score: CustomerScore,
    /// Display name, when known.
    pub name: Option<String>,
    /// E-mail, when known.
    pub email: Option<String>,
    /// Day of the last purchase in the scores' currency (shop calendar).
    pub last_purchase: Option<Date>,
}

/// The stored scores of the purchases' currency, filtered, sorted and cut to one page; names and
/// e-mails are read for that page only.
pub fn list_scores(
    store: &mut dyn Store,
    purchases: &Purchases,
    query: &ScoreListQuery,
) -> Result<ScoreList, AppError> {
    ScoreBoard::load(store, purchases)?.list(store, query)
}

/// Every stored score of one currency with its customer's last purchase, sorted once in each
/// order a list can ask for: what a server keeps between requests, so a page of the at-risk
/// list costs one sequential scan of a compact index, not a read and a sort of every score.
#[derive(Debug, Clone)]
pub struct ScoreBoard {
    currency: Option<Currency>,
    /// Minor units per major unit of the currency (for `min_clv`).
    unit: f64,
    /// The scores, in customer order; each row's `score` is whole, to be handed out as is.
    scores: Vec<ListedScore>,
    by_probability: Vec<Ranked>,
    by_clv: Vec<Ranked>,
    by_last_purchase: Vec<Ranked>,
}

/// One score in one order: what the filters read, next to each other, and where the score is.
#[derive(Debug, Clone, Copy)]
struct Ranked {
    probability_alive: f64,
    clv_minor: i64,
    index: u32,
}

impl ScoreBoard {
    /// Reads the stored scores of the purchases' currency and sorts them.
    pub fn load(store: &mut dyn Store, purchases: &Purchases) -> Result<ScoreBoard, AppError> {
        let currency = purchases.currency();
        let unit = 1.0 / purchases.major(1.0);
        let Some(code) = currency else {
            return Ok(ScoreBoard::from_scores(None, unit, Vec::new()));
        };
        let all = ScoreQuery { currency: code.code().to_string(), order: ScoreOrder::Customer, limit: None };
        let last = last_purchases(purchases);
        let scores = store
            .scores(&all)?
            .into_iter()
            .map(|score| {
                let last_purchase = last.get(&score.customer).copied();
                ListedScore { score, name: None, email: None, last_purchase }
            })
            .collect();
        Ok(ScoreBoard::from_scores(currency, unit, scores))
    }

    fn from_scores(currency: Option<Currency>, unit: f64, scores: Vec<ListedScore>) -> ScoreBoard {
        let order = |sort: ScoreSort| {
            let mut index: Vec<u32> = (0..scores.len() as u32).collect();
            index.sort_by(|&a, &b| compare(sort, &scores[a as usize], &scores[b as usize]));
            index
                .into_iter()
                .map(|i| {
                    let score = &scores[i as usize].score;
                    Ranked {
                        probability_alive: score.probability_alive,
                        clv_minor: score.clv_minor,
                        index: i,
                    }
                })
                .collect()
        };
        let (by_probability, by_clv, by_last_purchase) =
            (order(ScoreSort::ProbabilityAlive), order(ScoreSort::Clv), order(ScoreSort::LastPurchase));
        ScoreBoard { currency, unit, scores, by_probability, by_clv, by_last_purchase }
    }

    /// One page of the scores matching `query`, with names and e-mails read for that page.
    pub fn list(&self, store: &mut dyn Store, query: &ScoreListQuery) -> Result<ScoreList, AppError> {
        let ranked = match query.sort {
            ScoreSort::ProbabilityAlive => &self.by_probability,
            ScoreSort::Clv => &self.by_clv,
            ScoreSort::LastPurchase => &self.by_last_purchase,
        };
        let min_clv_minor = query.min_clv.map(|min| min * self.unit);
        let matches = |r: &Ranked| {
            query.below.is_none_or(|below| r.probability_alive < below)
                && min_clv_minor.is_none_or(|min| r.clv_minor as f64 >= min)
        };
        let mut matching = 0;
        let mut rows = Vec::new();
        let limit = query.limit.unwrap_or(usize::MAX);
        for r in ranked.iter().filter(|r| matches(r)) {
            if matching >= query.offset && rows.len() < limit {
                rows.push(self.scores[r.index as usize].clone());
            }
            matching += 1;
        }
        add_contacts(store, &mut rows)?;
        Ok(ScoreList {
            currency: self.currency,
            as_of: self.scores.first().map(|s| s.score.as_of),
            scored: self.scores.len(),
            matching,
            rows,
        })
    }
}

/// The order of [`ScoreSort`]: the key, then the customer id, so every order is total.
fn compare(sort: ScoreSort, a: &ListedScore, b: &ListedScore) -> Ordering {
    let key = match sort {
        ScoreSort::ProbabilityAlive => a.score.probability_alive.total_cmp(&b.score.probability_alive),
        ScoreSort::Clv => b.score.clv_minor.cmp(&a.score.clv_minor),
        ScoreSort::LastPurchase => a.last_purchase.cmp(&b.last_purchase),
    };
    key.then(a.score.customer.cmp(&b.score.customer))
}

/// The last purchase day of every customer with purchases.
fn last_purchases(purchases: &Purchases) -> HashMap<CustomerId, Date> {
    purchases
        .columns()
        .per_customer()
        .enumerate()
        .filter_map(|(c, (days, _))| {
            let last = Date::from_days(*days.last()?).ok()?;
            Some((purchases.customer_id(c), last))
        })
        .collect()
}

fn add_contacts(store: &mut dyn Store, rows: &mut [ListedScore]) -> Result<(), AppError> {
    let ids: Vec<CustomerId> = rows.iter().map(|r| r.score.customer).collect();
    let contacts: HashMap<CustomerId, _> = store.contacts(&ids)?.into_iter().map(|c| (c.id, c)).collect();
    for row in rows {
        if let Some(contact) = contacts.get(&row.score.customer) {
            row.name.clone_from(&contact.name);
            row.email.clone_from(&contact.email);
        }
    }
    Ok(())
}

/// One customer's purchases as the model saw them: distinct purchase days up to `as_of`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PurchaseHistory {
    /// Days with a purchase (the model's `x + 1`).
    pub purchase_days: u32,
    /// The first purchase day.
    pub first: Date,
    /// The last purchase day.
    pub last: Date,
    /// Days from the last purchase to `as_of`.
    pub days_since_last: i32,
    /// Mean days between consecutive purchase days; `None` with a single purchase day.
    pub mean_days_between: Option<f64>,
}

/// The purchase history of `detail` in `currency` up to `as_of` (shop calendar), counting only
/// purchases (paid, partially refunded), as the reports and models do; `None` without any.
pub fn purchase_history(
    detail: &CustomerDetail,
    currency: &str,
    time_zone: ShopTimeZone,
    as_of: Date,
) -> Result<Option<PurchaseHistory>, AppError> {
    let mut days = Vec::new();
    for order in detail.orders.iter().filter(|o| o.status.is_purchase() && o.currency == currency) {
        days.push((time_zone.day_of(order.placed_at)?.days(), order.total_minor - order.refunded_minor));
    }
    days.sort_unstable();
    let mut columns = PurchaseColumnsBuilder::with_capacity(1, days.len());
    for (day, revenue) in days {
        columns.push(0, day, revenue.max(0)).map_err(|e| AppError::Invalid(e.to_string()))?;
    }
    // The metrics' own definitions (distinct purchase days, mean gap), for one customer.
    let facts = CustomerFacts::as_of(&columns.finish(), as_of);
    let (Some(first), Some(last)) = (facts.first_day(0), facts.last_day(0)) else { return Ok(None) };
    let day = |d: i32| Date::from_days(d).map_err(|e| AppError::Invalid(e.to_string()));
    Ok(Some(PurchaseHistory {
        purchase_days: facts.purchase_days()[0],
        first: day(first)?,
        last: day(last)?,
        days_since_last: as_of.days() - last,
        mean_days_between: facts.mean_days_between_purchase_days(0),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_names_read_back() {
        for sort in [ScoreSort::ProbabilityAlive, ScoreSort::Clv, ScoreSort::LastPurchase] {
            assert_eq!(sort.to_string().parse::<ScoreSort>().unwrap(), sort);
        }
        assert!(
            "alive"
                .parse::<ScoreSort>()
                .unwrap_err()
                .to_string()
                .contains("probability, clv or last_purchase")
        );
    }
}
