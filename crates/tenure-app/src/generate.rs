//! Synthetic shops for benchmarks and demos: customers whose purchase timing follows a BG/NBD
//! process (Fader, Hardie & Lee 2005) and whose spend follows the Gamma-Gamma model, with the
//! parameters estimated on CDNOW by default, so the data look like a real small shop at any scale.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use chrono::{Duration, NaiveDate};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use tenure_models::bgnbd::BgNbdParams;
use tenure_models::gamma_gamma::GammaGammaParams;
use tenure_models::simulate;

use crate::AppError;

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenerateRequest {
    /// Number of customers.
    pub customers: u64,
    /// Random seed: the same seed gives the same file.
    pub seed: u64,
    /// Day of the first acquisition.
    pub start: NaiveDate,
    /// Customers are acquired uniformly over this many days from `start` (CDNOW: one quarter).
    pub acquisition_days: u32,
    /// Purchases are observed until this many weeks after `start`.
    pub weeks: u32,
    /// Purchase process parameters (time unit: weeks).
    pub purchases: BgNbdParams,
    /// Spend parameters (money unit: dollars).
    pub spend: GammaGammaParams,
}

/// The purchase-timing parameters estimated on CDNOW by Fader, Hardie & Lee (2005): r = 0.243,
/// α = 4.414 (per week), a = 0.793, b = 2.426.
pub fn cdnow_purchases() -> BgNbdParams {
    BgNbdParams::new(0.243, 4.414, 0.793, 2.426).expect("the published estimates are valid parameters")
}

/// The spend parameters estimated on CDNOW by Fader, Hardie & Lee (2005, "RFM and CLV"):
/// p = 6.25, q = 3.74, γ = 15.44 (dollars).
pub fn cdnow_spend() -> GammaGammaParams {
    GammaGammaParams::new(6.25, 3.74, 15.44).expect("the published estimates are valid parameters")
}

/// Output layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// `customer_id date number_of_cds dollar_value`, like `CDNOW_master.txt`.
    Cdnow,
    /// `order_id,customer_id,email,date,amount,currency,status`, for `tenure import --format csv`.
    Csv,
}

/// Counts of what was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct GenerateReport {
    /// Customers written.
    pub customers: u64,
    /// Orders written.
    pub orders: u64,
}

/// Writes a synthetic shop to `out`.
pub fn generate(
    request: &GenerateRequest,
    format: OutputFormat,
    out: &Path,
) -> Result<GenerateReport, AppError> {
    let file_error = |source| AppError::File { path: out.to_path_buf(), source };
    let mut writer = BufWriter::with_capacity(1 << 20, File::create(out).map_err(file_error)?);
    let report = write_shop(request, format, &mut writer).map_err(file_error)?;
    writer.flush().map_err(file_error)?;
    Ok(report)
}

fn write_shop(
    request: &GenerateRequest,
    format: OutputFormat,
    out: &mut dyn Write,
) -> std::io::Result<GenerateReport> {
    let model = Model::new(request).map_err(std::io::Error::other)?;
    let mut rng = StdRng::seed_from_u64(request.seed);
    write_header(format, out)?;
    let mut orders = 0;
    let mut purchases = Vec::new();
    for customer in 1..=request.customers {
        model.customer_purchases(&mut rng, &mut purchases);
        for (n, (day, cents)) in purchases.iter().enumerate() {
            let date = request.start + Duration::days(i64::from(*day));
            write_order(format, out, customer, n, date, *cents)?;
        }
        orders += purchases.len() as u64;
    }
    Ok(GenerateReport { customers: request.customers, orders })
}

fn write_header(format: OutputFormat, out: &mut dyn Write) -> std::io::Result<()> {
    match format {
        OutputFormat::Cdnow => writeln!(out, "customer_id date number_of_cds dollar_value"),
        OutputFormat::Csv => writeln!(out, "order_id,customer_id,email,date,amount,currency,status"),
    }
}

fn write_order(
    format: OutputFormat,
    out: &mut dyn Write,
    customer: u64,
    n: usize,
    date: NaiveDate,
    cents: i64,
) -> std::io::Result<()> {
    let (dollars, rest) = (cents / 100, cents % 100);
    match format {
        OutputFormat::Cdnow => {
            let cds = 1 + cents / 1500;
            writeln!(out, "{customer:07} {} {cds} {dollars}.{rest:02}", date.format("%Y%m%d"))
        }
        OutputFormat::Csv => writeln!(
            out,
            "{customer}-{n},{customer},customer{customer}@example.com,{},{dollars}.{rest:02},USD,paid",
            date.format("%Y-%m-%d")
        ),
    }
}

/// The shape of one synthetic shop.
struct Model {
    acquisition_days: u32,
    horizon_weeks: f64,
    purchases: BgNbdParams,
    spend: GammaGammaParams,
}

impl Model {
    fn new(request: &GenerateRequest) -> Result<Self, String> {
        if request.acquisition_days == 0
            || f64::from(request.acquisition_days) > f64::from(request.weeks) * 7.0
        {
            return Err("the acquisition period must be at least a day and within the observed weeks".into());
        }
        Ok(Model {
            acquisition_days: request.acquisition_days,
            horizon_weeks: f64::from(request.weeks),
            purchases: request.purchases,
            spend: request.spend,
        })
    }

    /// One customer's purchases as (day from start, cents), first purchase included: acquired on
    /// a uniform day of the acquisition period, then the models' simulators.
    fn customer_purchases(&self, rng: &mut StdRng, out: &mut Vec<(u32, i64)>) {
        out.clear();
        let first_day = rng.random_range(0..self.acquisition_days);
        let first_week = f64::from(first_day) / 7.0;
        let repeats = simulate::bgnbd_purchase_times(&self.purchases, self.horizon_weeks - first_week, rng);
        let spends = simulate::gamma_gamma_spends(&self.spend, repeats.len() + 1, rng);
        let weeks = std::iter::once(0.0).chain(repeats);
        for (week, dollars) in weeks.zip(spends) {
            let day = first_day + (week * 7.0) as u32;
            out.push((day, ((dollars * 100.0).round() as i64).max(1)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(customers: u64, seed: u64) -> GenerateRequest {
        GenerateRequest {
            customers,
            seed,
            start: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
            acquisition_days: 84,
            weeks: 78,
            purchases: cdnow_purchases(),
            spend: cdnow_spend(),
        }
    }

    fn text(request: &GenerateRequest, format: OutputFormat) -> String {
        let mut out = Vec::new();
        write_shop(request, format, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_same_seed_gives_the_same_shop_and_another_seed_another() {
        let a = text(&request(200, 7), OutputFormat::Csv);
        assert_eq!(a, text(&request(200, 7), OutputFormat::Csv));
        assert_ne!(a, text(&request(200, 8), OutputFormat::Csv));
    }

    #[test]
    fn every_customer_buys_once_in_the_acquisition_period_and_rarely_more_than_cdnow_suggests() {
        let request = request(20_000, 1);
        let mut out = Vec::new();
        let report = write_shop(&request, OutputFormat::Csv, &mut out).unwrap();
        assert_eq!(report.customers, 20_000);
        // CDNOW's 23,570 customers made 69,659 purchases (rows) in 78 weeks, about 2.96 each; the
        // model counts purchase days, and the BG/NBD expectation at these parameters over ~72
        // weeks of observation is about 2.4 including the first, so demand 2..3.5.
        let per_customer = report.orders as f64 / report.customers as f64;
        assert!((2.0..3.5).contains(&per_customer), "{per_customer} orders per customer");
        let first_lines: Vec<_> =
            String::from_utf8(out).unwrap().lines().skip(1).take(3).map(String::from).collect();
        assert!(first_lines[0].starts_with("1-0,1,customer1@example.com,2024-0"), "{first_lines:?}");
    }

    #[test]
    fn mean_spend_per_purchase_is_near_the_gamma_gamma_expectation() {
        // E[z] = p q / ... : E[mean spend] = p·γ/(q−1) = 6.25·15.44/2.74 ≈ 35.2 dollars.
        let body = text(&request(20_000, 3), OutputFormat::Csv);
        let amounts: Vec<f64> =
            body.lines().skip(1).map(|l| l.split(',').nth(4).unwrap().parse().unwrap()).collect();
        let mean = amounts.iter().sum::<f64>() / amounts.len() as f64;
        assert!((30.0..41.0).contains(&mean), "mean spend {mean}");
    }

    #[test]
    fn the_cdnow_layout_has_a_header_and_four_columns() {
        let body = text(&request(10, 5), OutputFormat::Cdnow);
        let mut lines = body.lines();
        assert_eq!(lines.next(), Some("customer_id date number_of_cds dollar_value"));
        for line in lines {
            assert_eq!(line.split_whitespace().count(), 4, "{line}");
        }
    }

    #[test]
    fn rejects_an_acquisition_period_outside_the_observed_weeks() {
        let mut bad = request(1, 1);
        bad.acquisition_days = 0;
        assert!(write_shop(&bad, OutputFormat::Csv, &mut Vec::new()).is_err());
        bad.acquisition_days = 78 * 7 + 1;
        assert!(write_shop(&bad, OutputFormat::Csv, &mut Vec::new()).is_err());
    }
}
