//! What the outbox, webhook subscriptions and the suppression list hand to and take from the app.

use serde::Serialize;
use tenure_domain::{CustomerId, Timestamp, WebhookSecret};

use crate::StoreError;

macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The name stored and shown.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// The value named `text`.
            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }

            pub(crate) fn from_column(text: &str) -> Result<Self, StoreError> {
                Self::parse(text).ok_or_else(|| {
                    StoreError::Other(format!(concat!("unknown ", stringify!($name), " `{}` stored"), text))
                })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum!(
    /// How a message leaves Tenure.
    MessageKind {
        /// An e-mail through the configured transport (SMTP, files, the log).
        Email => "email",
        /// An HTTP POST to a subscribed URL, signed per Standard Webhooks.
        Webhook => "webhook",
    }
);

text_enum!(
    /// Why a message is sent: it decides which consent it needs and whether the frequency cap
    /// applies.
    Purpose {
        /// Needed to serve the customer (a receipt, a password, a test): always allowed.
        Transactional => "transactional",
        /// A request for feedback: sent unless the customer said no; capped.
        Survey => "survey",
        /// Promotion: only with the customer's explicit consent; capped.
        Marketing => "marketing",
    }
);

text_enum!(
    /// Where a message stands.
    MessageState {
        /// Waiting for its time or for a worker (or between attempts).
        Pending => "pending",
        /// Delivered (the receiver acknowledged it).
        Sent => "sent",
        /// Given up after the last attempt; `tenure outbox retry` puts it back.
        Dead => "dead",
        /// Not sent, by policy at send time: the reason is kept.
        Skipped => "skipped",
    }
);

text_enum!(
    /// Why an address is on the suppression list.
    SuppressionReason {
        /// The customer unsubscribed: no surveys or marketing.
        Unsubscribed => "unsubscribed",
        /// The customer reported a message as spam: no surveys or marketing.
        Complained => "complained",
        /// The address does not exist: nothing at all.
        HardBounced => "hard_bounced",
        /// The customer's data was erased: nothing at all.
        Erased => "erased",
    }
);

impl SuppressionReason {
    /// Whether this reason stops messages of `purpose`.
    pub fn stops(self, purpose: Purpose) -> bool {
        match self {
            SuppressionReason::Unsubscribed | SuppressionReason::Complained => {
                purpose != Purpose::Transactional
            }
            SuppressionReason::HardBounced | SuppressionReason::Erased => true,
        }
    }
}

text_enum!(
    /// The body an outgoing webhook carries.
    BodyFormat {
        /// The event as Standard Webhooks JSON: `{"type", "timestamp", "data"}`.
        Standard => "standard",
        /// Slack's incoming-webhook body, `{"text": …}`, for alerts to a channel.
        Slack => "slack",
    }
);

/// A side effect to write to the outbox, in the transaction of its cause.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMessage {
    /// E-mail or webhook.
    pub kind: MessageKind,
    /// Why it is sent (consent and the frequency cap follow from it).
    pub purpose: Purpose,
    /// What it is about, for people and filters: `mail.test`, `order.created`, …
    pub topic: String,
    /// The customer it goes to or is about, when there is one.
    pub customer_id: Option<CustomerId>,
    /// The e-mail address, or the webhook URL.
    pub recipient: String,
    /// The webhook subscription it belongs to.
    pub subscription_id: Option<i64>,
    /// What the transport needs, as JSON (an e-mail's rendered parts; a webhook's body).
    pub payload: String,
    /// Not delivered before this time.
    pub not_before: Timestamp,
    /// A key of its cause: a second message with the same key is not written (the first stands).
    pub dedupe_key: Option<String>,
}

/// A message as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    /// Its id: also the source of its `Message-ID` / `webhook-id`, stable across retries.
    pub id: i64,
    /// E-mail or webhook.
    pub kind: MessageKind,
    /// Why it is sent.
    pub purpose: Purpose,
    /// What it is about.
    pub topic: String,
    /// The customer, when there is one.
    pub customer_id: Option<CustomerId>,
    /// Address or URL.
    pub recipient: String,
    /// The webhook subscription.
    pub subscription_id: Option<i64>,
    /// The transport's JSON.
    #[serde(skip)]
    pub payload: String,
    /// Where it stands.
    pub state: MessageState,
    /// Not delivered before this time (after a failure: when the next attempt is due).
    pub not_before: Timestamp,
    /// Delivery attempts so far.
    pub attempts: i64,
    /// The last attempt's error.
    pub last_error: Option<String>,
    /// Why it was skipped.
    pub skip_reason: Option<String>,
    /// When it was written.
    pub created_at: Timestamp,
    /// When it was sent, given up or skipped.
    pub finished_at: Option<Timestamp>,
}

/// How a subscription's deliveries are signed and shaped. `Debug` hides the secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signing {
    /// The secrets to sign with: the current one, then the previous one during a rotation.
    pub secrets: Vec<WebhookSecret>,
    /// Whether its URL may resolve to a private, loopback or link-local address.
    pub allow_private: bool,
    /// The body it takes.
    pub body_format: BodyFormat,
}

/// A message a worker holds the lease of, with what it needs to deliver it.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedMessage {
    /// The message.
    pub message: Message,
    /// For a webhook: its live subscription's signing.
    pub signing: Option<Signing>,
}

/// The send-time rules a claim applies before handing messages out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendPolicy {
    /// At most one survey or marketing message per customer in this many days (0: no cap).
    pub cap_days: i64,
}

/// A worker's request for due messages.
#[derive(Debug, Clone, Copy)]
pub struct Claim<'a> {
    /// Who claims (a worker's unique name): only its lease's holder may complete a message.
    pub owner: &'a str,
    /// The time of the claim.
    pub now: Timestamp,
    /// When the lease lapses and another worker may claim the message again.
    pub lease_until: Timestamp,
    /// The most messages to hand out.
    pub limit: usize,
    /// The send-time rules.
    pub policy: SendPolicy,
}

/// What a claim did: the messages to deliver now, and how many it skipped by policy.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Claimed {
    /// Leased to the claimer.
    pub messages: Vec<ClaimedMessage>,
    /// Marked skipped (suppressed, capped, no consent, subscription removed).
    pub skipped: usize,
}

/// What became of one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The receiver took it.
    Sent,
    /// It failed; try again at `not_before`.
    Retry {
        /// What went wrong (no secrets).
        error: String,
        /// When the next attempt is due.
        not_before: Timestamp,
    },
    /// It failed for the last time, or for good (a permanent refusal).
    Dead {
        /// What went wrong.
        error: String,
    },
}

/// Which messages `tenure outbox list` shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboxQuery {
    /// Only these states.
    pub state: Option<MessageState>,
    /// Only this kind.
    pub kind: Option<MessageKind>,
    /// At most this many, newest first.
    pub limit: usize,
    /// Only ids below this one (the next page).
    pub before_id: Option<i64>,
}

/// The outbox at a glance, for `/metrics` and the Deliveries page.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OutboxStats {
    /// Messages per kind and state: `(kind, state, count)`.
    pub counts: Vec<(MessageKind, MessageState, i64)>,
    /// When the oldest pending message became due, per kind.
    pub oldest_due: Vec<(MessageKind, Timestamp)>,
}

/// A webhook subscription to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSubscription<'a> {
    /// Where deliveries go.
    pub url: &'a str,
    /// The event types it receives (`order.created`, …; `*` for all).
    pub events: &'a [String],
    /// Its signing secret (`whsec_…`).
    pub secret: &'a WebhookSecret,
    /// Whether its URL may be on a private, loopback or link-local address.
    pub allow_private: bool,
    /// The body it takes.
    pub body_format: BodyFormat,
}

/// A subscription as listed: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubscriptionInfo {
    /// Its id.
    pub id: i64,
    /// Where deliveries go.
    pub url: String,
    /// The event types it receives.
    pub events: Vec<String>,
    /// Whether private addresses are allowed.
    pub allow_private: bool,
    /// The body it takes.
    pub body_format: BodyFormat,
    /// When it was added.
    pub created_at: Timestamp,
    /// Until when the previous secret still signs (a rotation in progress).
    pub previous_secret_until: Option<Timestamp>,
}

/// An address on the suppression list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suppression {
    /// The address (normalised).
    pub email: String,
    /// Why.
    pub reason: SuppressionReason,
    /// The customer it belonged to, when known.
    pub customer_id: Option<CustomerId>,
    /// Since when.
    pub created_at: Timestamp,
}
