//! Which model to fit and what a fit reports: the paper's parameter names, the total
//! log-likelihood, the customers it used and whether the optimiser converged.
//!
//! A thin layer over `tenure-models`; no numerics here beyond naming and dispatch.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use tenure_models::bgbb::{self, BgBbParams, BgBbSummary};
use tenure_models::bgnbd::{self, BgNbdParams};
use tenure_models::clv::TransactionModel;
use tenure_models::gamma_gamma::{self, GammaGammaParams, SpendSummary};
use tenure_models::mbgnbd::{self, MbgNbdParams};
use tenure_models::pareto_nbd::{self, ParetoNbdParams};
use tenure_models::{Fit, FitOptions, GroupedSummaries, ModelError, Progress};

use crate::AppError;

/// The models Tenure fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ModelKind {
    /// BG/NBD (Fader, Hardie & Lee 2005).
    #[serde(rename = "bgnbd")]
    BgNbd,
    /// Pareto/NBD (Schmittlein, Morrison & Colombo 1987).
    #[serde(rename = "pareto-nbd")]
    ParetoNbd,
    /// MBG/NBD (Batislam et al. 2007).
    #[serde(rename = "mbgnbd")]
    MbgNbd,
    /// BG/BB (Fader, Hardie & Shang 2010), discrete opportunities.
    #[serde(rename = "bgbb")]
    BgBb,
    /// Gamma-Gamma spend model (Fader, Hardie & Lee 2005).
    #[serde(rename = "gamma-gamma")]
    GammaGamma,
}

impl ModelKind {
    /// Every model, in the order of the command line's help.
    pub const ALL: [ModelKind; 5] =
        [ModelKind::BgNbd, ModelKind::ParetoNbd, ModelKind::MbgNbd, ModelKind::BgBb, ModelKind::GammaGamma];

    /// The name on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::BgNbd => "bgnbd",
            ModelKind::ParetoNbd => "pareto-nbd",
            ModelKind::MbgNbd => "mbgnbd",
            ModelKind::BgBb => "bgbb",
            ModelKind::GammaGamma => "gamma-gamma",
        }
    }

    /// True for the continuous-time purchase models (BG/NBD, Pareto/NBD, MBG/NBD).
    pub fn is_transaction_model(self) -> bool {
        matches!(self, ModelKind::BgNbd | ModelKind::ParetoNbd | ModelKind::MbgNbd)
    }
}

impl fmt::Display for ModelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ModelKind {
    type Err = AppError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        ModelKind::ALL.into_iter().find(|m| m.name() == text).ok_or_else(|| {
            AppError::Invalid(format!(
                "unknown model `{text}`: bgnbd, pareto-nbd, mbgnbd, bgbb or gamma-gamma"
            ))
        })
    }
}

/// Parameters by their names in the paper, in the paper's order; a JSON object.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedParams(pub Vec<(&'static str, f64)>);

impl NamedParams {
    /// The value of parameter `name`.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.0.iter().find(|(n, _)| *n == name).map(|&(_, v)| v)
    }
}

impl Serialize for NamedParams {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// The fitted parameters, typed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fitted {
    /// BG/NBD.
    BgNbd(BgNbdParams),
    /// Pareto/NBD.
    ParetoNbd(ParetoNbdParams),
    /// MBG/NBD.
    MbgNbd(MbgNbdParams),
    /// BG/BB.
    BgBb(BgBbParams),
    /// Gamma-Gamma.
    GammaGamma(GammaGammaParams),
}

impl Fitted {
    /// The purchase model, for the continuous-time models.
    pub fn transaction_model(&self) -> Option<&dyn TransactionModel> {
        match self {
            Fitted::BgNbd(p) => Some(p),
            Fitted::ParetoNbd(p) => Some(p),
            Fitted::MbgNbd(p) => Some(p),
            Fitted::BgBb(_) | Fitted::GammaGamma(_) => None,
        }
    }

    /// The spend model's parameters.
    pub fn spend_model(&self) -> Option<&GammaGammaParams> {
        match self {
            Fitted::GammaGamma(p) => Some(p),
            _ => None,
        }
    }
}

/// `{"model","params","log_likelihood","n","converged","iterations","standard_errors"}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FitReport {
    /// The model's name.
    pub model: ModelKind,
    /// Maximum-likelihood estimates, named as in the paper.
    pub params: NamedParams,
    /// Total log-likelihood at the estimates, in the data's time unit.
    pub log_likelihood: f64,
    /// Customers (total weight) the fit used.
    pub n: u64,
    /// Whether the optimiser met its gradient tolerance.
    pub converged: bool,
    /// Optimiser iterations.
    pub iterations: usize,
    /// Asymptotic standard errors, when the Hessian allowed them.
    pub standard_errors: Option<NamedParams>,
    /// The typed estimates.
    #[serde(skip)]
    pub fitted: Fitted,
}

fn report<P: Copy>(
    model: ModelKind,
    fit: Fit<P>,
    names: fn(&P) -> Vec<(&'static str, f64)>,
    typed: fn(P) -> Fitted,
) -> FitReport {
    FitReport {
        model,
        params: NamedParams(names(&fit.params)),
        log_likelihood: fit.log_likelihood,
        n: fit.n.round() as u64,
        converged: fit.converged,
        iterations: fit.iterations,
        standard_errors: fit.standard_errors.as_ref().map(|se| NamedParams(names(se))),
        fitted: typed(fit.params),
    }
}

fn model_error(model: ModelKind) -> impl Fn(ModelError) -> AppError {
    move |e| AppError::Invalid(format!("fitting {model}: {e}"))
}

/// Fits a continuous-time purchase model on grouped `(x, t_x, T)` rows.
///
/// # Errors
/// [`AppError::Invalid`] for a model that is not a purchase model, or data it cannot fit.
pub fn fit_transactions(
    model: ModelKind,
    data: &GroupedSummaries,
    progress: &mut dyn FnMut(&Progress),
) -> Result<FitReport, AppError> {
    let options = FitOptions::default();
    let error = model_error(model);
    Ok(match model {
        ModelKind::BgNbd => report(
            model,
            bgnbd::fit_with_progress(data, &options, progress).map_err(error)?,
            |p| vec![("r", p.r()), ("alpha", p.alpha()), ("a", p.a()), ("b", p.b())],
            Fitted::BgNbd,
        ),
        ModelKind::ParetoNbd => report(
            model,
            pareto_nbd::fit_with_progress(data, &options, progress).map_err(error)?,
            |p| vec![("r", p.r()), ("alpha", p.alpha()), ("s", p.s()), ("beta", p.beta())],
            Fitted::ParetoNbd,
        ),
        ModelKind::MbgNbd => report(
            model,
            mbgnbd::fit_with_progress(data, &options, progress).map_err(error)?,
            |p| vec![("r", p.r()), ("alpha", p.alpha()), ("a", p.a()), ("b", p.b())],
            Fitted::MbgNbd,
        ),
        ModelKind::BgBb | ModelKind::GammaGamma => {
            return Err(AppError::Invalid(format!("{model} is not a purchase-timing model")));
        }
    })
}

/// Fits Gamma-Gamma on customers' mean repeat spend (rows with x > 0 and spend > 0).
pub fn fit_spend(data: &[SpendSummary], progress: &mut dyn FnMut(&Progress)) -> Result<FitReport, AppError> {
    let model = ModelKind::GammaGamma;
    let fit =
        gamma_gamma::fit_with_progress(data, &FitOptions::default(), progress).map_err(model_error(model))?;
    Ok(report(model, fit, |p| vec![("p", p.p()), ("q", p.q()), ("gamma", p.gamma())], Fitted::GammaGamma))
}

/// Fits BG/BB on discrete-time histories.
pub fn fit_discrete(
    data: &[BgBbSummary],
    progress: &mut dyn FnMut(&Progress),
) -> Result<FitReport, AppError> {
    let model = ModelKind::BgBb;
    let fit = bgbb::fit_with_progress(data, &FitOptions::default(), progress).map_err(model_error(model))?;
    Ok(report(
        model,
        fit,
        |p| vec![("alpha", p.alpha()), ("beta", p.beta()), ("gamma", p.gamma()), ("delta", p.delta())],
        Fitted::BgBb,
    ))
}
