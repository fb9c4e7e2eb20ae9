//! Helpers shared by the integration tests: run an import over files and tally what came out.

#![allow(dead_code)]

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use tenure_domain::ImportRecord;
use tenure_import::{Format, ImportOptions, Input, RowError, Summary, records};

/// A file in the repository, relative to its root (`data/samples/...`).
pub fn repo_file(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(relative)
}

/// A hand-made fixture of this crate.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// An input reading `path`, named by its file name.
pub fn input(path: &Path) -> Input {
    let name = path.file_name().expect("a file path").to_string_lossy().into_owned();
    Input::new(name, std::fs::File::open(path).unwrap_or_else(|error| panic!("{}: {error}", path.display())))
}

/// Everything one import produced.
pub struct Outcome {
    pub records: Vec<ImportRecord>,
    pub errors: Vec<RowError>,
    pub summary: Summary,
}

impl Outcome {
    /// The record of order `external_id`.
    pub fn order(&self, external_id: &str) -> &ImportRecord {
        self.records
            .iter()
            .find(|record| record.order.external_id == external_id)
            .unwrap_or_else(|| panic!("no order {external_id}"))
    }

    /// Error messages, as a user would see them.
    pub fn messages(&self) -> Vec<String> {
        self.errors.iter().map(ToString::to_string).collect()
    }
}

/// Runs an import of `paths` with `options`.
pub fn import_with(format: Format, paths: &[PathBuf], options: &ImportOptions) -> Outcome {
    let inputs = paths.iter().map(|path| input(path)).collect();
    let mut stream = records(format, inputs, options).unwrap_or_else(|error| panic!("{error}"));
    let (mut records, mut errors) = (Vec::new(), Vec::new());
    for item in stream.by_ref() {
        match item {
            Ok(record) => records.push(record),
            Err(error) => errors.push(error),
        }
    }
    Outcome { records, errors, summary: stream.summary() }
}

/// Runs an import of `paths` with default options.
pub fn import(format: Format, paths: &[PathBuf]) -> Outcome {
    import_with(format, paths, &ImportOptions::default())
}

/// Distinct customers, paid orders and revenue (minor units) per currency.
#[derive(Debug, PartialEq, Eq)]
pub struct Tally {
    pub customers: usize,
    pub paid_orders: usize,
    pub revenue: BTreeMap<String, i64>,
}

pub fn tally(records: &[ImportRecord]) -> Tally {
    let customers: HashSet<&str> =
        records.iter().map(|record| record.customer.external_id.as_str()).collect();
    let mut revenue = BTreeMap::new();
    let mut paid_orders = 0;
    for record in records.iter().filter(|record| record.order.status.is_purchase()) {
        paid_orders += 1;
        *revenue.entry(record.order.currency.code().to_string()).or_insert(0) += record.order.revenue_minor();
    }
    Tally { customers: customers.len(), paid_orders, revenue }
}

/// Asserts that no two records share an order id.
pub fn assert_distinct_order_ids(records: &[ImportRecord]) {
    let ids: HashSet<&str> = records.iter().map(|record| record.order.external_id.as_str()).collect();
    assert_eq!(ids.len(), records.len(), "order ids repeat");
}
