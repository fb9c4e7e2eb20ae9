//! Summary CSV files, as the published analyses distribute them (`data/cdnow/`): one row per
//! customer (or per pattern, with `weights`), read for `tenure model fit --summary FILE`.
//!
//! Columns, matched without regard to case: `frequency` or `x`, `recency` or `t_x`, `T`
//! (continuous-time models); `monetary_value` or `zbar` (Gamma-Gamma, which uses the rows with
//! x > 0); `frequency`, `recency`, `periods` (BG/BB); optional `weights` (or `weight`) everywhere.
//! A bad cell is an error `FILE:LINE: column NAME: reason`; nothing is fitted then.

use std::path::Path;

use csv::StringRecord;
use tenure_models::bgbb::BgBbSummary;
use tenure_models::gamma_gamma::SpendSummary;
use tenure_models::{GroupedSummaries, Progress, WeightedSummary};

use super::fit::{FitReport, ModelKind, fit_discrete, fit_spend, fit_transactions};
use crate::AppError;

/// Fits `model` on the summary file at `path`.
pub fn fit_summary_file(
    path: &Path,
    model: ModelKind,
    progress: &mut dyn FnMut(&Progress),
) -> Result<FitReport, AppError> {
    let table = Table::read(path)?;
    match model {
        ModelKind::GammaGamma => fit_spend(&table.spend()?, progress),
        ModelKind::BgBb => fit_discrete(&table.discrete()?, progress),
        _ => fit_transactions(model, &table.continuous()?, progress),
    }
}

/// A parsed CSV: its name, header (as written, and lowercased for matching) and records.
struct Table {
    file: String,
    names: Vec<String>,
    header: Vec<String>,
    records: Vec<StringRecord>,
}

impl Table {
    fn read(path: &Path) -> Result<Self, AppError> {
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
        let records = reader
            .records()
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| AppError::Invalid(format!("{file}: {e}")))?;
        Ok(Table { file, names, header, records })
    }

    /// The index of the first of `names` in the header, if any.
    fn find(&self, names: &[&str]) -> Option<(usize, String)> {
        names.iter().find_map(|n| self.header.iter().position(|h| h == n).map(|i| (i, self.names[i].clone())))
    }

    fn require(&self, names: &[&str]) -> Result<(usize, String), AppError> {
        self.find(names).ok_or_else(|| {
            AppError::Invalid(format!(
                "{}: no column {} (the header is: {})",
                self.file,
                names.join(" or "),
                self.names.join(",")
            ))
        })
    }

    /// The number in `column` of `record`: finite and ≥ 0.
    fn number(&self, record: &StringRecord, (index, name): &(usize, String)) -> Result<f64, AppError> {
        let line = record.position().map_or(0, |p| p.line());
        let text = record.get(*index).unwrap_or("");
        let fail =
            |reason: String| AppError::Invalid(format!("{}:{line}: column {name}: {reason}", self.file));
        let value: f64 = text.parse().map_err(|_| fail(format!("`{text}` is not a number")))?;
        if !value.is_finite() || value < 0.0 {
            return Err(fail(format!("`{text}` must be a finite number ≥ 0")));
        }
        Ok(value)
    }

    fn weight(&self, record: &StringRecord) -> Result<f64, AppError> {
        match self.find(&["weights", "weight"]) {
            Some(column) => self.number(record, &column),
            None => Ok(1.0),
        }
    }

    fn continuous(&self) -> Result<GroupedSummaries, AppError> {
        let (x, t_x, big_t) =
            (self.require(&["frequency", "x"])?, self.require(&["recency", "t_x"])?, self.require(&["t"])?);
        let mut rows = Vec::with_capacity(self.records.len());
        for record in &self.records {
            let row = WeightedSummary {
                x: self.number(record, &x)?,
                t_x: self.number(record, &t_x)?,
                big_t: self.number(record, &big_t)?,
                weight: self.weight(record)?,
            };
            if row.t_x > row.big_t || row.big_t <= 0.0 {
                let line = record.position().map_or(0, |p| p.line());
                return Err(AppError::Invalid(format!(
                    "{}:{line}: column {}: recency {} must lie in [0, T] and T = {} must be > 0",
                    self.file, t_x.1, row.t_x, row.big_t
                )));
            }
            rows.push(row);
        }
        GroupedSummaries::from_weighted(rows).map_err(|e| AppError::Invalid(format!("{}: {e}", self.file)))
    }

    fn spend(&self) -> Result<Vec<SpendSummary>, AppError> {
        let (x, spend) = (self.require(&["frequency", "x"])?, self.require(&["monetary_value", "zbar"])?);
        let mut rows = Vec::new();
        for record in &self.records {
            let row = SpendSummary {
                x: self.number(record, &x)?,
                mean_spend: self.number(record, &spend)?,
                weight: self.weight(record)?,
            };
            if row.x > 0.0 {
                if row.mean_spend <= 0.0 {
                    let line = record.position().map_or(0, |p| p.line());
                    return Err(AppError::Invalid(format!(
                        "{}:{line}: column {}: a customer with repeat purchases needs a mean spend > 0",
                        self.file, spend.1
                    )));
                }
                rows.push(row);
            }
        }
        Ok(rows)
    }

    fn discrete(&self) -> Result<Vec<BgBbSummary>, AppError> {
        let columns = [
            self.require(&["frequency", "x"])?,
            self.require(&["recency", "t_x"])?,
            self.require(&["periods", "n"])?,
        ];
        let mut rows = Vec::with_capacity(self.records.len());
        for record in &self.records {
            let mut values = [0u32; 3];
            for (value, column) in values.iter_mut().zip(&columns) {
                *value = self.count(record, column)?;
            }
            let [x, t_x, n] = values;
            rows.push(BgBbSummary { x, t_x, n, weight: self.weight(record)? });
        }
        Ok(rows)
    }

    fn count(&self, record: &StringRecord, column: &(usize, String)) -> Result<u32, AppError> {
        let value = self.number(record, column)?;
        if value.fract() != 0.0 || value > f64::from(u32::MAX) {
            let line = record.position().map_or(0, |p| p.line());
            return Err(AppError::Invalid(format!(
                "{}:{line}: column {}: `{value}` is not a whole number",
                self.file, column.1
            )));
        }
        Ok(value as u32)
    }
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
