//! The Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005, "RFM and CLV:
//! Using Iso-Value Curves for Customer Base Analysis", *Journal of Marketing Research* 42(4),
//! 415–430; Fader & Hardie 2013, "The Gamma-Gamma Model of Monetary Value", a note on
//! brucehardie.com): likelihood, analytic gradient, fit and the expected average spend.
//!
//! Each transaction value is Gamma(p, ν) (shape p, rate ν); across customers ν ~ Gamma(q, γ).
//! A customer is summarised by x transactions with mean value z̄ (the note uses the repeat
//! transactions only). Spend is independent of the purchase process.

use serde::Serialize;

use crate::ModelError;
use crate::fit::{self, Fit, FitOptions, Problem, Progress, check_positive};
use crate::optim::Objective;
use crate::special::{digamma, ln_gamma};

/// Gamma-Gamma parameters, named as in Fader & Hardie (2013); all finite and > 0.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GammaGammaParams {
    /// Shape of each transaction's gamma distribution.
    pub(crate) p: f64,
    /// Shape of the gamma distribution of the customers' rates ν.
    pub(crate) q: f64,
    /// Rate of that distribution, in inverse currency units ("v" in lifetimes' documentation).
    pub(crate) gamma: f64,
}

/// The parameters' values (read-only: [`GammaGammaParams::new`] is the one way to make them, so they are
/// always valid).
impl GammaGammaParams {
    /// `p`.
    pub fn p(&self) -> f64 {
        self.p
    }

    /// `q`.
    pub fn q(&self) -> f64 {
        self.q
    }

    /// `gamma`.
    pub fn gamma(&self) -> f64 {
        self.gamma
    }
}

impl GammaGammaParams {
    /// Checked constructor.
    ///
    /// # Errors
    /// [`ModelError::InvalidParameter`] when a parameter is not finite and positive.
    pub fn new(p: f64, q: f64, gamma: f64) -> Result<Self, ModelError> {
        check_positive("p", p)?;
        check_positive("q", q)?;
        check_positive("gamma", gamma)?;
        Ok(GammaGammaParams { p, q, gamma })
    }

    fn from_values(v: &[f64]) -> Self {
        GammaGammaParams { p: v[0], q: v[1], gamma: v[2] }
    }
}

/// One customer's spend summary: `x` transactions (> 0) with mean value `mean_spend` (> 0 for
/// fitting; z̄ in the papers), standing for `weight` customers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SpendSummary {
    /// Number of transactions averaged (repeat transactions in the CDNOW analyses).
    pub x: f64,
    /// Their mean value, in currency units.
    pub mean_spend: f64,
    /// How many customers this row stands for (1 for one customer).
    pub weight: f64,
}

/// ln f(z̄ | p, q, γ; x) = ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln γ + (px−1) ln z̄ + px ln x
///                         − (px+q) ln(γ + x z̄)   (Fader & Hardie 2013: the marginal distribution of z̄),
/// and its gradient over (p, q, γ).
fn row(params: &GammaGammaParams, x: f64, z: f64) -> (f64, [f64; 3]) {
    let GammaGammaParams { p, q, gamma } = *params;
    let px = p * x;
    let ln_total = (gamma + x * z).ln();
    let ll =
        ln_gamma(px + q) - ln_gamma(px) - ln_gamma(q) + q * gamma.ln() + (px - 1.0) * z.ln() + px * x.ln()
            - (px + q) * ln_total;
    let psi_pxq = digamma(px + q);
    let grad = [
        x * (psi_pxq - digamma(px) + z.ln() + x.ln() - ln_total),
        psi_pxq - digamma(q) + gamma.ln() - ln_total,
        q / gamma - (px + q) / (gamma + x * z),
    ];
    (ll, grad)
}

fn log_likelihood_and_gradient(params: &GammaGammaParams, data: &[SpendSummary]) -> (f64, [f64; 3]) {
    let mut ll = 0.0;
    let mut grad = [0.0; 3];
    for s in data {
        let (l, g) = row(params, s.x, s.mean_spend);
        ll += s.weight * l;
        for (acc, gi) in grad.iter_mut().zip(g) {
            *acc += s.weight * gi;
        }
    }
    (ll, grad)
}

/// Total log-likelihood Σ wᵢ ln f(z̄ᵢ | p, q, γ; xᵢ) (Fader & Hardie 2013: the marginal distribution of z̄). Rows need
/// x > 0 and z̄ > 0 for a finite value.
pub fn log_likelihood(params: &GammaGammaParams, data: &[SpendSummary]) -> f64 {
    log_likelihood_and_gradient(params, data).0
}

/// Analytic gradient of [`log_likelihood`] over (p, q, γ), in that order.
pub fn gradient(params: &GammaGammaParams, data: &[SpendSummary]) -> [f64; 3] {
    log_likelihood_and_gradient(params, data).1
}

/// Maximum-likelihood fit; see [`fit_with_progress`].
///
/// # Errors
/// As [`fit_with_progress`].
pub fn fit(data: &[SpendSummary], options: &FitOptions) -> Result<Fit<GammaGammaParams>, ModelError> {
    fit_with_progress(data, options, &mut |_| {})
}

/// Maximum-likelihood fit over log-parameters. Only customers with at least one (repeat)
/// transaction belong in `data`; zero or negative mean spends are rejected (their likelihood is
/// zero under a gamma model). Starts from p = 1, q = 2, γ = weighted mean of z̄ (so the implied
/// mean spend pγ/(q − 1) equals the observed mean).
///
/// # Errors
/// [`ModelError::InvalidData`] for a row with x ≤ 0, z̄ ≤ 0, a negative weight or a non-finite
/// value; [`ModelError::EmptyData`] when no weight remains.
pub fn fit_with_progress(
    data: &[SpendSummary],
    options: &FitOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Fit<GammaGammaParams>, ModelError> {
    validate(data)?;
    let n: f64 = data.iter().map(|s| s.weight).sum();
    if n <= 0.0 {
        return Err(ModelError::EmptyData("Gamma-Gamma needs customers with repeat transactions"));
    }
    let mean_spend = data.iter().map(|s| s.weight * s.mean_spend).sum::<f64>() / n;
    let objective = |theta: &[f64]| {
        let natural: Vec<f64> = theta.iter().map(|v| v.exp()).collect();
        let (ll, g) = log_likelihood_and_gradient(&GammaGammaParams::from_values(&natural), data);
        let grad = g.iter().zip(&natural).map(|(gi, v)| -gi * v / n).collect();
        (-ll / n, grad)
    };
    let value = |theta: &[f64]| objective(theta).0;
    let objective = Objective { value: &value, value_and_gradient: &objective };
    let problem = Problem {
        model: "gamma-gamma",
        start: vec![0.0, 2.0_f64.ln(), mean_spend.ln()],
        n,
        objective: &objective,
        build: &GammaGammaParams::from_values,
        pilots: &[],
        newton: None,
        newton_pilot: None,
    };
    fit::run(problem, options, progress)
}

fn validate(data: &[SpendSummary]) -> Result<(), ModelError> {
    for (row, s) in data.iter().enumerate() {
        let ok = s.x.is_finite() && s.x > 0.0 && s.mean_spend.is_finite() && s.mean_spend > 0.0;
        if !ok || !s.weight.is_finite() || s.weight < 0.0 {
            return Err(ModelError::InvalidData {
                row,
                message: format!(
                    "Gamma-Gamma needs x > 0, mean spend > 0 and weight ≥ 0, got x = {}, mean spend = {}, weight = {}",
                    s.x, s.mean_spend, s.weight
                ),
            });
        }
    }
    Ok(())
}

/// Expected mean transaction value of a customer with x transactions averaging z̄
/// (Fader & Hardie 2013: the conditional expectation of the mean transaction value):
///
/// E[Z | p, q, γ; z̄, x] = p (γ + x z̄) / (px + q − 1)
///                       = (q − 1)/(px + q − 1) · pγ/(q − 1) + px/(px + q − 1) · z̄,
///
/// a weighted average of the population mean and the customer's own mean. Valid for x ≥ 0 and
/// z̄ ≥ 0 (zero spend is fine); for x = 0 it is the population mean pγ/(q − 1). Returns +∞ when
/// px + q ≤ 1 (the posterior mean does not exist).
pub fn expected_average_spend(params: &GammaGammaParams, x: f64, mean_spend: f64) -> f64 {
    let GammaGammaParams { p, q, gamma } = *params;
    let denominator = p * x + q - 1.0;
    if denominator <= 0.0 {
        return f64::INFINITY;
    }
    p * (gamma + x * mean_spend) / denominator
}
