//! Summary CSV files, as the published analyses distribute them (`data/cdnow/`): one row per
//! customer (or per pattern, with `weights`), read for `tenure model fit --summary FILE`.
//!
//! Columns, matched without regard to case: `frequency` or `x`, `recency` or `t_x`, `T`
//! (continuous-time models); `monetary_value` or `zbar` (Gamma-Gamma, which uses the rows with
//! x > 0); `frequency`, `recency`, `periods` (BG/BB); optional `weights` (or `weight`) everywhere.
//! A bad cell is an error `FILE:LINE: column NAME: reason`; nothing is fitted then.

use std::path::Path;

use tenure_models::bgbb::BgBbSummary;
use tenure_models::gamma_gamma::SpendSummary;
use tenure_models::{GroupedSummaries, Progress, WeightedSummary};

use super::fit::{FitReport, ModelKind, fit_discrete, fit_spend, fit_transactions};
use super::summary_scan::{Layout, Scan, recency_problem, scan, summary_number};
use crate::AppError;

/// Fits `model` on the summary file at `path`.
pub fn fit_summary_file(
    path: &Path,
    model: ModelKind,
    progress: &mut dyn FnMut(&Progress),
) -> Result<FitReport, AppError> {
    let mut table = SummaryCsv::open(path)?;
    match model {
        ModelKind::GammaGamma => fit_spend(&table.spend()?, progress),
        ModelKind::BgBb => fit_discrete(&table.discrete()?, progress),
        _ => fit_transactions(model, &table.continuous()?, progress),
    }
}

/// A column found in the header: its index and its name as written.
type Column = (usize, String);

/// A summary CSV being read: its name, header (as written, and lowercased for matching), and the
/// reader positioned at the first row. Rows stream through one reused record: a million-row file
/// is never held as text.
struct SummaryCsv {
    path: std::path::PathBuf,
    file: String,
    names: Vec<String>,
    header: Vec<String>,
    reader: csv::Reader<std::fs::File>,
}

impl SummaryCsv {
    fn open(path: &Path) -> Result<Self, AppError> {
        let file = path.display().to_string();
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_path(path)
            .map_err(|e| AppError::Invalid(format!("{file}: {e}")))?;
        let names: Vec<String> = reader
            .headers()
            .map_err(|e| AppError::Invalid(format!("{file}: {e}")))?
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').to_string())
            .collect();
        let header = names.iter().map(|h| h.to_lowercase()).collect();
        Ok(SummaryCsv { path: path.to_path_buf(), file, names, header, reader })
    }

    /// The first of `names` in the header, if any.
    fn find(&self, names: &[&str]) -> Option<Column> {
        names.iter().find_map(|n| self.header.iter().position(|h| h == n).map(|i| (i, self.names[i].clone())))
    }

    fn require(&self, names: &[&str]) -> Result<Column, AppError> {
        self.find(names).ok_or_else(|| {
            AppError::Invalid(format!(
                "{}: no column {} (the header is: {})",
                self.file,
                names.join(" or "),
                self.names.join(",")
            ))
        })
    }

    /// Calls `each` with the numbers of `columns` (each finite and ≥ 0), the row's weight (the
    /// `weights` column, else 1) and its line, for every row.
    fn for_each_row<const N: usize>(
        &mut self,
        columns: &[Column; N],
        each: &mut dyn FnMut([f64; N], f64, u64) -> Result<(), AppError>,
    ) -> Result<(), AppError> {
        let weight = self.find(&["weights", "weight"]);
        let mut record = csv::ByteRecord::new();
        loop {
            let more = self
                .reader
                .read_byte_record(&mut record)
                .map_err(|e| AppError::Invalid(format!("{}: {e}", self.file)))?;
            if !more {
                return Ok(());
            }
            let line = record.position().map_or(0, |p| p.line());
            let mut values = [0.0; N];
            for (value, column) in values.iter_mut().zip(columns) {
                *value = number(&self.file, &record, line, column)?;
            }
            let weight =
                weight.as_ref().map_or(Ok(1.0), |column| number(&self.file, &record, line, column))?;
            each(values, weight, line)?;
        }
    }

    /// The `(x, t_x, T)` rows, grouped: by the fast scan, or through the csv crate when the file
    /// has quotes.
    fn continuous(&mut self) -> Result<GroupedSummaries, AppError> {
        let columns =
            [self.require(&["frequency", "x"])?, self.require(&["recency", "t_x"])?, self.require(&["t"])?];
        let [x, t_x, big_t] = columns.clone();
        let layout = Layout {
            file: self.file.clone(),
            fields: self.names.len(),
            x,
            t_x,
            big_t,
            weight: self.find(&["weights", "weight"]),
        };
        if let Scan::Grouped(grouped) = scan(&self.path, &layout)? {
            return Ok(grouped);
        }
        let (file, recency) = (self.file.clone(), columns[1].1.clone());
        let mut rows = Vec::new();
        self.for_each_row(&columns, &mut |[x, t_x, big_t], weight, line| {
            if let Some(reason) = recency_problem(t_x, big_t) {
                return Err(AppError::Invalid(format!("{file}:{line}: column {recency}: {reason}")));
            }
            rows.push(WeightedSummary { x, t_x, big_t, weight });
            Ok(())
        })?;
        GroupedSummaries::from_weighted(rows).map_err(|e| AppError::Invalid(format!("{}: {e}", self.file)))
    }

    fn spend(&mut self) -> Result<Vec<SpendSummary>, AppError> {
        let columns = [self.require(&["frequency", "x"])?, self.require(&["monetary_value", "zbar"])?];
        let (file, spend) = (self.file.clone(), columns[1].1.clone());
        let mut rows = Vec::new();
        self.for_each_row(&columns, &mut |[x, mean_spend], weight, line| {
            if x > 0.0 {
                if mean_spend <= 0.0 {
                    return Err(AppError::Invalid(format!(
                        "{file}:{line}: column {spend}: a customer with repeat purchases needs a mean spend > 0"
                    )));
                }
                rows.push(SpendSummary { x, mean_spend, weight });
            }
            Ok(())
        })?;
        Ok(rows)
    }

    fn discrete(&mut self) -> Result<Vec<BgBbSummary>, AppError> {
        let columns = [
            self.require(&["frequency", "x"])?,
            self.require(&["recency", "t_x"])?,
            self.require(&["periods", "n"])?,
        ];
        let file = self.file.clone();
        let names = columns.clone().map(|(_, name)| name);
        let mut rows = Vec::new();
        self.for_each_row(&columns, &mut |values, weight, line| {
            let mut counts = [0u32; 3];
            for ((count, value), name) in counts.iter_mut().zip(values).zip(&names) {
                if value.fract() != 0.0 || value > f64::from(u32::MAX) {
                    return Err(AppError::Invalid(format!(
                        "{file}:{line}: column {name}: `{value}` is not a whole number"
                    )));
                }
                *count = value as u32;
            }
            let [x, t_x, n] = counts;
            rows.push(BgBbSummary { x, t_x, n, weight });
            Ok(())
        })?;
        Ok(rows)
    }
}

/// The number in `column` of `record`: finite and ≥ 0.
fn number(file: &str, record: &csv::ByteRecord, line: u64, (index, name): &Column) -> Result<f64, AppError> {
    summary_number(record.get(*index).unwrap_or(b""))
        .map_err(|reason| AppError::Invalid(format!("{file}:{line}: column {name}: {reason}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.csv");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    fn fit(text: &str, model: ModelKind) -> Result<FitReport, AppError> {
        let (_dir, path) = file(text);
        fit_summary_file(&path, model, &mut |_| {})
    }

    const ROWS: &str = "0,0,30\n1,5,30\n2,20,25\n3,12,28\n0,0,20\n5,19,21\n";

    #[test]
    fn weights_stand_for_repeated_rows_and_x_t_x_headers_equal_frequency_recency() {
        let doubled = format!("X,T_X,T\n{ROWS}{ROWS}");
        let weighted: String = ROWS.lines().map(|line| format!("{line},2\n")).collect::<String>();
        let a = fit(&doubled, ModelKind::BgNbd).unwrap();
        let b = fit(&format!("\u{feff}frequency,recency,T,weights\n{weighted}"), ModelKind::BgNbd).unwrap();
        assert_eq!((a.n, b.n), (12, 12));
        assert!((a.log_likelihood - b.log_likelihood).abs() < 1e-9 * a.log_likelihood.abs());
    }

    #[test]
    fn a_recency_beyond_t_and_a_missing_column_are_named() {
        let error = fit("Frequency,Recency,T\n1,2,3\n1,9,3\n", ModelKind::BgNbd).unwrap_err().to_string();
        assert!(
            error.ends_with(":3: column Recency: recency 9 must lie in [0, T] and T = 3 must be > 0"),
            "{error}"
        );
        let error = fit("frequency,recency\n1,2\n", ModelKind::ParetoNbd).unwrap_err().to_string();
        assert!(error.contains("no column t (the header is: frequency,recency)"), "{error}");
        let error = fit("x,zbar\n2,0\n", ModelKind::GammaGamma).unwrap_err().to_string();
        assert!(
            error.contains(":2: column zbar: a customer with repeat purchases needs a mean spend > 0"),
            "{error}"
        );
    }
}
