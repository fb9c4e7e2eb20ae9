//! The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987, "Counting Your Customers: Who Are
//! They and What Will They Do Next?", *Management Science* 33(1), 1–24): likelihood, gradient,
//! fit and predictions, in the form of Fader & Hardie (2005), "A Note on Deriving the Pareto/NBD
//! Model and Related Expressions" (brucehardie.com), which writes the likelihood with ₂F₁.
//!
//! While alive, a customer buys at Poisson rate λ ~ Gamma(r, α); their lifetime is exponential
//! with rate μ ~ Gamma(s, β). The gradient is analytic, through the parameter derivatives of ₂F₁.

use serde::Serialize;

use crate::ModelError;
use crate::bgnbd::mix_with_drop;
use crate::data::{GroupedSummaries, PairIndex, RowPrediction};
use crate::fit::{self, Fit, FitOptions, Problem, Progress, check_positive};
use crate::hyp2f1::{hyp2f1_with_gradient, ln_hyp2f1};
use crate::optim::Objective;
use crate::special::{digamma, ln_gamma, logistic};

/// Pareto/NBD parameters, named as in the papers; all finite and > 0.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ParetoNbdParams {
    /// Shape of the gamma distribution of purchase rates λ.
    pub(crate) r: f64,
    /// Rate of that distribution, in the data's time unit.
    pub(crate) alpha: f64,
    /// Shape of the gamma distribution of drop-out rates μ.
    pub(crate) s: f64,
    /// Rate of that distribution, in the data's time unit.
    pub(crate) beta: f64,
}

/// The parameters' values (read-only: [`ParetoNbdParams::new`] is the one way to make them, so they are
/// always valid).
impl ParetoNbdParams {
    /// `r`.
    pub fn r(&self) -> f64 {
        self.r
    }

    /// `alpha`.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// `s`.
    pub fn s(&self) -> f64 {
        self.s
    }

    /// `beta`.
    pub fn beta(&self) -> f64 {
        self.beta
    }
}

impl ParetoNbdParams {
    /// Checked constructor.
    ///
    /// # Errors
    /// [`ModelError::InvalidParameter`] when a parameter is not finite and positive.
    pub fn new(r: f64, alpha: f64, s: f64, beta: f64) -> Result<Self, ModelError> {
        check_positive("r", r)?;
        check_positive("alpha", alpha)?;
        check_positive("s", s)?;
        check_positive("beta", beta)?;
        Ok(ParetoNbdParams { r, alpha, s, beta })
    }

    fn from_values(v: &[f64]) -> Self {
        ParetoNbdParams { r: v[0], alpha: v[1], s: v[2], beta: v[3] }
    }
}

/// ln of one of the two terms of A₀ (Fader & Hardie 2005 note) at time t, with its gradient
/// over (r, α, s, β) when asked for:
/// for α ≥ β, F(r+s+x, s+1; r+s+x+1; (α−β)/(α+t)) / (α+t)^(r+s+x);
/// for α < β, F(r+s+x, r+x; r+s+x+1; (β−α)/(β+t)) / (β+t)^(r+s+x).
fn a0_term(p: &ParetoNbdParams, x: f64, t: f64, want_gradient: bool) -> (f64, [f64; 4]) {
    let rsx = p.r + p.s + x;
    let alpha_wins = p.alpha >= p.beta;
    let (u, other, b1) =
        if alpha_wins { (p.alpha + t, p.beta, p.s + 1.0) } else { (p.beta + t, p.alpha, p.r + x) };
    let z = (u - t - other) / u;
    let ln_u = u.ln();
    if !want_gradient {
        return (ln_hyp2f1(rsx, b1, rsx + 1.0, z) - rsx * ln_u, [0.0; 4]);
    }
    let (f, [fa, fb, fc, fz]) = hyp2f1_with_gradient(rsx, b1, rsx + 1.0, z);
    let value = if f.sign > 0.0 { f.ln_abs - rsx * ln_u } else { f64::NAN };
    // dz/d(rate) = (other + t)/u², dz/d(other) = −1/u, d ln u / d(rate) = 1/u.
    let d_rate = fz * (other + t) / (u * u) - rsx / u;
    let d_other = -fz / u;
    let gradient = if alpha_wins {
        [fa + fc - ln_u, d_rate, fa + fb + fc - ln_u, d_other]
    } else {
        [fa + fb + fc - ln_u, d_other, fa + fc - ln_u, d_rate]
    };
    (value, gradient)
}

/// ln of the first (alive at T) and second (died in (t_x, T)) likelihood terms without the common
/// factor Γ(r+x) αʳ βˢ / Γ(r), with their gradients when asked for. The second is
/// ln[s/(r+s+x) · A₀], A₀ = term(t_x) − term(T) ≥ 0 (an integral over (t_x, T)); −∞ if t_x = T.
fn ln_parts(p: &ParetoNbdParams, x: f64, t_x: f64, big_t: f64, want_gradient: bool) -> [(f64, [f64; 4]); 2] {
    let at_t = TimeTerms::new(p, big_t);
    combine_parts(p, x, &at_t, a0_term(p, x, t_x, want_gradient), a0_term(p, x, big_t, want_gradient))
}

/// ln(α + t), ln(β + t) and their reciprocals for one time value.
#[derive(Debug, Clone, Copy, Default)]
struct TimeTerms {
    ln_alpha_t: f64,
    ln_beta_t: f64,
    inv_alpha_t: f64,
    inv_beta_t: f64,
}

impl TimeTerms {
    fn new(p: &ParetoNbdParams, t: f64) -> Self {
        TimeTerms {
            ln_alpha_t: (p.alpha + t).ln(),
            ln_beta_t: (p.beta + t).ln(),
            inv_alpha_t: 1.0 / (p.alpha + t),
            inv_beta_t: 1.0 / (p.beta + t),
        }
    }
}

/// [`ln_parts`] from the A₀ terms at t_x and at T, already evaluated.
fn combine_parts(
    p: &ParetoNbdParams,
    x: f64,
    at_big_t: &TimeTerms,
    (at_tx, g_tx): (f64, [f64; 4]),
    (at_t, g_t): (f64, [f64; 4]),
) -> [(f64, [f64; 4]); 2] {
    let rx = p.r + x;
    let rsx = rx + p.s;
    let (ln_at, ln_bt) = (at_big_t.ln_alpha_t, at_big_t.ln_beta_t);
    let alive =
        (-rx * ln_at - p.s * ln_bt, [-ln_at, -rx * at_big_t.inv_alpha_t, -ln_bt, -p.s * at_big_t.inv_beta_t]);
    if at_t >= at_tx {
        return [alive, (f64::NEG_INFINITY, [0.0; 4])];
    }
    // ln A₀ = ln term(t_x) + ln(1 − q), q = term(T) / term(t_x) < 1, with 1 − q from expm1 so
    // that t_x close to T keeps its digits.
    let one_minus_q = -(at_t - at_tx).exp_m1();
    let q = 1.0 - one_minus_q;
    let ln_a0 = at_tx + one_minus_q.ln();
    // d ln A₀ = (d term(t_x) − q d term(T)) / (1 − q).
    let d_ln_a0: [f64; 4] = std::array::from_fn(|i| (g_tx[i] - q * g_t[i]) / one_minus_q);
    let died = p.s.ln() - rsx.ln() + ln_a0;
    let d_died = [d_ln_a0[0] - 1.0 / rsx, d_ln_a0[1], d_ln_a0[2] + 1.0 / p.s - 1.0 / rsx, d_ln_a0[3]];
    [alive, (died, d_died)]
}

/// One customer's log-likelihood and, when asked for, its gradient over (r, α, s, β).
fn customer_terms(p: &ParetoNbdParams, x: f64, t_x: f64, big_t: f64, want_gradient: bool) -> (f64, [f64; 4]) {
    let parts = ln_parts(p, x, t_x, big_t, want_gradient);
    finish_customer(p, &level_terms(p, x), parts, want_gradient)
}

/// Terms that depend on x alone: ln Γ(r+x) − ln Γ(r) and ψ(r+x) − ψ(r).
#[derive(Debug, Clone, Copy, Default)]
struct LevelTerms {
    ln_gamma_ratio: f64,
    digamma_difference: f64,
}

fn level_terms(p: &ParetoNbdParams, x: f64) -> LevelTerms {
    LevelTerms {
        ln_gamma_ratio: ln_gamma(p.r + x) - ln_gamma(p.r),
        digamma_difference: digamma(p.r + x) - digamma(p.r),
    }
}

/// Adds the common factor Γ(r+x) αʳ βˢ / Γ(r) to the two parts and mixes them.
fn finish_customer(
    p: &ParetoNbdParams,
    level: &LevelTerms,
    [(alive, d_alive), (died, d_died)]: [(f64, [f64; 4]); 2],
    want_gradient: bool,
) -> (f64, [f64; 4]) {
    let (mix, w_died) = mix_with_drop(alive, died);
    let (ln_alpha, ln_beta) = (p.alpha.ln(), p.beta.ln());
    let ll = level.ln_gamma_ratio + p.r * ln_alpha + p.s * ln_beta + mix;
    if !want_gradient {
        return (ll, [0.0; 4]);
    }
    let own = [level.digamma_difference + ln_alpha, p.r / p.alpha, ln_beta, p.s / p.beta];
    let grad = std::array::from_fn(|i| own[i] + (1.0 - w_died) * d_alive[i] + w_died * d_died[i]);
    (ll, grad)
}

/// One customer's log-likelihood (Fader & Hardie 2005 note):
///
/// L = Γ(r+x) αʳ βˢ / Γ(r) · [1 / ((α+T)^(r+x) (β+T)ˢ) + s/(r+s+x) · A₀],
///
/// A₀ = F(r+s+x, s+1; r+s+x+1; (α−β)/(α+t_x)) / (α+t_x)^(r+s+x) − (same at T) for α ≥ β, and
/// F(r+s+x, r+x; r+s+x+1; (β−α)/(β+t)) / (β+t)^(r+s+x) at t_x minus at T for α < β.
pub fn customer_log_likelihood(params: &ParetoNbdParams, x: f64, t_x: f64, big_t: f64) -> f64 {
    customer_terms(params, x, t_x, big_t, false).0
}

/// Total log-likelihood and (when asked for) gradient, with the A₀ terms evaluated once per
/// distinct (x, t) pair and the work spread over the available cores.
fn log_likelihood_and_gradient_indexed(
    p: &ParetoNbdParams,
    data: &GroupedSummaries,
    index: &PairIndex,
    want_gradient: bool,
) -> (f64, [f64; 4]) {
    let mut terms = vec![(0.0, [0.0; 4]); index.pairs.len()];
    crate::parallel::fill(&mut terms, |i| {
        let (x, t) = index.pairs[i];
        a0_term(p, x, t, want_gradient)
    });
    let levels: Vec<LevelTerms> = data.x_levels().iter().map(|&x| level_terms(p, x)).collect();
    let times: Vec<TimeTerms> = data.time_levels().iter().map(|&t| TimeTerms::new(p, t)).collect();
    let (weights, x_level_of_row, time_levels_of_row) =
        (data.weights(), data.x_level_of_row(), data.time_levels_of_row());
    let [ll, g0, g1, g2, g3] = crate::parallel::sum_blocks(data.len(), |range| {
        let mut acc = [0.0; 5];
        for i in range {
            let (level, [tx_pair, t_pair]) = (x_level_of_row[i] as usize, index.row_pairs[i]);
            let at_big_t = &times[time_levels_of_row[i][1] as usize];
            let x = data.x_levels()[level];
            let parts = combine_parts(p, x, at_big_t, terms[tx_pair as usize], terms[t_pair as usize]);
            let (l, g) = finish_customer(p, &levels[level], parts, want_gradient);
            acc[0] += weights[i] * l;
            for (a, gi) in acc[1..].iter_mut().zip(g) {
                *a += weights[i] * gi;
            }
        }
        acc
    });
    (ll, [g0, g1, g2, g3])
}

fn log_likelihood_and_gradient(
    p: &ParetoNbdParams,
    data: &GroupedSummaries,
    want_gradient: bool,
) -> (f64, [f64; 4]) {
    log_likelihood_and_gradient_indexed(p, data, &PairIndex::new(data, true), want_gradient)
}

/// Total log-likelihood Σ wᵢ ln L(r, α, s, β | xᵢ, t_xᵢ, Tᵢ); see [`customer_log_likelihood`].
pub fn log_likelihood(params: &ParetoNbdParams, data: &GroupedSummaries) -> f64 {
    log_likelihood_and_gradient(params, data, false).0
}

/// Analytic gradient of [`log_likelihood`] over (r, α, s, β), in that order: the chain rule
/// through ₂F₁'s parameter and argument derivatives ([`hyp2f1_with_gradient`]).
pub fn gradient(params: &ParetoNbdParams, data: &GroupedSummaries) -> [f64; 4] {
    log_likelihood_and_gradient(params, data, true).1
}

/// Maximum-likelihood fit; see [`fit_with_progress`].
///
/// # Errors
/// As [`fit_with_progress`].
pub fn fit(data: &GroupedSummaries, options: &FitOptions) -> Result<Fit<ParetoNbdParams>, ModelError> {
    fit_with_progress(data, options, &mut |_| {})
}

/// Maximum-likelihood fit over log-parameters (BFGS + Newton polishing on the mean negative
/// log-likelihood). Starts from r = s = 1, α = ΣT / Σ(x + 1), β = mean T (or, for large data,
/// from a pilot fit on a sample of the rows).
///
/// # Errors
/// [`ModelError::EmptyData`] when there is nothing to fit; [`ModelError::NonFiniteStart`] if the
/// likelihood cannot be evaluated at the start.
pub fn fit_with_progress(
    data: &GroupedSummaries,
    options: &FitOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Fit<ParetoNbdParams>, ModelError> {
    let n = data.total_weight();
    if data.is_empty() || n <= 0.0 {
        return Err(ModelError::EmptyData("Pareto/NBD needs at least one customer"));
    }
    let sum_t: f64 = data.rows().map(|s| s.weight * s.big_t).sum();
    let sum_x1: f64 = data.rows().map(|s| s.weight * (s.x + 1.0)).sum();
    let full = MeanObjective::new(data);
    let with_gradient = |theta: &[f64]| full.evaluate(theta, true);
    let value = |theta: &[f64]| full.evaluate(theta, false).0;
    let objective = Objective { value: &value, value_and_gradient: &with_gradient };
    let samples = data.pilot_samples();
    let sample_objectives: Vec<MeanObjective> = samples.iter().map(MeanObjective::new).collect();
    let with_gradients: Vec<_> =
        sample_objectives.iter().map(|o| move |theta: &[f64]| o.evaluate(theta, true)).collect();
    let values: Vec<_> =
        sample_objectives.iter().map(|o| move |theta: &[f64]| o.evaluate(theta, false).0).collect();
    let pilots: Vec<Objective> = with_gradients
        .iter()
        .zip(&values)
        .map(|(f, v)| Objective { value: v, value_and_gradient: f })
        .collect();
    let problem = Problem {
        model: "pareto-nbd",
        start: vec![0.0, (sum_t / sum_x1).ln(), 0.0, (sum_t / n).ln()],
        n,
        objective: &objective,
        build: &ParetoNbdParams::from_values,
        pilots: &pilots,
        newton: None,
        newton_pilot: None,
    };
    fit::run(problem, options, progress)
}

/// The mean negative log-likelihood over log-parameters, with the data's pair index built once.
struct MeanObjective<'a> {
    data: &'a GroupedSummaries,
    index: PairIndex,
    n: f64,
}

impl<'a> MeanObjective<'a> {
    fn new(data: &'a GroupedSummaries) -> Self {
        MeanObjective { data, index: PairIndex::new(data, true), n: data.total_weight() }
    }

    /// The value and, when asked for, the gradient (empty otherwise).
    fn evaluate(&self, theta: &[f64], want_gradient: bool) -> (f64, Vec<f64>) {
        let natural: Vec<f64> = theta.iter().map(|v| v.exp()).collect();
        let p = ParetoNbdParams::from_values(&natural);
        let (ll, g) = log_likelihood_and_gradient_indexed(&p, self.data, &self.index, want_gradient);
        let grad = if want_gradient {
            g.iter().zip(&natural).map(|(gi, v)| -gi * v / self.n).collect()
        } else {
            vec![]
        };
        (-ll / self.n, grad)
    }
}

/// P(alive | x, t_x, T) = 1 / (1 + s/(r+s+x) · (α+T)^(r+x) (β+T)ˢ · A₀)  (Fader & Hardie 2005
/// note; Schmittlein et al. 1987). In [0, 1]; 1 when t_x = T.
pub fn probability_alive(params: &ParetoNbdParams, x: f64, t_x: f64, big_t: f64) -> f64 {
    let [(alive, _), (died, _)] = ln_parts(params, x, t_x, big_t, false);
    logistic(alive - died)
}

/// Expected purchases in (T, T + t] given (x, t_x, T) (Schmittlein et al. 1987):
///
/// E[Y(t) | x, t_x, T] = (r+x)(β+T) / ((α+T)(s−1)) · [1 − ((β+T)/(β+T+t))^(s−1)] · P(alive),
///
/// with the s = 1 limit (r+x)(β+T)/(α+T) · ln((β+T+t)/(β+T)) handled smoothly.
pub fn expected_purchases(params: &ParetoNbdParams, x: f64, t_x: f64, big_t: f64, t: f64) -> f64 {
    let ParetoNbdParams { r, alpha, s, beta } = *params;
    let horizon = ((beta + big_t + t) / (beta + big_t)).ln();
    (r + x) * (beta + big_t) / (alpha + big_t)
        * lifetime_factor(s, horizon)
        * probability_alive(params, x, t_x, big_t)
}

/// [`probability_alive`] and [`expected_purchases`] over the next `t` for every row of `data`,
/// in row order, with the same values: the ₂F₁ terms are evaluated once per distinct (x, t_x)
/// and (x, T) pair and the rows are spread over the available cores.
pub fn predict_rows(params: &ParetoNbdParams, data: &GroupedSummaries, t: f64) -> Vec<RowPrediction> {
    let p = params;
    let index = PairIndex::new(data, true);
    let mut terms = vec![(0.0, [0.0; 4]); index.pairs.len()];
    crate::parallel::fill(&mut terms, |i| a0_term(p, index.pairs[i].0, index.pairs[i].1, false));
    let mut out = vec![RowPrediction { probability_alive: 0.0, expected_purchases: 0.0 }; data.len()];
    crate::parallel::fill(&mut out, |i| {
        let (row, [tx_pair, t_pair]) = (data.row(i), index.row_pairs[i]);
        let at_big_t = TimeTerms::new(p, row.big_t);
        let [(alive, _), (died, _)] =
            combine_parts(p, row.x, &at_big_t, terms[tx_pair as usize], terms[t_pair as usize]);
        let probability_alive = logistic(alive - died);
        let horizon = ((p.beta + row.big_t + t) / (p.beta + row.big_t)).ln();
        let expected_purchases = (p.r + row.x) * (p.beta + row.big_t) / (p.alpha + row.big_t)
            * lifetime_factor(p.s, horizon)
            * probability_alive;
        RowPrediction { probability_alive, expected_purchases }
    });
    out
}

/// Expected purchases in (0, t] of a new customer (Schmittlein et al. 1987):
/// E[X(t)] = rβ / (α(s−1)) · [1 − (β/(β+t))^(s−1)].
pub fn expected_purchases_new_customer(params: &ParetoNbdParams, t: f64) -> f64 {
    let ParetoNbdParams { r, alpha, s, beta } = *params;
    r * beta / alpha * lifetime_factor(s, ((beta + t) / beta).ln())
}

/// [1 − e^(−(s−1)L)] / (s − 1), which tends to L as s → 1.
fn lifetime_factor(s: f64, ln_ratio: f64) -> f64 {
    let k = s - 1.0;
    if k.abs() < 1e-12 { ln_ratio } else { -(-k * ln_ratio).exp_m1() / k }
}

/// Gauss–Legendre points per panel and panels used by [`probability_of_purchases`].
const QUADRATURE_POINTS: usize = 48;
const QUADRATURE_PANELS: usize = 16;

/// P(X(t) = k): the probability that a new customer makes exactly k purchases in (0, t].
///
/// Conditioning on the lifetime τ ~ Pareto II(s, β) and mixing λ ~ Gamma(r, α) (Schmittlein et
/// al. 1987; Fader & Hardie 2005 note):
///
/// P = (β/(β+t))ˢ NB(k; r, α/(α+t)) + ∫₀ᵗ s βˢ (β+τ)^−(s+1) NB(k; r, α/(α+τ)) dτ,
///
/// and with v = τ/(α+τ) the integral is Γ(r+k)/(Γ(r) k!) · s βˢ α ·
/// ∫₀^(t/(α+t)) vᵏ (1−v)^(r+s−1) (β + (α−β) v)^−(s+1) dv, evaluated by composite Gauss–Legendre
/// quadrature (16 panels × 48 points, ~1e-12 relative for k up to a few hundred).
pub fn probability_of_purchases(params: &ParetoNbdParams, t: f64, k: u32) -> f64 {
    let ParetoNbdParams { r, alpha, s, beta } = *params;
    if t <= 0.0 {
        return if k == 0 { 1.0 } else { 0.0 };
    }
    let kf = f64::from(k);
    let ln_nb_const = ln_gamma(r + kf) - ln_gamma(r) - ln_gamma(kf + 1.0);
    let ln_survive = s * (beta.ln() - (beta + t).ln());
    let alive =
        (ln_survive + ln_nb_const + r * (alpha / (alpha + t)).ln() + kf * (t / (alpha + t)).ln()).exp();
    let upper = t / (alpha + t);
    let ln_front = ln_nb_const + s.ln() + s * beta.ln() + alpha.ln();
    let integrand = |v: f64| {
        let ln_power = if k == 0 { 0.0 } else { kf * v.ln() };
        (ln_front + ln_power + (r + s - 1.0) * (-v).ln_1p() - (s + 1.0) * (beta + (alpha - beta) * v).ln())
            .exp()
    };
    let rule = crate::special::gauss_legendre(QUADRATURE_POINTS);
    let width = upper / QUADRATURE_PANELS as f64;
    let died: f64 = (0..QUADRATURE_PANELS)
        .map(|panel| {
            let mid = (panel as f64 + 0.5) * width;
            rule.iter().map(|(x, w)| w * integrand(mid + 0.5 * width * x)).sum::<f64>() * 0.5 * width
        })
        .sum();
    alive + died
}
