//! `GET /surveys/{name}/behaviour`: what respondents did after answering — per NPS and CSAT band,
//! the share who bought again within 30, 90 and 180 days (with 95 % intervals over the answers
//! whose window has passed), their mean probability alive and CLV from the stored scores, the
//! revenue-weighted score and the revenue at risk. What no survey tool can show alone.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use tenure_app::reports::ReportScope;
use tenure_app::surveys::behaviour::satisfaction_and_behaviour;
use tenure_surveys::BehaviourReport;

use super::Layout;
use crate::format::count;
use crate::html::{PageError, render};
use crate::routes::READERS;
use crate::{AppState, session};

struct BandLine {
    name: String,
    answers: String,
    windows: Vec<String>,
    p_alive: String,
    clv: String,
}

struct QuestionLine {
    id: String,
    kind: String,
    bands: Vec<BandLine>,
    weighted: String,
    at_risk: String,
}

#[derive(Template)]
#[template(path = "survey_behaviour.html")]
struct BehaviourPage {
    layout: Layout,
    name: String,
    as_of: String,
    responses: String,
    without_customer: String,
    windows: Vec<u32>,
    currency: String,
    questions: Vec<QuestionLine>,
    total_at_risk: String,
}

/// `GET /surveys/{name}/behaviour`.
pub(crate) async fn survey_behaviour(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path(name): Path<String>,
) -> Result<Response, PageError> {
    let signed_in = session::require(&state, &headers, READERS, &uri).await?;
    let scope = ReportScope { time_zone: state.time_zone(), ..ReportScope::default() };
    let lookup = name.clone();
    let report =
        state.pool().run(move |store| satisfaction_and_behaviour(store, &lookup, &scope, None)).await?;
    let layout = Layout::new(&signed_in, format!("Survey: {name} — what customers did next"), "/surveys");
    Ok(render(&page(layout, name, &report)))
}

fn page(layout: Layout, name: String, report: &BehaviourReport) -> BehaviourPage {
    let currency = report.currency.clone().unwrap_or_default();
    let questions = report
        .questions
        .iter()
        .map(|(id, q)| QuestionLine {
            id: id.to_string(),
            kind: serde_json::to_value(q.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_uppercase))
                .unwrap_or_default(),
            bands: q
                .bands
                .iter()
                .map(|(band, b)| BandLine {
                    name: band.to_string(),
                    answers: count(b.responses as u64),
                    windows: b
                        .repurchase
                        .iter()
                        .map(|w| match (w.percent, w.ci95) {
                            (Some(p), Some([low, high])) => {
                                format!("{p:.1} % ({low:.1}–{high:.1}) of {}", count(w.eligible as u64))
                            }
                            _ => format!("— of {}", count(w.eligible as u64)),
                        })
                        .collect(),
                    p_alive: b.mean_p_alive.map_or_else(|| "—".into(), |p| format!("{:.0} %", p * 100.0)),
                    clv: b.mean_clv.map_or_else(|| "—".into(), |v| format!("{v:.2}")),
                })
                .collect(),
            weighted: match (q.revenue_weighted.score, q.revenue_weighted.unweighted) {
                (Some(w), Some(u)) => format!("{w:.1} weighted by revenue (unweighted {u:.1})"),
                _ => "—".into(),
            },
            at_risk: format!(
                "{:.2} {currency} from {} unhappy customers who have not bought since",
                q.revenue_at_risk.clv,
                count(q.revenue_at_risk.customers as u64)
            ),
        })
        .collect();
    BehaviourPage {
        layout,
        name,
        as_of: report.as_of.to_string(),
        responses: count(report.responses as u64),
        without_customer: count(report.without_customer as u64),
        windows: report.windows.clone(),
        total_at_risk: format!("{:.2} {currency}", report.revenue_at_risk.clv),
        currency,
        questions,
    }
}
