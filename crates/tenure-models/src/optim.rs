//! Unconstrained minimisation for the model fits: BFGS with a backtracking (Armijo) line search,
//! followed by a few Newton steps on a finite-difference Hessian of the analytic gradient.
//!
//! Evaluations are the cost (each is a pass over every distinct customer pattern), so the line
//! search asks for the value and gradient together (the first trial step is nearly always
//! accepted) and the Hessian is a forward difference of the gradient, computed once.
//!
//! The models minimise the *mean* negative log-likelihood over log-parameters, so positivity
//! is built in and the objective is O(1) whatever the number of customers. This is a small,
//! dense, low-dimensional optimiser (2–4 parameters), not a general-purpose library.

// Small dense matrix code reads best with explicit indices.
#![allow(clippy::needless_range_loop)]

/// The value of an objective and its gradient.
pub(crate) type ValueAndGradient<'a> = dyn Fn(&[f64]) -> (f64, Vec<f64>) + 'a;

/// An objective to minimise; a non-finite value marks an infeasible point.
/// The value, its gradient and its Hessian (a dense symmetric matrix).
pub(crate) type ValueGradientHessian<'a> = dyn Fn(&[f64]) -> (f64, Vec<f64>, Vec<Vec<f64>>) + 'a;

pub(crate) struct Objective<'a> {
    /// The value alone (used by the line search, where a gradient would be wasted).
    pub value: &'a dyn Fn(&[f64]) -> f64,
    /// The value and its gradient.
    pub value_and_gradient: &'a ValueAndGradient<'a>,
}

/// One report per optimiser iteration, for progress display.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// Iterations done so far.
    pub iteration: usize,
    /// The mean negative log-likelihood at the current point.
    pub mean_negative_log_likelihood: f64,
    /// The largest absolute component of its gradient (over log-parameters).
    pub gradient_max_abs: f64,
}

/// The result of a minimisation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Outcome {
    pub x: Vec<f64>,
    pub value: f64,
    pub iterations: usize,
    pub converged: bool,
    /// Hessian at `x` (finite differences of the gradient), if it was positive definite.
    pub hessian: Option<Vec<Vec<f64>>>,
}

/// Largest step, in log-parameter units, the line search starts from.
const MAX_STEP: f64 = 4.0;
/// Armijo sufficient-decrease constant.
const ARMIJO: f64 = 1e-4;
/// Halvings before a line search gives up.
const MAX_HALVINGS: usize = 40;
/// Newton polishing steps after BFGS.
const NEWTON_STEPS: usize = 6;
/// Relative step of the forward-difference Hessian.
const HESSIAN_STEP: f64 = 1e-7;
/// Relative rounding noise tolerated in the objective during Newton polishing.
const VALUE_NOISE: f64 = 1e-13;

/// Minimises `f` from `x0` until the largest gradient component is below `gradient_tolerance`.
///
/// `initial_inverse` is a guess of the inverse Hessian at the optimum (from a pilot fit); without
/// one BFGS starts from a scaled identity.
pub(crate) fn minimize(
    f: &Objective<'_>,
    x0: Vec<f64>,
    initial_inverse: Option<Vec<Vec<f64>>>,
    max_iterations: usize,
    gradient_tolerance: f64,
    progress: &mut dyn FnMut(&Progress),
) -> Outcome {
    let dim = x0.len();
    let (mut x, (mut value, mut grad)) = (x0.clone(), (f.value_and_gradient)(&x0));
    let mut fresh = initial_inverse.is_none();
    let mut inverse = initial_inverse.unwrap_or_else(|| identity(dim));
    let mut iterations = 0;
    // `iterations` counts accepted steps; a failed line search resets the inverse Hessian once
    // and gives up if a steepest-descent search fails too.
    while iterations < max_iterations && max_abs(&grad) > gradient_tolerance {
        let mut direction: Vec<f64> = mat_vec(&inverse, &grad).iter().map(|v| -v).collect();
        if dot(&direction, &grad) >= 0.0 {
            inverse = identity(dim);
            fresh = true;
            direction = grad.iter().map(|v| -v).collect();
        }
        let Some((next, next_value, next_grad)) = line_search(f, &x, value, &grad, &direction) else {
            if fresh {
                break;
            }
            inverse = identity(dim);
            fresh = true;
            continue;
        };
        let s: Vec<f64> = next.iter().zip(&x).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = next_grad.iter().zip(&grad).map(|(a, b)| a - b).collect();
        bfgs_update(&mut inverse, &s, &y, fresh);
        fresh = false;
        iterations += 1;
        (x, value, grad) = (next, next_value, next_grad);
        progress(&Progress {
            iteration: iterations,
            mean_negative_log_likelihood: value,
            gradient_max_abs: max_abs(&grad),
        });
    }
    polish(f, x, value, grad, iterations, gradient_tolerance)
}

/// Newton's method with the exact Hessian, from a start near the optimum (a pilot's): each step
/// solves H s = −g and is halved until the value does not rise beyond rounding and the gradient
/// shrinks (near the optimum the first try is taken, and the gradient falls quadratically).
/// Returns `None` — the caller then uses [`minimize`] — when the Hessian is not positive
/// definite at the start or a step cannot be taken before the tolerance is met.
pub(crate) fn newton(
    f: &ValueGradientHessian<'_>,
    x0: Vec<f64>,
    max_iterations: usize,
    gradient_tolerance: f64,
    progress: &mut dyn FnMut(&Progress),
) -> Option<Outcome> {
    let (mut x, (mut value, mut grad, mut hessian)) = (x0.clone(), f(&x0));
    let mut iterations = 0;
    while iterations < max_iterations && max_abs(&grad) > gradient_tolerance {
        let step = cholesky_solve(&hessian, &grad)?;
        let noise = VALUE_NOISE * value.abs().max(1.0);
        let mut scale = 1.0;
        let accepted = loop {
            let candidate: Vec<f64> = x.iter().zip(&step).map(|(a, s)| a - scale * s).collect();
            let (v, g, h) = f(&candidate);
            if v.is_finite() && v <= value + noise && max_abs(&g) < max_abs(&grad) {
                break Some((candidate, v, g, h));
            }
            scale *= 0.5;
            if scale < 1e-6 {
                break None;
            }
        };
        (x, value, grad, hessian) = accepted?;
        iterations += 1;
        progress(&Progress {
            iteration: iterations,
            mean_negative_log_likelihood: value,
            gradient_max_abs: max_abs(&grad),
        });
    }
    let converged = value.is_finite() && max_abs(&grad) <= gradient_tolerance;
    let hessian = cholesky(&hessian).map(|_| hessian);
    Some(Outcome { x, value, iterations, converged, hessian })
}

/// Newton steps on the finite-difference Hessian; also returns that Hessian for standard errors.
fn polish(
    f: &Objective<'_>,
    mut x: Vec<f64>,
    mut value: f64,
    mut grad: Vec<f64>,
    iterations: usize,
    gradient_tolerance: f64,
) -> Outcome {
    // Newton steps reuse one Hessian, which also serves the standard errors: they start where
    // BFGS stopped, next to the optimum, so the Hessian barely changes over them.
    let hessian = numerical_hessian(f, &x, &grad);
    for _ in 0..NEWTON_STEPS {
        // Once converged, the Hessian is only wanted for the standard errors.
        if max_abs(&grad) <= gradient_tolerance {
            break;
        }
        let Some(h) = &hessian else { break };
        let Some(step) = cholesky_solve(h, &grad) else { break };
        let candidate: Vec<f64> = x.iter().zip(&step).map(|(a, s)| a - s).collect();
        let (cand_value, cand_grad) = (f.value_and_gradient)(&candidate);
        // Near the optimum the value changes by less than its rounding error, so a step is judged
        // by the gradient, with the value allowed to rise by rounding noise only.
        let noise = VALUE_NOISE * value.abs().max(1.0);
        let better =
            cand_value.is_finite() && cand_value <= value + noise && max_abs(&cand_grad) < max_abs(&grad);
        if !better {
            break;
        }
        (x, value, grad) = (candidate, cand_value, cand_grad);
    }
    let converged = value.is_finite() && max_abs(&grad) <= gradient_tolerance;
    Outcome { x, value, iterations, converged, hessian }
}

/// Backtracking line search along `direction` (capped at [`MAX_STEP`]) with the Armijo rule.
fn line_search(
    f: &Objective<'_>,
    x: &[f64],
    value: f64,
    grad: &[f64],
    direction: &[f64],
) -> Option<(Vec<f64>, f64, Vec<f64>)> {
    let longest = max_abs(direction);
    let mut step = if longest > MAX_STEP { MAX_STEP / longest } else { 1.0 };
    let slope = dot(grad, direction);
    // A decrease below the objective's rounding noise cannot be told from zero: stop halving
    // there (the Newton polish, which judges by the gradient, takes over).
    let noise = VALUE_NOISE * value.abs().max(1.0);
    for _ in 0..MAX_HALVINGS {
        if step * slope.abs() < noise {
            return None;
        }
        let next: Vec<f64> = x.iter().zip(direction).map(|(a, d)| a + step * d).collect();
        if next == x {
            return None;
        }
        let (next_value, next_grad) = (f.value_and_gradient)(&next);
        let finite = next_value.is_finite() && next_grad.iter().all(|g| g.is_finite());
        if finite && next_value <= value + ARMIJO * step * slope {
            return Some((next, next_value, next_grad));
        }
        step *= 0.5;
    }
    None
}

/// BFGS update of the inverse Hessian; skipped when the curvature condition fails. The first
/// update rescales the identity by sᵀy / yᵀy (Nocedal & Wright 2006, eq. 6.20).
fn bfgs_update(inverse: &mut [Vec<f64>], s: &[f64], y: &[f64], first: bool) {
    let sy = dot(s, y);
    if sy <= 1e-12 * norm(s) * norm(y) || sy <= 0.0 {
        return;
    }
    if first {
        let scale = sy / dot(y, y);
        for (i, row) in inverse.iter_mut().enumerate() {
            for (j, v) in row.iter_mut().enumerate() {
                *v = if i == j { scale } else { 0.0 };
            }
        }
    }
    let rho = 1.0 / sy;
    let hy = mat_vec(inverse, y);
    let yhy = dot(y, &hy);
    let n = s.len();
    for i in 0..n {
        for j in 0..n {
            inverse[i][j] += -rho * (hy[i] * s[j] + s[i] * hy[j]) + (rho * rho * yhy + rho) * s[i] * s[j];
        }
    }
}

/// Forward-difference Hessian of the analytic gradient (one gradient per dimension, step
/// [`HESSIAN_STEP`] relative: truncation and rounding errors both about 1e-7 relative),
/// symmetrised; `None` unless positive definite and finite.
pub(crate) fn numerical_hessian(f: &Objective<'_>, x: &[f64], grad: &[f64]) -> Option<Vec<Vec<f64>>> {
    let n = x.len();
    let mut h = vec![vec![0.0; n]; n];
    for j in 0..n {
        let mut plus = x.to_vec();
        plus[j] += HESSIAN_STEP * x[j].abs().max(1.0);
        // The step actually taken, after rounding of x[j] + step.
        let step = plus[j] - x[j];
        let gp = (f.value_and_gradient)(&plus).1;
        for i in 0..n {
            h[i][j] = (gp[i] - grad[i]) / step;
        }
    }
    for i in 0..n {
        for j in 0..i {
            let mean = 0.5 * (h[i][j] + h[j][i]);
            h[i][j] = mean;
            h[j][i] = mean;
        }
    }
    let finite = h.iter().flatten().all(|v| v.is_finite());
    (finite && cholesky(&h).is_some()).then_some(h)
}

/// Lower-triangular Cholesky factor of a symmetric positive-definite matrix.
fn cholesky(a: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = a.len();
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let partial: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let d = a[i][i] - partial;
                if d.is_nan() || d <= 0.0 {
                    return None;
                }
                l[i][i] = d.sqrt();
            } else {
                l[i][j] = (a[i][j] - partial) / l[j][j];
            }
        }
    }
    Some(l)
}

/// Solves A v = b for symmetric positive-definite A.
pub(crate) fn cholesky_solve(a: &[Vec<f64>], b: &[f64]) -> Option<Vec<f64>> {
    let l = cholesky(a)?;
    let n = b.len();
    let mut y = vec![0.0; n];
    for i in 0..n {
        y[i] = (b[i] - (0..i).map(|k| l[i][k] * y[k]).sum::<f64>()) / l[i][i];
    }
    let mut v = vec![0.0; n];
    for i in (0..n).rev() {
        v[i] = (y[i] - (i + 1..n).map(|k| l[k][i] * v[k]).sum::<f64>()) / l[i][i];
    }
    Some(v)
}

/// A⁻¹ for symmetric positive-definite A.
pub(crate) fn inverse(a: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = a.len();
    let columns: Option<Vec<Vec<f64>>> = (0..n)
        .map(|i| cholesky_solve(a, &(0..n).map(|k| if k == i { 1.0 } else { 0.0 }).collect::<Vec<_>>()))
        .collect();
    // Columns of a symmetric inverse are its rows.
    columns
}

/// Diagonal of A⁻¹ for symmetric positive-definite A.
pub(crate) fn inverse_diagonal(a: &[Vec<f64>]) -> Option<Vec<f64>> {
    let n = a.len();
    (0..n)
        .map(|i| {
            let unit: Vec<f64> = (0..n).map(|k| if k == i { 1.0 } else { 0.0 }).collect();
            cholesky_solve(a, &unit).map(|col| col[i])
        })
        .collect()
}

fn identity(n: usize) -> Vec<Vec<f64>> {
    (0..n).map(|i| (0..n).map(|j| if i == j { 1.0 } else { 0.0 }).collect()).collect()
}

fn mat_vec(m: &[Vec<f64>], v: &[f64]) -> Vec<f64> {
    m.iter().map(|row| dot(row, v)).collect()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn norm(v: &[f64]) -> f64 {
    dot(v, v).sqrt()
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m, x| if x.is_nan() { f64::NAN } else { m.max(x.abs()) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimises_the_rosenbrock_function() {
        let f = |p: &[f64]| {
            let (x, y) = (p[0], p[1]);
            let value = (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2);
            let grad = vec![-2.0 * (1.0 - x) - 400.0 * x * (y - x * x), 200.0 * (y - x * x)];
            (value, grad)
        };
        let value = |p: &[f64]| f(p).0;
        let objective = Objective { value: &value, value_and_gradient: &f };
        let out = minimize(&objective, vec![-1.2, 1.0], None, 500, 1e-10, &mut |_| {});
        assert!(out.converged, "{out:?}");
        assert!((out.x[0] - 1.0).abs() < 1e-8 && (out.x[1] - 1.0).abs() < 1e-8, "{out:?}");
        assert!(out.hessian.is_some());
    }

    #[test]
    fn inverse_diagonal_of_a_known_matrix() {
        // [[4, 2], [2, 3]]⁻¹ = [[3, −2], [−2, 4]] / 8.
        let diag = inverse_diagonal(&[vec![4.0, 2.0], vec![2.0, 3.0]]).unwrap();
        assert!((diag[0] - 3.0 / 8.0).abs() < 1e-15 && (diag[1] - 0.5).abs() < 1e-15);
    }
}
