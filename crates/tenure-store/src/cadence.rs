//! Cadence: the rules that say how long a customer may go without an interaction, each
//! customer's own settings (keep in touch every N days, a snooze, an owner), and the alerts —
//! one per silence, with its e-mail and follow-up written in the same transaction.

use tenure_domain::{CustomerId, Timestamp};

use crate::sql::{Conn, Row, Value};
use crate::{
    AlertNotifier, CadenceAlert, CadenceRuleInfo, ContactDates, ContactSettings, NewCadenceAlert,
    NewCadenceRule, StoreError, followups, outbox,
};

/// Writes a rule; returns its id.
pub(crate) fn add_rule(
    conn: &mut dyn Conn,
    rule: &NewCadenceRule,
    now: Timestamp,
) -> Result<i64, StoreError> {
    conn.query_one(
        "INSERT INTO cadence_rules (audience, quiet_days, owner_id, follow_up, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
        &[
            Value::from(rule.audience.as_str()),
            Value::Int(i64::from(rule.quiet_days)),
            Value::from(rule.owner_id),
            Value::Bool(rule.follow_up),
            Value::Time(now),
        ],
    )?
    .int(0)
}

/// The live rules, by id.
pub(crate) fn rules(conn: &mut dyn Conn) -> Result<Vec<CadenceRuleInfo>, StoreError> {
    conn.query(
        "SELECT r.id, r.audience, r.quiet_days, r.owner_id, u.email, r.follow_up FROM cadence_rules r \
         LEFT JOIN users u ON u.id = r.owner_id WHERE r.removed_at IS NULL ORDER BY r.id",
        &[],
    )?
    .iter()
    .map(|row| {
        Ok(CadenceRuleInfo {
            id: row.int(0)?,
            audience: row.text(1)?,
            quiet_days: u32::try_from(row.int(2)?).unwrap_or(u32::MAX),
            owner_id: row.opt_int(3)?,
            owner_email: row.opt_text(4)?,
            follow_up: row.opt_bool(5)?.unwrap_or(false),
        })
    })
    .collect()
}

/// Ends a rule (its alerts stay).
pub(crate) fn remove_rule(conn: &mut dyn Conn, id: i64, now: Timestamp) -> Result<(), StoreError> {
    let changed = conn.execute(
        "UPDATE cadence_rules SET removed_at = $1 WHERE id = $2 AND removed_at IS NULL",
        &[Value::Time(now), Value::Int(id)],
    )?;
    if changed == 0 {
        return Err(StoreError::NotFound(format!("cadence rule {id}")));
    }
    Ok(())
}

const CONTACT_COLUMNS: &str =
    "customer_id, last_inbound, last_outbound, last_any, keep_in_touch_days, snoozed_until, owner_id";

fn contact_from_row(row: &Row) -> Result<ContactDates, StoreError> {
    Ok(ContactDates {
        customer_id: CustomerId(row.int(0)?),
        last_inbound: row.opt_time(1)?,
        last_outbound: row.opt_time(2)?,
        last_any: row.opt_time(3)?,
        keep_in_touch_days: row.opt_int(4)?.and_then(|d| u32::try_from(d).ok()),
        snoozed_until: row.opt_time(5)?,
        owner_id: row.opt_int(6)?,
    })
}

/// One customer's contact dates and settings (all empty when nothing was ever logged or set).
pub(crate) fn contact(conn: &mut dyn Conn, customer: CustomerId) -> Result<ContactDates, StoreError> {
    let row = conn.query_opt(
        &format!("SELECT {CONTACT_COLUMNS} FROM customer_contacts WHERE customer_id = $1"),
        &[Value::Int(customer.0)],
    )?;
    match row {
        Some(row) => contact_from_row(&row),
        None => Ok(ContactDates {
            customer_id: customer,
            last_inbound: None,
            last_outbound: None,
            last_any: None,
            keep_in_touch_days: None,
            snoozed_until: None,
            owner_id: None,
        }),
    }
}

/// Streams every customer's contact row (customers never contacted and never set have none).
pub(crate) fn for_each_contact(
    conn: &mut dyn Conn,
    each: &mut dyn FnMut(ContactDates) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let sql = format!("SELECT {CONTACT_COLUMNS} FROM customer_contacts ORDER BY customer_id");
    conn.for_each_row(&sql, &[], &mut |row| each(contact_from_row(row)?))
}

/// Changes a customer's contact settings.
pub(crate) fn set_contact(
    conn: &mut dyn Conn,
    customer: CustomerId,
    settings: &ContactSettings,
) -> Result<ContactDates, StoreError> {
    let exists = conn.query_opt("SELECT id FROM customers WHERE id = $1", &[Value::Int(customer.0)])?;
    if exists.is_none() {
        return Err(StoreError::NotFound(format!("customer {customer}")));
    }
    conn.execute(
        "INSERT INTO customer_contacts (customer_id) VALUES ($1) ON CONFLICT (customer_id) DO NOTHING",
        &[Value::Int(customer.0)],
    )?;
    if let Some(days) = settings.keep_in_touch_days {
        conn.execute(
            "UPDATE customer_contacts SET keep_in_touch_days = $1 WHERE customer_id = $2",
            &[Value::from(days.map(i64::from)), Value::Int(customer.0)],
        )?;
    }
    if let Some(until) = settings.snoozed_until {
        conn.execute(
            "UPDATE customer_contacts SET snoozed_until = $1 WHERE customer_id = $2",
            &[Value::from(until), Value::Int(customer.0)],
        )?;
    }
    if let Some(owner) = settings.owner_id {
        conn.execute(
            "UPDATE customer_contacts SET owner_id = $1 WHERE customer_id = $2",
            &[Value::from(owner), Value::Int(customer.0)],
        )?;
    }
    contact(conn, customer)
}

/// Records silence alerts; a silence alerted before writes nothing. A new alert's follow-up is
/// written with it, and the messages `notify` makes of the new alerts (their indices in `alerts`)
/// in the same transaction. Returns the new alerts: their indices in `alerts` and their ids.
pub(crate) fn record_alerts(
    conn: &mut dyn Conn,
    alerts: &[NewCadenceAlert],
    notify: &AlertNotifier<'_>,
    now: Timestamp,
) -> Result<Vec<(usize, i64)>, StoreError> {
    let mut written = Vec::new();
    let mut new = Vec::new();
    for (index, alert) in alerts.iter().enumerate() {
        let row = conn.query_opt(
            "INSERT INTO cadence_alerts (customer_id, silent_since, cause, quiet_days, owner_id, value_at_risk, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (customer_id, silent_since) DO NOTHING RETURNING id",
            &[
                Value::Int(alert.customer_id.0),
                Value::Time(alert.silent_since),
                Value::from(alert.cause.as_str()),
                Value::Int(i64::from(alert.quiet_days)),
                Value::from(alert.owner_id),
                Value::from(alert.value_at_risk),
                Value::Time(now),
            ],
        )?;
        let Some(row) = row else { continue };
        let id = row.int(0)?;
        if let Some(follow_up) = &alert.follow_up {
            followups::add(conn, follow_up, Some(id), now)?;
        }
        written.push((index, id));
        new.push(index);
    }
    if !new.is_empty() {
        for message in notify(&new)? {
            outbox::enqueue(conn, &message, now)?;
        }
    }
    Ok(written)
}

/// The latest alerts, newest first.
pub(crate) fn alerts(conn: &mut dyn Conn, limit: usize) -> Result<Vec<CadenceAlert>, StoreError> {
    conn.query(
        "SELECT a.id, a.customer_id, c.name, a.silent_since, a.cause, a.quiet_days, u.email, a.value_at_risk, \
         a.created_at FROM cadence_alerts a JOIN customers c ON c.id = a.customer_id \
         LEFT JOIN users u ON u.id = a.owner_id ORDER BY a.created_at DESC, a.id DESC LIMIT $1",
        &[Value::Int(i64::try_from(limit).unwrap_or(i64::MAX))],
    )?
    .iter()
    .map(|row| {
        Ok(CadenceAlert {
            id: row.int(0)?,
            customer_id: CustomerId(row.int(1)?),
            customer_name: row.opt_text(2)?,
            silent_since: row.time(3)?,
            cause: row.text(4)?,
            quiet_days: u32::try_from(row.int(5)?).unwrap_or(u32::MAX),
            owner_email: row.opt_text(6)?,
            value_at_risk: row.opt_float(7)?,
            created_at: row.time(8)?,
        })
    })
    .collect()
}
