//! Pareto/NBD: published CDNOW estimates, gradient checks, predictions and recovery.
//!
//! Reference for the estimates: Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005), "Counting
//! Your Customers the Easy Way", *Marketing Science* 24(2), Table 1 (Pareto/NBD on the CDNOW
//! sample, 39-week calibration): r = 0.553, α = 10.578, s = 0.606, β = 11.669, LL = −9594.98.

mod common;

use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use tenure_models::pareto_nbd::{self, ParetoNbdParams};
use tenure_models::{CustomerSummary, FitOptions, GroupedSummaries, simulate};

/// Published to 3 decimals (LL to 2): half a unit in the last place.
const PUBLISHED_ROUNDING: f64 = 0.0005;
const LL_ROUNDING: f64 = 0.005;

#[test]
fn fit_on_cdnow_reproduces_the_published_pareto_nbd_estimates() {
    let fit = pareto_nbd::fit(&common::cdnow_grouped(), &FitOptions::default()).unwrap();
    let p = fit.params;
    assert!(fit.converged, "{fit:?}");
    for (name, got, want) in [("r", p.r, 0.553), ("alpha", p.alpha, 10.578), ("s", p.s, 0.606), ("beta", p.beta, 11.669)] {
        assert!((got - want).abs() <= PUBLISHED_ROUNDING, "{name}: {got} vs {want}; {fit:?}");
    }
    assert!((fit.log_likelihood - -9594.98).abs() <= LL_ROUNDING, "{fit:?}");
}

#[test]
fn likelihood_is_the_same_on_both_sides_of_alpha_equal_beta() {
    // The note's two 2F1 forms (α ≥ β, α < β) describe one continuous function.
    let below = ParetoNbdParams::new(0.7, 10.0 - 1e-7, 0.6, 10.0).unwrap();
    let above = ParetoNbdParams::new(0.7, 10.0 + 1e-7, 0.6, 10.0).unwrap();
    for (x, t_x, big_t) in [(0.0, 0.0, 30.0), (3.0, 12.0, 30.0), (40.0, 29.0, 30.0)] {
        let (l1, l2) = (pareto_nbd::customer_log_likelihood(&below, x, t_x, big_t), pareto_nbd::customer_log_likelihood(&above, x, t_x, big_t));
        assert!((l1 - l2).abs() < 1e-6, "{x} {t_x} {big_t}: {l1} vs {l2}");
    }
}

#[test]
fn extreme_customers_give_finite_values() {
    let p = ParetoNbdParams::new(0.553, 10.578, 0.606, 11.669).unwrap();
    for (x, t_x, big_t) in [(300.0, 38.0, 38.86), (300.0, 38.86, 38.86), (0.0, 0.0, 1e-9), (1.0, 1e-9, 1e-9), (5.0, 0.0, 1e4)] {
        let ll = pareto_nbd::customer_log_likelihood(&p, x, t_x, big_t);
        let alive = pareto_nbd::probability_alive(&p, x, t_x, big_t);
        let e = pareto_nbd::expected_purchases(&p, x, t_x, big_t, 52.0);
        assert!(ll.is_finite() && (0.0..=1.0).contains(&alive) && e.is_finite(), "{x} {t_x} {big_t}: {ll} {alive} {e}");
    }
}

#[test]
fn conditional_expectation_with_nothing_observed_is_the_new_customer_expectation() {
    let p = ParetoNbdParams::new(0.553, 10.578, 0.606, 11.669).unwrap();
    let conditional = pareto_nbd::expected_purchases(&p, 0.0, 0.0, 1e-12, 39.0);
    let new = pareto_nbd::expected_purchases_new_customer(&p, 39.0);
    assert!((conditional - new).abs() < 1e-9 * new, "{conditional} vs {new}");
}

#[test]
fn fit_recovers_the_parameters_it_simulated_from() {
    let truth = ParetoNbdParams::new(0.6, 8.0, 0.8, 12.0).unwrap();
    let mut rng = StdRng::seed_from_u64(1987);
    let data = GroupedSummaries::from_customers(&simulate::pareto_nbd_customers(&truth, 4_000, 40.0, 80.0, &mut rng)).unwrap();
    let fit = pareto_nbd::fit(&data, &FitOptions::default()).unwrap();
    let p = fit.params;
    // About three standard errors at n = 4000 (β and s are the least well determined).
    for (name, got, want, tol) in [("r", p.r, truth.r, 0.2), ("alpha", p.alpha, truth.alpha, 0.25), ("s", p.s, truth.s, 0.5), ("beta", p.beta, truth.beta, 0.8)] {
        assert!(((got - want) / want).abs() <= tol, "{name}: {got} vs {want}; {fit:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn log_likelihood_is_finite_and_gradient_matches_a_plain_central_difference(
        r in 0.05f64..10.0, alpha in 0.1f64..50.0, s in 0.05f64..10.0, beta in 0.1f64..50.0,
        x in 0u32..200, frac in 0.0f64..1.0, big_t in 0.01f64..100.0,
    ) {
        let p = ParetoNbdParams::new(r, alpha, s, beta).unwrap();
        let c = CustomerSummary { x: f64::from(x), t_x: if x == 0 { 0.0 } else { frac * big_t }, big_t };
        let data = GroupedSummaries::from_customers(&[c]).unwrap();
        prop_assert!(pareto_nbd::log_likelihood(&p, &data).is_finite());
        let g = pareto_nbd::gradient(&p, &data);
        let base = [r, alpha, s, beta];
        for i in 0..4 {
            let h = 1e-6 * base[i];
            let (mut up, mut down) = (base, base);
            up[i] += h;
            down[i] -= h;
            let at = |v: [f64; 4]| pareto_nbd::log_likelihood(&ParetoNbdParams::new(v[0], v[1], v[2], v[3]).unwrap(), &data);
            let numeric = (at(up) - at(down)) / (2.0 * h);
            prop_assert!((g[i] - numeric).abs() <= 1e-4 * g[i].abs().max(numeric.abs()).max(1.0), "{i}: {} vs {numeric}", g[i]);
        }
    }
}
