//! What every model fit takes ([`FitOptions`]) and returns ([`Fit`]), and the shared driver that
//! minimises a mean negative log-likelihood over log-parameters and derives standard errors.

use serde::Serialize;

use crate::ModelError;
pub use crate::optim::Progress;
use crate::optim::{self, Objective};

/// Options of a maximum-likelihood fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FitOptions {
    /// Upper bound on quasi-Newton iterations (default 1000).
    pub max_iterations: usize,
    /// Convergence threshold on the largest absolute gradient component of the *mean* negative
    /// log-likelihood with respect to the log-parameters (default 1e-9).
    pub gradient_tolerance: f64,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions { max_iterations: 1000, gradient_tolerance: 1e-9 }
    }
}

/// A fitted model: the maximum-likelihood parameters and how the optimiser got there.
///
/// Non-convergence is reported here (`converged = false`), never as an error.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fit<P> {
    /// The parameter estimates.
    pub params: P,
    /// The total log-likelihood at `params` (sum over customers, in the data's time unit).
    pub log_likelihood: f64,
    /// The number of customers (total weight) the fit used.
    pub n: f64,
    /// Whether the gradient tolerance was met.
    pub converged: bool,
    /// Quasi-Newton iterations used.
    pub iterations: usize,
    /// Asymptotic standard errors of `params` (inverse observed information, delta method from
    /// log-parameters); `None` when the Hessian is not positive definite.
    pub standard_errors: Option<P>,
}

/// Everything the shared driver needs to know about one model.
pub(crate) struct Problem<'a, P> {
    pub model: &'static str,
    /// Starting point in log-parameters.
    pub start: Vec<f64>,
    /// Total weight (number of customers).
    pub n: f64,
    /// Mean negative log-likelihood and its gradient over log-parameters.
    pub objective: &'a Objective<'a>,
    /// Builds the params struct from natural-scale values.
    pub build: &'a dyn Fn(&[f64]) -> P,
}

/// Minimises the problem's objective and packages the result as a [`Fit`].
pub(crate) fn run<P>(
    problem: Problem<'_, P>,
    options: &FitOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Fit<P>, ModelError> {
    let start_value = (problem.objective.value)(&problem.start);
    if !start_value.is_finite() {
        return Err(ModelError::NonFiniteStart { model: problem.model });
    }
    let outcome = optim::minimize(
        problem.objective,
        problem.start,
        options.max_iterations,
        options.gradient_tolerance,
        progress,
    );
    let natural: Vec<f64> = outcome.x.iter().map(|v| v.exp()).collect();
    let standard_errors = outcome.hessian.as_deref().and_then(optim::inverse_diagonal).map(|diag| {
        // Var(θ) = H⁻¹ / n for the mean objective; SE(p) = p · SE(ln p) (delta method).
        let se: Vec<f64> = diag.iter().zip(&natural).map(|(d, p)| p * (d / problem.n).sqrt()).collect();
        (problem.build)(&se)
    });
    Ok(Fit {
        params: (problem.build)(&natural),
        log_likelihood: -outcome.value * problem.n,
        n: problem.n,
        converged: outcome.converged,
        iterations: outcome.iterations,
        standard_errors,
    })
}

/// Checks that a parameter is finite and strictly positive.
pub(crate) fn check_positive(name: &'static str, value: f64) -> Result<(), ModelError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(ModelError::InvalidParameter { name, value, message: "must be finite and > 0" })
    }
}
