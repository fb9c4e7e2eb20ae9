//! The retention report of PRODUCT.md §2 for one period `[start, end]`, and the same report for
//! consecutive calendar periods (a series).
//!
//! One pass over the purchase columns per report; per customer only binary searches in its own
//! sorted days. Money stays in minor units: converting to major units is the faces' job.

use crate::{Date, MetricsError, Period, PurchaseColumns};

/// The activity window W in days (PRODUCT.md §2): a customer is active at `t` when they have a paid
/// order on a day in `[t − W + 1, t]`. Default 365; valid 1..=36500.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct ActivityWindow(u32);

impl ActivityWindow {
    /// A window of `days` days, refused outside 1..=36500.
    pub fn new(days: u32) -> Result<Self, MetricsError> {
        if (1..=36_500).contains(&days) { Ok(Self(days)) } else { Err(MetricsError::InvalidWindow(days)) }
    }

    /// W in days.
    pub fn days(self) -> u32 {
        self.0
    }

    /// First day of the window ending at (the end of) day `t`: `t − W + 1`.
    pub fn first_day_at(self, t: i32) -> i32 {
        t - self.0 as i32 + 1
    }
}

impl Default for ActivityWindow {
    fn default() -> Self {
        Self(365)
    }
}

/// True when sorted `days` hold a day in `[t − W + 1, t]`; `upto` must be the number of days `<= t`.
#[inline]
pub(crate) fn active_with_upto(days: &[i32], upto: usize, t: i32, window: ActivityWindow) -> bool {
    upto > 0 && days[upto - 1] >= window.first_day_at(t)
}

/// Whether a customer with these sorted purchase days is active at the end of day `t`.
pub fn is_active_at(days: &[i32], t: i32, window: ActivityWindow) -> bool {
    active_with_upto(days, days.partition_point(|&d| d <= t), t, window)
}

/// Retention numbers for `[start, end]` (PRODUCT.md §2, issue 3 item 2).
///
/// Dates mean the end of their day. Rates are percentages, unrounded, and `None` when their
/// denominator is zero (never NaN). JSON field names are exactly those of the issue's
/// `tenure report retention --json` contract; the extra totals below are not serialised.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RetentionReport {
    /// Start of the period (end of that day).
    pub start: Date,
    /// End of the period (end of that day).
    pub end: Date,
    /// W, the activity window in days.
    pub window_days: u32,
    /// S = customers active at `start`.
    #[serde(rename = "S")]
    pub s: u64,
    /// E = customers active at `end`.
    #[serde(rename = "E")]
    pub e: u64,
    /// N = customers whose first purchase (ever) is on a day in `(start, end]`.
    #[serde(rename = "N")]
    pub n: u64,
    /// Customers active at `start` and not active at `end`.
    pub lost: u64,
    /// Customer retention rate `(E − N) / S × 100`; may be negative when W is shorter than the
    /// period (new customers can lapse before `end`). `None` when S = 0.
    pub crr: Option<f64>,
    /// Churn rate `lost / S × 100`; `None` when S = 0.
    pub churn_rate: Option<f64>,
    /// Cohort-exact retention `|active(start) ∩ active(end)| / S × 100`; `None` when S = 0.
    pub cohort_exact_retention: Option<f64>,
    /// Among customers with an order on a day in `[start, end]` (both ends included), the share
    /// with at least two such orders, × 100. `None` when nobody ordered in the period.
    pub repeat_purchase_rate: Option<f64>,
    /// Orders in `[start, end]` per customer with an order in `[start, end]`.
    pub purchase_frequency: Option<f64>,
    /// Revenue of orders in `[start, end]` / their number, in minor units.
    pub average_order_value: Option<f64>,
    /// Customers active at both `start` and `end`.
    #[serde(skip)]
    pub retained: u64,
    /// Customers with at least one order in `[start, end]`.
    #[serde(skip)]
    pub ordering_customers: u64,
    /// Orders in `[start, end]`.
    #[serde(skip)]
    pub orders: u64,
    /// Revenue of orders in `[start, end]`, minor units.
    #[serde(skip)]
    pub revenue_minor: i64,
    /// Mean time between orders: the mean gap in days between a customer's consecutive orders,
    /// over all pairs of consecutive orders that both fall in `[start, end]` (pooled over
    /// customers; orders on the same day have gap 0). `None` when there is no such pair.
    /// Not part of the JSON contract, hence not serialised.
    #[serde(skip)]
    pub mean_days_between_orders: Option<f64>,
}

/// A customer's sorted days split at a period: `days[..lo] < start`, `days[lo..upto_start] == start`,
/// `days[upto_start..hi]` in `(start, end]`, `days[hi..] > end`.
#[derive(Clone, Copy)]
struct Split {
    lo: usize,
    upto_start: usize,
    hi: usize,
}

/// Counters accumulated over customers in one pass.
#[derive(Default)]
struct Tally {
    s: u64,
    e: u64,
    n: u64,
    retained: u64,
    ordering_customers: u64,
    repeaters: u64,
    orders: u64,
    revenue: i64,
    gap_days: i64,
    gaps: u64,
}

impl Tally {
    fn add_customer(&mut self, days: &[i32], revenues: &[i64], start: i32, end: i32, window: ActivityWindow) {
        if days.is_empty() {
            return;
        }
        let lo = days.partition_point(|&d| d < start);
        let upto_start = lo + days[lo..].partition_point(|&d| d <= start);
        let hi = upto_start + days[upto_start..].partition_point(|&d| d <= end);
        self.add_split(days, revenues, Split { lo, upto_start, hi }, start, end, window);
    }

    /// Adds a non-empty customer history already split at `start` and `end`.
    fn add_split(
        &mut self,
        days: &[i32],
        revenues: &[i64],
        Split { lo, upto_start, hi }: Split,
        start: i32,
        end: i32,
        window: ActivityWindow,
    ) {
        let at_start = active_with_upto(days, upto_start, start, window);
        let at_end = active_with_upto(days, hi, end, window);
        self.s += u64::from(at_start);
        self.e += u64::from(at_end);
        self.retained += u64::from(at_start && at_end);
        self.n += u64::from(days[0] > start && days[0] <= end);
        let in_period = (hi - lo) as u64;
        if in_period > 0 {
            self.ordering_customers += 1;
            self.repeaters += u64::from(in_period >= 2);
            self.orders += in_period;
            self.revenue += revenues[lo..hi].iter().sum::<i64>();
            self.gap_days += i64::from(days[hi - 1] - days[lo]);
            self.gaps += in_period - 1;
        }
    }

    fn into_report(self, start: Date, end: Date, window: ActivityWindow) -> RetentionReport {
        let pct = |num: f64, den: u64| (den > 0).then(|| num / den as f64 * 100.0);
        let ratio = |num: f64, den: u64| (den > 0).then(|| num / den as f64);
        let lost = self.s - self.retained;
        RetentionReport {
            start,
            end,
            window_days: window.days(),
            s: self.s,
            e: self.e,
            n: self.n,
            lost,
            crr: pct(self.e as f64 - self.n as f64, self.s),
            churn_rate: pct(lost as f64, self.s),
            cohort_exact_retention: pct(self.retained as f64, self.s),
            repeat_purchase_rate: pct(self.repeaters as f64, self.ordering_customers),
            purchase_frequency: ratio(self.orders as f64, self.ordering_customers),
            average_order_value: ratio(self.revenue as f64, self.orders),
            retained: self.retained,
            ordering_customers: self.ordering_customers,
            orders: self.orders,
            revenue_minor: self.revenue,
            mean_days_between_orders: ratio(self.gap_days as f64, self.gaps),
        }
    }
}

/// The retention report for `[start, end]` with activity window `window` (PRODUCT.md §2).
///
/// * S, E: customers active at the end of day `start` / `end`;
/// * N: customers whose first purchase is on a day in `(start, end]`;
/// * lost = S − |active(start) ∩ active(end)|;
/// * order-based numbers (repeat rate, frequency, AOV, time between orders) count the orders on
///   days in `[start, end]`, both ends included.
///
/// `start == end` is allowed (E = S, N = 0). Errors when `start > end`.
pub fn retention_report(
    columns: &PurchaseColumns,
    start: Date,
    end: Date,
    window: ActivityWindow,
) -> Result<RetentionReport, MetricsError> {
    if start > end {
        return Err(MetricsError::StartAfterEnd { start, end });
    }
    let mut tally = Tally::default();
    for (days, revenues) in columns.per_customer() {
        tally.add_customer(days, revenues, start.days(), end.days(), window);
    }
    Ok(tally.into_report(start, end, window))
}

/// The calendar periods of a series: every `every` period overlapping `[from, to]`, clipped to it.
///
/// Each period is `[first day, last day]` of its week/month/quarter, so every order falls in
/// exactly one row; the first row starts at `from` and the last ends at `to`.
pub fn series_periods(from: Date, to: Date, every: Period) -> Result<Vec<(Date, Date)>, MetricsError> {
    if from > to {
        return Err(MetricsError::StartAfterEnd { start: from, end: to });
    }
    let (first, last) = (every.index_of(from.days()), every.index_of(to.days()));
    (first..=last)
        .map(|p| {
            let start = every.first_day(p).max(from.days());
            let end = every.last_day(p).min(to.days());
            Ok((Date::from_days(start)?, Date::from_days(end)?))
        })
        .collect()
}

/// Retention over time: [`retention_report`] for each period of [`series_periods`].
///
/// Row `i` is exactly the report for its `[start, end]`: S is measured at the end of the period's
/// first day, so a customer acquired on that first day is in S, not in N.
pub fn retention_series(
    columns: &PurchaseColumns,
    from: Date,
    to: Date,
    every: Period,
    window: ActivityWindow,
) -> Result<Vec<RetentionReport>, MetricsError> {
    let periods = series_periods(from, to, every)?;
    let bounds: Vec<(i32, i32)> = periods.iter().map(|(s, e)| (s.days(), e.days())).collect();
    let mut tallies: Vec<Tally> = bounds.iter().map(|_| Tally::default()).collect();
    for (days, revenues) in columns.per_customer() {
        sweep_customer(&mut tallies, &bounds, days, revenues, window);
    }
    Ok(tallies.into_iter().zip(periods).map(|(t, (start, end))| t.into_report(start, end, window)).collect())
}

/// Adds one customer to every period's tally in a single forward sweep over its days: periods
/// before its first purchase and after its last activity are skipped (they would add nothing).
fn sweep_customer(
    tallies: &mut [Tally],
    bounds: &[(i32, i32)],
    days: &[i32],
    revenues: &[i64],
    window: ActivityWindow,
) {
    let (Some(&first), Some(&last)) = (days.first(), days.last()) else { return };
    let skip = bounds.partition_point(|&(_, end)| end < first);
    let mut lo = 0;
    for (tally, &(start, end)) in tallies.iter_mut().zip(bounds).skip(skip) {
        if window.first_day_at(start) > last {
            break;
        }
        lo += days[lo..].iter().take_while(|&&d| d < start).count();
        let upto_start = lo + days[lo..].iter().take_while(|&&d| d <= start).count();
        let hi = upto_start + days[upto_start..].iter().take_while(|&&d| d <= end).count();
        tally.add_split(days, revenues, Split { lo, upto_start, hi }, start, end, window);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn activity_is_a_purchase_in_the_last_w_days_including_t() {
        let w = ActivityWindow::new(10).unwrap();
        // Window at t = 20 is days 11..=20.
        assert!(is_active_at(&[11], 20, w));
        assert!(!is_active_at(&[10], 20, w));
        assert!(is_active_at(&[20], 20, w));
        assert!(!is_active_at(&[21], 20, w));
        assert!(!is_active_at(&[], 20, w));
    }

    #[test]
    fn windows_outside_one_day_to_a_century_are_refused() {
        assert!(ActivityWindow::new(0).is_err());
        assert!(ActivityWindow::new(36_501).is_err());
        assert_eq!(ActivityWindow::default().days(), 365);
    }

    #[test]
    fn a_period_that_ends_before_it_starts_is_refused() {
        let cols = PurchaseColumns::default();
        let err = retention_report(&cols, date("2024-02-01"), date("2024-01-01"), ActivityWindow::default());
        assert!(matches!(err, Err(MetricsError::StartAfterEnd { .. })));
    }

    #[test]
    fn series_periods_are_calendar_periods_clipped_to_the_range() {
        let periods = series_periods(date("2024-01-15"), date("2024-03-10"), Period::Month).unwrap();
        let expected = [
            (date("2024-01-15"), date("2024-01-31")),
            (date("2024-02-01"), date("2024-02-29")),
            (date("2024-03-01"), date("2024-03-10")),
        ];
        assert_eq!(periods, expected);
    }
}
