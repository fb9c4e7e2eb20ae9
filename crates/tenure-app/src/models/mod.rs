//! The buy-till-you-die models on the store's purchases (issue 4, PRODUCT.md §3): purchase days
//! and `(x, t_x, T)` summaries, fits from the store or a summary file, the calibration/holdout
//! check, per-customer predictions and CLV, and the scores kept in the store.
//!
//! The numerics are `tenure-models`'; this module adds the store, the shop's calendar, customer
//! ids and major units — no SQL, no terminal.

mod days;
mod evaluate;
mod fit;
mod refresh;
mod score;
mod stored;
mod summary;
mod summary_fields;
mod summary_file;
mod summary_scan;

pub use days::PurchaseDays;
pub use evaluate::{
    Evaluation, Holdout, ModelComparison, StoreFit, TrackingWeek, compare_models, correlation, evaluate_days,
    fit_days, spend_rows,
};
pub use fit::{FitReport, Fitted, ModelKind, NamedParams, fit_discrete, fit_spend, fit_transactions};
pub use refresh::{STORED_HORIZON_WEEKS, refresh_after_import, refresh_scores};
pub use score::{ClvSettings, ScoredCustomer, Scores, add_contacts, score_days};
pub use stored::{
    ListedScore, PurchaseHistory, ScoreBoard, ScoreList, ScoreListQuery, ScoreSort, list_scores,
    purchase_history,
};
pub use summary::{Split, Summaries, TimeUnit};
pub use summary_file::fit_summary_file;
pub use tenure_models::Progress;
