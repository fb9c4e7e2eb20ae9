//! The data the continuous-time models consume: one `(x, t_x, T)` summary per customer, and the
//! grouped form in which identical summaries are collapsed into one weighted row.
//!
//! Grouping makes the cost of a likelihood evaluation scale with the number of distinct
//! patterns; the grouped form also indexes the distinct values of `x`, so terms that depend on
//! `x` alone (ln Γ(r + x), ψ(r + x), …) are computed once per value. Building these from orders
//! (purchase days, calibration split) is the caller's job, not this crate's.

use std::collections::HashMap;

use serde::Serialize;

use crate::ModelError;

/// One customer's purchase history in a calibration period, in the notation of Fader, Hardie &
/// Lee (2005): `x` repeat purchases, the last at `t_x`, observed for `T` time units after the
/// first purchase (time zero).
///
/// Valid: all finite, `x ≥ 0`, `0 ≤ t_x ≤ T`, `T > 0` (`t_x = 0` when `x = 0`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CustomerSummary {
    /// Number of repeat purchases (purchases after the first), usually an integer.
    pub x: f64,
    /// Recency: time from the first to the last purchase (0 when `x = 0`).
    pub t_x: f64,
    /// Age: time from the first purchase to the end of the observation period ("T").
    pub big_t: f64,
}

/// A customer summary with a weight: the number of customers sharing it (any finite value ≥ 0).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct WeightedSummary {
    /// Number of repeat purchases.
    pub x: f64,
    /// Time of the last purchase, measured from the first.
    pub t_x: f64,
    /// Observation length after the first purchase ("T").
    pub big_t: f64,
    /// How many customers this row stands for.
    pub weight: f64,
}

/// Validated, grouped summaries: identical `(x, t_x, T)` collapsed into weighted rows (in order
/// of first appearance) plus an index of the distinct `x` values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupedSummaries {
    rows: Vec<WeightedSummary>,
    x_levels: Vec<f64>,
    x_level_of_row: Vec<usize>,
    time_levels: Vec<f64>,
    time_levels_of_row: Vec<[usize; 2]>,
}

impl GroupedSummaries {
    /// Validates and groups one summary per customer (each with weight 1).
    ///
    /// # Errors
    /// [`ModelError::InvalidData`] naming the first row outside the valid range.
    pub fn from_customers(customers: &[CustomerSummary]) -> Result<Self, ModelError> {
        Self::from_weighted(customers.iter().map(|c| WeightedSummary {
            x: c.x,
            t_x: c.t_x,
            big_t: c.big_t,
            weight: 1.0,
        }))
    }

    /// Validates and groups weighted rows; rows with identical `(x, t_x, T)` have their weights
    /// added. Rows of weight zero are kept out.
    ///
    /// # Errors
    /// [`ModelError::InvalidData`] naming the first row outside the valid range.
    pub fn from_weighted(rows: impl IntoIterator<Item = WeightedSummary>) -> Result<Self, ModelError> {
        let mut grouped = GroupedSummaries::default();
        let mut pattern_index: HashMap<[u64; 3], usize> = HashMap::new();
        let mut level_index: HashMap<u64, usize> = HashMap::new();
        let mut time_index: HashMap<u64, usize> = HashMap::new();
        for (row, summary) in rows.into_iter().enumerate() {
            validate(row, &summary)?;
            if summary.weight == 0.0 {
                continue;
            }
            let key = [key_bits(summary.x), key_bits(summary.t_x), key_bits(summary.big_t)];
            if let Some(&i) = pattern_index.get(&key) {
                grouped.rows[i].weight += summary.weight;
                continue;
            }
            let level = *level_index.entry(key[0]).or_insert_with(|| {
                grouped.x_levels.push(summary.x);
                grouped.x_levels.len() - 1
            });
            let mut time_level = |bits: u64, value: f64| {
                *time_index.entry(bits).or_insert_with(|| {
                    grouped.time_levels.push(value);
                    grouped.time_levels.len() - 1
                })
            };
            let times = [time_level(key[1], summary.t_x), time_level(key[2], summary.big_t)];
            pattern_index.insert(key, grouped.rows.len());
            grouped.rows.push(summary);
            grouped.x_level_of_row.push(level);
            grouped.time_levels_of_row.push(times);
        }
        Ok(grouped)
    }

    /// The distinct weighted rows.
    pub fn rows(&self) -> &[WeightedSummary] {
        &self.rows
    }

    /// The distinct values of `x`, in order of first appearance.
    pub fn x_levels(&self) -> &[f64] {
        &self.x_levels
    }

    /// For each row, the index of its `x` in [`Self::x_levels`].
    pub fn x_level_of_row(&self) -> &[usize] {
        &self.x_level_of_row
    }

    /// The distinct values taken by `t_x` or `T` (one list for both), in order of appearance.
    /// Terms such as ln(α + t) are computed once per value.
    pub fn time_levels(&self) -> &[f64] {
        &self.time_levels
    }

    /// For each row, the indices of its `t_x` and its `T` in [`Self::time_levels`].
    pub fn time_levels_of_row(&self) -> &[[usize; 2]] {
        &self.time_levels_of_row
    }

    /// The number of distinct rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when there are no rows of positive weight.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The total weight (the number of customers when weights are counts).
    pub fn total_weight(&self) -> f64 {
        self.rows.iter().map(|r| r.weight).sum()
    }
}

/// Bit pattern used as a grouping key; −0.0 and 0.0 group together.
fn key_bits(v: f64) -> u64 {
    if v == 0.0 { 0 } else { v.to_bits() }
}

fn validate(row: usize, s: &WeightedSummary) -> Result<(), ModelError> {
    let fail = |message: String| Err(ModelError::InvalidData { row, message });
    let values = [s.x, s.t_x, s.big_t, s.weight];
    if values.iter().any(|v| !v.is_finite()) {
        return fail(format!(
            "values must be finite, got x = {}, t_x = {}, T = {}, weight = {}",
            s.x, s.t_x, s.big_t, s.weight
        ));
    }
    if s.x < 0.0 {
        return fail(format!("x = {} is negative", s.x));
    }
    if s.big_t <= 0.0 {
        return fail(format!("T = {} must be positive", s.big_t));
    }
    if s.t_x < 0.0 || s.t_x > s.big_t {
        return fail(format!("t_x = {} must lie in [0, T = {}]", s.t_x, s.big_t));
    }
    if s.weight < 0.0 {
        return fail(format!("weight = {} is negative", s.weight));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customer(x: f64, t_x: f64, big_t: f64) -> CustomerSummary {
        CustomerSummary { x, t_x, big_t }
    }

    #[test]
    fn identical_summaries_collapse_into_one_weighted_row() {
        let data = [
            customer(0.0, 0.0, 10.0),
            customer(2.0, 5.0, 10.0),
            customer(0.0, 0.0, 10.0),
            customer(2.0, 6.0, 10.0),
        ];
        let grouped = GroupedSummaries::from_customers(&data).unwrap();
        assert_eq!(grouped.len(), 3);
        assert_eq!(grouped.rows()[0].weight, 2.0);
        assert_eq!(grouped.total_weight(), 4.0);
        assert_eq!(grouped.x_levels(), &[0.0, 2.0]);
        assert_eq!(grouped.x_level_of_row(), &[0, 1, 1]);
        assert_eq!(grouped.time_levels(), &[0.0, 10.0, 5.0, 6.0]);
        assert_eq!(grouped.time_levels_of_row(), &[[0, 1], [2, 1], [3, 1]]);
    }

    #[test]
    fn rejects_recency_beyond_age_and_names_the_row() {
        let data = [customer(1.0, 1.0, 2.0), customer(1.0, 3.0, 2.0)];
        let err = GroupedSummaries::from_customers(&data).unwrap_err();
        assert!(matches!(err, ModelError::InvalidData { row: 1, .. }), "{err}");
    }

    #[test]
    fn rejects_negative_counts_non_positive_age_and_nan() {
        assert!(GroupedSummaries::from_customers(&[customer(-1.0, 0.0, 1.0)]).is_err());
        assert!(GroupedSummaries::from_customers(&[customer(0.0, 0.0, 0.0)]).is_err());
        assert!(GroupedSummaries::from_customers(&[customer(f64::NAN, 0.0, 1.0)]).is_err());
    }

    #[test]
    fn drops_rows_of_zero_weight() {
        let rows = [WeightedSummary { x: 1.0, t_x: 1.0, big_t: 2.0, weight: 0.0 }];
        assert!(GroupedSummaries::from_weighted(rows).unwrap().is_empty());
    }
}
