//! The BG/NBD model (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way: An
//! Alternative to the Pareto/NBD Model", *Marketing Science* 24(2), 275–284): likelihood,
//! analytic gradient, maximum-likelihood fit and predictions.
//!
//! While active, a customer buys as a Poisson process with rate λ ~ Gamma(r, α); after each
//! repeat purchase they drop out with probability p ~ Beta(a, b). Equation numbers below refer
//! to that paper. Simulation lives in [`crate::simulate`].

use serde::Serialize;

use crate::ModelError;
use crate::data::{GroupedSummaries, PairIndex, RowPrediction};
use crate::fit::{self, Fit, FitOptions, Problem, Progress, check_positive};
use crate::hyp2f1::{SignedLog, hyp2f1_signed_log};
use crate::optim::{self, Objective};
use crate::special::{digamma, ln_beta, ln_gamma, logistic, trigamma};

/// BG/NBD parameters, named as in the paper; all must be finite and > 0.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BgNbdParams {
    /// Shape of the gamma distribution of purchase rates λ.
    pub(crate) r: f64,
    /// Rate (inverse scale) of that gamma distribution, in the data's time unit.
    pub(crate) alpha: f64,
    /// First shape of the beta distribution of drop-out probabilities p.
    pub(crate) a: f64,
    /// Second shape of that beta distribution.
    pub(crate) b: f64,
}

/// The parameters' values (read-only: [`BgNbdParams::new`] is the one way to make them, so they are
/// always valid).
impl BgNbdParams {
    /// `r`.
    pub fn r(&self) -> f64 {
        self.r
    }

    /// `alpha`.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// `a`.
    pub fn a(&self) -> f64 {
        self.a
    }

    /// `b`.
    pub fn b(&self) -> f64 {
        self.b
    }
}

impl BgNbdParams {
    /// Checked constructor.
    ///
    /// # Errors
    /// [`ModelError::InvalidParameter`] when a parameter is not finite and positive.
    pub fn new(r: f64, alpha: f64, a: f64, b: f64) -> Result<Self, ModelError> {
        check_positive("r", r)?;
        check_positive("alpha", alpha)?;
        check_positive("a", a)?;
        check_positive("b", b)?;
        Ok(BgNbdParams { r, alpha, a, b })
    }

    fn to_log(self) -> Vec<f64> {
        vec![self.r.ln(), self.alpha.ln(), self.a.ln(), self.b.ln()]
    }

    fn from_values(v: &[f64]) -> Self {
        BgNbdParams { r: v[0], alpha: v[1], a: v[2], b: v[3] }
    }
}

/// Terms of the likelihood that depend on x alone, computed once per distinct x.
pub(crate) struct LevelTerms {
    /// ln Γ(r + x) − ln Γ(r) + ln B(a, b + x) − ln B(a, b).
    pub ln_const: f64,
    /// ∂ln_const/∂r, ∂/∂a, ∂/∂b.
    pub d_r: f64,
    pub d_a: f64,
    pub d_b: f64,
    /// ln(a / (b + x − 1)) for x > 0, −∞ for x = 0.
    pub ln_drop: f64,
    /// 1 / (b + x − 1) for x > 0, 0 for x = 0.
    pub inv_bx1: f64,
    /// ln α (the same for every level; kept here so that rows take no logarithm of their own).
    pub ln_alpha: f64,
    /// Second derivatives of ln_const: ∂²/∂r², ∂²/∂a² (= ∂²/∂a∂b) and ∂²/∂b².
    pub h_rr: f64,
    pub h_aa: f64,
    pub h_bb: f64,
}

pub(crate) fn level_terms(p: &BgNbdParams, x: f64) -> LevelTerms {
    let ab = p.a + p.b;
    let psi_abx = digamma(ab + x);
    let curvature_ab = trigamma(ab) - trigamma(ab + x);
    LevelTerms {
        h_rr: trigamma(p.r + x) - trigamma(p.r),
        h_aa: curvature_ab,
        h_bb: trigamma(p.b + x) - trigamma(p.b) + curvature_ab,
        ln_const: ln_gamma(p.r + x) - ln_gamma(p.r) + ln_beta(p.a, p.b + x) - ln_beta(p.a, p.b),
        d_r: digamma(p.r + x) - digamma(p.r),
        d_a: digamma(ab) - psi_abx,
        d_b: digamma(p.b + x) - digamma(p.b) + digamma(ab) - psi_abx,
        ln_drop: if x > 0.0 { p.a.ln() - (p.b + x - 1.0).ln() } else { f64::NEG_INFINITY },
        inv_bx1: if x > 0.0 { 1.0 / (p.b + x - 1.0) } else { 0.0 },
        ln_alpha: p.alpha.ln(),
    }
}

/// ln(α + t) and 1/(α + t) for one time value.
#[derive(Clone, Copy)]
pub(crate) struct TimeTerms {
    pub ln: f64,
    pub inverse: f64,
}

pub(crate) fn time_terms(alpha: f64, t: f64) -> TimeTerms {
    TimeTerms { ln: (alpha + t).ln(), inverse: 1.0 / (alpha + t) }
}

/// One customer's log-likelihood and its gradient over (r, α, a, b), given the x-level terms
/// and the time terms of t_x and T.
///
/// ln L = ln Γ(r+x) − ln Γ(r) + r ln α + ln B(a, b+x) − ln B(a, b)
///        + ln[(α+T)^−(r+x) + 1{x>0} a/(b+x−1) (α+t_x)^−(r+x)]     (eq. 6, in log-space)
fn row(p: &BgNbdParams, lv: &LevelTerms, x: f64, at_tx: TimeTerms, at_t: TimeTerms) -> (f64, [f64; 4]) {
    let rx = p.r + x;
    let ln_alpha = lv.ln_alpha;
    let survive = -rx * at_t.ln;
    let (mix, w_drop) = mix_with_drop(survive, lv.ln_drop - rx * at_tx.ln);
    let w_survive = 1.0 - w_drop;
    let ll = lv.ln_const + p.r * ln_alpha + mix;
    let grad = [
        lv.d_r + ln_alpha - w_survive * at_t.ln - w_drop * at_tx.ln,
        p.r / p.alpha - rx * (w_survive * at_t.inverse + w_drop * at_tx.inverse),
        lv.d_a + w_drop / p.a,
        lv.d_b - w_drop * lv.inv_bx1,
    ];
    (ll, grad)
}

/// ln(eˢ + eᵈ) and the weight eᵈ / (eˢ + eᵈ) of the second term, with one exp and one ln.
///
/// ln(1 + e) for e ∈ [0, 1] is taken as ln of the rounded sum rather than `ln_1p` (several times
/// slower in glibc): the absolute error stays below 2.3e-16, which is all a log-likelihood needs.
pub(crate) fn mix_with_drop(survive: f64, drop: f64) -> (f64, f64) {
    if drop == f64::NEG_INFINITY {
        return (survive, 0.0);
    }
    let gap = drop - survive;
    let (top, e) = if gap > 0.0 { (drop, (-gap).exp()) } else { (survive, gap.exp()) };
    let one_plus = 1.0 + e;
    let w_top = 1.0 / one_plus;
    let w_drop = if gap > 0.0 { w_top } else { e * w_top };
    (top + one_plus.ln(), w_drop)
}

/// The total log-likelihood, its gradient and its Hessian over (r, α, a, b), summed over the
/// grouped rows (`bgnbd_sums`).
fn log_likelihood_gradient_hessian(
    p: &BgNbdParams,
    data: &GroupedSummaries,
) -> (f64, [f64; 4], [[f64; 4]; 4]) {
    let sums = crate::bgnbd_sums::sums::<true>(p, data);
    // The packed upper triangle, row by row: (0,0) (0,1) (0,2) (0,3) (1,1) … (3,3).
    const UPPER: [(usize, usize); 10] =
        [(0, 0), (0, 1), (0, 2), (0, 3), (1, 1), (1, 2), (1, 3), (2, 2), (2, 3), (3, 3)];
    let mut hessian = [[0.0; 4]; 4];
    for (&(i, j), &value) in UPPER.iter().zip(&sums[5..]) {
        hessian[i][j] = value;
        hessian[j][i] = value;
    }
    (sums[0], [sums[1], sums[2], sums[3], sums[4]], hessian)
}

/// Total log-likelihood and its gradient over (r, α, a, b).
fn log_likelihood_and_gradient(p: &BgNbdParams, data: &GroupedSummaries) -> (f64, [f64; 4]) {
    let sums = crate::bgnbd_sums::sums::<false>(p, data);
    (sums[0], [sums[1], sums[2], sums[3], sums[4]])
}

/// Σ wᵢ (ln Lᵢ, ∇ln Lᵢ) over the grouped rows, for the models whose row terms split into a part
/// per distinct x (`levels`) and parts per distinct time (`α + t`): BG/NBD and MBG/NBD. Summed
/// over both cores in a fixed block order, so the result does not depend on the core count.
pub(crate) fn weighted_row_sum<L: Sync>(
    alpha: f64,
    data: &GroupedSummaries,
    levels: &[L],
    row: impl Fn(&L, f64, TimeTerms, TimeTerms) -> (f64, [f64; 4]) + Sync,
) -> (f64, [f64; 4]) {
    let times: Vec<TimeTerms> = data.time_levels().iter().map(|&t| time_terms(alpha, t)).collect();
    let (weights, x_level_of_row, time_levels_of_row) =
        (data.weights(), data.x_level_of_row(), data.time_levels_of_row());
    let [ll, g0, g1, g2, g3] = crate::parallel::sum_blocks(data.len(), |range| {
        let mut acc = [0.0; 5];
        for i in range {
            let (level, [tx, t]) = (x_level_of_row[i] as usize, time_levels_of_row[i]);
            let x = data.x_levels()[level];
            let (l, g) = row(&levels[level], x, times[tx as usize], times[t as usize]);
            acc[0] += weights[i] * l;
            for (a, gi) in acc[1..].iter_mut().zip(g) {
                *a += weights[i] * gi;
            }
        }
        acc
    });
    (ll, [g0, g1, g2, g3])
}

/// Total log-likelihood Σ wᵢ ln L(r, α, a, b | xᵢ, t_xᵢ, Tᵢ) (FHL 2005 eq. 6), in log-space.
///
/// Finite for every valid parameter set and valid data, including x in the hundreds, t_x = T
/// and tiny T.
pub fn log_likelihood(params: &BgNbdParams, data: &GroupedSummaries) -> f64 {
    log_likelihood_and_gradient(params, data).0
}

/// Analytic gradient of [`log_likelihood`] with respect to (r, α, a, b), in that order.
pub fn gradient(params: &BgNbdParams, data: &GroupedSummaries) -> [f64; 4] {
    log_likelihood_and_gradient(params, data).1
}

/// One customer's log-likelihood ln L(r, α, a, b | x, t_x, T) (FHL 2005 eq. 6).
pub fn customer_log_likelihood(params: &BgNbdParams, x: f64, t_x: f64, big_t: f64) -> f64 {
    let (at_tx, at_t) = (time_terms(params.alpha, t_x), time_terms(params.alpha, big_t));
    row(params, &level_terms(params, x), x, at_tx, at_t).0
}

/// Maximum-likelihood fit; see [`fit_with_progress`].
///
/// # Errors
/// As [`fit_with_progress`].
pub fn fit(data: &GroupedSummaries, options: &FitOptions) -> Result<Fit<BgNbdParams>, ModelError> {
    fit_with_progress(data, options, &mut |_| {})
}

/// Maximum-likelihood fit over log-parameters (so every estimate is positive), minimising the
/// mean negative log-likelihood with BFGS and Newton polishing; `progress` is called once per
/// iteration. Starts from r = 1, α = ΣT / Σ(x + 1), a = b = 1. Large data are fitted by Newton's
/// method on the exact Hessian, started from a BFGS fit of a small sample of the rows (refined
/// by Newton's method on a tenth of the rows first when there are a hundred thousand or more).
///
/// # Errors
/// [`ModelError::EmptyData`] when there is nothing to fit; [`ModelError::NonFiniteStart`] if the
/// likelihood cannot be evaluated at the start.
pub fn fit_with_progress(
    data: &GroupedSummaries,
    options: &FitOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Fit<BgNbdParams>, ModelError> {
    let n = data.total_weight();
    if data.is_empty() || n <= 0.0 {
        return Err(ModelError::EmptyData("BG/NBD needs at least one customer"));
    }
    let sum_t: f64 = data.rows().map(|s| s.weight * s.big_t).sum();
    let sum_x1: f64 = data.x_levels().iter().zip(data.x_level_weights()).map(|(x, w)| w * (x + 1.0)).sum();
    let start = BgNbdParams { r: 1.0, alpha: sum_t / sum_x1, a: 1.0, b: 1.0 };
    let objective = |theta: &[f64]| mean_objective(theta, data, n);
    let value = |theta: &[f64]| objective(theta).0;
    let objective = Objective { value: &value, value_and_gradient: &objective };
    let (pilot, middle) = data.newton_pilot_samples();
    let pilot_objective = pilot.as_ref().map(|sample| {
        let n = sample.total_weight();
        move |theta: &[f64]| mean_objective(theta, sample, n)
    });
    let pilot_value = pilot_objective.as_ref().map(|f| move |theta: &[f64]| f(theta).0);
    let pilots: Vec<Objective> = match (&pilot_objective, &pilot_value) {
        (Some(f), Some(v)) => vec![Objective { value: v, value_and_gradient: f }],
        _ => Vec::new(),
    };
    let middle_objective = middle.as_ref().map(|sample| {
        let n = sample.total_weight();
        move |theta: &[f64]| mean_objective_with_hessian(theta, sample, n)
    });
    let problem = Problem {
        model: "bgnbd",
        start: start.to_log(),
        n,
        objective: &objective,
        build: &BgNbdParams::from_values,
        pilots: &pilots,
        newton: Some(&|theta: &[f64]| mean_objective_with_hessian(theta, data, n)),
        newton_pilot: middle_objective.as_ref().map(|f| f as &optim::ValueGradientHessian),
    };
    fit::run(problem, options, progress)
}

/// The mean negative log-likelihood over log-parameters θ = ln p, its gradient and its Hessian:
/// ∂²f/∂θᵢ∂θⱼ = −(pᵢ pⱼ Hᵢⱼ + δᵢⱼ pᵢ gᵢ) / n from the natural-scale gradient g and Hessian H.
fn mean_objective_with_hessian(
    theta: &[f64],
    data: &GroupedSummaries,
    n: f64,
) -> (f64, Vec<f64>, Vec<Vec<f64>>) {
    let p = BgNbdParams::from_values(&theta.iter().map(|v| v.exp()).collect::<Vec<_>>());
    let (ll, g, h) = log_likelihood_gradient_hessian(&p, data);
    let natural = [p.r, p.alpha, p.a, p.b];
    let grad = (0..4).map(|i| -g[i] * natural[i] / n).collect();
    let hessian = (0..4)
        .map(|i| {
            (0..4)
                .map(|j| {
                    let diagonal = if i == j { natural[i] * g[i] } else { 0.0 };
                    -(natural[i] * natural[j] * h[i][j] + diagonal) / n
                })
                .collect()
        })
        .collect();
    (-ll / n, grad, hessian)
}

/// The mean negative log-likelihood over log-parameters and its gradient.
fn mean_objective(theta: &[f64], data: &GroupedSummaries, n: f64) -> (f64, Vec<f64>) {
    let p = BgNbdParams::from_values(&theta.iter().map(|v| v.exp()).collect::<Vec<_>>());
    let (ll, g) = log_likelihood_and_gradient(&p, data);
    let natural = [p.r, p.alpha, p.a, p.b];
    let grad = g.iter().zip(natural).map(|(gi, v)| -gi * v / n).collect();
    (-ll / n, grad)
}

/// P(alive | x, t_x, T) = 1 / (1 + 1{x>0} a/(b+x−1) ((α+T)/(α+t_x))^(r+x)) (Fader, Hardie &
/// Lee 2008, "Computing P(alive) Using the BG/NBD Model", a note on brucehardie.com). In [0, 1];
/// exactly 1 for x = 0 (the model has no drop-out before the first repeat purchase).
pub fn probability_alive(params: &BgNbdParams, x: f64, t_x: f64, big_t: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    let ln_odds_dead = params.a.ln() - (params.b + x - 1.0).ln()
        + (params.r + x) * ((params.alpha + big_t).ln() - (params.alpha + t_x).ln());
    logistic(-ln_odds_dead)
}

/// Expected purchases in (T, T + t] for a customer with history (x, t_x, T) (FHL 2005 eq. 10):
///
/// E[Y(t) | x, t_x, T] = (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x)
///                        ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))] · P(alive | x, t_x, T).
///
/// `t ≥ 0` in the data's time unit. The formula has a removable singularity at a = 1, where
/// accuracy degrades (about |a − 1| > 1e-6 is safe).
pub fn expected_purchases(params: &BgNbdParams, x: f64, t_x: f64, big_t: f64, t: f64) -> f64 {
    expected_purchases_if_alive(params, x, big_t, t) * probability_alive(params, x, t_x, big_t)
}

/// FHL 2005 eq. 10 without its last factor P(alive): a function of (x, T) alone.
fn expected_purchases_if_alive(params: &BgNbdParams, x: f64, big_t: f64, t: f64) -> f64 {
    let BgNbdParams { r, alpha, a, b } = *params;
    if t <= 0.0 {
        return 0.0;
    }
    let z = t / (alpha + big_t + t);
    let ln_prefactor = (r + x) * ((alpha + big_t).ln() - (alpha + big_t + t).ln());
    let f = hyp2f1_signed_log(r + x, b + x, a + b + x - 1.0, z);
    (a + b + x - 1.0) / (a - 1.0) * one_minus(ln_prefactor, f)
}

/// [`probability_alive`] and [`expected_purchases`] over the next `t` for every row of `data`,
/// in row order, with the same values: the ₂F₁ factor of eq. 10 depends on (x, T) only and is
/// evaluated once per distinct pair; the rows are spread over the available cores.
pub fn predict_rows(params: &BgNbdParams, data: &GroupedSummaries, t: f64) -> Vec<RowPrediction> {
    let index = PairIndex::new(data, false);
    let mut factors = vec![0.0; index.pairs.len()];
    // The bracket of eq. 10 with its front factor, i.e. E[Y(t)] / P(alive).
    crate::parallel::fill(&mut factors, |i| {
        let (x, big_t) = index.pairs[i];
        expected_purchases_if_alive(params, x, big_t, t)
    });
    let mut out = vec![RowPrediction { probability_alive: 0.0, expected_purchases: 0.0 }; data.len()];
    crate::parallel::fill(&mut out, |i| {
        let row = data.row(i);
        let probability_alive = probability_alive(params, row.x, row.t_x, row.big_t);
        let factor = factors[index.row_pairs[i][1] as usize];
        RowPrediction { probability_alive, expected_purchases: factor * probability_alive }
    });
    out
}

/// Expected purchases in (0, t] of a customer just acquired (FHL 2005 eq. 9):
/// E[X(t)] = (a+b−1)/(a−1) · [1 − (α/(α+t))^r ₂F₁(r, b; a+b−1; t/(α+t))]. Same a = 1 caveat.
pub fn expected_purchases_new_customer(params: &BgNbdParams, t: f64) -> f64 {
    let BgNbdParams { r, alpha, a, b } = *params;
    if t <= 0.0 {
        return 0.0;
    }
    let ln_prefactor = r * (alpha.ln() - (alpha + t).ln());
    let f = hyp2f1_signed_log(r, b, a + b - 1.0, t / (alpha + t));
    (a + b - 1.0) / (a - 1.0) * one_minus(ln_prefactor, f)
}

/// P(X(t) = k): the probability that a new customer makes exactly k purchases in (0, t]
/// (FHL 2005 eq. 8). Sums to 1 over k = 0, 1, 2, …
pub fn probability_of_purchases(params: &BgNbdParams, t: f64, k: u32) -> f64 {
    let BgNbdParams { r, alpha, a, b } = *params;
    let kf = f64::from(k);
    let ln_p = alpha.ln() - (alpha + t).ln();
    let ln_q = t.ln() - (alpha + t).ln();
    let ln_beta_ratio = ln_beta(a, b + kf) - ln_beta(a, b);
    let ln_nb = ln_gamma(r + kf) - ln_gamma(r) - ln_gamma(kf + 1.0) + r * ln_p + kf * ln_q;
    let still_active = (ln_beta_ratio + ln_nb).exp();
    if k == 0 {
        return still_active;
    }
    let dropped =
        (ln_beta_ratio + a.ln() - (b + kf - 1.0).ln()).exp() * negative_binomial_tail(r, ln_p, ln_q, k);
    still_active + dropped
}

/// P(N ≥ k) for N ~ NegBin(r, p) with pmf Γ(r+j)/(Γ(r) j!) pʳ qʲ: summed from the short side.
pub(crate) fn negative_binomial_tail(r: f64, ln_p: f64, ln_q: f64, k: u32) -> f64 {
    let mut pmf = (r * ln_p).exp();
    let mut head = 0.0;
    for j in 0..k {
        head += pmf;
        pmf *= (r + f64::from(j)) / f64::from(j + 1) * ln_q.exp();
    }
    if head <= 0.5 {
        return (1.0 - head).max(0.0);
    }
    // Sum the tail directly: pmf now holds P(N = k); terms eventually shrink geometrically.
    let mut tail = 0.0;
    let mut j = k;
    while pmf > 1e-17 * tail || f64::from(j) < r {
        tail += pmf;
        pmf *= (r + f64::from(j)) / f64::from(j + 1) * ln_q.exp();
        j += 1;
        if j > k + 10_000_000 {
            break;
        }
    }
    tail
}

/// 1 − exp(ln_prefactor) · F for a signed-log F, accurate when the product is near 1.
pub(crate) fn one_minus(ln_prefactor: f64, f: SignedLog) -> f64 {
    let ln_g = ln_prefactor + f.ln_abs;
    if f.sign > 0.0 {
        -ln_g.exp_m1()
    } else if f.sign < 0.0 {
        1.0 + ln_g.exp()
    } else {
        1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn simulated(customers: usize) -> GroupedSummaries {
        let truth = BgNbdParams::new(0.243, 4.414, 0.793, 2.426).unwrap();
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        let customers = crate::simulate::bgnbd_customers(&truth, customers, 1.0, 39.0, &mut rng);
        GroupedSummaries::from_customers(&customers).unwrap()
    }

    #[test]
    fn the_analytic_hessian_agrees_with_differences_of_the_analytic_gradient() {
        let data = simulated(3_000);
        for p in [
            BgNbdParams::new(0.243, 4.414, 0.793, 2.426).unwrap(),
            BgNbdParams::new(1.3, 0.7, 2.5, 0.4).unwrap(),
        ] {
            let (ll, gradient_total, hessian) = log_likelihood_gradient_hessian(&p, &data);
            let (ll_plain, gradient_plain) = log_likelihood_and_gradient(&p, &data);
            assert!((ll - ll_plain).abs() < 1e-9 * ll.abs());
            for (a, b) in gradient_total.iter().zip(gradient_plain) {
                assert!((a - b).abs() < 1e-9 * b.abs().max(1.0));
            }
            let natural = [p.r, p.alpha, p.a, p.b];
            for j in 0..4 {
                // Central differences of the analytic gradient along parameter j.
                let h = 1e-6 * natural[j];
                let moved = |sign: f64| {
                    let mut v = natural;
                    v[j] += sign * h;
                    log_likelihood_and_gradient(&BgNbdParams::from_values(&v), &data).1
                };
                let (up, down) = (moved(1.0), moved(-1.0));
                for i in 0..4 {
                    let difference = (up[i] - down[i]) / (2.0 * h);
                    let scale = hessian[i][j].abs().max(1.0);
                    assert!(
                        (hessian[i][j] - difference).abs() < 1e-5 * scale,
                        "H[{i}][{j}] = {} against {difference} at {p:?}",
                        hessian[i][j]
                    );
                }
            }
        }
    }

    #[test]
    fn newton_from_the_pilot_reaches_the_optimum_bfgs_reaches() {
        // Enough distinct rows for a pilot fit, which Newton's method starts from.
        let data = simulated(20_000);
        assert!(data.newton_pilot_samples().0.is_some());
        let fitted = fit(&data, &FitOptions::default()).unwrap();
        let n = data.total_weight();
        let objective = |theta: &[f64]| mean_objective(theta, &data, n);
        let value = |theta: &[f64]| objective(theta).0;
        let plain = crate::optim::minimize(
            &Objective { value: &value, value_and_gradient: &objective },
            BgNbdParams { r: 1.0, alpha: 1.0, a: 1.0, b: 1.0 }.to_log(),
            None,
            1000,
            1e-9,
            &mut |_| {},
        );
        assert!(fitted.converged && plain.converged);
        assert!((fitted.log_likelihood + plain.value * n).abs() < 1e-8 * fitted.log_likelihood.abs());
        let errors = fitted.standard_errors.expect("positive-definite Hessian");
        assert!(errors.r > 0.0 && errors.alpha > 0.0 && errors.a > 0.0 && errors.b > 0.0);
    }
}
