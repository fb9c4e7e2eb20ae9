//! Every route and who may use it. The table is the single statement of access: the router is
//! built beside it, and a test requests every route of it with every role and with none.

use axum::Router;
use axum::routing::get;
use tenure_domain::Role;

use crate::{AppState, handlers};

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, without credentials (health checks for load balancers).
    Public,
    /// Callers with one of these roles.
    Roles(&'static [Role]),
}

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
}

/// Roles that read shop-wide numbers.
pub const READERS: &[Role] = &[Role::Admin, Role::Analyst];

/// Roles that work with customers one by one.
pub const STAFF: &[Role] = &[Role::Admin, Role::Analyst, Role::Agent];

/// Every route of the server.
pub const ROUTES: &[Route] = &[
    Route { method: "GET", path: "/healthz", example: "/healthz", access: Access::Public },
    Route { method: "GET", path: "/readyz", example: "/readyz", access: Access::Public },
    Route { method: "GET", path: "/api/v1/stats", example: "/api/v1/stats", access: Access::Roles(READERS) },
    Route {
        method: "GET",
        path: "/api/v1/customers",
        example: "/api/v1/customers?limit=5",
        access: Access::Roles(STAFF),
    },
    Route {
        method: "GET",
        path: "/api/v1/customers/{id}",
        example: "/api/v1/customers/1",
        access: Access::Roles(STAFF),
    },
    Route {
        method: "GET",
        path: "/api/v1/metrics/retention",
        example: "/api/v1/metrics/retention?from=1997-06-30&to=1998-06-30",
        access: Access::Roles(READERS),
    },
    Route {
        method: "GET",
        path: "/api/v1/metrics/cohorts",
        example: "/api/v1/metrics/cohorts?period=month&as_of=1998-06-30",
        access: Access::Roles(READERS),
    },
    Route {
        method: "GET",
        path: "/api/v1/metrics/lifecycle",
        example: "/api/v1/metrics/lifecycle?as_of=1998-06-30",
        access: Access::Roles(READERS),
    },
    Route {
        method: "GET",
        path: "/api/v1/metrics/segments",
        example: "/api/v1/metrics/segments?as_of=1998-06-30",
        access: Access::Roles(READERS),
    },
];

/// The routes of [`ROUTES`], each with its handler.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(handlers::healthz))
        .route("/readyz", get(handlers::readyz))
        .route("/api/v1/stats", get(handlers::stats))
        .route("/api/v1/customers", get(handlers::customers))
        .route("/api/v1/customers/{id}", get(handlers::customer))
        .route("/api/v1/metrics/retention", get(handlers::retention))
        .route("/api/v1/metrics/cohorts", get(handlers::cohorts))
        .route("/api/v1/metrics/lifecycle", get(handlers::lifecycle))
        .route("/api/v1/metrics/segments", get(handlers::segments))
}
