//! The one error type of the metrics crate: invalid inputs a caller can name and fix.
//!
//! Computations themselves never fail on valid inputs; every variant is about an argument.

/// Why a metrics input or argument was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MetricsError {
    /// The three purchase columns differ in length.
    #[error("purchase columns differ in length: {customers} customers, {days} days, {revenues} revenues")]
    ColumnLengths {
        /// Length of the customer column.
        customers: usize,
        /// Length of the day column.
        days: usize,
        /// Length of the revenue column.
        revenues: usize,
    },
    /// A customer index is not below `n_customers`.
    #[error("purchase row {row}: customer {customer} is not below n_customers = {n_customers}")]
    CustomerOutOfRange {
        /// Zero-based purchase row.
        row: usize,
        /// The offending customer index.
        customer: u32,
        /// The declared number of customers.
        n_customers: u32,
    },
    /// Customer indices must be non-decreasing.
    #[error(
        "purchase row {row}: customer {customer} comes after customer {previous}; rows must be sorted by customer"
    )]
    CustomersOutOfOrder {
        /// Zero-based purchase row.
        row: usize,
        /// Customer of the previous row.
        previous: u32,
        /// Customer of this row.
        customer: u32,
    },
    /// Within a customer, day numbers must be non-decreasing.
    #[error(
        "purchase row {row}: day {day} comes after day {previous} of the same customer; rows must be sorted by day"
    )]
    DaysOutOfOrder {
        /// Zero-based purchase row.
        row: usize,
        /// Day of the previous row.
        previous: i32,
        /// Day of this row.
        day: i32,
    },
    /// A day number outside 0000-01-01..=9999-12-31.
    #[error("day number {0} is outside 0000-01-01..=9999-12-31")]
    DayOutOfRange(i32),
    /// A purchase with negative revenue (a refund larger than its order).
    #[error("purchase row {row}: revenue {revenue_minor} is negative")]
    NegativeRevenue {
        /// Zero-based purchase row.
        row: usize,
        /// The offending amount in minor units.
        revenue_minor: i64,
    },
    /// The total revenue does not fit in an `i64` of minor units.
    #[error("total revenue overflows 64-bit minor units at purchase row {row}")]
    RevenueOverflow {
        /// Zero-based purchase row where the running total overflowed.
        row: usize,
    },
    /// More purchases than the crate's 32-bit row offsets can address.
    #[error("too many purchases: {0} (at most 4,294,967,295)")]
    TooManyPurchases(usize),
    /// A text that is not a `YYYY-MM-DD` date.
    #[error("`{0}` is not a date (YYYY-MM-DD)")]
    InvalidDate(String),
    /// A text that is not `week`, `month` or `quarter`.
    #[error("`{0}` is not a period (week, month or quarter)")]
    InvalidPeriodName(String),
    /// A period whose start is after its end.
    #[error("period start {start} is after its end {end}")]
    StartAfterEnd {
        /// Start of the period.
        start: crate::Date,
        /// End of the period.
        end: crate::Date,
    },
    /// An activity window outside 1..=36500 days.
    #[error("activity window of {0} days is outside 1..=36500")]
    InvalidWindow(u32),
    /// A parameter outside its valid range.
    #[error("{name} = {value} is invalid: {reason}")]
    InvalidParameter {
        /// Parameter name.
        name: &'static str,
        /// Its value, printed.
        value: String,
        /// What a valid value looks like.
        reason: &'static str,
    },
    /// A per-customer slice whose length is not `n_customers`.
    #[error("{name} has {len} entries but there are {n_customers} customers")]
    PerCustomerLength {
        /// Name of the slice.
        name: &'static str,
        /// Its length.
        len: usize,
        /// The number of customers.
        n_customers: usize,
    },
    /// A segment rule table that is empty or does not end with a catch-all rule.
    #[error("segment rules must end with a catch-all rule (every score range 1..=5): {0}")]
    SegmentRules(String),
}
