//! The input of every metric: purchases as validated columns sorted by customer then day, and the
//! per-customer facts derived from them once and shared by several reports.
//!
//! Not a store and not an importer: the caller turns paid orders into shop-calendar day numbers
//! and feeds them here in one ordered pass.

use crate::{Date, MetricsError, calendar};

/// Validated purchases, one row per paid (or partially refunded) order, grouped by customer.
///
/// Invariants (checked by [`PurchaseColumnsBuilder`] and [`PurchaseColumns::from_columns`]):
/// rows are sorted by dense customer index `0..n_customers`, then by day; days lie in
/// 0000-01-01..=9999-12-31; revenue is non-negative and its total fits in `i64` minor units.
/// Customers may have no purchase at all (they count in `n_customers` and nowhere else).
#[derive(Debug, Clone, Default)]
pub struct PurchaseColumns {
    /// `offsets[c]..offsets[c + 1]` are the rows of customer `c`; length `n_customers + 1`.
    offsets: Vec<u32>,
    day: Vec<i32>,
    revenue_minor: Vec<i64>,
}

impl PurchaseColumns {
    /// Validates and indexes three equally long columns (see the type's invariants).
    ///
    /// `customer[i]`, `day[i]` (shop-calendar day number, days since 1970-01-01) and
    /// `revenue_minor[i]` (revenue after refunds, minor units of one currency) describe purchase `i`.
    pub fn from_columns(
        customer: &[u32],
        day: Vec<i32>,
        revenue_minor: Vec<i64>,
        n_customers: u32,
    ) -> Result<Self, MetricsError> {
        if customer.len() != day.len() || day.len() != revenue_minor.len() {
            return Err(MetricsError::ColumnLengths {
                customers: customer.len(),
                days: day.len(),
                revenues: revenue_minor.len(),
            });
        }
        let mut builder = PurchaseColumnsBuilder::with_capacity(n_customers, 0);
        builder.day = day;
        builder.revenue_minor = revenue_minor;
        for (row, &c) in customer.iter().enumerate() {
            builder.check_row(row, c)?;
        }
        Ok(builder.finish())
    }

    /// Number of customers (including those without purchases).
    pub fn n_customers(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Number of purchases.
    pub fn n_purchases(&self) -> usize {
        self.day.len()
    }

    /// Row range of customer `c` in [`Self::days`] and [`Self::revenues`].
    ///
    /// # Panics
    /// If `c >= n_customers`.
    pub fn rows(&self, c: usize) -> std::ops::Range<usize> {
        self.offsets[c] as usize..self.offsets[c + 1] as usize
    }

    /// Purchase days of all customers, grouped by customer and sorted within each.
    pub fn days(&self) -> &[i32] {
        &self.day
    }

    /// Revenue (minor units) of each purchase, aligned with [`Self::days`].
    pub fn revenues(&self) -> &[i64] {
        &self.revenue_minor
    }

    /// Sorted purchase days of customer `c`.
    pub fn customer_days(&self, c: usize) -> &[i32] {
        &self.day[self.rows(c)]
    }

    /// Iterator over `(days, revenues)` of each customer in index order.
    pub fn per_customer(&self) -> impl Iterator<Item = (&[i32], &[i64])> + '_ {
        self.offsets.windows(2).map(|w| {
            let range = w[0] as usize..w[1] as usize;
            (&self.day[range.clone()], &self.revenue_minor[range])
        })
    }
}

/// Builds [`PurchaseColumns`] row by row, refusing rows out of order (an error, never a panic).
#[derive(Debug, Clone, Default)]
pub struct PurchaseColumnsBuilder {
    n_customers: u32,
    offsets: Vec<u32>,
    day: Vec<i32>,
    revenue_minor: Vec<i64>,
    total_revenue: i64,
}

impl PurchaseColumnsBuilder {
    /// A builder for `n_customers` customers, reserving room for `purchases` rows.
    pub fn with_capacity(n_customers: u32, purchases: usize) -> Self {
        let mut offsets = Vec::with_capacity(n_customers as usize + 1);
        offsets.push(0);
        Self {
            n_customers,
            offsets,
            day: Vec::with_capacity(purchases),
            revenue_minor: Vec::with_capacity(purchases),
            total_revenue: 0,
        }
    }

    /// Appends one purchase; rows must come sorted by customer, then day.
    pub fn push(&mut self, customer: u32, day: i32, revenue_minor: i64) -> Result<(), MetricsError> {
        let row = self.day.len();
        self.day.push(day);
        self.revenue_minor.push(revenue_minor);
        let checked = self.check_row(row, customer);
        if checked.is_err() {
            self.day.pop();
            self.revenue_minor.pop();
        }
        checked
    }

    /// Checks row `row` (already in `day`/`revenue_minor`) and advances the customer offsets.
    fn check_row(&mut self, row: usize, customer: u32) -> Result<(), MetricsError> {
        let (day, revenue_minor) = (self.day[row], self.revenue_minor[row]);
        if customer >= self.n_customers {
            return Err(MetricsError::CustomerOutOfRange { row, customer, n_customers: self.n_customers });
        }
        let current = self.offsets.len() as u32 - 1;
        let started = row > 0;
        if started && customer < current {
            return Err(MetricsError::CustomersOutOfOrder { row, previous: current, customer });
        }
        if started && customer == current && day < self.day[row - 1] {
            return Err(MetricsError::DaysOutOfOrder { row, previous: self.day[row - 1], day });
        }
        if !(calendar::MIN_DAY..=calendar::MAX_DAY).contains(&day) {
            return Err(MetricsError::DayOutOfRange(day));
        }
        if revenue_minor < 0 {
            return Err(MetricsError::NegativeRevenue { row, revenue_minor });
        }
        let row_u32 = u32::try_from(row).map_err(|_| MetricsError::TooManyPurchases(row + 1))?;
        self.total_revenue =
            self.total_revenue.checked_add(revenue_minor).ok_or(MetricsError::RevenueOverflow { row })?;
        // Customers `current + 1 ..= customer` start at this row (the ones between have no rows).
        while (self.offsets.len() as u32 - 1) < customer {
            self.offsets.push(row_u32);
        }
        Ok(())
    }

    /// Finishes the columns; customers after the last pushed one get no purchases.
    pub fn finish(mut self) -> PurchaseColumns {
        let end = self.day.len() as u32;
        self.offsets.resize(self.n_customers as usize + 1, end);
        PurchaseColumns { offsets: self.offsets, day: self.day, revenue_minor: self.revenue_minor }
    }
}

/// Per-customer facts counting only purchases on or before `as_of`, computed in one pass.
///
/// A customer without such a purchase has `orders == 0`; their `first_day`/`last_day` are then
/// meaningless (`i32::MAX` / `i32::MIN`) and the accessors return `None`.
#[derive(Debug, Clone)]
pub struct CustomerFacts {
    as_of: Date,
    first_day: Vec<i32>,
    last_day: Vec<i32>,
    orders: Vec<u32>,
    purchase_days: Vec<u32>,
    revenue_minor: Vec<i64>,
}

impl CustomerFacts {
    /// Derives first/last purchase day, order count, count of distinct purchase days and revenue
    /// of every customer from purchases on days `<= as_of` (an explicit date: no clock).
    pub fn as_of(columns: &PurchaseColumns, as_of: Date) -> Self {
        let n = columns.n_customers();
        let mut facts = Self {
            as_of,
            first_day: Vec::with_capacity(n),
            last_day: Vec::with_capacity(n),
            orders: Vec::with_capacity(n),
            purchase_days: Vec::with_capacity(n),
            revenue_minor: Vec::with_capacity(n),
        };
        for (days, revenues) in columns.per_customer() {
            let upto = days.partition_point(|&d| d <= as_of.days());
            let days = &days[..upto];
            facts.first_day.push(days.first().copied().unwrap_or(i32::MAX));
            facts.last_day.push(days.last().copied().unwrap_or(i32::MIN));
            facts.orders.push(upto as u32);
            facts.purchase_days.push(distinct_sorted(days));
            facts.revenue_minor.push(revenues[..upto].iter().sum());
        }
        facts
    }

    /// The date these facts are as of.
    pub fn as_of_date(&self) -> Date {
        self.as_of
    }

    /// Number of customers.
    pub fn n_customers(&self) -> usize {
        self.orders.len()
    }

    /// Day of the first purchase on or before `as_of`, if any.
    pub fn first_day(&self, c: usize) -> Option<i32> {
        (self.orders[c] > 0).then_some(self.first_day[c])
    }

    /// Day of the last purchase on or before `as_of`, if any.
    pub fn last_day(&self, c: usize) -> Option<i32> {
        (self.orders[c] > 0).then_some(self.last_day[c])
    }

    /// Number of orders on or before `as_of` for every customer.
    pub fn orders(&self) -> &[u32] {
        &self.orders
    }

    /// Number of distinct days with an order on or before `as_of` for every customer.
    pub fn purchase_days(&self) -> &[u32] {
        &self.purchase_days
    }

    /// Revenue (minor units) on or before `as_of` for every customer.
    pub fn revenues(&self) -> &[i64] {
        &self.revenue_minor
    }

    /// Raw last purchase days (`i32::MIN` for customers without orders), for dense loops.
    pub(crate) fn last_days_raw(&self) -> &[i32] {
        &self.last_day
    }

    /// Raw first purchase days (`i32::MAX` for customers without orders), for dense loops.
    pub(crate) fn first_days_raw(&self) -> &[i32] {
        &self.first_day
    }

    /// Mean days between consecutive distinct purchase days of customer `c`:
    /// `(last − first) / (purchase_days − 1)`; `None` with fewer than two purchase days.
    pub fn mean_days_between_purchase_days(&self, c: usize) -> Option<f64> {
        let k = self.purchase_days[c];
        (k >= 2).then(|| f64::from(self.last_day[c] - self.first_day[c]) / f64::from(k - 1))
    }
}

/// Number of distinct values in a sorted slice.
fn distinct_sorted(days: &[i32]) -> u32 {
    let repeats = days.windows(2).filter(|w| w[0] == w[1]).count();
    (days.len() - repeats) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builder_indexes_customers_including_those_without_purchases() {
        let mut b = PurchaseColumnsBuilder::with_capacity(4, 3);
        b.push(1, 10, 100).unwrap();
        b.push(1, 12, 50).unwrap();
        b.push(3, 5, 7).unwrap();
        let cols = b.finish();
        assert_eq!(cols.n_customers(), 4);
        assert_eq!(cols.n_purchases(), 3);
        assert!(cols.customer_days(0).is_empty());
        assert_eq!(cols.customer_days(1), &[10, 12]);
        assert!(cols.customer_days(2).is_empty());
        assert_eq!(cols.customer_days(3), &[5]);
    }

    #[test]
    fn the_builder_refuses_unsorted_or_invalid_rows_with_the_row_number() {
        let mut b = PurchaseColumnsBuilder::with_capacity(3, 0);
        b.push(1, 10, 1).unwrap();
        assert!(matches!(b.push(0, 10, 1), Err(MetricsError::CustomersOutOfOrder { row: 1, .. })));
        assert!(matches!(b.push(1, 9, 1), Err(MetricsError::DaysOutOfOrder { row: 1, .. })));
        assert!(matches!(b.push(3, 9, 1), Err(MetricsError::CustomerOutOfRange { row: 1, .. })));
        assert!(matches!(b.push(2, 9, -1), Err(MetricsError::NegativeRevenue { row: 1, .. })));
        assert!(matches!(b.push(2, i32::MAX, 1), Err(MetricsError::DayOutOfRange(_))));
        // A refused row leaves the builder usable.
        b.push(2, 9, 1).unwrap();
        assert_eq!(b.finish().n_purchases(), 2);
    }

    #[test]
    fn from_columns_checks_lengths_and_order() {
        let err = PurchaseColumns::from_columns(&[0, 0], vec![1], vec![1, 2], 1).unwrap_err();
        assert!(matches!(err, MetricsError::ColumnLengths { .. }));
        let err = PurchaseColumns::from_columns(&[0, 0], vec![2, 1], vec![1, 2], 1).unwrap_err();
        assert!(matches!(err, MetricsError::DaysOutOfOrder { row: 1, .. }));
        let err = PurchaseColumns::from_columns(&[0, 0], vec![1, 2], vec![i64::MAX, 1], 1).unwrap_err();
        assert!(matches!(err, MetricsError::RevenueOverflow { row: 1 }));
    }

    #[test]
    fn facts_count_only_purchases_on_or_before_as_of() {
        // Customer 0: days 1, 1, 5, 9 with revenues 10, 20, 30, 40; as of day 5 → orders on 1, 1, 5.
        let cols =
            PurchaseColumns::from_columns(&[0, 0, 0, 0], vec![1, 1, 5, 9], vec![10, 20, 30, 40], 2).unwrap();
        let facts = CustomerFacts::as_of(&cols, Date::from_days(5).unwrap());
        assert_eq!(facts.first_day(0), Some(1));
        assert_eq!(facts.last_day(0), Some(5));
        assert_eq!(facts.orders()[0], 3);
        assert_eq!(facts.purchase_days()[0], 2);
        assert_eq!(facts.revenues()[0], 60);
        // Distinct purchase days 1 and 5: one gap of 4 days.
        assert_eq!(facts.mean_days_between_purchase_days(0), Some(4.0));
        assert_eq!(facts.first_day(1), None);
        assert_eq!(facts.orders()[1], 0);
    }
}
