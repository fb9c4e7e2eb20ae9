//! What every model fit takes ([`FitOptions`]) and returns ([`Fit`]), and the shared driver that
//! minimises a mean negative log-likelihood over log-parameters and derives standard errors.
//! For large data the driver first fits a pilot (the same model on a weighted sample of the
//! rows), whose optimum and curvature start the full fit a few steps from its optimum.

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
    /// Quasi-Newton iterations used on the full data (for large data sets the fit first runs on
    /// a weighted sample of the rows; those iterations are not counted).
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
    /// The same objective on nested samples of the rows (`GroupedSummaries::pilot_samples`,
    /// smallest first), fitted in turn, each starting from the previous one's optimum and
    /// curvature; empty for small data.
    pub pilots: &'a [Objective<'a>],
    /// The objective with its exact Hessian, for models that have one: the full fit is then
    /// Newton's method from the pilot's optimum (a few passes over the rows instead of a dozen)
    /// and the standard errors come from the exact curvature.
    pub newton: Option<&'a optim::ValueGradientHessian<'a>>,
    /// With `newton`: the objective with its Hessian on a larger sample than the pilots', on
    /// which a few Newton steps carry the pilots' optimum closer to the full data's before the
    /// full fit starts.
    pub newton_pilot: Option<&'a optim::ValueGradientHessian<'a>>,
}

/// Gradient tolerance of a pilot fit: its optimum is only a sample's, so more is wasted.
const PILOT_TOLERANCE: f64 = 1e-5;
/// Newton steps on the middle sample (`Problem::newton_pilot`): two bring it to its optimum to
/// well within the distance between that and the full data's.
const NEWTON_PILOT_STEPS: usize = 2;

/// Minimises the problem's objective and packages the result as a [`Fit`].
pub(crate) fn run<P>(
    problem: Problem<'_, P>,
    options: &FitOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Fit<P>, ModelError> {
    // With pilots, the start is checked on the smallest sample: a pass over every row saved.
    let checked = problem.pilots.first().unwrap_or(problem.objective);
    if !(checked.value)(&problem.start).is_finite() {
        return Err(ModelError::NonFiniteStart { model: problem.model });
    }
    let mut start = (problem.start, None);
    for pilot in problem.pilots {
        start = pilot_start(pilot, start, options);
    }
    let (mut start, initial_inverse) = start;
    if let (Some(_), Some(middle)) = (problem.newton, problem.newton_pilot) {
        let refined =
            optim::newton(middle, start.clone(), NEWTON_PILOT_STEPS, options.gradient_tolerance, &mut |_| {});
        if let Some(outcome) = refined.filter(|o| o.value.is_finite() && o.x.iter().all(|v| v.is_finite())) {
            start = outcome.x;
        }
    }
    let newton = match problem.newton {
        Some(f) if !problem.pilots.is_empty() => {
            optim::newton(f, start.clone(), options.max_iterations, options.gradient_tolerance, progress)
        }
        _ => None,
    };
    let outcome = newton.unwrap_or_else(|| {
        optim::minimize(
            problem.objective,
            start,
            initial_inverse,
            options.max_iterations,
            options.gradient_tolerance,
            progress,
        )
    });
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

/// Fits the pilot objective from `start` (a point and, optionally, an inverse Hessian); returns
/// its optimum and inverse Hessian when the pilot converged to a finite point with a
/// positive-definite Hessian, else `start` unchanged.
///
/// The objectives are means, so the pilot's Hessian approximates the full data's: the full fit
/// then starts near the optimum with nearly the right curvature and needs a few BFGS steps
/// instead of dozens over every row.
fn pilot_start(
    pilot: &Objective<'_>,
    (start, inverse): (Vec<f64>, Option<Vec<Vec<f64>>>),
    options: &FitOptions,
) -> (Vec<f64>, Option<Vec<Vec<f64>>>) {
    let tolerance = PILOT_TOLERANCE.max(options.gradient_tolerance);
    let outcome = optim::minimize(
        pilot,
        start.clone(),
        inverse.clone(),
        options.max_iterations,
        tolerance,
        &mut |_| {},
    );
    let inverse = outcome.hessian.as_deref().and_then(optim::inverse);
    match inverse {
        Some(inverse) if outcome.converged && outcome.x.iter().all(|v| v.is_finite()) => {
            (outcome.x, Some(inverse))
        }
        _ => (start, inverse),
    }
}

/// Checks that a parameter is finite and strictly positive.
pub(crate) fn check_positive(name: &'static str, value: f64) -> Result<(), ModelError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(ModelError::InvalidParameter { name, value, message: "must be finite and > 0" })
    }
}
