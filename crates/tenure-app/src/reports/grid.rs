//! The RFM grid: how many customers sit in each (recency score, frequency score) cell at `as_of`
//! — the picture behind the named segments, which are regions of this grid (and of M).

use serde::Serialize;
use tenure_metrics::{CustomerFacts, Date, segment_customers};

use super::{Purchases, invalid};
use crate::AppError;

/// Customers per recency × frequency score at `as_of` (scores 1–5 by quintile, PRODUCT.md §2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RfmGrid {
    /// The date of the scores.
    pub as_of: Date,
    /// `customers[r - 1][f - 1]`: customers with recency score `r` and frequency score `f`.
    pub customers: [[u64; 5]; 5],
    /// Customers without a purchase on or before `as_of` (in no cell).
    pub without_orders: u64,
}

impl RfmGrid {
    /// Customers in the grid (those with a purchase on or before `as_of`).
    pub fn total(&self) -> u64 {
        self.customers.iter().flatten().sum()
    }
}

impl Purchases {
    /// The RFM grid at `as_of`, from the same scores as [`Purchases::segments`].
    pub fn rfm_grid(&self, as_of: Date) -> Result<RfmGrid, AppError> {
        let facts = CustomerFacts::as_of(&self.columns, as_of);
        let assignment = segment_customers(&facts, &self.segment_params()).map_err(invalid)?;
        let scores = &assignment.scores;
        let mut grid = RfmGrid { as_of, customers: [[0; 5]; 5], without_orders: 0 };
        for (&r, &f) in scores.recency.iter().zip(&scores.frequency) {
            // Score 0 marks a customer without orders by `as_of`; scores are 1–5 otherwise.
            match (usize::from(r).checked_sub(1), usize::from(f).checked_sub(1)) {
                (Some(r), Some(f)) if r < 5 && f < 5 => grid.customers[r][f] += 1,
                _ => grid.without_orders += 1,
            }
        }
        Ok(grid)
    }
}
