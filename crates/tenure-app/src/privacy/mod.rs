//! Customers' data rights (PRODUCT.md §9): "what do you hold about me?" answered by one JSON
//! document, "delete me" by an erasure that keeps the anonymous facts reports need, and a
//! retention setting that erases customers inactive for years. Every export and erasure is in
//! the audit log. The catalogue of where personal data lives is the store's
//! (`tenure-store/src/privacy_catalogue.rs`); docs/privacy.md explains both to a seller.

mod retention;

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{Map, Value as Json};
use tenure_domain::{CustomerId, Role, Timestamp};
use tenure_store::{ERASED_TEXT, Erasure, ExportHolder, ExportedRows, Store};
use tenure_surveys::{QuestionKind, SurveyDefinition};

use crate::AppError;
use crate::audit::{self, Action, Actor};

pub use retention::{
    RETENTION_JOB, RetentionRun, retention_handler, retention_years, run_retention, schedule_retention,
    set_retention_years,
};

/// The export document's format name, raised when its shape changes.
pub const EXPORT_FORMAT: &str = "tenure.customer-export/1";

/// Everything held about one customer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerExport {
    /// [`EXPORT_FORMAT`].
    pub format: &'static str,
    /// The customer.
    pub customer_id: i64,
    /// When the document was made.
    pub exported_at: Timestamp,
    /// Rows by table, each row by column (times in RFC 3339); tables without rows left out.
    pub tables: ExportedRows,
}

impl CustomerExport {
    /// Rows in the document.
    pub fn rows(&self) -> u64 {
        self.tables.values().map(|rows| rows.len() as u64).sum()
    }
}

/// Everything held about `customer`, recorded in the audit log as `customers.export` by `actor`.
pub fn export_customer(
    store: &mut dyn Store,
    customer: CustomerId,
    actor: &Actor,
    now: Timestamp,
) -> Result<CustomerExport, AppError> {
    let tables = store.export_customer(customer)?;
    let export = CustomerExport { format: EXPORT_FORMAT, customer_id: customer.0, exported_at: now, tables };
    let action = Action::done("customers.export").on(format!("customer:{}", customer.0)).rows(export.rows());
    audit::record(store, actor, action, now)?;
    Ok(export)
}

/// Erases `customer`'s personal data (idempotent), recorded as `customers.erase` by `actor`.
pub fn erase_customer(
    store: &mut dyn Store,
    customer: CustomerId,
    actor: &Actor,
    now: Timestamp,
) -> Result<Erasure, AppError> {
    let definitions = survey_definitions(store, customer)?;
    let scrub = |survey: i64, version: i64, answers: &str| {
        scrub_answers(definitions.get(&(survey, version)), answers)
    };
    let new_key = || hex(&rand::random::<[u8; 32]>());
    let erasure = store.erase_customer(customer, &new_key, &scrub, now)?;
    let rows: u64 = erasure.rows.values().sum();
    let detail = serde_json::json!({ "erased_now": erasure.erased_now, "tables": erasure.rows });
    let action =
        Action::done("customers.erase").on(format!("customer:{}", customer.0)).rows(rows).detail(detail);
    audit::record(store, actor, action, now)?;
    Ok(erasure)
}

/// The definitions of the surveys `customer` answered, by survey and version.
fn survey_definitions(
    store: &mut dyn Store,
    customer: CustomerId,
) -> Result<HashMap<(i64, i64), SurveyDefinition>, AppError> {
    let mut definitions = HashMap::new();
    for answered in store.customer_responses(customer)? {
        let key = (answered.response.survey_id, answered.response.version);
        if definitions.contains_key(&key) {
            continue;
        }
        let json = store.survey_definition(key.0, key.1)?;
        if let Ok(definition) = serde_json::from_str::<SurveyDefinition>(&json) {
            definitions.insert(key, definition);
        }
    }
    Ok(definitions)
}

/// `answers` (a stored response's JSON object) with every free-text answer replaced by
/// [`ERASED_TEXT`]; scores and chosen options stay. Without the definition, every text value
/// is replaced (an option's id included): nothing typed by the person may survive.
pub fn scrub_answers(definition: Option<&SurveyDefinition>, answers: &str) -> String {
    let Ok(Json::Object(map)) = serde_json::from_str::<Json>(answers) else {
        return "{}".to_string();
    };
    let scrubbed: Map<String, Json> = map
        .into_iter()
        .map(|(question, answer)| {
            let free_text = match definition.and_then(|d| d.question(&question)) {
                Some(q) => q.kind == QuestionKind::Text,
                None => answer.is_string(),
            };
            let answer = if free_text && answer.is_string() { Json::from(ERASED_TEXT) } else { answer };
            (question, answer)
        })
        .collect();
    Json::Object(scrubbed).to_string()
}

/// Whether `role` may download lists of customers, given the holder's own grant (`None`: the
/// role's default — administrators and analysts may, agents may not).
pub fn may_export(role: Role, grant: Option<bool>) -> bool {
    grant.unwrap_or(matches!(role, Role::Admin | Role::Analyst))
}

/// Whether the user `user_id` with `role` may export.
pub fn user_may_export(store: &mut dyn Store, user_id: i64, role: Role) -> Result<bool, AppError> {
    Ok(may_export(role, store.export_grant(ExportHolder::User(user_id))?))
}

/// Whether the token `token_id` with `role` may export.
pub fn token_may_export(store: &mut dyn Store, token_id: i64, role: Role) -> Result<bool, AppError> {
    Ok(may_export(role, store.export_grant(ExportHolder::Token(token_id))?))
}

/// Grants or refuses `holder` the export permission (`None`: back to the role's default),
/// recorded by `actor`.
pub fn set_export_grant(
    store: &mut dyn Store,
    holder: ExportHolder,
    grant: Option<bool>,
    actor: &Actor,
    now: Timestamp,
) -> Result<(), AppError> {
    store.set_export_grant(holder, grant)?;
    let (action, target) = match holder {
        ExportHolder::User(id) => ("users.export_grant", format!("user:{id}")),
        ExportHolder::Token(id) => ("tokens.export_grant", format!("token:{id}")),
    };
    let detail = serde_json::json!({ "may_export": grant });
    audit::record(store, actor, Action::done(action).on(target).detail(detail), now)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_definition_every_text_answer_goes_and_scores_stay() {
        let scrubbed = scrub_answers(
            None,
            r#"{"nps": 9, "why": "Ann here, call me", "pair": {"expectation": 3, "perception": 4}}"#,
        );
        let value: Json = serde_json::from_str(&scrubbed).expect("json");
        assert_eq!(value["nps"], 9);
        assert_eq!(value["why"], ERASED_TEXT);
        assert_eq!(value["pair"]["perception"], 4);
    }

    #[test]
    fn agents_may_not_export_unless_granted() {
        assert!(!may_export(Role::Agent, None));
        assert!(may_export(Role::Agent, Some(true)));
        assert!(may_export(Role::Analyst, None));
        assert!(!may_export(Role::Admin, Some(false)));
    }
}
