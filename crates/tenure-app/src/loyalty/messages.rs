//! What the programme tells members, by e-mail through the outbox, and what it tells a shop
//! integration, by webhook: a new tier, points about to lapse, a coupon issued.

use tenure_domain::Timestamp;
use tenure_loyalty::RewardKind;
use tenure_store::{Contact, Event, MessageKind, NewCoupon, NewMessage, Purpose, StoreError};

use super::ActiveProgramme;
use super::links::{member_token, member_url};
use crate::outbox::email::{Action, Content, render};

/// Topic of the e-mail announcing a new tier.
pub const TIER_TOPIC: &str = "loyalty.tier";
/// Topic of the e-mail warning of points about to lapse.
pub const EXPIRY_TOPIC: &str = "loyalty.expiry";
/// Topic of the e-mail carrying a coupon.
pub const COUPON_TOPIC: &str = "loyalty.coupon";
/// The webhook event of an issued coupon, for a shop integration that creates the code.
pub const COUPON_EVENT: &str = "coupon.issued";

/// Who sends the programme's e-mails and where members' links lead.
#[derive(Debug, Clone, Default)]
pub struct Mailing {
    /// The shop's name, signing the e-mails.
    pub shop: String,
    /// The server's address as customers reach it, with the key that signs their links; without
    /// it e-mails carry no link.
    pub links: Option<(String, Vec<u8>)>,
}

impl Mailing {
    fn link(&self, contact: &Contact, now: Timestamp) -> Option<Action> {
        let (public_url, key) = self.links.as_ref()?;
        let url = member_url(public_url, &member_token(key, contact.id, now));
        Some(Action { label: "See your points".into(), url })
    }
}

fn message(
    mailing: &Mailing,
    contact: &Contact,
    topic: &str,
    subject: String,
    paragraphs: Vec<String>,
    dedupe_key: String,
    now: Timestamp,
) -> Result<Option<NewMessage>, StoreError> {
    let Some(email) = &contact.email else { return Ok(None) };
    let content = Content {
        subject,
        greeting_name: contact.name.clone(),
        paragraphs,
        action: mailing.link(contact, now),
        signature: mailing.shop.clone(),
    };
    let payload =
        render(&content, None, None).map_err(|e| StoreError::Other(format!("rendering an e-mail: {e}")))?;
    Ok(Some(NewMessage {
        kind: MessageKind::Email,
        // About the member's own account: sent without marketing consent, never to a suppressed address.
        purpose: Purpose::Transactional,
        topic: topic.into(),
        customer_id: Some(contact.id),
        recipient: email.clone(),
        subscription_id: None,
        payload: serde_json::to_string(&payload).map_err(|e| StoreError::Other(e.to_string()))?,
        not_before: now,
        dedupe_key: Some(dedupe_key),
    }))
}

fn day(at: Timestamp) -> String {
    at.format("%-d %B %Y").to_string()
}

/// The e-mail telling a member their tier changed.
pub(crate) fn tier_changed(
    mailing: &Mailing,
    programme: &ActiveProgramme,
    contact: &Contact,
    from: &str,
    to: &str,
    period_end: Timestamp,
    now: Timestamp,
) -> Result<Option<NewMessage>, StoreError> {
    let up = programme.rules.tiers.levels.iter().position(|l| l.name == to)
        > programme.rules.tiers.levels.iter().position(|l| l.name == from);
    let (subject, first) = if up {
        (format!("Welcome to {to}"), format!("You have reached {to}: thank you for shopping with us."))
    } else {
        (format!("Your membership is now {to}"), format!("Your membership has moved from {from} to {to}."))
    };
    let multiplier = programme.rules.multiplier_percent(to);
    let paragraphs = vec![
        first,
        format!(
            "As {to} you earn {multiplier}% of the usual points on every purchase, until at least {}.",
            day(period_end)
        ),
    ];
    let key = format!("{TIER_TOPIC}:{}:{to}:{}", contact.id.0, now.timestamp());
    message(mailing, contact, TIER_TOPIC, subject, paragraphs, key, now)
}

/// The e-mail warning that `points` lapse at `at`.
pub(crate) fn expiry_notice(
    mailing: &Mailing,
    contact: &Contact,
    points: i64,
    at: Timestamp,
    now: Timestamp,
) -> Result<Option<NewMessage>, StoreError> {
    let subject = format!("{points} of your points expire on {}", day(at));
    let paragraphs = vec![
        format!("{points} points in your account expire on {}.", day(at)),
        "Spend them on a reward before then and they are not lost.".into(),
    ];
    let key = format!("{EXPIRY_TOPIC}:{}:{}", contact.id.0, at.timestamp());
    message(mailing, contact, EXPIRY_TOPIC, subject, paragraphs, key, now)
}

/// What a coupon gives, in words.
pub fn describe(kind: &RewardKind, currency: &str, exponent: u32) -> String {
    match kind {
        RewardKind::AmountOff { minor } => {
            let unit = 10i64.pow(exponent);
            if exponent == 0 {
                format!("{minor} {currency} off")
            } else {
                format!("{}.{:0width$} {currency} off", minor / unit, minor % unit, width = exponent as usize)
            }
        }
        RewardKind::PercentOff { percent } => format!("{percent}% off"),
        RewardKind::FreeShipping => "free shipping".into(),
        RewardKind::Gift { description } => format!("a gift: {description}"),
    }
}

/// The e-mail carrying a coupon.
pub(crate) fn coupon_issued(
    mailing: &Mailing,
    programme: &ActiveProgramme,
    contact: &Contact,
    coupon: &NewCoupon,
    kind: &RewardKind,
    now: Timestamp,
) -> Result<Option<NewMessage>, StoreError> {
    let currency = programme.rules.currency;
    let gives = describe(kind, currency.code(), currency.exponent());
    let paragraphs = vec![
        format!("Here is your reward, {} ({gives}), for {} points.", coupon.reward_name, coupon.points),
        format!("Your code: {}", coupon.code),
        "Enter it at checkout. It works once.".into(),
    ];
    let key = format!("{COUPON_TOPIC}:{}", coupon.code);
    message(
        mailing,
        contact,
        COUPON_TOPIC,
        format!("Your reward: {}", coupon.reward_name),
        paragraphs,
        key,
        now,
    )
}

/// The `coupon.issued` webhook event, for a shop integration that creates the code in the shop.
pub(crate) fn coupon_event(
    programme: &ActiveProgramme,
    contact: &Contact,
    coupon: &NewCoupon,
    kind: &RewardKind,
) -> Event<'static> {
    let data = serde_json::json!({
        "code": coupon.code,
        "customer_id": contact.id.0,
        "email": contact.email,
        "reward": { "id": coupon.reward_id, "name": coupon.reward_name, "kind": kind },
        "points": coupon.points,
        "currency": programme.rules.currency.code(),
        "single_use": true,
    });
    Event {
        event_type: COUPON_EVENT,
        customer_id: Some(contact.id),
        data,
        summary: format!(
            "Coupon {} issued: {} for {} points",
            coupon.code, coupon.reward_name, coupon.points
        ),
        key: Some(format!("{COUPON_EVENT}:{}", coupon.code)),
        only_subscription: None,
    }
}
