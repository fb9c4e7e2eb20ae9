//! Every route and who may use it. The table is the single statement of access: the router is
//! built beside it, and a test requests every route of it with every role and with none.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use tenure_domain::Role;

use crate::{AppState, handlers, pages};

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, without credentials (health checks for load balancers).
    Public,
    /// Callers with one of these roles.
    Roles(&'static [Role]),
}

/// A query or path parameter of a route, for the OpenAPI document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    /// Its name.
    pub name: &'static str,
    /// `path` or `query`.
    pub location: &'static str,
    /// Whether a request must carry it.
    pub required: bool,
    /// What it means.
    pub description: &'static str,
}

const fn query(name: &'static str, required: bool, description: &'static str) -> Param {
    Param { name, location: "query", required, description }
}

const CURRENCY: Param =
    query("currency", false, "ISO-4217 code; default: the currency with the most revenue");
const AS_OF: Param = query("as_of", true, "the day of the report, YYYY-MM-DD");
const WINDOW: Param = query("window", false, "activity window W in days (default 365)");

/// One route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// HTTP method.
    pub method: &'static str,
    /// Path pattern (axum syntax, `{id}` for a parameter).
    pub path: &'static str,
    /// A URI that makes a valid request to it on a store holding the CDNOW sample (tests use it).
    pub example: &'static str,
    /// Who may use it.
    pub access: Access,
    /// What it answers, in a line.
    pub summary: &'static str,
    /// Its parameters.
    pub params: &'static [Param],
}

/// Roles that read shop-wide numbers.
pub const READERS: &[Role] = &[Role::Admin, Role::Analyst];

/// Roles that work with customers one by one.
pub const STAFF: &[Role] = &[Role::Admin, Role::Analyst, Role::Agent];

/// Roles that change the customer file (imports, users).
pub const ADMINS: &[Role] = &[Role::Admin];

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
        path: "/import",
        example: "/import",
        access: Access::Roles(ADMINS),
        menu: Some("Import"),
    },
    Page { method: "POST", path: "/import", example: "/import", access: Access::Roles(ADMINS), menu: None },
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
    },
    Route {
        method: "GET",
        path: "/readyz",
        example: "/readyz",
        access: Access::Public,
        summary: "The database answers and its schema is current",
        params: &[],
    },
    Route {
        method: "GET",
        path: "/api/v1/openapi.json",
        example: "/api/v1/openapi.json",
        access: Access::Public,
        summary: "This document",
        params: &[],
    },
    Route {
        method: "GET",
        path: "/api/v1/stats",
        example: "/api/v1/stats",
        access: Access::Roles(READERS),
        summary: "The customer file at a glance (tenure stats)",
        params: &[],
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
    },
    Route {
        method: "GET",
        path: "/api/v1/customers/{id}",
        example: "/api/v1/customers/1",
        access: Access::Roles(STAFF),
        summary: "One customer: identities, merges, orders",
        params: &[Param { name: "id", location: "path", required: true, description: "customer id" }],
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
    },
    Route {
        method: "GET",
        path: "/api/v1/metrics/lifecycle",
        example: "/api/v1/metrics/lifecycle?as_of=1998-06-30",
        access: Access::Roles(READERS),
        summary: "Customers per lifecycle stage (tenure report lifecycle)",
        params: &[AS_OF, WINDOW, CURRENCY],
    },
    Route {
        method: "GET",
        path: "/api/v1/metrics/segments",
        example: "/api/v1/metrics/segments?as_of=1998-06-30",
        access: Access::Roles(READERS),
        summary: "Customers and revenue per RFM segment (tenure report segments)",
        params: &[AS_OF, CURRENCY],
    },
];

/// The routes of [`ROUTES`], each with its handler.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(handlers::healthz))
        .route("/readyz", get(handlers::readyz))
        .route("/api/v1/openapi.json", get(handlers::openapi))
        .route("/api/v1/stats", get(handlers::stats))
        .route("/api/v1/customers", get(handlers::customers))
        .route("/api/v1/customers/{id}", get(handlers::customer))
        .route("/api/v1/metrics/retention", get(handlers::retention))
        .route("/api/v1/metrics/cohorts", get(handlers::cohorts))
        .route("/api/v1/metrics/lifecycle", get(handlers::lifecycle))
        .route("/api/v1/metrics/segments", get(handlers::segments))
        .merge(page_router())
}

/// The pages of [`PAGES`], each with its handler, and the headers every page carries.
fn page_router() -> Router<AppState> {
    Router::new()
        .route("/login", get(pages::login_form).post(pages::sign_in))
        .route("/logout", post(pages::logout))
        .route("/assets/style.css", get(pages::style))
        .route("/", get(pages::overview))
        .route("/retention", get(pages::retention))
        .route("/cohorts", get(pages::cohorts))
        .route("/segments", get(pages::segments))
        .route("/customers", get(pages::customers))
        .route("/customers/{id}", get(pages::customer))
        .route("/at-risk", get(pages::at_risk))
        .route("/at-risk.csv", get(pages::at_risk_csv))
        // Uploads are the one large body the server takes: the limit is raised here only.
        .route(
            "/import",
            get(pages::import_form)
                .post(pages::import)
                .layer(DefaultBodyLimit::max(pages::IMPORT_LIMIT_BYTES)),
        )
        .route("/account", get(pages::account))
        .route("/account/password", post(pages::change_password))
        .layer(axum::middleware::map_response(crate::html::page_headers))
}
