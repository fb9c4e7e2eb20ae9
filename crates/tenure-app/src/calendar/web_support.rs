//! What the web face asks of the calendar beyond the other use cases: a keyed log that notices a
//! key used before for another customer, follow-up endings a retried request may repeat, and
//! follow-ups a form sent twice does not make twice.
//!
//! Not a second path to storage: each function is one of the other use cases plus the check that
//! makes a repeated request harmless.

use tenure_domain::Timestamp;
use tenure_store::{
    FollowUp, FollowUpEnd, FollowUpQuery, FollowUpStatus, Interaction, Logged, Store, StoreError,
};

use super::followups::{self, FollowUpRequest};
use super::interactions::{self, LogRequest};
use crate::AppError;

/// What logging under a client's key did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyedLog {
    /// Logged now.
    New(Interaction),
    /// The key was used before for this customer and direction: nothing changed; the interaction
    /// as it stands.
    Replayed(Interaction),
    /// The key was used before for another customer or direction: nothing changed.
    KeyReused,
}

/// Logs `request` (see [`interactions::log`]); a key logged before answers the stored interaction
/// when it was logged for the same customer and direction, and [`KeyedLog::KeyReused`] otherwise.
pub fn log_keyed(store: &mut dyn Store, request: &LogRequest, now: Timestamp) -> Result<KeyedLog, AppError> {
    let (logged, interaction) = interactions::log(store, request, now)?;
    if let Logged::New(_) = logged {
        return Ok(KeyedLog::New(interaction));
    }
    let customer = store.resolve_customers(std::slice::from_ref(&request.record.customer))?[0];
    if customer == Some(interaction.customer_id) && interaction.direction == request.record.direction {
        Ok(KeyedLog::Replayed(interaction))
    } else {
        Ok(KeyedLog::KeyReused)
    }
}

/// Ends an open follow-up as `end` says; one that already ended the same way is answered as it
/// stands (a retried request), with `false`. Ending a follow-up the other way is a conflict.
pub fn finish(
    store: &mut dyn Store,
    id: i64,
    end: &FollowUpEnd,
    now: Timestamp,
) -> Result<(bool, FollowUp), AppError> {
    let ended = match end {
        FollowUpEnd::Done(outcome) => followups::done(store, id, outcome, now),
        FollowUpEnd::Cancelled => followups::cancel(store, id, now),
    };
    match ended {
        Ok(followup) => Ok((true, followup)),
        Err(AppError::Store(StoreError::Conflict(message))) => {
            let current = store.followup(id)?;
            let same = matches!(
                (end, current.status),
                (FollowUpEnd::Done(_), FollowUpStatus::Done)
                    | (FollowUpEnd::Cancelled, FollowUpStatus::Cancelled)
            );
            if same { Ok((false, current)) } else { Err(AppError::Store(StoreError::Conflict(message))) }
        }
        Err(other) => Err(other),
    }
}

/// Makes the follow-up `request` asks for, unless its owner already has an open one about the
/// same customer with the same title due at the same time (a form sent twice): then that one,
/// with `false`.
pub fn add_once(
    store: &mut dyn Store,
    request: &FollowUpRequest,
    now: Timestamp,
) -> Result<(bool, FollowUp), AppError> {
    let owner_id = super::user_id(store, &request.owner)?;
    let same_time = FollowUpQuery {
        owner_id: Some(owner_id),
        customer: request.customer,
        from: Some(request.due_at),
        to: Some(request.due_at + chrono::Duration::seconds(1)),
        status: Some(FollowUpStatus::Open),
        limit: 100,
    };
    let title = request.title.trim();
    let twin = store
        .followups(&same_time)?
        .into_iter()
        .find(|f| f.customer_id == request.customer && f.title == title);
    match twin {
        Some(followup) => Ok((false, followup)),
        None => Ok((true, followups::add(store, request, now)?)),
    }
}
