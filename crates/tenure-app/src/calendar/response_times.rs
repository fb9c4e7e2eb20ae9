//! How fast inbound queries are answered and closed, per staff member and channel: the time
//! from a query to its first reply and to its closing — in business hours when the shop has set
//! them (`tenure calendar hours`), else in elapsed time. Medians and means, in hours, over the
//! queries whose times are known: a query imported as already answered or closed counts as such,
//! but without a time it adds to no average.

use std::collections::BTreeMap;

use serde::Serialize;
use tenure_calendar::BusinessHours;
use tenure_domain::{Channel, QueryState, Timestamp};
use tenure_store::Store;

use crate::AppError;

/// The setting that holds the business hours.
pub const HOURS_SETTING: &str = "calendar.business_hours";

/// The shop's business hours, when set.
pub fn business_hours(store: &mut dyn Store) -> Result<Option<BusinessHours>, AppError> {
    store
        .setting("calendar.business_hours")?
        .map(|text| {
            text.parse::<BusinessHours>()
                .map_err(|e| AppError::Invalid(format!("stored business hours: {e}")))
        })
        .transpose()
}

/// Sets (or, with `None`, clears) the business hours: `mon-fri 09:00-17:00; sat 10:00-14:00;
/// Europe/Berlin`.
pub fn set_business_hours(
    store: &mut dyn Store,
    text: Option<&str>,
) -> Result<Option<BusinessHours>, AppError> {
    let hours = text
        .map(|t| t.parse::<BusinessHours>().map_err(|e| AppError::Invalid(format!("business hours: {e}"))))
        .transpose()?;
    let stored = hours.as_ref().map(ToString::to_string);
    store.put_setting(HOURS_SETTING, stored.as_deref())?;
    Ok(hours)
}

/// The figures of one staff member on one channel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResponseGroup {
    /// The staff member (`(nobody)` when the query names none).
    pub staff: String,
    /// The channel.
    pub channel: Channel,
    /// Queries that came in.
    pub queries: u64,
    /// Of which answered.
    pub answered: u64,
    /// Of which closed.
    pub closed: u64,
    /// Median hours to the first reply.
    pub median_first_response_hours: Option<f64>,
    /// Mean hours to the first reply.
    pub mean_first_response_hours: Option<f64>,
    /// Median hours to closing.
    pub median_close_hours: Option<f64>,
    /// Mean hours to closing.
    pub mean_close_hours: Option<f64>,
}

/// Response times of the queries that came in within `[from, to)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResponseTimes {
    /// Queries from.
    pub from: Timestamp,
    /// Queries before.
    pub to: Timestamp,
    /// The business hours the times are counted in (`None`: elapsed time).
    pub business_hours: Option<String>,
    /// Per staff member and channel.
    pub groups: Vec<ResponseGroup>,
}

/// Response times of the queries that came in within `[from, to)`.
pub fn response_times(
    store: &mut dyn Store,
    from: Timestamp,
    to: Timestamp,
) -> Result<ResponseTimes, AppError> {
    let hours = business_hours(store)?;
    let timings = store.query_timings(from, to)?;
    let span = |a: Timestamp, b: Timestamp| -> f64 {
        let seconds = match &hours {
            Some(h) => h.elapsed_seconds(a, b),
            None => (b - a).num_seconds().max(0),
        };
        seconds as f64 / 3600.0
    };
    let mut groups: BTreeMap<(String, Channel), Spans> = BTreeMap::new();
    for t in timings {
        let key = (t.staff.clone().unwrap_or_else(|| "(nobody)".into()), t.channel);
        let entry = groups.entry(key).or_default();
        entry.queries += 1;
        entry.answered += u64::from(t.state != QueryState::Open);
        entry.closed += u64::from(t.state == QueryState::Closed);
        if let Some(answered) = t.answered_at {
            entry.first_response.push(span(t.occurred_at, answered));
        }
        if let Some(closed) = t.closed_at.filter(|_| t.state == QueryState::Closed) {
            entry.close.push(span(t.occurred_at, closed));
        }
    }
    let groups = groups
        .into_iter()
        .map(
            |(
                (staff, channel),
                Spans { queries, answered, closed, first_response: mut first, mut close },
            )| ResponseGroup {
                staff,
                channel,
                queries,
                answered,
                closed,
                median_first_response_hours: median(&mut first),
                mean_first_response_hours: mean(&first),
                median_close_hours: median(&mut close),
                mean_close_hours: mean(&close),
            },
        )
        .collect();
    Ok(ResponseTimes { from, to, business_hours: hours.map(|h| h.to_string()), groups })
}

/// One group's queries and their spans in hours.
#[derive(Default)]
struct Spans {
    queries: u64,
    answered: u64,
    closed: u64,
    first_response: Vec<f64>,
    close: Vec<f64>,
}

fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    Some(if n % 2 == 1 { values[n / 2] } else { (values[n / 2 - 1] + values[n / 2]) / 2.0 })
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}
