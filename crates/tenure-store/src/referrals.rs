//! Referrals: who referred whom, and what became of the reward (and the survey responses that
//! earn points, the other engagement the programme rewards). A customer is referred once
//! (`UNIQUE (referred_id)`); a decision names the status it expects to change, so two reviewers
//! (or a reviewer and the nightly job) cannot both decide one referral.

use tenure_domain::{CustomerId, Timestamp};

use crate::sql::{Conn, Row, Value};
use crate::{Contact, FirstPaidOrder, Referral, ReferralDecision, ReferralStatus, StoreError, revision};

const COLUMNS: &str = "r.id, r.referrer_id, a.name, a.email, r.referred_id, b.name, b.email, r.status, r.reasons, \
     r.order_id, r.created_at, r.decided_at, r.decided_by";
const FROM: &str =
    "referrals r JOIN customers a ON a.id = r.referrer_id JOIN customers b ON b.id = r.referred_id";

fn from_row(row: &Row) -> Result<Referral, StoreError> {
    let status = row.text(7)?;
    Ok(Referral {
        id: row.int(0)?,
        referrer: Contact { id: CustomerId(row.int(1)?), name: row.opt_text(2)?, email: row.opt_text(3)? },
        referred: Contact { id: CustomerId(row.int(4)?), name: row.opt_text(5)?, email: row.opt_text(6)? },
        status: ReferralStatus::parse(&status)
            .ok_or_else(|| StoreError::Other(format!("a referral with status `{status}`")))?,
        reasons: row.text(8)?,
        order_id: row.opt_int(9)?,
        created_at: row.time(10)?,
        decided_at: row.opt_time(11)?,
        decided_by: row.opt_text(12)?,
    })
}

/// Records that `referred` used `referrer`'s code at `at`.
pub(crate) fn add(
    conn: &mut dyn Conn,
    referrer: CustomerId,
    referred: CustomerId,
    at: Timestamp,
) -> Result<Referral, StoreError> {
    if referrer == referred {
        return Err(StoreError::Invalid(format!("customer {} cannot refer themselves", referred.0)));
    }
    for customer in [referrer, referred] {
        if conn.query_opt("SELECT 1 FROM customers WHERE id = $1", &[Value::Int(customer.0)])?.is_none() {
            return Err(StoreError::NotFound(format!("customer {}", customer.0)));
        }
    }
    if let Some(earlier) =
        conn.query_opt("SELECT referrer_id FROM referrals WHERE referred_id = $1", &[Value::Int(referred.0)])?
    {
        return Err(StoreError::Conflict(format!(
            "customer {} was already referred, by customer {}",
            referred.0,
            earlier.int(0)?
        )));
    }
    let id = conn
        .query_one(
            "INSERT INTO referrals (referrer_id, referred_id, created_at) VALUES ($1, $2, $3) RETURNING id",
            &[Value::Int(referrer.0), Value::Int(referred.0), Value::Time(at)],
        )?
        .int(0)?;
    find(conn, id)
}

/// One referral.
pub(crate) fn find(conn: &mut dyn Conn, id: i64) -> Result<Referral, StoreError> {
    let row = conn
        .query_opt(&format!("SELECT {COLUMNS} FROM {FROM} WHERE r.id = $1"), &[Value::Int(id)])?
        .ok_or_else(|| StoreError::NotFound(format!("referral {id}")))?;
    from_row(&row)
}

/// The referral of `referred`, if someone referred them.
pub(crate) fn of_referred(conn: &mut dyn Conn, referred: CustomerId) -> Result<Option<Referral>, StoreError> {
    conn.query_opt(
        &format!("SELECT {COLUMNS} FROM {FROM} WHERE r.referred_id = $1"),
        &[Value::Int(referred.0)],
    )?
    .as_ref()
    .map(from_row)
    .transpose()
}

/// Referrals, newest first, of one status or all.
pub(crate) fn list(
    conn: &mut dyn Conn,
    status: Option<ReferralStatus>,
    limit: usize,
) -> Result<Vec<Referral>, StoreError> {
    let limit = Value::Int(i64::try_from(limit).unwrap_or(i64::MAX));
    let rows = match status {
        Some(status) => conn.query(
            &format!("SELECT {COLUMNS} FROM {FROM} WHERE r.status = $1 ORDER BY r.created_at DESC, r.id DESC LIMIT $2"),
            &[Value::from(status.as_str()), limit],
        )?,
        None => conn.query(
            &format!("SELECT {COLUMNS} FROM {FROM} ORDER BY r.created_at DESC, r.id DESC LIMIT $1"),
            &[limit],
        )?,
    };
    rows.iter().map(from_row).collect()
}

/// Every `(referrer, referred)` pair, for the loop check.
pub(crate) fn links(conn: &mut dyn Conn) -> Result<Vec<(CustomerId, CustomerId)>, StoreError> {
    conn.query("SELECT referrer_id, referred_id FROM referrals", &[])?
        .iter()
        .map(|row| Ok((CustomerId(row.int(0)?), CustomerId(row.int(1)?))))
        .collect()
}

/// When `referrer`'s referral rewards were paid or held, for the burst check.
pub(crate) fn reward_times(conn: &mut dyn Conn, referrer: CustomerId) -> Result<Vec<Timestamp>, StoreError> {
    conn.query(
        "SELECT decided_at FROM referrals WHERE referrer_id = $1 AND status IN ('paid', 'held') \
         AND decided_at IS NOT NULL",
        &[Value::Int(referrer.0)],
    )?
    .iter()
    .map(|row| row.time(0))
    .collect()
}

/// The customer's first order that was paid (refunded ones included), if any.
pub(crate) fn first_paid_order(
    conn: &mut dyn Conn,
    customer: CustomerId,
) -> Result<Option<FirstPaidOrder>, StoreError> {
    let row = conn.query_opt(
        "SELECT id, placed_at, currency, total_minor, refunded_minor FROM orders WHERE customer_id = $1 \
         AND status IN ('paid', 'partially_refunded', 'refunded') ORDER BY placed_at, id LIMIT 1",
        &[Value::Int(customer.0)],
    )?;
    row.map(|row| {
        Ok(FirstPaidOrder {
            order_id: row.int(0)?,
            placed_at: row.time(1)?,
            currency: row.text(2)?,
            total_minor: row.int(3)?,
            refunded_minor: row.int(4)?,
        })
    })
    .transpose()
}

/// Per referrer, how many of the customers they referred were rewarded (bought and passed the
/// checks): their influence.
pub(crate) fn paid_by_referrer(conn: &mut dyn Conn) -> Result<Vec<(CustomerId, u32)>, StoreError> {
    conn.query("SELECT referrer_id, COUNT(*) FROM referrals WHERE status = 'paid' GROUP BY referrer_id", &[])?
        .iter()
        .map(|row| Ok((CustomerId(row.int(0)?), u32::try_from(row.int(1)?).unwrap_or(u32::MAX))))
        .collect()
}

/// Writes a decision; `Conflict` when the referral no longer has the status it expects. A paid
/// referral changes what segments read (the referrer's influence), so it raises the revision.
pub(crate) fn decide(
    conn: &mut dyn Conn,
    decision: &ReferralDecision,
    now: Timestamp,
) -> Result<(), StoreError> {
    let changed = conn.execute(
        "UPDATE referrals SET status = $1, reasons = $2, order_id = $3, decided_at = $4, decided_by = $5 \
         WHERE id = $6 AND status = $7",
        &[
            Value::from(decision.to.as_str()),
            Value::from(decision.reasons.as_str()),
            Value::from(decision.order_id),
            Value::Time(now),
            Value::from(decision.decided_by.as_deref()),
            Value::Int(decision.referral_id),
            Value::from(decision.from.as_str()),
        ],
    )?;
    if changed == 0 {
        return Err(StoreError::Conflict(format!(
            "referral {} is no longer {}: someone decided it meanwhile",
            decision.referral_id,
            decision.from.as_str()
        )));
    }
    if decision.to == ReferralStatus::Paid {
        revision::bump(conn)?;
    }
    Ok(())
}

/// Survey responses submitted by known customers at or after `since`, by submission time then
/// id, after `(time, id)` `after`: `(response, customer, submitted_at)`.
pub(crate) fn submitted_responses(
    conn: &mut dyn Conn,
    after: (Timestamp, i64),
    limit: usize,
) -> Result<Vec<(i64, CustomerId, Timestamp)>, StoreError> {
    conn.query(
        "SELECT id, customer_id, submitted_at FROM survey_responses WHERE submitted_at IS NOT NULL \
         AND customer_id IS NOT NULL AND (submitted_at > $1 OR (submitted_at = $1 AND id > $2)) \
         ORDER BY submitted_at, id LIMIT $3",
        &[Value::Time(after.0), Value::Int(after.1), Value::Int(i64::try_from(limit).unwrap_or(i64::MAX))],
    )?
    .iter()
    .map(|row| Ok((row.int(0)?, CustomerId(row.int(1)?), row.time(2)?)))
    .collect()
}
