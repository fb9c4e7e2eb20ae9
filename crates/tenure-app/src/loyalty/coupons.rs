//! Coupons for the shop: the CSV a seller loads into their shop's discount codes, and recording
//! a code the shop took.

use std::io::Write;

use tenure_domain::Timestamp;
use tenure_store::{Coupon, Store};

use crate::export::spreadsheet_safe;

use crate::AppError;

/// The CSV's columns.
pub const CSV_HEADER: [&str; 9] = [
    "code",
    "customer_id",
    "email",
    "reward_id",
    "reward_name",
    "reward_kind",
    "points",
    "issued_at",
    "used_at",
];

/// Writes `coupons` as CSV: times in RFC 3339 UTC, every cell safe for spreadsheets.
pub fn write_coupons(coupons: &[Coupon], out: impl Write) -> Result<(), AppError> {
    let failed = |e: csv::Error| AppError::Invalid(format!("writing the coupons: {e}"));
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(CSV_HEADER).map_err(failed)?;
    let time = |at: Timestamp| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    for coupon in coupons {
        let record = [
            coupon.coupon.code.clone(),
            coupon.customer_id.0.to_string(),
            coupon.email.clone().unwrap_or_default(),
            coupon.coupon.reward_id.clone(),
            coupon.coupon.reward_name.clone(),
            coupon.coupon.reward_kind.clone(),
            coupon.coupon.points.to_string(),
            time(coupon.issued_at),
            coupon.used_at.map_or_else(String::new, time),
        ];
        writer.write_record(record.iter().map(|cell| spreadsheet_safe(cell))).map_err(failed)?;
    }
    writer.flush().map_err(|e| AppError::Invalid(format!("writing the coupons: {e}")))
}

/// Writes every coupon issued from `since` (all when `None`), newest first, as CSV; returns how
/// many.
pub fn write_csv(
    store: &mut dyn Store,
    since: Option<Timestamp>,
    out: impl Write,
) -> Result<usize, AppError> {
    let coupons = store.coupons(None, since, usize::MAX >> 1)?;
    write_coupons(&coupons, out)?;
    Ok(coupons.len())
}

/// Records that the shop took `code` (typed in any case, with or without hyphens); a second use
/// is refused.
pub fn mark_used(store: &mut dyn Store, code: &str, now: Timestamp) -> Result<(), AppError> {
    let canonical = tenure_loyalty::parse_coupon_code(code, super::redeem::COUPON_PREFIX)
        .map_err(|e| AppError::Invalid(format!("coupon `{}`: {e}", code.trim())))?;
    store.use_coupon(&canonical, now)?;
    Ok(())
}
