//! From causes to e-mails: purchases (and sends to chosen customers) become invitations, and
//! invitations that fall due become outbox messages — the invitation, then its reminders — each
//! in the transaction that marks the invitation. Runs as the recurring `survey.dispatch` job and
//! on demand (`tenure survey send`, `tenure survey dispatch --now`).

use serde::Serialize;
use tenure_domain::{CustomerId, Timestamp};
use tenure_store::{
    DueInvitation, InvitationSend, MessageKind, NewInvitation, NewMessage, Purpose, Store, SurveyKey,
};

use super::links::{PLACEHOLDER, survey_url};
use crate::AppError;
use crate::outbox::email::{Action, Content, render, words_for};
use crate::outbox::links::{link_key, unsubscribe_token, unsubscribe_url};

/// Due invitations handled per transaction.
const BATCH: usize = 200;

/// What invitation e-mails need to know of the shop.
#[derive(Debug, Clone)]
pub struct SurveyMail<'a> {
    /// The server's address as customers reach it (links point there).
    pub public_url: &'a str,
    /// Who signs the e-mails (the shop's name).
    pub shop: &'a str,
}

/// What a dispatch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Dispatched {
    /// Invitations written for new purchases.
    pub invited: u64,
    /// E-mails queued (invitations and reminders).
    pub queued: u64,
    /// Invitations skipped, each with its reason on the invitation.
    pub skipped: u64,
}

/// Invites after new purchases, then queues every invitation and reminder due at `now`.
pub fn dispatch(
    store: &mut dyn Store,
    mail: &SurveyMail<'_>,
    now: Timestamp,
) -> Result<Dispatched, AppError> {
    let mut done = Dispatched { invited: store.scan_purchase_triggers(now)?, ..Dispatched::default() };
    let key = link_key(store)?;
    loop {
        let due = store.due_invitations(now, BATCH)?;
        if due.is_empty() {
            return Ok(done);
        }
        let sends = due
            .into_iter()
            .map(|due| {
                let send = invitation_mail(&key, mail, &due, now)?;
                Ok((due, send))
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        let outcome = store.queue_invitations(&sends, now)?;
        done.queued += outcome.queued;
        done.skipped += outcome.skipped;
        if outcome.queued + outcome.skipped == 0 {
            // Everything due was taken by another process between the read and the write.
            return Ok(done);
        }
    }
}

/// Invites `customers` to a survey now (a customer invited to it within its interval is skipped
/// when the invitation falls due); returns how many invitations were written.
pub fn invite_now(
    store: &mut dyn Store,
    survey: &str,
    customers: &[CustomerId],
    batch: &str,
    now: Timestamp,
) -> Result<u64, AppError> {
    let info = store.survey(SurveyKey::Name(survey))?;
    let invitations: Vec<NewInvitation> = customers
        .iter()
        .map(|customer| NewInvitation {
            customer_id: *customer,
            cause: format!("send:{batch}:{}", customer.0),
            order_id: None,
            due_at: now,
        })
        .collect();
    Ok(store.invite(info.id, &invitations, now)?)
}

/// The e-mail of a due invitation (or reminder), or why none can go.
fn invitation_mail(
    key: &[u8],
    mail: &SurveyMail<'_>,
    due: &DueInvitation,
    now: Timestamp,
) -> Result<InvitationSend, AppError> {
    let Some(address) = due.email.clone() else {
        return Ok(InvitationSend::Skip("the customer has no e-mail address".to_string()));
    };
    let content = content(mail, due);
    let unsubscribe = unsubscribe_url(mail.public_url, &unsubscribe_token(key, due.customer_id));
    let mut payload = render(&content, due.language.as_deref(), Some(&unsubscribe))
        .map_err(|e| AppError::Invalid(format!("rendering: {e}")))?;
    payload.survey_invitation = Some(due.id);
    let topic = if due.reminder == 0 { "survey.invitation" } else { "survey.reminder" };
    Ok(InvitationSend::Queue(NewMessage {
        kind: MessageKind::Email,
        purpose: Purpose::Survey,
        topic: topic.to_string(),
        customer_id: Some(due.customer_id),
        recipient: address,
        subscription_id: None,
        payload: serde_json::to_string(&payload).map_err(|e| AppError::Invalid(e.to_string()))?,
        // A dispatch run as of a later time (`survey dispatch --now`, a test's clock) sends at once.
        not_before: now.min(chrono::Utc::now()),
        dedupe_key: Some(format!("survey-invitation:{}:{}", due.id, due.reminder)),
    }))
}

/// What an invitation says, in the customer's language where we have the words.
fn content(mail: &SurveyMail<'_>, due: &DueInvitation) -> Content {
    let german = words_for(due.language.as_deref()).language() == "de";
    let (subject, ask, why, button, reminder) = if german {
        (
            "Wie zufrieden waren Sie?",
            "Wir würden gern wissen, wie zufrieden Sie mit uns sind. Die Umfrage dauert etwa zwei Minuten.",
            "Ihre Antworten lesen wir selbst; sie helfen uns, besser zu werden.",
            "Zur Umfrage",
            "Erinnerung: ",
        )
    } else {
        (
            "How did we do?",
            "We would like to know how satisfied you are with us. The survey takes about two minutes.",
            "We read every answer ourselves; it helps us do better.",
            "Answer the survey",
            "Reminder: ",
        )
    };
    let subject = if due.reminder > 0 { format!("{reminder}{subject}") } else { subject.to_string() };
    Content {
        subject,
        greeting_name: due.name.clone(),
        paragraphs: vec![ask.to_string(), why.to_string()],
        action: Some(Action { label: button.to_string(), url: survey_url(mail.public_url, PLACEHOLDER) }),
        signature: mail.shop.to_string(),
    }
}
