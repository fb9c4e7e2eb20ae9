//! Deterministic data parallelism for the likelihood sums: work is cut into fixed-size blocks,
//! blocks are spread over the available cores with `std::thread::scope`, and block results are
//! combined in block order, so a sum is bit-for-bit the same on one core or many.
//!
//! Deliberately small: no thread pool, no work stealing (the blocks cost about the same).

use std::ops::Range;
use std::sync::OnceLock;

/// Items per block; a block is always summed sequentially, in order.
const BLOCK: usize = 4096;
/// Below this many items, threads cost more than they save.
const PARALLEL_FROM: usize = 4 * BLOCK;

/// The number of worker threads to use (the available parallelism, read once).
pub(crate) fn workers() -> usize {
    static WORKERS: OnceLock<usize> = OnceLock::new();
    *WORKERS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Σ over blocks of `block(range)` for consecutive ranges covering `0..len`, added in block order.
pub(crate) fn sum_blocks<const N: usize>(
    len: usize,
    block: impl Fn(Range<usize>) -> [f64; N] + Sync,
) -> [f64; N] {
    let blocks = len.div_ceil(BLOCK);
    let range = |i: usize| i * BLOCK..((i + 1) * BLOCK).min(len);
    let mut partials = vec![[0.0; N]; blocks];
    // At least a few blocks per thread, so that spawning stays a small part of the work.
    let threads = workers().min(blocks / 4);
    if len < PARALLEL_FROM || threads <= 1 {
        partials.iter_mut().enumerate().for_each(|(i, p)| *p = block(range(i)));
    } else {
        let per_thread = blocks.div_ceil(threads);
        std::thread::scope(|scope| {
            for (t, chunk) in partials.chunks_mut(per_thread).enumerate() {
                let block = &block;
                scope.spawn(move || {
                    for (j, p) in chunk.iter_mut().enumerate() {
                        *p = block(range(t * per_thread + j));
                    }
                });
            }
        });
    }
    partials.iter().fold([0.0; N], |mut acc, p| {
        acc.iter_mut().zip(p).for_each(|(a, v)| *a += v);
        acc
    })
}

/// Below this many items, [`fill`] stays on one thread: its items are costly (a ₂F₁ each, about
/// half a microsecond), so fewer of them pay for a thread than in a likelihood sum.
const FILL_PARALLEL_FROM: usize = 2048;

/// `out[i] = item(i)` for every i, spread over the available cores.
pub(crate) fn fill<T: Send>(out: &mut [T], item: impl Fn(usize) -> T + Sync) {
    let threads = workers();
    if out.len() < FILL_PARALLEL_FROM || threads <= 1 {
        out.iter_mut().enumerate().for_each(|(i, v)| *v = item(i));
        return;
    }
    let per_thread = out.len().div_ceil(threads);
    std::thread::scope(|scope| {
        for (t, chunk) in out.chunks_mut(per_thread).enumerate() {
            let item = &item;
            scope.spawn(move || {
                for (j, v) in chunk.iter_mut().enumerate() {
                    *v = item(t * per_thread + j);
                }
            });
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
