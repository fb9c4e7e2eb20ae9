//! Fits of data large enough to take the fast paths: a pilot fit on a sample of the rows before
//! the full fit, grouping split over threads, and the Pareto/NBD likelihood evaluated once per
//! distinct (x, t) pair. The answers must be those of the plain definitions.

use rand::SeedableRng;
use rand::rngs::StdRng;
use tenure_models::bgnbd::{self, BgNbdParams};
use tenure_models::pareto_nbd::{self, ParetoNbdParams};
use tenure_models::{CustomerSummary, FitOptions, GroupedSummaries, mbgnbd, simulate};

/// Largest |∂ mean LL / ∂ ln θ| accepted at a reported optimum (the fit's own tolerance is 1e-9;
/// the public gradient sums in a different order).
const STATIONARY: f64 = 1e-7;

/// Customers simulated at the CDNOW BG/NBD estimates with unrounded times, so that nearly every
/// row is distinct (well above the size at which fits start with a pilot).
fn many_distinct_customers(n: usize, seed: u64) -> Vec<CustomerSummary> {
    let truth = BgNbdParams::new(0.243, 4.414, 0.793, 2.426).expect("published estimates are valid");
    simulate::bgnbd_customers(&truth, n, 0.0, 39.0, &mut StdRng::seed_from_u64(seed))
}

#[test]
fn bgnbd_fit_with_a_pilot_ends_at_a_stationary_point_of_the_full_likelihood() {
    let data = GroupedSummaries::from_customers(&many_distinct_customers(120_000, 7)).unwrap();
    assert!(data.len() > 100_000, "{} rows", data.len());
    let fit = bgnbd::fit(&data, &FitOptions::default()).unwrap();
    assert!(fit.converged, "{fit:?}");
    let p = fit.params;
    let g = bgnbd::gradient(&p, &data);
    let scaled = [g[0] * p.r(), g[1] * p.alpha(), g[2] * p.a(), g[3] * p.b()].map(|v| v / fit.n);
    assert!(scaled.iter().all(|v| v.abs() < STATIONARY), "{scaled:?}");
    // And a maximum: moving any parameter by 1% lowers the likelihood.
    for i in 0..4 {
        let mut v = [p.r(), p.alpha(), p.a(), p.b()];
        v[i] *= 1.01;
        let moved = BgNbdParams::new(v[0], v[1], v[2], v[3]).unwrap();
        assert!(bgnbd::log_likelihood(&moved, &data) < fit.log_likelihood, "parameter {i}");
    }
    assert!(fit.standard_errors.is_some());
}

#[test]
fn pareto_nbd_fit_with_a_pilot_ends_at_a_stationary_point_of_the_full_likelihood() {
    let data = GroupedSummaries::from_customers(&many_distinct_customers(60_000, 8)).unwrap();
    assert!(data.len() > 50_000, "{} rows", data.len());
    let fit = pareto_nbd::fit(&data, &FitOptions::default()).unwrap();
    assert!(fit.converged, "{fit:?}");
    let p = fit.params;
    let g = pareto_nbd::gradient(&p, &data);
    let scaled = [g[0] * p.r(), g[1] * p.alpha(), g[2] * p.s(), g[3] * p.beta()].map(|v| v / fit.n);
    assert!(scaled.iter().all(|v| v.abs() < STATIONARY), "{scaled:?}");
    assert!(fit.standard_errors.is_some());
}

#[test]
fn pareto_nbd_likelihood_of_grouped_data_is_the_sum_over_customers() {
    // Rounded times make many rows share (x, t_x) or (x, T): the cached terms must not mix
    // them up. Both parameter orders (α < β and α ≥ β) take different branches.
    let customers: Vec<CustomerSummary> = many_distinct_customers(30_000, 9)
        .iter()
        .map(|c| CustomerSummary { x: c.x, t_x: c.t_x.round(), big_t: c.big_t.round().max(1.0) })
        .collect();
    let data = GroupedSummaries::from_customers(&customers).unwrap();
    for p in [
        ParetoNbdParams::new(0.55, 10.6, 0.61, 11.7).unwrap(),
        ParetoNbdParams::new(0.55, 12.0, 0.61, 7.0).unwrap(),
    ] {
        let grouped = pareto_nbd::log_likelihood(&p, &data);
        let direct: f64 =
            customers.iter().map(|c| pareto_nbd::customer_log_likelihood(&p, c.x, c.t_x, c.big_t)).sum();
        assert!(((grouped - direct) / direct).abs() < 1e-12, "{grouped} vs {direct}");
    }
}

#[test]
fn grouping_split_over_threads_matches_a_plain_count() {
    // 2 decimals, as exported summaries are: about one distinct row in three.
    let customers: Vec<CustomerSummary> = many_distinct_customers(300_000, 10)
        .iter()
        .map(|c| CustomerSummary {
            x: c.x,
            t_x: (c.t_x * 100.0).round() / 100.0,
            big_t: ((c.big_t * 100.0).round() / 100.0).max(0.01),
        })
        .collect();
    let data = GroupedSummaries::from_customers(&customers).unwrap();
    let mut counts = std::collections::BTreeMap::new();
    let mut first_seen = Vec::new();
    for c in &customers {
        let key = (c.x.to_bits(), c.t_x.to_bits(), c.big_t.to_bits());
        *counts.entry(key).or_insert_with(|| {
            first_seen.push(key);
            0.0
        }) += 1.0;
    }
    assert_eq!(data.len(), first_seen.len());
    for (row, key) in data.rows().zip(&first_seen) {
        assert_eq!(
            (row.x.to_bits(), row.t_x.to_bits(), row.big_t.to_bits()),
            *key,
            "order of first appearance"
        );
        assert_eq!(row.weight, counts[key]);
    }
    for (i, row) in data.rows().enumerate() {
        assert_eq!(data.x_levels()[data.x_level_of_row()[i] as usize], row.x);
        let [tx, t] = data.time_levels_of_row()[i];
        assert_eq!((data.time_levels()[tx as usize], data.time_levels()[t as usize]), (row.t_x, row.big_t));
    }
}

#[test]
fn row_predictions_equal_the_per_customer_functions() {
    let customers: Vec<CustomerSummary> = many_distinct_customers(40_000, 11)
        .iter()
        .map(|c| CustomerSummary { x: c.x, t_x: c.t_x.round(), big_t: c.big_t.round().max(1.0) })
        .collect();
    let data = GroupedSummaries::from_customers(&customers).unwrap();
    let same = |got: f64, want: f64| (got - want).abs() <= 1e-13 * want.abs().max(1.0);
    let bg = BgNbdParams::new(0.243, 4.414, 0.793, 2.426).unwrap();
    for (row, got) in data.rows().zip(bgnbd::predict_rows(&bg, &data, 39.0)) {
        assert!(
            same(got.probability_alive, bgnbd::probability_alive(&bg, row.x, row.t_x, row.big_t)),
            "{row:?}"
        );
        let want = bgnbd::expected_purchases(&bg, row.x, row.t_x, row.big_t, 39.0);
        assert!(same(got.expected_purchases, want), "{row:?}: {got:?} vs {want}");
    }
    let pareto = ParetoNbdParams::new(0.553, 10.578, 0.606, 11.669).unwrap();
    for (row, got) in data.rows().zip(pareto_nbd::predict_rows(&pareto, &data, 39.0)) {
        let alive = pareto_nbd::probability_alive(&pareto, row.x, row.t_x, row.big_t);
        assert!(same(got.probability_alive, alive), "{row:?}: {got:?} vs {alive}");
        let want = pareto_nbd::expected_purchases(&pareto, row.x, row.t_x, row.big_t, 39.0);
        assert!(same(got.expected_purchases, want), "{row:?}: {got:?} vs {want}");
    }
}

#[test]
fn mbgnbd_fit_with_a_pilot_ends_at_a_stationary_point_of_the_full_likelihood() {
    let data = GroupedSummaries::from_customers(&many_distinct_customers(80_000, 12)).unwrap();
    let fit = mbgnbd::fit(&data, &FitOptions::default()).unwrap();
    assert!(fit.converged, "{fit:?}");
    let p = fit.params;
    let g = mbgnbd::gradient(&p, &data);
    let scaled = [g[0] * p.r(), g[1] * p.alpha(), g[2] * p.a(), g[3] * p.b()].map(|v| v / fit.n);
    assert!(scaled.iter().all(|v| v.abs() < STATIONARY), "{scaled:?}");
}
