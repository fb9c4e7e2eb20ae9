//! Writes a CDNOW-style summary CSV (`ID,frequency,recency,T`) of customers simulated from the
//! BG/NBD model at the published CDNOW estimates (Fader, Hardie & Lee 2005), for benchmarks: times
//! rounded to 2 decimals as in `data/cdnow/cdnow_customers_summary.csv`, ages uniform in (0, 39]
//! weeks. Not a general data generator (that is `tenure generate`).
//!
//! Run: `cargo run --release -p tenure-models --example simulate_summary -- 1000000 1 > sim.csv`
//! (arguments: number of customers, default 1,000,000; seed, default 1).

use std::io::{BufWriter, Write};

use rand::SeedableRng;
use rand::rngs::StdRng;
use tenure_models::bgnbd::BgNbdParams;
use tenure_models::simulate;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let customers: usize = args.next().map_or(1_000_000, |v| v.parse().expect("a customer count"));
    let seed: u64 = args.next().map_or(1, |v| v.parse().expect("an integer seed"));
    let truth = BgNbdParams::new(0.243, 4.414, 0.793, 2.426).expect("published estimates are valid");
    let mut rng = StdRng::seed_from_u64(seed);
    let simulated = simulate::bgnbd_customers(&truth, customers, 0.0, 39.0, &mut rng);
    let mut out = BufWriter::new(std::io::stdout().lock());
    writeln!(out, "ID,frequency,recency,T")?;
    for (id, c) in simulated.iter().enumerate() {
        // Rounding is monotone, so recency ≤ T survives it; an age that rounds to 0 becomes 0.01.
        let recency = (c.t_x * 100.0).round() / 100.0;
        let age = ((c.big_t * 100.0).round() / 100.0).max(0.01);
        writeln!(out, "{},{},{:.2},{:.2}", id + 1, c.x, recency, age)?;
    }
    out.flush()
}
