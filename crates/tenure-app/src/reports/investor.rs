//! The investor summary (`tenure report investor`): one printable Markdown page with the numbers
//! an investor asks for — headline retention, the retention and churn trend, the cohort table,
//! repeat rate and revenue per cohort.
//!
//! Markdown text only (pipes and dashes); no HTML is built here. Every number comes from the
//! same use cases as the other reports.

use tenure_metrics::{ActivityWindow, Date, Period};

use super::{CohortMetric, CohortsView, Purchases, RetentionFigures, RetentionSeries};
use crate::AppError;

/// The summary for `[from, to]`: headline report, monthly series, monthly cohorts as of `to`.
pub fn investor_markdown(
    purchases: &Purchases,
    from: Date,
    to: Date,
    window: ActivityWindow,
) -> Result<String, AppError> {
    let headline = purchases.retention(from, to, window)?;
    let series = purchases.retention_series(whole_months_from(from, to), to, Period::Month, window)?;
    let customers = purchases.cohorts(Period::Month, CohortMetric::Customers, to);
    let mut doc = Doc { purchases, lines: Vec::new() };
    doc.title(from, to, window);
    doc.headline(&headline);
    doc.trend(&series);
    doc.cohorts(&customers);
    doc.revenue_per_cohort(&customers);
    doc.definitions();
    Ok(doc.lines.join("\n") + "\n")
}

/// The trend starts with the first whole month of the period, so that it does not open with a
/// stub of a few days (unless the period holds no month start at all).
fn whole_months_from(from: Date, to: Date) -> Date {
    let month = Period::Month.index_of(from.days());
    if Period::Month.first_day(month) == from.days() {
        return from;
    }
    match Date::from_days(Period::Month.first_day(month + 1)) {
        Ok(next) if next <= to => next,
        _ => from,
    }
}

struct Doc<'a> {
    purchases: &'a Purchases,
    lines: Vec<String>,
}

impl Doc<'_> {
    fn title(&mut self, from: Date, to: Date, window: ActivityWindow) {
        let currency = self.purchases.currency().map_or_else(|| "—".to_string(), |c| c.to_string());
        self.lines.push(format!("# Customer retention, {from} to {to}"));
        self.lines.push(String::new());
        self.lines.push(format!(
            "Currency {currency} · calendar days in {} · a customer is active with a paid order in the last {} days.",
            self.purchases.time_zone(),
            window.days()
        ));
    }

    fn headline(&mut self, r: &RetentionFigures) {
        self.section("Headline");
        let rows = vec![
            vec!["Customers active at the start (S)".into(), count(r.s)],
            vec!["Customers active at the end (E)".into(), count(r.e)],
            vec!["New customers in the period (N)".into(), count(r.n)],
            vec!["Customers lost".into(), count(r.lost)],
            vec!["Customer retention rate (E − N) / S".into(), percent(r.crr)],
            vec!["Churn rate lost / S".into(), percent(r.churn_rate)],
            vec!["Cohort-exact retention".into(), percent(r.cohort_exact_retention)],
            vec!["Repeat purchase rate".into(), percent(r.repeat_purchase_rate)],
            vec!["Orders per ordering customer".into(), decimal(r.purchase_frequency, 2)],
            vec!["Average order value".into(), self.money_opt(r.detail.average_order_value)],
            vec!["Mean days between orders".into(), decimal(r.detail.mean_days_between_orders, 1)],
            vec!["Orders".into(), count(r.detail.orders)],
            vec!["Revenue".into(), self.money(r.detail.revenue_minor as f64)],
        ];
        self.table(&["figure", "value"], rows);
    }

    fn trend(&mut self, series: &RetentionSeries) {
        self.section("Retention and churn by month");
        let header = ["month", "S", "E", "N", "retention", "churn", "cohort-exact", "repeat rate", "revenue"];
        let rows = series
            .periods
            .iter()
            .map(|r| {
                vec![
                    format!("{} – {}", r.start, r.end),
                    count(r.s),
                    count(r.e),
                    count(r.n),
                    percent(r.crr),
                    percent(r.churn_rate),
                    percent(r.cohort_exact_retention),
                    percent(r.repeat_purchase_rate),
                    self.money(r.detail.revenue_minor as f64),
                ]
            })
            .collect();
        self.table(&header, rows);
    }

    fn cohorts(&mut self, view: &CohortsView) {
        self.section(&format!(
            "Cohorts: share of each monthly cohort buying in month k (as of {})",
            view.as_of
        ));
        let width = view.cohorts.iter().map(|c| c.detail.retention.len()).max().unwrap_or(0);
        let mut header = vec!["cohort".to_string(), "customers".to_string()];
        header.extend((0..width).map(|k| format!("M{k}")));
        let rows = view
            .cohorts
            .iter()
            .map(|c| {
                let mut row = vec![c.cohort.clone(), count(c.size)];
                row.extend(c.detail.retention.iter().zip(&c.detail.complete).map(|(&p, &complete)| {
                    let cell = format!("{p:.1}");
                    if complete { cell } else { format!("{cell}*") }
                }));
                row
            })
            .collect();
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        self.table(&header, rows);
        self.lines.push(String::new());
        self.lines.push(
            "Percent of the cohort with a paid order in month k after acquisition; * = month not over."
                .into(),
        );
    }

    fn revenue_per_cohort(&mut self, view: &CohortsView) {
        self.section("Revenue per cohort");
        let header = ["cohort", "customers", "revenue to date", "per customer", "first month per customer"];
        let rows = view
            .cohorts
            .iter()
            .map(|c| {
                let total: i64 = c.detail.revenue_minor.iter().sum();
                let first = c.detail.cumulative_revenue_per_customer.first().copied();
                vec![
                    c.cohort.clone(),
                    count(c.size),
                    self.money(total as f64),
                    self.money(total as f64 / c.size as f64),
                    self.money_opt(first),
                ]
            })
            .collect();
        self.table(&header, rows);
    }

    fn definitions(&mut self) {
        self.section("Definitions");
        self.lines.push(
            "S and E count customers active at the end of the first and last day; N counts first purchases \
             after the first day. Retention (E − N) / S also counts customers who came back; cohort-exact \
             retention counts only those active at both ends. Repeat rate: share of the customers who ordered \
             in the period with two orders or more. Only paid orders count, after refunds."
                .into(),
        );
    }

    fn section(&mut self, title: &str) {
        self.lines.push(String::new());
        self.lines.push(format!("## {title}"));
        self.lines.push(String::new());
    }

    fn table(&mut self, header: &[&str], rows: Vec<Vec<String>>) {
        self.lines.push(format!("| {} |", header.join(" | ")));
        let align: Vec<&str> = (0..header.len()).map(|i| if i == 0 { "---" } else { "---:" }).collect();
        self.lines.push(format!("| {} |", align.join(" | ")));
        for row in rows {
            self.lines.push(format!("| {} |", row.join(" | ")));
        }
    }

    fn money(&self, minor: f64) -> String {
        let currency = self.purchases.currency();
        let digits = currency.map_or(2, |c| c.exponent()) as usize;
        let code = currency.map_or_else(String::new, |c| format!(" {c}"));
        format!("{}{code}", group_thousands(&format!("{:.digits$}", self.purchases.major(minor))))
    }

    fn money_opt(&self, minor: Option<f64>) -> String {
        minor.map_or_else(|| "—".into(), |m| self.money(m))
    }
}

fn count(value: u64) -> String {
    group_thousands(&value.to_string())
}

fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "—".into(), |p| format!("{p:.1} %"))
}

fn decimal(value: Option<f64>, digits: usize) -> String {
    value.map_or_else(|| "—".into(), |v| format!("{v:.digits$}"))
}

/// `2500315.63` → `2,500,315.63`.
fn group_thousands(text: &str) -> String {
    let (sign, rest) = text.strip_prefix('-').map_or(("", text), |rest| ("-", rest));
    let end = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
    let (digits, tail) = rest.split_at(end);
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{sign}{grouped}{tail}")
}

#[cfg(test)]
mod tests {
    use super::group_thousands;

    #[test]
    fn thousands_are_grouped_before_the_decimals_only() {
        assert_eq!(group_thousands("2500315.63"), "2,500,315.63");
        assert_eq!(group_thousands("-1234"), "-1,234");
        assert_eq!(group_thousands("12"), "12");
    }
}
