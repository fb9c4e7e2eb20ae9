//! Model scores per customer (`customer_scores`, migration 0002): replaced as one set after a
//! refit, read as a ranked list or by customer. Written once for both engines.
//!
//! Not the models: the numbers are computed by the app layer; this module only keeps them.

use chrono::NaiveDate;
use tenure_domain::CustomerId;

use crate::sql::{Conn, Row, Value, placeholders};
use crate::{CustomerScore, ScoreOrder, ScoreQuery, StoreError};

/// Rows per multi-row INSERT (9 parameters each: well below both engines' limits).
const ROWS_PER_INSERT: usize = 200;

const COLUMNS: &str = "customer_id, currency, model, as_of, probability_alive, expected_purchases, \
                       horizon_days, expected_spend_minor, clv_minor";

/// Deletes every stored score and writes `scores` instead (the caller's transaction makes it
/// atomic). Returns how many were written.
pub(crate) fn replace(conn: &mut dyn Conn, scores: &[CustomerScore]) -> Result<u64, StoreError> {
    conn.execute("DELETE FROM customer_scores", &[])?;
    let mut written = 0;
    for chunk in scores.chunks(ROWS_PER_INSERT) {
        let sql =
            format!("INSERT INTO customer_scores ({COLUMNS}) VALUES {}", placeholders(chunk.len(), 9, 0));
        let params: Vec<Value> = chunk.iter().flat_map(values).collect();
        written += conn.execute(&sql, &params)?;
    }
    Ok(written)
}

fn values(score: &CustomerScore) -> [Value; 9] {
    [
        Value::Int(score.customer.0),
        Value::from(score.currency.as_str()),
        Value::from(score.model.as_str()),
        Value::Text(score.as_of.format("%Y-%m-%d").to_string()),
        Value::Float(score.probability_alive),
        Value::Float(score.expected_purchases),
        Value::Int(i64::from(score.horizon_days)),
        Value::Int(score.expected_spend_minor),
        Value::Int(score.clv_minor),
    ]
}

/// The scores of `query.currency`, ranked as asked.
pub(crate) fn ranked(conn: &mut dyn Conn, query: &ScoreQuery) -> Result<Vec<CustomerScore>, StoreError> {
    let order = match query.order {
        ScoreOrder::HighestClv => "clv_minor DESC, customer_id",
        ScoreOrder::LowestProbabilityAlive => "probability_alive, customer_id",
        ScoreOrder::Customer => "customer_id",
    };
    let mut params = vec![Value::from(query.currency.as_str())];
    let limit_clause = match query.limit {
        Some(limit) => {
            params.push(Value::Int(i64::from(limit)));
            " LIMIT $2"
        }
        None => "",
    };
    let sql =
        format!("SELECT {COLUMNS} FROM customer_scores WHERE currency = $1 ORDER BY {order}{limit_clause}");
    conn.query(&sql, &params)?.iter().map(score).collect()
}

/// The scores of `ids` (unknown or unscored ids are left out), by customer id.
pub(crate) fn of_customers(
    conn: &mut dyn Conn,
    ids: &[CustomerId],
) -> Result<Vec<CustomerScore>, StoreError> {
    let mut scores = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let sql = format!(
            "SELECT {COLUMNS} FROM customer_scores WHERE customer_id IN ({}) ORDER BY customer_id",
            placeholders(chunk.len(), 1, 0).replace(['(', ')'], "")
        );
        let params: Vec<Value> = chunk.iter().map(|id| Value::Int(id.0)).collect();
        for row in conn.query(&sql, &params)? {
            scores.push(score(&row)?);
        }
    }
    scores.sort_by_key(|s| s.customer);
    Ok(scores)
}

fn score(row: &Row) -> Result<CustomerScore, StoreError> {
    let as_of_text = row.text(3)?;
    let as_of = NaiveDate::parse_from_str(&as_of_text, "%Y-%m-%d")
        .map_err(|e| StoreError::Other(format!("customer_scores.as_of `{as_of_text}`: {e}")))?;
    let horizon = row.int(6)?;
    Ok(CustomerScore {
        customer: CustomerId(row.int(0)?),
        currency: row.text(1)?,
        model: row.text(2)?,
        as_of,
        probability_alive: row.float(4)?,
        expected_purchases: row.float(5)?,
        horizon_days: u32::try_from(horizon).map_err(|_| {
            StoreError::Other(format!("customer_scores.horizon_days {horizon} is out of range"))
        })?,
        expected_spend_minor: row.int(7)?,
        clv_minor: row.int(8)?,
    })
}
