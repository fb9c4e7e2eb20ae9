//! Where personal data lives: every column of every table, with what a customer's export shows
//! of it and what their erasure does to it. A test walks the schema of both engines and fails
//! when a column is missing here (or listed here and gone), so a new feature's table cannot hold
//! a customer's data that export and erasure do not know about.
//!
//! A table either holds rows of one customer (`rows_of`: how to find them, `$1` the customer's
//! id), or rows that may *mention* a customer's e-mail in free text (`mentions`: those rows are
//! exported and erased by a text match on the e-mail), or nothing about customers at all.

/// What erasure does to one column of a customer's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Treat {
    /// A fact that names nobody (ids, amounts, states): kept.
    Keep,
    /// An instant that names nobody: kept (exported as RFC 3339).
    Time,
    /// Personal: set to NULL.
    Null,
    /// Personal free text: set to the empty string.
    Empty,
    /// Personal: set to this SQL expression (may read the row's other columns).
    Set(&'static str),
    /// A shop's id for the person or their order: replaced by a keyed hash of itself, so that
    /// the same id arriving again (a re-import of an old export) is recognised and refused.
    Pseudonym,
}

/// One column.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Column {
    pub name: &'static str,
    pub treat: Treat,
}

/// One table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Table {
    pub name: &'static str,
    /// The condition selecting one customer's rows (`$1` is their id).
    pub rows_of: Option<&'static str>,
    /// The text column whose rows are the customer's when it contains their e-mail.
    pub mentions: Option<&'static str>,
    /// Whether erasure deletes the customer's rows instead of applying the columns' treatments.
    pub delete: bool,
    pub columns: &'static [Column],
}

const fn keep(name: &'static str) -> Column {
    Column { name, treat: Treat::Keep }
}

const fn time(name: &'static str) -> Column {
    Column { name, treat: Treat::Time }
}

const fn null(name: &'static str) -> Column {
    Column { name, treat: Treat::Null }
}

const fn empty(name: &'static str) -> Column {
    Column { name, treat: Treat::Empty }
}

const fn set(name: &'static str, sql: &'static str) -> Column {
    Column { name, treat: Treat::Set(sql) }
}

const fn pseudonym(name: &'static str) -> Column {
    Column { name, treat: Treat::Pseudonym }
}

/// A table of one customer's rows.
const fn customer_rows(name: &'static str, rows_of: &'static str, columns: &'static [Column]) -> Table {
    Table { name, rows_of: Some(rows_of), mentions: None, delete: false, columns }
}

/// A table that holds nothing about any customer.
const fn no_customer(name: &'static str, columns: &'static [Column]) -> Table {
    Table { name, rows_of: None, mentions: None, delete: false, columns }
}

/// Every table of the schema.
pub(crate) const TABLES: &[Table] = &[
    // The customer file.
    customer_rows(
        "customers",
        "id = $1",
        &[
            keep("id"),
            null("email"),
            null("name"),
            set("marketing_consent", "FALSE"),
            time("created_at"),
            set("survey_consent", "FALSE"),
            null("language"),
            time("erased_at"),
        ],
    ),
    customer_rows(
        "identities",
        "customer_id = $1",
        &[
            keep("id"),
            keep("source_id"),
            pseudonym("external_id"),
            keep("customer_id"),
            null("email"),
            null("name"),
            set("marketing_consent", "FALSE"),
            time("created_at"),
        ],
    ),
    customer_rows(
        "orders",
        "customer_id = $1",
        &[
            keep("id"),
            keep("source_id"),
            pseudonym("external_id"),
            keep("identity_id"),
            keep("customer_id"),
            time("placed_at"),
            keep("status"),
            keep("currency"),
            keep("total_minor"),
            keep("refunded_minor"),
            // Products bought, not who bought them: what reports of products need.
            keep("items"),
            time("imported_at"),
            // The shop's time of the order's last change (its version): an instant, no one's name.
            time("source_modified_at"),
        ],
    ),
    customer_rows(
        "identity_merges",
        "customer_id = $1 OR split_customer_id = $1",
        &[
            keep("id"),
            keep("identity_id"),
            keep("customer_id"),
            keep("reason"),
            time("merged_at"),
            time("undone_at"),
            keep("split_customer_id"),
        ],
    ),
    customer_rows(
        "customer_scores",
        "customer_id = $1",
        &[
            keep("customer_id"),
            keep("currency"),
            keep("model"),
            keep("as_of"),
            keep("probability_alive"),
            keep("expected_purchases"),
            keep("horizon_days"),
            keep("expected_spend_minor"),
            keep("clv_minor"),
        ],
    ),
    no_customer(
        "sources",
        &[
            keep("id"),
            keep("name"),
            time("created_at"),
            keep("webhook_kind"),
            keep("webhook_secret"),
            time("webhook_added_at"),
            keep("time_zone"),
            keep("unpadded_order_ids"),
        ],
    ),
    no_customer("schema_migrations", &[keep("version"), keep("name"), time("applied_at")]),
    no_customer("schema_checksums", &[keep("version"), keep("sha256")]),
    no_customer("store_revision", &[keep("id"), keep("revision")]),
    // Staff, their sessions and tokens: people of the shop, not its customers.
    no_customer(
        "users",
        &[
            keep("id"),
            keep("email"),
            keep("name"),
            keep("role"),
            keep("password_hash"),
            time("created_at"),
            time("password_set_at"),
            keep("may_export"),
        ],
    ),
    no_customer(
        "sessions",
        &[
            keep("id"),
            keep("token_sha256"),
            keep("user_id"),
            keep("csrf_token"),
            time("created_at"),
            time("expires_at"),
        ],
    ),
    no_customer(
        "api_tokens",
        &[
            keep("id"),
            keep("name"),
            keep("role"),
            keep("token_sha256"),
            time("created_at"),
            time("last_used_at"),
            time("revoked_at"),
            keep("may_export"),
        ],
    ),
    no_customer(
        "audit_log",
        &[
            keep("id"),
            time("at"),
            keep("actor"),
            keep("action"),
            keep("target"),
            keep("rows"),
            keep("address"),
            keep("outcome"),
            keep("detail"),
        ],
    ),
    // Writes from outside: deliveries name orders by id; a stored API answer may quote a
    // customer, so the answers that contain their e-mail go.
    no_customer(
        "webhook_deliveries",
        &[
            keep("id"),
            keep("source_id"),
            keep("delivery_id"),
            keep("topic"),
            keep("order_id"),
            time("received_at"),
            // Why an older delivery wrote nothing: a time, never the order's or customer's ids.
            keep("note"),
        ],
    ),
    Table {
        name: "idempotency_keys",
        rows_of: None,
        mentions: Some("response"),
        delete: true,
        columns: &[
            keep("scope"),
            keep("key"),
            keep("request_sha256"),
            keep("status"),
            keep("response"),
            time("created_at"),
        ],
    },
    // The outbox: messages to the customer, and events about them sent to other systems.
    Table {
        name: "outbox",
        rows_of: Some("customer_id = $1"),
        mentions: Some("payload"),
        delete: false,
        columns: &[
            keep("id"),
            keep("kind"),
            keep("purpose"),
            keep("topic"),
            keep("customer_id"),
            set("recipient", "'erased'"),
            keep("subscription_id"),
            set("payload", "'{}'"),
            set("state", "CASE WHEN state = 'pending' THEN 'skipped' ELSE state END"),
            time("not_before"),
            keep("attempts"),
            null("last_error"),
            set("skip_reason", "CASE WHEN state = 'pending' THEN 'erased' ELSE skip_reason END"),
            keep("lease_owner"),
            time("lease_until"),
            time("created_at"),
            time("finished_at"),
            null("dedupe_key"),
        ],
    },
    no_customer(
        "webhook_subscriptions",
        &[
            keep("id"),
            keep("url"),
            keep("events"),
            keep("secret"),
            keep("previous_secret"),
            time("previous_secret_until"),
            keep("allow_private"),
            keep("body_format"),
            time("created_at"),
            time("removed_at"),
        ],
    ),
    // An erased customer's addresses are kept only as keyed hashes (see privacy.rs).
    customer_rows(
        "suppressions",
        "customer_id = $1",
        &[keep("email"), keep("reason"), keep("customer_id"), time("created_at")],
    ),
    no_customer("settings", &[keep("name"), keep("value")]),
    Table {
        name: "jobs",
        rows_of: None,
        mentions: Some("payload"),
        delete: false,
        columns: &[
            keep("id"),
            keep("kind"),
            keep("key"),
            set("payload", "'{}'"),
            time("run_at"),
            keep("every_seconds"),
            keep("daily_at"),
            keep("time_zone"),
            keep("state"),
            keep("attempts"),
            null("last_error"),
            null("memo"),
            keep("lease_owner"),
            time("lease_until"),
            time("created_at"),
        ],
    },
    Table {
        name: "job_runs",
        rows_of: None,
        mentions: Some("detail"),
        delete: false,
        columns: &[
            keep("id"),
            keep("job_id"),
            time("started_at"),
            time("finished_at"),
            keep("outcome"),
            null("detail"),
        ],
    },
    // Surveys.
    no_customer(
        "surveys",
        &[
            keep("id"),
            keep("name"),
            keep("version"),
            keep("state"),
            keep("public_token"),
            keep("interval_days"),
            keep("link_days"),
            keep("reminders"),
            keep("reminder_gap_days"),
            keep("min_fill_seconds"),
            keep("frame_ancestors"),
            keep("purchase_trigger"),
            time("trigger_since"),
            keep("trigger_watermark"),
            time("created_at"),
            time("updated_at"),
            keep("interaction_trigger"),
        ],
    ),
    no_customer(
        "survey_versions",
        &[keep("survey_id"), keep("version"), keep("definition"), time("created_at")],
    ),
    customer_rows(
        "survey_invitations",
        "customer_id = $1",
        &[
            keep("id"),
            keep("survey_id"),
            keep("customer_id"),
            keep("cause"),
            keep("order_id"),
            set("state", "CASE WHEN state = 'scheduled' THEN 'skipped' ELSE state END"),
            set("skip_reason", "CASE WHEN state = 'scheduled' THEN 'erased' ELSE skip_reason END"),
            time("due_at"),
            time("sent_at"),
            time("expires_at"),
            keep("reminders_sent"),
            time("created_at"),
        ],
    ),
    // A survey link that still opened would show the erased person's answers: the links go.
    Table {
        name: "survey_tokens",
        rows_of: Some("invitation_id IN (SELECT id FROM survey_invitations WHERE customer_id = $1)"),
        mentions: None,
        delete: true,
        columns: &[keep("token_hash"), keep("invitation_id"), time("created_at")],
    },
    customer_rows(
        "survey_responses",
        "customer_id = $1",
        &[
            keep("id"),
            keep("survey_id"),
            keep("version"),
            keep("invitation_id"),
            keep("customer_id"),
            keep("channel"),
            keep("language"),
            // Scores stay (the survey's results); free-text answers are replaced (privacy.rs).
            keep("answers"),
            keep("next_page"),
            null("resume_hash"),
            time("started_at"),
            time("updated_at"),
            time("submitted_at"),
        ],
    ),
    no_customer(
        "survey_alert_rules",
        &[
            keep("id"),
            keep("survey_id"),
            keep("kind"),
            keep("question"),
            keep("threshold"),
            keep("notify_email"),
            keep("notify_webhook"),
            keep("open_case"),
            keep("case_owner"),
            keep("invite_survey"),
            keep("case_due_days"),
            time("created_at"),
            time("removed_at"),
        ],
    ),
    customer_rows(
        "survey_cases",
        "customer_id = $1",
        &[
            keep("id"),
            keep("survey_id"),
            keep("response_id"),
            keep("rule_id"),
            keep("customer_id"),
            keep("reason"),
            keep("owner"),
            set("status", "'closed'"),
            keep("outcome"),
            empty("notes"),
            time("due_at"),
            time("created_at"),
            set("closed_at", "COALESCE(closed_at, created_at)"),
        ],
    ),
    customer_rows(
        "testimonials",
        "customer_id = $1",
        &[
            keep("id"),
            keep("survey_id"),
            keep("response_id"),
            keep("question"),
            keep("customer_id"),
            set("text", "'[erased]'"),
            null("publish"),
            set("state", "'rejected'"),
            keep("decided_by"),
            time("decided_at"),
            time("created_at"),
        ],
    ),
    // The communication calendar.
    customer_rows(
        "interactions",
        "customer_id = $1",
        &[
            keep("id"),
            keep("customer_id"),
            set("client_key", "'erased:' || CAST(id AS TEXT)"),
            keep("channel"),
            keep("direction"),
            time("occurred_at"),
            keep("duration_seconds"),
            empty("subject"),
            empty("notes"),
            empty("outcome"),
            keep("staff"),
            keep("order_id"),
            keep("response_id"),
            keep("case_id"),
            keep("reply_to"),
            keep("state"),
            time("answered_at"),
            time("closed_at"),
            keep("logged_by"),
            time("created_at"),
            time("updated_at"),
        ],
    ),
    customer_rows(
        "customer_contacts",
        "customer_id = $1",
        &[
            keep("customer_id"),
            time("last_inbound"),
            time("last_outbound"),
            time("last_any"),
            null("keep_in_touch_days"),
            time("snoozed_until"),
            keep("owner_id"),
        ],
    ),
    no_customer(
        "cadence_rules",
        &[
            keep("id"),
            keep("audience"),
            keep("quiet_days"),
            keep("owner_id"),
            keep("follow_up"),
            time("created_at"),
            time("removed_at"),
        ],
    ),
    customer_rows(
        "cadence_alerts",
        "customer_id = $1",
        &[
            keep("id"),
            keep("customer_id"),
            time("silent_since"),
            keep("cause"),
            keep("quiet_days"),
            keep("owner_id"),
            keep("value_at_risk"),
            time("created_at"),
        ],
    ),
    customer_rows(
        "followups",
        "customer_id = $1",
        &[
            keep("id"),
            keep("uid"),
            keep("customer_id"),
            keep("owner_id"),
            set("title", "'Follow-up (customer erased)'"),
            empty("notes"),
            time("due_at"),
            keep("duration_minutes"),
            keep("remind_minutes"),
            set("status", "CASE WHEN status = 'open' THEN 'cancelled' ELSE status END"),
            null("outcome"),
            keep("origin"),
            keep("case_id"),
            keep("alert_id"),
            // A calendar client replaces its copy only when the sequence rises.
            set("sequence", "sequence + 1"),
            null("remind_at"),
            time("reminded_at"),
            keep("created_by"),
            time("created_at"),
            time("updated_at"),
            time("done_at"),
        ],
    ),
    no_customer(
        "calendar_feeds",
        &[keep("user_id"), keep("generation"), keep("token_hash"), time("created_at")],
    ),
    // Loyalty: the ledger's points stay (the programme's liability), what names the member goes.
    no_customer(
        "loyalty_programmes",
        &[keep("version"), keep("rules"), time("earn_from"), keep("created_by"), time("created_at")],
    ),
    customer_rows(
        "loyalty_accounts",
        "customer_id = $1",
        &[
            keep("customer_id"),
            // The code is in links the customer shared: it stops leading to their first name.
            set("referral_code", "'ERASED' || CAST(customer_id AS TEXT)"),
            keep("tier"),
            time("tier_reached_at"),
            time("tier_period_end"),
            keep("balance"),
            keep("available"),
            keep("owed"),
            time("next_expiry_at"),
            keep("next_expiry_points"),
            time("expiry_noticed_for"),
            null("next_due_at"),
            null("birthday"),
            keep("revision"),
            time("joined_at"),
            time("updated_at"),
        ],
    ),
    customer_rows(
        "loyalty_entries",
        "customer_id = $1",
        &[
            keep("id"),
            keep("customer_id"),
            keep("key"),
            keep("part"),
            time("at"),
            keep("cause_kind"),
            // A manual adjustment's reason is staff's free text about the member.
            set(
                "cause",
                "CASE WHEN cause_kind = 'adjustment' \
                 THEN '{\"kind\":\"adjustment\",\"by_user\":\"\",\"reason\":\"[erased]\"}' ELSE cause END",
            ),
            keep("points"),
            keep("lot"),
            keep("opens"),
            time("expires_at"),
            time("pending_until"),
            keep("debt"),
            keep("programme_version"),
            time("created_at"),
        ],
    ),
    customer_rows(
        "loyalty_orders",
        "customer_id = $1",
        &[
            keep("order_id"),
            keep("customer_id"),
            keep("status"),
            keep("refunded_minor"),
            keep("points"),
            time("seen_at"),
        ],
    ),
    customer_rows(
        "loyalty_coupons",
        "customer_id = $1",
        &[
            keep("id"),
            keep("code"),
            keep("customer_id"),
            keep("reward_id"),
            keep("reward_name"),
            keep("reward_kind"),
            keep("points"),
            keep("entry_key"),
            time("issued_at"),
            time("used_at"),
        ],
    ),
    customer_rows(
        "referrals",
        "referrer_id = $1 OR referred_id = $1",
        &[
            keep("id"),
            keep("referrer_id"),
            keep("referred_id"),
            keep("status"),
            keep("reasons"),
            keep("order_id"),
            time("created_at"),
            time("decided_at"),
            keep("decided_by"),
        ],
    ),
];

/// Every `(table, column)` the catalogue knows, to compare with the schema.
pub fn catalogued_columns() -> Vec<(&'static str, &'static str)> {
    TABLES
        .iter()
        .flat_map(|table| table.columns.iter().map(move |column| (table.name, column.name)))
        .collect()
}
