//! `GET /surveys` (every survey with its headline score) and `GET /surveys/{name}` (the report:
//! each question's result with its interval and sample warning, the expectation–perception gaps
//! per dimension, scale reliability, the importance–performance quadrants, the trend by month,
//! the links and the embed snippet); `…/responses.csv` and `…/definition.json` export the
//! analysis contract of docs/surveys.md. The report prints on paper without the menu.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tenure_app::AppError;
use tenure_app::reports::ReportScope;
use tenure_app::surveys::{self, analysis, answering};
use tenure_store::{StoreError, SurveyInfo, SurveyKey};
use tenure_surveys::analysis::{QuestionDetail, QuestionStats};
use tenure_surveys::{Analysis, SurveyDefinition};

use super::Layout;
use crate::charts::{LineChart, SeriesInput, line_chart};
use crate::format::count;
use crate::html::{PageError, render};
use crate::routes::READERS;
use crate::{AppState, session};

/// Questions answered fewer times than this carry a warning.
const MIN_SAMPLE: usize = 30;

struct SurveyRow {
    name: String,
    version: i64,
    state: &'static str,
    trigger: String,
    invited: String,
    responses: String,
    rate: String,
}

#[derive(Template)]
#[template(path = "surveys.html")]
struct SurveysPage {
    layout: Layout,
    surveys: Vec<SurveyRow>,
}

/// One question's line in the report.
struct QuestionLine {
    id: String,
    text: String,
    kind: &'static str,
    n: String,
    result: String,
    interval: String,
    warning: String,
    /// Stacked shares drawn as a bar.
    bar: Vec<Segment>,
}

/// One share of a stacked bar, in a 0–100 wide box.
struct Segment {
    label: String,
    x: String,
    width: String,
    class: &'static str,
}

/// Stacks `(label, percent, class)` shares side by side.
fn stacked(shares: &[(String, f64, &'static str)]) -> Vec<Segment> {
    let mut x = 0.0;
    shares
        .iter()
        .map(|(label, share, class)| {
            let segment =
                Segment { label: label.clone(), x: format!("{x:.2}"), width: format!("{share:.2}"), class };
            x += share;
            segment
        })
        .collect()
}

struct DimensionLine {
    name: String,
    expectation: String,
    perception: String,
    gap: String,
    negative: bool,
    p_value: String,
}

struct ScaleLine {
    name: String,
    items: usize,
    n: String,
    alpha: String,
}

struct TextLine {
    question: String,
    n: String,
    mood: Vec<Segment>,
    counts: String,
    trending: String,
    negatives: Vec<String>,
}

fn text_line(definition: &SurveyDefinition, insight: &analysis::TextInsight) -> TextLine {
    let share = |k: usize| if insight.n == 0 { 0.0 } else { 100.0 * k as f64 / insight.n as f64 };
    TextLine {
        question: question_text(definition, &insight.question),
        n: count(insight.n as u64),
        mood: stacked(&[
            (format!("positive {}", insight.positive), share(insight.positive), "good"),
            (format!("neutral {}", insight.neutral), share(insight.neutral), "rest"),
            (format!("negative {}", insight.negative), share(insight.negative), "bad"),
        ]),
        counts: format!(
            "{} positive · {} neutral · {} negative",
            count(insight.positive as u64),
            count(insight.neutral as u64),
            count(insight.negative as u64)
        ),
        trending: insight
            .trending
            .iter()
            .filter(|t| t.score > 0.0)
            .map(|t| format!("{} ({}, was {})", t.term, t.current, t.previous))
            .collect::<Vec<_>>()
            .join(", "),
        negatives: insight.latest_negative.clone(),
    }
}

struct IpaLine {
    item: String,
    importance: String,
    performance: String,
    quadrant: String,
}

#[derive(Template)]
#[template(path = "survey_report.html")]
struct ReportPage {
    layout: Layout,
    filter: ReportQuery,
    name: String,
    version: i64,
    state: &'static str,
    responses: String,
    invited: String,
    rate: String,
    public_link: String,
    embed_frame: String,
    embed_form: String,
    questions: Vec<QuestionLine>,
    dimensions: Vec<DimensionLine>,
    scales: Vec<ScaleLine>,
    ipa: Vec<IpaLine>,
    texts: Vec<TextLine>,
    chart: Option<LineChart>,
    chart_title: String,
    chart_desc: String,
}

/// `GET /surveys`.
pub(crate) async fn surveys(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, PageError> {
    let signed_in = session::require(&state, &headers, READERS, &uri).await?;
    let list = state.pool().run(surveys::list).await?;
    let rows = list
        .iter()
        .map(|s| SurveyRow {
            name: s.name.clone(),
            version: s.version,
            state: s.state.as_str(),
            trigger: s
                .purchase_trigger
                .as_ref()
                .map_or_else(|| "—".to_string(), |t| format!("{} days after purchase", t.delay_days)),
            invited: count(s.invited.max(0) as u64),
            responses: count(s.responses.max(0) as u64),
            rate: rate(s),
        })
        .collect();
    let layout = Layout::new(&signed_in, "Surveys", "/surveys");
    Ok(render(&SurveysPage { layout, surveys: rows }))
}

fn rate(info: &SurveyInfo) -> String {
    if info.invited > 0 {
        format!("{:.0} %", 100.0 * info.responses.min(info.invited) as f64 / info.invited as f64)
    } else {
        "—".to_string()
    }
}

/// `?from=&to=&source=&product=&segment=`: which responses the report reads.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ReportQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    product: String,
    #[serde(default)]
    segment: String,
}

impl ReportQuery {
    fn filter(&self) -> Result<analysis::ResponseFilter, AppError> {
        let day = |text: &str, what: &str| -> Result<Option<chrono::NaiveDate>, AppError> {
            if text.is_empty() {
                return Ok(None);
            }
            chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| AppError::Invalid(format!("{what} `{text}`: expected YYYY-MM-DD")))
        };
        let start = |d: chrono::NaiveDate| d.and_time(chrono::NaiveTime::MIN).and_utc();
        let text = |t: &str| (!t.trim().is_empty()).then(|| t.trim().to_string());
        Ok(analysis::ResponseFilter {
            since: day(&self.from, "from")?.map(start),
            until: day(&self.to, "to")?.and_then(|d| d.succ_opt()).map(start),
            source: text(&self.source),
            product: text(&self.product),
            segment: text(&self.segment),
        })
    }
}

/// `GET /surveys/{name}`.
pub(crate) async fn survey_report(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path(name): Path<String>,
    Query(query): Query<ReportQuery>,
) -> Result<Response, PageError> {
    let signed_in = session::require(&state, &headers, READERS, &uri).await?;
    let filter = query.filter()?;
    let scope = ReportScope { time_zone: state.time_zone(), ..ReportScope::default() };
    let shown = query.clone();
    let (report, embed_stamp) = state
        .pool()
        .run(move |store| {
            let report = analysis::report(store, &name, &filter, &scope, MIN_SAMPLE)?;
            let key = tenure_app::outbox::links::link_key(store)?;
            let stamp = answering::embed_stamp(&key, &report.survey.info.public_token);
            Ok((report, stamp))
        })
        .await?;
    let (survey, result) = (&report.survey, &report.analysis);
    let info = &survey.info;
    let public_link = format!("{}/s/p/{}", state.public_url(), info.public_token);
    let layout = Layout::new(&signed_in, format!("Survey: {}", info.name), "/surveys");
    let (chart, chart_title) = trend_chart(&survey.definition, result);
    let page = ReportPage {
        filter: shown,
        layout,
        name: info.name.clone(),
        version: info.version,
        state: info.state.as_str(),
        responses: count(result.responses as u64),
        invited: count(info.invited.max(0) as u64),
        rate: rate(info),
        embed_frame: format!(
            "<iframe src=\"{public_link}?embed=1\" title=\"Survey\" width=\"100%\" height=\"640\" \
             style=\"border:0\"></iframe>"
        ),
        embed_form: embed_form(&survey.definition, &public_link, &embed_stamp),
        public_link,
        questions: question_lines(&survey.definition, result),
        dimensions: dimension_lines(result),
        texts: report.texts.iter().map(|t| text_line(&survey.definition, t)).collect(),
        scales: result
            .scales
            .iter()
            .map(|(name, s)| ScaleLine {
                name: name.to_string(),
                items: s.items.len(),
                n: count(s.n),
                alpha: decimal(s.cronbach_alpha, 3),
            })
            .collect(),
        ipa: result
            .ipa
            .iter()
            .map(|i| IpaLine {
                item: question_text(&survey.definition, &i.item),
                importance: decimal(i.importance, 2),
                performance: decimal(i.performance, 2),
                quadrant: i
                    .quadrant
                    .and_then(|q| serde_json::to_value(q).ok())
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
            })
            .collect(),
        chart_desc: format!("{chart_title}, by month of the answer."),
        chart,
        chart_title,
    };
    Ok(render(&page))
}

/// A plain HTML form a shop can paste into its own page: the survey's first question (a single
/// scale), posting to the public link. Only for a first question that stands alone.
fn embed_form(definition: &SurveyDefinition, public_link: &str, stamp: &str) -> String {
    let lang = &definition.default_language;
    let Some(first) = definition.questions.first() else { return String::new() };
    let radios: String = first
        .scale_labels(lang)
        .into_iter()
        .map(|(value, label)| {
            format!(
                "  <label><input type=\"radio\" name=\"q.{id}\" value=\"{value}\"> {label}</label>\n",
                id = first.id,
                label = escape(&label)
            )
        })
        .collect();
    if radios.is_empty() {
        return String::new();
    }
    format!(
        "<form method=\"post\" action=\"{public_link}?embed=1\">\n  <p>{text}</p>\n{radios}  <input \
         type=\"hidden\" name=\"page\" value=\"1\">\n  <input type=\"hidden\" name=\"stamp\" value=\"{stamp}\">\n  \
         <div style=\"display:none\"><input name=\"website\" tabindex=\"-1\" autocomplete=\"off\"></div>\n  \
         <button type=\"submit\">Send</button>\n</form>",
        text = escape(first.text.get(lang, lang))
    )
}

/// The snippets are shown as text (the template escapes them again); this escapes what they embed.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn question_text(definition: &SurveyDefinition, id: &str) -> String {
    let lang = &definition.default_language;
    definition.question(id).map_or_else(|| id.to_string(), |q| q.text.get(lang, lang).to_string())
}

fn decimal(value: Option<f64>, digits: usize) -> String {
    value.map_or_else(|| "—".to_string(), |v| format!("{v:.digits$}"))
}

fn pct(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_string(), |v| format!("{v:.1} %"))
}

fn interval(ci: Option<[f64; 2]>, unit: &str) -> String {
    ci.map_or_else(String::new, |[low, high]| format!("{low:.1}–{high:.1}{unit}"))
}

fn question_lines(definition: &SurveyDefinition, result: &Analysis) -> Vec<QuestionLine> {
    result.questions.iter().map(|(id, stats)| question_line(definition, id, stats)).collect()
}

fn question_line(definition: &SurveyDefinition, id: &str, stats: &QuestionStats) -> QuestionLine {
    let mut line = QuestionLine {
        id: id.to_string(),
        text: question_text(definition, id),
        kind: kind_name(&stats.detail),
        n: count(stats.n),
        result: String::new(),
        interval: String::new(),
        warning: stats.warning.clone().unwrap_or_default(),
        bar: Vec::new(),
    };
    if stats.n == 0 {
        line.result = "no answers yet".to_string();
        return line;
    }
    match &stats.detail {
        QuestionDetail::Csat { csat_percent, mean, ci95 } => {
            line.result = format!("{} satisfied · mean {}", pct(*csat_percent), decimal(*mean, 2));
            line.interval = interval(*ci95, " %");
            if let Some(p) = csat_percent {
                line.bar = stacked(&[
                    (format!("satisfied {p:.0} %"), *p, "good"),
                    ("other".into(), 100.0 - p, "rest"),
                ]);
            }
        }
        QuestionDetail::Nps { nps, promoters, passives, detractors, ci95 } => {
            line.result = format!("NPS {}", decimal(*nps, 1));
            line.interval = interval(*ci95, "");
            if let (Some(p), Some(m), Some(d)) = (promoters, passives, detractors) {
                line.bar = stacked(&[
                    (format!("promoters {p:.0} %"), *p, "good"),
                    (format!("passives {m:.0} %"), *m, "rest"),
                    (format!("detractors {d:.0} %"), *d, "bad"),
                ]);
            }
        }
        QuestionDetail::Ces { mean, percent_agree } => {
            line.result = format!("mean {} · {} found it easy", decimal(*mean, 2), pct(*percent_agree));
        }
        QuestionDetail::Likert { mean, top2_box, bottom2_box, .. } => {
            line.result = format!(
                "mean {} · top-2 {} · bottom-2 {}",
                decimal(*mean, 2),
                pct(*top2_box),
                pct(*bottom2_box)
            );
        }
        QuestionDetail::Pair { expectation_mean, perception_mean, gap } => {
            line.result = format!(
                "gap {} (expected {}, experienced {})",
                decimal(*gap, 2),
                decimal(*expectation_mean, 2),
                decimal(*perception_mean, 2)
            );
        }
        QuestionDetail::Single { options } | QuestionDetail::Multi { options } => {
            line.result = options
                .iter()
                .map(|(option, c)| format!("{option}: {} ({})", c.count, pct(c.percent)))
                .collect::<Vec<_>>()
                .join(" · ");
        }
        QuestionDetail::Text {} => {
            line.result = "free text".to_string();
        }
    }
    line
}

/// What a question asks, in a word.
fn kind_name(detail: &QuestionDetail) -> &'static str {
    match detail {
        QuestionDetail::Csat { .. } => "CSAT",
        QuestionDetail::Nps { .. } => "NPS",
        QuestionDetail::Ces { .. } => "CES",
        QuestionDetail::Likert { .. } => "Likert",
        QuestionDetail::Pair { .. } => "expected vs experienced",
        QuestionDetail::Single { .. } | QuestionDetail::Multi { .. } => "choice",
        QuestionDetail::Text {} => "text",
    }
}

fn dimension_lines(result: &Analysis) -> Vec<DimensionLine> {
    result
        .dimensions
        .iter()
        .map(|(name, d)| DimensionLine {
            name: name.to_string(),
            expectation: decimal(d.expectation_mean, 2),
            perception: decimal(d.perception_mean, 2),
            gap: decimal(d.gap, 2),
            negative: d.gap.is_some_and(|g| g < 0.0),
            p_value: d.p_value.map_or_else(
                || "—".to_string(),
                |p| if p < 0.001 { "< 0.001".into() } else { format!("{p:.3}") },
            ),
        })
        .collect()
}

/// The monthly trend of the first NPS (else CSAT) question, when it has two months or more.
fn trend_chart(definition: &SurveyDefinition, result: &Analysis) -> (Option<LineChart>, String) {
    let headline = definition
        .questions
        .iter()
        .find(|q| q.kind == tenure_surveys::QuestionKind::Nps)
        .or_else(|| definition.questions.iter().find(|q| q.kind == tenure_surveys::QuestionKind::Csat));
    let Some(question) = headline else { return (None, String::new()) };
    let Some(points) = result.trends.month.get(&question.id) else { return (None, String::new()) };
    if points.len() < 2 {
        return (None, String::new());
    }
    let labels: Vec<String> = points.iter().map(|p| p.period.clone()).collect();
    let values: Vec<Option<f64>> = points.iter().map(|p| p.value).collect();
    let (name, unit, title) = if question.kind == tenure_surveys::QuestionKind::Nps {
        ("NPS", "", "Net Promoter Score by month")
    } else {
        ("CSAT", " %", "Satisfied customers (CSAT) by month")
    };
    let chart = line_chart(&labels, &[SeriesInput { name, class: "line-0", values: &values }], unit);
    (Some(chart), title.to_string())
}

/// `GET /surveys/{name}/responses.csv`.
pub(crate) async fn survey_responses_csv(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    uri: Uri,
    Path(name): Path<String>,
) -> Result<Response, PageError> {
    let signed_in = session::require(&state, &headers, READERS, &uri).await?;
    let what = format!("/surveys/{name}/responses.csv");
    let actor = crate::audit::allow_page_export(&state, &signed_in, &extensions, &what).await?;
    let file = format!("attachment; filename=\"{name}-responses.csv\"");
    let body = state
        .pool()
        .run(move |store| {
            let mut out = Vec::new();
            analysis::export_responses(store, &name, &mut out)?;
            Ok(out)
        })
        .await?;
    crate::audit::exported(&state, actor, &what, crate::audit::csv_rows(&body)).await?;
    Ok(download(body, "text/csv; charset=utf-8", &file))
}

/// `GET /surveys/{name}/definition.json`.
pub(crate) async fn survey_definition_json(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path(name): Path<String>,
) -> Result<Response, PageError> {
    session::require(&state, &headers, READERS, &uri).await?;
    let file = format!("attachment; filename=\"{name}.json\"");
    let survey = state.pool().run(move |store| surveys::show(store, SurveyKey::Name(&name))).await?;
    let body = serde_json::to_vec_pretty(&survey.definition)
        .map_err(|e| AppError::Store(StoreError::Other(format!("writing the definition: {e}"))))?;
    Ok(download(body, "application/json", &file))
}

fn download(body: Vec<u8>, content_type: &'static str, disposition: &str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(disposition).unwrap_or_else(|_| HeaderValue::from_static("attachment")),
    );
    response
}
