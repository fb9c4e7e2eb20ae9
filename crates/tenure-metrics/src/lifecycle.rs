//! Lifecycle stages at `as_of` (PRODUCT.md §2, issue 3 item 4): every customer in exactly one of
//! prospect, new, active, at risk, reactivated, churned.
//!
//! "At risk" uses the customer's own inter-purchase time until model scores exist; the caller can
//! switch to a per-customer probability alive (PRODUCT.md §3) without changing anything else.

use crate::{ActivityWindow, CustomerFacts, Date, MetricsError, PurchaseColumns};

/// A customer's lifecycle stage at `as_of`. Decided by the first matching rule, in this order:
///
/// 1. **Prospect**: no paid order on or before `as_of` (a known customer who has not bought yet).
/// 2. **Churned**: not active at `as_of` (no order in `[as_of − W + 1, as_of]`).
/// 3. **New**: first order within the last `new_days` days: first day in
///    `[as_of − new_days + 1, as_of]` (default 30).
/// 4. **At risk**: by [`AtRiskRule`] — overdue (days since the last order > factor × the
///    customer's mean days between distinct purchase days; needs ≥ 2 purchase days), or model
///    probability alive below a threshold.
/// 5. **Reactivated**: came back from churn within the current window: some order day `r` with
///    `r ≥ as_of − W + 1` follows the previous distinct order day `p` by more than W days
///    (`r − p > W`, i.e. the customer was not active at the end of day `r − 1`). Such a customer
///    has been active every day since `r`.
/// 6. **Active**: every other customer active at `as_of`.
///
/// Risk comes before reactivation because it is the signal a seller acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum Stage {
    /// No paid order on or before `as_of`.
    Prospect,
    /// First order within the last `new_days` days.
    New,
    /// Active and none of the other stages.
    Active,
    /// Active, but overdue or with a low probability alive.
    AtRisk,
    /// Active again after a gap longer than W, the return being within the current window.
    Reactivated,
    /// Bought before but not active at `as_of`.
    Churned,
}

impl Stage {
    /// All stages, in report order.
    pub const ALL: [Stage; 6] =
        [Stage::New, Stage::Active, Stage::AtRisk, Stage::Reactivated, Stage::Churned, Stage::Prospect];
}

/// How "at risk" is decided (PRODUCT.md §2: "model says so … or past 2× their usual
/// inter-purchase time").
#[derive(Debug, Clone, Copy)]
pub enum AtRiskRule<'a> {
    /// At risk when `as_of − last order day > factor × mean days between distinct purchase days`
    /// ([`CustomerFacts::mean_days_between_purchase_days`]). Customers with a single purchase day
    /// have no usual interval and are never at risk by this rule. Default factor 2.
    Overdue {
        /// Multiple of the usual interval; finite and > 0.
        factor: f64,
    },
    /// At risk when `p_alive[c] < threshold` (a model's probability alive, one per customer).
    ProbabilityAlive {
        /// Probability alive in `[0, 1]` for every customer index.
        p_alive: &'a [f64],
        /// Threshold in `[0, 1]`.
        threshold: f64,
    },
}

/// Parameters of [`lifecycle_stages`].
#[derive(Debug, Clone, Copy)]
pub struct LifecycleParams<'a> {
    /// Activity window W (default 365 days).
    pub window: ActivityWindow,
    /// "New" means a first order within this many days up to `as_of` (default 30, at least 1).
    pub new_days: u32,
    /// The at-risk rule (default: overdue by a factor 2).
    pub at_risk: AtRiskRule<'a>,
}

impl Default for LifecycleParams<'_> {
    fn default() -> Self {
        Self { window: ActivityWindow::default(), new_days: 30, at_risk: AtRiskRule::Overdue { factor: 2.0 } }
    }
}

/// Number of customers in each stage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct StageCounts {
    /// Customers in [`Stage::New`].
    pub new: u64,
    /// Customers in [`Stage::Active`].
    pub active: u64,
    /// Customers in [`Stage::AtRisk`].
    pub at_risk: u64,
    /// Customers in [`Stage::Reactivated`].
    pub reactivated: u64,
    /// Customers in [`Stage::Churned`].
    pub churned: u64,
    /// Customers in [`Stage::Prospect`].
    pub prospect: u64,
}

impl StageCounts {
    /// Counts of a per-customer stage vector.
    pub fn count(stages: &[Stage]) -> Self {
        let mut counts = [0u64; 6];
        for &s in stages {
            counts[s as usize] += 1;
        }
        let at = |s: Stage| counts[s as usize];
        Self {
            new: at(Stage::New),
            active: at(Stage::Active),
            at_risk: at(Stage::AtRisk),
            reactivated: at(Stage::Reactivated),
            churned: at(Stage::Churned),
            prospect: at(Stage::Prospect),
        }
    }

    /// Sum over all stages (equals the number of customers).
    pub fn total(&self) -> u64 {
        self.new + self.active + self.at_risk + self.reactivated + self.churned + self.prospect
    }
}

/// The lifecycle report: `{"as_of", "stages": {"new": …, …}}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct LifecycleReport {
    /// The date of the stages.
    pub as_of: Date,
    /// Customers per stage.
    pub stages: StageCounts,
}

impl LifecycleReport {
    /// Summarises per-customer stages computed as of `as_of`.
    pub fn from_stages(as_of: Date, stages: &[Stage]) -> Self {
        Self { as_of, stages: StageCounts::count(stages) }
    }
}

/// The stage of every customer at `facts.as_of_date()` (see [`Stage`] for the exact rules).
///
/// `facts` must come from the same `columns`. Errors on invalid parameters (new_days 0, a factor
/// that is not finite and positive, a probability slice of the wrong length or outside `[0, 1]`).
pub fn lifecycle_stages(
    columns: &PurchaseColumns,
    facts: &CustomerFacts,
    params: &LifecycleParams<'_>,
) -> Result<Vec<Stage>, MetricsError> {
    validate(facts.n_customers(), params)?;
    let as_of = facts.as_of_date().days();
    let window = params.window;
    let new_from = as_of - params.new_days as i32 + 1;
    let stages = (0..facts.n_customers())
        .map(|c| {
            let (first, last) = (facts.first_days_raw()[c], facts.last_days_raw()[c]);
            if facts.orders()[c] == 0 {
                Stage::Prospect
            } else if last < window.first_day_at(as_of) {
                Stage::Churned
            } else if first >= new_from {
                Stage::New
            } else if is_at_risk(facts, c, as_of, &params.at_risk) {
                Stage::AtRisk
            } else if returned_within_window(columns.customer_days(c), as_of, window) {
                Stage::Reactivated
            } else {
                Stage::Active
            }
        })
        .collect();
    Ok(stages)
}

fn validate(n_customers: usize, params: &LifecycleParams<'_>) -> Result<(), MetricsError> {
    let invalid = |name, value: String, reason| Err(MetricsError::InvalidParameter { name, value, reason });
    if params.new_days == 0 {
        return invalid("new_days", "0".into(), "must be at least 1");
    }
    match params.at_risk {
        AtRiskRule::Overdue { factor } if !(factor.is_finite() && factor > 0.0) => {
            invalid("factor", factor.to_string(), "must be finite and positive")
        }
        AtRiskRule::ProbabilityAlive { p_alive, .. } if p_alive.len() != n_customers => {
            Err(MetricsError::PerCustomerLength { name: "p_alive", len: p_alive.len(), n_customers })
        }
        AtRiskRule::ProbabilityAlive { p_alive, threshold } => {
            let in_unit = |p: f64| (0.0..=1.0).contains(&p);
            if !in_unit(threshold) {
                return invalid("threshold", threshold.to_string(), "must be in [0, 1]");
            }
            match p_alive.iter().find(|&&p| !in_unit(p)) {
                Some(p) => invalid("p_alive", p.to_string(), "every probability must be in [0, 1]"),
                None => Ok(()),
            }
        }
        AtRiskRule::Overdue { .. } => Ok(()),
    }
}

fn is_at_risk(facts: &CustomerFacts, c: usize, as_of: i32, rule: &AtRiskRule<'_>) -> bool {
    match *rule {
        AtRiskRule::Overdue { factor } => facts.mean_days_between_purchase_days(c).is_some_and(|mean| {
            let since_last = f64::from(as_of - facts.last_days_raw()[c]);
            since_last > factor * mean
        }),
        AtRiskRule::ProbabilityAlive { p_alive, threshold } => p_alive[c] < threshold,
    }
}

/// True when some order day `r >= as_of − W + 1` (and `<= as_of`) follows the previous distinct
/// order day by more than W days. Scans only the orders inside the current window.
fn returned_within_window(days: &[i32], as_of: i32, window: ActivityWindow) -> bool {
    let upto = days.partition_point(|&d| d <= as_of);
    let from = window.first_day_at(as_of);
    let gap = window.days() as i32;
    let mut i = upto;
    while i > 1 && days[i - 1] >= from {
        if days[i - 1] - days[i - 2] > gap {
            return true;
        }
        i -= 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_return_counts_only_after_a_gap_longer_than_w_and_inside_the_window() {
        let w = ActivityWindow::new(10).unwrap();
        // Gap 11 > 10, return on day 20, window at 25 is 16..=25: reactivated.
        assert!(returned_within_window(&[9, 20], 25, w));
        // Gap of exactly W = 10 days: the customer was still active at the end of day 18.
        assert!(!returned_within_window(&[9, 19], 25, w));
        // Return on day 20 but as_of 30: window 21..=30 no longer holds the return.
        assert!(!returned_within_window(&[9, 20, 25], 30, w));
        // Later purchases after the return do not hide it.
        assert!(returned_within_window(&[1, 20, 22, 24], 25, w));
        // Purchases after as_of are ignored.
        assert!(!returned_within_window(&[9, 30], 25, w));
    }

    #[test]
    fn invalid_parameters_are_refused() {
        let facts = CustomerFacts::as_of(&PurchaseColumns::default(), Date::from_days(0).unwrap());
        let cols = PurchaseColumns::default();
        let mut params = LifecycleParams { new_days: 0, ..LifecycleParams::default() };
        assert!(lifecycle_stages(&cols, &facts, &params).is_err());
        params.new_days = 30;
        params.at_risk = AtRiskRule::Overdue { factor: f64::NAN };
        assert!(lifecycle_stages(&cols, &facts, &params).is_err());
        params.at_risk = AtRiskRule::ProbabilityAlive { p_alive: &[0.5], threshold: 0.3 };
        assert!(matches!(
            lifecycle_stages(&cols, &facts, &params),
            Err(MetricsError::PerCustomerLength { .. })
        ));
    }
}
