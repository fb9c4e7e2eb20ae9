//! BG/BB: published donation-data estimates, gradient checks, predictions and recovery.
//!
//! Reference: Fader, P. S., Hardie, B. G. S. & Shang, J. (2010), "Customer-Base Analysis in a
//! Discrete-Time Noncontractual Setting", *Marketing Science* 29(6), 1086–1108: the 11,104
//! first-time supporters of 1995 observed over six annual opportunities (1996–2001), the 22
//! patterns of `donations.csv`: α = 1.204, β = 0.750, γ = 0.657, δ = 2.783, LL = −33,225.6.

mod common;

use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use tenure_models::bgbb::{self, BgBbParams, BgBbSummary};
use tenure_models::{FitOptions, simulate};

/// Published to 3 decimals (LL to 1): half a unit in the last place.
const PUBLISHED_ROUNDING: f64 = 0.0005;
const LL_ROUNDING: f64 = 0.05;

fn donations() -> Vec<BgBbSummary> {
    common::read_csv("donations.csv")
        .iter()
        .map(|row| BgBbSummary {
            x: row["frequency"] as u32,
            t_x: row["recency"] as u32,
            n: row["periods"] as u32,
            weight: row["weights"],
        })
        .collect()
}

#[test]
fn fit_on_donations_reproduces_fader_hardie_shang_2010() {
    let data = donations();
    let fit = bgbb::fit(&data, &FitOptions::default()).unwrap();
    let p = fit.params;
    assert!(fit.converged, "{fit:?}");
    assert_eq!(fit.n, 11_104.0);
    for (name, got, want) in [
        ("alpha", p.alpha(), 1.204),
        ("beta", p.beta(), 0.750),
        ("gamma", p.gamma(), 0.657),
        ("delta", p.delta(), 2.783),
    ] {
        assert!((got - want).abs() <= PUBLISHED_ROUNDING, "{name}: {got} vs {want}; {fit:?}");
    }
    assert!((fit.log_likelihood - -33_225.6).abs() <= LL_ROUNDING, "{fit:?}");
}

#[test]
fn new_customer_expectation_equals_the_conditional_one_with_no_history() {
    let p = BgBbParams::new(1.204, 0.750, 0.657, 2.783).unwrap();
    let new = bgbb::expected_transactions_new_customer(&p, 5);
    let conditional = bgbb::expected_transactions(&p, 0, 0, 0, 5);
    assert!((new - conditional).abs() < 1e-12, "{new} vs {conditional}");
    // Consistency with simulation: mean of 40,000 simulated customers (sd of the mean ≈ 0.01).
    let mut rng = StdRng::seed_from_u64(2010);
    let total: usize = (0..40_000).map(|_| simulate::bgbb_transactions(&p, 5, &mut rng).len()).sum();
    assert!((total as f64 / 40_000.0 - new).abs() < 0.05, "{} vs {new}", total as f64 / 40_000.0);
}

#[test]
fn gamma_equal_to_one_is_handled_as_a_limit() {
    let at = |gamma: f64| {
        bgbb::expected_transactions_new_customer(&BgBbParams::new(1.2, 0.75, gamma, 2.8).unwrap(), 6)
    };
    let (below, exact, above) = (at(1.0 - 1e-6), at(1.0), at(1.0 + 1e-6));
    assert!(
        exact.is_finite() && (exact - below).abs() < 1e-5 && (exact - above).abs() < 1e-5,
        "{below} {exact} {above}"
    );
}

#[test]
fn probability_alive_is_high_for_recent_donors_and_low_for_lapsed_ones() {
    let p = BgBbParams::new(1.204, 0.750, 0.657, 2.783).unwrap();
    let recent = bgbb::probability_alive(&p, 5, 6, 6);
    let lapsed = bgbb::probability_alive(&p, 5, 5, 6);
    let silent = bgbb::probability_alive(&p, 0, 0, 6);
    assert!(
        recent > lapsed && lapsed > silent && silent > 0.0 && recent <= 1.0,
        "{recent} {lapsed} {silent}"
    );
}

#[test]
fn fit_recovers_the_parameters_it_simulated_from() {
    let truth = BgBbParams::new(1.2, 0.75, 0.66, 2.8).unwrap();
    let mut rng = StdRng::seed_from_u64(29);
    let data: Vec<BgBbSummary> = (0..10_000)
        .map(|_| simulate::summarize_bgbb(&simulate::bgbb_transactions(&truth, 8, &mut rng), 8))
        .collect();
    let fit = bgbb::fit(&data, &FitOptions::default()).unwrap();
    let p = fit.params;
    // About three standard errors at n = 10,000.
    for (name, got, want) in [
        ("alpha", p.alpha(), truth.alpha()),
        ("beta", p.beta(), truth.beta()),
        ("gamma", p.gamma(), truth.gamma()),
        ("delta", p.delta(), truth.delta()),
    ] {
        assert!(((got - want) / want).abs() <= 0.3, "{name}: {got} vs {want}; {fit:?}");
    }
}

proptest! {
    #[test]
    fn log_likelihood_is_finite_and_gradient_matches_finite_differences(
        alpha in 0.05f64..20.0, beta in 0.05f64..20.0, gamma in 0.05f64..20.0, delta in 0.05f64..20.0,
        n in 1u32..60, x_frac in 0.0f64..1.0, t_frac in 0.0f64..1.0,
    ) {
        let t_x = (t_frac * f64::from(n)).round() as u32;
        let x = if t_x == 0 { 0 } else { 1 + ((x_frac * f64::from(t_x - 1)).round() as u32) };
        let data = [BgBbSummary { x, t_x, n, weight: 2.0 }];
        let base = [alpha, beta, gamma, delta];
        let at = |v: [f64; 4]| bgbb::log_likelihood(&BgBbParams::new(v[0], v[1], v[2], v[3]).unwrap(), &data);
        prop_assert!(at(base).is_finite());
        let g = bgbb::gradient(&BgBbParams::new(alpha, beta, gamma, delta).unwrap(), &data);
        for i in 0..4 {
            let h = 1e-6 * base[i];
            let (mut up, mut down) = (base, base);
            up[i] += h;
            down[i] -= h;
            let numeric = (at(up) - at(down)) / (2.0 * h);
            prop_assert!((g[i] - numeric).abs() <= 1e-5 * g[i].abs().max(numeric.abs()).max(1.0), "{i}: {} vs {numeric}", g[i]);
        }
    }
}
