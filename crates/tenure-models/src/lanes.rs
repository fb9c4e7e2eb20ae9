//! `exp` and `ln(1 + e)` as straight-line arithmetic — no calls, no branches, no table — over an
//! array of values, one loop over the array per step, so that the compiler turns each step into
//! vector instructions and the values' long chains of multiply-adds run side by side. libm's
//! scalar calls cannot be vectorised, and each one waits for the last, which left the BG/NBD
//! sums (`bgnbd_sums.rs`) mostly waiting.
//!
//! Deliberately narrow: [`exp_nonpositive`] takes x ≤ 0 (−∞ included), [`ln_one_plus`] takes
//! e ∈ [0, 1] — the ranges of the two-term log-sum-exp `ln(eˢ + eᵈ) = max + ln(1 + e^−|s−d|)`
//! that the models evaluate once per row. Both are within a few units in the last place of the
//! exact value (checked against `f64::exp` and `f64::ln_1p` in the tests).

/// ln 2 in two parts: `LN2_HI` keeps 21 significant bits, so `k · LN2_HI` is exact for every
/// |k| < 2³², and `LN2_LO` = ln 2 − `LN2_HI` (rounded) carries the rest.
const LN2_HI: f64 = 0.693_146_705_627_441_4;
const LN2_LO: f64 = 4.749_325_039_031_672_6e-7;
/// 1.5 · 2⁵²: adding it to a number of magnitude below 2⁵¹ rounds that number to an integer,
/// which the sum then holds in its low mantissa bits.
const ROUND_TO_INTEGER: f64 = 6_755_399_441_055_744.0;
/// Below this `exp_nonpositive` returns 0: e⁻⁷⁰⁰ ≈ 1e−304 is still a normal number (subnormal
/// arithmetic is slow), and next to 1 it is nothing.
const EXP_FLUSH_BELOW: f64 = -700.0;

/// Taylor coefficients 1/n! of eʳ for n = 13 down to 2 (|r| ≤ ln 2 / 2, where the first omitted
/// term, r¹⁴/14!, is below 5e−18).
const EXP_COEFFICIENTS: [f64; 12] = [
    1.0 / 6_227_020_800.0,
    1.0 / 479_001_600.0,
    1.0 / 39_916_800.0,
    1.0 / 3_628_800.0,
    1.0 / 362_880.0,
    1.0 / 40_320.0,
    1.0 / 5_040.0,
    1.0 / 720.0,
    1.0 / 120.0,
    1.0 / 24.0,
    1.0 / 6.0,
    1.0 / 2.0,
];

/// eˣ for each x ≤ 0 of `x` (x = −∞ gives 0), within 2 ulp; 0 below −700; NaN stays NaN (a
/// likelihood that went wrong must not turn into a finite one).
///
/// eˣ = 2ᵏ · eʳ with k = round(x / ln 2) and r = x − k ln 2 ∈ [−ln 2 / 2, ln 2 / 2]; eʳ by its
/// Taylor polynomial (Horner's scheme), 2ᵏ built from its bits. Every step is a loop over the
/// lanes, so the lanes' long chains of multiply-adds run side by side.
#[inline(always)]
pub(crate) fn exp_nonpositive<const N: usize>(x: &[f64; N]) -> [f64; N] {
    // A comparison, not `max`, which would turn NaN into −700.
    let clamped = x.map(|v| if v < EXP_FLUSH_BELOW { EXP_FLUSH_BELOW } else { v });
    let shifted = clamped.map(|v| v * std::f64::consts::LOG2_E + ROUND_TO_INTEGER);
    let mut r = [0.0; N];
    for j in 0..N {
        let k = shifted[j] - ROUND_TO_INTEGER;
        r[j] = (clamped[j] - k * LN2_HI) - k * LN2_LO;
    }
    let mut p = [0.0; N];
    for c in EXP_COEFFICIENTS {
        for j in 0..N {
            p[j] = p[j] * r[j] + c;
        }
    }
    let mut out = [0.0; N];
    for j in 0..N {
        let e_r = (p[j] * r[j] + 1.0) * r[j] + 1.0;
        // The low 12 bits of `shifted` are k mod 2¹²; moved to the top and offset by the
        // exponent bias they are the bits of 2ᵏ (k ∈ [−1010, 0]: a normal number).
        let two_to_k = f64::from_bits((shifted[j].to_bits() << 52).wrapping_add(1023 << 52));
        out[j] = if x[j] < EXP_FLUSH_BELOW { 0.0 } else { e_r * two_to_k };
    }
    out
}

/// Coefficients 1/(2k + 1) of the series 2 atanh(s) = 2s Σₖ s²ᵏ/(2k + 1), k = 15 down to 0:
/// with s ≤ 1/3 the first omitted term is below 2e−17 of the sum.
const ATANH_COEFFICIENTS: [f64; 16] = [
    1.0 / 31.0,
    1.0 / 29.0,
    1.0 / 27.0,
    1.0 / 25.0,
    1.0 / 23.0,
    1.0 / 21.0,
    1.0 / 19.0,
    1.0 / 17.0,
    1.0 / 15.0,
    1.0 / 13.0,
    1.0 / 11.0,
    1.0 / 9.0,
    1.0 / 7.0,
    1.0 / 5.0,
    1.0 / 3.0,
    1.0,
];

/// ln(1 + e) for each e ∈ [0, 1] of `e`, within 2 ulp (exactly 0 at e = 0): ln(1 + e) =
/// 2 atanh(s) with s = e / (2 + e) ∈ [0, 1/3]. A loop over the lanes at every step, as above.
#[inline(always)]
pub(crate) fn ln_one_plus<const N: usize>(e: &[f64; N]) -> [f64; N] {
    let s = e.map(|v| v / (2.0 + v));
    let s2 = s.map(|v| v * v);
    let mut p = [0.0; N];
    for c in ATANH_COEFFICIENTS {
        for j in 0..N {
            p[j] = p[j] * s2[j] + c;
        }
    }
    let mut out = [0.0; N];
    for j in 0..N {
        out[j] = 2.0 * s[j] * p[j];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exp(x: f64) -> f64 {
        exp_nonpositive(&[x])[0]
    }

    fn ln(e: f64) -> f64 {
        ln_one_plus(&[e])[0]
    }

    fn ulps(a: f64, b: f64) -> f64 {
        if a == b {
            return 0.0;
        }
        (a - b).abs() / (f64::EPSILON * b.abs().max(f64::MIN_POSITIVE))
    }

    #[test]
    fn exp_of_nonpositive_numbers_is_within_two_ulp_of_the_standard_one() {
        let mut worst: f64 = 0.0;
        for i in 0..=2_000_000 {
            // Dense near 0, where the values matter most, and out to the flush point.
            let x = -(i as f64 / 2_000_000.0).powi(3) * 700.0;
            worst = worst.max(ulps(exp(x), x.exp()));
        }
        assert!(worst <= 2.0, "worst {worst} ulp");
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(-0.0), 1.0);
        assert_eq!(exp(f64::NEG_INFINITY), 0.0);
        assert_eq!(exp(-700.5), 0.0);
        assert!(exp(-700.0) > 0.0);
        assert!(exp(f64::NAN).is_nan());
        assert!(ln(f64::NAN).is_nan());
        // Lanes are independent: a batch gives each value what it gives alone.
        let batch: [f64; 7] = std::array::from_fn(|j| -(j as f64) * 3.7);
        assert_eq!(exp_nonpositive(&batch), batch.map(exp));
    }

    #[test]
    fn ln_one_plus_is_within_two_ulp_of_the_standard_one_on_the_unit_interval() {
        let mut worst: f64 = 0.0;
        for i in 0..=2_000_000 {
            let e = (i as f64 / 2_000_000.0).powi(2);
            worst = worst.max(ulps(ln(e), e.ln_1p()));
        }
        for e in [1e-300, 1e-17, 1e-9, 0.5, 1.0] {
            worst = worst.max(ulps(ln(e), e.ln_1p()));
        }
        assert!(worst <= 2.0, "worst {worst} ulp");
        assert_eq!(ln(0.0), 0.0);
        let batch: [f64; 7] = std::array::from_fn(|j| j as f64 / 6.0);
        assert_eq!(ln_one_plus(&batch), batch.map(ln));
    }
}
