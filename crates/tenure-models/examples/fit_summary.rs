//! The Tenure side of `bench/models/run.sh`: reads a CDNOW-style summary CSV, groups identical
//! rows, fits one model, predicts P(alive) and the expected purchases in the next 39 weeks for
//! every distinct row (`predict_rows`), and prints one JSON object with phase times and the log-likelihood.
//!
//! A stand-in until `tenure model fit` exists; not a CSV library (it reads exactly the benchmark
//! files: a header naming `frequency,recency,T` or `x,t_x,T`, optional `weights`, plain numbers).
//!
//! Run: `cargo run --release -p tenure-models --example fit_summary -- bgnbd FILE.csv`

use std::time::Instant;

use tenure_models::{GroupedSummaries, RowPrediction, WeightedSummary, bgnbd, pareto_nbd};

fn main() {
    let mut args = std::env::args().skip(1);
    let (model, path) = match (args.next(), args.next()) {
        (Some(m), Some(p)) => (m, p),
        _ => panic!("usage: fit_summary bgnbd|pareto-nbd FILE.csv"),
    };
    let clock = Instant::now();
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let rows = parse(&bytes).unwrap_or_else(|e| panic!("{path}: {e}"));
    let read = clock.elapsed().as_secs_f64();
    let data = GroupedSummaries::from_weighted(rows).unwrap_or_else(|e| panic!("{path}: {e}"));
    let prepared = clock.elapsed().as_secs_f64();
    let options = tenure_models::FitOptions::default();
    let (params, ll, converged, iterations, alive_and_expected): (String, f64, bool, usize, Vec<(f64, f64)>);
    match model.as_str() {
        "bgnbd" => {
            let fit = bgnbd::fit(&data, &options).expect("BG/NBD fit");
            let p = fit.params;
            params = format!(r#"{{"r":{},"alpha":{},"a":{},"b":{}}}"#, p.r(), p.alpha(), p.a(), p.b());
            (ll, converged, iterations) = (fit.log_likelihood, fit.converged, fit.iterations);
            let fitted = clock.elapsed().as_secs_f64();
            alive_and_expected = pairs(&bgnbd::predict_rows(&p, &data, 39.0));
            report(
                &model,
                &path,
                &data,
                &params,
                ll,
                converged,
                iterations,
                [read, prepared, fitted],
                clock,
                &alive_and_expected,
            );
        }
        "pareto-nbd" => {
            let fit = pareto_nbd::fit(&data, &options).expect("Pareto/NBD fit");
            let p = fit.params;
            params = format!(r#"{{"r":{},"alpha":{},"s":{},"beta":{}}}"#, p.r(), p.alpha(), p.s(), p.beta());
            (ll, converged, iterations) = (fit.log_likelihood, fit.converged, fit.iterations);
            let fitted = clock.elapsed().as_secs_f64();
            alive_and_expected = pairs(&pareto_nbd::predict_rows(&p, &data, 39.0));
            report(
                &model,
                &path,
                &data,
                &params,
                ll,
                converged,
                iterations,
                [read, prepared, fitted],
                clock,
                &alive_and_expected,
            );
        }
        other => panic!("unknown model `{other}` (bgnbd or pareto-nbd)"),
    }
}

/// (P(alive), E[Y(39)]) of each distinct row.
fn pairs(predictions: &[RowPrediction]) -> Vec<(f64, f64)> {
    predictions.iter().map(|p| (p.probability_alive, p.expected_purchases)).collect()
}

#[allow(clippy::too_many_arguments)]
fn report(
    model: &str,
    path: &str,
    data: &GroupedSummaries,
    params: &str,
    ll: f64,
    converged: bool,
    iterations: usize,
    [read, prepared, fitted]: [f64; 3],
    clock: Instant,
    predictions: &[(f64, f64)],
) {
    let predicted = clock.elapsed().as_secs_f64();
    let n = data.total_weight();
    let weights = data.rows().map(|r| r.weight);
    let (alive, expected) =
        predictions.iter().zip(weights).fold((0.0, 0.0), |(a, e), (&(p, y), w)| (a + w * p, e + w * y));
    println!(
        concat!(
            r#"{{"side":"tenure","model":"{}","file":"{}","customers":{},"rows":{},"params":{},"#,
            r#""log_likelihood":{},"converged":{},"iterations":{},"seconds":{{"read":{},"prepare":{},"#,
            r#""fit":{},"read_prepare_fit":{},"predict":{}}},"check":{{"mean_p_alive":{},"total_expected_39":{}}}}}"#
        ),
        model,
        path,
        n,
        data.len(),
        params,
        ll,
        converged,
        iterations,
        read,
        prepared - read,
        fitted - prepared,
        fitted,
        predicted - fitted,
        alive / n,
        expected
    );
}

/// Parses the summary CSV into weighted rows (weight 1 without a `weights` column); the body is
/// split at a line break into two halves parsed on two threads.
fn parse(bytes: &[u8]) -> Result<Vec<WeightedSummary>, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
    let (header, body) = text.split_once('\n').ok_or("no rows")?;
    let header: Vec<&str> = header.split(',').map(str::trim).collect();
    let column = |names: &[&str]| header.iter().position(|h| names.contains(h));
    let columns = Columns {
        x: column(&["frequency", "x"]).ok_or("no `frequency` or `x` column")?,
        t_x: column(&["recency", "t_x"]).ok_or("no `recency` or `t_x` column")?,
        big_t: column(&["T"]).ok_or("no `T` column")?,
        weight: column(&["weights"]),
        count: header.len(),
        needed: [false; 8],
    };
    let mut columns = columns;
    for c in [columns.x, columns.t_x, columns.big_t].into_iter().chain(columns.weight) {
        *columns.needed.get_mut(c).ok_or("the needed columns must be among the first 8")? = true;
    }
    let middle = body[body.len() / 2..].find('\n').map_or(body.len(), |i| body.len() / 2 + i + 1);
    let (first, second) = body.split_at(middle);
    let (a, b) = std::thread::scope(|scope| {
        let second = scope.spawn(|| parse_lines(second, &columns));
        (parse_lines(first, &columns), second.join().expect("parsing does not panic"))
    });
    let mut rows = a?;
    rows.extend(b?);
    Ok(rows)
}

/// Where the needed cells are in a line.
struct Columns {
    x: usize,
    t_x: usize,
    big_t: usize,
    weight: Option<usize>,
    count: usize,
    /// Which of the first 8 cells are read (an `ID` column is skipped).
    needed: [bool; 8],
}

fn parse_lines(text: &str, columns: &Columns) -> Result<Vec<WeightedSummary>, String> {
    let mut rows = Vec::with_capacity(text.len() / 20);
    let mut cells = [0.0_f64; 8];
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        let mut count = 0;
        for ((slot, cell), &needed) in cells.iter_mut().zip(line.split(',')).zip(&columns.needed) {
            if needed {
                *slot = number(cell).ok_or_else(|| format!("`{line}`: `{cell}` is not a number"))?;
            }
            count += 1;
        }
        if count < columns.count.min(cells.len()) {
            return Err(format!("`{line}`: {count} cells for {} columns", columns.count));
        }
        let weight = columns.weight.map_or(1.0, |c| cells[c]);
        rows.push(WeightedSummary {
            x: cells[columns.x],
            t_x: cells[columns.t_x],
            big_t: cells[columns.big_t],
            weight,
        });
    }
    Ok(rows)
}

/// A decimal number: plain `[-]digits[.digits]` with at most 15 significant digits is read as an
/// integer divided by a power of ten (both exact, so the quotient is the correctly rounded value,
/// as `str::parse` gives); anything else goes to `str::parse`.
fn number(cell: &str) -> Option<f64> {
    const POWERS: [f64; 16] =
        [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
    let bytes = cell.as_bytes();
    let (negative, digits) = match bytes.first() {
        Some(b'-') => (true, &bytes[1..]),
        _ => (false, bytes),
    };
    let (mut mantissa, mut decimals, mut seen_point, mut count) = (0_u64, 0_usize, false, 0_usize);
    for &b in digits {
        match b {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(b - b'0');
                count += 1;
                decimals += usize::from(seen_point);
            }
            b'.' if !seen_point => seen_point = true,
            _ => return cell.trim().parse().ok(),
        }
    }
    if count == 0 || count > 15 {
        return cell.trim().parse().ok();
    }
    let value = mantissa as f64 / POWERS[decimals];
    Some(if negative { -value } else { value })
}
