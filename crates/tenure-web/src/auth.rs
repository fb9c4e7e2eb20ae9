//! Who is calling: the bearer token of the `Authorization` header, checked against the store,
//! and whether its role may use the route.

use axum::http::{HeaderMap, header};
use tenure_app::access;
use tenure_domain::Role;

use crate::{ApiError, AppState};

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Caller {
    /// Its role.
    pub role: Role,
    /// The token's name (`shopify-sync`), recorded as who made a change.
    pub name: String,
}

/// The caller, if its token is valid and its role is among `allowed`: 401 without a valid token,
/// 403 with one whose role is not allowed.
pub(crate) async fn require(
    state: &AppState,
    headers: &HeaderMap,
    allowed: &[Role],
) -> Result<Caller, ApiError> {
    let Some(presented) = bearer(headers) else { return Err(ApiError::unauthorized()) };
    let now = chrono::Utc::now();
    let token = state.pool().run(move |store| access::authenticate(store, &presented, now)).await?;
    let Some(token) = token else { return Err(ApiError::unauthorized()) };
    if allowed.contains(&token.role) {
        Ok(Caller { role: token.role, name: token.name })
    } else {
        Err(ApiError::forbidden())
    }
}

/// The token of `Authorization: Bearer TOKEN` (scheme case-insensitive).
fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_reads_the_token_and_nothing_else() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer(&headers), None);
        headers.insert(header::AUTHORIZATION, "Bearer tenure_abc".parse().unwrap());
        assert_eq!(bearer(&headers).as_deref(), Some("tenure_abc"));
        headers.insert(header::AUTHORIZATION, "bearer  tenure_abc ".parse().unwrap());
        assert_eq!(bearer(&headers).as_deref(), Some("tenure_abc"));
        headers.insert(header::AUTHORIZATION, "Basic dXNlcjpwYXNz".parse().unwrap());
        assert_eq!(bearer(&headers), None);
    }
}
