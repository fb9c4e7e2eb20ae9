//! The analysis engine (PRODUCT.md §4 "Analysis"): [`analyze`] turns a definition and its
//! [`ResponseSet`] into [`Analysis`], whose JSON is the contract the API, the dashboard and the
//! CLI show.
//!
//! Nothing is rounded here (the faces round). Skipped answers are left out of every denominator.
//! Each part lives in its own file: per-question numbers (`questions.rs`), Cronbach's α
//! (`scales.rs`), SERVQUAL gaps (`dimensions.rs`), importance–performance (`ipa.rs`), trends
//! (`trends.rs`).

mod dimensions;
mod ipa;
mod ordered;
mod questions;
mod scales;
mod trends;

pub use dimensions::DimensionStats;
pub use ipa::{IpaItem, Quadrant};
pub use ordered::OrderedMap;
pub use questions::{ChoiceCount, QuestionDetail, QuestionStats};
pub use scales::ScaleStats;
pub use trends::{TrendPoint, Trends};

use serde::Serialize;

use crate::definition::{Question, QuestionKind, SurveyDefinition};
use crate::responses::{Column, ResponseSet};

/// From this many responses [`analyze`] uses a second thread.
const PARALLEL_FROM: usize = 50_000;

/// Settings of an analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnalysisOptions {
    /// Below this many answers a question carries a warning (default 30).
    pub min_sample: usize,
}

impl Default for AnalysisOptions {
    fn default() -> Self {
        Self { min_sample: 30 }
    }
}

/// Everything the analysis says about a set of responses. Serialises to the contract JSON (shown
/// with illustrative, rounded figures; the real ones are unrounded, `null` where undefined):
///
/// ```json
/// {
///   "responses": 400,
///   "questions": {
///     "overall": {"type": "csat", "n": 400, "warning": null, "csat_percent": 60.0, "mean": 3.71, "ci95": [55.1, 64.7]},
///     "nps": {"type": "nps", "n": 372, "warning": null, "nps": 12.6, "promoters": 38.4, "passives": 35.8,
///             "detractors": 25.8, "ci95": [3.8, 21.4]},
///     "effort": {"type": "ces", "n": 371, "warning": null, "mean": 5.0, "percent_agree": 68.2},
///     "loy_again": {"type": "likert", "n": 371, "warning": null, "mean": 3.36, "distribution": [9, 41, 145, 136, 40],
///                   "top2_box": 47.4, "bottom2_box": 13.5},
///     "tan_equipment": {"type": "pair", "n": 372, "warning": null, "expectation_mean": 5.7, "perception_mean": 5.6, "gap": -0.1},
///     "channel": {"type": "single", "n": 371, "warning": null, "options": {"web": {"count": 224, "percent": 60.4}, "…": {}}},
///     "topics": {"type": "multi", "n": 286, "warning": null, "options": {"price": {"count": 124, "percent": 43.4}, "…": {}}},
///     "comment": {"type": "text", "n": 26, "warning": "n = 26 is under 30: too few to tell"}
///   },
///   "scales": {"tangibles": {"items": ["tan_equipment", "…"], "n": 322, "cronbach_alpha": 0.05,
///                            "alpha_if_deleted": {"tan_equipment": 0.19, "…": null}}},
///   "dimensions": {"tangibles": {"items": ["tan_equipment", "…"], "n": 400, "expectation_mean": 5.71,
///                                "perception_mean": 5.68, "gap": -0.03, "p_value": 0.33}},
///   "ipa": [{"item": "rel_promise", "importance": 0.68, "performance": 4.2, "quadrant": "concentrate here"}],
///   "trends": {"week": {"overall": [{"period": "2025-01-06", "n": 25, "value": 72.0}], "nps": []},
///              "month": {"overall": [{"period": "2025-01", "n": 98, "value": 61.2}], "nps": []}}
/// }
/// ```
///
/// Objects keyed by question, scale or dimension keep definition order. Quadrants are
/// `"concentrate here"`, `"keep up the good work"`, `"low priority"`, `"possible overkill"`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    /// Number of responses analysed.
    pub responses: usize,
    /// Per question, in definition order.
    pub questions: OrderedMap<QuestionStats>,
    /// Per multi-item scale (questions sharing a `scale` name), in order of first appearance.
    pub scales: OrderedMap<ScaleStats>,
    /// Per SERVQUAL dimension (pair questions sharing a `dimension`), in order of first appearance.
    pub dimensions: OrderedMap<DimensionStats>,
    /// Importance–performance analysis; empty without an `overall` question.
    pub ipa: Vec<IpaItem>,
    /// CSAT and NPS by week and by month.
    pub trends: Trends,
}

/// Analyses the responses of a survey. `set` must have been built for `def` (its columns follow
/// the definition's questions); questions without a column count as unanswered.
pub fn analyze(def: &SurveyDefinition, set: &ResponseSet, options: &AnalysisOptions) -> Analysis {
    let items = Items::new(def, set);
    let reliability = || (scales::per_scale(&items), dimensions::per_dimension(&items));
    let the_rest = || {
        (
            questions::per_question(&items, options),
            ipa::importance_performance(&items),
            trends::trends(&items),
        )
    };
    // Two halves of about equal work; a large set computes them on two threads.
    let ((scales, dimensions), (questions, ipa, trends)) = if set.len() < PARALLEL_FROM {
        (reliability(), the_rest())
    } else {
        std::thread::scope(|scope| {
            let other = scope.spawn(reliability);
            let here = the_rest();
            (other.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)), here)
        })
    };
    Analysis { responses: set.len(), questions, scales, dimensions, ipa, trends }
}

/// The definition and the columns together, with each numeric item's values per response.
struct Items<'a> {
    def: &'a SurveyDefinition,
    set: &'a ResponseSet,
    /// Per question of `def`: the set's column for the question of that id and kind.
    columns: Vec<Option<&'a Column>>,
}

impl<'a> Items<'a> {
    fn questions(&self) -> impl Iterator<Item = (usize, &'a Question)> + 'a {
        self.def.questions.iter().enumerate()
    }

    fn new(def: &'a SurveyDefinition, set: &'a ResponseSet) -> Self {
        let built = &set.definition().questions;
        let columns = def
            .questions
            .iter()
            .map(|q| built.iter().position(|b| b.id == q.id && b.kind == q.kind).and_then(|i| set.column(i)))
            .collect();
        Items { def, set, columns }
    }

    fn column(&self, index: usize) -> Option<&'a Column> {
        self.columns.get(index).copied().flatten()
    }

    /// The points of a one-value scale question, or a pair's perceptions.
    fn points(&self, index: usize) -> Option<&'a [u8]> {
        match self.column(index)? {
            Column::Scale(v) => Some(v),
            Column::Pair { perception, .. } => Some(perception),
            _ => None,
        }
    }

    fn len(&self) -> usize {
        self.set.len()
    }
}

/// Whether a question is a numeric item of a scale or of the importance–performance analysis.
fn is_item(q: &Question) -> bool {
    matches!(q.kind, QuestionKind::Csat | QuestionKind::Ces | QuestionKind::Likert | QuestionKind::Pair)
}
