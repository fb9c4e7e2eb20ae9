//! Fits every model on the bundled CDNOW data and a simulated million-customer shop, printing
//! estimates, log-likelihoods and wall-clock times: a quick look, not a benchmark suite.
//!
//! Run: `cargo run --release -p tenure-models --example cdnow_fits`

use std::time::Instant;

use rand::SeedableRng;
use rand::rngs::StdRng;
use tenure_models::bgbb::BgBbSummary;
use tenure_models::bgnbd::BgNbdParams;
use tenure_models::gamma_gamma::SpendSummary;
use tenure_models::{
    CustomerSummary, FitOptions, GroupedSummaries, bgbb, bgnbd, gamma_gamma, mbgnbd, pareto_nbd, simulate,
};

fn read(name: &str) -> Vec<Vec<f64>> {
    let path = format!("{}/../../data/cdnow/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("the CDNOW files ship in data/cdnow");
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split(',').map(|v| v.trim().parse().expect("numeric cells")).collect())
        .collect()
}

fn main() {
    let options = FitOptions::default();
    let rows = read("cdnow_customers_summary.csv");
    let customers: Vec<CustomerSummary> =
        rows.iter().map(|r| CustomerSummary { x: r[1], t_x: r[2], big_t: r[3] }).collect();
    let data = GroupedSummaries::from_customers(&customers).expect("valid summaries");

    let clock = Instant::now();
    let fit = bgnbd::fit(&data, &options).expect("fit");
    println!("bgnbd       {:?}\n            {:.1?}", fit, clock.elapsed());
    let clock = Instant::now();
    let fit = pareto_nbd::fit(&data, &options).expect("fit");
    println!("pareto-nbd  {:?}\n            {:.1?}", fit, clock.elapsed());
    let clock = Instant::now();
    let fit = mbgnbd::fit(&data, &options).expect("fit");
    println!("mbgnbd      {:?}\n            {:.1?}", fit, clock.elapsed());

    let spends: Vec<SpendSummary> = read("cdnow_customers_summary_with_transactions.csv")
        .iter()
        .filter(|r| r[1] > 0.0)
        .map(|r| SpendSummary { x: r[1], mean_spend: r[4], weight: 1.0 })
        .collect();
    let clock = Instant::now();
    let fit = gamma_gamma::fit(&spends, &options).expect("fit");
    println!("gamma-gamma {:?}\n            {:.1?}", fit, clock.elapsed());

    let donations: Vec<BgBbSummary> = read("donations.csv")
        .iter()
        .map(|r| BgBbSummary { x: r[0] as u32, t_x: r[1] as u32, n: r[2] as u32, weight: r[3] })
        .collect();
    let clock = Instant::now();
    let fit = bgbb::fit(&donations, &options).expect("fit");
    println!("bgbb        {:?}\n            {:.1?}", fit, clock.elapsed());

    let truth = BgNbdParams::new(0.243, 4.414, 0.793, 2.426).expect("valid");
    let mut rng = StdRng::seed_from_u64(1);
    let million = simulate::bgnbd_customers(&truth, 1_000_000, 0.0, 39.0, &mut rng);
    // Round times to 2 decimals (days/7 would group more), as exported summaries are.
    let rounded: Vec<CustomerSummary> = million
        .iter()
        .map(|c| CustomerSummary {
            x: c.x,
            t_x: (c.t_x * 100.0).round() / 100.0,
            big_t: ((c.big_t * 100.0).round() / 100.0).max(0.01),
        })
        .collect();
    let clock = Instant::now();
    let grouped = GroupedSummaries::from_customers(&rounded).expect("valid");
    let group_time = clock.elapsed();
    let clock = Instant::now();
    let fit = bgnbd::fit(&grouped, &options).expect("fit");
    println!(
        "bgnbd 1M    {} distinct rows, grouping {:.1?}\n            {:?}\n            {:.1?}",
        grouped.len(),
        group_time,
        fit,
        clock.elapsed()
    );
    let clock = Instant::now();
    let fit = pareto_nbd::fit(&grouped, &options).expect("fit");
    println!("pareto 1M   {:?}\n            {:.1?}", fit, clock.elapsed());
}
