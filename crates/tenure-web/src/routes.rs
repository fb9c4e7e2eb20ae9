//! Every route and who may use it. The table is the single statement of access: the router is
//! built beside it, and a test requests every route of it with every role and with none.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, patch, post};
use tenure_domain::Role;

use crate::{AppState, handlers, pages};

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, without credentials (health checks for load balancers).
    Public,
    /// Callers with one of these roles.
    Roles(&'static [Role]),
    /// Anyone holding the webhook secret of the source named in the path: the request must be
    /// signed with it by the source's scheme (Shopify, WooCommerce or Standard Webhooks). API tokens
    /// do not open these routes, and an unknown source is refused exactly like a bad signature.
    Signed,
}

/// A query or path parameter of a route, for the OpenAPI document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    /// Its name.
    pub name: &'static str,
    /// `path`, `query` or `header`.
    pub location: &'static str,
    /// Whether a request must carry it.
    pub required: bool,
    /// What it means.
    pub description: &'static str,
}

const fn query(name: &'static str, required: bool, description: &'static str) -> Param {
    Param { name, location: "query", required, description }
}

const fn header(name: &'static str, description: &'static str) -> Param {
    Param { name, location: "header", required: false, description }
}

const fn required_header(name: &'static str, description: &'static str) -> Param {
    Param { name, location: "header", required: true, description }
}

const fn path(name: &'static str, description: &'static str) -> Param {
    Param { name, location: "path", required: true, description }
}

const CURRENCY: Param =
    query("currency", false, "ISO-4217 code; default: the currency with the most revenue");
const AS_OF: Param = query("as_of", true, "the day of the report, YYYY-MM-DD");
const WINDOW: Param = query("window", false, "activity window W in days (default 365)");

/// The body a route reads, for the OpenAPI document and for the tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestBody {
    /// Its media type.
    pub media_type: &'static str,
    /// The schema's name under the OpenAPI document's `components.schemas`.
    pub schema: &'static str,
    /// What it is.
    pub description: &'static str,
    /// A body that, sent to the route's example URI, makes a valid request (tests send it).
    pub example: &'static str,
}

/// One route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// HTTP method.
    pub method: &'static str,
    /// Path pattern (axum syntax, `{id}` for a parameter).
    pub path: &'static str,
    /// A URI that makes a valid request to it on a store holding the CDNOW sample (tests use it);
    /// for an [`Access::Signed`] route, on a store where the URI's source takes Standard Webhooks.
    pub example: &'static str,
    /// Who may use it.
    pub access: Access,
    /// What it answers, in a line.
    pub summary: &'static str,
    /// Its parameters.
    pub params: &'static [Param],
    /// The body it reads, if any.
    pub body: Option<&'static RequestBody>,
    /// Answers beyond those of every route (`200`, `400`, and those of its access rule), as
    /// (status, description).
    pub responses: &'static [(&'static str, &'static str)],
}

/// Roles that read shop-wide numbers.
pub const READERS: &[Role] = &[Role::Admin, Role::Analyst];

/// Roles that change the customer file through the API.
pub const ADMIN: &[Role] = &[Role::Admin];

/// Roles that work with customers one by one.
pub const STAFF: &[Role] = &[Role::Admin, Role::Analyst, Role::Agent];

/// Pages that download customers' data: beyond the roles of their entry, the user needs the
/// export permission (their role's default — admins and analysts, not agents — or their own
/// grant, `tenure user export`), and every download or refusal is in the audit log.
pub const EXPORT_PAGES: &[&str] =
    &["/at-risk.csv", "/loyalty/coupons.csv", "/surveys/{name}/responses.csv", "/customers/{id}/export.json"];

/// One page of the dashboard (signed in with a session cookie, not a token).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// HTTP method (`POST` for forms).
    pub method: &'static str,
    /// Path pattern (axum syntax).
    pub path: &'static str,
    /// A URI that makes a valid request to it on a store holding the CDNOW sample (tests use it).
    pub example: &'static str,
    /// Who may use it.
    pub access: Access,
    /// Its label in the menu, for pages that are in the menu.
    pub menu: Option<&'static str>,
}

/// Every page of the dashboard. Pages are not part of the API document; they share its access
/// rules (roles) and its role test.
pub const PAGES: &[Page] = &[
    Page { method: "GET", path: "/login", example: "/login", access: Access::Public, menu: None },
    Page { method: "POST", path: "/login", example: "/login", access: Access::Public, menu: None },
    Page { method: "POST", path: "/logout", example: "/logout", access: Access::Roles(STAFF), menu: None },
    // The signed link is the credential (see pages/unsubscribe.rs).
    Page {
        method: "GET",
        path: "/unsubscribe/{token}",
        example: "/unsubscribe/1.x",
        access: Access::Public,
        menu: None,
    },
    Page {
        method: "POST",
        path: "/unsubscribe/{token}",
        example: "/unsubscribe/1.x",
        access: Access::Public,
        menu: None,
    },
    // The survey link is the credential (see pages/survey.rs).
    Page { method: "GET", path: "/s/{token}", example: "/s/x", access: Access::Public, menu: None },
    Page { method: "POST", path: "/s/{token}", example: "/s/x", access: Access::Public, menu: None },
    Page { method: "GET", path: "/s/p/{token}", example: "/s/p/x", access: Access::Public, menu: None },
    Page { method: "POST", path: "/s/p/{token}", example: "/s/p/x", access: Access::Public, menu: None },
    // The member's signed link is the credential (see pages/loyalty/member.rs).
    Page {
        method: "GET",
        path: "/member/{token}",
        example: "/member/1.x.y",
        access: Access::Public,
        menu: None,
    },
    Page {
        method: "POST",
        path: "/member/{token}/redeem",
        example: "/member/1.x.y/redeem",
        access: Access::Public,
        menu: None,
    },
    // The referral code in the path is public by design (members share it); the page says no more
    // about a code than its landing needs, one 404 for every other (see pages/loyalty/landing.rs).
    Page { method: "GET", path: "/r/{code}", example: "/r/x", access: Access::Public, menu: None },
    Page {
        method: "GET",
        path: "/assets/style.css",
        example: "/assets/style.css",
        access: Access::Public,
        menu: None,
    },
    Page { method: "GET", path: "/", example: "/", access: Access::Roles(READERS), menu: Some("Overview") },
    Page {
        method: "GET",
        path: "/retention",
        example: "/retention?every=quarter&from=1997-01-01&to=1998-06-30",
        access: Access::Roles(READERS),
        menu: Some("Retention"),
    },
    Page {
        method: "GET",
        path: "/cohorts",
        example: "/cohorts?period=month&metric=customers",
        access: Access::Roles(READERS),
        menu: Some("Cohorts"),
    },
    Page {
        method: "GET",
        path: "/segments",
        example: "/segments?as_of=1998-06-30",
        access: Access::Roles(READERS),
        menu: Some("Segments"),
    },
    Page {
        method: "GET",
        path: "/customers",
        example: "/customers?segment=Champions",
        access: Access::Roles(STAFF),
        menu: Some("Customers"),
    },
    Page {
        method: "GET",
        path: "/customers/{id}",
        example: "/customers/1",
        access: Access::Roles(STAFF),
        menu: None,
    },
    Page {
        method: "GET",
        path: "/at-risk",
        example: "/at-risk?below=0.5&sort=clv",
        access: Access::Roles(STAFF),
        menu: Some("At risk"),
    },
    Page {
        method: "GET",
        path: "/at-risk.csv",
        example: "/at-risk.csv?below=0.5",
        access: Access::Roles(STAFF),
        menu: None,
    },
    Page {
        method: "GET",
        path: "/gone-quiet",
        example: "/gone-quiet",
        access: Access::Roles(STAFF),
        menu: Some("Gone quiet"),
    },
    Page {
        method: "POST",
        path: "/gone-quiet/{id}/contact",
        example: "/gone-quiet/1/contact",
        access: Access::Roles(STAFF),
        menu: None,
    },
    Page {
        method: "POST",
        path: "/gone-quiet/{id}/follow-up",
        example: "/gone-quiet/1/follow-up",
        access: Access::Roles(STAFF),
        menu: None,
    },
    Page {
        method: "POST",
        path: "/gone-quiet/rules",
        example: "/gone-quiet/rules",
        access: Access::Roles(ADMIN),
        menu: None,
    },
    Page {
        method: "POST",
        path: "/gone-quiet/rules/{id}/remove",
        example: "/gone-quiet/rules/1/remove",
        access: Access::Roles(ADMIN),
        menu: None,
    },
    Page {
        method: "GET",
        path: "/calendar",
        example: "/calendar?view=month&date=1997-03-01",
        access: Access::Roles(STAFF),
        menu: Some("Calendar"),
    },
    // The secret URL is the credential (see pages/feed.rs); `{file}` is `TOKEN.ics`.
    Page {
        method: "GET",
        path: "/calendar/feed/{file}",
        example: "/calendar/feed/x.ics",
        access: Access::Public,
        menu: None,
    },
    Page {
        method: "GET",
        path: "/followups",
        example: "/followups?team=1",
        access: Access::Roles(STAFF),
        menu: Some("Follow-ups"),
    },
    Page {
        method: "POST",
        path: "/followups/feed",
        example: "/followups/feed",
        access: Access::Roles(STAFF),
        menu: None,
    },
    Page {
        method: "POST",
        path: "/followups/{id}/done",
        example: "/followups/1/done",
        access: Access::Roles(STAFF),
        menu: None,
    },
    Page {
        method: "POST",
        path: "/followups/{id}/cancel",
        example: "/followups/1/cancel",
        access: Access::Roles(STAFF),
        menu: None,
    },
    Page {
        method: "POST",
        path: "/customers/{id}/interactions",
        example: "/customers/1/interactions",
        access: Access::Roles(STAFF),
        menu: None,
    },
    Page {
        method: "POST",
        path: "/customers/{id}/followups",
        example: "/customers/1/followups",
        access: Access::Roles(STAFF),
        menu: None,
    },
    Page {
        method: "POST",
        path: "/customers/{id}/cadence",
        example: "/customers/1/cadence",
        access: Access::Roles(STAFF),
        menu: None,
    },
    Page {
        method: "POST",
        path: "/interactions/{id}/delete",
        example: "/interactions/1/delete",
        access: Access::Roles(STAFF),
        menu: None,
    },
    Page {
        method: "GET",
        path: "/loyalty",
        example: "/loyalty",
        access: Access::Roles(READERS),
        menu: Some("Loyalty"),
    },
    Page {
        method: "GET",
        path: "/loyalty/coupons.csv",
        example: "/loyalty/coupons.csv",
        access: Access::Roles(READERS),
        menu: None,
    },
    Page {
        method: "GET",
        path: "/loyalty/members/{id}",
        example: "/loyalty/members/1",
        access: Access::Roles(STAFF),
        menu: None,
    },
    Page {
        method: "POST",
        path: "/loyalty/members/{id}/adjust",
        example: "/loyalty/members/1/adjust",
        access: Access::Roles(STAFF),
        menu: None,
    },
    // Staff, like the member pages' adjust form: approving pays fixed points, as an adjustment
    // would (see pages/loyalty/referrals.rs). In the menu, since agents cannot open `/loyalty`.
    Page {
        method: "GET",
        path: "/loyalty/referrals",
        example: "/loyalty/referrals?status=all",
        access: Access::Roles(STAFF),
        menu: Some("Referrals"),
    },
    Page {
        method: "POST",
        path: "/loyalty/referrals/{id}/review",
        example: "/loyalty/referrals/1/review",
        access: Access::Roles(STAFF),
        menu: None,
    },
    Page {
        method: "GET",
        path: "/import",
        example: "/import",
        access: Access::Roles(ADMIN),
        menu: Some("Import"),
    },
    Page { method: "POST", path: "/import", example: "/import", access: Access::Roles(ADMIN), menu: None },
    Page {
        method: "GET",
        path: "/audit",
        example: "/audit?action=customers",
        access: Access::Roles(ADMIN),
        menu: Some("Audit log"),
    },
    Page {
        method: "GET",
        path: "/customers/{id}/export.json",
        example: "/customers/1/export.json",
        access: Access::Roles(ADMIN),
        menu: None,
    },
    Page {
        method: "POST",
        path: "/customers/{id}/erase",
        example: "/customers/1/erase",
        access: Access::Roles(ADMIN),
        menu: None,
    },
    Page {
        method: "GET",
        path: "/deliveries",
        example: "/deliveries?state=dead",
        access: Access::Roles(ADMIN),
        menu: Some("Deliveries"),
    },
    Page {
        method: "POST",
        path: "/deliveries/{id}/retry",
        example: "/deliveries/1/retry",
        access: Access::Roles(ADMIN),
        menu: None,
    },
    Page {
        method: "GET",
        path: "/surveys",
        example: "/surveys",
        access: Access::Roles(READERS),
        menu: Some("Surveys"),
    },
    Page {
        method: "GET",
        path: "/testimonials",
        example: "/testimonials",
        access: Access::Roles(STAFF),
        menu: None,
    },
    Page {
        method: "POST",
        path: "/testimonials/{id}/decide",
        example: "/testimonials/1/decide",
        access: Access::Roles(STAFF),
        menu: None,
    },
    Page {
        method: "GET",
        path: "/cases",
        example: "/cases",
        access: Access::Roles(STAFF),
        menu: Some("Cases"),
    },
    Page {
        method: "POST",
        path: "/cases/{id}/close",
        example: "/cases/1/close",
        access: Access::Roles(STAFF),
        menu: None,
    },
    Page {
        method: "GET",
        path: "/surveys/{name}",
        example: "/surveys/example",
        access: Access::Roles(READERS),
        menu: None,
    },
    Page {
        method: "GET",
        path: "/surveys/{name}/behaviour",
        example: "/surveys/example/behaviour",
        access: Access::Roles(READERS),
        menu: None,
    },
    Page {
        method: "GET",
        path: "/surveys/{name}/responses.csv",
        example: "/surveys/example/responses.csv",
        access: Access::Roles(READERS),
        menu: None,
    },
    Page {
        method: "GET",
        path: "/surveys/{name}/definition.json",
        example: "/surveys/example/definition.json",
        access: Access::Roles(READERS),
        menu: None,
    },
    Page {
        method: "GET",
        path: "/account",
        example: "/account",
        access: Access::Roles(STAFF),
        menu: Some("Account"),
    },
    Page {
        method: "POST",
        path: "/account/password",
        example: "/account/password",
        access: Access::Roles(STAFF),
        menu: None,
    },
];

/// Every route of the server.
pub const ROUTES: &[Route] = &[
    Route {
        method: "GET",
        path: "/healthz",
        example: "/healthz",
        access: Access::Public,
        summary: "The process is up",
        params: &[],
        body: None,
        responses: &[],
    },
    Route {
        method: "GET",
        path: "/readyz",
        example: "/readyz",
        access: Access::Public,
        summary: "The database answers and its schema is current",
        params: &[],
        body: None,
        responses: &[],
    },
    Route {
        method: "GET",
        path: "/metrics",
        example: "/metrics",
        access: Access::Roles(READERS),
        summary: "Operational metrics in the Prometheus text format (requests, durations, connections)",
        params: &[],
        body: None,
        responses: &[],
    },
    Route {
        method: "GET",
        path: "/api/v1/openapi.json",
        example: "/api/v1/openapi.json",
        access: Access::Public,
        summary: "This document",
        params: &[],
        body: None,
        responses: &[],
    },
    Route {
        method: "GET",
        path: "/api/v1/stats",
        example: "/api/v1/stats",
        access: Access::Roles(READERS),
        summary: "The customer file at a glance (tenure stats)",
        params: &[],
        body: None,
        responses: &[],
    },
    Route {
        method: "GET",
        path: "/api/v1/customers",
        example: "/api/v1/customers?limit=5",
        access: Access::Roles(STAFF),
        summary: "One page of customers by id",
        params: &[
            query("after", false, "start after this customer id"),
            query("limit", false, "page size, 1 to 500 (default 50)"),
        ],
        body: None,
        responses: &[],
    },
    Route {
        method: "GET",
        path: "/api/v1/customers/{id}",
        example: "/api/v1/customers/1",
        access: Access::Roles(STAFF),
        summary: "One customer: identities, merges, orders",
        params: &[Param { name: "id", location: "path", required: true, description: "customer id" }],
        body: None,
        responses: &[],
    },
    Route {
        method: "GET",
        path: "/api/v1/metrics/retention",
        example: "/api/v1/metrics/retention?from=1997-06-30&to=1998-06-30",
        access: Access::Roles(READERS),
        summary: "Retention and churn for a period (tenure report retention)",
        params: &[
            query("from", true, "first day, YYYY-MM-DD"),
            query("to", true, "last day, YYYY-MM-DD"),
            WINDOW,
            CURRENCY,
        ],
        body: None,
        responses: &[],
    },
    Route {
        method: "GET",
        path: "/api/v1/metrics/cohorts",
        example: "/api/v1/metrics/cohorts?period=month&as_of=1998-06-30",
        access: Access::Roles(READERS),
        summary: "Acquisition cohorts (tenure report cohorts)",
        params: &[
            query("period", false, "week, month (default) or quarter"),
            query("metric", false, "customers (default) or revenue"),
            query("as_of", false, "default: the day of the latest purchase"),
            CURRENCY,
        ],
        body: None,
        responses: &[],
    },
    Route {
        method: "GET",
        path: "/api/v1/metrics/lifecycle",
        example: "/api/v1/metrics/lifecycle?as_of=1998-06-30",
        access: Access::Roles(READERS),
        summary: "Customers per lifecycle stage (tenure report lifecycle)",
        params: &[AS_OF, WINDOW, CURRENCY],
        body: None,
        responses: &[],
    },
    Route {
        method: "GET",
        path: "/api/v1/metrics/segments",
        example: "/api/v1/metrics/segments?as_of=1998-06-30",
        access: Access::Roles(READERS),
        summary: "Customers and revenue per RFM segment (tenure report segments)",
        params: &[AS_OF, CURRENCY],
        body: None,
        responses: &[],
    },
    Route {
        method: "GET",
        path: "/api/v1/predictions",
        example: "/api/v1/predictions?below=0.5&sort=clv&limit=10",
        access: Access::Roles(STAFF),
        summary: "Stored model scores: probability alive, expected purchases and spend, CLV, last purchase",
        params: &[
            query("below", false, "only probability alive below this (0 to 1)"),
            query("min_clv", false, "only CLV at least this, major units"),
            query("sort", false, "probability (default, lowest first), clv (highest first) or last_purchase"),
            query("offset", false, "skip this many matching customers"),
            query("limit", false, "page size, 1 to 500 (default 50)"),
        ],
        body: None,
        responses: &[],
    },
    Route {
        method: "POST",
        path: "/api/v1/orders",
        example: "/api/v1/orders",
        access: Access::Roles(ADMIN),
        summary: "Write one order (and its customer) as an import would: idempotent on (source, external_id)",
        params: &[header(
            "Idempotency-Key",
            "1 to 255 visible ASCII characters: the same key with the same body answers the first answer \
             again and writes nothing; with another body, 422",
        )],
        body: Some(&ORDER_BODY),
        responses: &[
            ("201", "The order was new: written, with its customer"),
            ("413", "The body is over 1 MiB"),
            ("422", "The Idempotency-Key was used with another body"),
        ],
    },
    Route {
        method: "GET",
        path: "/api/v1/surveys",
        example: "/api/v1/surveys",
        access: Access::Roles(READERS),
        summary: "Every survey: version, state, purchase trigger, invitations sent, responses",
        params: &[],
        body: None,
        responses: &[],
    },
    Route {
        method: "GET",
        path: "/api/v1/surveys/{name}",
        example: "/api/v1/surveys/example",
        access: Access::Roles(READERS),
        summary: "One survey with its current questions (the definition of docs/surveys.md)",
        params: &[SURVEY_NAME],
        body: None,
        responses: &[("404", "No such survey")],
    },
    Route {
        method: "GET",
        path: "/api/v1/surveys/{name}/analysis",
        example: "/api/v1/surveys/example/analysis",
        access: Access::Roles(READERS),
        summary: "The survey's analysis (the JSON of docs/surveys.md) over every submitted response",
        params: &[
            SURVEY_NAME,
            query("min_sample", false, "warn under this many answers per question (default 30)"),
        ],
        body: None,
        responses: &[("404", "No such survey")],
    },
    Route {
        method: "POST",
        path: "/api/v1/surveys/{name}/responses",
        example: "/api/v1/surveys/example/responses",
        access: Access::Roles(ADMIN),
        summary: "Record a complete response collected elsewhere: idempotent per key",
        params: &[SURVEY_NAME],
        body: Some(&SURVEY_RESPONSE_BODY),
        responses: &[
            ("201", "Stored"),
            ("404", "No such survey, or no such customer"),
            ("409", "The key was used for other answers, or the survey is closed"),
            ("422", "An answer does not fit its question (the message names it); nothing stored"),
        ],
    },
    Route {
        method: "GET",
        path: "/api/v1/interactions",
        example: "/api/v1/interactions?customer=1&limit=10",
        access: Access::Roles(STAFF),
        summary: "Interactions, newest first: one customer's, a staff member's, a period's, queries in a state",
        params: &[
            query("customer", false, "one customer's (customer id)"),
            query("staff", false, "handled by this staff member (e-mail)"),
            query("state", false, "inbound queries in this state: open, answered or closed"),
            query("from", false, "happened at or after, RFC 3339"),
            query("to", false, "happened before, RFC 3339"),
            query("limit", false, "at most this many, 1 to 500 (default 50)"),
        ],
        body: None,
        responses: &[],
    },
    Route {
        method: "POST",
        path: "/api/v1/interactions",
        example: "/api/v1/interactions",
        access: Access::Roles(STAFF),
        summary: "Log one interaction, idempotent on the client's key; the customer's contact dates follow when it happened",
        params: &[required_header(
            "Idempotency-Key",
            "1 to 255 visible ASCII characters, required: the interaction's key. Sending it again answers 200 \
             with the interaction logged first and writes nothing; sending it for another customer or \
             direction is 422",
        )],
        body: Some(&INTERACTION_BODY),
        responses: &[
            ("201", "Logged: the interaction"),
            ("200", "Logged before under this key: the interaction as it stands; nothing written"),
            ("404", "No such customer, or no such query to reply to"),
            (
                "422",
                "A field is not acceptable (the message names it), or the key was used for another interaction",
            ),
        ],
    },
    Route {
        method: "PATCH",
        path: "/api/v1/interactions/{id}",
        example: "/api/v1/interactions/1",
        access: Access::Roles(STAFF),
        summary: "Correct an interaction: its time, channel, texts or query state; the contact dates follow",
        params: &[INTERACTION_ID],
        body: Some(&INTERACTION_CHANGE_BODY),
        responses: &[
            ("404", "No such interaction"),
            ("422", "A field is not acceptable (the message names it)"),
        ],
    },
    Route {
        method: "DELETE",
        path: "/api/v1/interactions/{id}",
        example: "/api/v1/interactions/1",
        access: Access::Roles(STAFF),
        summary: "Delete an interaction; the customer's contact dates move back to what is left",
        params: &[INTERACTION_ID],
        body: None,
        responses: &[("204", "Deleted now, or not there (deleted before): a retried DELETE is harmless")],
    },
    Route {
        method: "GET",
        path: "/api/v1/followups",
        example: "/api/v1/followups?status=open",
        access: Access::Roles(STAFF),
        summary: "Follow-ups by due time: one owner's, one customer's, a period's, in a state",
        params: &[
            query("owner", false, "the owner's e-mail"),
            query("customer", false, "one customer's (customer id)"),
            query("status", false, "open, done or cancelled"),
            query("from", false, "due at or after, RFC 3339"),
            query("to", false, "due before, RFC 3339"),
            query("limit", false, "at most this many, 1 to 500 (default 50)"),
        ],
        body: None,
        responses: &[],
    },
    Route {
        method: "POST",
        path: "/api/v1/followups",
        example: "/api/v1/followups",
        access: Access::Roles(STAFF),
        summary: "Plan a follow-up for a user: in their calendar feed, with a reminder e-mail before it is due",
        params: &[],
        body: Some(&FOLLOWUP_BODY),
        responses: &[
            ("201", "Planned: the follow-up"),
            ("404", "No such customer"),
            ("422", "A field is not acceptable (the message names it)"),
        ],
    },
    Route {
        method: "POST",
        path: "/api/v1/followups/{id}/done",
        example: "/api/v1/followups/1/done",
        access: Access::Roles(STAFF),
        summary: "Mark a follow-up done with what came of it (again: the follow-up as it stands)",
        params: &[FOLLOWUP_ID],
        body: Some(&FOLLOWUP_DONE_BODY),
        responses: &[
            ("404", "No such follow-up"),
            ("409", "The follow-up was cancelled"),
            ("422", "A field is not acceptable (the message names it)"),
        ],
    },
    Route {
        method: "POST",
        path: "/api/v1/followups/{id}/cancel",
        example: "/api/v1/followups/2/cancel",
        access: Access::Roles(STAFF),
        summary: "Cancel a follow-up: calendar feeds show it cancelled (again: the follow-up as it stands)",
        params: &[FOLLOWUP_ID],
        body: None,
        responses: &[("404", "No such follow-up"), ("409", "The follow-up is done")],
    },
    Route {
        method: "GET",
        path: "/api/v1/customers/{id}/timeline",
        example: "/api/v1/customers/1/timeline",
        access: Access::Roles(STAFF),
        summary: "A customer's orders, interactions, survey answers and follow-ups by date, newest first",
        params: &[path("id", "customer id")],
        body: None,
        responses: &[("404", "No such customer")],
    },
    Route {
        method: "GET",
        path: "/api/v1/gone-quiet",
        example: "/api/v1/gone-quiet?limit=10",
        access: Access::Roles(STAFF),
        summary: "Customers past their cadence, the most value at risk (CLV × (1 − probability alive)) first",
        params: &[query("limit", false, "at most this many, 1 to 500 (default 50)")],
        body: None,
        responses: &[],
    },
    Route {
        method: "GET",
        path: "/api/v1/loyalty",
        example: "/api/v1/loyalty",
        access: Access::Roles(READERS),
        summary: "The loyalty programme's liability: members, points outstanding, pending and owed, tiers, coupons, and the outstanding points' value in money",
        params: &[],
        body: None,
        responses: &[("404", "No loyalty programme yet")],
    },
    Route {
        method: "GET",
        path: "/api/v1/loyalty/members/{id}",
        example: "/api/v1/loyalty/members/1",
        access: Access::Roles(STAFF),
        summary: "A member's account: balance, available, pending, owed, lots and expiries, tier and progress, rewards, coupons, the latest ledger rows",
        params: &[path("id", "customer id")],
        body: None,
        responses: &[("404", "No loyalty programme, or the customer has no account")],
    },
    Route {
        method: "POST",
        path: "/api/v1/loyalty/members/{id}/redemptions",
        example: "/api/v1/loyalty/members/1/redemptions",
        access: Access::Roles(STAFF),
        summary: "Spend a member's points on a catalogue reward: a single-use coupon is issued (and e-mailed to them)",
        params: &[
            path("id", "customer id"),
            required_header(
                "Idempotency-Key",
                "1 to 190 visible ASCII characters, required: the redemption's key. Sending it again answers 200 \
                 with the coupon issued first and spends nothing",
            ),
        ],
        body: Some(&REDEMPTION_BODY),
        responses: &[
            ("201", "Redeemed: the coupon, the points available after it, replayed false"),
            ("200", "Redeemed before under this key: the same coupon, replayed true; nothing written"),
            ("404", "No such customer"),
            ("409", "Too few points available (the message says how many)"),
            ("422", "No such reward in the catalogue, or no programme (the message says)"),
        ],
    },
    Route {
        method: "POST",
        path: "/api/v1/loyalty/members/{id}/adjustments",
        example: "/api/v1/loyalty/members/1/adjustments",
        access: Access::Roles(STAFF),
        summary: "Add or take a member's points by hand, with a reason; the token's name is recorded as who made it",
        params: &[
            path("id", "customer id"),
            required_header(
                "Idempotency-Key",
                "1 to 190 visible ASCII characters, required: the adjustment's key. Sending it again answers 200 \
                 and changes nothing",
            ),
        ],
        body: Some(&ADJUSTMENT_BODY),
        responses: &[
            ("201", "Adjusted: the balance and the points available after it, replayed false"),
            ("200", "Adjusted before under this key: the account as it stands, replayed true"),
            ("404", "No such customer"),
            ("409", "More points taken than are available"),
            ("422", "A field is not acceptable (the message names it), or no programme"),
        ],
    },
    Route {
        method: "GET",
        path: "/api/v1/referrals",
        example: "/api/v1/referrals?status=held",
        access: Access::Roles(STAFF),
        summary: "Referrals, newest first: who referred whom, when the code was used, status, the checks' reasons, who decided",
        params: &[
            query("status", false, "waiting, held (for review), paid, refused or all (default)"),
            query("limit", false, "at most this many, 1 to 500 (default 100)"),
        ],
        body: None,
        responses: &[],
    },
    Route {
        method: "POST",
        path: "/api/v1/referrals",
        example: "/api/v1/referrals",
        access: Access::Roles(STAFF),
        summary: "Record that a customer used a member's referral code (at the shop's checkout, say); it is judged after their first paid order",
        params: &[],
        body: Some(&REFERRAL_BODY),
        responses: &[
            ("201", "Recorded: the referral, waiting"),
            (
                "200",
                "This code was recorded for this customer before: the referral as it stands, Idempotent-Replayed",
            ),
            ("404", "No such customer"),
            ("409", "The customer was already referred, by another member"),
            (
                "422",
                "Not a referral code, no member has it, the member's own code, or a field not acceptable",
            ),
        ],
    },
    Route {
        method: "POST",
        path: "/api/v1/referrals/{id}/review",
        example: "/api/v1/referrals/1/review",
        access: Access::Roles(STAFF),
        summary: "Decide a referral held for review: approve pays both sides, refuse means it never pays; the token's name is recorded as the reviewer",
        params: &[path("id", "referral id")],
        body: Some(&REVIEW_BODY),
        responses: &[
            (
                "200",
                "Decided now, or the same decision by the same token before (Idempotent-Replayed): the referral",
            ),
            ("404", "No such referral"),
            ("409", "The referral is not held (the message says what became of it)"),
            ("422", "`decision` is not approve or refuse"),
        ],
    },
    Route {
        method: "POST",
        path: "/webhooks/{source}",
        example: "/webhooks/webshop",
        access: Access::Signed,
        summary: "A signed delivery from the source's shop platform: its order is written once per delivery id",
        params: &[
            Param {
                name: "source",
                location: "path",
                required: true,
                description: "the source (tenure source add)",
            },
            header("X-Shopify-Webhook-Id", "shopify sources: the delivery id"),
            header(
                "X-Shopify-Topic",
                "shopify sources: orders/create, orders/paid or orders/updated are read",
            ),
            header("X-WC-Webhook-Delivery-ID", "woocommerce sources: the delivery id"),
            header("X-WC-Webhook-Topic", "woocommerce sources: order.created or order.updated are read"),
            header("webhook-id", "standard sources: the delivery id (signed)"),
            header("webhook-timestamp", "standard sources: Unix seconds, within 5 minutes of now (signed)"),
        ],
        body: Some(&WEBHOOK_BODY),
        responses: &[("413", "The body is over 1 MiB")],
    },
];

/// `POST /api/v1/orders`.
const ORDER_BODY: RequestBody = RequestBody {
    media_type: "application/json",
    schema: "OrderInput",
    description: "One order with its customer",
    example: r#"{"source": "api", "external_id": "A-1001", "placed_at": "2024-05-01T10:00:00Z", "currency": "EUR",
        "total": "12.50", "status": "paid", "customer": {"external_id": "c-17", "email": "eve@example.com", "name": "Eve"}}"#,
};

/// The `{name}` of a survey route.
const SURVEY_NAME: Param = Param {
    name: "name",
    location: "path",
    required: true,
    description: "the survey's name (tenure survey list)",
};

/// `POST /api/v1/surveys/{name}/responses`.
const SURVEY_RESPONSE_BODY: RequestBody = RequestBody {
    media_type: "application/json",
    schema: "SurveyResponseInput",
    description: "One complete response: the sender's key, the customer if known, the answers by question id",
    example: r#"{"key": "shop-form-1001", "answers": {"overall": 5, "improve": "Nothing, thanks"}}"#,
};

/// The `{id}` of an interaction route.
const INTERACTION_ID: Param = path("id", "interaction id");

/// The `{id}` of a follow-up route.
const FOLLOWUP_ID: Param = path("id", "follow-up id");

/// `POST /api/v1/interactions`.
const INTERACTION_BODY: RequestBody = RequestBody {
    media_type: "application/json",
    schema: "InteractionInput",
    description: "One interaction: its customer (by id or e-mail), when it happened, channel and direction",
    example: r#"{"customer_id": 1, "occurred_at": "2024-05-01T10:00:00Z", "channel": "phone", "direction": "inbound",
        "duration_seconds": 300, "subject": "Where is my parcel?", "staff": "agent@shop.example", "state": "answered"}"#,
};

/// `PATCH /api/v1/interactions/{id}`.
const INTERACTION_CHANGE_BODY: RequestBody = RequestBody {
    media_type: "application/json",
    schema: "InteractionChange",
    description: "The fields to change; those left out stay as they are",
    example: r#"{"outcome": "Sent a replacement", "state": "closed"}"#,
};

/// `POST /api/v1/followups`.
const FOLLOWUP_BODY: RequestBody = RequestBody {
    media_type: "application/json",
    schema: "FollowUpInput",
    description: "One follow-up: its owner (a user's e-mail), what to do and when",
    example: r#"{"customer_id": 1, "owner": "agent@shop.example", "title": "Call about the late parcel",
        "due_at": "2030-01-15T10:00:00Z", "notes": "Ask whether the replacement arrived"}"#,
};

/// `POST /api/v1/followups/{id}/done`.
const FOLLOWUP_DONE_BODY: RequestBody = RequestBody {
    media_type: "application/json",
    schema: "FollowUpDone",
    description: "What came of it",
    example: r#"{"outcome": "Called: the replacement arrived"}"#,
};

/// `POST /api/v1/loyalty/members/{id}/redemptions`.
const REDEMPTION_BODY: RequestBody = RequestBody {
    media_type: "application/json",
    schema: "RedemptionInput",
    description: "The catalogue reward to redeem, by id",
    example: r#"{"reward": "free-shipping"}"#,
};

/// `POST /api/v1/loyalty/members/{id}/adjustments`.
const ADJUSTMENT_BODY: RequestBody = RequestBody {
    media_type: "application/json",
    schema: "AdjustmentInput",
    description: "Points to add (positive) or take (negative), and why",
    example: r#"{"points": -50, "reason": "Goodwill points given twice by mistake"}"#,
};

/// `POST /api/v1/referrals`.
const REFERRAL_BODY: RequestBody = RequestBody {
    media_type: "application/json",
    schema: "ReferralInput",
    description: "The code the customer used, the customer, and when (default now)",
    example: r#"{"code": "K7MQ-4XRT", "customer": 3, "at": "2026-03-02T09:00:00Z"}"#,
};

/// `POST /api/v1/referrals/{id}/review`.
const REVIEW_BODY: RequestBody = RequestBody {
    media_type: "application/json",
    schema: "ReferralReview",
    description: "The reviewer's decision",
    example: r#"{"decision": "refuse"}"#,
};

/// `POST /webhooks/{source}`.
const WEBHOOK_BODY: RequestBody = RequestBody {
    media_type: "application/json",
    schema: "WebhookDelivery",
    description: "The platform's delivery, byte for byte as signed",
    example: r#"{"type": "order.created", "timestamp": "2024-05-01T10:00:00Z", "data": {"external_id": "W-1001",
        "placed_at": "2024-05-01T10:00:00Z", "currency": "EUR", "total": "12.50", "status": "paid",
        "customer": {"external_id": "c-17", "email": "eve@example.com"}}}"#,
};

/// The routes of [`ROUTES`], each with its handler.
/// The API's routes (and health, metrics, webhooks): JSON bodies, checked by token or signature.
pub(crate) fn api_router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(handlers::healthz))
        .route("/readyz", get(handlers::readyz))
        .route("/metrics", get(handlers::metrics))
        .route("/api/v1/openapi.json", get(handlers::openapi))
        .route("/api/v1/stats", get(handlers::stats))
        .route("/api/v1/customers", get(handlers::customers))
        .route("/api/v1/customers/{id}", get(handlers::customer))
        .route("/api/v1/metrics/retention", get(handlers::retention))
        .route("/api/v1/metrics/cohorts", get(handlers::cohorts))
        .route("/api/v1/metrics/lifecycle", get(handlers::lifecycle))
        .route("/api/v1/metrics/segments", get(handlers::segments))
        .route("/api/v1/predictions", get(handlers::predictions))
        .route("/api/v1/orders", post(handlers::create_order))
        .route("/api/v1/surveys", get(handlers::list_surveys))
        .route("/api/v1/surveys/{name}", get(handlers::survey))
        .route("/api/v1/surveys/{name}/analysis", get(handlers::survey_analysis))
        .route("/api/v1/surveys/{name}/responses", post(handlers::record_response))
        .route("/api/v1/interactions", get(handlers::list_interactions).post(handlers::log_interaction))
        .route(
            "/api/v1/interactions/{id}",
            patch(handlers::edit_interaction).delete(handlers::delete_interaction),
        )
        .route("/api/v1/followups", get(handlers::list_followups).post(handlers::add_followup))
        .route("/api/v1/followups/{id}/done", post(handlers::done_followup))
        .route("/api/v1/followups/{id}/cancel", post(handlers::cancel_followup))
        .route("/api/v1/customers/{id}/timeline", get(handlers::timeline))
        .route("/api/v1/gone-quiet", get(handlers::gone_quiet))
        .route("/api/v1/loyalty", get(handlers::loyalty_liability))
        .route("/api/v1/loyalty/members/{id}", get(handlers::loyalty_member))
        .route("/api/v1/loyalty/members/{id}/redemptions", post(handlers::loyalty_redeem))
        .route("/api/v1/loyalty/members/{id}/adjustments", post(handlers::loyalty_adjust))
        .route("/api/v1/referrals", get(handlers::list_referrals).post(handlers::record_referral))
        .route("/api/v1/referrals/{id}/review", post(handlers::review_referral))
        .route("/webhooks/{source}", post(handlers::webhook))
}

/// The pages of [`PAGES`], each with its handler, but uploads: small form bodies.
pub(crate) fn page_router() -> Router<AppState> {
    Router::new()
        .route("/login", get(pages::login_form).post(pages::sign_in))
        .route("/logout", post(pages::logout))
        .route("/unsubscribe/{token}", get(pages::unsubscribe_form).post(pages::unsubscribe))
        .route("/s/{token}", get(pages::invitation_form).post(pages::invitation_answer))
        .route("/s/p/{token}", get(pages::public_form).post(pages::public_answer))
        .route("/member/{token}", get(pages::member_page))
        .route("/member/{token}/redeem", post(pages::member_redeem))
        .route("/loyalty", get(pages::loyalty_page))
        .route("/loyalty/coupons.csv", get(pages::coupons_csv))
        .route("/loyalty/members/{id}", get(pages::staff_member))
        .route("/loyalty/members/{id}/adjust", post(pages::adjust_points))
        .route("/loyalty/referrals", get(pages::referrals_page))
        .route("/loyalty/referrals/{id}/review", post(pages::review_referral))
        .route("/r/{code}", get(pages::referral_landing))
        .route("/surveys", get(pages::surveys))
        .route("/cases", get(pages::cases))
        .route("/testimonials", get(pages::testimonials))
        .route("/testimonials/{id}/decide", post(pages::decide_testimonial))
        .route("/cases/{id}/close", post(pages::close_case))
        .route("/surveys/{name}", get(pages::survey_report))
        .route("/surveys/{name}/behaviour", get(pages::survey_behaviour))
        .route("/surveys/{name}/responses.csv", get(pages::survey_responses_csv))
        .route("/surveys/{name}/definition.json", get(pages::survey_definition_json))
        .route("/assets/style.css", get(pages::style))
        .route("/", get(pages::overview))
        .route("/retention", get(pages::retention))
        .route("/cohorts", get(pages::cohorts))
        .route("/segments", get(pages::segments))
        .route("/customers", get(pages::customers))
        .route("/customers/{id}", get(pages::customer))
        .route("/at-risk", get(pages::at_risk))
        .route("/at-risk.csv", get(pages::at_risk_csv))
        .route("/gone-quiet", get(pages::gone_quiet))
        .route("/gone-quiet/{id}/contact", post(pages::log_contact))
        .route("/gone-quiet/{id}/follow-up", post(pages::plan_follow_up))
        .route("/gone-quiet/rules", post(pages::add_rule))
        .route("/gone-quiet/rules/{id}/remove", post(pages::remove_rule))
        .route("/calendar", get(pages::calendar))
        .route("/calendar/feed/{file}", get(pages::calendar_feed))
        .route("/followups", get(pages::followups_page))
        .route("/followups/feed", post(pages::revoke_feed))
        .route("/followups/{id}/done", post(pages::done_followup))
        .route("/followups/{id}/cancel", post(pages::cancel_followup))
        .route("/customers/{id}/interactions", post(pages::log_interaction))
        .route("/customers/{id}/followups", post(pages::plan_followup))
        .route("/customers/{id}/cadence", post(pages::set_cadence))
        .route("/interactions/{id}/delete", post(pages::delete_interaction))
        .route("/audit", get(pages::audit_page))
        .route("/customers/{id}/export.json", get(pages::customer_export))
        .route("/customers/{id}/erase", post(pages::erase_customer))
        .route("/deliveries", get(pages::deliveries))
        .route("/deliveries/{id}/retry", post(pages::retry_delivery))
        .route("/account", get(pages::account))
        .route("/account/password", post(pages::change_password))
}

/// The pages that take uploads: the one large body the server takes (its limits are set where
/// the routers are put together, in `lib.rs`).
pub(crate) fn upload_router() -> Router<AppState> {
    Router::new().route(
        "/import",
        get(pages::import_form).post(pages::import).layer(DefaultBodyLimit::max(pages::IMPORT_LIMIT_BYTES)),
    )
}
