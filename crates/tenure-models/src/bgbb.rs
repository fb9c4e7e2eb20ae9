//! The BG/BB model for discrete transaction opportunities (Fader, Hardie & Shang 2010,
//! "Customer-Base Analysis in a Discrete-Time Noncontractual Setting", *Marketing Science*
//! 29(6), 1086–1108): likelihood, analytic gradient, fit and predictions.
//!
//! At each opportunity an alive customer transacts with probability p ~ Beta(α, β); at the start of
//! each opportunity, an alive customer becomes inactive with probability θ ~ Beta(γ, δ). A
//! customer is summarised by x transactions in n opportunities, the last at opportunity t_x.

use serde::Serialize;

use crate::ModelError;
use crate::fit::{self, Fit, FitOptions, Problem, Progress, check_positive};
use crate::optim::Objective;
use crate::special::{digamma, ln_beta, ln_gamma, log_sum_exp};

/// BG/BB parameters, named as in the paper; all finite and > 0.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BgBbParams {
    /// First shape of the beta distribution of transaction probabilities p.
    pub(crate) alpha: f64,
    /// Second shape of that distribution.
    pub(crate) beta: f64,
    /// First shape of the beta distribution of drop-out probabilities θ.
    pub(crate) gamma: f64,
    /// Second shape of that distribution.
    pub(crate) delta: f64,
}

/// The parameters' values (read-only: [`BgBbParams::new`] is the one way to make them, so they are
/// always valid).
impl BgBbParams {
    /// `alpha`.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// `beta`.
    pub fn beta(&self) -> f64 {
        self.beta
    }

    /// `gamma`.
    pub fn gamma(&self) -> f64 {
        self.gamma
    }

    /// `delta`.
    pub fn delta(&self) -> f64 {
        self.delta
    }
}

impl BgBbParams {
    /// Checked constructor.
    ///
    /// # Errors
    /// [`ModelError::InvalidParameter`] when a parameter is not finite and positive.
    pub fn new(alpha: f64, beta: f64, gamma: f64, delta: f64) -> Result<Self, ModelError> {
        check_positive("alpha", alpha)?;
        check_positive("beta", beta)?;
        check_positive("gamma", gamma)?;
        check_positive("delta", delta)?;
        Ok(BgBbParams { alpha, beta, gamma, delta })
    }

    fn from_values(v: &[f64]) -> Self {
        BgBbParams { alpha: v[0], beta: v[1], gamma: v[2], delta: v[3] }
    }
}

/// A discrete-time history: `x` transactions in `n` opportunities, the last at opportunity
/// `t_x` (0 when x = 0), standing for `weight` customers. Valid: x ≤ t_x ≤ n, and t_x = 0 iff
/// x = 0.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BgBbSummary {
    /// Number of transactions ("frequency").
    pub x: u32,
    /// Opportunity of the last transaction ("recency").
    pub t_x: u32,
    /// Number of opportunities observed ("periods").
    pub n: u32,
    /// How many customers share this history.
    pub weight: f64,
}

/// One likelihood term B(α+x, β+y)/B(α,β) · B(γ+g, δ+d)/B(γ,δ), in log, with its gradient.
fn term(p: &BgBbParams, x: f64, y: f64, g: f64, d: f64) -> (f64, [f64; 4]) {
    let BgBbParams { alpha, beta, gamma, delta } = *p;
    let ln = ln_beta(alpha + x, beta + y) - ln_beta(alpha, beta) + ln_beta(gamma + g, delta + d)
        - ln_beta(gamma, delta);
    let (psi_ab, psi_gd) = (digamma(alpha + beta), digamma(gamma + delta));
    let (psi_all_p, psi_all_t) = (digamma(alpha + beta + x + y), digamma(gamma + delta + g + d));
    let grad = [
        digamma(alpha + x) - psi_all_p - digamma(alpha) + psi_ab,
        digamma(beta + y) - psi_all_p - digamma(beta) + psi_ab,
        digamma(gamma + g) - psi_all_t - digamma(gamma) + psi_gd,
        digamma(delta + d) - psi_all_t - digamma(delta) + psi_gd,
    ];
    (ln, grad)
}

/// ln L and its gradient for one history (FHS 2010):
///
/// L = B(α+x, β+n−x)/B(α,β) · B(γ, δ+n)/B(γ,δ)
///   + Σ_{i=0}^{n−t_x−1} B(α+x, β+t_x−x+i)/B(α,β) · B(γ+1, δ+t_x+i)/B(γ,δ).
fn row(p: &BgBbParams, s: &BgBbSummary) -> (f64, [f64; 4]) {
    let (x, t_x, n) = (f64::from(s.x), f64::from(s.t_x), f64::from(s.n));
    let mut terms = vec![term(p, x, n - x, 0.0, n)];
    for i in 0..s.n.saturating_sub(s.t_x) {
        let i = f64::from(i);
        terms.push(term(p, x, t_x - x + i, 1.0, t_x + i));
    }
    let logs: Vec<f64> = terms.iter().map(|t| t.0).collect();
    let ln_l = log_sum_exp(&logs);
    let mut grad = [0.0; 4];
    for (ln, g) in &terms {
        let w = (ln - ln_l).exp();
        for (acc, gi) in grad.iter_mut().zip(g) {
            *acc += w * gi;
        }
    }
    (ln_l, grad)
}

fn log_likelihood_and_gradient(p: &BgBbParams, data: &[BgBbSummary]) -> (f64, [f64; 4]) {
    let mut ll = 0.0;
    let mut grad = [0.0; 4];
    for s in data {
        let (l, g) = row(p, s);
        ll += s.weight * l;
        for (acc, gi) in grad.iter_mut().zip(g) {
            *acc += s.weight * gi;
        }
    }
    (ll, grad)
}

/// Total log-likelihood Σ wᵢ ln L(α, β, γ, δ | xᵢ, t_xᵢ, nᵢ) (FHS 2010), in log-space.
pub fn log_likelihood(params: &BgBbParams, data: &[BgBbSummary]) -> f64 {
    log_likelihood_and_gradient(params, data).0
}

/// Analytic gradient of [`log_likelihood`] over (α, β, γ, δ), in that order.
pub fn gradient(params: &BgBbParams, data: &[BgBbSummary]) -> [f64; 4] {
    log_likelihood_and_gradient(params, data).1
}

/// Maximum-likelihood fit; see [`fit_with_progress`].
///
/// # Errors
/// As [`fit_with_progress`].
pub fn fit(data: &[BgBbSummary], options: &FitOptions) -> Result<Fit<BgBbParams>, ModelError> {
    fit_with_progress(data, options, &mut |_| {})
}

/// Collapses identical (x, t_x, n) histories into one row whose weight is the sum, so work scales
/// with the number of distinct patterns (at most (n+1)(n+2)/2 for n opportunities). Sorted.
pub fn group(data: &[BgBbSummary]) -> Vec<BgBbSummary> {
    let mut weights: std::collections::BTreeMap<(u32, u32, u32), f64> = std::collections::BTreeMap::new();
    for s in data {
        *weights.entry((s.x, s.t_x, s.n)).or_insert(0.0) += s.weight;
    }
    weights.into_iter().map(|((x, t_x, n), weight)| BgBbSummary { x, t_x, n, weight }).collect()
}

/// Maximum-likelihood fit over log-parameters from α = β = γ = δ = 1. The data are grouped
/// with [`group`] first.
///
/// # Errors
/// [`ModelError::InvalidData`] for an impossible history or weight;
/// [`ModelError::EmptyData`] when no weight remains.
pub fn fit_with_progress(
    data: &[BgBbSummary],
    options: &FitOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Fit<BgBbParams>, ModelError> {
    validate(data)?;
    let grouped = group(data);
    let data = grouped.as_slice();
    let n: f64 = data.iter().map(|s| s.weight).sum();
    if n <= 0.0 {
        return Err(ModelError::EmptyData("BG/BB needs at least one customer"));
    }
    let with_gradient = |theta: &[f64]| {
        let natural: Vec<f64> = theta.iter().map(|v| v.exp()).collect();
        let (ll, g) = log_likelihood_and_gradient(&BgBbParams::from_values(&natural), data);
        (-ll / n, g.iter().zip(&natural).map(|(gi, v)| -gi * v / n).collect())
    };
    let value = |theta: &[f64]| with_gradient(theta).0;
    let objective = Objective { value: &value, value_and_gradient: &with_gradient };
    let problem = Problem {
        model: "bgbb",
        start: vec![0.0; 4],
        n,
        objective: &objective,
        build: &BgBbParams::from_values,
        pilots: &[],
        newton: None,
        newton_pilot: None,
    };
    fit::run(problem, options, progress)
}

fn validate(data: &[BgBbSummary]) -> Result<(), ModelError> {
    for (row, s) in data.iter().enumerate() {
        let consistent = s.x <= s.t_x && s.t_x <= s.n && (s.x == 0) == (s.t_x == 0);
        if !consistent || !s.weight.is_finite() || s.weight < 0.0 {
            return Err(ModelError::InvalidData {
                row,
                message: format!(
                    "BG/BB needs x ≤ t_x ≤ n with t_x = 0 exactly when x = 0 and weight ≥ 0, got x = {}, t_x = {}, n = {}, weight = {}",
                    s.x, s.t_x, s.n, s.weight
                ),
            });
        }
    }
    Ok(())
}

/// P(alive at opportunity n + 1 | x, t_x, n) = B(α+x, β+n−x)/B(α,β) · B(γ, δ+n+1)/B(γ,δ) / L
/// (FHS 2010). In [0, 1].
pub fn probability_alive(params: &BgBbParams, x: u32, t_x: u32, n: u32) -> f64 {
    let s = BgBbSummary { x, t_x, n, weight: 1.0 };
    let (xf, nf) = (f64::from(x), f64::from(n));
    let alive = term(params, xf, nf - xf, 0.0, nf + 1.0).0;
    let ln_l = row(params, &s).0;
    (alive - ln_l).exp().min(1.0)
}

/// Expected transactions in the next `future` opportunities given (x, t_x, n) (FHS 2010):
///
/// E = B(α+x+1, β+n−x)/B(α,β) / L · δ/(γ−1) · Γ(γ+δ)/Γ(1+δ)
///     · [Γ(1+δ+n)/Γ(γ+δ+n) − Γ(1+δ+n+n*)/Γ(γ+δ+n+n*)],
///
/// with the γ → 1 limit taken smoothly.
pub fn expected_transactions(params: &BgBbParams, x: u32, t_x: u32, n: u32, future: u32) -> f64 {
    let BgBbParams { alpha, beta, gamma, delta } = *params;
    let (xf, nf) = (f64::from(x), f64::from(n));
    let s = BgBbSummary { x, t_x, n, weight: 1.0 };
    let ln_front = ln_beta(alpha + xf + 1.0, beta + nf - xf) - ln_beta(alpha, beta) - row(params, &s).0;
    ln_front.exp() * retention_sum(gamma, delta, nf, f64::from(future))
}

/// Expected transactions of a new customer in the first `n` opportunities (FHS 2010):
/// E[X(n)] = α/(α+β) · δ/(γ−1) · [1 − Γ(γ+δ)Γ(1+δ+n) / (Γ(γ+δ+n)Γ(1+δ))].
pub fn expected_transactions_new_customer(params: &BgBbParams, n: u32) -> f64 {
    let BgBbParams { alpha, beta, gamma, delta } = *params;
    alpha / (alpha + beta) * retention_sum(gamma, delta, 0.0, f64::from(n))
}

/// δ/(γ−1) · Γ(γ+δ)/Γ(1+δ) · [Γ(1+δ+n)/Γ(γ+δ+n) − Γ(1+δ+n+m)/Γ(γ+δ+n+m)]: the expected
/// number of opportunities n+1 … n+m at which a customer alive at n is still alive (up to the
/// p factor). Near γ = 1 the bracket is expanded to first order in γ − 1.
fn retention_sum(gamma: f64, delta: f64, n: f64, m: f64) -> f64 {
    let f = |k: f64| ln_gamma(1.0 + delta + k) - ln_gamma(gamma + delta + k);
    let scale = delta * (ln_gamma(gamma + delta) - ln_gamma(1.0 + delta)).exp();
    let k = gamma - 1.0;
    if k.abs() < 1e-8 {
        return scale * (digamma(1.0 + delta + n + m) - digamma(1.0 + delta + n));
    }
    let (at_n, at_nm) = (f(n), f(n + m));
    scale * (-at_n.exp() * (at_nm - at_n).exp_m1()) / k
}
