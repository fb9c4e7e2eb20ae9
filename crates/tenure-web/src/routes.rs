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
    /// Path (axum syntax), with an example query that makes a valid request.
    pub path: &'static str,
    /// A query string for a valid request (tests use it).
    pub example_query: &'static str,
    /// Who may use it.
    pub access: Access,
}

/// Roles that read shop-wide numbers.
pub const READERS: &[Role] = &[Role::Admin, Role::Analyst];

/// Every route of the server.
pub const ROUTES: &[Route] = &[
    Route { method: "GET", path: "/healthz", example_query: "", access: Access::Public },
    Route { method: "GET", path: "/readyz", example_query: "", access: Access::Public },
    Route {
        method: "GET",
        path: "/api/v1/metrics/retention",
        example_query: "from=1997-06-30&to=1998-06-30",
        access: Access::Roles(READERS),
    },
];

/// The routes of [`ROUTES`], each with its handler.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(handlers::healthz))
        .route("/readyz", get(handlers::readyz))
        .route("/api/v1/metrics/retention", get(handlers::retention))
}
