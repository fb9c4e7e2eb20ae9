//! Grouping millions of `(x, t_x, T)` rows into distinct weighted patterns without a large hash
//! table: each value is interned in a small table of levels (a shop has a few hundred distinct
//! `x` and a few thousand distinct times, so these stay in cache), each row becomes one packed
//! integer key of its three level ids, and identical keys are brought together by a radix sort
//! and counted. Memory grows with the distinct patterns, not the rows.
//!
//! Rows arrive in [`PatternPart`]s (one per thread, each a consecutive part of the input,
//! sorting its rows into patterns as they come), which a [`PatternGrouper`] absorbs in input
//! order; [`PatternGrouper::finish`] gives the
//! [`GroupedSummaries`] with levels numbered in order of first appearance and rows sorted by
//! their level triples — the same however the input was cut into parts (parts are consecutive
//! slices, so a value's first part is where it first appears).
//!
//! A grouped row of one million customers took 190 ms through a hash map of patterns (two cores,
//! each map entry a cache miss) and takes about a fifth of that here.

use crate::ModelError;
use crate::data::GroupedSummaries;
use crate::levels::{HUNDREDTHS_BELOW, Levels};

/// Bits of a packed key for the id of `x` and for each time id: fixed positions, so keys of
/// different parts compare as `(x, t_x, T)` level triples.
const X_BITS: u32 = 22;
const TIME_BITS: u32 = 21;
/// Radix sort digit: 2,048 counters fit in the first-level cache.
const DIGIT_BITS: u32 = 11;

/// Pending rows a part sorts into its patterns at once: bounds a part's memory (about 1 MB of
/// keys) while keeping the sorts long enough to be cheap per row.
const FLUSH_ROWS: usize = 1 << 17;

/// The rows of one consecutive part of the input (one thread's), grouped as they come: level
/// ids local to the part, pending rows sorted into the part's distinct patterns every
/// 131,072 rows.
#[derive(Debug, Default)]
pub struct PatternPart {
    x: Levels,
    time: Levels,
    /// Pending rows as fixed-position keys ([`pack`]) of their local level ids.
    pending: Vec<u64>,
    /// One weight per pending row, or `None` while every pending row weighs 1.
    weights: Option<Vec<f64>>,
    /// Distinct patterns so far: fixed-position keys of local ids, ascending, with weights.
    patterns: Vec<(u64, f64)>,
    /// More distinct values than a packed key holds were met.
    overflow: bool,
    buffers: Buffers,
}

/// Memory a part's flushes reuse: fresh memory costs a page fault per 4 KiB, which was a fifth
/// of the time of reading a million-row summary file on the benchmark machine.
#[derive(Debug, Default)]
struct Buffers {
    key_scratch: Vec<u64>,
    /// Keys of at most 32 bits (most data: a sort then moves half the bytes).
    short_keys: Vec<u32>,
    short_scratch: Vec<u32>,
    keyed: Vec<(u64, f64)>,
    scratch: Vec<(u64, f64)>,
    run: Vec<(u64, f64)>,
    merged: Vec<(u64, f64)>,
}

impl PatternPart {
    /// An empty part.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one customer's (or pattern's) summary; rows of weight zero are left out. The caller
    /// has validated the row (finite, `x ≥ 0`, `0 ≤ t_x ≤ T`, `T > 0`, weight ≥ 0);
    /// [`PatternGrouper::finish`] checks the distinct rows again.
    pub fn push(&mut self, x: f64, t_x: f64, big_t: f64, weight: f64) {
        if weight == 0.0 {
            return;
        }
        let ids = [self.x.id(x), self.time.id(t_x), self.time.id(big_t)];
        self.push_ids(ids, weight);
    }

    /// [`Self::push`] for a row whose `x`, `t_x` and `T` are whole numbers of hundredths, given
    /// as those numbers (`[3, 2081, 3886]` for x = 3, t_x = 20.81, T = 38.86): the same rows and
    /// ids as pushing the values `k / 100`, without making a float.
    #[inline]
    pub fn push_hundredths(&mut self, [x, t_x, big_t]: [u64; 3], weight: f64) {
        if weight == 0.0 {
            return;
        }
        let id = |levels: &mut Levels, k: u64| match usize::try_from(k) {
            Ok(k) if k < HUNDREDTHS_BELOW => levels.id_of_hundredths(k),
            _ => levels.id(k as f64 / 100.0),
        };
        let ids = [id(&mut self.x, x), id(&mut self.time, t_x), id(&mut self.time, big_t)];
        self.push_ids(ids, weight);
    }

    #[inline]
    fn push_ids(&mut self, ids: [u32; 3], weight: f64) {
        if weight != 1.0 && self.weights.is_none() {
            self.weights = Some(vec![1.0; self.pending.len()]);
        }
        if let Some(weights) = &mut self.weights {
            weights.push(weight);
        }
        if self.pending.capacity() == 0 {
            self.pending.reserve_exact(FLUSH_ROWS);
        }
        self.pending.push(pack(ids));
        if self.pending.len() >= FLUSH_ROWS {
            self.flush();
        }
    }

    /// Sorts the pending rows into the part's patterns; call it on the part's own thread when
    /// its last row is in, so that [`PatternGrouper::absorb`] has little left to do.
    pub fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        if self.x.values.len() > 1 << X_BITS || self.time.values.len() > 1 << TIME_BITS {
            // Such data are grouped another way (see `absorb`): keep no rows, sort nothing.
            self.overflow = true;
        }
        if self.overflow {
            self.pending.clear();
            self.weights = None;
            return;
        }
        // Keys as short as the level counts allow: fewer radix passes.
        let widths = [bit_width(self.x.values.len()), bit_width(self.time.values.len())];
        let bits = widths[0] + 2 * widths[1];
        self.pending.iter_mut().for_each(|key| *key = pack_compact(unpack(*key), widths));
        let buffers = &mut self.buffers;
        match self.weights.take() {
            None if bits <= u32::BITS => {
                buffers.short_keys.clear();
                buffers.short_keys.extend(self.pending.iter().map(|&key| key as u32));
                radix_sort(&mut buffers.short_keys, &mut buffers.short_scratch, bits, |&key| u64::from(key));
                count_keys(&buffers.short_keys, &mut buffers.run);
            }
            None => {
                radix_sort(&mut self.pending, &mut buffers.key_scratch, bits, |&key| key);
                count_keys(&self.pending, &mut buffers.run);
            }
            Some(weights) => {
                buffers.keyed.clear();
                buffers.keyed.extend(self.pending.iter().copied().zip(weights));
                radix_sort(&mut buffers.keyed, &mut buffers.scratch, bits, |&(key, _)| key);
                count_runs(&buffers.keyed, &mut buffers.run);
            }
        }
        self.pending.clear();
        for (key, _) in &mut buffers.run {
            *key = pack(unpack_compact(*key, widths));
        }
        merge_runs(&self.patterns, &buffers.run, &mut buffers.merged);
        std::mem::swap(&mut self.patterns, &mut buffers.merged);
    }
}

/// The distinct patterns of every part absorbed so far.
#[derive(Debug, Default)]
pub struct PatternGrouper {
    x: Levels,
    time: Levels,
    /// Distinct packed keys (global level ids) with their total weights, ascending by key: those
    /// of the parts before the last, and the last part's, merged only by [`Self::finish`] (as it
    /// builds the grouped rows: no merged copy of them all is made).
    patterns: Vec<(u64, f64)>,
    last: Vec<(u64, f64)>,
    /// Buffers of absorbed parts, their pages already mapped: the sorts and merges here reuse
    /// them rather than fault in fresh memory.
    spare: Vec<Vec<(u64, f64)>>,
}

impl PatternGrouper {
    /// An empty grouper.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the patterns of `part`, the next consecutive part of the input (parts must come in
    /// input order: a value's id is the order of its first appearance).
    ///
    /// # Errors
    /// [`ModelError::InvalidData`] when the data have more distinct values than a packed key
    /// holds (4 million values of `x` or 2 million times); group such data with
    /// [`GroupedSummaries::from_weighted`].
    pub fn absorb(&mut self, mut part: PatternPart) -> Result<(), ModelError> {
        part.flush();
        // Local ids → global ids (the level tables are small).
        let x_ids: Vec<u32> = part.x.values.iter().map(|&v| self.x.id(v)).collect();
        let time_ids: Vec<u32> = part.time.values.iter().map(|&v| self.time.id(v)).collect();
        if part.overflow || self.x.values.len() > 1 << X_BITS || self.time.values.len() > 1 << TIME_BITS {
            return Err(ModelError::InvalidData {
                row: 0,
                message: format!(
                    "{} distinct values of x and {} distinct times are more than the fast grouping holds",
                    self.x.values.len(),
                    self.time.values.len()
                ),
            });
        }
        let identity = |ids: &[u32]| ids.iter().enumerate().all(|(i, &id)| i as u32 == id);
        let mut run = part.patterns;
        let Buffers { keyed, scratch, run: last_run, merged, .. } = part.buffers;
        self.spare.extend([keyed, scratch, last_run, merged]);
        if !(identity(&x_ids) && identity(&time_ids)) {
            // Renumbered keys are sorted again (as short keys: fewer radix passes).
            let widths = [bit_width(self.x.values.len()), bit_width(self.time.values.len())];
            for (key, _) in &mut run {
                let [x, t_x, big_t] = unpack(*key);
                *key = pack_compact(
                    [x_ids[x as usize], time_ids[t_x as usize], time_ids[big_t as usize]],
                    widths,
                );
            }
            let mut scratch = self.spare_buffer();
            radix_sort(&mut run, &mut scratch, widths[0] + 2 * widths[1], |&(key, _)| key);
            self.spare.push(scratch);
            run.iter_mut().for_each(|(key, _)| *key = pack(unpack_compact(*key, widths)));
        }
        let previous = std::mem::replace(&mut self.last, run);
        if self.patterns.is_empty() {
            self.patterns = previous;
        } else if !previous.is_empty() {
            let mut merged = self.spare_buffer();
            merged.clear();
            merged.extend(Merged::new(&self.patterns, &previous));
            self.spare.push(std::mem::replace(&mut self.patterns, merged));
            self.spare.push(previous);
        }
        Ok(())
    }

    /// The spare buffer with the most room (empty).
    fn spare_buffer(&mut self) -> Vec<(u64, f64)> {
        let largest = (0..self.spare.len()).max_by_key(|&i| self.spare[i].capacity());
        largest.map(|i| self.spare.swap_remove(i)).unwrap_or_default()
    }

    /// The grouped summaries: levels in order of first appearance in the input, rows ascending
    /// by their `(x, t_x, T)` levels.
    ///
    /// # Errors
    /// [`ModelError::InvalidData`] for a distinct row outside the valid range (its index in
    /// that order).
    pub fn finish(self) -> Result<GroupedSummaries, ModelError> {
        let rows = Merged::new(&self.patterns, &self.last).map(|(key, weight)| (unpack(key), weight));
        GroupedSummaries::from_levels(self.x.values, self.time.values, rows)
    }
}

/// The distinct keys of `sorted` (rows of weight 1) with their counts, into `out`.
fn count_keys<K: Copy + Eq + Into<u64>>(sorted: &[K], out: &mut Vec<(u64, f64)>) {
    out.clear();
    let mut rest = sorted;
    while let Some(&key) = rest.first() {
        let run = rest.iter().take_while(|&&k| k == key).count();
        out.push((key.into(), run as f64));
        rest = &rest[run..];
    }
}

/// The distinct keys of `sorted` with their summed weights, into `out`.
fn count_runs(sorted: &[(u64, f64)], out: &mut Vec<(u64, f64)>) {
    out.clear();
    for &(key, weight) in sorted {
        match out.last_mut() {
            Some(last) if last.0 == key => last.1 += weight,
            _ => out.push((key, weight)),
        }
    }
}

/// Merges two ascending runs of distinct keys into `out`, adding the weights of keys in both.
fn merge_runs(a: &[(u64, f64)], b: &[(u64, f64)], out: &mut Vec<(u64, f64)>) {
    out.clear();
    out.reserve(a.len() + b.len());
    out.extend(Merged::new(a, b));
}

/// Two ascending runs of distinct keys merged as they are read: each key once, with the weights
/// of a key in both added.
struct Merged<'a> {
    a: &'a [(u64, f64)],
    b: &'a [(u64, f64)],
}

impl<'a> Merged<'a> {
    fn new(a: &'a [(u64, f64)], b: &'a [(u64, f64)]) -> Self {
        Merged { a, b }
    }
}

impl Iterator for Merged<'_> {
    type Item = (u64, f64);

    fn next(&mut self) -> Option<(u64, f64)> {
        match (self.a.first(), self.b.first()) {
            (Some(&x), Some(&y)) if x.0 < y.0 => {
                self.a = &self.a[1..];
                Some(x)
            }
            (Some(&x), Some(&y)) if y.0 < x.0 => {
                self.b = &self.b[1..];
                Some(y)
            }
            (Some(&x), Some(&y)) => {
                (self.a, self.b) = (&self.a[1..], &self.b[1..]);
                Some((x.0, x.1 + y.1))
            }
            (Some(&x), None) => {
                self.a = &self.a[1..];
                Some(x)
            }
            (None, Some(&y)) => {
                self.b = &self.b[1..];
                Some(y)
            }
            (None, None) => None,
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.a.len().max(self.b.len()), Some(self.a.len() + self.b.len()))
    }
}

/// Bits needed for ids below `count`.
fn bit_width(count: usize) -> u32 {
    usize::BITS - count.saturating_sub(1).leading_zeros()
}

/// The fixed-position key of a level triple.
fn pack([x, t_x, big_t]: [u32; 3]) -> u64 {
    (u64::from(x) << (2 * TIME_BITS)) | (u64::from(t_x) << TIME_BITS) | u64::from(big_t)
}

fn unpack(key: u64) -> [u32; 3] {
    let mask = (1 << TIME_BITS) - 1;
    [(key >> (2 * TIME_BITS)) as u32, ((key >> TIME_BITS) & mask) as u32, (key & mask) as u32]
}

/// A key as short as the level counts allow (fewer radix passes); it orders as [`pack`] does.
fn pack_compact([x, t_x, big_t]: [u32; 3], [_, time_bits]: [u32; 2]) -> u64 {
    (u64::from(x) << (2 * time_bits)) | (u64::from(t_x) << time_bits) | u64::from(big_t)
}

fn unpack_compact(key: u64, [_, time_bits]: [u32; 2]) -> [u32; 3] {
    let mask = (1 << time_bits) - 1;
    [(key >> (2 * time_bits)) as u32, ((key >> time_bits) & mask) as u32, (key & mask) as u32]
}

/// Sorts `items` by the low `bits` bits of their keys (stable LSD radix sort, 11 bits a pass),
/// with `scratch` as the second buffer (reused between calls).
fn radix_sort<T: Copy + Default>(
    items: &mut Vec<T>,
    scratch: &mut Vec<T>,
    bits: u32,
    key: impl Fn(&T) -> u64,
) {
    scratch.clear();
    scratch.resize(items.len(), T::default());
    let mut shift = 0;
    while shift < bits {
        let mut counts = [0_usize; 1 << DIGIT_BITS];
        let digit = |item: &T| ((key(item) >> shift) & ((1 << DIGIT_BITS) - 1)) as usize;
        for item in items.iter() {
            counts[digit(item)] += 1;
        }
        let mut total = 0;
        for count in counts.iter_mut() {
            (*count, total) = (total, total + *count);
        }
        for item in items.iter() {
            let slot = &mut counts[digit(item)];
            scratch[*slot] = *item;
            *slot += 1;
        }
        std::mem::swap(items, scratch);
        shift += DIGIT_BITS;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::WeightedSummary;

    fn rows(n: u32) -> Vec<WeightedSummary> {
        (0..n)
            .map(|i| WeightedSummary {
                x: f64::from(i % 7),
                t_x: f64::from(i % 7) * 0.5,
                big_t: 4.0 + f64::from((i * 7919) % 53) * 0.25,
                weight: f64::from(i % 4),
            })
            .collect()
    }

    /// The grouped rows as a set of (x, t_x, T, weight), which both ways must agree on.
    fn as_sorted(grouped: &GroupedSummaries) -> Vec<(f64, f64, f64, f64)> {
        let mut out: Vec<_> = grouped.rows().map(|r| (r.x, r.t_x, r.big_t, r.weight)).collect();
        out.sort_by(|a, b| a.partial_cmp(b).unwrap());
        out
    }

    #[test]
    fn parts_grouped_in_any_cut_give_the_hash_groupings_rows_in_one_order() {
        let input = rows(300_000); // more than FLUSH_ROWS in one part
        let reference = GroupedSummaries::from_weighted(input.clone()).unwrap();
        let mut results = Vec::new();
        for cut in [1, 3, 977] {
            let mut grouper = PatternGrouper::new();
            for chunk in input.chunks(input.len().div_ceil(cut)) {
                let mut part = PatternPart::new();
                for r in chunk {
                    part.push(r.x, r.t_x, r.big_t, r.weight);
                }
                grouper.absorb(part).unwrap();
            }
            results.push(grouper.finish().unwrap());
        }
        assert_eq!(as_sorted(&results[0]), as_sorted(&reference));
        assert!(results.iter().all(|r| r == &results[0]), "the same rows in the same order for any cut");
        assert_eq!(results[0].x_levels(), reference.x_levels(), "levels in order of first appearance");
        assert_eq!(results[0].time_levels(), reference.time_levels());
        let levels: Vec<_> = results[0]
            .x_level_of_row()
            .iter()
            .zip(results[0].time_levels_of_row())
            .map(|(x, [t, big_t])| (x, t, big_t))
            .collect();
        assert!(levels.windows(2).all(|w| w[0] < w[1]), "rows ascending by their levels");
    }

    #[test]
    fn a_radix_sort_sorts_by_the_low_bits_and_keeps_equal_keys_in_order() {
        let mut items: Vec<(u64, f64)> =
            (0..5_000_u64).map(|i| ((i * 2_654_435_761) % 100_003, i as f64)).collect();
        let mut expected = items.clone();
        expected.sort_by_key(|r| r.0);
        radix_sort(&mut items, &mut Vec::new(), 17, |&(key, _)| key);
        assert_eq!(items, expected);
    }

    #[test]
    fn rows_given_in_hundredths_group_as_the_values_they_stand_for() {
        // Whole hundredths, values of more decimals in between, and hundredths past the array.
        let big = HUNDREDTHS_BELOW as u64 + 7;
        let hundredths: Vec<[u64; 3]> = (0..50_000_u64)
            .map(|i| [i % 13, (i * 7) % 3_907, 3_907 + (i * 11) % 500 + if i % 997 == 0 { big } else { 0 }])
            .collect();
        let mut by_values = PatternPart::new();
        let mut by_hundredths = PatternPart::new();
        for (i, &[x, t_x, big_t]) in hundredths.iter().enumerate() {
            let weight = if i % 5 == 0 { 2.5 } else { 1.0 };
            let value = |k: u64| k as f64 / 100.0;
            by_values.push(value(x), value(t_x), value(big_t), weight);
            by_hundredths.push_hundredths([x, t_x, big_t], weight);
            if i % 1_000 == 0 {
                // A value that is no whole number of hundredths, through both parts alike.
                by_values.push(0.125, 1.0 / 3.0, 40.0, 1.0);
                by_hundredths.push(0.125, 1.0 / 3.0, 40.0, 1.0);
            }
        }
        let finish = |part: PatternPart| {
            let mut grouper = PatternGrouper::new();
            grouper.absorb(part).unwrap();
            grouper.finish().unwrap()
        };
        assert_eq!(finish(by_hundredths), finish(by_values));
    }

    #[test]
    fn merged_runs_add_the_weights_of_shared_keys() {
        let mut merged = vec![(7, 7.0)];
        merge_runs(&[(1, 1.0), (3, 1.0), (5, 2.0)], &[(2, 1.0), (3, 4.0), (9, 1.0)], &mut merged);
        assert_eq!(merged, vec![(1, 1.0), (2, 1.0), (3, 5.0), (5, 2.0), (9, 1.0)]);
    }
}
