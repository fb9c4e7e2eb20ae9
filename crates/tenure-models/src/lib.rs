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
//!
//! Speed (a million customers are refitted on every import): likelihood sums run over distinct
//! rows with per-level and per-(x, t) caches, spread over the cores in fixed blocks so that
//! results do not depend on the number of cores; fits of large data start from a pilot fit on
//! a weighted sample of the rows; `predict_rows` scores every row with the same caches.

pub mod bgbb;
pub mod bgnbd;
mod bgnbd_sums;
pub mod clv;
pub mod data;
pub mod error;
pub mod fit;
pub mod gamma_gamma;
pub mod hyp2f1;
mod lanes;
mod levels;
pub mod mbgnbd;
mod optim;
mod parallel;
pub mod pareto_nbd;
pub mod patterns;
pub mod simulate;
pub mod special;

pub use data::{CustomerSummary, GroupedSummaries, RowPrediction, WeightedSummary};
pub use error::ModelError;
pub use fit::{Fit, FitOptions, Progress};
