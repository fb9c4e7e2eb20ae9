//! Special functions used by the likelihoods: ln Γ, ln B, digamma and log-space helpers.
//!
//! ln Γ and ψ are evaluated by shifting the argument above [`ASYMPTOTIC_FROM`] with the
//! recurrences Γ(x + 1) = x Γ(x), ψ(x + 1) = ψ(x) + 1/x and then summing the Stirling /
//! de Moivre asymptotic series (Abramowitz & Stegun 6.1.40 and 6.3.18), which at that point is
//! accurate to double precision. Negative arguments use the reflection formulas. The Gauss
//! hypergeometric function lives in [`crate::hyp2f1`].

use std::f64::consts::PI;

/// Arguments at or above this use the asymptotic series directly; smaller ones are shifted up.
pub const ASYMPTOTIC_FROM: f64 = 12.0;

/// Natural logarithm of the gamma function, ln Γ(x), for x > 0.
///
/// Absolute error about 1e-15 · max(1, |ln Γ(x)|): Stirling's series (A&S 6.1.40) to the
/// x⁻¹³ term after shifting x to at least [`ASYMPTOTIC_FROM`]. Returns NaN for x ≤ 0 or NaN
/// (use [`ln_gamma_signed`] for negative arguments) and +∞ for x = +∞.
pub fn ln_gamma(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    if x == f64::INFINITY {
        return x;
    }
    let mut shifted = x;
    let mut product = 1.0_f64;
    let mut ln_product = 0.0_f64;
    while shifted < ASYMPTOTIC_FROM {
        product *= shifted;
        shifted += 1.0;
        if product > 1e280 {
            ln_product += product.ln();
            product = 1.0;
        }
    }
    ln_product += product.ln();
    stirling_ln_gamma(shifted) - ln_product
}

/// ln Γ(x) for x ≥ [`ASYMPTOTIC_FROM`] by Stirling's series (A&S 6.1.40).
fn stirling_ln_gamma(x: f64) -> f64 {
    const HALF_LN_TWO_PI: f64 = 0.918_938_533_204_672_7;
    // Bernoulli coefficients B₂ₖ / (2k (2k − 1)) for k = 1..7.
    const COEFFICIENTS: [f64; 7] = [
        1.0 / 12.0,
        -1.0 / 360.0,
        1.0 / 1260.0,
        -1.0 / 1680.0,
        1.0 / 1188.0,
        -691.0 / 360_360.0,
        1.0 / 156.0,
    ];
    let inverse_square = 1.0 / (x * x);
    let correction = COEFFICIENTS.iter().rev().fold(0.0, |acc, c| acc * inverse_square + c) / x;
    (x - 0.5) * x.ln() - x + HALF_LN_TWO_PI + correction
}

/// ln |Γ(x)| and the sign of Γ(x) for any real x.
///
/// For x ≤ 0 the reflection formula Γ(x) Γ(1 − x) = π / sin(πx) (Abramowitz & Stegun 6.1.17) is
/// used. At the poles (x = 0, −1, −2, …) this returns `(+∞, 0.0)`, so that 1/Γ(x) evaluates to
/// exactly zero as `exp(-ln) * sign`.
pub fn ln_gamma_signed(x: f64) -> (f64, f64) {
    if x > 0.0 {
        return (ln_gamma(x), 1.0);
    }
    if x.is_nan() {
        return (f64::NAN, f64::NAN);
    }
    if x == x.floor() {
        return (f64::INFINITY, 0.0);
    }
    // sin(πx) with the argument reduced to (−1, 1] so large |x| keeps its accuracy.
    let reduced = x - 2.0 * (x / 2.0).round();
    let sine = (PI * reduced).sin();
    let ln_abs = PI.ln() - sine.abs().ln() - ln_gamma(1.0 - x);
    (ln_abs, sine.signum())
}

/// Natural logarithm of the beta function, ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b), for
/// a, b > 0; NaN outside that range (never panics).
pub fn ln_beta(a: f64, b: f64) -> f64 {
    if a > 0.0 && b > 0.0 { ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b) } else { f64::NAN }
}

/// The digamma function ψ(x) = d ln Γ(x) / dx.
///
/// Valid on the whole real line except the poles x = 0, −1, −2, … (where it returns NaN).
/// Positive arguments are shifted to at least [`ASYMPTOTIC_FROM`] and the asymptotic series
/// (A&S 6.3.18) is summed to the x⁻¹⁴ term; negative ones use ψ(x) = ψ(1 − x) − π cot(πx)
/// (A&S 6.3.7). Absolute error about 1e-15 for x > 0.
pub fn digamma(x: f64) -> f64 {
    if x.is_nan() || x == f64::NEG_INFINITY || (x <= 0.0 && x == x.floor()) {
        return f64::NAN;
    }
    if x < 0.0 {
        let reduced = x - x.round();
        return digamma(1.0 - x) - PI / (PI * reduced).tan();
    }
    let mut shifted = x;
    let mut sum = 0.0;
    while shifted < ASYMPTOTIC_FROM {
        sum -= 1.0 / shifted;
        shifted += 1.0;
    }
    sum + asymptotic_digamma(shifted)
}

/// ψ(x) for x ≥ [`ASYMPTOTIC_FROM`] by the asymptotic series (A&S 6.3.18).
fn asymptotic_digamma(x: f64) -> f64 {
    // B₂ₖ / (2k) for k = 1..7.
    const COEFFICIENTS: [f64; 7] =
        [1.0 / 12.0, -1.0 / 120.0, 1.0 / 252.0, -1.0 / 240.0, 1.0 / 132.0, -691.0 / 32_760.0, 1.0 / 12.0];
    let inverse_square = 1.0 / (x * x);
    let series = COEFFICIENTS.iter().rev().fold(0.0, |acc, c| acc * inverse_square + c) * inverse_square;
    x.ln() - 0.5 / x - series
}

/// The trigamma function ψ′(x) = d² ln Γ(x) / dx², for x > 0 (NaN elsewhere): the curvature
/// terms of the likelihoods' Hessians.
///
/// Shifted up to [`ASYMPTOTIC_FROM`] with ψ′(x) = ψ′(x + 1) + 1/x² (A&S 6.4.6), then the
/// asymptotic series 1/x + 1/(2x²) + Σ B₂ₖ / x²ᵏ⁺¹ (A&S 6.4.12) to the x⁻¹⁵ term.
pub fn trigamma(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    let mut shifted = x;
    let mut sum = 0.0;
    while shifted < ASYMPTOTIC_FROM {
        sum += 1.0 / (shifted * shifted);
        shifted += 1.0;
    }
    // B₂ₖ for k = 1..7.
    const BERNOULLI: [f64; 7] =
        [1.0 / 6.0, -1.0 / 30.0, 1.0 / 42.0, -1.0 / 30.0, 5.0 / 66.0, -691.0 / 2730.0, 7.0 / 6.0];
    let inverse = 1.0 / shifted;
    let inverse_square = inverse * inverse;
    let series =
        BERNOULLI.iter().rev().fold(0.0, |acc, b| acc * inverse_square + b) * inverse_square * inverse;
    sum + inverse + 0.5 * inverse_square + series
}

/// ln(eᵃ + eᵇ) without overflow; either argument may be −∞.
pub fn log_add_exp(a: f64, b: f64) -> f64 {
    let (hi, lo) = if a >= b { (a, b) } else { (b, a) };
    if hi == f64::NEG_INFINITY {
        return f64::NEG_INFINITY;
    }
    hi + (lo - hi).exp().ln_1p()
}

/// ln(eᵃ − eᵇ) for a ≥ b, accurate when the two are close (uses `ln(−expm1(b − a))`).
///
/// Returns −∞ when a == b and NaN when b > a.
pub fn log_sub_exp(a: f64, b: f64) -> f64 {
    if b > a {
        return f64::NAN;
    }
    if b == f64::NEG_INFINITY {
        return a;
    }
    a + (-(b - a).exp_m1()).ln()
}

/// ln Σ exp(vᵢ) over a slice without overflow; −∞ for an empty slice.
pub fn log_sum_exp(values: &[f64]) -> f64 {
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if max == f64::NEG_INFINITY || !max.is_finite() {
        return max;
    }
    max + values.iter().map(|v| (v - max).exp()).sum::<f64>().ln()
}

/// The logistic function 1 / (1 + e^(−v)), computed without overflow for any v.
pub fn logistic(v: f64) -> f64 {
    if v >= 0.0 {
        1.0 / (1.0 + (-v).exp())
    } else {
        let e = v.exp();
        e / (1.0 + e)
    }
}

/// Nodes and weights of the n-point Gauss–Legendre rule on [−1, 1]: nodes are the roots of the
/// Legendre polynomial Pₙ, found by Newton's method from Chebyshev-like starting points
/// (A&S 25.4.29); weights 2 / ((1 − x²) Pₙ′(x)²). Exact for polynomials of degree < 2n.
pub fn gauss_legendre(n: usize) -> Vec<(f64, f64)> {
    let nf = n as f64;
    let mut rule = Vec::with_capacity(n);
    for i in 0..n {
        let mut x = (PI * (i as f64 + 0.75) / (nf + 0.5)).cos();
        let mut derivative = 1.0;
        for _ in 0..100 {
            // Pₙ(x) and Pₙ′(x) by the three-term recurrence.
            let (mut p0, mut p1) = (1.0, x);
            for k in 2..=n {
                let kf = k as f64;
                (p0, p1) = (p1, ((2.0 * kf - 1.0) * x * p1 - (kf - 1.0) * p0) / kf);
            }
            let value = if n == 0 {
                1.0
            } else if n == 1 {
                x
            } else {
                p1
            };
            let previous = if n == 1 { 1.0 } else { p0 };
            derivative = nf * (x * value - previous) / (x * x - 1.0);
            let step = value / derivative;
            x -= step;
            if step.abs() <= 1e-16 {
                break;
            }
        }
        rule.push((x, 2.0 / ((1.0 - x * x) * derivative * derivative)));
    }
    rule
}

#[cfg(test)]
mod tests {
    use super::*;

    const TIGHT: f64 = 1e-13;

    #[test]
    fn ln_gamma_matches_factorials() {
        // Γ(n + 1) = n!
        let mut factorial = 1.0_f64;
        for n in 1..30 {
            factorial *= n as f64;
            let got = ln_gamma(n as f64 + 1.0);
            assert!((got - factorial.ln()).abs() <= TIGHT * factorial.ln().max(1.0));
        }
    }

    #[test]
    fn ln_gamma_is_accurate_at_small_and_half_integer_arguments() {
        // Γ(1/2) = √π; Γ(ε) = 1/ε − γ + O(ε); ln Γ(12.5) from Γ(n + 1/2) = (2n)! √π / (4ⁿ n!).
        assert!((ln_gamma(0.5) - PI.sqrt().ln()).abs() < TIGHT);
        let eps = 1e-9;
        assert!((ln_gamma(eps) - (1.0 / eps - 0.577_215_664_901_532_9).ln()).abs() < 1e-14);
        let mut half = PI.sqrt();
        for n in 0..12 {
            half *= n as f64 + 0.5;
        }
        assert!((ln_gamma(12.5) - half.ln()).abs() < TIGHT * half.ln());
    }

    #[test]
    fn ln_gamma_signed_reflects_negative_arguments() {
        // Γ(−0.5) = −2√π, Γ(−1.5) = 4√π/3.
        let (ln, sign) = ln_gamma_signed(-0.5);
        assert_eq!(sign, -1.0);
        assert!((ln - (2.0 * PI.sqrt()).ln()).abs() < TIGHT);
        let (ln, sign) = ln_gamma_signed(-1.5);
        assert_eq!(sign, 1.0);
        assert!((ln - (4.0 * PI.sqrt() / 3.0).ln()).abs() < TIGHT);
        assert_eq!(ln_gamma_signed(-3.0), (f64::INFINITY, 0.0));
    }

    #[test]
    fn ln_beta_is_nan_instead_of_panicking_outside_its_domain() {
        assert!(ln_beta(-1.0, 2.0).is_nan());
        assert!((ln_beta(2.0, 3.0) - (1.0_f64 / 12.0).ln()).abs() < TIGHT);
    }

    #[test]
    fn digamma_matches_known_values() {
        // ψ(1) = −γ (Euler–Mascheroni), ψ(1/2) = −γ − 2 ln 2.
        let euler = 0.577_215_664_901_532_9;
        assert!((digamma(1.0) + euler).abs() < TIGHT);
        assert!((digamma(0.5) + euler + 2.0 * 2.0_f64.ln()).abs() < TIGHT);
    }

    #[test]
    fn trigamma_matches_known_values_and_the_slope_of_digamma() {
        // ψ′(1) = π²/6, ψ′(1/2) = π²/2 (A&S 6.4.2, 6.4.4); ψ′(x) = ψ′(x + 1) + 1/x².
        assert!((trigamma(1.0) - PI * PI / 6.0).abs() < TIGHT);
        assert!((trigamma(0.5) - PI * PI / 2.0).abs() < TIGHT);
        assert!((trigamma(3.25) - trigamma(4.25) - 1.0 / (3.25 * 3.25)).abs() < TIGHT);
        for x in [0.01, 0.243, 0.793, 2.426, 7.5, 11.9, 12.1, 300.0, 1e6] {
            let h = 1e-5 * x;
            let slope = (digamma(x + h) - digamma(x - h)) / (2.0 * h);
            assert!((trigamma(x) - slope).abs() < 1e-6 * trigamma(x), "x = {x}");
        }
        assert!(trigamma(0.0).is_nan() && trigamma(-1.5).is_nan());
    }

    #[test]
    fn gauss_legendre_integrates_polynomials_exactly() {
        // ∫₋₁¹ x⁶ dx = 2/7 needs degree 6 < 2n: n = 4 suffices; weights sum to 2.
        let rule = gauss_legendre(4);
        let integral: f64 = rule.iter().map(|(x, w)| w * x.powi(6)).sum();
        assert!((integral - 2.0 / 7.0).abs() < 1e-15);
        let total: f64 = gauss_legendre(64).iter().map(|(_, w)| w).sum();
        assert!((total - 2.0).abs() < 1e-13);
    }

    #[test]
    fn log_space_helpers_survive_huge_and_equal_arguments() {
        assert!((log_add_exp(1000.0, 1000.0) - (1000.0 + 2.0_f64.ln())).abs() < TIGHT * 1e3);
        assert_eq!(log_sub_exp(5.0, 5.0), f64::NEG_INFINITY);
        assert!((log_sub_exp(0.0, -1e-20) - (1e-20_f64).ln()).abs() < 1e-12);
        assert!((log_sum_exp(&[-1000.0, -1000.0]) - (-1000.0 + 2.0_f64.ln())).abs() < 1e-10);
        assert_eq!(logistic(-1000.0), 0.0);
        assert_eq!(logistic(1000.0), 1.0);
    }
}
