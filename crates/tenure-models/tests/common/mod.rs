//! Shared helpers of the integration tests: reading the CDNOW files shipped in `data/cdnow/`.
#![allow(dead_code)]

use tenure_models::{CustomerSummary, GroupedSummaries};

/// Path of a file in the repository's `data/cdnow/` folder.
pub fn cdnow_path(name: &str) -> String {
    format!("{}/../../data/cdnow/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// The rows of a small CSV file as header → column maps (no quoting in these files).
pub fn read_csv(name: &str) -> Vec<std::collections::HashMap<String, f64>> {
    let text = std::fs::read_to_string(cdnow_path(name)).expect("the CDNOW files ship in data/cdnow");
    let mut lines = text.lines();
    let header: Vec<String> =
        lines.next().expect("a header line").split(',').map(|h| h.trim().to_string()).collect();
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(l.split(',').map(|v| v.trim().parse::<f64>().expect("numeric cells")))
                .collect()
        })
        .collect()
}

/// `cdnow_customers_summary.csv` (frequency, recency, T in weeks) as customer summaries.
pub fn cdnow_customers() -> Vec<CustomerSummary> {
    read_csv("cdnow_customers_summary.csv")
        .iter()
        .map(|row| CustomerSummary { x: row["frequency"], t_x: row["recency"], big_t: row["T"] })
        .collect()
}

/// The CDNOW calibration summaries, grouped.
pub fn cdnow_grouped() -> GroupedSummaries {
    GroupedSummaries::from_customers(&cdnow_customers()).expect("valid CDNOW summaries")
}
