//! Closing the loop on bad answers: alert rules per survey, and the follow-up cases they open.
//! A rule's effects — e-mails, `survey.alert` events, a case — are written in the transaction that
//! submits the response ([`apply`]), so a response is never alerted twice nor without a trace.

use tenure_domain::{CustomerId, Timestamp};

use crate::sql::{Conn, Row, Value};
use crate::{
    AlertKind, AlertRule, Case, CaseOutcome, NewAlertRule, StoreError, SubmitEffects, Testimonial, outbox,
    subscriptions,
};

/// Writes a rule; returns its id.
pub(crate) fn add_rule(
    conn: &mut dyn Conn,
    survey_id: i64,
    rule: &NewAlertRule,
    now: Timestamp,
) -> Result<i64, StoreError> {
    conn.query_one(
        "INSERT INTO survey_alert_rules (survey_id, kind, question, threshold, notify_email, notify_webhook, \
         open_case, case_owner, case_due_days, invite_survey, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        &[
            Value::Int(survey_id),
            Value::from(rule.kind.as_str()),
            Value::from(rule.question.as_deref()),
            Value::from(rule.threshold),
            Value::from(rule.notify_email.as_deref()),
            Value::from(rule.notify_webhook),
            Value::from(rule.open_case),
            Value::from(rule.case_owner.as_deref()),
            Value::Int(rule.case_due_days),
            Value::from(rule.invite_survey),
            Value::Time(now),
        ],
    )?
    .int(0)
}

/// The live rules of a survey.
pub(crate) fn rules(conn: &mut dyn Conn, survey_id: i64) -> Result<Vec<AlertRule>, StoreError> {
    conn.query(
        "SELECT id, survey_id, kind, question, threshold, notify_email, notify_webhook, open_case, case_owner, \
         case_due_days, invite_survey FROM survey_alert_rules WHERE survey_id = $1 AND removed_at IS NULL ORDER BY id",
        &[Value::Int(survey_id)],
    )?
    .iter()
    .map(|row| {
        let kind = row.text(2)?;
        Ok(AlertRule {
            id: row.int(0)?,
            survey_id: row.int(1)?,
            kind: AlertKind::parse(&kind).ok_or_else(|| StoreError::Other(format!("unknown alert kind `{kind}`")))?,
            question: row.opt_text(3)?,
            threshold: row.opt_int(4)?,
            notify_email: row.opt_text(5)?,
            notify_webhook: row.opt_bool(6)?.unwrap_or(false),
            open_case: row.opt_bool(7)?.unwrap_or(false),
            case_owner: row.opt_text(8)?,
            case_due_days: row.int(9)?,
            invite_survey: row.opt_int(10)?,
        })
    })
    .collect()
}

/// Ends a rule (its cases stay).
pub(crate) fn remove_rule(conn: &mut dyn Conn, id: i64, now: Timestamp) -> Result<(), StoreError> {
    let changed = conn.execute(
        "UPDATE survey_alert_rules SET removed_at = $1 WHERE id = $2 AND removed_at IS NULL",
        &[Value::Time(now), Value::Int(id)],
    )?;
    if changed == 0 {
        return Err(StoreError::NotFound(format!("alert rule {id}")));
    }
    Ok(())
}

/// Writes what submitting response `response_id` sets off.
pub(crate) fn apply(
    conn: &mut dyn Conn,
    survey_id: i64,
    response_id: i64,
    customer: Option<CustomerId>,
    effects: &SubmitEffects,
    now: Timestamp,
) -> Result<(), StoreError> {
    for message in &effects.messages {
        outbox::enqueue(conn, message, now)?;
    }
    for event in &effects.events {
        subscriptions::emit(conn, event, now)?;
    }
    for (invite_survey, invitation) in &effects.invitations {
        crate::surveys::invite(conn, *invite_survey, std::slice::from_ref(invitation), now)?;
    }
    for testimonial in &effects.testimonials {
        conn.execute(
            "INSERT INTO testimonials (survey_id, response_id, question, customer_id, text, publish, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (response_id, question) DO NOTHING",
            &[
                Value::Int(survey_id),
                Value::Int(response_id),
                Value::from(testimonial.question.as_str()),
                Value::from(customer.map(|c| c.0)),
                Value::from(testimonial.text.as_str()),
                Value::from(testimonial.publish.as_deref()),
                Value::Time(now),
            ],
        )?;
    }
    for case in &effects.cases {
        let opened = conn.execute(
            "INSERT INTO survey_cases (survey_id, response_id, rule_id, customer_id, reason, owner, due_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (response_id, rule_id) DO NOTHING",
            &[
                Value::Int(survey_id),
                Value::Int(response_id),
                Value::Int(case.rule_id),
                Value::from(customer.map(|c| c.0)),
                Value::from(case.reason.as_str()),
                Value::from(case.owner.as_deref()),
                Value::Time(case.due_at),
                Value::Time(now),
            ],
        )?;
        if let (1, Some(uid), Some(owner)) = (opened, &case.followup_uid, &case.owner) {
            case_follow_up(conn, response_id, case, uid, owner, customer, now)?;
        }
    }
    Ok(())
}

/// The follow-up of a case just opened, for its owner when they are a dashboard user (an owner
/// that is a team address gets the alert e-mail only), reminded an hour before it is due.
fn case_follow_up(
    conn: &mut dyn Conn,
    response_id: i64,
    case: &crate::NewCase,
    uid: &str,
    owner: &str,
    customer: Option<CustomerId>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let remind_at = (case.due_at - chrono::Duration::hours(1)).max(now);
    conn.execute(
        "INSERT INTO followups (uid, customer_id, owner_id, title, due_at, remind_minutes, remind_at, origin, case_id, \
         created_by, created_at, updated_at) \
         SELECT $1, $2, u.id, $3, $4, 60, $5, 'case', c.id, 'survey alert', $6, $6 \
         FROM users u JOIN survey_cases c ON c.response_id = $7 AND c.rule_id = $8 WHERE u.email = $9 \
         ON CONFLICT DO NOTHING",
        &[
            Value::from(uid),
            Value::from(customer.map(|c| c.0)),
            Value::from(format!("Follow up a survey answer: {}", case.reason).as_str()),
            Value::Time(case.due_at),
            Value::Time(remind_at),
            Value::Time(now),
            Value::Int(response_id),
            Value::Int(case.rule_id),
            Value::from(owner.trim().to_lowercase().as_str()),
        ],
    )?;
    Ok(())
}

const CASE_COLUMNS: &str = "c.id, s.name, c.response_id, c.customer_id, c.reason, c.owner, c.status, c.outcome, \
     c.notes, c.due_at, c.created_at, c.closed_at";

fn case_from_row(row: &Row) -> Result<Case, StoreError> {
    let outcome = row.opt_text(7)?;
    Ok(Case {
        id: row.int(0)?,
        survey: row.text(1)?,
        response_id: row.int(2)?,
        customer_id: row.opt_int(3)?.map(CustomerId),
        reason: row.text(4)?,
        owner: row.opt_text(5)?,
        status: row.text(6)?,
        outcome: outcome.as_deref().and_then(CaseOutcome::parse),
        notes: row.text(8)?,
        due_at: row.time(9)?,
        created_at: row.time(10)?,
        closed_at: row.opt_time(11)?,
    })
}

/// Cases, open ones first by due date, then closed ones newest first; at most `limit`.
pub(crate) fn cases(conn: &mut dyn Conn, open_only: bool, limit: usize) -> Result<Vec<Case>, StoreError> {
    let filter = if open_only { "WHERE c.status = 'open'" } else { "" };
    conn.query(
        &format!(
            "SELECT {CASE_COLUMNS} FROM survey_cases c JOIN surveys s ON s.id = c.survey_id {filter} \
             ORDER BY CASE WHEN c.status = 'open' THEN 0 ELSE 1 END, \
             CASE WHEN c.status = 'open' THEN c.due_at END, c.closed_at DESC, c.id LIMIT $1"
        ),
        &[Value::Int(i64::try_from(limit).unwrap_or(i64::MAX))],
    )?
    .iter()
    .map(case_from_row)
    .collect()
}

/// One case.
pub(crate) fn case(conn: &mut dyn Conn, id: i64) -> Result<Case, StoreError> {
    let row = conn
        .query_opt(
            &format!("SELECT {CASE_COLUMNS} FROM survey_cases c JOIN surveys s ON s.id = c.survey_id WHERE c.id = $1"),
            &[Value::Int(id)],
        )?
        .ok_or_else(|| StoreError::NotFound(format!("case {id}")))?;
    case_from_row(&row)
}

/// Closes a case with its outcome, adding `note` to its notes.
pub(crate) fn close(
    conn: &mut dyn Conn,
    id: i64,
    outcome: CaseOutcome,
    note: &str,
    now: Timestamp,
) -> Result<Case, StoreError> {
    let current = case(conn, id)?;
    if current.status == "closed" {
        return Err(StoreError::Conflict(format!("case {id} is closed already")));
    }
    let notes = match (current.notes.is_empty(), note.trim().is_empty()) {
        (_, true) => current.notes.clone(),
        (true, false) => note.trim().to_string(),
        (false, false) => format!("{}\n{}", current.notes, note.trim()),
    };
    conn.execute(
        "UPDATE survey_cases SET status = 'closed', outcome = $1, notes = $2, closed_at = $3 WHERE id = $4",
        &[Value::from(outcome.as_str()), Value::from(notes.as_str()), Value::Time(now), Value::Int(id)],
    )?;
    case(conn, id)
}

/// Testimonials, newest first: pending ones only, or all.
pub(crate) fn testimonials(
    conn: &mut dyn Conn,
    pending_only: bool,
    limit: usize,
) -> Result<Vec<Testimonial>, StoreError> {
    let filter = if pending_only { "WHERE t.state = 'pending'" } else { "" };
    conn.query(
        &format!(
            "SELECT t.id, s.name, t.response_id, t.customer_id, c.name, t.text, t.publish, t.state, t.decided_by, \
             t.created_at FROM testimonials t JOIN surveys s ON s.id = t.survey_id \
             LEFT JOIN customers c ON c.id = t.customer_id {filter} ORDER BY t.id DESC LIMIT $1"
        ),
        &[Value::Int(i64::try_from(limit).unwrap_or(i64::MAX))],
    )?
    .iter()
    .map(|row| {
        Ok(Testimonial {
            id: row.int(0)?,
            survey: row.text(1)?,
            response_id: row.int(2)?,
            customer_id: row.opt_int(3)?.map(CustomerId),
            customer_name: row.opt_text(4)?,
            text: row.text(5)?,
            publish: row.opt_text(6)?,
            state: row.text(7)?,
            decided_by: row.opt_text(8)?,
            created_at: row.time(9)?,
        })
    })
    .collect()
}

/// Approves or rejects a pending testimonial.
pub(crate) fn decide(
    conn: &mut dyn Conn,
    id: i64,
    approve: bool,
    by: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    let state = if approve { "approved" } else { "rejected" };
    let changed = conn.execute(
        "UPDATE testimonials SET state = $1, decided_by = $2, decided_at = $3 WHERE id = $4 AND state = 'pending'",
        &[Value::from(state), Value::from(by), Value::Time(now), Value::Int(id)],
    )?;
    if changed == 1 {
        // Approved testimonials count towards influence, which reports read.
        return crate::revision::bump(conn);
    }
    match conn.query_opt("SELECT state FROM testimonials WHERE id = $1", &[Value::Int(id)])? {
        Some(row) => Err(StoreError::Conflict(format!("testimonial {id} is {} already", row.text(0)?))),
        None => Err(StoreError::NotFound(format!("testimonial {id}"))),
    }
}

/// Approved testimonials per customer (their influence, with reviews and referrals later).
pub(crate) fn approved_per_customer(conn: &mut dyn Conn) -> Result<Vec<(CustomerId, u32)>, StoreError> {
    conn.query(
        "SELECT customer_id, COUNT(*) FROM testimonials WHERE state = 'approved' AND customer_id IS NOT NULL \
         GROUP BY customer_id ORDER BY customer_id",
        &[],
    )?
    .iter()
    .map(|row| Ok((CustomerId(row.int(0)?), u32::try_from(row.int(1)?).unwrap_or(u32::MAX))))
    .collect()
}
