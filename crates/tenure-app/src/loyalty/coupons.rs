//! Coupons for the shop: the CSV a seller loads into their shop's discount codes, and recording
//! a code the shop took.

use std::io::Write;

use tenure_domain::Timestamp;
use tenure_store::Store;

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

/// A cell a spreadsheet will not run as a formula: text starting with `=`, `+`, `-`, `@`, a tab
/// or a carriage return gets a leading apostrophe (OWASP's advice for CSV injection).
pub fn spreadsheet_safe(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{cell}") } else { cell.to_string() }
}

/// Writes every coupon issued from `since` (all when `None`), newest first, as CSV; returns how
/// many.
pub fn write_csv(
    store: &mut dyn Store,
    since: Option<Timestamp>,
    out: impl Write,
) -> Result<usize, AppError> {
    let coupons = store.coupons(None, since, usize::MAX >> 1)?;
    let mut writer = csv::Writer::from_writer(out);
    let failed = |e: csv::Error| AppError::Invalid(format!("writing the coupons: {e}"));
    writer.write_record(CSV_HEADER).map_err(failed)?;
    for coupon in &coupons {
        let time = |at: Option<Timestamp>| at.map_or_else(String::new, |at| at.to_rfc3339());
        writer
            .write_record([
                coupon.coupon.code.clone(),
                coupon.customer_id.0.to_string(),
                spreadsheet_safe(coupon.email.as_deref().unwrap_or("")),
                spreadsheet_safe(&coupon.coupon.reward_id),
                spreadsheet_safe(&coupon.coupon.reward_name),
                spreadsheet_safe(&coupon.coupon.reward_kind),
                coupon.coupon.points.to_string(),
                time(Some(coupon.issued_at)),
                time(coupon.used_at),
            ])
            .map_err(failed)?;
    }
    writer.flush().map_err(|e| AppError::Invalid(format!("writing the coupons: {e}")))?;
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
