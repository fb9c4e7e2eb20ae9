//! Interned values for grouping millions of summary rows: each distinct value gets a small id,
//! in order of first appearance, in a few nanoseconds (a general hash map took several times
//! that). Used by [`crate::patterns`], which packs a row's three ids into one sortable key.

use crate::data::key_bits;

/// Interned values: each distinct value (by bit pattern, −0 = 0) gets the next id. A value that
/// is a whole number of hundredths k/100 with k below [`HUNDREDTHS_BELOW`] is looked up by k in a
/// plain array — purchase counts, times in days and the published summaries' weeks have at most
/// two decimals, and the summary reader hands such values over as k without making a float;
/// others go to a small open-addressing table (linear probing, Fibonacci hashing). Either costs a
/// few nanoseconds where a general hash map cost several times that.
#[derive(Debug, Clone)]
pub(crate) struct Levels {
    /// Per k: the id of the value k/100, or [`FREE`].
    by_hundredths: Vec<u32>,
    slots: Vec<(u64, u32)>,
    /// The values, by id.
    pub values: Vec<f64>,
}

/// Values of this many hundredths or more go to [`Levels::slots`]: bounds the array at 16 MB.
pub(crate) const HUNDREDTHS_BELOW: usize = 1 << 22;
/// An empty slot of [`Levels::by_hundredths`] or [`Levels::slots`].
const FREE: u32 = u32::MAX;

impl Default for Levels {
    fn default() -> Self {
        Levels { by_hundredths: Vec::new(), slots: vec![(0, FREE); 1024], values: Vec::new() }
    }
}

impl Levels {
    /// The id of `value` (the next free one the first time it is seen).
    pub fn id(&mut self, value: f64) -> u32 {
        if let Some(k) = exact_hundredths(value) {
            return self.id_of_hundredths(k);
        }
        let bits = key_bits(value);
        let mask = self.slots.len() - 1;
        let mut i = Self::home(bits, mask);
        loop {
            let (key, id) = self.slots[i];
            if id == FREE {
                return self.insert(i, bits, value);
            }
            if key == bits {
                return id;
            }
            i = (i + 1) & mask;
        }
    }

    /// The id of the value k/100 (the double nearest it, as `str::parse` reads a decimal of at
    /// most two places); `k` must be below [`HUNDREDTHS_BELOW`].
    #[inline]
    pub fn id_of_hundredths(&mut self, k: usize) -> u32 {
        if let Some(&id) = self.by_hundredths.get(k) {
            if id != FREE {
                return id;
            }
        } else {
            self.by_hundredths.resize((k + 1).next_power_of_two().min(HUNDREDTHS_BELOW), FREE);
        }
        let id = self.values.len() as u32;
        self.by_hundredths[k] = id;
        self.values.push(k as f64 / 100.0);
        id
    }

    /// The first slot to probe for `bits`: the top bits of a multiplicative hash of a folded
    /// key (the fold brings the exponent and high mantissa bits, where values of few decimals
    /// differ, down into the low bits the product spreads upwards).
    fn home(bits: u64, mask: usize) -> usize {
        let folded = bits ^ (bits >> 29);
        (folded.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - mask.count_ones())) as usize
    }

    fn insert(&mut self, free: usize, bits: u64, value: f64) -> u32 {
        let id = self.values.len() as u32;
        self.values.push(value);
        self.slots[free] = (bits, id);
        // At most half full, so probes stay short.
        if 2 * self.values.len() > self.slots.len() {
            let doubled = vec![(0, FREE); 2 * self.slots.len()];
            let old = std::mem::replace(&mut self.slots, doubled);
            let mask = self.slots.len() - 1;
            for (key, id) in old.into_iter().filter(|&(_, id)| id != FREE) {
                let mut i = Self::home(key, mask);
                while self.slots[i].1 != FREE {
                    i = (i + 1) & mask;
                }
                self.slots[i] = (key, id);
            }
        }
        id
    }
}

/// k when `value` is the double nearest k/100 for a k below [`HUNDREDTHS_BELOW`] (the value a
/// decimal of at most two places reads as), else `None`. −0 counts as 0.
fn exact_hundredths(value: f64) -> Option<usize> {
    if !(0.0..HUNDREDTHS_BELOW as f64 / 100.0).contains(&value) {
        return None;
    }
    // Through i64: one truncating instruction (a cast to usize checks for values ≥ 2⁶³).
    let k = (value * 100.0 + 0.5) as i64 as usize;
    (k < HUNDREDTHS_BELOW && k as f64 / 100.0 == value).then_some(k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_of_two_decimals_and_others_get_one_id_each() {
        let mut levels = Levels::default();
        let values = [0.0, 38.86, 38.0, 20.81, 30.428_571_428_571_43, 1e9, 0.5, 10_485.75, 10_485.76, 3.0];
        let ids: Vec<u32> = values.iter().map(|&v| levels.id(v)).collect();
        assert_eq!(ids, (0..values.len() as u32).collect::<Vec<_>>());
        assert_eq!(values.iter().map(|&v| levels.id(v)).collect::<Vec<_>>(), ids, "the same ids again");
        assert_eq!(levels.id(-0.0), 0);
        assert_eq!(levels.id("38.860".parse().unwrap()), 1);
        // Values sharing a slot: the owner and the others keep their own ids.
        let mut shared = Levels::default();
        assert_eq!(
            [shared.id(0.014), shared.id(0.01), shared.id(0.006), shared.id(0.01), shared.id(0.014)],
            [0, 1, 2, 1, 0]
        );
        for k in 0..200_000_usize {
            let value = k as f64 / 100.0;
            assert_eq!(exact_hundredths(value), Some(k), "{value}");
            let text = format!("{}.{:02}", k / 100, k % 100);
            assert_eq!(text.parse::<f64>().unwrap(), value, "a decimal of two places reads as k / 100");
        }
        assert_eq!(exact_hundredths(0.014), None);
        assert_eq!(exact_hundredths(30.428_571_428_571_43), None);
    }
}
