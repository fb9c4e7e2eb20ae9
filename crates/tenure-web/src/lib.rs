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
mod error;
mod format;
mod handlers;
mod html;
mod limit;
pub mod log;
mod loyalty;
mod metrics;
pub mod openapi;
mod pages;
mod pool;
mod refits;
pub mod routes;
mod session;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

pub use error::ApiError;
pub use handlers::MAX_BODY_BYTES;
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
    logins_per_address: limit::RateLimiter,
    logins_per_email: limit::RateLimiter,
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

/// Sign-in attempts allowed per e-mail in each window: a handful of typos, not a guessing run.
const LOGINS_PER_EMAIL: u32 = 10;

/// Sign-in attempts allowed per client address in each window (an office shares one address).
const LOGINS_PER_ADDRESS: u32 = 50;

/// The sign-in rate limit's window.
const LOGIN_WINDOW: Duration = Duration::from_secs(15 * 60);

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
        let logins_per_address = limit::RateLimiter::new(LOGINS_PER_ADDRESS, LOGIN_WINDOW);
        let logins_per_email = limit::RateLimiter::new(LOGINS_PER_EMAIL, LOGIN_WINDOW);
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
                logins_per_address,
                logins_per_email,
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

    /// Whether a sign-in attempt from `address` for `email` is within the limits (and counts it).
    pub(crate) fn allow_login(&self, address: &str, email: &str) -> bool {
        let now = std::time::Instant::now();
        // Both are counted, so neither limit can be dodged by varying the other key.
        let by_address = self.inner.logins_per_address.allow(address, now);
        let by_email = self.inner.logins_per_email.allow(email, now);
        by_address && by_email
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

/// The application's routes with their state.
pub fn router(state: AppState) -> axum::Router {
    // `Router::layer` wraps each route, so the middleware sees the matched route pattern.
    routes::router()
        // A panicking handler answers 500 with an incident id (inside the metrics, which count it).
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(error::panic_response))
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track))
        .with_state(state)
}

/// Serves `state` on `listener` until `shutdown` completes, finishing requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // The peer address feeds the sign-in rate limit.
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}
