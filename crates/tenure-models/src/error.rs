//! The error type of the models crate: what went wrong, precisely enough for a caller to act.
//!
//! Non-convergence of a fit is *not* an error: it is reported as data in [`crate::Fit`].

/// Everything that can go wrong while validating data, checking parameters or fitting a model.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    /// A data row is outside the model's domain (for example `t_x > T` or a negative count).
    #[error("row {row}: {message}")]
    InvalidData {
        /// Zero-based index of the offending row in the input slice.
        row: usize,
        /// What is wrong with it.
        message: String,
    },
    /// A model parameter is outside its valid range (all BTYD parameters must be finite and > 0).
    #[error("parameter `{name}` = {value} is invalid: {message}")]
    InvalidParameter {
        /// The paper's name of the parameter (`r`, `alpha`, …).
        name: &'static str,
        /// The value that was given.
        value: f64,
        /// The valid range.
        message: &'static str,
    },
    /// The data set holds no rows (or only rows of zero weight), so there is nothing to fit.
    #[error("no data to fit: {0}")]
    EmptyData(&'static str),
    /// The likelihood could not be evaluated at the starting point of the optimiser.
    #[error("the log-likelihood is not finite at the starting point of {model}")]
    NonFiniteStart {
        /// The model being fitted.
        model: &'static str,
    },
}
