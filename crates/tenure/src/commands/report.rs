//! `tenure report retention | retention-series | cohorts | lifecycle | segments | investor`:
//! check the flags, read the purchases once, call one report, print a table or JSON.
//!
//! No numbers are computed here: they all come from `tenure_app::reports`.

use std::process::ExitCode;

use anyhow::{Context, bail};
use comfy_table::Table;
use tenure_app::reports::{
    ActivityWindow, CohortMetric, CohortsView, Date, Purchases, ReportScope, RetentionFigures, SegmentRules,
    ShopTimeZone, investor_markdown, read_segment_rules,
};
use tenure_domain::Currency;

use crate::cli::{
    AllArgs, CohortArgs, InvestorArgs, LifecycleArgs, MetricArg, PeriodArgs, ReportArgs, ReportCommand,
    SegmentArgs, SeriesArgs,
};
use crate::output;

/// Runs one `report` subcommand.
pub fn run(url: &str, timezone: &str, args: ReportArgs) -> anyhow::Result<ExitCode> {
    let mut scope = scope(timezone, args.currency.as_deref())?;
    scope.segment_rules = segment_rules(args.segment_rules.as_deref())?;
    match args.command {
        ReportCommand::Retention(period) => retention(url, &scope, &period)?,
        ReportCommand::RetentionSeries(series) => retention_series(url, &scope, &series)?,
        ReportCommand::Cohorts(cohorts) => cohort_report(url, &scope, &cohorts)?,
        ReportCommand::Lifecycle(lifecycle) => lifecycle_report(url, &scope, &lifecycle)?,
        ReportCommand::Segments(segments) => segment_report(url, &scope, &segments)?,
        ReportCommand::Investor(investor) => investor_report(url, &scope, &investor)?,
        ReportCommand::All(all) => all_reports(url, &scope, &all)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The time zone and currency flags, checked before the store is opened.
pub fn scope(timezone: &str, currency: Option<&str>) -> anyhow::Result<ReportScope> {
    let time_zone = ShopTimeZone::parse(timezone)?;
    let currency =
        currency.map(Currency::parse).transpose().map_err(|e| anyhow::anyhow!("--currency: {e}"))?;
    Ok(ReportScope { time_zone, currency, ..ReportScope::default() })
}

/// `--segment-rules FILE`, read and checked; the documented table without it.
pub fn segment_rules(path: Option<&std::path::Path>) -> anyhow::Result<SegmentRules> {
    Ok(match path {
        Some(path) => read_segment_rules(path)?,
        None => SegmentRules::default(),
    })
}

/// `--window DAYS`, checked.
pub fn window(days: u32) -> anyhow::Result<ActivityWindow> {
    ActivityWindow::new(days).map_err(|e| anyhow::anyhow!("--window: {e}"))
}

/// Reads every purchase in the scope from the store at `url`.
pub fn load(url: &str, scope: &ReportScope) -> anyhow::Result<Purchases> {
    let mut store = super::open_store(url)?;
    Purchases::load(store.as_mut(), scope).context("reading the purchases")
}

fn check_period(from: Date, to: Date) -> anyhow::Result<()> {
    if from > to {
        bail!("--from {from} is after --to {to}: the period must start before it ends");
    }
    Ok(())
}

fn caption(purchases: &Purchases, what: &str) {
    let currency = purchases.currency().map_or_else(|| "no purchases".into(), |c| c.to_string());
    println!("{what} · {currency} · days in {}", purchases.time_zone());
}

fn retention(url: &str, scope: &ReportScope, args: &PeriodArgs) -> anyhow::Result<()> {
    check_period(args.from, args.to)?;
    show_retention(&load(url, scope)?, args)
}

fn show_retention(purchases: &Purchases, args: &PeriodArgs) -> anyhow::Result<()> {
    let window = window(args.window)?;
    let report = purchases.retention(args.from, args.to, window)?;
    if args.json {
        return output::print_json(&report);
    }
    caption(
        purchases,
        &format!(
            "Retention {} → {} (active: a paid order in the last {} days)",
            report.start, report.end, report.window_days
        ),
    );
    println!("{}", retention_table(&report, purchases.currency()));
    Ok(())
}

fn retention_table(r: &RetentionFigures, currency: Option<Currency>) -> Table {
    output::key_values(&[
        ("Active at start (S)", output::count(r.s)),
        ("Active at end (E)", output::count(r.e)),
        ("New in the period (N)", output::count(r.n)),
        ("Lost (active at start, not at end)", output::count(r.lost)),
        ("Customer retention rate (E − N) / S", output::percent(r.crr)),
        ("Churn rate lost / S", output::percent(r.churn_rate)),
        ("Cohort-exact retention", output::percent(r.cohort_exact_retention)),
        ("Repeat purchase rate", output::percent(r.repeat_purchase_rate)),
        ("Purchase frequency (orders per buyer)", output::decimal(r.purchase_frequency, 2)),
        ("Average order value", output::money_f64(r.detail.average_order_value, currency)),
        ("Mean days between orders", output::decimal(r.detail.mean_days_between_orders, 1)),
        ("Orders in the period", output::count(r.detail.orders)),
        ("Revenue in the period", output::money_f64(Some(r.detail.revenue_minor as f64), currency)),
    ])
}

fn retention_series(url: &str, scope: &ReportScope, args: &SeriesArgs) -> anyhow::Result<()> {
    check_period(args.period.from, args.period.to)?;
    show_retention_series(&load(url, scope)?, args)
}

fn show_retention_series(purchases: &Purchases, args: &SeriesArgs) -> anyhow::Result<()> {
    let period = &args.period;
    let window = window(period.window)?;
    let series = purchases.retention_series(period.from, period.to, args.every.into(), window)?;
    if period.json {
        return output::print_json(&series);
    }
    let what = format!(
        "Retention by {} (active: a paid order in the last {} days)",
        series.every, series.window_days
    );
    caption(purchases, &what);
    let mut table = output::table(&[
        "period",
        "S",
        "E",
        "N",
        "lost",
        "retention",
        "churn",
        "cohort-exact",
        "repeat",
        "orders/buyer",
        "AOV",
    ]);
    for r in &series.periods {
        table.add_row(vec![
            format!("{} – {}", r.start, r.end),
            output::count(r.s),
            output::count(r.e),
            output::count(r.n),
            output::count(r.lost),
            output::percent(r.crr),
            output::percent(r.churn_rate),
            output::percent(r.cohort_exact_retention),
            output::percent(r.repeat_purchase_rate),
            output::decimal(r.purchase_frequency, 2),
            output::money_f64(r.detail.average_order_value, purchases.currency()),
        ]);
    }
    println!("{table}");
    Ok(())
}

/// `--as-of`, or the day of the latest purchase, or (an empty store) today in the shop's zone.
pub fn as_of_or_latest(as_of: Option<Date>, purchases: &Purchases) -> anyhow::Result<Date> {
    Ok(purchases.report_day(as_of, chrono::Utc::now())?)
}

fn cohort_report(url: &str, scope: &ReportScope, args: &CohortArgs) -> anyhow::Result<()> {
    show_cohorts(&load(url, scope)?, args)
}

fn show_cohorts(purchases: &Purchases, args: &CohortArgs) -> anyhow::Result<()> {
    let as_of = as_of_or_latest(args.as_of, purchases)?;
    let metric = match args.metric {
        MetricArg::Customers => CohortMetric::Customers,
        MetricArg::Revenue => CohortMetric::Revenue,
    };
    let view = purchases.cohorts(args.period.into(), metric, as_of);
    if args.json {
        return output::print_json(&view);
    }
    let what = match metric {
        CohortMetric::Customers => "percent of each cohort with a paid order in period k",
        CohortMetric::Revenue => "revenue of each cohort in period k (major units)",
    };
    caption(purchases, &format!("Cohorts by {} of first purchase, as of {as_of}: {what}", view.period));
    println!("{}", cohort_table(&view, purchases.currency()));
    if view.cohorts.iter().any(|c| c.complete.contains(&false)) {
        println!("* period not over on {as_of}: its numbers can still grow.");
    }
    Ok(())
}

/// The triangle: one row per cohort, one column per period after acquisition.
fn cohort_table(view: &CohortsView, currency: Option<Currency>) -> Table {
    let width = view.cohorts.iter().map(|c| c.complete.len()).max().unwrap_or(0);
    let mut header = vec!["cohort".to_string(), "customers".to_string()];
    header.extend((0..width).map(|k| k.to_string()));
    if view.metric == CohortMetric::Revenue {
        header.push("per customer".into());
    }
    let mut table = output::table(&header.iter().map(String::as_str).collect::<Vec<_>>());
    for cohort in &view.cohorts {
        let d = &cohort.detail;
        let cells: Vec<String> = match view.metric {
            CohortMetric::Customers => d.retention.iter().map(|p| format!("{p:.1}")).collect(),
            CohortMetric::Revenue => {
                d.revenue_minor.iter().map(|&r| output::decimal(Some(major(r as f64, currency)), 0)).collect()
            }
        };
        let mut row = vec![cohort.cohort.clone(), output::count(cohort.size)];
        row.extend(
            cells.into_iter().zip(&d.complete).map(|(c, &done)| if done { c } else { format!("{c}*") }),
        );
        if view.metric == CohortMetric::Revenue {
            row.resize(width + 2, String::new());
            row.push(output::money_f64(d.cumulative_revenue_per_customer.last().copied(), currency));
        }
        table.add_row(row);
    }
    table
}

fn major(minor: f64, currency: Option<Currency>) -> f64 {
    minor / 10f64.powi(currency.map_or(2, |c| c.exponent()) as i32)
}

fn lifecycle_report(url: &str, scope: &ReportScope, args: &LifecycleArgs) -> anyhow::Result<()> {
    show_lifecycle(&load(url, scope)?, args)
}

fn show_lifecycle(purchases: &Purchases, args: &LifecycleArgs) -> anyhow::Result<()> {
    let window = window(args.window)?;
    let report = purchases.lifecycle(args.as_of, window)?;
    if args.json {
        return output::print_json(&report);
    }
    caption(
        purchases,
        &format!(
            "Lifecycle stages on {} (churned: no paid order in the last {} days)",
            report.as_of,
            window.days()
        ),
    );
    let s = &report.stages;
    let total = s.total();
    let mut table = output::table(&["stage", "customers", "share"]);
    let rows = [
        ("new (first order in the last 30 days)", s.new),
        ("active", s.active),
        (at_risk_label(purchases, report.as_of), s.at_risk),
        ("reactivated", s.reactivated),
        ("churned", s.churned),
        ("prospect (no paid order yet)", s.prospect),
    ];
    for (stage, customers) in rows {
        table.add_row(vec![stage.to_string(), output::count(customers), share(customers, total)]);
    }
    table.add_row(vec!["total".to_string(), output::count(total), String::new()]);
    println!("{table}");
    Ok(())
}

/// What "at risk" means in this report: the stored model scores, or the overdue rule.
fn at_risk_label(purchases: &Purchases, as_of: Date) -> &'static str {
    if purchases.at_risk_by_model(as_of) {
        "at risk (model: probability alive below 50 %)"
    } else {
        "at risk (overdue: 2× their usual gap)"
    }
}

fn share(part: u64, total: u64) -> String {
    output::percent((total > 0).then(|| part as f64 / total as f64 * 100.0))
}

fn segment_report(url: &str, scope: &ReportScope, args: &SegmentArgs) -> anyhow::Result<()> {
    show_segments(&load(url, scope)?, args)
}

fn show_segments(purchases: &Purchases, args: &SegmentArgs) -> anyhow::Result<()> {
    let view = purchases.segments(args.as_of)?;
    if args.json {
        return output::print_json(&view);
    }
    caption(purchases, &format!("RFM segments on {}", view.as_of));
    let total: u64 = view.segments.iter().map(|s| s.customers).sum();
    // With model scores stored, where the value at risk sits: mean P(alive) and total CLV.
    let scored = view.segments.iter().any(|s| s.clv_minor.is_some());
    let mut headers = vec!["segment", "customers", "share", "revenue"];
    if scored {
        headers.extend(["P(alive)", "CLV"]);
    }
    let mut table = output::table(&headers);
    for segment in &view.segments {
        let mut row = vec![
            segment.name.clone(),
            output::count(segment.customers),
            share(segment.customers, total),
            output::money_f64(Some(segment.revenue_minor as f64), purchases.currency()),
        ];
        if scored {
            row.push(
                segment.mean_probability_alive.map_or_else(|| "—".into(), |p| format!("{:.1} %", p * 100.0)),
            );
            row.push(output::money_f64(segment.clv_minor.map(|clv| clv as f64), purchases.currency()));
        }
        table.add_row(row);
    }
    println!("{table}");
    let influencers = view
        .flags
        .influencer
        .map_or_else(|| "not known yet (needs referrals and reviews)".into(), output::count);
    println!("Big spenders (top 10 % by spend): {}", output::count(view.flags.big_spender));
    println!("Influencers: {influencers}");
    println!(
        "List a segment: tenure customers list --segment \"{}\" --as-of {}",
        view.segments.first().map_or("Champions", |s| s.name.as_str()),
        view.as_of
    );
    Ok(())
}

/// Every report from one reading of the purchases: retention for the period, the series, the
/// cohort table, lifecycle stages and segments on `--as-of` (default: the end of the period).
fn all_reports(url: &str, scope: &ReportScope, args: &AllArgs) -> anyhow::Result<()> {
    let period = &args.period;
    check_period(period.from, period.to)?;
    let purchases = load(url, scope)?;
    let as_of = args.as_of.unwrap_or(period.to);
    if period.json {
        let window = window(period.window)?;
        return output::print_json(&serde_json::json!({
            "retention": purchases.retention(period.from, period.to, window)?,
            "series": purchases.retention_series(period.from, period.to, args.every.into(), window)?,
            "cohorts": purchases.cohorts(args.cohorts_by.into(), CohortMetric::Customers, as_of),
            "lifecycle": purchases.lifecycle(as_of, window)?,
            "segments": purchases.segments(as_of)?,
        }));
    }
    show_retention(&purchases, period)?;
    show_retention_series(&purchases, &SeriesArgs { period: PeriodArgs { ..*period }, every: args.every })?;
    let cohorts =
        CohortArgs { period: args.cohorts_by, metric: MetricArg::Customers, as_of: Some(as_of), json: false };
    show_cohorts(&purchases, &cohorts)?;
    show_lifecycle(&purchases, &LifecycleArgs { as_of, window: period.window, json: false })?;
    show_segments(&purchases, &SegmentArgs { as_of, json: false })
}

fn investor_report(url: &str, scope: &ReportScope, args: &InvestorArgs) -> anyhow::Result<()> {
    check_period(args.from, args.to)?;
    let window = window(args.window)?;
    let purchases = load(url, scope)?;
    let markdown = investor_markdown(&purchases, args.from, args.to, window)?;
    match &args.out {
        Some(path) => {
            std::fs::write(path, markdown).with_context(|| format!("writing {}", path.display()))?;
            eprintln!("Wrote the investor summary to {}", path.display());
        }
        None => print!("{markdown}"),
    }
    Ok(())
}
