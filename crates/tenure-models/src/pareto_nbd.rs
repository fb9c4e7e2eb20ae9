//! The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987, "Counting Your Customers: Who Are
//! They and What Will They Do Next?", *Management Science* 33(1), 1–24): likelihood, gradient,
//! fit and predictions, in the form of Fader & Hardie (2005), "A Note on Deriving the Pareto/NBD
//! Model and Related Expressions" (brucehardie.com), which writes the likelihood with ₂F₁.
//!
//! While alive, a customer buys at Poisson rate λ ~ Gamma(r, α); their lifetime is exponential
//! with rate μ ~ Gamma(s, β). The gradient is numerical (a fourth-order central difference over
//! log-parameters), not yet analytic.

use serde::Serialize;

use crate::data::GroupedSummaries;
use crate::fit::{self, Fit, FitOptions, Problem, Progress, check_positive};
use crate::hyp2f1::ln_hyp2f1;
use crate::special::{ln_gamma, log_add_exp, log_sub_exp, logistic};
use crate::ModelError;

/// Pareto/NBD parameters, named as in the papers; all finite and > 0.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ParetoNbdParams {
    /// Shape of the gamma distribution of purchase rates λ.
    pub r: f64,
    /// Rate of that distribution, in the data's time unit.
    pub alpha: f64,
    /// Shape of the gamma distribution of drop-out rates μ.
    pub s: f64,
    /// Rate of that distribution, in the data's time unit.
    pub beta: f64,
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

/// ln A₀ of Fader & Hardie (2005 note), the drop-out-before-T part of the likelihood:
/// for α ≥ β, A₀ = F(r+s+x, s+1; r+s+x+1; (α−β)/(α+t_x)) / (α+t_x)^(r+s+x) − (same at T);
/// for α < β the roles swap: F(r+s+x, r+x; r+s+x+1; (β−α)/(β+t)) / (β+t)^(r+s+x).
/// A₀ ≥ 0 (it is an integral over (t_x, T)); −∞ when t_x = T.
fn ln_a0(p: &ParetoNbdParams, x: f64, t_x: f64, big_t: f64) -> f64 {
    let rsx = p.r + p.s + x;
    let (rate, other, b1) = if p.alpha >= p.beta {
        (p.alpha, p.beta, p.s + 1.0)
    } else {
        (p.beta, p.alpha, p.r + x)
    };
    let term = |t: f64| {
        let z = (rate - other) / (rate + t);
        ln_hyp2f1(rsx, b1, rsx + 1.0, z) - rsx * (rate + t).ln()
    };
    let (at_tx, at_t) = (term(t_x), term(big_t));
    if at_t >= at_tx { f64::NEG_INFINITY } else { log_sub_exp(at_tx, at_t) }
}

/// ln of the first (alive at T) and second (died in (t_x, T)) likelihood terms without the common
/// factor Γ(r+x) αʳ βˢ / Γ(r).
fn ln_parts(p: &ParetoNbdParams, x: f64, t_x: f64, big_t: f64) -> (f64, f64) {
    let alive = -(p.r + x) * (p.alpha + big_t).ln() - p.s * (p.beta + big_t).ln();
    let died = p.s.ln() - (p.r + p.s + x).ln() + ln_a0(p, x, t_x, big_t);
    (alive, died)
}

/// One customer's log-likelihood (Fader & Hardie 2005 note):
///
/// L = Γ(r+x) αʳ βˢ / Γ(r) · [1 / ((α+T)^(r+x) (β+T)ˢ) + s/(r+s+x) · A₀].
pub fn customer_log_likelihood(params: &ParetoNbdParams, x: f64, t_x: f64, big_t: f64) -> f64 {
    let (alive, died) = ln_parts(params, x, t_x, big_t);
    ln_gamma(params.r + x) - ln_gamma(params.r) + params.r * params.alpha.ln() + params.s * params.beta.ln()
        + log_add_exp(alive, died)
}

/// Total log-likelihood Σ wᵢ ln L(r, α, s, β | xᵢ, t_xᵢ, Tᵢ); see [`customer_log_likelihood`].
pub fn log_likelihood(params: &ParetoNbdParams, data: &GroupedSummaries) -> f64 {
    data.rows()
        .iter()
        .map(|s| s.weight * customer_log_likelihood(params, s.x, s.t_x, s.big_t))
        .sum()
}

/// Gradient of [`log_likelihood`] over (r, α, s, β), by a fourth-order central difference in
/// log-parameters (relative error about 1e-10).
pub fn gradient(params: &ParetoNbdParams, data: &GroupedSummaries) -> [f64; 4] {
    let natural = [params.r, params.alpha, params.s, params.beta];
    let theta: Vec<f64> = natural.iter().map(|v| v.ln()).collect();
    let log_grad = log_space_gradient(&theta, &|t: &[f64]| log_likelihood(&from_log(t), data));
    [0, 1, 2, 3].map(|i| log_grad[i] / natural[i])
}

fn from_log(theta: &[f64]) -> ParetoNbdParams {
    ParetoNbdParams::from_values(&theta.iter().map(|v| v.exp()).collect::<Vec<_>>())
}

/// d f / d θᵢ by the five-point stencil (−f(θ+2h) + 8f(θ+h) − 8f(θ−h) + f(θ−2h)) / 12h.
fn log_space_gradient(theta: &[f64], f: &dyn Fn(&[f64]) -> f64) -> Vec<f64> {
    const H: f64 = 1e-3;
    (0..theta.len())
        .map(|i| {
            let at = |offset: f64| {
                let mut t = theta.to_vec();
                t[i] += offset;
                f(&t)
            };
            (-at(2.0 * H) + 8.0 * at(H) - 8.0 * at(-H) + at(-2.0 * H)) / (12.0 * H)
        })
        .collect()
}

/// Maximum-likelihood fit; see [`fit_with_progress`].
///
/// # Errors
/// As [`fit_with_progress`].
pub fn fit(data: &GroupedSummaries, options: &FitOptions) -> Result<Fit<ParetoNbdParams>, ModelError> {
    fit_with_progress(data, options, &mut |_| {})
}

/// Maximum-likelihood fit over log-parameters (BFGS + Newton polishing on the mean negative
/// log-likelihood). Starts from r = s = 1, α = ΣT / Σ(x + 1), β = mean T.
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
    let sum_t: f64 = data.rows().iter().map(|s| s.weight * s.big_t).sum();
    let sum_x1: f64 = data.rows().iter().map(|s| s.weight * (s.x + 1.0)).sum();
    let mean_nll = |theta: &[f64]| -log_likelihood(&from_log(theta), data) / n;
    let objective = |theta: &[f64]| (mean_nll(theta), log_space_gradient(theta, &mean_nll));
    let problem = Problem {
        model: "pareto-nbd",
        start: vec![0.0, (sum_t / sum_x1).ln(), 0.0, (sum_t / n).ln()],
        n,
        objective: &objective,
        build: &ParetoNbdParams::from_values,
    };
    fit::run(problem, options, progress)
}

/// P(alive | x, t_x, T) = 1 / (1 + s/(r+s+x) · (α+T)^(r+x) (β+T)ˢ · A₀)  (Fader & Hardie 2005
/// note; Schmittlein et al. 1987). In [0, 1]; 1 when t_x = T.
pub fn probability_alive(params: &ParetoNbdParams, x: f64, t_x: f64, big_t: f64) -> f64 {
    let (alive, died) = ln_parts(params, x, t_x, big_t);
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
    (r + x) * (beta + big_t) / (alpha + big_t) * lifetime_factor(s, horizon) * probability_alive(params, x, t_x, big_t)
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
    if k.abs() < 1e-12 {
        ln_ratio
    } else {
        -(-k * ln_ratio).exp_m1() / k
    }
}
