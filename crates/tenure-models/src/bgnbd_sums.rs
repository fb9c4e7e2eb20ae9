//! The BG/NBD log-likelihood summed over grouped rows, with its gradient and (for Newton's
//! method) its Hessian. A fit of a million customers is a handful of passes over some 300,000
//! distinct rows, so this loop is most of a fit, and it is written for speed: rows are gathered
//! [`CHUNK`] at a time and each step of their evaluation is one loop over the chunk, which the
//! compiler turns into vector instructions; the one `exp` and one `ln` a row needs come from
//! [`crate::lanes`] instead of libm's calls (which cannot be vectorised, and each waits for the
//! last); terms that depend on x alone are added once per x level.
//!
//! The formulas are those of `bgnbd::customer_log_likelihood` (FHL 2005 eq. 6), which the tests
//! sum row by row as the reference. With S = −(r+x) ln(α+T), D = ln(a/(b+x−1)) − (r+x) ln(α+t_x)
//! and w the weight of D in ln(eˢ + eᴰ), the second derivatives of that term are
//! (1−w) S″ + w D″ + w(1−w) ΔΔᵀ with Δ = D′ − S′; the rest is ln_const's (trigamma terms) and
//! r ln α's.

use std::ops::Range;

use crate::bgnbd::{BgNbdParams, LevelTerms, TimeTerms, level_terms, time_terms};
use crate::data::GroupedSummaries;
use crate::lanes::{exp_nonpositive, ln_one_plus};

/// Entries of a row's result: ln L, the gradient over (r, α, a, b), and the upper triangle of
/// the Hessian row by row — `rr, rα, ra, rb, αα, αa, αb, aa, ab, bb`.
pub(crate) const TERMS: usize = 15;
/// The entries without the Hessian.
const VALUE_AND_GRADIENT: usize = 5;

/// Σ wᵢ over the grouped rows of ln Lᵢ, its gradient and — when `HESSIAN` — the upper triangle of
/// its Hessian, packed as [`TERMS`] says (without `HESSIAN` the last ten are 0). Summed over the
/// cores in fixed blocks, so the result does not depend on the core count.
///
/// Terms that depend on x alone (ln Γ(r+x) …, see [`LevelTerms`]) are added once per x level,
/// times the level's total weight; the rows add only what depends on their times.
pub(crate) fn sums<const HESSIAN: bool>(p: &BgNbdParams, data: &GroupedSummaries) -> [f64; TERMS] {
    let levels: Vec<LevelTerms> = data.x_levels().iter().map(|&x| level_terms(p, x)).collect();
    let row_levels: Vec<RowLevel> = data
        .x_levels()
        .iter()
        .zip(&levels)
        .map(|(&x, lv)| RowLevel { rx: p.r + x, ln_drop: lv.ln_drop, inv_bx1: lv.inv_bx1 })
        .collect();
    let times: Vec<TimeTerms> = data.time_levels().iter().map(|&t| time_terms(p.alpha, t)).collect();
    let tables = Tables { levels: &row_levels, times: &times, data };
    let rows = crate::parallel::sum_blocks(data.len(), |range| block::<HESSIAN>(&tables, range));
    combine::<HESSIAN>(p, data, &levels, rows)
}

/// What the rows of a pass read: per x level, per time, and the rows themselves.
struct Tables<'a> {
    levels: &'a [RowLevel],
    times: &'a [TimeTerms],
    data: &'a GroupedSummaries,
}

/// The terms of an x level that a row's own terms use.
#[derive(Clone, Copy)]
struct RowLevel {
    /// r + x.
    rx: f64,
    /// ln(a / (b + x − 1)), −∞ for x = 0.
    ln_drop: f64,
    /// 1 / (b + x − 1), 0 for x = 0.
    inv_bx1: f64,
}

/// The full sums from the rows' sums ([`block`]) and the per-level and constant terms:
/// ln L = ln_const + r ln α + mix, ∂r = d_r + ln α − …, ∂α = r/α − …, and so on.
fn combine<const HESSIAN: bool>(
    p: &BgNbdParams,
    data: &GroupedSummaries,
    levels: &[LevelTerms],
    rows: [f64; TERMS],
) -> [f64; TERMS] {
    let (inv_a, inv_alpha, ln_alpha) = (1.0 / p.a, 1.0 / p.alpha, p.alpha.ln());
    let mut by_level = [0.0; 8];
    for (lv, &weight) in levels.iter().zip(data.x_level_weights()) {
        let terms = [lv.ln_const, lv.d_r, lv.d_a, lv.d_b, lv.h_rr, lv.h_aa, lv.h_aa, lv.h_bb];
        for (sum, term) in by_level.iter_mut().zip(terms) {
            *sum += weight * term;
        }
    }
    let [ln_const, d_r, d_a, d_b, h_rr, h_aa, h_ab, h_bb] = by_level;
    let n = data.total_weight();
    let mut out = [
        ln_const + n * p.r * ln_alpha + rows[0],
        d_r + n * ln_alpha + rows[1],
        n * p.r * inv_alpha + rows[2],
        d_a + inv_a * rows[3],
        d_b + rows[4],
        h_rr + rows[5],
        n * inv_alpha + rows[6],
        inv_a * rows[7],
        rows[8],
        -n * p.r * inv_alpha * inv_alpha + rows[9],
        inv_a * rows[10],
        rows[11],
        h_aa + inv_a * inv_a * rows[12],
        h_ab + inv_a * rows[13],
        h_bb + rows[14],
    ];
    if !HESSIAN {
        out[VALUE_AND_GRADIENT..].fill(0.0);
    }
    out
}

/// Partial sums kept side by side (row i of a chunk adds to partial sum i mod `LANES`), so that
/// summing vectorises too; they are added in order at the end.
const LANES: usize = 4;

/// Rows gathered and evaluated together: each step of their evaluation is one loop over the
/// chunk, which the compiler vectorises (small enough to stay in the first-level cache).
const CHUNK: usize = 64;

/// One slot per row of a chunk: the values its terms are made of.
struct Chunk {
    weight: [f64; CHUNK],
    rx: [f64; CHUNK],
    ln_drop: [f64; CHUNK],
    inv_bx1: [f64; CHUNK],
    ln_t: [f64; CHUNK],
    ln_tx: [f64; CHUNK],
    inv_t: [f64; CHUNK],
    inv_tx: [f64; CHUNK],
}

impl Chunk {
    fn new() -> Self {
        let zero = [0.0; CHUNK];
        Chunk {
            weight: zero,
            rx: zero,
            ln_drop: zero,
            inv_bx1: zero,
            ln_t: zero,
            ln_tx: zero,
            inv_t: zero,
            inv_tx: zero,
        }
    }

    /// The rows `first..first + CHUNK`; slots past `last` repeat it with weight 0.
    #[inline(always)]
    fn gather(&mut self, tables: &Tables<'_>, first: usize, last: usize) {
        let (weights, x_levels, time_levels) =
            (tables.data.weights(), tables.data.x_level_of_row(), tables.data.time_levels_of_row());
        for j in 0..CHUNK {
            let i = (first + j).min(last);
            let [tx, t] = time_levels[i];
            let (at_tx, at_t) = (tables.times[tx as usize], tables.times[t as usize]);
            let level = tables.levels[x_levels[i] as usize];
            self.weight[j] = if first + j <= last { weights[i] } else { 0.0 };
            (self.rx[j], self.ln_drop[j], self.inv_bx1[j]) = (level.rx, level.ln_drop, level.inv_bx1);
            (self.ln_t[j], self.inv_t[j]) = (at_t.ln, at_t.inverse);
            (self.ln_tx[j], self.inv_tx[j]) = (at_tx.ln, at_tx.inverse);
        }
    }
}

/// The rows' own terms summed over one block of rows: [`block_body`], compiled for AVX2 where
/// the processor has it (four rows per instruction instead of two). Neither build fuses a
/// multiply and an add, so both give the same bits.
fn block<const HESSIAN: bool>(tables: &Tables<'_>, range: Range<usize>) -> [f64; TERMS] {
    block_body::<HESSIAN>(tables, range)
}

/// The rows' own terms summed over one block of rows (see [`combine`] for what they are); the
/// lanes' partial sums are added in lane order at the end.
#[inline(always)]
fn block_body<const HESSIAN: bool>(tables: &Tables<'_>, range: Range<usize>) -> [f64; TERMS] {
    let mut acc = [[0.0; LANES]; TERMS];
    let mut chunk = Chunk::new();
    let mut terms = [[0.0; CHUNK]; TERMS];
    let (mut mix, mut w, mut top_is_drop) = ([0.0; CHUNK], [0.0; CHUNK], [false; CHUNK]);
    let last = range.end - 1;
    for first in range.step_by(CHUNK) {
        chunk.gather(tables, first, last);
        let c = &chunk;
        // ln[(α+T)^−(r+x) + a/(b+x−1) (α+t_x)^−(r+x)] as max + ln(1 + e) with e = e^−|gap|, and
        // the weight w of the drop-out term (x = 0 has none: ln_drop = −∞ gives e = w = 0).
        let mut neg_abs_gap = [0.0; CHUNK];
        for j in 0..CHUNK {
            let survive = -c.rx[j] * c.ln_t[j];
            let drop = c.ln_drop[j] - c.rx[j] * c.ln_tx[j];
            neg_abs_gap[j] = -(drop - survive).abs();
            mix[j] = survive.max(drop);
            top_is_drop[j] = drop > survive;
        }
        let e = exp_nonpositive(&neg_abs_gap);
        let ln_sum = ln_one_plus(&e);
        for j in 0..CHUNK {
            let w_top = 1.0 / (1.0 + e[j]);
            w[j] = if top_is_drop[j] { w_top } else { e[j] * w_top };
            mix[j] += ln_sum[j];
        }
        for j in 0..CHUNK {
            let (wd, ws) = (w[j], 1.0 - w[j]);
            terms[0][j] = mix[j];
            terms[1][j] = -(ws * c.ln_t[j] + wd * c.ln_tx[j]);
            terms[2][j] = -c.rx[j] * (ws * c.inv_t[j] + wd * c.inv_tx[j]);
            terms[3][j] = wd;
            terms[4][j] = -wd * c.inv_bx1[j];
        }
        if HESSIAN {
            for j in 0..CHUNK {
                // (1−w) S″ + w D″ + w(1−w) ΔΔᵀ for the mixed term (see the module's note), with
                // Δ = (d0, d1, 1/a, −1/(b+x−1)); the 1/a factors are applied in `combine`.
                let (wd, ws) = (w[j], 1.0 - w[j]);
                let v = wd * ws;
                let (rx, inv_t, inv_tx, ib) = (c.rx[j], c.inv_t[j], c.inv_tx[j], c.inv_bx1[j]);
                let d0 = c.ln_t[j] - c.ln_tx[j];
                let d1 = rx * (inv_t - inv_tx);
                terms[5][j] = v * d0 * d0;
                terms[6][j] = v * d0 * d1 - (ws * inv_t + wd * inv_tx);
                terms[7][j] = v * d0;
                terms[8][j] = -v * d0 * ib;
                terms[9][j] = rx * (ws * inv_t * inv_t + wd * inv_tx * inv_tx) + v * d1 * d1;
                terms[10][j] = v * d1;
                terms[11][j] = -v * d1 * ib;
                terms[12][j] = v - wd;
                terms[13][j] = -v * ib;
                terms[14][j] = (wd + v) * ib * ib;
            }
        }
        let used = if HESSIAN { TERMS } else { VALUE_AND_GRADIENT };
        for (sum, term) in acc.iter_mut().zip(&terms).take(used) {
            for lanes in (0..CHUNK).step_by(LANES) {
                for j in 0..LANES {
                    sum[j] += c.weight[lanes + j] * term[lanes + j];
                }
            }
        }
    }
    acc.map(|lanes| lanes.iter().sum())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bgnbd::customer_log_likelihood;
    use rand::SeedableRng;

    #[test]
    fn the_lane_sums_equal_the_customer_log_likelihoods_summed_one_by_one() {
        let truth = BgNbdParams::new(0.243, 4.414, 0.793, 2.426).unwrap();
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        let customers = crate::simulate::bgnbd_customers(&truth, 20_003, 1.0, 39.0, &mut rng);
        let data = GroupedSummaries::from_customers(&customers).unwrap();
        for p in [
            truth,
            BgNbdParams::new(1.3, 0.7, 2.5, 0.4).unwrap(),
            BgNbdParams::new(9.0, 80.0, 0.05, 30.0).unwrap(),
        ] {
            let reference: f64 = data
                .rows()
                .map(|row| row.weight * customer_log_likelihood(&p, row.x, row.t_x, row.big_t))
                .sum();
            for total in [sums::<false>(&p, &data)[0], sums::<true>(&p, &data)[0]] {
                assert!(
                    (total - reference).abs() < 1e-12 * reference.abs(),
                    "{total} vs {reference} at {p:?}"
                );
            }
        }
    }
}
