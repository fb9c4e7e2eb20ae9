//! What the report pages share: reading their query (a GET form sends empty fields as `x=`,
//! which mean "the default"), the report scope of the server, the default day of a report.

use std::fmt::Display;
use std::str::FromStr;

use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use serde::{Deserialize, Deserializer};
use tenure_app::AppError;
use tenure_app::reports::{ActivityWindow, Date, Purchases};

use crate::html::PageError;

/// The query of a request, or 400 with serde's reason.
pub(crate) fn parsed<T>(query: Result<Query<T>, QueryRejection>) -> Result<T, PageError> {
    query.map(|Query(query)| query).map_err(|e| PageError::App(AppError::Invalid(e.body_text())))
}

/// A query field read with [`FromStr`], where an empty value (a cleared form field) is absent.
pub(crate) fn optional<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: Display,
{
    let text = Option::<String>::deserialize(deserializer)?;
    match text.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(value) => value.parse().map(Some).map_err(serde::de::Error::custom),
    }
}

/// `?window=DAYS`, or the default activity window.
pub(crate) fn window(days: Option<u32>) -> Result<ActivityWindow, AppError> {
    ActivityWindow::new(days.unwrap_or(ActivityWindow::default().days()))
        .map_err(|e| AppError::Invalid(e.to_string()))
}

/// `as_of`, or the day of the latest purchase (data that stopped: a past export), or today in
/// the shop's calendar (an empty store) — as the CLI's reports choose it.
pub(crate) fn as_of_or_latest(as_of: Option<Date>, purchases: &Purchases) -> Result<Date, AppError> {
    purchases.report_day(as_of, chrono::Utc::now())
}

/// The day `days` after `date` (before, when negative).
pub(crate) fn shift(date: Date, days: i32) -> Result<Date, AppError> {
    Date::from_days(date.days() + days).map_err(|e| AppError::Invalid(e.to_string()))
}
