//! Pure "buy till you die" customer models for Tenure: likelihoods, maximum-likelihood fitting,
//! predictions and simulation for BG/NBD, Pareto/NBD, MBG/NBD, BG/BB and Gamma-Gamma.
//!
//! Everything here is a pure function of its inputs: no IO, no logging, no clock, no database.
//! Long work reports progress through a callback. Time is in whatever unit the data uses
//! (weeks in the published CDNOW analyses); parameters and predictions follow that unit.

pub mod error;
pub mod hyp2f1;
pub mod special;

pub use error::ModelError;
pub mod bgnbd;
pub mod data;
pub mod fit;
pub mod gamma_gamma;
mod optim;
pub mod pareto_nbd;
pub mod simulate;

pub use data::{CustomerSummary, GroupedSummaries, WeightedSummary};
pub use fit::{Fit, FitOptions, Progress};
