//! E-mails: what a feature says (a subject, paragraphs, an optional button), rendered at enqueue
//! time into plain text and HTML from the askama templates in `templates/mail/`, in the
//! customer's language where the fixed words exist in it (else English), and stored in the outbox
//! as JSON. The worker turns that JSON into a MIME message with the outbox id as `Message-ID`.

use askama::Template;
use lettre::Message;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use serde::{Deserialize, Serialize};

/// The fixed words of a message, per language.
#[derive(Debug, Clone, Copy)]
pub struct Words {
    lang: &'static str,
    hello: &'static str,
    hello_anonymous: &'static str,
    why: &'static str,
    unsubscribe: &'static str,
}

const ENGLISH: Words = Words {
    lang: "en",
    hello: "Hello",
    hello_anonymous: "Hello,",
    why: "You receive this because you bought from us.",
    unsubscribe: "Unsubscribe",
};

const GERMAN: Words = Words {
    lang: "de",
    hello: "Hallo",
    hello_anonymous: "Hallo,",
    why: "Sie erhalten diese Nachricht, weil Sie bei uns eingekauft haben.",
    unsubscribe: "Abmelden",
};

impl Words {
    /// The language these words are in (`en`, `de`).
    pub fn language(&self) -> &'static str {
        self.lang
    }
}

/// The words for `language` (an IETF tag such as `de-AT`; its primary subtag decides), English
/// where there are none.
pub fn words_for(language: Option<&str>) -> Words {
    let primary = language.and_then(|tag| tag.split(['-', '_']).next()).unwrap_or("en");
    if primary.eq_ignore_ascii_case("de") { GERMAN } else { ENGLISH }
}

/// A button in a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    /// Its text.
    pub label: String,
    /// Where it leads.
    pub url: String,
}

/// What a message says, before rendering.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Content {
    /// The subject line.
    pub subject: String,
    /// The name to greet, when known.
    pub greeting_name: Option<String>,
    /// The body, one paragraph each.
    pub paragraphs: Vec<String>,
    /// A button, if any.
    pub action: Option<Action>,
    /// Who signs it (the shop).
    pub signature: String,
}

#[derive(Template)]
#[template(path = "mail/message.html")]
struct HtmlPart<'a> {
    content: &'a Content,
    words: Words,
    unsubscribe_url: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "mail/message.txt")]
struct TextPart<'a> {
    content: &'a Content,
    words: Words,
    unsubscribe_url: Option<&'a str>,
}

/// A rendered e-mail as the outbox keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailPayload {
    /// The recipient's name, when known.
    pub to_name: Option<String>,
    /// The subject line.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part.
    pub html: String,
    /// The signed one-click unsubscribe link (surveys and marketing).
    pub unsubscribe_url: Option<String>,
    /// The survey invitation whose link the text and HTML hold as a placeholder, minted when the
    /// message is claimed for delivery (see `surveys::links`): the link exists nowhere in plain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub survey_invitation: Option<i64>,
}

/// Renders `content` for a reader of `language`, with an unsubscribe link when given.
pub fn render(
    content: &Content,
    language: Option<&str>,
    unsubscribe_url: Option<&str>,
) -> Result<EmailPayload, askama::Error> {
    let words = words_for(language);
    let text = TextPart { content, words, unsubscribe_url }.render()?;
    let html = HtmlPart { content, words, unsubscribe_url }.render()?;
    Ok(EmailPayload {
        to_name: content.greeting_name.clone(),
        subject: content.subject.clone(),
        text,
        html,
        unsubscribe_url: unsubscribe_url.map(str::to_string),
        survey_invitation: None,
    })
}

/// Why a stored e-mail cannot become a MIME message (a permanent failure: retrying cannot help).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BuildError(String);

/// The MIME message of outbox message `message_id` (the `Message-ID` without angle brackets) to
/// `to`, from `from`: multipart/alternative plain text and HTML, with RFC 8058 one-click
/// unsubscribe headers when the payload has a link.
pub fn mime_message(
    payload: &EmailPayload,
    to: &str,
    from: &Mailbox,
    message_id: &str,
) -> Result<Message, BuildError> {
    let address = to.parse().map_err(|e| BuildError(format!("recipient `{to}`: {e}")))?;
    let mut builder = Message::builder()
        .from(from.clone())
        .to(Mailbox::new(payload.to_name.clone(), address))
        .subject(payload.subject.clone())
        .message_id(Some(format!("<{message_id}>")));
    if let Some(url) = &payload.unsubscribe_url {
        builder = builder
            .raw_header(raw_header("List-Unsubscribe", format!("<{url}>"))?)
            .raw_header(raw_header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click".to_string())?);
    }
    builder
        .multipart(MultiPart::alternative_plain_html(payload.text.clone(), payload.html.clone()))
        .map_err(|e| BuildError(format!("building the message: {e}")))
}

fn raw_header(name: &str, value: String) -> Result<HeaderValue, BuildError> {
    let name = HeaderName::new_from_ascii(name.to_string())
        .map_err(|e| BuildError(format!("header {name}: {e}")))?;
    Ok(HeaderValue::new(name, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content() -> Content {
        Content {
            subject: "Spring <sale>".into(),
            greeting_name: Some("Ann & Bo".into()),
            paragraphs: vec!["Everything is 10 % off <b>this week</b>.".into()],
            action: Some(Action { label: "Shop now".into(), url: "https://shop.example/?a=1&b=2".into() }),
            signature: "Linden Tea".into(),
        }
    }

    #[test]
    fn the_html_part_escapes_what_it_prints_and_the_text_part_keeps_it_plain() {
        let payload = render(&content(), None, Some("https://t.example/u/1.abc")).unwrap();
        assert!(
            payload.html.contains("Ann &#38; Bo") || payload.html.contains("Ann &amp; Bo"),
            "{}",
            payload.html
        );
        assert!(!payload.html.contains("<b>this week</b>"));
        assert!(payload.text.contains("Hello Ann & Bo,"));
        assert!(payload.text.contains("Everything is 10 % off <b>this week</b>."));
        assert!(payload.text.contains("Unsubscribe: https://t.example/u/1.abc"));
    }

    #[test]
    fn german_readers_get_the_german_words_and_unknown_languages_english() {
        let german = render(&content(), Some("de-AT"), Some("https://t.example/u")).unwrap();
        assert!(german.text.starts_with("Hallo Ann & Bo,"));
        assert!(german.text.contains("Abmelden: https://t.example/u"));
        let other = render(&content(), Some("fi"), None).unwrap();
        assert!(other.text.starts_with("Hello Ann & Bo,"));
        assert!(!other.text.contains("Unsubscribe"), "no link, no footer");
    }

    #[test]
    fn a_message_with_a_link_carries_the_one_click_unsubscribe_headers() {
        let payload = render(&content(), None, Some("https://t.example/unsubscribe/7.x")).unwrap();
        let from: Mailbox = "Linden Tea <shop@linden.example>".parse().unwrap();
        let message = mime_message(&payload, "ann@example.com", &from, "42.abc@linden.example").unwrap();
        let text = String::from_utf8(message.formatted()).unwrap();
        assert!(text.contains("List-Unsubscribe: <https://t.example/unsubscribe/7.x>\r\n"), "{text}");
        assert!(text.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"));
        assert!(text.contains("Message-ID: <42.abc@linden.example>\r\n"));
        assert!(text.contains("multipart/alternative"));
        assert!(text.contains("Content-Type: text/plain; charset=utf-8"));
        assert!(text.contains("Content-Type: text/html; charset=utf-8"));
    }

    #[test]
    fn a_bad_recipient_is_a_clear_error() {
        let payload = render(&content(), None, None).unwrap();
        let from: Mailbox = "shop@linden.example".parse().unwrap();
        let error = mime_message(&payload, "not an address", &from, "1.a@x").unwrap_err();
        assert!(error.to_string().starts_with("recipient `not an address`"), "{error}");
    }
}
