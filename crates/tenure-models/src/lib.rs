//! Pure "buy till you die" customer models for Tenure: likelihoods, maximum-likelihood fitting,
//! predictions and simulation for BG/NBD, Pareto/NBD, MBG/NBD, BG/BB and Gamma-Gamma, and CLV.
//!
//! Everything here is a pure function of its inputs: no IO, no logging, no clock, no database.
//! Long work reports progress through a callback (`fit_with_progress`). Time is in whatever unit
//! the data uses (weeks in the published CDNOW analyses); parameters and predictions follow it.
//!
//! Map:
//! - [`data`]: `(x, t_x, T)` summaries and their grouped, weighted form;
//! - [`bgnbd`], [`pareto_nbd`], [`mbgnbd`] (continuous time), [`bgbb`] (discrete
//!   opportunities), [`gamma_gamma`] (spend): one module per model, each with a params struct
//!   named as in its paper, `log_likelihood`, `gradient`, `fit` and predictions;
//! - [`clv`]: discounted expected margin from any transaction model and an expected spend;
//! - [`simulate`]: the models' generative stories, for recovery tests and synthetic shops;
//! - [`fit`]: [`FitOptions`] and [`Fit`], shared by every model (non-convergence is data);
//! - [`special`], [`hyp2f1`]: ln Γ, ψ, ln B and the Gauss hypergeometric function.

pub mod bgbb;
pub mod bgnbd;
pub mod clv;
pub mod data;
pub mod error;
pub mod fit;
pub mod gamma_gamma;
pub mod hyp2f1;
pub mod mbgnbd;
mod optim;
pub mod pareto_nbd;
pub mod simulate;
pub mod special;

pub use data::{CustomerSummary, GroupedSummaries, WeightedSummary};
pub use error::ModelError;
pub use fit::{Fit, FitOptions, Progress};
