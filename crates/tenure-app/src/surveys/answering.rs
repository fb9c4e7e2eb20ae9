//! Answering a survey, page by page: by an invitation's single-use link or by the public link.
//!
//! Each page's answers are checked against its questions before anything is kept (a bad answer
//! stores nothing and names its question); what passes is merged into the response and kept, so
//! a customer who leaves comes back to the page they were on. The last page submits the
//! response, after which the link answers no more.
//!
//! Bots are turned away without a third party: every form carries a honeypot field people never
//! see or fill, and a signed stamp of when the page was served — a form sent back faster than the
//! survey's minimum fill time, or with a forged stamp, is refused and nothing is kept.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use tenure_domain::{CustomerId, Timestamp};
use tenure_store::{
    InvitationLink, ResponseChannel, ResponseOwner, ResponseWrite, Store, StoreError, StoredResponse,
    SurveyInfo, SurveyKey, SurveyState,
};
use tenure_surveys::{AnswerError, Answers, SurveyDefinition, parse_form_all};

use super::alerts;
use super::links::{is_token_shaped, token_hash};
use crate::AppError;
use crate::outbox::links::link_key;

/// The form field a person never sees; anything in it marks a bot.
pub const HONEYPOT_FIELD: &str = "website";
/// The form field with the signed time the page was served.
pub const STAMP_FIELD: &str = "stamp";
/// The form field naming the page answered.
pub const PAGE_FIELD: &str = "page";

/// Whose survey page this is.
#[derive(Debug, Clone, Copy)]
pub enum Visit<'a> {
    /// An invitation's link token.
    Invitation(&'a str),
    /// The public link's token and the visitor's resume key (from their cookie).
    Public {
        /// The survey's public token.
        survey: &'a str,
        /// The visitor's key.
        visitor: &'a str,
        /// Embedded in another site.
        embedded: bool,
    },
}

/// A page to show.
#[derive(Debug, Clone)]
pub struct Page {
    /// The survey.
    pub survey: SurveyInfo,
    /// The questions of the version being answered.
    pub definition: SurveyDefinition,
    /// The language to show.
    pub language: String,
    /// Which page (1-based).
    pub page: u16,
    /// How many pages.
    pub pages: u16,
    /// Answers kept so far (to fill the form in again).
    pub answers: Answers,
    /// The signed stamp the form carries back.
    pub stamp: String,
}

/// What opening or answering a survey page came to.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Show this page.
    Page(Box<Page>),
    /// Show this page again with these problems (nothing was kept).
    Rejected(Box<Page>, Vec<AnswerError>),
    /// The form looked automated (nothing was kept).
    Refused(&'static str),
    /// The response is complete: thank the customer.
    Done {
        /// The survey's title in the response's language.
        title: String,
        /// The language.
        language: String,
    },
    /// This link's survey was answered already.
    Answered,
    /// The link has expired, or the survey is closed.
    Expired,
    /// No such link.
    NotFound,
}

/// Who a response is for, once the visit is resolved.
struct Respondent {
    survey: SurveyInfo,
    owner: ResponseOwner,
    customer: Option<CustomerId>,
    channel: ResponseChannel,
    language: Option<String>,
    kept: Option<StoredResponse>,
}

/// Opens the page to answer next.
pub fn open(
    store: &mut dyn Store,
    visit: Visit<'_>,
    lang: Option<&str>,
    now: Timestamp,
) -> Result<Outcome, AppError> {
    let respondent = match resolve(store, visit, now)? {
        Ok(respondent) => respondent,
        Err(outcome) => return Ok(outcome),
    };
    let (definition, _) = version_of(store, &respondent)?;
    let answers = kept_answers(&definition, respondent.kept.as_ref())?;
    let page = respondent.kept.as_ref().map_or(1, |r| r.next_page).clamp(1, i64::from(definition.pages()));
    let language = language(&definition, lang.or(respondent.language.as_deref()));
    Ok(Outcome::Page(Box::new(page_of(
        store,
        respondent.survey,
        definition,
        language,
        page as u16,
        answers,
        now,
    )?)))
}

/// Takes one page of answers (`fields` as the form sent them).
pub fn answer(
    store: &mut dyn Store,
    visit: Visit<'_>,
    lang: Option<&str>,
    fields: &[(String, String)],
    public_url: &str,
    now: Timestamp,
) -> Result<Outcome, AppError> {
    let respondent = match resolve(store, visit, now)? {
        Ok(respondent) => respondent,
        Err(outcome) => return Ok(outcome),
    };
    let key = link_key(store)?;
    let embed =
        (respondent.channel == ResponseChannel::Embed).then_some(respondent.survey.public_token.as_str());
    if let Some(refusal) = bot_check(&key, fields, respondent.survey.settings.min_fill_seconds, embed, now) {
        return Ok(Outcome::Refused(refusal));
    }
    let (definition, version) = version_of(store, &respondent)?;
    let language = language(&definition, lang.or(respondent.language.as_deref()));
    let mut answers = kept_answers(&definition, respondent.kept.as_ref())?;
    let pages = definition.pages();
    let page =
        field(fields, PAGE_FIELD).and_then(|p| p.parse::<u16>().ok()).filter(|p| (1..=pages).contains(p));
    let Some(page) = page else {
        return Ok(Outcome::Refused("the form does not say which page it is"));
    };
    let on_page = match parse_form_all(&definition, page, fields) {
        Ok(on_page) => on_page,
        Err(errors) => {
            let shown = page_of(store, respondent.survey, definition, language, page, answers, now)?;
            return Ok(Outcome::Rejected(Box::new(shown), errors));
        }
    };
    let page_ids: Vec<String> = definition.questions_on(page).map(|q| q.id.clone()).collect();
    answers.0.retain(|id, _| !page_ids.contains(id));
    answers.0.extend(on_page.0);
    let submit = page == pages;
    if submit && let Err(error) = answers.check_required(&definition) {
        let shown = page_of(store, respondent.survey, definition, language, page, answers, now)?;
        return Ok(Outcome::Rejected(Box::new(shown), vec![error]));
    }
    let json = answers.to_json().to_string();
    let effects = if submit {
        let who = alerts::Respondent {
            survey: &respondent.survey.name,
            response_key: &owner_key(&respondent.owner),
            customer: respondent.customer,
            public_url,
        };
        let rules = store.alert_rules(respondent.survey.id)?;
        Some(alerts::effects(&rules, &definition, &answers, &who, now)?)
    } else {
        None
    };
    let write = ResponseWrite {
        survey_id: respondent.survey.id,
        version,
        owner: respondent.owner,
        customer_id: respondent.customer,
        channel: respondent.channel,
        language: &language,
        answers: &json,
        next_page: i64::from(page) + 1,
        submit,
        on_submit: effects.as_ref(),
    };
    match store.save_survey_response(&write, now) {
        Ok(_) => {}
        Err(StoreError::Conflict(_)) => return Ok(Outcome::Answered),
        Err(other) => return Err(other.into()),
    }
    if submit {
        let title = definition.title.get(&language, &definition.default_language).to_string();
        return Ok(Outcome::Done { title, language });
    }
    Ok(Outcome::Page(Box::new(page_of(
        store,
        respondent.survey,
        definition,
        language,
        page + 1,
        answers,
        now,
    )?)))
}

/// A response collected elsewhere (a shop's own form, a support tool), sent through the API.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseInput {
    /// The sender's key for this response (1 to 200 visible ASCII characters): sending the same
    /// key again is harmless.
    pub key: String,
    /// The customer who answered, when known.
    #[serde(default)]
    pub customer_id: Option<i64>,
    /// The answers, by question id (docs/surveys.md).
    pub answers: serde_json::Value,
}

/// What recording an API response came to.
#[derive(Debug, Clone)]
pub enum Recorded {
    /// Stored now.
    Created(StoredResponse),
    /// Stored before under this key with these answers: nothing changed.
    Replayed(StoredResponse),
    /// An answer does not fit its question (nothing stored).
    Rejected(AnswerError),
}

/// Records a complete response to survey `name` from the API. The same key with the same answers
/// answers the stored response again; with other answers it is a [`StoreError::Conflict`].
pub fn record(
    store: &mut dyn Store,
    name: &str,
    input: &ResponseInput,
    public_url: &str,
    now: Timestamp,
) -> Result<Recorded, AppError> {
    let key = input.key.as_str();
    if key.is_empty() || key.len() > 200 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(AppError::Invalid("`key`: 1 to 200 visible ASCII characters".into()));
    }
    let survey = store.survey_uncounted(SurveyKey::Name(name))?;
    if survey.state != SurveyState::Live {
        return Err(AppError::Store(StoreError::Conflict(format!("survey `{name}` is closed"))));
    }
    let customer = input.customer_id.map(CustomerId);
    if let Some(customer) = customer {
        store.customer(customer)?;
    }
    let owner = ResponseOwner::Visitor(token_hash(&format!("api:{key}")));
    let kept = store.survey_response(&owner)?;
    let version = kept.as_ref().map_or(survey.version, |r| r.version);
    let definition = super::definition_of(store, survey.id, version)?;
    let answers = match Answers::from_json(&definition, &input.answers).and_then(|a| {
        a.check_required(&definition)?;
        Ok(a)
    }) {
        Ok(answers) => answers,
        Err(error) => return Ok(Recorded::Rejected(error)),
    };
    let json = answers.to_json().to_string();
    if let Some(kept) = kept.filter(|r| r.submitted_at.is_some()) {
        return if kept.answers == json && kept.customer_id == customer {
            Ok(Recorded::Replayed(kept))
        } else {
            Err(AppError::Store(StoreError::Conflict(format!("key `{key}` was used for other answers"))))
        };
    }
    let rules = store.alert_rules(survey.id)?;
    let who =
        alerts::Respondent { survey: &survey.name, response_key: &owner_key(&owner), customer, public_url };
    let effects = alerts::effects(&rules, &definition, &answers, &who, now)?;
    let write = ResponseWrite {
        survey_id: survey.id,
        version,
        owner,
        customer_id: customer,
        channel: ResponseChannel::Api,
        language: &definition.default_language,
        answers: &json,
        next_page: i64::from(definition.pages()) + 1,
        submit: true,
        on_submit: Some(&effects),
    };
    Ok(Recorded::Created(store.save_survey_response(&write, now)?))
}

/// A key unique to a response's owner (alerts are written once per key).
fn owner_key(owner: &ResponseOwner) -> String {
    match owner {
        ResponseOwner::Invitation(id) => format!("invitation-{id}"),
        ResponseOwner::Visitor(hash) => format!("visitor-{}", hash.get(..16).unwrap_or(hash)),
    }
}

/// Finds the survey, respondent and kept response of a visit, or the outcome that ends it.
fn resolve(
    store: &mut dyn Store,
    visit: Visit<'_>,
    now: Timestamp,
) -> Result<Result<Respondent, Outcome>, AppError> {
    match visit {
        Visit::Invitation(token) => {
            if !is_token_shaped(token) {
                return Ok(Err(Outcome::NotFound));
            }
            let Some(link) = store.survey_link(&token_hash(token))? else {
                return Ok(Err(Outcome::NotFound));
            };
            invitation_respondent(store, link, now)
        }
        Visit::Public { survey, visitor, embedded } => {
            let info = match store.survey_uncounted(SurveyKey::PublicToken(survey)) {
                Ok(info) => info,
                Err(StoreError::NotFound(_)) => return Ok(Err(Outcome::NotFound)),
                Err(other) => return Err(other.into()),
            };
            if info.state != SurveyState::Live {
                return Ok(Err(Outcome::Expired));
            }
            let owner = ResponseOwner::Visitor(token_hash(visitor));
            let kept = store.survey_response(&owner)?;
            if kept.as_ref().is_some_and(|r| r.submitted_at.is_some()) {
                return Ok(Err(Outcome::Answered));
            }
            let channel = if embedded { ResponseChannel::Embed } else { ResponseChannel::Link };
            Ok(Ok(Respondent { survey: info, owner, customer: None, channel, language: None, kept }))
        }
    }
}

fn invitation_respondent(
    store: &mut dyn Store,
    link: InvitationLink,
    now: Timestamp,
) -> Result<Result<Respondent, Outcome>, AppError> {
    if link.answered {
        return Ok(Err(Outcome::Answered));
    }
    let info = store.survey_uncounted(SurveyKey::Id(link.survey_id))?;
    if info.state != SurveyState::Live || link.expires_at.is_some_and(|at| at <= now) {
        return Ok(Err(Outcome::Expired));
    }
    let owner = ResponseOwner::Invitation(link.invitation_id);
    let kept = store.survey_response(&owner)?;
    Ok(Ok(Respondent {
        survey: info,
        owner,
        customer: Some(link.customer_id),
        channel: ResponseChannel::Email,
        language: link.language,
        kept,
    }))
}

/// The definition a response answers: the version it began with, else the current one.
fn version_of(store: &mut dyn Store, respondent: &Respondent) -> Result<(SurveyDefinition, i64), AppError> {
    let version = respondent.kept.as_ref().map_or(respondent.survey.version, |r| r.version);
    Ok((super::definition_of(store, respondent.survey.id, version)?, version))
}

fn kept_answers(definition: &SurveyDefinition, kept: Option<&StoredResponse>) -> Result<Answers, AppError> {
    let Some(kept) = kept else { return Ok(Answers::new()) };
    let value: serde_json::Value = serde_json::from_str(&kept.answers)
        .map_err(|e| AppError::Invalid(format!("stored answers of response {}: {e}", kept.id)))?;
    Answers::from_json(definition, &value)
        .map_err(|e| AppError::Invalid(format!("stored answers of response {}: {e}", kept.id)))
}

/// The language to show: the one asked for (its primary subtag) when the survey has its texts,
/// else the survey's default.
pub fn language(definition: &SurveyDefinition, wanted: Option<&str>) -> String {
    let primary = wanted.and_then(|tag| tag.split(['-', '_']).next()).map(str::to_ascii_lowercase);
    match primary {
        Some(lang) if definition.title.has(&lang) => lang,
        _ => definition.default_language.clone(),
    }
}

fn page_of(
    store: &mut dyn Store,
    survey: SurveyInfo,
    definition: SurveyDefinition,
    language: String,
    page: u16,
    answers: Answers,
    now: Timestamp,
) -> Result<Page, AppError> {
    let key = link_key(store)?;
    let pages = definition.pages();
    Ok(Page { survey, definition, language, page, pages, answers, stamp: stamp(&key, now) })
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

type HmacSha256 = Hmac<Sha256>;

fn stamp_mac(key: &[u8], seconds: i64) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(b"survey-stamp:");
    mac.update(seconds.to_string().as_bytes());
    mac
}

/// The signed time a page was served: `{unix seconds}.{hex HMAC}`.
pub fn stamp(key: &[u8], now: Timestamp) -> String {
    let seconds = now.timestamp();
    let mac: String =
        stamp_mac(key, seconds).finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    format!("{seconds}.{mac}")
}

fn embed_mac(key: &[u8], public_token: &str) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(b"survey-embed:");
    mac.update(public_token.as_bytes());
    mac
}

/// The stamp of a plain HTML form a shop pastes into its own page (`embed.{hex HMAC}` of the
/// survey's public token): it has no time, so the minimum fill time cannot apply to it; the
/// honeypot and the rate limits do.
pub fn embed_stamp(key: &[u8], public_token: &str) -> String {
    let mac: String =
        embed_mac(key, public_token).finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    format!("embed.{mac}")
}

/// Why a form is taken for a bot's, or `None` when it passes: the honeypot is empty, and the
/// page was served (by us: the stamp verifies) at least `min_fill_seconds` ago — or, for a form
/// embedded in a shop's page (`embed` names the survey's public token), it carries that survey's
/// embed stamp.
pub fn bot_check(
    key: &[u8],
    fields: &[(String, String)],
    min_fill_seconds: i64,
    embed: Option<&str>,
    now: Timestamp,
) -> Option<&'static str> {
    if field(fields, HONEYPOT_FIELD).is_some_and(|v| !v.is_empty()) {
        return Some("the form was filled in by a program");
    }
    if let (Some(token), Some(mac)) =
        (embed, field(fields, STAMP_FIELD).and_then(|s| s.strip_prefix("embed.")))
    {
        let valid = hex_bytes(mac).is_some_and(|mac| embed_mac(key, token).verify_slice(&mac).is_ok());
        return (!valid).then_some("the form is incomplete: please open the survey again");
    }
    let Some((seconds, mac)) = field(fields, STAMP_FIELD).and_then(|s| s.split_once('.')) else {
        return Some("the form is incomplete: please open the survey again");
    };
    let Ok(served) = seconds.parse::<i64>() else {
        return Some("the form is incomplete: please open the survey again");
    };
    let valid = hex_bytes(mac).is_some_and(|mac| stamp_mac(key, served).verify_slice(&mac).is_ok());
    if !valid {
        return Some("the form is incomplete: please open the survey again");
    }
    if now.timestamp() - served < min_fill_seconds {
        return Some(
            "that was faster than a person can answer: please check your answers and send them again",
        );
    }
    None
}

fn hex_bytes(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn the_bot_check_wants_an_empty_honeypot_a_genuine_stamp_and_time_to_read() {
        let key = [3u8; 32];
        let served = chrono::Utc.with_ymd_and_hms(2026, 5, 1, 10, 0, 0).unwrap();
        let good = stamp(&key, served);
        let later = served + chrono::Duration::seconds(5);
        assert_eq!(bot_check(&key, &fields(&[("stamp", &good), ("website", "")]), 3, None, later), None);
        assert!(bot_check(&key, &fields(&[("stamp", &good), ("website", "spam")]), 3, None, later).is_some());
        assert!(bot_check(&key, &fields(&[("stamp", &good)]), 10, None, later).is_some(), "too fast");
        assert!(bot_check(&key, &fields(&[]), 0, None, later).is_some(), "no stamp");
        let forged = format!("{}.{}", served.timestamp() - 100, good.split_once('.').unwrap().1);
        assert!(
            bot_check(&key, &fields(&[("stamp", &forged)]), 3, None, later).is_some(),
            "a stamp moved back"
        );
        assert!(bot_check(&[4u8; 32], &fields(&[("stamp", &good)]), 3, None, later).is_some(), "another key");
        assert!(bot_check(&key, &fields(&[("stamp", "1.zz")]), 0, None, later).is_some());
        // A shop's embedded form: its survey's embed stamp, no fill time; not another survey's.
        let embedded = embed_stamp(&key, "survey-a");
        assert_eq!(bot_check(&key, &fields(&[("stamp", &embedded)]), 60, Some("survey-a"), served), None);
        assert!(bot_check(&key, &fields(&[("stamp", &embedded)]), 60, Some("survey-b"), served).is_some());
        assert!(
            bot_check(&key, &fields(&[("stamp", &embedded)]), 0, None, served).is_some(),
            "not on the page"
        );
        let spam = [("stamp", embedded.as_str()), ("website", "x")];
        assert!(
            bot_check(&key, &fields(&spam), 0, Some("survey-a"), served).is_some(),
            "the honeypot still counts"
        );
    }
}
