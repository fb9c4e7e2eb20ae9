//! Acquisition cohort tables (PRODUCT.md §2, issue 3 item 3): customers grouped by the calendar
//! week, month or quarter of their first purchase, followed period by period.
//!
//! One pass over the purchases with a dense day → period lookup table; no per-customer allocation.
//! Percentages are unrounded; rounding and money formatting are the faces' job.

use crate::{Date, Period, PurchaseColumns};

/// A cohort table as of a date: one row per non-empty acquisition cohort, oldest first.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CohortTable {
    /// The calendar period grouping cohorts and columns.
    pub period: Period,
    /// Only purchases on days `<= as_of` count; periods ending after it are incomplete.
    pub as_of: Date,
    /// Non-empty cohorts in chronological order (periods without a first purchase are omitted).
    pub cohorts: Vec<CohortRow>,
}

/// One acquisition cohort. Column `k` is the `k`-th period after the cohort's own period
/// (`k = 0` is the acquisition period), up to the period containing `as_of`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CohortRow {
    /// Label of the acquisition period (`1997-01`, `1997-Q1`, `1997-W01`).
    pub cohort: String,
    /// First day of the acquisition period.
    pub start: Date,
    /// Customers whose first purchase falls in the acquisition period.
    pub size: u64,
    /// `retention[k]` = customers with a purchase in period `k` / `size` × 100 (`retention[0]` = 100).
    pub retention: Vec<f64>,
    /// `customers[k]` = customers of the cohort with a purchase in period `k`.
    pub customers: Vec<u64>,
    /// `revenue_minor[k]` = revenue (minor units) of the cohort's purchases in period `k`.
    pub revenue_minor: Vec<i64>,
    /// `cumulative_revenue_per_customer[k]` = revenue of periods `0..=k` / `size`, minor units.
    pub cumulative_revenue_per_customer: Vec<f64>,
    /// `complete[k]` is false when period `k` ends after `as_of` (its numbers can still grow).
    pub complete: Vec<bool>,
}

/// Dense lookup of the period offset (from `first_period`) of each day in `[first_day, as_of]`.
struct PeriodLookup {
    first_day: i32,
    offsets: Vec<u32>,
}

impl PeriodLookup {
    fn new(period: Period, first_day: i32, as_of: i32, first_period: i32) -> Self {
        let offsets = (first_day..=as_of).map(|d| (period.index_of(d) - first_period) as u32).collect();
        Self { first_day, offsets }
    }

    #[inline]
    fn offset(&self, day: i32) -> usize {
        self.offsets[(day - self.first_day) as usize] as usize
    }
}

/// Triangular cell storage: row `c` has `n − c` cells.
struct Cells {
    n: usize,
    size: Vec<u64>,
    customers: Vec<u64>,
    revenue: Vec<i64>,
}

impl Cells {
    fn new(n: usize) -> Self {
        let total = n * (n + 1) / 2;
        Self { n, size: vec![0; n], customers: vec![0; total], revenue: vec![0; total] }
    }

    /// Flat index of cell (cohort `c`, column `k`).
    #[inline]
    fn at(&self, c: usize, k: usize) -> usize {
        c * self.n - c * (c.saturating_sub(1)) / 2 + k
    }

    fn row(&self, c: usize) -> std::ops::Range<usize> {
        self.at(c, 0)..self.at(c, 0) + (self.n - c)
    }
}

/// The cohort table of `columns` by `period`, counting purchases on days `<= as_of`.
///
/// A customer belongs to the cohort of the period of their first purchase; they count in column
/// `k` when they have at least one purchase in the `k`-th period after it (PRODUCT.md §2).
pub fn cohort_table(columns: &PurchaseColumns, period: Period, as_of: Date) -> CohortTable {
    let as_of_day = as_of.days();
    let first_day =
        columns.per_customer().filter_map(|(d, _)| d.first().copied()).filter(|&d| d <= as_of_day).min();
    let Some(first_day) = first_day else {
        return CohortTable { period, as_of, cohorts: Vec::new() };
    };
    let first_period = period.index_of(first_day);
    let n_periods = (period.index_of(as_of_day) - first_period + 1) as usize;
    let lookup = PeriodLookup::new(period, first_day, as_of_day, first_period);
    let mut cells = Cells::new(n_periods);
    for (days, revenues) in columns.per_customer() {
        add_customer(&mut cells, &lookup, days, revenues, as_of_day);
    }
    let cohorts = (0..n_periods)
        .filter(|&c| cells.size[c] > 0)
        .map(|c| cohort_row(&cells, c, period, first_period + c as i32, as_of_day))
        .collect();
    CohortTable { period, as_of, cohorts }
}

fn add_customer(cells: &mut Cells, lookup: &PeriodLookup, days: &[i32], revenues: &[i64], as_of: i32) {
    let upto = days.partition_point(|&d| d <= as_of);
    let Some(&first) = days[..upto].first() else { return };
    let cohort = lookup.offset(first);
    cells.size[cohort] += 1;
    let base = cells.at(cohort, 0);
    let mut last_column = usize::MAX;
    for (&day, &revenue) in days[..upto].iter().zip(&revenues[..upto]) {
        let column = lookup.offset(day) - cohort;
        if column != last_column {
            cells.customers[base + column] += 1;
            last_column = column;
        }
        cells.revenue[base + column] += revenue;
    }
}

fn cohort_row(cells: &Cells, c: usize, period: Period, index: i32, as_of: i32) -> CohortRow {
    let size = cells.size[c];
    let range = cells.row(c);
    let customers = cells.customers[range.clone()].to_vec();
    let revenue_minor = cells.revenue[range].to_vec();
    let retention = customers.iter().map(|&k| k as f64 / size as f64 * 100.0).collect();
    let cumulative_revenue_per_customer = revenue_minor
        .iter()
        .scan(0i64, |total, &r| {
            *total += r;
            Some(*total as f64 / size as f64)
        })
        .collect();
    let complete = (0..customers.len()).map(|k| period.last_day(index + k as i32) <= as_of).collect();
    CohortRow {
        cohort: period.label(index),
        start: Date::saturating(period.first_day(index)),
        size,
        retention,
        customers,
        revenue_minor,
        cumulative_revenue_per_customer,
        complete,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triangular_cells_do_not_overlap() {
        let cells = Cells::new(4);
        let mut seen = [false; 10];
        for c in 0..4 {
            for k in 0..4 - c {
                assert!(!std::mem::replace(&mut seen[cells.at(c, k)], true), "cell ({c}, {k}) reused");
            }
            assert_eq!(cells.row(c).len(), 4 - c);
        }
        assert!(seen.iter().all(|&s| s));
    }

    #[test]
    fn an_empty_store_has_no_cohorts() {
        let table = cohort_table(&PurchaseColumns::default(), Period::Month, Date::from_days(0).unwrap());
        assert!(table.cohorts.is_empty());
    }
}
