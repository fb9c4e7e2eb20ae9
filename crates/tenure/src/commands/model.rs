//! `tenure model fit | evaluate`: fit a buy-till-you-die model on a summary file or on the store's
//! purchases, and check its forecast against a holdout period. Tables on a terminal, JSON with
//! `--json`; a spinner on stderr while a fit runs (only on a terminal).
//!
//! No numbers are computed here: they all come from `tenure_app::models`.

use std::process::ExitCode;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use tenure_app::models::{
    Evaluation, FitReport, ModelComparison, ModelKind, Progress, PurchaseDays, Split, TimeUnit,
    compare_models, evaluate_days, fit_days, fit_summary_file,
};
use tenure_app::reports::{Date, ReportScope};

use crate::cli::{EvaluateArgs, ModelArg, ModelCommand, ModelFitArgs, UnitArg};
use crate::output;

/// Runs one `model` subcommand.
pub fn run(url: &str, timezone: &str, command: ModelCommand) -> anyhow::Result<ExitCode> {
    match command {
        ModelCommand::Fit(args) => fit(url, timezone, &args)?,
        ModelCommand::Evaluate(args) => evaluate(url, timezone, &args)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The model named on the command line.
pub fn model_kind(model: ModelArg) -> ModelKind {
    match model {
        ModelArg::Bgnbd => ModelKind::BgNbd,
        ModelArg::ParetoNbd => ModelKind::ParetoNbd,
        ModelArg::Mbgnbd => ModelKind::MbgNbd,
        ModelArg::Bgbb => ModelKind::BgBb,
        ModelArg::GammaGamma => ModelKind::GammaGamma,
    }
}

fn unit(unit: UnitArg) -> TimeUnit {
    match unit {
        UnitArg::Week => TimeUnit::Week,
        UnitArg::Day => TimeUnit::Day,
        UnitArg::Month => TimeUnit::Month,
    }
}

/// A spinner on stderr for the optimiser's iterations; drawn only when stderr is a terminal.
pub struct Spinner(ProgressBar);

impl Spinner {
    /// Starts a spinner saying `what`.
    pub fn new(what: &str) -> Self {
        let bar = ProgressBar::new_spinner();
        bar.set_style(ProgressStyle::with_template("{spinner} {msg}").expect("the template is valid"));
        bar.set_message(what.to_string());
        Spinner(bar)
    }

    /// The callback the fits call once per iteration.
    pub fn callback(&self) -> impl FnMut(&Progress) + '_ {
        |progress: &Progress| {
            self.0.set_message(format!(
                "fitting: iteration {}, mean −log-likelihood {:.6}",
                progress.iteration, progress.mean_negative_log_likelihood
            ));
            self.0.tick();
        }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

/// Reads the purchase days in the scope from the store at `url`.
pub fn load_days(url: &str, timezone: &str, currency: Option<&str>) -> anyhow::Result<PurchaseDays> {
    let scope: ReportScope = super::report::scope(timezone, currency)?;
    let mut store = super::open_store(url)?;
    PurchaseDays::load(store.as_mut(), &scope).context("reading the purchases")
}

fn fit(url: &str, timezone: &str, args: &ModelFitArgs) -> anyhow::Result<()> {
    let model = model_kind(args.model);
    let spinner = Spinner::new("fitting");
    if let Some(path) = &args.summary {
        let report = fit_summary_file(path, model, &mut spinner.callback())?;
        drop(spinner);
        if args.json {
            return output::print_json(&report);
        }
        println!("{} fitted on {} ({} customers)", model, path.display(), output::count(report.n));
        println!("{}", fit_table(&report));
        return Ok(());
    }
    let calibration_end = args.calibration_end.context("--calibration-end or --summary is required")?;
    let days = load_days(url, timezone, args.currency.as_deref())?;
    let split = Split { calibration_end, holdout_end: None, unit: unit(args.unit) };
    let (report, _) = fit_days(&days, model, split, &mut spinner.callback())?;
    drop(spinner);
    if args.json {
        return output::print_json(&report);
    }
    println!(
        "{model} fitted on {} customers' purchases up to {calibration_end} · {} · days in {} · time in {}s",
        output::count(report.fit.n),
        report.currency.as_deref().unwrap_or("no purchases"),
        days.time_zone(),
        report.unit
    );
    println!("{}", fit_table(&report.fit));
    Ok(())
}

/// Parameters (with standard errors), log-likelihood, customers and convergence.
pub fn fit_table(report: &FitReport) -> comfy_table::Table {
    let mut rows: Vec<(String, String)> = report
        .params
        .0
        .iter()
        .map(|&(name, value)| {
            let se = report.standard_errors.as_ref().and_then(|se| se.get(name));
            let text = match se {
                Some(se) => format!("{value:.4}  (± {se:.4})"),
                None => format!("{value:.4}"),
            };
            (name.to_string(), text)
        })
        .collect();
    rows.push(("log-likelihood".into(), format!("{:.2}", report.log_likelihood)));
    rows.push(("customers".into(), output::count(report.n)));
    let converged = if report.converged { "yes" } else { "NO: the estimates may be unreliable" };
    rows.push(("converged".into(), format!("{converged} ({} iterations)", report.iterations)));
    let borrowed: Vec<(&str, String)> = rows.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    output::key_values(&borrowed)
}

fn evaluate(url: &str, timezone: &str, args: &EvaluateArgs) -> anyhow::Result<()> {
    if args.holdout_end <= args.calibration_end {
        anyhow::bail!(
            "--holdout-end {} must come after --calibration-end {}",
            args.holdout_end,
            args.calibration_end
        );
    }
    let days = load_days(url, timezone, args.currency.as_deref())?;
    let split = Split {
        calibration_end: args.calibration_end,
        holdout_end: Some(args.holdout_end),
        unit: unit(args.unit),
    };
    let spinner = Spinner::new("fitting");
    let mut evaluation = evaluate_days(&days, model_kind(args.model), split, &mut spinner.callback())?;
    if args.compare {
        evaluation.comparison = Some(compare_models(&days, split, &mut spinner.callback())?);
    }
    drop(spinner);
    if args.json {
        return output::print_json(&evaluation);
    }
    print_evaluation(&evaluation);
    Ok(())
}

fn print_evaluation(e: &Evaluation) {
    let h = &e.holdout;
    println!(
        "{} fitted on purchases up to {} ({}), checked against the holdout {} → {}",
        e.fit.fit.model,
        e.fit.calibration_end,
        e.fit.currency.as_deref().unwrap_or("no purchases"),
        first_holdout_day(e),
        h.holdout_end
    );
    println!("{}", fit_table(&e.fit.fit));
    let ratio = (h.actual_repeat_purchases > 0)
        .then(|| h.predicted_repeat_purchases / h.actual_repeat_purchases as f64);
    println!(
        "{}",
        output::key_values(&[
            ("Customers forecast", output::count(h.customers)),
            ("Actual purchase days in the holdout", output::count(h.actual_repeat_purchases)),
            ("Forecast", output::decimal(Some(h.predicted_repeat_purchases), 1)),
            ("Forecast / actual", ratio.map_or_else(|| "—".into(), |r| format!("{:.1} %", r * 100.0))),
            ("Correlation per customer", output::decimal(h.correlation, 3)),
            ("Mean absolute error per customer", output::decimal(Some(h.mae), 3)),
            ("Root mean squared error per customer", output::decimal(Some(h.rmse), 3)),
        ])
    );
    println!("Tracking: cumulative purchase days since {} (actual against forecast)", e.fit.calibration_end);
    let mut table = output::table(&["week", "to", "actual", "forecast", "forecast − actual"]);
    for w in &e.tracking {
        table.add_row(vec![
            w.week.to_string(),
            w.end.to_string(),
            output::count(w.actual),
            output::decimal(Some(w.predicted), 1),
            format!("{:+.1}", w.predicted - w.actual as f64),
        ]);
    }
    println!("{table}");
    if let Some(rows) = &e.comparison {
        print_comparison(rows);
    }
}

fn first_holdout_day(e: &Evaluation) -> String {
    Date::from_days(e.fit.calibration_end.days() + 1).map_or_else(|_| String::new(), |d| d.to_string())
}

fn print_comparison(rows: &[ModelComparison]) {
    println!("Models on the same split, lowest holdout error first:");
    let mut table = output::table(&["model", "log-likelihood", "forecast", "correlation", "MAE", "RMSE"]);
    for r in rows {
        let converged = if r.converged { "" } else { " (not converged)" };
        table.add_row(vec![
            format!("{}{converged}", r.model),
            format!("{:.2}", r.log_likelihood),
            output::decimal(Some(r.predicted_repeat_purchases), 1),
            output::decimal(r.correlation, 3),
            format!("{:.4}", r.mae),
            format!("{:.4}", r.rmse),
        ]);
    }
    println!("{table}");
}
