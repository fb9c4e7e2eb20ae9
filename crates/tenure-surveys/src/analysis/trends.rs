//! CSAT % and NPS by week and by month of submission (UTC days), for every CSAT and NPS question.
//!
//! Weeks are ISO weeks, Monday to Sunday, labelled with the Monday's date (`2025-03-03`); months
//! are labelled `2025-03`. Only periods with at least one answer are listed, oldest first — a face
//! drawing a line fills the gaps. `value` is the CSAT % or the NPS of the period's answers.

use serde::Serialize;
use tenure_metrics::{Period, civil_from_days};

use super::{Items, OrderedMap};
use crate::definition::QuestionKind;
use crate::responses::{Column, SKIPPED};
use crate::stats::percent;

/// One period's number.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrendPoint {
    /// `YYYY-MM-DD` (the Monday) for a week, `YYYY-MM` for a month.
    pub period: String,
    /// Answers in the period.
    pub n: u64,
    /// CSAT % or NPS.
    pub value: Option<f64>,
}

/// Series per question id.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Trends {
    /// By ISO week.
    pub week: OrderedMap<Vec<TrendPoint>>,
    /// By calendar month.
    pub month: OrderedMap<Vec<TrendPoint>>,
}

pub(super) fn trends(items: &Items<'_>) -> Trends {
    let tracked: Vec<(usize, &str, QuestionKind)> = items
        .questions()
        .filter(|(_, q)| matches!(q.kind, QuestionKind::Csat | QuestionKind::Nps))
        .map(|(i, q)| (i, q.id.as_str(), q.kind))
        .collect();
    if tracked.is_empty() {
        return Trends::default();
    }
    let days = items.set.submitted_days();
    // Responses come mostly in time order: compute a day's periods once per run of that day.
    let (mut weeks, mut months) = (Vec::with_capacity(days.len()), Vec::with_capacity(days.len()));
    let mut last: Option<(i32, i32, i32)> = None;
    for &day in days {
        let (_, week, month) = match last {
            Some(known) if known.0 == day => known,
            _ => *last.insert((day, Period::Week.index_of(day), Period::Month.index_of(day))),
        };
        weeks.push(week);
        months.push(month);
    }
    let mut trends = Trends::default();
    for (i, id, kind) in tracked {
        let Some(Column::Scale(values)) = items.column(i) else { continue };
        trends.week.0.push((id.to_owned(), series(values, &weeks, kind, Period::Week)));
        trends.month.0.push((id.to_owned(), series(values, &months, kind, Period::Month)));
    }
    trends
}

fn series(values: &[u8], periods: &[i32], kind: QuestionKind, period: Period) -> Vec<TrendPoint> {
    let Some((&first, &last)) = periods.iter().min().zip(periods.iter().max()) else { return Vec::new() };
    let slots = (i64::from(last) - i64::from(first) + 1) as usize;
    // Per period: answers, "good" answers (CSAT 4–5 / promoters), detractors (NPS 0–6).
    let mut counts = vec![[0u64; 3]; slots];
    for (&v, &p) in values.iter().zip(periods) {
        if v == SKIPPED {
            continue;
        }
        let c = &mut counts[(p - first) as usize];
        c[0] += 1;
        match kind {
            QuestionKind::Csat => c[1] += u64::from(v >= 4),
            _ => {
                c[1] += u64::from(v >= 9);
                c[2] += u64::from(v <= 6);
            }
        }
    }
    counts
        .iter()
        .enumerate()
        .filter(|(_, c)| c[0] > 0)
        .map(|(offset, &[n, good, bad])| {
            let index = first + offset as i32;
            let value = match kind {
                QuestionKind::Csat => percent(good, n),
                _ => percent(good, n).zip(percent(bad, n)).map(|(p, d)| p - d),
            };
            TrendPoint { period: label(period, index), n, value }
        })
        .collect()
}

fn label(period: Period, index: i32) -> String {
    match period {
        Period::Week => {
            let (y, m, d) = civil_from_days(period.first_day(index));
            format!("{y:04}-{m:02}-{d:02}")
        }
        _ => period.label(index),
    }
}
