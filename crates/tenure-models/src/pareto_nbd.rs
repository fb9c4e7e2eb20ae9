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
use crate::data::GroupedSummaries;
use crate::fit::{self, Fit, FitOptions, Problem, Progress, check_positive};
use crate::hyp2f1::{hyp2f1_with_gradient, ln_hyp2f1};
use crate::optim::Objective;
use crate::special::{digamma, ln_gamma, log_sub_exp, logistic};

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
    let rx = p.r + x;
    let rsx = rx + p.s;
    let (ln_at, ln_bt) = ((p.alpha + big_t).ln(), (p.beta + big_t).ln());
    let alive =
        (-rx * ln_at - p.s * ln_bt, [-ln_at, -rx / (p.alpha + big_t), -ln_bt, -p.s / (p.beta + big_t)]);
    let (at_tx, g_tx) = a0_term(p, x, t_x, want_gradient);
    let (at_t, g_t) = a0_term(p, x, big_t, want_gradient);
    if at_t >= at_tx {
        return [alive, (f64::NEG_INFINITY, [0.0; 4])];
    }
    let ln_a0 = log_sub_exp(at_tx, at_t);
    // d ln A₀ = (d term(t_x) − q d term(T)) / (1 − q), q = term(T) / term(t_x).
    let q = (at_t - at_tx).exp();
    let d_ln_a0: [f64; 4] = std::array::from_fn(|i| (g_tx[i] - q * g_t[i]) / (1.0 - q));
    let died = p.s.ln() - rsx.ln() + ln_a0;
    let d_died = [d_ln_a0[0] - 1.0 / rsx, d_ln_a0[1], d_ln_a0[2] + 1.0 / p.s - 1.0 / rsx, d_ln_a0[3]];
    [alive, (died, d_died)]
}

/// One customer's log-likelihood and, when asked for, its gradient over (r, α, s, β).
fn customer_terms(p: &ParetoNbdParams, x: f64, t_x: f64, big_t: f64, want_gradient: bool) -> (f64, [f64; 4]) {
    let [(alive, d_alive), (died, d_died)] = ln_parts(p, x, t_x, big_t, want_gradient);
    let (mix, w_died) = mix_with_drop(alive, died);
    let (ln_alpha, ln_beta) = (p.alpha.ln(), p.beta.ln());
    let ll = ln_gamma(p.r + x) - ln_gamma(p.r) + p.r * ln_alpha + p.s * ln_beta + mix;
    if !want_gradient {
        return (ll, [0.0; 4]);
    }
    let own = [digamma(p.r + x) - digamma(p.r) + ln_alpha, p.r / p.alpha, ln_beta, p.s / p.beta];
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

fn log_likelihood_and_gradient(
    p: &ParetoNbdParams,
    data: &GroupedSummaries,
    want_gradient: bool,
) -> (f64, [f64; 4]) {
    let mut ll = 0.0;
    let mut grad = [0.0; 4];
    for s in data.rows() {
        let (l, g) = customer_terms(p, s.x, s.t_x, s.big_t, want_gradient);
        ll += s.weight * l;
        for (acc, gi) in grad.iter_mut().zip(g) {
            *acc += s.weight * gi;
        }
    }
    (ll, grad)
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
    let with_gradient = |theta: &[f64]| {
        let natural: Vec<f64> = theta.iter().map(|v| v.exp()).collect();
        let (ll, g) = log_likelihood_and_gradient(&ParetoNbdParams::from_values(&natural), data, true);
        (-ll / n, g.iter().zip(&natural).map(|(gi, v)| -gi * v / n).collect())
    };
    let value = |theta: &[f64]| {
        let natural: Vec<f64> = theta.iter().map(|v| v.exp()).collect();
        -log_likelihood_and_gradient(&ParetoNbdParams::from_values(&natural), data, false).0 / n
    };
    let objective = Objective { value: &value, value_and_gradient: &with_gradient };
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
