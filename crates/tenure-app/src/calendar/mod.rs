//! The communication calendar: every contact with a customer on their timeline and on a
//! calendar, when each customer last reached out or was contacted, who has gone quiet, planned
//! follow-ups with reminders, and a feed that carries them to the staff's own calendars.
//!
//! - [`interactions`]: logging (idempotent by key), editing, deleting, listing; the customer's
//!   timeline of orders, interactions, survey answers and follow-ups.
//! - [`import`]: the interactions CSV (`docs/interactions-csv.md`), all or nothing.
//! - [`followups`]: planned contacts, their reminder e-mails (a recurring job).
//! - [`feed`]: each user's iCalendar feed at a secret, revocable URL.
//! - [`cadence`]: cadence rules, who has gone quiet ordered by value at risk, and the alerts
//!   (a recurring job): in the app, by e-mail to the responsible user, and as follow-ups.
//! - [`response_times`]: time to first response and to close of inbound queries, per staff
//!   member and channel, in business hours when they are set.
//! - [`agenda`]: what the day, week and month views show.
//! - [`web_support`]: what the web face adds: repeated requests made harmless.

pub mod agenda;
pub mod cadence;
pub mod demo;
pub mod feed;
pub mod followups;
pub mod import;
pub mod interactions;
pub mod response_times;
pub mod web_support;

use tenure_store::Store;

use crate::AppError;

/// The id of the dashboard user with this e-mail (any case), or an error naming it.
pub(crate) fn user_id(store: &mut dyn Store, email: &str) -> Result<i64, AppError> {
    let wanted = email.trim().to_lowercase();
    store
        .user_by_email(&wanted)?
        .map(|(user, _)| user.id)
        .ok_or_else(|| AppError::Invalid(format!("no user `{wanted}`: add one with `tenure user add`")))
}

/// The e-mail of every user, by id.
pub(crate) fn user_emails(store: &mut dyn Store) -> Result<std::collections::HashMap<i64, String>, AppError> {
    Ok(store.users()?.into_iter().map(|u| (u.id, u.email)).collect())
}

/// Refuses text longer than `max` characters, naming the field.
pub(crate) fn check_length(field: &str, value: &str, max: usize) -> Result<(), AppError> {
    if value.chars().count() > max {
        return Err(AppError::Invalid(format!("{field}: longer than {max} characters")));
    }
    Ok(())
}
