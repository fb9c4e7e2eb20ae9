//! BG/NBD properties: finite likelihood on valid inputs, analytic gradient = finite differences,
//! internally consistent predictions, and no NaN or infinity for extreme customers.

use proptest::prelude::*;
use tenure_models::bgnbd::{self, BgNbdParams};
use tenure_models::{CustomerSummary, GroupedSummaries};

/// Relative agreement required between the analytic gradient and central differences.
const GRADIENT_TOLERANCE: f64 = 1e-5;

fn params() -> impl Strategy<Value = BgNbdParams> {
    (0.01f64..20.0, 0.01f64..100.0, 0.01f64..20.0, 0.01f64..20.0)
        .prop_map(|(r, alpha, a, b)| BgNbdParams::new(r, alpha, a, b).expect("positive by construction"))
}

fn customers() -> impl Strategy<Value = Vec<CustomerSummary>> {
    prop::collection::vec((0u32..400, 0.0f64..1.0, 1e-6f64..200.0), 1..8).prop_map(|rows| {
        rows.into_iter()
            .map(|(x, frac, big_t)| CustomerSummary {
                x: f64::from(x),
                t_x: if x == 0 { 0.0 } else { frac * big_t },
                big_t,
            })
            .collect()
    })
}

fn finite_difference(p: &BgNbdParams, data: &GroupedSummaries) -> [f64; 4] {
    let base = [p.r(), p.alpha(), p.a(), p.b()];
    let mut out = [0.0; 4];
    for i in 0..4 {
        let h = 1e-6 * base[i];
        let (mut up, mut down) = (base, base);
        up[i] += h;
        down[i] -= h;
        let at = |v: [f64; 4]| {
            bgnbd::log_likelihood(
                &BgNbdParams::new(v[0], v[1], v[2], v[3]).expect("small steps keep parameters positive"),
                data,
            )
        };
        out[i] = (at(up) - at(down)) / (2.0 * h);
    }
    out
}

proptest! {
    #[test]
    fn log_likelihood_is_finite_and_gradient_matches_finite_differences(p in params(), rows in customers()) {
        let data = GroupedSummaries::from_customers(&rows).unwrap();
        let ll = bgnbd::log_likelihood(&p, &data);
        // A density in t_x, so it may exceed one (tiny T): only finiteness is required.
        prop_assert!(ll.is_finite(), "{ll}");
        let analytic = bgnbd::gradient(&p, &data);
        let numeric = finite_difference(&p, &data);
        for i in 0..4 {
            let scale = analytic[i].abs().max(numeric[i].abs()).max(1.0);
            prop_assert!((analytic[i] - numeric[i]).abs() <= GRADIENT_TOLERANCE * scale,
                "component {i}: analytic {} vs numeric {}", analytic[i], numeric[i]);
        }
    }

    #[test]
    fn predictions_are_finite_and_in_range(p in params(), rows in customers(), t in 0.0f64..500.0) {
        for c in rows {
            let alive = bgnbd::probability_alive(&p, c.x, c.t_x, c.big_t);
            prop_assert!((0.0..=1.0).contains(&alive));
            if (p.a() - 1.0).abs() > 1e-3 {
                let e = bgnbd::expected_purchases(&p, c.x, c.t_x, c.big_t, t);
                prop_assert!(e.is_finite() && e >= -1e-9, "E = {e} for {c:?}, t = {t}");
            }
        }
    }
}

#[test]
fn purchase_count_probabilities_sum_to_one_and_their_mean_is_the_expected_count() {
    // E[X(t)] (eq. 9) and P(X(t) = k) (eq. 8) are derived separately in the paper; Σ k P = E.
    let p = BgNbdParams::new(0.243, 4.414, 0.793, 2.426).unwrap();
    for t in [1.0, 39.0, 78.0] {
        let probabilities: Vec<f64> = (0..4000).map(|k| bgnbd::probability_of_purchases(&p, t, k)).collect();
        let total: f64 = probabilities.iter().sum();
        let mean: f64 = probabilities.iter().enumerate().map(|(k, q)| k as f64 * q).sum();
        assert!((total - 1.0).abs() < 1e-9, "t = {t}: Σ P = {total}");
        let expected = bgnbd::expected_purchases_new_customer(&p, t);
        assert!((mean - expected).abs() < 1e-7 * expected, "t = {t}: {mean} vs {expected}");
    }
}

#[test]
fn conditional_expectation_of_a_customer_seen_for_no_time_is_the_new_customer_expectation() {
    // With x = 0 and T → 0 nothing has been learned, so eq. 10 reduces to eq. 9.
    let p = BgNbdParams::new(0.5, 3.0, 1.7, 2.5).unwrap();
    let conditional = bgnbd::expected_purchases(&p, 0.0, 0.0, 1e-12, 20.0);
    let new = bgnbd::expected_purchases_new_customer(&p, 20.0);
    assert!((conditional - new).abs() < 1e-9 * new, "{conditional} vs {new}");
}

#[test]
fn extreme_customers_give_finite_likelihoods_and_predictions() {
    let p = BgNbdParams::new(0.243, 4.414, 0.793, 2.426).unwrap();
    let extremes =
        [(300.0, 38.0, 38.86), (300.0, 38.86, 38.86), (0.0, 0.0, 1e-9), (1.0, 1e-9, 1e-9), (5.0, 0.0, 1e4)];
    for (x, t_x, big_t) in extremes {
        let ll = bgnbd::customer_log_likelihood(&p, x, t_x, big_t);
        let alive = bgnbd::probability_alive(&p, x, t_x, big_t);
        let e = bgnbd::expected_purchases(&p, x, t_x, big_t, 52.0);
        assert!(ll.is_finite() && alive.is_finite() && e.is_finite(), "{x} {t_x} {big_t}: {ll} {alive} {e}");
    }
    // A heavy buyer still active at T is almost surely alive and keeps buying at ~x/T per week.
    let e = bgnbd::expected_purchases(&p, 300.0, 38.86, 38.86, 1.0);
    assert!((e - 300.24 / (4.414 + 38.86)).abs() < 0.1, "{e}");
}

#[test]
fn probability_alive_falls_as_the_silence_since_the_last_purchase_grows() {
    let p = BgNbdParams::new(0.243, 4.414, 0.793, 2.426).unwrap();
    let recent = bgnbd::probability_alive(&p, 5.0, 38.0, 38.86);
    let lapsed = bgnbd::probability_alive(&p, 5.0, 5.0, 38.86);
    assert!(recent > 0.8 && lapsed < 0.01 && lapsed > 0.0, "{recent} {lapsed}");
    assert_eq!(bgnbd::probability_alive(&p, 0.0, 0.0, 38.86), 1.0);
}
