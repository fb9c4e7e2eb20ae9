//! Tenure's web face: the HTTP server, the REST API under `/api/v1` and the dashboard's pages,
//! over the same use cases as the CLI (so the API's and the pages' numbers are the CLI's numbers).
//!
//! Handlers are thin: check access, parse the request, run one app call on a pooled store
//! connection off the async threads, answer JSON (API) or an escaped template (pages). Every
//! route has an explicit access rule in [`routes::ROUTES`] or [`routes::PAGES`]; a test walks
//! every route with every role and with none.

mod audit;
mod auth;
mod cache;
mod charts;
mod client;
mod error;
mod format;
mod handlers;
mod headers;
mod html;
mod limit;
pub mod log;
mod loyalty;
mod metrics;
pub mod openapi;
mod pages;
mod passwords;
mod pool;
mod refits;
pub mod routes;
mod server;
mod session;

use std::sync::Arc;
use std::time::Duration;

use axum::error_handling::HandleErrorLayer;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode};
pub use client::TrustedProxies;
pub use error::ApiError;
pub use handlers::MAX_BODY_BYTES;
pub use limit::Footprint;
pub use pool::StorePool;
use tenure_app::reports::ShopTimeZone;

/// What every request handler shares.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Shared>,
}

struct Shared {
    pool: StorePool,
    time_zone: ShopTimeZone,
    secure_cookies: bool,
    hsts_max_age_seconds: u64,
    trusted_proxies: TrustedProxies,
    limits: ServerLimits,
    sign_ins: limit::SignInLimits,
    password_changes_per_user: limit::RateLimiter,
    password_work: passwords::PasswordWork,
    survey_posts_per_address: limit::RateLimiter,
    survey_posts_per_link: limit::RateLimiter,
    feed_requests_per_address: limit::RateLimiter,
    member_posts_per_address: limit::RateLimiter,
    invitations_per_address: limit::RateLimiter,
    public_url: String,
    shop_name: String,
    shop_url: Option<String>,
    metrics: metrics::Metrics,
    cache: cache::ReportCache,
    refits: refits::Refits,
    deliveries: Arc<tenure_app::outbox::worker::DeliveryCounters>,
}

/// Password changes a user may try in each window: a typo or two of the current password, not a
/// guessing run from a session left open.
const PASSWORD_CHANGES_PER_USER: u32 = 5;

/// The password change's rate limit's window.
const PASSWORD_CHANGE_WINDOW: Duration = Duration::from_secs(15 * 60);

/// `Strict-Transport-Security`'s max-age by default (a year), sent only with secure cookies.
pub const HSTS_MAX_AGE_SECONDS: u64 = 365 * 86_400;

/// The largest body of a page's form (a survey page's or a contact's free text, percent-encoded,
/// with room): sign-in floods with huge e-mails are refused before they are read.
pub const PAGE_BODY_LIMIT_BYTES: usize = 256 * 1024;

/// How long an upload (`POST /import`) may take, its import included: up to 64 MiB over a slow
/// line, then the import itself.
const UPLOAD_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// What a server takes from its clients at most. A slow client is cut off by the timeouts; a
/// crowd is refused by the limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    /// A request's headers must arrive within this, and a keep-alive connection that sends no
    /// next request is closed after it; a body that stalls this long between two parts is cut off.
    pub header_read_timeout: Duration,
    /// A request must be answered within this (503 otherwise); uploads have half an hour.
    pub request_timeout: Duration,
    /// Requests handled at once; past it the server answers 503 at once instead of queueing.
    pub max_requests: usize,
    /// Connections open at once; past it new ones wait in the kernel's backlog.
    pub max_connections: usize,
}

impl ServerLimits {
    /// Header-read timeout by default.
    pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
    /// Whole-request timeout by default.
    pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
    /// Requests in flight at most by default.
    pub const MAX_REQUESTS: usize = 512;
    /// Open connections at most by default.
    pub const MAX_CONNECTIONS: usize = 2048;
}

impl Default for ServerLimits {
    fn default() -> Self {
        ServerLimits {
            header_read_timeout: ServerLimits::HEADER_READ_TIMEOUT,
            request_timeout: ServerLimits::REQUEST_TIMEOUT,
            max_requests: ServerLimits::MAX_REQUESTS,
            max_connections: ServerLimits::MAX_CONNECTIONS,
        }
    }
}

/// Survey pages posted per client address each minute (a shop's customers rarely share one; a
/// load test from one address turns it up with `serve --survey-posts-per-minute`).
pub const SURVEY_POSTS_PER_ADDRESS: u32 = 120;

/// Survey pages posted per link each minute: a person pages through a survey, a script hammers.
const SURVEY_POSTS_PER_LINK: u32 = 20;

/// The survey rate limits' window.
const SURVEY_WINDOW: Duration = Duration::from_secs(60);

/// Calendar feeds fetched per client address each minute: calendar clients poll every few
/// minutes, so this is room for a whole office behind one address, not for guessing tokens.
const FEED_REQUESTS_PER_ADDRESS: u32 = 120;

/// The calendar feed's rate limit's window.
const FEED_WINDOW: Duration = Duration::from_secs(60);

/// Redemptions posted from member pages per client address each minute: a member redeems a
/// reward or two, a script trying links does not get far.
const MEMBER_POSTS_PER_ADDRESS: u32 = 30;

/// The member pages' rate limit's window.
const MEMBER_WINDOW: Duration = Duration::from_secs(60);

/// Referral landing pages (`/r/{code}`) opened per client address each minute: a friend opens
/// one link, a script walking through codes to learn which exist is stopped after a few.
const INVITATIONS_PER_ADDRESS: u32 = 30;

/// The landing pages' rate limit's window.
const INVITATION_WINDOW: Duration = Duration::from_secs(60);

/// Who signs customers' e-mails until the server is told the shop's name.
pub const DEFAULT_SHOP_NAME: &str = "Your shop";

impl AppState {
    /// State over `pool`, reporting days in `time_zone`; cookies without `Secure` (plain HTTP).
    pub fn new(pool: StorePool, time_zone: ShopTimeZone) -> Self {
        AppState::with_cookies(pool, time_zone, false)
    }

    /// State whose cookies are `Secure` when `secure_cookies` (the server sits behind TLS).
    pub fn with_cookies(pool: StorePool, time_zone: ShopTimeZone, secure_cookies: bool) -> Self {
        let password_changes_per_user =
            limit::RateLimiter::new(PASSWORD_CHANGES_PER_USER, PASSWORD_CHANGE_WINDOW);
        let survey_posts_per_address = limit::RateLimiter::new(SURVEY_POSTS_PER_ADDRESS, SURVEY_WINDOW);
        let survey_posts_per_link = limit::RateLimiter::new(SURVEY_POSTS_PER_LINK, SURVEY_WINDOW);
        let feed_requests_per_address = limit::RateLimiter::new(FEED_REQUESTS_PER_ADDRESS, FEED_WINDOW);
        let member_posts_per_address = limit::RateLimiter::new(MEMBER_POSTS_PER_ADDRESS, MEMBER_WINDOW);
        let invitations_per_address = limit::RateLimiter::new(INVITATIONS_PER_ADDRESS, INVITATION_WINDOW);
        AppState {
            inner: Arc::new(Shared {
                pool,
                time_zone,
                secure_cookies,
                hsts_max_age_seconds: HSTS_MAX_AGE_SECONDS,
                trusted_proxies: TrustedProxies::none(),
                limits: ServerLimits::default(),
                sign_ins: limit::SignInLimits::default(),
                password_changes_per_user,
                password_work: passwords::PasswordWork::default(),
                survey_posts_per_address,
                survey_posts_per_link,
                feed_requests_per_address,
                member_posts_per_address,
                invitations_per_address,
                public_url: "http://127.0.0.1:8080".to_string(),
                shop_name: DEFAULT_SHOP_NAME.to_string(),
                shop_url: None,
                metrics: metrics::Metrics::default(),
                cache: cache::ReportCache::default(),
                refits: refits::Refits::default(),
                deliveries: Arc::default(),
            }),
        }
    }

    /// This state with at most `per_minute` survey pages posted per client address each minute
    /// (0: no limit by address — a load test from one machine; the limit per link stays).
    pub fn with_survey_posts_per_address(mut self, per_minute: u32) -> Self {
        let limit = if per_minute == 0 { u32::MAX } else { per_minute };
        if let Some(shared) = Arc::get_mut(&mut self.inner) {
            shared.survey_posts_per_address = limit::RateLimiter::new(limit, SURVEY_WINDOW);
        }
        self
    }

    /// This state believing `X-Forwarded-For` from `proxies` (the TLS proxy in front): the rate
    /// limits then count each client, not the proxy.
    pub fn with_trusted_proxies(mut self, proxies: TrustedProxies) -> Self {
        if let Some(shared) = Arc::get_mut(&mut self.inner) {
            shared.trusted_proxies = proxies;
        }
        self
    }

    pub(crate) fn trusted_proxies(&self) -> &TrustedProxies {
        &self.inner.trusted_proxies
    }

    /// This state with the timeouts and limits `limits` for its server.
    pub fn with_limits(mut self, limits: ServerLimits) -> Self {
        if let Some(shared) = Arc::get_mut(&mut self.inner) {
            shared.limits = limits;
        }
        self
    }

    /// This state sending `Strict-Transport-Security: max-age=SECONDS` with secure cookies (0:
    /// never; without secure cookies it is never sent, since the server is then reached over
    /// plain HTTP).
    pub fn with_hsts_max_age(mut self, seconds: u64) -> Self {
        if let Some(shared) = Arc::get_mut(&mut self.inner) {
            shared.hsts_max_age_seconds = seconds;
        }
        self
    }

    /// The `Strict-Transport-Security` value this server sends, if any.
    pub(crate) fn strict_transport_security(&self) -> Option<HeaderValue> {
        let seconds = self.inner.hsts_max_age_seconds;
        (self.inner.secure_cookies && seconds > 0)
            .then(|| HeaderValue::from_str(&format!("max-age={seconds}")).ok())
            .flatten()
    }

    /// What the sign-in rate limits hold in memory (bounded whatever is sent; for tests and
    /// monitoring).
    pub fn sign_in_limits_footprint(&self) -> Footprint {
        self.inner.sign_ins.footprint()
    }

    /// This state with the address customers and staff reach the server at (links in alerts).
    pub fn with_public_url(mut self, url: &str) -> Self {
        if let Some(shared) = Arc::get_mut(&mut self.inner) {
            shared.public_url = url.trim_end_matches('/').to_string();
        }
        self
    }

    pub(crate) fn public_url(&self) -> &str {
        &self.inner.public_url
    }

    /// This state with the shop's name, which signs the e-mails its pages cause (a coupon's).
    pub fn with_shop_name(mut self, name: &str) -> Self {
        if let Some(shared) = Arc::get_mut(&mut self.inner)
            && !name.trim().is_empty()
        {
            shared.shop_name = name.trim().to_string();
        }
        self
    }

    pub(crate) fn shop_name(&self) -> &str {
        &self.inner.shop_name
    }

    /// This state with the shop's own address, where a referral's landing page sends the friend
    /// (without one the page shows the code and no button). Only an `http(s)://` address is
    /// taken: the page puts it in a link.
    pub fn with_shop_url(mut self, url: &str) -> Self {
        let url = url.trim();
        let web = url.starts_with("https://") || url.starts_with("http://");
        if let Some(shared) = Arc::get_mut(&mut self.inner)
            && web
        {
            shared.shop_url = Some(url.to_string());
        }
        self
    }

    pub(crate) fn shop_url(&self) -> Option<&str> {
        self.inner.shop_url.as_deref()
    }

    /// The delivery counters this server's worker adds to (shown on `/metrics`).
    pub fn delivery_counters(&self) -> Arc<tenure_app::outbox::worker::DeliveryCounters> {
        Arc::clone(&self.inner.deliveries)
    }

    pub(crate) fn refits(&self) -> &refits::Refits {
        &self.inner.refits
    }

    pub(crate) fn cache(&self) -> &cache::ReportCache {
        &self.inner.cache
    }

    pub(crate) fn metrics(&self) -> &metrics::Metrics {
        &self.inner.metrics
    }

    pub(crate) fn secure_cookies(&self) -> bool {
        self.inner.secure_cookies
    }

    pub(crate) fn sign_ins(&self) -> &limit::SignInLimits {
        &self.inner.sign_ins
    }

    pub(crate) fn password_work(&self) -> &passwords::PasswordWork {
        &self.inner.password_work
    }

    /// Whether user `user_id` may try another password change now (and counts it).
    pub(crate) fn allow_password_change(&self, user_id: i64) -> bool {
        self.inner.password_changes_per_user.allow(user_id, std::time::Instant::now())
    }

    /// Whether a survey page posted from `address` with `link` (a token or visitor key) is within
    /// the limits (and counts it).
    pub(crate) fn allow_survey_post(&self, address: &str, link: &str) -> bool {
        let now = std::time::Instant::now();
        let by_address = self.inner.survey_posts_per_address.allow(address, now);
        let by_link = self.inner.survey_posts_per_link.allow(link, now);
        by_address && by_link
    }

    /// Whether a redemption posted from a member page at `address` is within the limit (and
    /// counts it).
    pub(crate) fn allow_member_post(&self, address: &str) -> bool {
        self.inner.member_posts_per_address.allow(address, std::time::Instant::now())
    }

    /// Whether a referral landing page opened from `address` is within the limit (and counts it).
    pub(crate) fn allow_invitation(&self, address: &str) -> bool {
        self.inner.invitations_per_address.allow(address, std::time::Instant::now())
    }

    /// Whether a calendar feed fetched from `address` is within the limit (and counts it).
    pub(crate) fn allow_feed_request(&self, address: &str) -> bool {
        self.inner.feed_requests_per_address.allow(address, std::time::Instant::now())
    }

    pub(crate) fn pool(&self) -> &StorePool {
        &self.inner.pool
    }

    pub(crate) fn time_zone(&self) -> ShopTimeZone {
        self.inner.time_zone
    }
}

/// The application's routes with their state, behind the layers every request passes: the
/// security headers, the metrics, the limit on requests in flight, the client's address, and per
/// kind of route a body limit and a timeout (the API's JSON up to [`MAX_BODY_BYTES`], pages' forms
/// up to [`PAGE_BODY_LIMIT_BYTES`], uploads up to 64 MiB and half an hour).
pub fn router(state: AppState) -> axum::Router {
    let limits = state.inner.limits;
    let timeout = |duration| {
        tower_http::timeout::TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, duration)
    };
    // The API's handlers read raw bodies up to MAX_BODY_BYTES themselves (and answer 413 in the
    // API's envelope); its JSON extractors take the same limit.
    let api = routes::api_router()
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(timeout(limits.request_timeout));
    let pages = routes::page_router()
        .layer(tower_http::limit::RequestBodyLimitLayer::new(PAGE_BODY_LIMIT_BYTES))
        .layer(timeout(limits.request_timeout));
    let uploads = routes::upload_router()
        .layer(tower_http::limit::RequestBodyLimitLayer::new(pages::IMPORT_LIMIT_BYTES))
        .layer(timeout(UPLOAD_TIMEOUT.max(limits.request_timeout)));
    // `Router::layer` wraps each route, so the middleware sees the matched route pattern; the
    // concurrency limit's semaphore is one for all routes (a global limit).
    let in_flight = tower::ServiceBuilder::new()
        .layer(HandleErrorLayer::new(|_: tower::BoxError| async { overloaded() }))
        .layer(tower::load_shed::LoadShedLayer::new())
        .layer(tower::limit::GlobalConcurrencyLimitLayer::new(limits.max_requests.max(1)));
    api.merge(pages)
        .merge(uploads)
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(limits.header_read_timeout))
        .layer(axum::middleware::from_fn_with_state(state.clone(), client::resolve))
        .layer(in_flight)
        // A panicking handler answers 500 with an incident id (inside the metrics, which count it).
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(error::panic_response))
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(axum::middleware::map_response_with_state(state.clone(), headers::security_headers))
        .with_state(state)
}

/// The answer when the server handles as many requests as it may.
fn overloaded() -> (StatusCode, [(axum::http::HeaderName, &'static str); 1], &'static str) {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(axum::http::header::RETRY_AFTER, "1")],
        "The server is busy: try again.\n",
    )
}

/// Serves `state` on `listener` until `shutdown` completes, finishing requests in flight, with
/// the state's [`ServerLimits`] (a header-read timeout, a cap on open connections).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = state.inner.limits;
    let pool = state.pool().clone();
    let served = server::serve(listener, router(state), limits, shutdown).await;
    // Requests in flight have finished: whatever still asks for a connection (a refit running
    // in the background) is told the server is stopping (503), not left waiting.
    pool.close();
    served
}
