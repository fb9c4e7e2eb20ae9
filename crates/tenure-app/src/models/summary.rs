//! From purchase days to the models' inputs: per customer `(x, t_x, T)` in a time unit as of a
//! calibration end, the mean spend of the repeat purchase days (Gamma-Gamma's z̄), and the
//! purchase days of a holdout period — the conventions of Fader, Hardie & Lee (2005) on CDNOW.
//!
//! - only customers whose first purchase day is on or before the calibration end take part;
//! - `x` = purchase days in the calibration period − 1; `t_x` = (last − first purchase day) / unit;
//!   `T` = (calibration end − first purchase day) / unit (dates mean the end of that day);
//! - z̄ = mean revenue of the repeat purchase days (every calibration day but the first);
//! - holdout purchases = purchase days in (calibration end, holdout end].

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use tenure_domain::CustomerId;
use tenure_models::{CustomerSummary, GroupedSummaries, WeightedSummary};

use super::PurchaseDays;
use crate::AppError;
use crate::reports::Date;

/// The time unit of `t_x`, `T` and the fitted rates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TimeUnit {
    /// 7 days (the published analyses).
    #[default]
    Week,
    /// 1 day.
    Day,
    /// 365.25 / 12 days.
    Month,
}

impl TimeUnit {
    /// Length in days.
    pub fn days(self) -> f64 {
        match self {
            TimeUnit::Week => 7.0,
            TimeUnit::Day => 1.0,
            TimeUnit::Month => 365.25 / 12.0,
        }
    }

    /// This unit per average month (365.25 / 12 days), for CLV.
    pub fn per_month(self) -> f64 {
        365.25 / 12.0 / self.days()
    }
}

impl fmt::Display for TimeUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeUnit::Week => "week",
            TimeUnit::Day => "day",
            TimeUnit::Month => "month",
        })
    }
}

impl FromStr for TimeUnit {
    type Err = AppError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "week" => Ok(TimeUnit::Week),
            "day" => Ok(TimeUnit::Day),
            "month" => Ok(TimeUnit::Month),
            _ => Err(AppError::Invalid(format!("`{text}` is not a time unit (week, day or month)"))),
        }
    }
}

/// Where the calibration period ends and the holdout period (if any) ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split {
    /// Last day of the calibration period (its end).
    pub calibration_end: Date,
    /// Last day of the holdout period, after `calibration_end`.
    pub holdout_end: Option<Date>,
    /// Time unit of the summaries.
    pub unit: TimeUnit,
}

/// The models' inputs, one entry per customer who had bought by the calibration end.
#[derive(Debug, Clone, PartialEq)]
pub struct Summaries {
    /// The split they were made for.
    pub split: Split,
    /// Store ids, in store order.
    pub customers: Vec<CustomerId>,
    /// `(x, t_x, T)` per customer, in `split.unit`.
    pub rows: Vec<CustomerSummary>,
    /// Mean revenue of the repeat purchase days in the calibration period, minor units (0 when x = 0).
    pub mean_repeat_spend_minor: Vec<f64>,
    /// Purchase days in the holdout period per customer (all 0 without a holdout).
    pub holdout_purchases: Vec<u32>,
    /// Purchase days of all customers on each holdout day: index 0 is the day after the
    /// calibration end.
    pub holdout_per_day: Vec<u64>,
}

impl Summaries {
    /// Summarises `days` for `split`.
    ///
    /// # Errors
    /// [`AppError::Invalid`] when the holdout end is not after the calibration end.
    pub fn build(days: &PurchaseDays, split: Split) -> Result<Self, AppError> {
        let end = split.calibration_end.days();
        let holdout_end = split.holdout_end.map_or(end, Date::days);
        if holdout_end < end || split.holdout_end.is_some_and(|h| h.days() == end) {
            return Err(AppError::Invalid(format!(
                "the holdout end {} must come after the calibration end {}",
                split.holdout_end.map_or_else(String::new, |d| d.to_string()),
                split.calibration_end
            )));
        }
        let mut out = Summaries {
            split,
            customers: Vec::new(),
            rows: Vec::new(),
            mean_repeat_spend_minor: Vec::new(),
            holdout_purchases: Vec::new(),
            holdout_per_day: vec![0; (holdout_end - end) as usize],
        };
        for c in 0..days.len() {
            let (customer_days, spend) = days.customer(c);
            out.add(days.customer_id(c), customer_days, spend, holdout_end);
        }
        Ok(out)
    }

    fn add(&mut self, customer: CustomerId, days: &[i32], spend: &[i64], holdout_end: i32) {
        let end = self.split.calibration_end.days();
        let in_calibration = days.partition_point(|&d| d <= end);
        if in_calibration == 0 {
            return;
        }
        let unit = self.split.unit.days();
        let (first, last) = (days[0], days[in_calibration - 1]);
        let x = in_calibration - 1;
        let repeat_spend: i64 = spend[1..in_calibration].iter().sum();
        let mut holdout = 0;
        for &day in &days[in_calibration..] {
            if day <= holdout_end {
                holdout += 1;
                self.holdout_per_day[(day - end - 1) as usize] += 1;
            }
        }
        self.customers.push(customer);
        self.rows.push(CustomerSummary {
            x: x as f64,
            t_x: f64::from(last - first) / unit,
            big_t: f64::from(end - first) / unit,
        });
        self.mean_repeat_spend_minor.push(if x > 0 { repeat_spend as f64 / x as f64 } else { 0.0 });
        self.holdout_purchases.push(holdout);
    }

    /// Length of the holdout period in days (0 without one).
    pub fn holdout_days(&self) -> usize {
        self.holdout_per_day.len()
    }

    /// The distinct `(x, t_x, T)` patterns with their weights, and each customer's pattern index.
    pub fn patterns(&self) -> (Vec<WeightedSummary>, Vec<usize>) {
        let mut index: HashMap<[u64; 3], usize> = HashMap::new();
        let mut patterns: Vec<WeightedSummary> = Vec::new();
        let pattern_of = self
            .rows
            .iter()
            .map(|r| {
                let key = [r.x.to_bits(), r.t_x.to_bits(), r.big_t.to_bits()];
                match index.entry(key) {
                    Entry::Occupied(entry) => {
                        patterns[*entry.get()].weight += 1.0;
                        *entry.get()
                    }
                    Entry::Vacant(entry) => {
                        patterns.push(WeightedSummary { x: r.x, t_x: r.t_x, big_t: r.big_t, weight: 1.0 });
                        *entry.insert(patterns.len() - 1)
                    }
                }
            })
            .collect();
        (patterns, pattern_of)
    }

    /// The fitting data: identical rows grouped with weights. Customers whose first purchase is
    /// on the calibration end (T = 0) carry no information and are left out.
    pub fn grouped(&self) -> Result<GroupedSummaries, AppError> {
        let (patterns, _) = self.patterns();
        GroupedSummaries::from_weighted(patterns.into_iter().filter(|p| p.big_t > 0.0))
            .map_err(|e| AppError::Invalid(format!("the purchase summaries: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use tenure_store::PurchaseRow;

    use super::*;
    use crate::reports::ShopTimeZone;

    fn row(customer: i64, (month, day, hour, minute): (u32, u32, u32, u32), minor: i64) -> PurchaseRow {
        let placed_at = Utc.with_ymd_and_hms(2024, month, day, hour, minute, 0).unwrap();
        PurchaseRow { customer: CustomerId(customer), placed_at, revenue_minor: minor }
    }

    fn date(month: u32, day: u32) -> Date {
        Date::from_ymd(2024, month, day).unwrap()
    }

    /// Worked out by hand, calibration to 2024-01-29, holdout to 2024-02-12, in weeks:
    /// - customer 7 buys on Jan 1 (twice: 20.00 at 10:00 and 5.00 at 18:00 — one purchase day of
    ///   25.00), Jan 8 (10.00), Jan 22 (30.00), and Feb 5 (7.00, in the holdout). Calibration
    ///   days Jan 1, 8, 22: x = 2, t_x = 21 / 7 = 3, T = 28 / 7 = 4; z̄ = (10 + 30) / 2 = 20.00
    ///   (the first day's 25.00 is not a repeat purchase); 1 holdout day, on holdout day 7.
    /// - customer 8 buys once, Jan 15 at 23:30 UTC: x = 0, t_x = 0, T = 14 / 7 = 2, z̄ = 0.
    /// - customer 9 first buys on Jan 30, after the calibration end: left out.
    fn fixture() -> Vec<PurchaseRow> {
        vec![
            row(7, (1, 1, 10, 0), 2000),
            row(7, (1, 1, 18, 0), 500),
            row(7, (1, 8, 12, 0), 1000),
            row(7, (1, 22, 12, 0), 3000),
            row(7, (2, 5, 12, 0), 700),
            row(8, (1, 15, 23, 30), 4200),
            row(9, (1, 30, 12, 0), 100),
        ]
    }

    fn split() -> Split {
        Split { calibration_end: date(1, 29), holdout_end: Some(date(2, 12)), unit: TimeUnit::Week }
    }

    #[test]
    fn same_day_orders_are_one_purchase_day_with_the_days_revenue() {
        let days = PurchaseDays::from_rows(fixture(), ShopTimeZone::UTC).unwrap();
        assert_eq!(days.len(), 3);
        let (customer_days, spend) = days.customer(0);
        let expected: Vec<i32> =
            [(1, 1), (1, 8), (1, 22), (2, 5)].iter().map(|&(m, d)| date(m, d).days()).collect();
        assert_eq!(customer_days, expected.as_slice());
        assert_eq!(spend, &[2500, 1000, 3000, 700]);
    }

    #[test]
    fn the_calibration_summary_follows_the_cdnow_conventions() {
        let days = PurchaseDays::from_rows(fixture(), ShopTimeZone::UTC).unwrap();
        let s = Summaries::build(&days, split()).unwrap();
        assert_eq!(s.customers, [CustomerId(7), CustomerId(8)], "customer 9 starts after the calibration");
        assert_eq!(s.rows[0], CustomerSummary { x: 2.0, t_x: 3.0, big_t: 4.0 });
        assert_eq!(s.rows[1], CustomerSummary { x: 0.0, t_x: 0.0, big_t: 2.0 });
        assert_eq!(s.mean_repeat_spend_minor, [2000.0, 0.0]);
        assert_eq!(s.holdout_purchases, [1, 0]);
        assert_eq!(s.holdout_days(), 14);
        assert_eq!(s.holdout_per_day.iter().sum::<u64>(), 1);
        assert_eq!(s.holdout_per_day[6], 1, "Feb 5 is the 7th day after Jan 29");
    }

    #[test]
    fn days_and_months_change_only_the_unit() {
        let days = PurchaseDays::from_rows(fixture(), ShopTimeZone::UTC).unwrap();
        let in_days = Summaries::build(&days, Split { unit: TimeUnit::Day, ..split() }).unwrap();
        assert_eq!(in_days.rows[0], CustomerSummary { x: 2.0, t_x: 21.0, big_t: 28.0 });
        let in_months = Summaries::build(&days, Split { unit: TimeUnit::Month, ..split() }).unwrap();
        assert!((in_months.rows[0].big_t - 28.0 / (365.25 / 12.0)).abs() < 1e-12);
    }

    #[test]
    fn the_shop_time_zone_decides_which_orders_share_a_day() {
        // 2024-01-01 03:00 UTC is Dec 31, 22:00 in New York (UTC−5 in winter); 18:00 UTC is
        // Jan 1, 13:00 there. One purchase day in UTC, two in New York.
        let rows = || vec![row(1, (1, 1, 3, 0), 100), row(1, (1, 1, 18, 0), 200)];
        let utc = PurchaseDays::from_rows(rows(), ShopTimeZone::UTC).unwrap();
        assert_eq!(utc.customer(0), (&[date(1, 1).days()][..], &[300][..]));
        let new_york = ShopTimeZone::parse("America/New_York").unwrap();
        let local = PurchaseDays::from_rows(rows(), new_york).unwrap();
        let dec_31 = Date::from_ymd(2023, 12, 31).unwrap().days();
        assert_eq!(local.customer(0), (&[dec_31, date(1, 1).days()][..], &[100, 200][..]));
        let s = Summaries::build(
            &local,
            Split { calibration_end: date(1, 7), holdout_end: None, unit: TimeUnit::Day },
        )
        .unwrap();
        assert_eq!(s.rows[0], CustomerSummary { x: 1.0, t_x: 1.0, big_t: 7.0 });
    }

    #[test]
    fn identical_patterns_are_grouped_and_a_first_purchase_on_the_last_day_is_not_fitted() {
        let rows = vec![row(1, (1, 1, 12, 0), 100), row(2, (1, 1, 12, 0), 100), row(3, (1, 29, 12, 0), 100)];
        let days = PurchaseDays::from_rows(rows, ShopTimeZone::UTC).unwrap();
        let s = Summaries::build(&days, Split { holdout_end: None, ..split() }).unwrap();
        let (patterns, pattern_of) = s.patterns();
        assert_eq!(pattern_of, [0, 0, 1]);
        assert_eq!(patterns[0].weight, 2.0);
        let grouped = s.grouped().unwrap();
        assert_eq!((grouped.len(), grouped.total_weight()), (1, 2.0), "T = 0 carries no information");
    }

    #[test]
    fn a_holdout_ending_before_the_calibration_is_refused() {
        let days = PurchaseDays::from_rows(fixture(), ShopTimeZone::UTC).unwrap();
        let error = Summaries::build(&days, Split { holdout_end: Some(date(1, 29)), ..split() }).unwrap_err();
        assert!(error.to_string().contains("must come after the calibration end 2024-01-29"), "{error}");
    }
}
