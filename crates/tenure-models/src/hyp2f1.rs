//! The Gauss hypergeometric function ₂F₁(a, b; c; z) for real parameters and real z < 1.
//!
//! No maintained Rust crate provides it, and the Pareto/NBD likelihood and the BG/NBD and
//! MBG/NBD conditional expectations need it near z = 1, where the defining series converges
//! slowly and the value can overflow. The evaluation therefore:
//! 1. maps z < 0 into (0, 1) with Pfaff's transformation (Abramowitz & Stegun 15.3.5);
//! 2. applies Euler's transformation (A&S 15.3.3) when it shrinks the parameters, which turns
//!    the huge-parameter cases of the models (a = r + x with x in the hundreds) into tame series;
//! 3. for z > [`CONNECTION_THRESHOLD`] uses the 1 − z connection formula (A&S 15.3.6) unless
//!    c − a − b is (nearly) an integer, where that formula is singular;
//! 4. otherwise sums the series, in a scaled representation that cannot overflow.
//!
//! Results are carried as a [`SignedLog`] (ln |F| and the sign of F) so callers can work in
//! log-space. It is not a complex-argument or arbitrary-precision implementation.

use crate::special::ln_gamma_signed;

/// Above this z the 1 − z connection formula is used (when it is not singular).
pub const CONNECTION_THRESHOLD: f64 = 0.9;
/// How close c − a − b may come to an integer before the connection formula is avoided.
const INTEGER_GAP: f64 = 1e-3;
/// Relative size of the last term at which a series is considered converged.
const SERIES_TOLERANCE: f64 = 1e-16;
/// Upper bound on series terms (only the near-integer, z → 1 fallback can come near it).
const MAX_TERMS: usize = 5_000_000;

/// A real number stored as ln |v| and the sign of v (−1, 0 or 1), so huge values cannot overflow.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SignedLog {
    /// ln |v| (−∞ when v = 0).
    pub ln_abs: f64,
    /// The sign of v: −1.0, 0.0 or 1.0 (NaN when the value is undefined).
    pub sign: f64,
}

impl SignedLog {
    /// The number one.
    pub const ONE: SignedLog = SignedLog { ln_abs: 0.0, sign: 1.0 };

    /// The plain value sign · exp(ln_abs) (may overflow to ±∞).
    pub fn value(self) -> f64 {
        if self.sign == 0.0 { 0.0 } else { self.sign * self.ln_abs.exp() }
    }

    /// The product of two signed logs.
    pub fn mul(self, other: SignedLog) -> SignedLog {
        SignedLog { ln_abs: self.ln_abs + other.ln_abs, sign: self.sign * other.sign }
    }

    /// The sum of two signed logs, computed relative to the larger magnitude.
    pub fn add(self, other: SignedLog) -> SignedLog {
        if self.sign == 0.0 {
            return other;
        }
        if other.sign == 0.0 {
            return self;
        }
        let (hi, lo) = if self.ln_abs >= other.ln_abs { (self, other) } else { (other, self) };
        let ratio = (lo.ln_abs - hi.ln_abs).exp() * hi.sign * lo.sign;
        let scale = 1.0 + ratio;
        if scale == 0.0 {
            return SignedLog { ln_abs: f64::NEG_INFINITY, sign: 0.0 };
        }
        SignedLog { ln_abs: hi.ln_abs + ratio.ln_1p(), sign: hi.sign * scale.signum() }
    }
}

/// ₂F₁(a, b; c; z) = Σₙ (a)ₙ (b)ₙ / ((c)ₙ n!) zⁿ, analytically continued to all real z < 1.
///
/// Valid for real a, b, c with c not in {0, −1, −2, …} and z < 1; NaN otherwise. Accuracy is
/// about 1e-13 relative over the ranges the models use (tested against mpmath at 50 digits).
/// Reference: Abramowitz & Stegun, *Handbook of Mathematical Functions*, ch. 15.
pub fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> f64 {
    hyp2f1_signed_log(a, b, c, z).value()
}

/// ln ₂F₁(a, b; c; z) for parameters where the function is positive (for example a, b, c > 0
/// and 0 ≤ z < 1); NaN where it is negative or undefined. Never overflows.
pub fn ln_hyp2f1(a: f64, b: f64, c: f64, z: f64) -> f64 {
    let v = hyp2f1_signed_log(a, b, c, z);
    if v.sign > 0.0 { v.ln_abs } else { f64::NAN }
}

/// ₂F₁(a, b; c; z) as a [`SignedLog`]; same domain as [`hyp2f1`].
pub fn hyp2f1_signed_log(a: f64, b: f64, c: f64, z: f64) -> SignedLog {
    let nan = SignedLog { ln_abs: f64::NAN, sign: f64::NAN };
    if !(a.is_finite() && b.is_finite() && c.is_finite()) || z.is_nan() || z >= 1.0 {
        return nan;
    }
    if c <= 0.0 && c == c.floor() {
        return nan;
    }
    if z == 0.0 || a == 0.0 || b == 0.0 {
        return SignedLog::ONE;
    }
    if z < 0.0 {
        // Pfaff: F(a,b;c;z) = (1−z)^(−a) F(a, c−b; c; z/(z−1)), with z/(z−1) ∈ (0, 1).
        // Choose the parameter to keep so that the remaining series is the smaller one.
        let (keep, other) = if (c - b).abs() + a.abs() <= (c - a).abs() + b.abs() { (a, b) } else { (b, a) };
        let w = z / (z - 1.0);
        let factor = SignedLog { ln_abs: -keep * (-z).ln_1p(), sign: 1.0 };
        return factor.mul(positive_z(keep, c - other, c, w));
    }
    positive_z(a, b, c, z)
}

/// ₂F₁ for 0 < z < 1: Euler's transformation when it helps, then connection formula or series.
fn positive_z(a: f64, b: f64, c: f64, z: f64) -> SignedLog {
    let euler_size = (c - a).abs() + (c - b).abs();
    if euler_size < a.abs() + b.abs() {
        // Euler: F(a,b;c;z) = (1−z)^(c−a−b) F(c−a, c−b; c; z).
        let factor = SignedLog { ln_abs: (c - a - b) * (-z).ln_1p(), sign: 1.0 };
        return factor.mul(direct(c - a, c - b, c, z));
    }
    direct(a, b, c, z)
}

/// Connection formula above the threshold (when not singular), series otherwise.
fn direct(a: f64, b: f64, c: f64, z: f64) -> SignedLog {
    let gap = c - a - b;
    let near_integer = (gap - gap.round()).abs() < INTEGER_GAP;
    if z > CONNECTION_THRESHOLD && !near_integer { connection(a, b, c, z) } else { series(a, b, c, z) }
}

/// A&S 15.3.6: F(a,b;c;z) = A F(a,b; a+b−c+1; 1−z) + B (1−z)^(c−a−b) F(c−a, c−b; c−a−b+1; 1−z),
/// A = Γ(c)Γ(c−a−b) / (Γ(c−a)Γ(c−b)), B = Γ(c)Γ(a+b−c) / (Γ(a)Γ(b)).
fn connection(a: f64, b: f64, c: f64, z: f64) -> SignedLog {
    let w = 1.0 - z;
    let gap = c - a - b;
    let first = gamma_ratio(&[c, gap], &[c - a, c - b]).mul(series(a, b, 1.0 - gap, w));
    let power = SignedLog { ln_abs: gap * w.ln(), sign: 1.0 };
    let second = gamma_ratio(&[c, -gap], &[a, b]).mul(power).mul(series(c - a, c - b, 1.0 + gap, w));
    first.add(second)
}

/// Π Γ(numerator) / Π Γ(denominator) as a signed log; zero when a denominator is at a pole.
fn gamma_ratio(numerator: &[f64], denominator: &[f64]) -> SignedLog {
    let mut out = SignedLog::ONE;
    for &x in numerator {
        let (ln, sign) = ln_gamma_signed(x);
        out = out.mul(SignedLog { ln_abs: ln, sign });
    }
    for &x in denominator {
        let (ln, sign) = ln_gamma_signed(x);
        if sign == 0.0 {
            return SignedLog { ln_abs: f64::NEG_INFINITY, sign: 0.0 };
        }
        out = out.mul(SignedLog { ln_abs: -ln, sign });
    }
    out
}

/// The defining series, summed with periodic rescaling so neither terms nor sum overflow.
///
/// Stops when the next term is below [`SERIES_TOLERANCE`] of the sum and the term ratio bounds
/// the remaining tail, or when a term is exactly zero (a or b a non-positive integer).
fn series(a: f64, b: f64, c: f64, z: f64) -> SignedLog {
    const RESCALE_AT: f64 = 1e200;
    let mut term = 1.0_f64;
    let mut sum = 1.0_f64;
    let mut ln_scale = 0.0_f64;
    for n in 0..MAX_TERMS {
        let k = n as f64;
        let ratio = (a + k) * (b + k) / ((c + k) * (k + 1.0)) * z;
        term *= ratio;
        sum += term;
        if term == 0.0 {
            break;
        }
        let bound = ratio.abs().max(z.abs());
        let decreasing = ratio.abs() < 1.0 && bound < 1.0;
        if decreasing && term.abs() / (1.0 - bound) <= SERIES_TOLERANCE * sum.abs() {
            break;
        }
        if term.abs() > RESCALE_AT || sum.abs() > RESCALE_AT {
            term /= RESCALE_AT;
            sum /= RESCALE_AT;
            ln_scale += RESCALE_AT.ln();
        }
    }
    if sum == 0.0 {
        return SignedLog { ln_abs: f64::NEG_INFINITY, sign: 0.0 };
    }
    SignedLog { ln_abs: sum.abs().ln() + ln_scale, sign: sum.signum() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reduces_to_elementary_functions() {
        // ln(1 + z) = z F(1, 1; 2; −z)  and  (1 − z)^(−a) = F(a, b; b; z)  (A&S 15.1.3, 15.1.8).
        for &z in &[-0.99, -0.5, 0.1, 0.5, 0.95, 0.999_999] {
            let got = z * hyp2f1(1.0, 1.0, 2.0, -z);
            assert!((got - z.ln_1p()).abs() < 1e-13 * z.ln_1p().abs().max(1.0), "z = {z}");
            let got = hyp2f1(2.5, 0.7, 0.7, z);
            let want = (1.0 - z).powf(-2.5);
            assert!(((got - want) / want).abs() < 1e-12, "z = {z}: {got} vs {want}");
        }
    }

    #[test]
    fn terminates_for_a_non_positive_integer_parameter() {
        // F(−2, b; c; z) = 1 − 2bz/c + b(b+1)z²/(c(c+1)).
        let (b, c, z) = (1.5_f64, 2.5_f64, 0.97_f64);
        let want = 1.0 - 2.0 * b * z / c + b * (b + 1.0) * z * z / (c * (c + 1.0));
        assert!((hyp2f1(-2.0, b, c, z) - want).abs() < 1e-14);
    }

    #[test]
    fn is_nan_outside_its_domain() {
        assert!(hyp2f1(1.0, 1.0, 2.0, 1.0).is_nan());
        assert!(hyp2f1(1.0, 1.0, -2.0, 0.5).is_nan());
        assert!(ln_hyp2f1(1.0, 1.0, 2.0, f64::NAN).is_nan());
    }

    #[test]
    fn signed_log_addition_handles_cancellation_and_zero() {
        let two = SignedLog { ln_abs: 2.0_f64.ln(), sign: 1.0 };
        let minus_two = SignedLog { ln_abs: 2.0_f64.ln(), sign: -1.0 };
        assert_eq!(two.add(minus_two).value(), 0.0);
        assert!((two.add(SignedLog::ONE).value() - 3.0).abs() < 1e-15);
        assert!((minus_two.add(SignedLog::ONE).value() + 1.0).abs() < 1e-15);
    }
}
