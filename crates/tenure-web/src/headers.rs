//! The security headers of every response — pages, API, health checks, errors and refusals
//! alike — set in one layer: no content sniffing, no caching unless a handler says otherwise
//! (nearly everything is private: customer data behind a session or a token), no referrer beyond
//! this server, no framing unless a handler names who may frame (a survey embedded in a shop's
//! site), a strict content policy, and HSTS when the server sits behind TLS.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;

use crate::AppState;

/// The content policy of every response that sets none: only this server's own styles and
/// images (no script at all, inline SVG is markup), forms posted here, framed by nobody.
const CONTENT_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; \
                              frame-ancestors 'none'; base-uri 'none'";

/// Adds the headers every response carries; a header the handler set itself is kept (the style
/// sheet's `Cache-Control`, a survey's `frame-ancestors`, the calendar feed's revalidation).
pub(crate) async fn security_headers(State(state): State<AppState>, mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    set_if_missing(headers, header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    set_if_missing(headers, header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    // A response that names who may frame it sends no X-Frame-Options, which cannot name origins.
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_POLICY));
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    if let Some(value) = state.strict_transport_security() {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, value);
    }
    response
}

fn set_if_missing(headers: &mut HeaderMap, name: header::HeaderName, value: HeaderValue) {
    if !headers.contains_key(&name) {
        headers.insert(name, value);
    }
}
