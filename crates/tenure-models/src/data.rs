//! The data the continuous-time models consume: one `(x, t_x, T)` summary per customer, and the
//! grouped form in which identical summaries are collapsed into one weighted row.
//!
//! Grouping makes the cost of a likelihood evaluation scale with the number of distinct
//! patterns; the grouped form also indexes the distinct values of `x`, so terms that depend on
//! `x` alone (ln Γ(r + x), ψ(r + x), …) are computed once per value. Building these from orders
//! (purchase days, calibration split) is the caller's job, not this crate's.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

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

/// Validated, grouped summaries: identical `(x, t_x, T)` collapsed into weighted rows, kept as
/// columns — each row's weight and the indices of its `x`, `t_x` and `T` among the distinct
/// values (a fit reads a row's weight and level indices; a third of the memory of whole rows).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupedSummaries {
    weights: Vec<f64>,
    x_levels: Vec<f64>,
    x_level_of_row: Vec<u32>,
    /// The total weight of the rows of each x level.
    x_level_weights: Vec<f64>,
    time_levels: Vec<f64>,
    time_levels_of_row: Vec<[u32; 2]>,
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
        let rows: Vec<WeightedSummary> = rows.into_iter().collect();
        for (row, summary) in rows.iter().enumerate() {
            validate(row, summary)?;
        }
        // The total weight of each distinct pattern, stored at the pattern's first row (NaN
        // elsewhere): the hashing, most of the work, is split over the cores by key.
        let mut weight_at_first = vec![f64::NAN; rows.len()];
        let shards = crate::parallel::workers().min(rows.len().div_ceil(SHARD_FROM_ROWS)).max(1);
        if shards == 1 {
            for (first, weight) in distinct_patterns(&rows, 0, 1) {
                weight_at_first[first] = weight;
            }
        } else {
            use rayon::prelude::*;
            let found: Vec<Vec<(usize, f64)>> =
                (0..shards).into_par_iter().map(|shard| distinct_patterns(&rows, shard, shards)).collect();
            for (first, weight) in found.into_iter().flatten() {
                weight_at_first[first] = weight;
            }
        }
        let distinct = rows.iter().zip(&weight_at_first).filter(|(_, w)| !w.is_nan());
        Ok(Self::from_distinct(distinct.map(|(summary, &weight)| WeightedSummary { weight, ..*summary })))
    }

    /// Rows given as indices into `x_levels` and `time_levels` (`[x, t_x, T]`) with their
    /// weights, already distinct and of positive weight (as [`crate::patterns::PatternGrouper`]
    /// makes them), in the order to keep; each is validated.
    pub(crate) fn from_levels(
        x_levels: Vec<f64>,
        time_levels: Vec<f64>,
        rows: impl Iterator<Item = ([u32; 3], f64)>,
    ) -> Result<Self, ModelError> {
        let mut grouped = GroupedSummaries { x_levels, time_levels, ..GroupedSummaries::default() };
        let capacity = rows.size_hint().1.unwrap_or(rows.size_hint().0);
        grouped.weights.reserve(capacity);
        grouped.x_level_of_row.reserve(capacity);
        grouped.time_levels_of_row.reserve(capacity);
        grouped.x_level_weights = vec![0.0; grouped.x_levels.len()];
        for (index, ([x, t_x, big_t], weight)) in rows.enumerate() {
            let summary = WeightedSummary {
                x: grouped.x_levels[x as usize],
                t_x: grouped.time_levels[t_x as usize],
                big_t: grouped.time_levels[big_t as usize],
                weight,
            };
            validate(index, &summary)?;
            grouped.weights.push(weight);
            grouped.x_level_of_row.push(x);
            grouped.x_level_weights[x as usize] += weight;
            grouped.time_levels_of_row.push([t_x, big_t]);
        }
        Ok(grouped)
    }

    /// Indexes rows already known to be distinct, valid and of positive weight: the `x` levels
    /// and the time levels.
    fn from_distinct(rows: impl Iterator<Item = WeightedSummary>) -> Self {
        let mut grouped = GroupedSummaries::default();
        let mut level_index: FastMap<u64, u32> = FastMap::default();
        let mut time_index: FastMap<u64, u32> = FastMap::default();
        let new_id = |count: usize| u32::try_from(count).expect("fewer than 2³² distinct values");
        for summary in rows {
            let level = *level_index.entry(key_bits(summary.x)).or_insert_with(|| {
                grouped.x_levels.push(summary.x);
                grouped.x_level_weights.push(0.0);
                new_id(grouped.x_levels.len() - 1)
            });
            let mut time_level = |value: f64| {
                *time_index.entry(key_bits(value)).or_insert_with(|| {
                    grouped.time_levels.push(value);
                    new_id(grouped.time_levels.len() - 1)
                })
            };
            let times = [time_level(summary.t_x), time_level(summary.big_t)];
            grouped.weights.push(summary.weight);
            grouped.x_level_of_row.push(level);
            grouped.x_level_weights[level as usize] += summary.weight;
            grouped.time_levels_of_row.push(times);
        }
        grouped
    }

    /// The distinct weighted rows, in order.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = WeightedSummary> + '_ {
        (0..self.len()).map(|i| self.row(i))
    }

    /// Row `i` (panics past [`Self::len`]).
    pub fn row(&self, i: usize) -> WeightedSummary {
        let [t_x, big_t] = self.time_levels_of_row[i];
        WeightedSummary {
            x: self.x_levels[self.x_level_of_row[i] as usize],
            t_x: self.time_levels[t_x as usize],
            big_t: self.time_levels[big_t as usize],
            weight: self.weights[i],
        }
    }

    /// Each row's weight.
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// The distinct values of `x`, in order of first appearance.
    pub fn x_levels(&self) -> &[f64] {
        &self.x_levels
    }

    /// For each row, the index of its `x` in [`Self::x_levels`].
    pub fn x_level_of_row(&self) -> &[u32] {
        &self.x_level_of_row
    }

    /// For each `x` level, the total weight of its rows.
    pub fn x_level_weights(&self) -> &[f64] {
        &self.x_level_weights
    }

    /// The distinct values taken by `t_x` or `T` (one list for both), in order of appearance.
    /// Terms such as ln(α + t) are computed once per value.
    pub fn time_levels(&self) -> &[f64] {
        &self.time_levels
    }

    /// For each row, the indices of its `t_x` and its `T` in [`Self::time_levels`].
    pub fn time_levels_of_row(&self) -> &[[u32; 2]] {
        &self.time_levels_of_row
    }

    /// The number of distinct rows.
    pub fn len(&self) -> usize {
        self.weights.len()
    }

    /// True when there are no rows of positive weight.
    pub fn is_empty(&self) -> bool {
        self.weights.is_empty()
    }

    /// The total weight (the number of customers when weights are counts).
    pub fn total_weight(&self) -> f64 {
        // The levels' weights: a few hundred numbers where the rows are hundreds of thousands.
        self.x_level_weights.iter().sum()
    }
}

/// What the transaction models predict for one row of a [`GroupedSummaries`] (see
/// `bgnbd::predict_rows`, `pareto_nbd::predict_rows`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RowPrediction {
    /// P(alive | x, t_x, T), in [0, 1].
    pub probability_alive: f64,
    /// Expected purchases in the next t time units.
    pub expected_purchases: f64,
}

/// The distinct (x, t) pairs of a data set, t being a t_x or a T: the costly terms of the
/// Pareto/NBD likelihood (two ₂F₁ per customer) and of the BG/NBD conditional expectation (one
/// ₂F₁, at T) depend on nothing else, so they are evaluated once per pair. On a million
/// simulated customers there are about 44,000 pairs for 613,000 terms.
pub(crate) struct PairIndex {
    /// (x, t) of each pair.
    pub pairs: Vec<(f64, f64)>,
    /// For each row, the pair of (x, t_x) (`u32::MAX` when recency was not asked for) and the
    /// pair of (x, T).
    pub row_pairs: Vec<[u32; 2]>,
}

/// Largest x-levels × time-levels table indexed densely; beyond it a hash map is used.
const DENSE_PAIR_TABLE: usize = 1 << 24;

impl PairIndex {
    pub(crate) fn new(data: &GroupedSummaries, with_recency: bool) -> Self {
        let (x_levels, time_levels) = (data.x_levels(), data.time_levels());
        let width = time_levels.len();
        let dense = x_levels.len().saturating_mul(width) <= DENSE_PAIR_TABLE;
        let mut table = if dense { vec![u32::MAX; x_levels.len() * width] } else { Vec::new() };
        let mut map = std::collections::HashMap::new();
        let mut pairs = Vec::new();
        let mut id = |level: usize, time: usize| {
            let slot = if dense {
                &mut table[level * width + time]
            } else {
                map.entry((level, time)).or_insert(u32::MAX)
            };
            if *slot == u32::MAX {
                *slot = u32::try_from(pairs.len()).expect("fewer than 2³² distinct pairs");
                pairs.push((x_levels[level], time_levels[time]));
            }
            *slot
        };
        let row_pairs = data
            .x_level_of_row()
            .iter()
            .zip(data.time_levels_of_row())
            .map(|(&level, &[tx, t])| {
                let (level, tx, t) = (level as usize, tx as usize, t as usize);
                [if with_recency { id(level, tx) } else { u32::MAX }, id(level, t)]
            })
            .collect();
        PairIndex { pairs, row_pairs }
    }
}

/// Data sets with fewer distinct rows than this are fitted without a pilot.
const PILOT_FROM_ROWS: usize = 8_000;
/// About how many rows a pilot sample of a large data set has.
const PILOT_ROWS: usize = 12_000;
/// The pilot keeps at most one row in this many (a larger sample would cost most of a full fit).
const MIN_PILOT_STEP: usize = 4;
/// About how many rows the quasi-Newton pilot has when Newton's method finishes the fit: it only
/// has to bring Newton's method within reach, which a smaller sample does at a quarter of the
/// cost.
const NEWTON_PILOT_ROWS: usize = 3_000;
/// With this many distinct rows or more, Newton's method first refines the pilot's optimum on
/// every [`MIDDLE_STEP`]-th row: the full data's gradient there is about half what it is at the
/// small pilot's optimum, so the full data need one Newton pass fewer (on a million simulated
/// customers, three passes where they needed four).
const MIDDLE_FROM_ROWS: usize = 100_000;
const MIDDLE_STEP: usize = 10;

impl GroupedSummaries {
    /// The pilot samples to fit before the full data, smallest first: for now the one of
    /// [`Self::pilot_sample`]. Nested samples (a sample of the sample) were tried and made the
    /// Pareto/NBD fit of 20,000 simulated customers slower (11 full-data iterations instead of 5).
    pub(crate) fn pilot_samples(&self) -> Vec<GroupedSummaries> {
        self.pilot_sample().into_iter().collect()
    }

    /// A weighted sample of the rows for a pilot fit, or `None` when the data are small enough to
    /// fit directly: [`Self::sample_every`] k-th row, k = rows / [`PILOT_ROWS`] but at least
    /// [`MIN_PILOT_STEP`].
    pub(crate) fn pilot_sample(&self) -> Option<GroupedSummaries> {
        (self.len() >= PILOT_FROM_ROWS)
            .then(|| self.sample_every((self.len() / PILOT_ROWS).max(MIN_PILOT_STEP)))
    }

    /// The samples of a fit that Newton's method finishes (BG/NBD): a pilot of about
    /// [`NEWTON_PILOT_ROWS`] rows for the quasi-Newton start, and for data of at least
    /// [`MIDDLE_FROM_ROWS`] rows a middle sample on which Newton's method refines the pilot's
    /// optimum before the full data. Both `None` for small data.
    pub(crate) fn newton_pilot_samples(&self) -> (Option<GroupedSummaries>, Option<GroupedSummaries>) {
        if self.len() < PILOT_FROM_ROWS {
            return (None, None);
        }
        let pilot = self.sample_every((self.len() / NEWTON_PILOT_ROWS).max(MIN_PILOT_STEP));
        let middle = (self.len() >= MIDDLE_FROM_ROWS).then(|| self.sample_every(MIDDLE_STEP));
        (Some(pilot), middle)
    }

    /// A weighted sample of about one row in `step`: rows of weight ≥ `step` are all kept; of the
    /// others every `step`-th is kept with its weight multiplied by `step` (systematic sampling
    /// with Horvitz–Thompson weights, so every total the likelihood sums is estimated without
    /// bias).
    pub(crate) fn sample_every(&self, step: usize) -> GroupedSummaries {
        let step_weight = step as f64;
        let mut sample = GroupedSummaries::default();
        // The sample's level ids, by the full data's (levels keep their order of first appearance).
        let mut x_ids = vec![u32::MAX; self.x_levels.len()];
        let mut time_ids = vec![u32::MAX; self.time_levels.len()];
        // Light rows until the next one kept (a countdown: a division per row cost milliseconds).
        let mut until_kept = step;
        for (i, &row_weight) in self.weights.iter().enumerate() {
            let weight = if row_weight >= step_weight {
                row_weight
            } else {
                until_kept -= 1;
                if until_kept > 0 {
                    continue;
                }
                until_kept = step;
                row_weight * step_weight
            };
            let x = sample_id(&mut x_ids, self.x_level_of_row[i], &self.x_levels, &mut sample.x_levels);
            if sample.x_level_weights.len() < sample.x_levels.len() {
                sample.x_level_weights.push(0.0);
            }
            sample.x_level_weights[x as usize] += weight;
            let [tx, t] = self.time_levels_of_row[i];
            let mut time = |id| sample_id(&mut time_ids, id, &self.time_levels, &mut sample.time_levels);
            let times = [time(tx), time(t)];
            sample.weights.push(weight);
            sample.x_level_of_row.push(x);
            sample.time_levels_of_row.push(times);
        }
        sample
    }
}

/// The id in a sample of the level `id` of the full data: the next free one the first time.
fn sample_id(ids: &mut [u32], id: u32, values: &[f64], sample_values: &mut Vec<f64>) -> u32 {
    let slot = &mut ids[id as usize];
    if *slot == u32::MAX {
        *slot = sample_values.len() as u32;
        sample_values.push(values[id as usize]);
    }
    *slot
}

/// A hash map keyed by bit patterns with a cheap hash: grouping a million rows is a million
/// lookups, and the default SipHash (built to resist adversarial keys, which a summary file
/// cannot usefully be) took most of the grouping time.
type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<BitsHasher>>;

/// Multiply–rotate combining of 64-bit words, finished with the splitmix64 mixer (Steele, Lea &
/// Flood 2014) so that every output bit depends on every input bit (integer-valued floats have
/// all-zero low bits, which a bare multiplicative hash would keep).
#[derive(Debug, Default, Clone, Copy)]
struct BitsHasher(u64);

impl BitsHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

impl Hasher for BitsHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0_u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, word: u64) {
        self.add(word);
    }

    fn finish(&self) -> u64 {
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// Below this many rows per shard, grouping stays on one thread.
const SHARD_FROM_ROWS: usize = 50_000;

/// The distinct patterns of positive weight among `rows` whose key hash falls in `shard` (of
/// `shards`): the index of each pattern's first row and its total weight, summed in row order.
fn distinct_patterns(rows: &[WeightedSummary], shard: usize, shards: usize) -> Vec<(usize, f64)> {
    // Real and simulated summaries have about one distinct row in three: reserving that much
    // saves most of the rehashing.
    let capacity = rows.len() / (3 * shards);
    let mut index: FastMap<(u64, u64, u64), usize> =
        FastMap::with_capacity_and_hasher(capacity, BuildHasherDefault::default());
    let mut found: Vec<(usize, f64)> = Vec::with_capacity(capacity);
    for (row, summary) in rows.iter().enumerate() {
        if summary.weight == 0.0 {
            continue;
        }
        let key = (key_bits(summary.x), key_bits(summary.t_x), key_bits(summary.big_t));
        if shards > 1 && shard_of(key, shards) != shard {
            continue;
        }
        match index.entry(key) {
            std::collections::hash_map::Entry::Occupied(slot) => found[*slot.get()].1 += summary.weight,
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(found.len());
                found.push((row, summary.weight));
            }
        }
    }
    found
}

/// Which shard a key belongs to (a different mix from the map's own, so that each shard's map
/// still sees well-spread hashes).
fn shard_of((x, t_x, big_t): (u64, u64, u64), shards: usize) -> usize {
    let mixed = (x ^ t_x.rotate_left(21) ^ big_t.rotate_left(42)).wrapping_mul(0xd6e8_feb8_6659_fd93);
    ((mixed >> 32) % shards as u64) as usize
}

/// Bit pattern used as a grouping key; −0.0 and 0.0 group together.
pub(crate) fn key_bits(v: f64) -> u64 {
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
        assert_eq!(grouped.row(0).weight, 2.0);
        assert_eq!(grouped.total_weight(), 4.0);
        assert_eq!(grouped.x_levels(), &[0.0, 2.0]);
        assert_eq!(grouped.x_level_of_row(), &[0, 1, 1]);
        assert_eq!(grouped.time_levels(), &[0.0, 10.0, 5.0, 6.0]);
        assert_eq!(grouped.time_levels_of_row(), &[[0, 1], [2, 1], [3, 1]]);
        assert_eq!(grouped.x_level_weights(), &[2.0, 2.0]);
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
    fn pilot_sample_keeps_heavy_rows_and_estimates_the_total_weight() {
        let rows = (0..100_000).map(|i| WeightedSummary {
            x: f64::from(i % 7),
            t_x: f64::from(i % 7),
            big_t: 10.0 + f64::from(i) * 1e-3,
            weight: if i == 5 { 1000.0 } else { 1.0 },
        });
        let grouped = GroupedSummaries::from_weighted(rows).unwrap();
        let pilot = grouped.pilot_sample().expect("large enough for a pilot");
        for sample in [&pilot, &grouped.sample_every(10)] {
            // The sample's level weights are its rows' (a sample indexes its own levels).
            let mut weights = vec![0.0; sample.x_levels().len()];
            for (row, &level) in sample.rows().zip(sample.x_level_of_row()) {
                assert_eq!(sample.x_levels()[level as usize], row.x);
                weights[level as usize] += row.weight;
            }
            assert_eq!(sample.x_level_weights(), weights.as_slice());
        }
        assert!(pilot.len() < grouped.len() / 4, "{} rows", pilot.len());
        assert!(pilot.weights().contains(&1000.0), "the heavy row is kept whole");
        let ratio = pilot.total_weight() / grouped.total_weight();
        assert!((ratio - 1.0).abs() < 0.01, "{ratio}");
        assert!(GroupedSummaries::from_weighted(grouped.rows().take(1000)).unwrap().pilot_sample().is_none());
    }

    #[test]
    fn drops_rows_of_zero_weight() {
        let rows = [WeightedSummary { x: 1.0, t_x: 1.0, big_t: 2.0, weight: 0.0 }];
        assert!(GroupedSummaries::from_weighted(rows).unwrap().is_empty());
    }
}
