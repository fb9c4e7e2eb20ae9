//! Parameter recovery: data simulated from known parameters is fitted back within tolerances
//! that reflect the sampling error of the sample sizes used (kept small for test speed).

use rand::SeedableRng;
use rand::rngs::StdRng;
use tenure_models::bgnbd::{self, BgNbdParams};
use tenure_models::gamma_gamma::{self, GammaGammaParams, SpendSummary};
use tenure_models::{FitOptions, GroupedSummaries, simulate};

/// Relative error allowed on a recovered parameter: about three standard errors at these sizes.
const RELATIVE_TOLERANCE: f64 = 0.25;

fn close(name: &str, got: f64, want: f64) {
    assert!(((got - want) / want).abs() <= RELATIVE_TOLERANCE, "{name}: recovered {got}, true {want}");
}

#[test]
fn bgnbd_fit_recovers_the_parameters_it_simulated_from() {
    let truth = BgNbdParams::new(0.5, 4.0, 0.8, 2.5).unwrap();
    let mut rng = StdRng::seed_from_u64(2005);
    let customers = simulate::bgnbd_customers(&truth, 20_000, 26.0, 52.0, &mut rng);
    let data = GroupedSummaries::from_customers(&customers).unwrap();
    let fit = bgnbd::fit(&data, &FitOptions::default()).unwrap();
    assert!(fit.converged, "{fit:?}");
    let p = fit.params;
    close("r", p.r(), truth.r());
    close("alpha", p.alpha(), truth.alpha());
    close("a", p.a(), truth.a());
    close("b", p.b(), truth.b());
    // The truth must lie within four reported standard errors: checks the standard errors too.
    let se = fit.standard_errors.unwrap();
    for (name, got, want, err) in [
        ("r", p.r(), truth.r(), se.r()),
        ("alpha", p.alpha(), truth.alpha(), se.alpha()),
        ("a", p.a(), truth.a(), se.a()),
        ("b", p.b(), truth.b(), se.b()),
    ] {
        assert!((got - want).abs() <= 4.0 * err, "{name}: {got} ± {err} vs {want}");
    }
}

#[test]
fn gamma_gamma_fit_recovers_the_parameters_it_simulated_from() {
    let truth = GammaGammaParams::new(6.0, 3.5, 15.0).unwrap();
    let mut rng = StdRng::seed_from_u64(2013);
    let data: Vec<SpendSummary> = (0..5_000)
        .map(|i| {
            let x = 1 + i % 6;
            let spends = simulate::gamma_gamma_spends(&truth, x, &mut rng);
            SpendSummary { x: x as f64, mean_spend: spends.iter().sum::<f64>() / x as f64, weight: 1.0 }
        })
        .collect();
    let fit = gamma_gamma::fit(&data, &FitOptions::default()).unwrap();
    assert!(fit.converged, "{fit:?}");
    close("p", fit.params.p(), truth.p());
    close("q", fit.params.q(), truth.q());
    close("gamma", fit.params.gamma(), truth.gamma());
}
