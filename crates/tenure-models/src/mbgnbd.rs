//! The MBG/NBD model (Batislam, Denizel & Filiztekin 2007, "Empirical validation and comparison
//! of models for customer base analysis", *International Journal of Research in Marketing*
//! 24(3), 201–209): likelihood, analytic gradient, fit and predictions.
//!
//! As BG/NBD, except that a customer may also drop out right after the first purchase (time 0),
//! so customers with no repeat purchase can be inactive. Simulation is in [`crate::simulate`].

use serde::Serialize;

use crate::ModelError;
use crate::bgnbd::{TimeTerms, mix_with_drop, negative_binomial_tail, one_minus};
use crate::data::GroupedSummaries;
use crate::fit::{self, Fit, FitOptions, Problem, Progress, check_positive};
use crate::hyp2f1::hyp2f1_signed_log;
use crate::optim::Objective;
use crate::special::{digamma, ln_beta, ln_gamma, logistic};

/// MBG/NBD parameters (same meaning as in BG/NBD); all finite and > 0.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MbgNbdParams {
    /// Shape of the gamma distribution of purchase rates λ.
    pub(crate) r: f64,
    /// Rate of that distribution, in the data's time unit.
    pub(crate) alpha: f64,
    /// First shape of the beta distribution of drop-out probabilities p.
    pub(crate) a: f64,
    /// Second shape of that distribution.
    pub(crate) b: f64,
}

/// The parameters' values (read-only: [`MbgNbdParams::new`] is the one way to make them, so they are
/// always valid).
impl MbgNbdParams {
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

impl MbgNbdParams {
    /// Checked constructor.
    ///
    /// # Errors
    /// [`ModelError::InvalidParameter`] when a parameter is not finite and positive.
    pub fn new(r: f64, alpha: f64, a: f64, b: f64) -> Result<Self, ModelError> {
        check_positive("r", r)?;
        check_positive("alpha", alpha)?;
        check_positive("a", a)?;
        check_positive("b", b)?;
        Ok(MbgNbdParams { r, alpha, a, b })
    }

    fn from_values(v: &[f64]) -> Self {
        MbgNbdParams { r: v[0], alpha: v[1], a: v[2], b: v[3] }
    }
}

/// Terms depending on x alone: value and (r, a, b) derivatives of
/// ln Γ(r+x) − ln Γ(r) + ln B(a, b+x+1) − ln B(a, b), and ln(a/(b+x)).
fn level(p: &MbgNbdParams, x: f64) -> ([f64; 4], f64) {
    let psi = digamma(p.a + p.b) - digamma(p.a + p.b + x + 1.0);
    let value = ln_gamma(p.r + x) - ln_gamma(p.r) + ln_beta(p.a, p.b + x + 1.0) - ln_beta(p.a, p.b);
    let d_r = digamma(p.r + x) - digamma(p.r);
    let d_b = digamma(p.b + x + 1.0) - digamma(p.b) + psi;
    ([value, d_r, psi, d_b], p.a.ln() - (p.b + x).ln())
}

/// ln L = ln Γ(r+x) − ln Γ(r) + r ln α + ln B(a, b+x+1) − ln B(a, b)
///        + ln[(α+T)^−(r+x) + a/(b+x) (α+t_x)^−(r+x)]   (Batislam et al. 2007), with gradient.
fn row(p: &MbgNbdParams, lv: &([f64; 4], f64), x: f64, at_tx: TimeTerms, at_t: TimeTerms) -> (f64, [f64; 4]) {
    let ([value, d_r, d_a, d_b], ln_drop) = *lv;
    let rx = p.r + x;
    let ln_alpha = p.alpha.ln();
    let (mix, wd) = mix_with_drop(-rx * at_t.ln, ln_drop - rx * at_tx.ln);
    let ws = 1.0 - wd;
    let grad = [
        d_r + ln_alpha - ws * at_t.ln - wd * at_tx.ln,
        p.r / p.alpha - rx * (ws * at_t.inverse + wd * at_tx.inverse),
        d_a + wd / p.a,
        d_b - wd / (p.b + x),
    ];
    (value + p.r * ln_alpha + mix, grad)
}

fn log_likelihood_and_gradient(p: &MbgNbdParams, data: &GroupedSummaries) -> (f64, [f64; 4]) {
    let levels: Vec<_> = data.x_levels().iter().map(|&x| level(p, x)).collect();
    crate::bgnbd::weighted_row_sum(p.alpha, data, &levels, |level, x, t_x, t| row(p, level, x, t_x, t))
}

/// Total log-likelihood Σ wᵢ ln L(r, α, a, b | xᵢ, t_xᵢ, Tᵢ) (Batislam et al. 2007), log-space.
pub fn log_likelihood(params: &MbgNbdParams, data: &GroupedSummaries) -> f64 {
    log_likelihood_and_gradient(params, data).0
}

/// Analytic gradient of [`log_likelihood`] over (r, α, a, b), in that order.
pub fn gradient(params: &MbgNbdParams, data: &GroupedSummaries) -> [f64; 4] {
    log_likelihood_and_gradient(params, data).1
}

/// Maximum-likelihood fit; see [`fit_with_progress`].
///
/// # Errors
/// As [`fit_with_progress`].
pub fn fit(data: &GroupedSummaries, options: &FitOptions) -> Result<Fit<MbgNbdParams>, ModelError> {
    fit_with_progress(data, options, &mut |_| {})
}

/// Maximum-likelihood fit over log-parameters from r = 1, α = ΣT / Σ(x + 1), a = b = 1 (for
/// large data, from a pilot fit on a sample of the rows).
///
/// # Errors
/// [`ModelError::EmptyData`] when there is nothing to fit; [`ModelError::NonFiniteStart`] if the
/// likelihood cannot be evaluated at the start.
pub fn fit_with_progress(
    data: &GroupedSummaries,
    options: &FitOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Fit<MbgNbdParams>, ModelError> {
    let n = data.total_weight();
    if data.is_empty() || n <= 0.0 {
        return Err(ModelError::EmptyData("MBG/NBD needs at least one customer"));
    }
    let sum_t: f64 = data.rows().map(|s| s.weight * s.big_t).sum();
    let sum_x1: f64 = data.rows().map(|s| s.weight * (s.x + 1.0)).sum();
    let with_gradient = |theta: &[f64]| mean_objective(theta, data, n);
    let value = |theta: &[f64]| with_gradient(theta).0;
    let objective = Objective { value: &value, value_and_gradient: &with_gradient };
    let samples = data.pilot_samples();
    let sample_objectives: Vec<_> = samples
        .iter()
        .map(|sample| {
            let n = sample.total_weight();
            move |theta: &[f64]| mean_objective(theta, sample, n)
        })
        .collect();
    let sample_values: Vec<_> = sample_objectives.iter().map(|f| move |theta: &[f64]| f(theta).0).collect();
    let pilots: Vec<Objective> = sample_objectives
        .iter()
        .zip(&sample_values)
        .map(|(f, v)| Objective { value: v, value_and_gradient: f })
        .collect();
    let problem = Problem {
        model: "mbgnbd",
        start: vec![0.0, (sum_t / sum_x1).ln(), 0.0, 0.0],
        n,
        objective: &objective,
        build: &MbgNbdParams::from_values,
        pilots: &pilots,
        newton: None,
        newton_pilot: None,
    };
    fit::run(problem, options, progress)
}

/// The mean negative log-likelihood over log-parameters and its gradient.
fn mean_objective(theta: &[f64], data: &GroupedSummaries, n: f64) -> (f64, Vec<f64>) {
    let natural: Vec<f64> = theta.iter().map(|v| v.exp()).collect();
    let (ll, g) = log_likelihood_and_gradient(&MbgNbdParams::from_values(&natural), data);
    (-ll / n, g.iter().zip(&natural).map(|(gi, v)| -gi * v / n).collect())
}

/// P(alive | x, t_x, T) = 1 / (1 + a/(b+x) · ((α+T)/(α+t_x))^(r+x)) (Batislam et al. 2007).
/// Below 1 even for x = 0, unlike BG/NBD.
pub fn probability_alive(params: &MbgNbdParams, x: f64, t_x: f64, big_t: f64) -> f64 {
    let ln_odds_dead = params.a.ln() - (params.b + x).ln()
        + (params.r + x) * ((params.alpha + big_t).ln() - (params.alpha + t_x).ln());
    logistic(-ln_odds_dead)
}

/// Expected purchases in (T, T + t] given (x, t_x, T) (Batislam et al. 2007):
///
/// E = (a+b+x)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, b+x+1; a+b+x; t/(α+T+t))]
///     · P(alive | x, t_x, T).
///
/// Removable singularity at a = 1 as in BG/NBD.
pub fn expected_purchases(params: &MbgNbdParams, x: f64, t_x: f64, big_t: f64, t: f64) -> f64 {
    let MbgNbdParams { r, alpha, a, b } = *params;
    if t <= 0.0 {
        return 0.0;
    }
    let ln_prefactor = (r + x) * ((alpha + big_t).ln() - (alpha + big_t + t).ln());
    let f = hyp2f1_signed_log(r + x, b + x + 1.0, a + b + x, t / (alpha + big_t + t));
    (a + b + x) / (a - 1.0) * one_minus(ln_prefactor, f) * probability_alive(params, x, t_x, big_t)
}

/// Expected purchases in (0, t] of a new customer (Batislam et al. 2007):
/// E[X(t)] = b/(a−1) · [1 − (α/(α+t))^r ₂F₁(r, b+1; a+b; t/(α+t))].
pub fn expected_purchases_new_customer(params: &MbgNbdParams, t: f64) -> f64 {
    let MbgNbdParams { r, alpha, a, b } = *params;
    if t <= 0.0 {
        return 0.0;
    }
    let ln_prefactor = r * (alpha.ln() - (alpha + t).ln());
    let f = hyp2f1_signed_log(r, b + 1.0, a + b, t / (alpha + t));
    b / (a - 1.0) * one_minus(ln_prefactor, f)
}

/// P(X(t) = k) for a new customer (Batislam et al. 2007):
///
/// P = B(a, b+k+1)/B(a,b) · NB(k) + B(a+1, b+k)/B(a,b) · P(N ≥ k),
///
/// where N ~ NegBin(r, α/(α+t)) counts purchases of a customer who never drops out: alive after
/// the k + 1 drop-out chances (time 0 and each purchase) with exactly k purchases, or gone at the
/// chance right after the k-th purchase (at time 0 when k = 0).
pub fn probability_of_purchases(params: &MbgNbdParams, t: f64, k: u32) -> f64 {
    let MbgNbdParams { r, alpha, a, b } = *params;
    let kf = f64::from(k);
    let ln_p = alpha.ln() - (alpha + t).ln();
    let ln_q = t.ln() - (alpha + t).ln();
    let ln_nb = ln_gamma(r + kf) - ln_gamma(r) - ln_gamma(kf + 1.0) + r * ln_p + kf * ln_q;
    let alive = (ln_beta(a, b + kf + 1.0) - ln_beta(a, b) + ln_nb).exp();
    let gone = (ln_beta(a + 1.0, b + kf) - ln_beta(a, b)).exp() * negative_binomial_tail(r, ln_p, ln_q, k);
    alive + gone
}
