//! The loyalty programme's rows: programme versions, accounts, the ledger, the orders the
//! earning job has seen, coupons.
//!
//! **One write per account at a time.** Every change to an account's ledger goes through
//! [`write_accounts`]: it raises the account's `revision` first — an `UPDATE` that holds the row
//! until the transaction ends (PostgreSQL's row lock; SQLite's writers are serialised anyway) —
//! then reads the ledger and lets the caller plan against it. A second writer waits at that
//! `UPDATE` and then reads what the first committed, so two redemptions can never both spend the
//! same points. The ledger's `UNIQUE (customer_id, key, part)` is the second line: an operation
//! planned twice fails instead of counting twice.

use tenure_domain::{CustomerId, Timestamp};

use crate::sql::{Conn, Param, Row, Texts, Value, insert_rows, placeholders};
use crate::{
    AccountSummary, AccountWrite, Coupon, LedgerRow, LoyaltyAccount, LoyaltyTotals, Member, MemberQuery,
    NewCoupon, OrderSeen, OrderToEarn, PlanWrite, StoreError, StoredProgramme, TierState, outbox, referrals,
    subscriptions,
};

/// Attempts at a referral code unused by any other account before giving up (a collision is
/// one in hundreds of thousands at a million members; ten in a row is a broken generator).
const CODE_ATTEMPTS: usize = 10;

const ACCOUNT_COLUMNS: &str = "a.customer_id, a.referral_code, a.balance, a.available, a.owed, a.tier, \
     a.tier_reached_at, a.tier_period_end, a.next_expiry_at, a.next_expiry_points, a.expiry_noticed_for, \
     a.next_due_at, a.birthday, a.revision, a.joined_at";

const ENTRY_COLUMNS: &str = "key, part, at, cause_kind, cause, points, lot, opens, expires_at, pending_until, debt, programme_version";

/// Saves a version of the rules; `Conflict` when that version exists (saved meanwhile by
/// someone else).
pub(crate) fn save_programme(conn: &mut dyn Conn, programme: &StoredProgramme) -> Result<(), StoreError> {
    let inserted = conn.execute(
        "INSERT INTO loyalty_programmes (version, rules, earn_from, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        &[
            Value::Int(programme.version),
            Value::from(programme.rules.as_str()),
            Value::Time(programme.earn_from),
            Value::from(programme.created_by.as_str()),
            Value::Time(programme.created_at),
        ],
    )?;
    if inserted == 0 {
        return Err(StoreError::Conflict(format!(
            "programme version {} was saved by someone else meanwhile; read it and edit again",
            programme.version
        )));
    }
    Ok(())
}

fn programme_from(row: &Row) -> Result<StoredProgramme, StoreError> {
    Ok(StoredProgramme {
        version: row.int(0)?,
        rules: row.text(1)?,
        earn_from: row.time(2)?,
        created_by: row.text(3)?,
        created_at: row.time(4)?,
    })
}

/// Every saved version, newest first (`limit` of them).
pub(crate) fn programmes(conn: &mut dyn Conn, limit: usize) -> Result<Vec<StoredProgramme>, StoreError> {
    conn.query(
        "SELECT version, rules, earn_from, created_by, created_at FROM loyalty_programmes \
         ORDER BY version DESC LIMIT $1",
        &[Value::Int(i64::try_from(limit).unwrap_or(i64::MAX))],
    )?
    .iter()
    .map(programme_from)
    .collect()
}

fn account_from(row: &Row) -> Result<LoyaltyAccount, StoreError> {
    let tier = match (row.opt_text(5)?, row.opt_time(6)?, row.opt_time(7)?) {
        (Some(tier), Some(reached_at), Some(period_end)) => Some(TierState { tier, reached_at, period_end }),
        _ => None,
    };
    Ok(LoyaltyAccount {
        customer_id: CustomerId(row.int(0)?),
        referral_code: row.text(1)?,
        summary: AccountSummary {
            balance: row.int(2)?,
            available: row.int(3)?,
            owed: row.int(4)?,
            tier,
            next_expiry_at: row.opt_time(8)?,
            next_expiry_points: row.int(9)?,
            expiry_noticed_for: row.opt_time(10)?,
            next_due_at: row.opt_time(11)?,
        },
        birthday: row.opt_text(12)?,
        revision: row.int(13)?,
        joined_at: row.time(14)?,
    })
}

/// One account, without holding it.
pub(crate) fn account(
    conn: &mut dyn Conn,
    customer: CustomerId,
) -> Result<Option<LoyaltyAccount>, StoreError> {
    conn.query_opt(
        &format!("SELECT {ACCOUNT_COLUMNS} FROM loyalty_accounts a WHERE a.customer_id = $1"),
        &[Value::Int(customer.0)],
    )?
    .as_ref()
    .map(account_from)
    .transpose()
}

/// The account whose referral code is `code` (in canonical form).
pub(crate) fn account_by_code(conn: &mut dyn Conn, code: &str) -> Result<Option<LoyaltyAccount>, StoreError> {
    conn.query_opt(
        &format!("SELECT {ACCOUNT_COLUMNS} FROM loyalty_accounts a WHERE a.referral_code = $1"),
        &[Value::from(code)],
    )?
    .as_ref()
    .map(account_from)
    .transpose()
}

/// Opens `customer`'s account if it has none, with a referral code from `new_code` that no other
/// account has. `NotFound` for an unknown customer.
fn ensure_account(
    conn: &mut dyn Conn,
    customer: CustomerId,
    new_code: &mut dyn FnMut() -> String,
    now: Timestamp,
) -> Result<(), StoreError> {
    let exists = conn.query_opt(
        "SELECT c.id, a.customer_id FROM customers c LEFT JOIN loyalty_accounts a ON a.customer_id = c.id \
         WHERE c.id = $1",
        &[Value::Int(customer.0)],
    )?;
    match exists {
        None => return Err(StoreError::NotFound(format!("customer {}", customer.0))),
        Some(row) if row.opt_int(1)?.is_some() => return Ok(()),
        Some(_) => {}
    }
    for _ in 0..CODE_ATTEMPTS {
        let inserted = conn.execute(
            "INSERT INTO loyalty_accounts (customer_id, referral_code, joined_at, updated_at) \
             VALUES ($1, $2, $3, $3) ON CONFLICT DO NOTHING",
            &[Value::Int(customer.0), Value::from(new_code()), Value::Time(now)],
        )?;
        if inserted > 0 {
            return Ok(());
        }
        // Nothing inserted: another writer opened it meanwhile, or the code is taken.
        let present = conn
            .query_opt("SELECT 1 FROM loyalty_accounts WHERE customer_id = $1", &[Value::Int(customer.0)])?
            .is_some();
        if present {
            return Ok(());
        }
    }
    Err(StoreError::Other(format!("no unused referral code in {CODE_ATTEMPTS} attempts")))
}

/// Raises the account's revision, which holds its row until the transaction ends, and returns it.
fn hold_account(conn: &mut dyn Conn, customer: CustomerId) -> Result<LoyaltyAccount, StoreError> {
    let row = conn
        .query_opt(
            &format!(
                "UPDATE loyalty_accounts SET revision = revision + 1 WHERE customer_id = $1 RETURNING {}",
                ACCOUNT_COLUMNS.replace("a.", "")
            ),
            &[Value::Int(customer.0)],
        )?
        .ok_or_else(|| StoreError::NotFound(format!("loyalty account {}", customer.0)))?;
    account_from(&row)
}

fn entry_from(row: &Row) -> Result<LedgerRow, StoreError> {
    Ok(LedgerRow {
        key: row.text(0)?,
        part: u32::try_from(row.int(1)?)
            .map_err(|_| StoreError::Other("a ledger part out of range".into()))?,
        at: row.time(2)?,
        cause_kind: row.text(3)?,
        cause: row.text(4)?,
        points: row.int(5)?,
        lot: row.opt_text(6)?,
        opens: row.opt_bool(7)?.unwrap_or(false),
        expires_at: row.opt_time(8)?,
        pending_until: row.opt_time(9)?,
        debt: row.int(10)?,
        programme_version: row.opt_int(11)?,
    })
}

/// An account's ledger, in the order it was appended.
pub(crate) fn entries(conn: &mut dyn Conn, customer: CustomerId) -> Result<Vec<LedgerRow>, StoreError> {
    conn.query(
        &format!("SELECT {ENTRY_COLUMNS} FROM loyalty_entries WHERE customer_id = $1 ORDER BY id"),
        &[Value::Int(customer.0)],
    )?
    .iter()
    .map(entry_from)
    .collect()
}

/// Opens (where needed), holds and plans a write to each account in turn, in the caller's
/// transaction; returns whether each was written (its plan returned a write). The customers
/// must be in ascending order, each once. Ledger rows and seen orders are inserted at the end,
/// many a statement: still inside the transaction, and each account's rows in their order.
pub(crate) fn write_accounts(
    conn: &mut dyn Conn,
    customers: &[CustomerId],
    new_code: &mut dyn FnMut() -> String,
    plan: &mut PlanWrite<'_>,
    now: Timestamp,
) -> Result<Vec<bool>, StoreError> {
    if customers.windows(2).any(|pair| pair[0].0 >= pair[1].0) {
        return Err(StoreError::Invalid(
            "loyalty writes name customers in ascending order, each once".into(),
        ));
    }
    // The ledger and the accounts grow while the earning run fills them, within one session.
    conn.plan_for_current_sizes()?;
    let mut written = Vec::with_capacity(customers.len());
    let mut writes = Vec::new();
    for &customer in customers {
        ensure_account(conn, customer, new_code, now)?;
        let account = hold_account(conn, customer)?;
        let ledger = entries(conn, customer)?;
        match plan(&account, &ledger)? {
            Some(write) => {
                apply(conn, customer, &write, now)?;
                writes.push((customer, write));
                written.push(true);
            }
            None => written.push(false),
        }
    }
    let mut texts = Texts::default();
    insert_entries(conn, &mut texts, &writes, now)?;
    note_orders(conn, &mut texts, &writes, now)?;
    Ok(written)
}

/// Writes one planned change to an account, all but its ledger rows and seen orders.
fn apply(
    conn: &mut dyn Conn,
    customer: CustomerId,
    write: &AccountWrite,
    now: Timestamp,
) -> Result<(), StoreError> {
    update_summary(conn, customer, &write.summary, now)?;
    for coupon in &write.coupons {
        insert_coupon(conn, customer, coupon, now)?;
    }
    for message in &write.messages {
        outbox::enqueue(conn, message, now)?;
    }
    for event in &write.events {
        subscriptions::emit(conn, event, now)?;
    }
    if let Some(decision) = &write.referral {
        referrals::decide(conn, decision, now)?;
    }
    Ok(())
}

const ENTRY_INSERT_COLUMNS: usize = 14;

/// Appends the writes' ledger rows; a row applied before (a key and part the account has) fails
/// the whole transaction.
fn insert_entries(
    conn: &mut dyn Conn,
    texts: &mut Texts,
    writes: &[(CustomerId, AccountWrite)],
    now: Timestamp,
) -> Result<(), StoreError> {
    let mut params = Vec::new();
    for (customer, write) in writes {
        for entry in &write.entries {
            params.extend([
                Param::Int(customer.0),
                Param::Text(&entry.key),
                Param::Int(i64::from(entry.part)),
                Param::Time(entry.at),
                Param::Text(&entry.cause_kind),
                Param::Text(&entry.cause),
                Param::Int(entry.points),
                Param::from(entry.lot.as_deref()),
                Param::Bool(entry.opens),
                entry.expires_at.map_or(Param::Null, Param::Time),
                entry.pending_until.map_or(Param::Null, Param::Time),
                Param::Int(entry.debt),
                entry.programme_version.map_or(Param::Null, Param::Int),
                Param::Time(now),
            ]);
        }
    }
    insert_rows(conn, texts, "loyalty_entries", ENTRY_INSERT_COLUMNS, &params, |rows| {
        format!(
            "INSERT INTO loyalty_entries (customer_id, key, part, at, cause_kind, cause, points, lot, opens, \
             expires_at, pending_until, debt, programme_version, created_at) VALUES {}",
            placeholders(rows, ENTRY_INSERT_COLUMNS, 0)
        )
    })
    .map_err(|error| match error {
        StoreError::Conflict(_) => StoreError::Conflict(
            "a loyalty ledger operation was already applied (planned twice at once)".into(),
        ),
        other => other,
    })?;
    Ok(())
}

const ORDER_SEEN_COLUMNS: usize = 6;

/// Records the orders the writes took into account, with what they saw.
fn note_orders(
    conn: &mut dyn Conn,
    texts: &mut Texts,
    writes: &[(CustomerId, AccountWrite)],
    now: Timestamp,
) -> Result<(), StoreError> {
    let mut params = Vec::new();
    for (customer, write) in writes {
        for seen in &write.orders_seen {
            params.extend([
                Param::Int(seen.order_id),
                Param::Int(customer.0),
                Param::Text(&seen.status),
                Param::Int(seen.refunded_minor),
                Param::Int(seen.points),
                Param::Time(now),
            ]);
        }
    }
    insert_rows(conn, texts, "loyalty_orders", ORDER_SEEN_COLUMNS, &params, |rows| {
        format!(
            "INSERT INTO loyalty_orders (order_id, customer_id, status, refunded_minor, points, seen_at) VALUES {} \
             ON CONFLICT (order_id) DO UPDATE SET status = excluded.status, refunded_minor = excluded.refunded_minor, \
             points = excluded.points, seen_at = excluded.seen_at",
            placeholders(rows, ORDER_SEEN_COLUMNS, 0)
        )
    })?;
    Ok(())
}

fn update_summary(
    conn: &mut dyn Conn,
    customer: CustomerId,
    summary: &AccountSummary,
    now: Timestamp,
) -> Result<(), StoreError> {
    let tier = summary.tier.as_ref();
    conn.execute(
        "UPDATE loyalty_accounts SET balance = $1, available = $2, owed = $3, tier = $4, tier_reached_at = $5, \
         tier_period_end = $6, next_expiry_at = $7, next_expiry_points = $8, expiry_noticed_for = $9, \
         next_due_at = $10, updated_at = $11 WHERE customer_id = $12",
        &[
            Value::Int(summary.balance),
            Value::Int(summary.available),
            Value::Int(summary.owed),
            Value::from(tier.map(|t| t.tier.as_str())),
            Value::from(tier.map(|t| t.reached_at)),
            Value::from(tier.map(|t| t.period_end)),
            Value::from(summary.next_expiry_at),
            Value::Int(summary.next_expiry_points),
            Value::from(summary.expiry_noticed_for),
            Value::from(summary.next_due_at),
            Value::Time(now),
            Value::Int(customer.0),
        ],
    )?;
    Ok(())
}

fn insert_coupon(
    conn: &mut dyn Conn,
    customer: CustomerId,
    coupon: &NewCoupon,
    now: Timestamp,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO loyalty_coupons (code, customer_id, reward_id, reward_name, reward_kind, points, entry_key, \
         issued_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            Value::from(coupon.code.as_str()),
            Value::Int(customer.0),
            Value::from(coupon.reward_id.as_str()),
            Value::from(coupon.reward_name.as_str()),
            Value::from(coupon.reward_kind.as_str()),
            Value::Int(coupon.points),
            Value::from(coupon.entry_key.as_str()),
            Value::Time(now),
        ],
    )?;
    Ok(())
}

/// Orders placed from `earn_from` that the earning job has not seen as they are now, by
/// customer then id, after `(customer, order)` `after`.
pub(crate) fn orders_to_earn(
    conn: &mut dyn Conn,
    earn_from: Timestamp,
    after: (CustomerId, i64),
    limit: usize,
) -> Result<Vec<OrderToEarn>, StoreError> {
    let rows = conn.query(
        "SELECT o.id, o.external_id, o.customer_id, o.placed_at, o.status, o.currency, o.total_minor, \
         o.refunded_minor, l.status, l.refunded_minor, l.points \
         FROM orders o LEFT JOIN loyalty_orders l ON l.order_id = o.id \
         WHERE o.placed_at >= $1 AND (o.customer_id > $2 OR (o.customer_id = $2 AND o.id > $3)) \
         AND (l.order_id IS NULL OR l.status <> o.status OR l.refunded_minor <> o.refunded_minor) \
         ORDER BY o.customer_id, o.id LIMIT $4",
        &[
            Value::Time(earn_from),
            Value::Int(after.0.0),
            Value::Int(after.1),
            Value::Int(i64::try_from(limit).unwrap_or(i64::MAX)),
        ],
    )?;
    rows.iter()
        .map(|row| {
            let order_id = row.int(0)?;
            let seen = match row.opt_text(8)? {
                Some(status) => {
                    Some(OrderSeen { order_id, status, refunded_minor: row.int(9)?, points: row.int(10)? })
                }
                None => None,
            };
            Ok(OrderToEarn {
                order_id,
                external_id: row.text(1)?,
                customer_id: CustomerId(row.int(2)?),
                placed_at: row.time(3)?,
                status: row.text(4)?,
                currency: row.text(5)?,
                total_minor: row.int(6)?,
                refunded_minor: row.int(7)?,
                seen,
            })
        })
        .collect()
}

/// Accounts the nightly job has something to do for at `now`, by customer id after `after`.
pub(crate) fn due_accounts(
    conn: &mut dyn Conn,
    now: Timestamp,
    after: CustomerId,
    limit: usize,
) -> Result<Vec<CustomerId>, StoreError> {
    conn.query(
        "SELECT customer_id FROM loyalty_accounts WHERE next_due_at <= $1 AND customer_id > $2 \
         ORDER BY customer_id LIMIT $3",
        &[Value::Time(now), Value::Int(after.0), Value::Int(i64::try_from(limit).unwrap_or(i64::MAX))],
    )?
    .iter()
    .map(|row| row.int(0).map(CustomerId))
    .collect()
}

/// Members with their names, by a query.
pub(crate) fn members(conn: &mut dyn Conn, query: &MemberQuery) -> Result<Vec<Member>, StoreError> {
    let order = if query.by_balance { "a.balance DESC, a.customer_id" } else { "a.customer_id" };
    let mut params = Vec::new();
    let filter = match &query.tier {
        Some(tier) => {
            params.push(Value::from(tier.as_str()));
            "WHERE a.tier = $1"
        }
        None => "",
    };
    params.push(Value::Int(i64::try_from(query.limit).unwrap_or(i64::MAX)));
    params.push(Value::Int(i64::try_from(query.offset).unwrap_or(i64::MAX)));
    let (limit, offset) = (params.len() - 1, params.len());
    let rows = conn.query(
        &format!(
            "SELECT {ACCOUNT_COLUMNS}, c.name, c.email FROM loyalty_accounts a \
             JOIN customers c ON c.id = a.customer_id {filter} ORDER BY {order} LIMIT ${limit} OFFSET ${offset}"
        ),
        &params,
    )?;
    rows.iter()
        .map(|row| {
            Ok(Member { account: account_from(row)?, name: row.opt_text(15)?, email: row.opt_text(16)? })
        })
        .collect()
}

/// The programme's totals.
pub(crate) fn totals(conn: &mut dyn Conn) -> Result<LoyaltyTotals, StoreError> {
    let sums = conn.query_one(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN balance > 0 THEN balance ELSE 0 END), 0), \
         COALESCE(SUM(balance - available), 0), COALESCE(SUM(owed), 0) FROM loyalty_accounts",
        &[],
    )?;
    let tiers = conn
        .query("SELECT tier, COUNT(*) FROM loyalty_accounts GROUP BY tier ORDER BY COUNT(*) DESC, tier", &[])?
        .iter()
        .map(|row| Ok((row.opt_text(0)?, row.int(1)?)))
        .collect::<Result<Vec<_>, StoreError>>()?;
    let coupons = conn.query_one("SELECT COUNT(*), COUNT(used_at) FROM loyalty_coupons", &[])?;
    Ok(LoyaltyTotals {
        members: sums.int(0)?,
        outstanding: sums.int(1)?,
        pending: sums.int(2)?,
        owed: sums.int(3)?,
        tiers,
        coupons_issued: coupons.int(0)?,
        coupons_used: coupons.int(1)?,
        held_referrals: conn
            .query_one("SELECT COUNT(*) FROM referrals WHERE status = 'held'", &[])?
            .int(0)?,
    })
}

/// Coupons, newest first: one customer's, or all issued since `since`.
pub(crate) fn coupons(
    conn: &mut dyn Conn,
    customer: Option<CustomerId>,
    since: Option<Timestamp>,
    limit: usize,
) -> Result<Vec<Coupon>, StoreError> {
    // The filters are written in only when asked for: PostgreSQL cannot type `$1 IS NULL`.
    let mut conditions = Vec::new();
    let mut params = Vec::new();
    if let Some(customer) = customer {
        params.push(Value::Int(customer.0));
        conditions.push(format!("k.customer_id = ${}", params.len()));
    }
    if let Some(since) = since {
        params.push(Value::Time(since));
        conditions.push(format!("k.issued_at >= ${}", params.len()));
    }
    params.push(Value::Int(i64::try_from(limit).unwrap_or(i64::MAX)));
    let filter =
        if conditions.is_empty() { String::new() } else { format!("WHERE {}", conditions.join(" AND ")) };
    let rows = conn.query(
        &format!(
            "SELECT k.id, k.customer_id, c.email, k.code, k.reward_id, k.reward_name, k.reward_kind, k.points, \
             k.entry_key, k.issued_at, k.used_at FROM loyalty_coupons k JOIN customers c ON c.id = k.customer_id \
             {filter} ORDER BY k.issued_at DESC, k.id DESC LIMIT ${}",
            params.len()
        ),
        &params,
    )?;
    rows.iter()
        .map(|row| {
            Ok(Coupon {
                id: row.int(0)?,
                customer_id: CustomerId(row.int(1)?),
                email: row.opt_text(2)?,
                coupon: NewCoupon {
                    code: row.text(3)?,
                    reward_id: row.text(4)?,
                    reward_name: row.text(5)?,
                    reward_kind: row.text(6)?,
                    points: row.int(7)?,
                    entry_key: row.text(8)?,
                },
                issued_at: row.time(9)?,
                used_at: row.opt_time(10)?,
            })
        })
        .collect()
}

/// Records that the shop took coupon `code`; `NotFound` for an unknown code, `Conflict` for one
/// already used (single use).
pub(crate) fn use_coupon(conn: &mut dyn Conn, code: &str, now: Timestamp) -> Result<CustomerId, StoreError> {
    let row = conn
        .query_opt("SELECT customer_id, used_at FROM loyalty_coupons WHERE code = $1", &[Value::from(code)])?
        .ok_or_else(|| StoreError::NotFound(format!("coupon {code}")))?;
    if let Some(used) = row.opt_time(1)? {
        return Err(StoreError::Conflict(format!("coupon {code} was already used at {}", used.to_rfc3339())));
    }
    conn.execute(
        "UPDATE loyalty_coupons SET used_at = $1 WHERE code = $2 AND used_at IS NULL",
        &[Value::Time(now), Value::from(code)],
    )?;
    Ok(CustomerId(row.int(0)?))
}

/// Sets or clears a member's birthday (`MM-DD`).
pub(crate) fn set_birthday(
    conn: &mut dyn Conn,
    customer: CustomerId,
    birthday: Option<&str>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let changed = conn.execute(
        "UPDATE loyalty_accounts SET birthday = $1, updated_at = $2 WHERE customer_id = $3",
        &[Value::from(birthday), Value::Time(now), Value::Int(customer.0)],
    )?;
    if changed == 0 {
        return Err(StoreError::NotFound(format!("loyalty account {}", customer.0)));
    }
    Ok(())
}
