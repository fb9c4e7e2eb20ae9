//! Deterministic data parallelism for the likelihood sums: work is cut into fixed-size blocks,
//! the blocks are computed on rayon's pool, and block results are combined in block order, so a
//! sum is bit-for-bit the same on one core or many (rayon decides only who computes a block,
//! never how the results are added).

use std::ops::Range;

use rayon::prelude::*;

/// Items per block; a block is always summed sequentially, in order.
const BLOCK: usize = 4096;
/// Below this many items, parallel work costs more than it saves.
const PARALLEL_FROM: usize = 4 * BLOCK;

/// The number of threads parallel work runs on (rayon's pool: one per core).
pub(crate) fn workers() -> usize {
    rayon::current_num_threads()
}

/// Σ over blocks of `block(range)` for consecutive ranges covering `0..len`, added in block order.
pub(crate) fn sum_blocks<const N: usize>(
    len: usize,
    block: impl Fn(Range<usize>) -> [f64; N] + Sync,
) -> [f64; N] {
    let blocks = len.div_ceil(BLOCK);
    let range = |i: usize| i * BLOCK..((i + 1) * BLOCK).min(len);
    let mut partials = vec![[0.0; N]; blocks];
    if len < PARALLEL_FROM || workers() <= 1 {
        partials.iter_mut().enumerate().for_each(|(i, p)| *p = block(range(i)));
    } else {
        partials.par_iter_mut().enumerate().for_each(|(i, p)| *p = block(range(i)));
    }
    partials.iter().fold([0.0; N], |mut acc, p| {
        acc.iter_mut().zip(p).for_each(|(a, v)| *a += v);
        acc
    })
}

/// Below this many items, [`fill`] stays on one thread: its items are costly (a ₂F₁ each, about
/// half a microsecond), so fewer of them pay for parallel work than in a likelihood sum.
const FILL_PARALLEL_FROM: usize = 2048;

/// `out[i] = item(i)` for every i, spread over the available cores.
pub(crate) fn fill<T: Send>(out: &mut [T], item: impl Fn(usize) -> T + Sync) {
    if out.len() < FILL_PARALLEL_FROM || workers() <= 1 {
        out.iter_mut().enumerate().for_each(|(i, v)| *v = item(i));
        return;
    }
    // Items in runs of a block, so that rayon's bookkeeping is per block, not per item.
    out.par_chunks_mut(BLOCK).enumerate().for_each(|(b, chunk)| {
        for (j, v) in chunk.iter_mut().enumerate() {
            *v = item(b * BLOCK + j);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_sums_cover_every_item_exactly_once() {
        let len = 3 * PARALLEL_FROM + 17;
        let [count, total] = sum_blocks(len, |r| [r.len() as f64, r.map(|i| i as f64).sum()]);
        assert_eq!(count, len as f64);
        assert_eq!(total, (len * (len - 1) / 2) as f64);
    }

    #[test]
    fn block_sums_do_not_depend_on_how_blocks_are_spread() {
        // Sequential block-order summation gives the same bits as the threaded one.
        let len = 5 * PARALLEL_FROM + 3;
        let value = |i: usize| ((i as f64) * 0.37).sin() * 1e-3 + 1.0 / (1.0 + i as f64);
        let [threaded] = sum_blocks(len, |r| [r.map(value).sum()]);
        let sequential = (0..len.div_ceil(BLOCK))
            .map(|b| (b * BLOCK..((b + 1) * BLOCK).min(len)).map(value).sum::<f64>())
            .fold(0.0, |a, v| a + v);
        assert_eq!(threaded.to_bits(), sequential.to_bits());
    }

    #[test]
    fn fill_writes_every_slot() {
        let mut out = vec![0_usize; 2 * FILL_PARALLEL_FROM + 5];
        fill(&mut out, |i| i * 2);
        assert!(out.iter().enumerate().all(|(i, &v)| v == 2 * i));
    }
}
