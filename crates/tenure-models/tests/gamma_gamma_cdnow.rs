//! Gamma-Gamma reproduces the published CDNOW spend estimates.
//!
//! Reference: Fader, P. S. & Hardie, B. G. S. (2013), "The Gamma-Gamma Model of Monetary Value"
//! (note on brucehardie.com), fitted to the 946 CDNOW sample customers with at least one repeat
//! purchase in the 39-week calibration period, z̄ = mean value of their repeat transactions:
//! p = 6.25, q = 3.74, γ = 15.44. (The lifetimes documentation quotes p ≈ 6.25, q ≈ 3.74,
//! v ≈ 15.45 from its own optimiser on the same data.)

mod common;

use tenure_models::FitOptions;
use tenure_models::gamma_gamma::{self, SpendSummary};

/// Published to 2 decimals; γ is allowed the 0.01 spread between the note and lifetimes.
const PUBLISHED_ROUNDING: f64 = 0.005;
const GAMMA_ROUNDING: f64 = 0.015;

fn repeat_buyers() -> Vec<SpendSummary> {
    common::read_csv("cdnow_customers_summary_with_transactions.csv")
        .iter()
        .filter(|row| row["x"] > 0.0)
        .map(|row| SpendSummary { x: row["x"], mean_spend: row["zbar"], weight: 1.0 })
        .collect()
}

#[test]
fn fit_on_cdnow_repeat_buyers_reproduces_fader_hardie_2013() {
    let data = repeat_buyers();
    assert_eq!(data.len(), 946, "the note fits the 946 repeat buyers");
    let fit = gamma_gamma::fit(&data, &FitOptions::default()).unwrap();
    let p = fit.params;
    assert!(fit.converged, "{fit:?}");
    assert!((p.p() - 6.25).abs() <= PUBLISHED_ROUNDING, "{fit:?}");
    assert!((p.q() - 3.74).abs() <= PUBLISHED_ROUNDING, "{fit:?}");
    assert!((p.gamma() - 15.44).abs() <= GAMMA_ROUNDING, "{fit:?}");
}

#[test]
fn expected_spend_shrinks_a_customer_mean_towards_the_population_mean() {
    let params = gamma_gamma::GammaGammaParams::new(6.25, 3.74, 15.44).unwrap();
    let population = 6.25 * 15.44 / 2.74;
    assert!((gamma_gamma::expected_average_spend(&params, 0.0, 0.0) - population).abs() < 1e-12);
    let big_spender = gamma_gamma::expected_average_spend(&params, 2.0, 100.0);
    assert!(big_spender > population && big_spender < 100.0, "{big_spender}");
    let zero_spend = gamma_gamma::expected_average_spend(&params, 3.0, 0.0);
    assert!(zero_spend.is_finite() && zero_spend > 0.0 && zero_spend < population);
}

#[test]
fn rejects_zero_spend_rows_when_fitting() {
    let data = [SpendSummary { x: 2.0, mean_spend: 0.0, weight: 1.0 }];
    assert!(gamma_gamma::fit(&data, &FitOptions::default()).is_err());
}
