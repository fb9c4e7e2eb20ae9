//! Surveys in the store: definitions by version, invitations from their causes to their e-mails,
//! the hashes of their links, and responses kept page by page.
//!
//! An invitation is written `scheduled` for its cause (a purchase, a send to chosen customers),
//! unique per survey and cause, so a repeated scan or send invites nobody twice. When it falls due
//! the app renders its e-mail and [`queue`] writes it to the outbox in the same transaction that
//! marks the invitation `queued` — unless the survey's own interval forbids it (the customer was
//! invited to this survey lately), which is decided there, under a per-customer lock, so two
//! processes cannot both decide "not lately". Consent, suppression and the frequency cap across
//! all messages are the outbox's, at send time.

use std::collections::HashSet;

use tenure_domain::{CustomerId, Timestamp};

use crate::sql::{Conn, Row, Value};
use crate::{
    CustomerResponse, DueInvitation, InvitationLink, InvitationSend, NewInvitation, NewSurvey,
    PurchaseTrigger, QueueOutcome, ResponseChannel, ResponseOwner, ResponseWrite, StoreError, StoredResponse,
    SurveyChange, SurveyInfo, SurveySettings, SurveyState, outbox,
};

/// The advisory-lock class of the survey interval's per-customer locks ("srv" in ASCII).
const INTERVAL_LOCK_CLASS: i32 = 0x0073_7276;

/// Orders a purchase-trigger scan reads per statement.
const SCAN_BATCH: i64 = 2_000;

const SURVEY_COLUMNS: &str = "s.id, s.name, s.version, s.state, s.public_token, s.interval_days, s.link_days, \
     s.reminders, s.reminder_gap_days, s.min_fill_seconds, s.frame_ancestors, s.purchase_trigger, s.trigger_since, \
     s.created_at, s.updated_at, \
     (SELECT COUNT(*) FROM survey_invitations i WHERE i.survey_id = s.id AND i.state IN ('queued', 'answered')), \
     (SELECT COUNT(*) FROM survey_responses r WHERE r.survey_id = s.id AND r.submitted_at IS NOT NULL), \
     s.interaction_trigger";

/// [`SURVEY_COLUMNS`] without the counts (0 in their place): what answering a survey reads on
/// every request, where counting a million responses each time would be the whole cost.
const SURVEY_COLUMNS_UNCOUNTED: &str = "s.id, s.name, s.version, s.state, s.public_token, s.interval_days, \
     s.link_days, s.reminders, s.reminder_gap_days, s.min_fill_seconds, s.frame_ancestors, s.purchase_trigger, \
     s.trigger_since, s.created_at, s.updated_at, 0, 0, s.interaction_trigger";

const RESPONSE_COLUMNS: &str = "r.id, r.survey_id, r.version, r.customer_id, r.channel, r.language, r.answers, r.next_page, r.started_at, \
     r.submitted_at";

fn days(n: i64) -> chrono::Duration {
    chrono::Duration::days(n)
}

/// Writes a survey and its first version; returns its id.
pub(crate) fn create(conn: &mut dyn Conn, new: &NewSurvey<'_>, now: Timestamp) -> Result<i64, StoreError> {
    let s = &new.settings;
    let row = conn
        .query_opt(
            "INSERT INTO surveys (name, version, public_token, interval_days, link_days, reminders, \
             reminder_gap_days, min_fill_seconds, frame_ancestors, created_at, updated_at) \
             VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9, $9) ON CONFLICT (name) DO NOTHING RETURNING id",
            &[
                Value::from(new.name),
                Value::from(new.public_token),
                Value::Int(s.interval_days),
                Value::Int(s.link_days),
                Value::Int(s.reminders),
                Value::Int(s.reminder_gap_days),
                Value::Int(s.min_fill_seconds),
                Value::from(s.frame_ancestors.as_str()),
                Value::Time(now),
            ],
        )?
        .ok_or_else(|| StoreError::Conflict(format!("a survey named `{}` exists already", new.name)))?;
    let id = row.int(0)?;
    insert_version(conn, id, 1, new.definition, now)?;
    Ok(id)
}

fn insert_version(
    conn: &mut dyn Conn,
    survey_id: i64,
    version: i64,
    definition: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO survey_versions (survey_id, version, definition, created_at) VALUES ($1, $2, $3, $4)",
        &[Value::Int(survey_id), Value::Int(version), Value::from(definition), Value::Time(now)],
    )?;
    Ok(())
}

/// Writes a new version of a survey's questions and makes it current; returns its number.
pub(crate) fn save_version(
    conn: &mut dyn Conn,
    survey_id: i64,
    definition: &str,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let row = conn
        .query_opt(
            "UPDATE surveys SET version = version + 1, updated_at = $1 WHERE id = $2 RETURNING version",
            &[Value::Time(now), Value::Int(survey_id)],
        )?
        .ok_or_else(|| StoreError::NotFound(format!("survey {survey_id}")))?;
    let version = row.int(0)?;
    insert_version(conn, survey_id, version, definition, now)?;
    Ok(version)
}

/// Changes a survey's settings, trigger or state.
pub(crate) fn change(
    conn: &mut dyn Conn,
    survey_id: i64,
    change: &SurveyChange,
    now: Timestamp,
) -> Result<(), StoreError> {
    let exists = conn.query_opt("SELECT 1 FROM surveys WHERE id = $1", &[Value::Int(survey_id)])?;
    if exists.is_none() {
        return Err(StoreError::NotFound(format!("survey {survey_id}")));
    }
    if let Some(s) = &change.settings {
        conn.execute(
            "UPDATE surveys SET interval_days = $1, link_days = $2, reminders = $3, reminder_gap_days = $4, \
             min_fill_seconds = $5, frame_ancestors = $6, updated_at = $7 WHERE id = $8",
            &[
                Value::Int(s.interval_days),
                Value::Int(s.link_days),
                Value::Int(s.reminders),
                Value::Int(s.reminder_gap_days),
                Value::Int(s.min_fill_seconds),
                Value::from(s.frame_ancestors.as_str()),
                Value::Time(now),
                Value::Int(survey_id),
            ],
        )?;
    }
    if let Some(trigger) = &change.purchase_trigger {
        set_trigger(conn, survey_id, trigger.as_ref(), now)?;
    }
    if let Some(trigger) = &change.interaction_trigger {
        let json = trigger
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| StoreError::Other(format!("interaction trigger: {e}")))?;
        conn.execute(
            "UPDATE surveys SET interaction_trigger = $1, updated_at = $2 WHERE id = $3",
            &[Value::from(json.as_deref()), Value::Time(now), Value::Int(survey_id)],
        )?;
    }
    if let Some(state) = change.state {
        conn.execute(
            "UPDATE surveys SET state = $1, updated_at = $2 WHERE id = $3",
            &[Value::from(state.as_str()), Value::Time(now), Value::Int(survey_id)],
        )?;
    }
    Ok(())
}

/// Sets or removes the purchase trigger. A new trigger looks at orders stored from now on and
/// placed from now on: turning it on never invites last year's customers.
fn set_trigger(
    conn: &mut dyn Conn,
    survey_id: i64,
    trigger: Option<&PurchaseTrigger>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let json = trigger
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| StoreError::Other(format!("purchase trigger: {e}")))?;
    let watermark = conn.query_one("SELECT COALESCE(MAX(id), 0) FROM orders", &[])?.int(0)?;
    conn.execute(
        "UPDATE surveys SET purchase_trigger = $1, trigger_since = $2, trigger_watermark = $3, updated_at = $4 \
         WHERE id = $5",
        &[
            Value::from(json.as_deref()),
            Value::from(trigger.map(|_| now)),
            Value::Int(watermark),
            Value::Time(now),
            Value::Int(survey_id),
        ],
    )?;
    Ok(())
}

/// Every survey, by name.
pub(crate) fn list(conn: &mut dyn Conn) -> Result<Vec<SurveyInfo>, StoreError> {
    conn.query(&format!("SELECT {SURVEY_COLUMNS} FROM surveys s ORDER BY s.name"), &[])?
        .iter()
        .map(survey_from_row)
        .collect()
}

/// One survey, by name or by the token of its public link; `counted`: with its invitation and
/// response counts (else 0).
pub(crate) fn find(conn: &mut dyn Conn, by: SurveyKey<'_>, counted: bool) -> Result<SurveyInfo, StoreError> {
    let columns = if counted { SURVEY_COLUMNS } else { SURVEY_COLUMNS_UNCOUNTED };
    let (column, value, what) = match by {
        SurveyKey::Id(id) => ("s.id", Value::Int(id), format!("survey {id}")),
        SurveyKey::Name(name) => ("s.name", Value::from(name), format!("survey `{name}`")),
        SurveyKey::PublicToken(token) => ("s.public_token", Value::from(token), "survey link".to_string()),
    };
    let row = conn
        .query_opt(&format!("SELECT {columns} FROM surveys s WHERE {column} = $1"), &[value])?
        .ok_or(StoreError::NotFound(what))?;
    survey_from_row(&row)
}

/// How a survey is looked up.
#[derive(Debug, Clone, Copy)]
pub enum SurveyKey<'a> {
    /// By id.
    Id(i64),
    /// By name.
    Name(&'a str),
    /// By its public link's token.
    PublicToken(&'a str),
}

fn survey_from_row(row: &Row) -> Result<SurveyInfo, StoreError> {
    let trigger = row
        .opt_text(11)?
        .map(|json| serde_json::from_str::<PurchaseTrigger>(&json))
        .transpose()
        .map_err(|e| StoreError::Other(format!("stored purchase trigger: {e}")))?;
    Ok(SurveyInfo {
        id: row.int(0)?,
        name: row.text(1)?,
        version: row.int(2)?,
        state: SurveyState::parse(&row.text(3)?)?,
        public_token: row.text(4)?,
        settings: SurveySettings {
            interval_days: row.int(5)?,
            link_days: row.int(6)?,
            reminders: row.int(7)?,
            reminder_gap_days: row.int(8)?,
            min_fill_seconds: row.int(9)?,
            frame_ancestors: row.text(10)?,
        },
        purchase_trigger: trigger,
        trigger_since: row.opt_time(12)?,
        created_at: row.time(13)?,
        updated_at: row.time(14)?,
        invited: row.int(15)?,
        responses: row.int(16)?,
        interaction_trigger: row
            .opt_text(17)?
            .map(|json| serde_json::from_str(&json))
            .transpose()
            .map_err(|e| StoreError::Other(format!("stored interaction trigger: {e}")))?,
    })
}

/// The definition (JSON) of one version of a survey.
pub(crate) fn definition(conn: &mut dyn Conn, survey_id: i64, version: i64) -> Result<String, StoreError> {
    conn.query_opt(
        "SELECT definition FROM survey_versions WHERE survey_id = $1 AND version = $2",
        &[Value::Int(survey_id), Value::Int(version)],
    )?
    .ok_or_else(|| StoreError::NotFound(format!("version {version} of survey {survey_id}")))?
    .text(0)
}

/// Writes invitations (a cause already used for this survey writes nothing); returns how many
/// were written.
pub(crate) fn invite(
    conn: &mut dyn Conn,
    survey_id: i64,
    invitations: &[NewInvitation],
    now: Timestamp,
) -> Result<u64, StoreError> {
    let mut written = 0;
    for invitation in invitations {
        written += conn.execute(
            "INSERT INTO survey_invitations (survey_id, customer_id, cause, order_id, due_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (survey_id, cause) DO NOTHING",
            &[
                Value::Int(survey_id),
                Value::Int(invitation.customer_id.0),
                Value::from(invitation.cause.as_str()),
                Value::from(invitation.order_id),
                Value::Time(invitation.due_at),
                Value::Time(now),
            ],
        )?;
    }
    Ok(written)
}

/// Looks at the orders stored since each live survey's purchase trigger last looked, and invites
/// the customers of those that count, due their delay after the purchase. Returns how many
/// invitations were written.
pub(crate) fn scan_purchases(conn: &mut dyn Conn, now: Timestamp) -> Result<u64, StoreError> {
    let triggered: Vec<(i64, PurchaseTrigger, Timestamp, i64)> = conn
        .query(
            "SELECT id, purchase_trigger, trigger_since, trigger_watermark FROM surveys \
             WHERE state = 'live' AND purchase_trigger IS NOT NULL",
            &[],
        )?
        .iter()
        .map(|row| {
            let trigger = serde_json::from_str(&row.text(1)?)
                .map_err(|e| StoreError::Other(format!("stored purchase trigger: {e}")))?;
            Ok((row.int(0)?, trigger, row.time(2)?, row.int(3)?))
        })
        .collect::<Result<_, StoreError>>()?;
    let mut written = 0;
    for (survey_id, trigger, since, watermark) in triggered {
        written += scan_one(conn, survey_id, &trigger, since, watermark, now)?;
    }
    Ok(written)
}

fn scan_one(
    conn: &mut dyn Conn,
    survey_id: i64,
    trigger: &PurchaseTrigger,
    since: Timestamp,
    mut watermark: i64,
    now: Timestamp,
) -> Result<u64, StoreError> {
    let mut written = 0;
    loop {
        let rows = conn.query(
            "SELECT o.id, o.customer_id, o.placed_at, o.status, s.name, o.items FROM orders o \
             JOIN sources s ON s.id = o.source_id WHERE o.id > $1 ORDER BY o.id LIMIT $2",
            &[Value::Int(watermark), Value::Int(SCAN_BATCH)],
        )?;
        let mut invitations = Vec::new();
        for row in &rows {
            watermark = row.int(0)?;
            let placed_at = row.time(2)?;
            let is_purchase = matches!(row.text(3)?.as_str(), "paid" | "partially_refunded");
            if !is_purchase || placed_at < since || !trigger_matches(trigger, &row.text(4)?, &row.text(5)?) {
                continue;
            }
            invitations.push(NewInvitation {
                customer_id: CustomerId(row.int(1)?),
                cause: format!("order:{watermark}"),
                order_id: Some(watermark),
                due_at: placed_at + days(trigger.delay_days),
            });
        }
        written += invite(conn, survey_id, &invitations, now)?;
        conn.execute(
            "UPDATE surveys SET trigger_watermark = $1 WHERE id = $2",
            &[Value::Int(watermark), Value::Int(survey_id)],
        )?;
        if (rows.len() as i64) < SCAN_BATCH {
            return Ok(written);
        }
    }
}

/// Whether an order from `source` with these `items` (stored JSON) counts for `trigger`.
fn trigger_matches(trigger: &PurchaseTrigger, source: &str, items: &str) -> bool {
    if trigger.source.as_deref().is_some_and(|wanted| wanted != source) {
        return false;
    }
    let Some(product) = trigger.product.as_deref() else { return true };
    let Ok(items) = serde_json::from_str::<Vec<serde_json::Value>>(items) else { return false };
    items.iter().any(|item| {
        ["name", "sku"].iter().any(|field| {
            item.get(field).and_then(|v| v.as_str()).is_some_and(|v| v.eq_ignore_ascii_case(product))
        })
    })
}

const DUE_COLUMNS: &str = "i.id, i.survey_id, s.name, s.version, i.customer_id, c.email, c.name, c.language";

/// Invitations due at `now` (first the scheduled ones, then reminders), at most `limit`.
pub(crate) fn due(
    conn: &mut dyn Conn,
    now: Timestamp,
    limit: usize,
) -> Result<Vec<DueInvitation>, StoreError> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut due: Vec<DueInvitation> = conn
        .query(
            &format!(
                "SELECT {DUE_COLUMNS} FROM survey_invitations i JOIN surveys s ON s.id = i.survey_id \
                 JOIN customers c ON c.id = i.customer_id WHERE i.state = 'scheduled' AND i.due_at <= $1 \
                 ORDER BY i.due_at, i.id LIMIT $2"
            ),
            &[Value::Time(now), Value::Int(limit)],
        )?
        .iter()
        .map(|row| due_from_row(row, 0))
        .collect::<Result<_, _>>()?;
    let reminding: Vec<(i64, i64, i64)> = conn
        .query(
            "SELECT id, reminders, reminder_gap_days FROM surveys WHERE state = 'live' AND reminders > 0",
            &[],
        )?
        .iter()
        .map(|row| Ok((row.int(0)?, row.int(1)?, row.int(2)?)))
        .collect::<Result<_, StoreError>>()?;
    for (survey_id, reminders, gap) in reminding {
        for sent in 0..reminders {
            let room = limit - due.len() as i64;
            if room <= 0 {
                return Ok(due);
            }
            let cutoff = now - days(gap * (sent + 1));
            let rows = conn.query(
                &format!(
                    "SELECT {DUE_COLUMNS} FROM survey_invitations i JOIN surveys s ON s.id = i.survey_id \
                     JOIN customers c ON c.id = i.customer_id WHERE i.survey_id = $1 AND i.state = 'queued' \
                     AND i.reminders_sent = $2 AND i.sent_at <= $3 AND i.expires_at > $4 ORDER BY i.id LIMIT $5"
                ),
                &[Value::Int(survey_id), Value::Int(sent), Value::Time(cutoff), Value::Time(now), Value::Int(room)],
            )?;
            for row in &rows {
                due.push(due_from_row(row, sent + 1)?);
            }
        }
    }
    Ok(due)
}

fn due_from_row(row: &Row, reminder: i64) -> Result<DueInvitation, StoreError> {
    Ok(DueInvitation {
        id: row.int(0)?,
        survey_id: row.int(1)?,
        survey_name: row.text(2)?,
        version: row.int(3)?,
        customer_id: CustomerId(row.int(4)?),
        email: row.opt_text(5)?,
        name: row.opt_text(6)?,
        language: row.opt_text(7)?,
        reminder,
    })
}

/// Queues (or skips) due invitations and reminders: each message is written in the transaction
/// that marks its invitation, and only if the invitation is still where `due` found it.
pub(crate) fn queue(
    conn: &mut dyn Conn,
    sends: &[(DueInvitation, InvitationSend)],
    now: Timestamp,
) -> Result<QueueOutcome, StoreError> {
    let mut outcome = QueueOutcome::default();
    let mut locked = HashSet::new();
    for (due, send) in sends {
        if locked.insert(due.customer_id.0) {
            conn.lock_key(INTERVAL_LOCK_CLASS, due.customer_id.0)?;
        }
        let Some(current) = conn.query_opt(
            "SELECT i.state, i.reminders_sent, s.state, s.interval_days, s.link_days FROM survey_invitations i \
             JOIN surveys s ON s.id = i.survey_id WHERE i.id = $1",
            &[Value::Int(due.id)],
        )?
        else {
            continue;
        };
        let (state, reminders_sent) = (current.text(0)?, current.int(1)?);
        let (survey_live, interval_days, link_days) =
            (current.text(2)? == "live", current.int(3)?, current.int(4)?);
        if due.reminder == 0 {
            if state != "scheduled" {
                continue;
            }
            let reason = match send {
                InvitationSend::Skip(reason) => Some(reason.clone()),
                InvitationSend::Queue(_) if !survey_live => Some("the survey is closed".to_string()),
                InvitationSend::Queue(_) if invited_lately(conn, due, now - days(interval_days))? => {
                    Some(format!("invited to this survey within {interval_days} days"))
                }
                InvitationSend::Queue(_) => None,
            };
            if let Some(reason) = reason {
                conn.execute(
                    "UPDATE survey_invitations SET state = 'skipped', skip_reason = $1 WHERE id = $2",
                    &[Value::from(reason.as_str()), Value::Int(due.id)],
                )?;
                outcome.skipped += 1;
                continue;
            }
            conn.execute(
                "UPDATE survey_invitations SET state = 'queued', sent_at = $1, expires_at = $2 WHERE id = $3",
                &[Value::Time(now), Value::Time(now + days(link_days)), Value::Int(due.id)],
            )?;
        } else {
            if state != "queued" || reminders_sent != due.reminder - 1 {
                continue;
            }
            conn.execute(
                "UPDATE survey_invitations SET reminders_sent = $1 WHERE id = $2",
                &[Value::Int(due.reminder), Value::Int(due.id)],
            )?;
            if !survey_live {
                outcome.skipped += 1;
                continue;
            }
        }
        match send {
            InvitationSend::Queue(message) => {
                outbox::enqueue(conn, message, now)?;
                outcome.queued += 1;
            }
            InvitationSend::Skip(_) => outcome.skipped += 1,
        }
    }
    Ok(outcome)
}

/// Whether the customer of `due` was invited to its survey after `after` (by another invitation).
fn invited_lately(conn: &mut dyn Conn, due: &DueInvitation, after: Timestamp) -> Result<bool, StoreError> {
    Ok(conn
        .query_opt(
            "SELECT 1 FROM survey_invitations WHERE survey_id = $1 AND customer_id = $2 AND id <> $3 \
             AND state IN ('queued', 'answered') AND sent_at > $4 LIMIT 1",
            &[
                Value::Int(due.survey_id),
                Value::Int(due.customer_id.0),
                Value::Int(due.id),
                Value::Time(after),
            ],
        )?
        .is_some())
}

/// Stores the hashes of freshly minted links.
pub(crate) fn add_tokens(
    conn: &mut dyn Conn,
    tokens: &[(i64, String)],
    now: Timestamp,
) -> Result<(), StoreError> {
    for (invitation_id, hash) in tokens {
        conn.execute(
            "INSERT INTO survey_tokens (token_hash, invitation_id, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (token_hash) DO NOTHING",
            &[Value::from(hash.as_str()), Value::Int(*invitation_id), Value::Time(now)],
        )?;
    }
    Ok(())
}

/// The invitation a link's token hash belongs to.
pub(crate) fn link(conn: &mut dyn Conn, token_hash: &str) -> Result<Option<InvitationLink>, StoreError> {
    conn.query_opt(
        "SELECT i.id, i.survey_id, i.customer_id, i.state, i.expires_at, c.language FROM survey_tokens t \
         JOIN survey_invitations i ON i.id = t.invitation_id JOIN customers c ON c.id = i.customer_id \
         WHERE t.token_hash = $1",
        &[Value::from(token_hash)],
    )?
    .map(|row| {
        Ok(InvitationLink {
            invitation_id: row.int(0)?,
            survey_id: row.int(1)?,
            customer_id: CustomerId(row.int(2)?),
            answered: row.text(3)? == "answered",
            expires_at: row.opt_time(4)?,
            language: row.opt_text(5)?,
        })
    })
    .transpose()
}

fn owner_condition(owner: &ResponseOwner) -> (&'static str, Value) {
    match owner {
        ResponseOwner::Invitation(id) => ("r.invitation_id", Value::Int(*id)),
        ResponseOwner::Visitor(hash) => ("r.resume_hash", Value::from(hash.as_str())),
    }
}

/// The response of an invitation or a visitor, begun or submitted.
pub(crate) fn response_of(
    conn: &mut dyn Conn,
    owner: &ResponseOwner,
) -> Result<Option<StoredResponse>, StoreError> {
    let (column, value) = owner_condition(owner);
    conn.query_opt(
        &format!("SELECT {RESPONSE_COLUMNS} FROM survey_responses r WHERE {column} = $1"),
        &[value],
    )?
    .map(|row| response_from_row(&row))
    .transpose()
}

fn response_from_row(row: &Row) -> Result<StoredResponse, StoreError> {
    Ok(StoredResponse {
        id: row.int(0)?,
        survey_id: row.int(1)?,
        version: row.int(2)?,
        customer_id: row.opt_int(3)?.map(CustomerId),
        channel: ResponseChannel::parse(&row.text(4)?)?,
        language: row.text(5)?,
        answers: row.text(6)?,
        next_page: row.int(7)?,
        started_at: row.time(8)?,
        submitted_at: row.opt_time(9)?,
    })
}

/// Keeps a page of answers: begins the response or updates it, and submits it when asked. A
/// submitted response takes no more: a [`StoreError::Conflict`].
pub(crate) fn save_response(
    conn: &mut dyn Conn,
    write: &ResponseWrite<'_>,
    now: Timestamp,
) -> Result<StoredResponse, StoreError> {
    let (invitation, resume) = match &write.owner {
        ResponseOwner::Invitation(id) => (Some(*id), None),
        ResponseOwner::Visitor(hash) => (None, Some(hash.as_str())),
    };
    if let Some(id) = invitation {
        let answered = conn
            .query_opt("SELECT state FROM survey_invitations WHERE id = $1", &[Value::Int(id)])?
            .ok_or_else(|| StoreError::NotFound(format!("invitation {id}")))?
            .text(0)?
            == "answered";
        if answered {
            return Err(already_answered());
        }
    }
    let submitted_at = write.submit.then_some(now);
    let inserted = conn.query_opt(
        "INSERT INTO survey_responses (survey_id, version, invitation_id, customer_id, channel, language, answers, \
         next_page, resume_hash, started_at, updated_at, submitted_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11) ON CONFLICT DO NOTHING RETURNING id",
        &[
            Value::Int(write.survey_id),
            Value::Int(write.version),
            Value::from(invitation),
            Value::from(write.customer_id.map(|c| c.0)),
            Value::from(write.channel.as_str()),
            Value::from(write.language),
            Value::from(write.answers),
            Value::Int(write.next_page),
            Value::from(resume),
            Value::Time(now),
            Value::from(submitted_at),
        ],
    )?;
    if inserted.is_none() {
        let (column, value) = owner_condition(&write.owner);
        let column = column.trim_start_matches("r.");
        let updated = conn.execute(
            &format!(
                "UPDATE survey_responses SET answers = $1, next_page = $2, updated_at = $3, submitted_at = $4 \
                 WHERE {column} = $5 AND submitted_at IS NULL"
            ),
            &[Value::from(write.answers), Value::Int(write.next_page), Value::Time(now), Value::from(submitted_at), value],
        )?;
        if updated == 0 {
            return Err(already_answered());
        }
    }
    if let (Some(id), true) = (invitation, write.submit) {
        conn.execute("UPDATE survey_invitations SET state = 'answered' WHERE id = $1", &[Value::Int(id)])?;
    }
    let kept = response_of(conn, &write.owner)?
        .ok_or_else(|| StoreError::Other("a response just kept is gone".into()))?;
    if let (true, Some(effects)) = (write.submit, write.on_submit) {
        crate::survey_alerts::apply(conn, write.survey_id, kept.id, write.customer_id, effects, now)?;
    }
    Ok(kept)
}

fn already_answered() -> StoreError {
    StoreError::Conflict("this survey has been answered already".to_string())
}

/// Streams the submitted responses of a survey (of one version, or of all), oldest first.
pub(crate) fn for_each_submitted(
    conn: &mut dyn Conn,
    survey_id: i64,
    version: Option<i64>,
    each: &mut dyn FnMut(StoredResponse) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut params = vec![Value::Int(survey_id)];
    let mut sql = format!(
        "SELECT {RESPONSE_COLUMNS} FROM survey_responses r WHERE r.survey_id = $1 AND r.submitted_at IS NOT NULL"
    );
    if let Some(version) = version {
        sql.push_str(" AND r.version = $2");
        params.push(Value::Int(version));
    }
    sql.push_str(" ORDER BY r.submitted_at, r.id");
    conn.for_each_row(&sql, &params, &mut |row| each(response_from_row(row)?))
}

/// A customer's submitted responses, newest first.
pub(crate) fn of_customer(
    conn: &mut dyn Conn,
    customer: CustomerId,
) -> Result<Vec<CustomerResponse>, StoreError> {
    conn.query(
        &format!(
            "SELECT {RESPONSE_COLUMNS}, s.name FROM survey_responses r JOIN surveys s ON s.id = r.survey_id \
             WHERE r.customer_id = $1 AND r.submitted_at IS NOT NULL ORDER BY r.submitted_at DESC, r.id DESC"
        ),
        &[Value::Int(customer.0)],
    )?
    .iter()
    .map(|row| Ok(CustomerResponse { survey_name: row.text(10)?, response: response_from_row(row)? }))
    .collect()
}

/// The customers with an identity in `source`.
pub(crate) fn customers_of_source(conn: &mut dyn Conn, source: &str) -> Result<Vec<CustomerId>, StoreError> {
    conn.query(
        "SELECT DISTINCT i.customer_id FROM identities i JOIN sources s ON s.id = i.source_id WHERE s.name = $1",
        &[Value::from(source)],
    )?
    .iter()
    .map(|row| Ok(CustomerId(row.int(0)?)))
    .collect()
}

/// The customers who bought an item named `product` or with that SKU (compared without case).
pub(crate) fn customers_who_bought(
    conn: &mut dyn Conn,
    product: &str,
) -> Result<Vec<CustomerId>, StoreError> {
    // The items are JSON text: a substring match narrows the scan, the exact match is made here.
    let pattern = format!("%{}%", product.replace(['%', '_'], ""));
    let rows = conn.query(
        "SELECT DISTINCT customer_id, items FROM orders WHERE LOWER(items) LIKE LOWER($1)",
        &[Value::from(pattern.as_str())],
    )?;
    let trigger = PurchaseTrigger { delay_days: 0, source: None, product: Some(product.to_string()) };
    let mut customers = Vec::new();
    for row in &rows {
        if trigger_matches(&trigger, "", &row.text(1)?) {
            customers.push(CustomerId(row.int(0)?));
        }
    }
    customers.sort();
    customers.dedup();
    Ok(customers)
}
