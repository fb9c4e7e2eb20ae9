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

/// The stored scores of the report currency of `scope`, filtered, sorted and cut to one page;
/// names and e-mails are read for that page only.
pub fn list_scores(
    store: &mut dyn Store,
    purchases: &Purchases,
    query: &ScoreListQuery,
) -> Result<ScoreList, AppError> {
    let Some(currency) = purchases.currency() else {
        return Ok(ScoreList { currency: None, as_of: None, scored: 0, matching: 0, rows: Vec::new() });
    };
    let all = ScoreQuery { currency: currency.code().to_string(), order: ScoreOrder::Customer, limit: None };
    let scores = store.scores(&all)?;
    let (scored, as_of) = (scores.len(), scores.first().map(|s| s.as_of));
    let last = last_purchases(purchases);
    let mut matching: Vec<ListedScore> = scores
        .into_iter()
        .filter(|s| query.below.is_none_or(|below| s.probability_alive < below))
        .filter(|s| query.min_clv.is_none_or(|min| purchases.major(s.clv_minor as f64) >= min))
        .map(|score| {
            let last_purchase = last.get(&score.customer).copied();
            ListedScore { score, name: None, email: None, last_purchase }
        })
        .collect();
    matching.sort_by(|a, b| compare(query.sort, a, b));
    let total = matching.len();
    let mut rows: Vec<ListedScore> =
        matching.into_iter().skip(query.offset).take(query.limit.unwrap_or(usize::MAX)).collect();
    add_contacts(store, &mut rows)?;
    Ok(ScoreList { currency: Some(currency), as_of, scored, matching: total, rows })
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
