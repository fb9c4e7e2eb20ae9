//! The web's part of the audit log: who acted (the signed-in user, or the API token by name)
//! and from where (the client's address), recorded through the pool; and the export permission
//! every download of customers' data asks for, recorded whether it was allowed or refused.

use axum::http::Extensions;
use tenure_app::AppError;
use tenure_app::audit::{self, Action, Actor};
use tenure_app::privacy;
use tenure_store::AuditOutcome;

use crate::AppState;
use crate::auth::Caller;
use crate::html::PageError;
use crate::session::SignedIn;

/// The signed-in user as an actor.
pub(crate) fn user(signed_in: &SignedIn, extensions: &Extensions) -> Actor {
    Actor::user(&signed_in.session.user.email, &crate::pages::client_address(extensions))
}

/// The API token as an actor.
pub(crate) fn token(caller: &Caller, extensions: &Extensions) -> Actor {
    Actor::token(&caller.name, &crate::pages::client_address(extensions))
}

/// Records `action` by `actor`.
pub(crate) async fn record(state: &AppState, actor: Actor, action: Action<'static>) -> Result<(), AppError> {
    let now = chrono::Utc::now();
    state.pool().run(move |store| audit::record(store, &actor, action, now)).await
}

/// The user may download `what` (a list of customers): recorded as a refused `export` and 403
/// when their role and grant do not allow it.
pub(crate) async fn allow_page_export(
    state: &AppState,
    signed_in: &SignedIn,
    extensions: &Extensions,
    what: &str,
) -> Result<Actor, PageError> {
    let actor = user(signed_in, extensions);
    let (user_id, role) = (signed_in.session.user.id, signed_in.role());
    let allowed = state.pool().run(move |store| privacy::user_may_export(store, user_id, role)).await?;
    if !allowed {
        let refused = Action::done("export").on(what.to_string()).outcome(AuditOutcome::Refused);
        record(state, actor, refused).await?;
        return Err(PageError::Forbidden);
    }
    Ok(actor)
}

/// Records a download of `what` carrying `rows` rows.
pub(crate) async fn exported(state: &AppState, actor: Actor, what: &str, rows: u64) -> Result<(), AppError> {
    record(state, actor, Action::done("export").on(what.to_string()).rows(rows)).await
}

/// Data rows of a CSV text (its lines after the header).
pub(crate) fn csv_rows(body: &[u8]) -> u64 {
    let lines = body.iter().filter(|b| **b == b'\n').count() as u64;
    lines.saturating_sub(1)
}
