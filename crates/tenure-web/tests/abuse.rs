//! The server under abuse, as a hostile visitor tries it: floods of sign-ins with huge or junk
//! e-mails, guessing one account's password to lock its owner out, a shared proxy address,
//! redirects off-site, clients that send their headers a byte a second or never finish a body,
//! more requests than the server handles at once, and the security headers of every response.
//!
//! Sign-ins run on SQLite and PostgreSQL; the server's own behaviour (timeouts, limits, headers)
//! does not depend on the database and runs on SQLite.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use tenure_app::reports::ShopTimeZone;
use tenure_domain::Role;
use tenure_web::{AppState, ServerLimits, StorePool, TrustedProxies, router};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;

const OWNER: &str = "owner@shop.example";
const PASSWORD: &str = "the owner's own password";
const WRONG: &str = "a guess at the password";

/// An address of the owner's, and of strangers'.
const OWNER_AT: &str = "198.51.100.7";
const STRANGER_AT: &str = "203.0.113.9";

/// A database with the owner's account, and the server's state over it.
struct Shop {
    state: AppState,
    url: String,
}

/// What keeps a test's database: a folder, or a PostgreSQL database dropped with it (outside the
/// test's runtime: PostgreSQL's client blocks, which an async thread may not).
enum Database {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres(#[allow(dead_code)] tenure_store::testing::TestDatabase),
}

impl Shop {
    fn sqlite() -> (Shop, Database) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", dir.path().join("tenure.db").display());
        (Shop { state: state_over(&url, 2), url }, Database::Sqlite(dir))
    }

    fn postgres() -> Option<(Shop, Database)> {
        let database = tenure_store::testing::postgres_database()?;
        let url = database.url.clone();
        Some((Shop { state: state_over(&url, 2), url }, Database::Postgres(database)))
    }

    /// Another state over the same database with `connections` (opened on a blocking thread).
    async fn with_connections(&self, connections: usize) -> AppState {
        let url = self.url.clone();
        tokio::task::spawn_blocking(move || state_over(&url, connections)).await.unwrap()
    }
}

/// The owner's account in the database at `url`, and a state with `connections` over it.
fn state_over(url: &str, connections: usize) -> AppState {
    let now = chrono::Utc::now();
    let mut store = tenure_store::open(url, now).unwrap();
    store.migrate(now).unwrap();
    if store.user_by_email(OWNER).unwrap().is_none() {
        tenure_app::users::add_user(store.as_mut(), OWNER, None, Role::Admin, PASSWORD, now).unwrap();
    }
    AppState::new(StorePool::open(url, connections, now).unwrap(), ShopTimeZone::UTC)
}

/// One test body per engine, each on a single-threaded runtime built after the database's
/// set-up and dropped before it.
macro_rules! on_both_engines {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $( #[test] fn $test() { super::run_on(super::Shop::sqlite(), super::$test) } )*
        }
        mod postgres {
            $( #[test] fn $test() {
                if let Some(shop) = super::Shop::postgres() { super::run_on(shop, super::$test) }
            } )*
        }
    };
}

on_both_engines!(
    a_junk_e_mail_flood_from_one_address_locks_out_no_one_elsewhere,
    ten_wrong_passwords_from_another_address_do_not_lock_the_owner_out,
    a_flood_of_failures_for_the_owners_e_mail_from_many_addresses_does_not_lock_them_out,
    successful_sign_ins_are_not_counted,
    password_checks_hold_no_database_connection,
    password_changes_are_limited_per_user,
);

fn run_on<F: std::future::Future<Output = ()>>(
    (shop, database): (Shop, Database),
    test: impl FnOnce(Shop) -> F,
) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(test(shop));
    drop(runtime);
    drop(database);
}

/// What a response said.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

async fn send(state: &AppState, request: Request<Body>) -> Answer {
    let response = router(state.clone()).oneshot(request).await.unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Answer { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
}

/// `POST /login` from the connection's `peer`, with `X-Forwarded-For: forwarded` if given. The
/// form's double-submit token is any value the cookie repeats.
fn login_request(peer: &str, forwarded: Option<&str>, fields: &[(&str, &str)]) -> Request<Body> {
    let mut form = vec![("csrf", "token")];
    form.extend_from_slice(fields);
    let body: String = form.iter().map(|(k, v)| format!("{k}={}&", encode(v))).collect();
    let mut request = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, "tenure_login=token");
    if let Some(forwarded) = forwarded {
        request = request.header("x-forwarded-for", forwarded);
    }
    let mut request = request.body(Body::from(body)).unwrap();
    let peer = SocketAddr::new(peer.parse().unwrap(), 40_000);
    request.extensions_mut().insert(ConnectInfo(peer));
    request
}

async fn sign_in(state: &AppState, peer: &str, email: &str, password: &str) -> StatusCode {
    send(state, login_request(peer, None, &[("email", email), ("password", password)])).await.status
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { char::from(b).to_string() } else { format!("%{b:02X}") })
        .collect()
}

// ---- The sign-in limits ----

/// 500 sign-ins with 2 MiB e-mails kept ~1 GB resident: the body limit refuses them from their
/// length alone, and e-mails as large as a page's body may be hold a few bytes each.
#[tokio::test]
async fn huge_e_mails_are_refused_before_they_are_read_and_cost_the_limiter_nothing() {
    let (shop, _database) = Shop::sqlite();
    for attempt in 0..500 {
        // The length announced is 2 MiB and more; the body itself is never read, so need not follow.
        let mut request = login_request(STRANGER_AT, None, &[("email", &format!("{attempt}@x.example"))]);
        request.headers_mut().insert(header::CONTENT_LENGTH, (2 << 20 | attempt).into());
        assert_eq!(send(&shop.state, request).await.status, StatusCode::PAYLOAD_TOO_LARGE);
    }
    assert_eq!(shop.state.sign_in_limits_footprint().entries, 0, "nothing reached the limiter");

    // E-mails of 200 KiB (a body under the page limit), each another, each from another address.
    for attempt in 0..40 {
        let email = format!("{attempt:03}{}@x.example", "e".repeat(200 << 10));
        let peer = format!("192.0.2.{attempt}");
        assert_eq!(sign_in(&shop.state, &peer, &email, WRONG).await, StatusCode::UNAUTHORIZED);
    }
    let footprint = shop.state.sign_in_limits_footprint();
    assert!(footprint.entries <= 3 * 40, "{footprint:?}");
    assert!(footprint.bytes < 64 << 10, "bytes per key, not 200 KiB per key: {footprint:?}");
}

/// 100,000 junk e-mails from one address locked a real user out from another (the limiter
/// refused new keys once full); here the flood is 200 (the limiter itself takes 100,000 in
/// `limit.rs`' tests): the spraying address is stopped, the owner elsewhere is not.
async fn a_junk_e_mail_flood_from_one_address_locks_out_no_one_elsewhere(shop: Shop) {
    let mut answers = std::collections::BTreeMap::new();
    for junk in 0..200 {
        let status = sign_in(&shop.state, STRANGER_AT, &format!("junk{junk}@x.example"), WRONG).await;
        *answers.entry(status.as_u16()).or_insert(0) += 1;
    }
    assert_eq!(answers, [(401, 50), (429, 150)].into(), "50 failures per address, then refused");
    assert_eq!(sign_in(&shop.state, OWNER_AT, OWNER, PASSWORD).await, StatusCode::SEE_OTHER);
    let footprint = shop.state.sign_in_limits_footprint();
    assert!(footprint.entries <= 3 * 50 + 2, "refused attempts are not remembered: {footprint:?}");
}

/// Anyone could lock a chosen account with 10 wrong passwords (the limit was per e-mail).
async fn ten_wrong_passwords_from_another_address_do_not_lock_the_owner_out(shop: Shop) {
    for _ in 0..10 {
        assert_eq!(sign_in(&shop.state, STRANGER_AT, OWNER, WRONG).await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        sign_in(&shop.state, STRANGER_AT, OWNER, PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS,
        "the guessing pair is stopped, even with the right password"
    );
    assert_eq!(sign_in(&shop.state, OWNER_AT, "Owner@Shop.Example", PASSWORD).await, StatusCode::SEE_OTHER);
}

/// Past the per-e-mail cap (the last resort against guessing from many addresses), a new place
/// is refused even with the right password; the owner's own address is not.
async fn a_flood_of_failures_for_the_owners_e_mail_from_many_addresses_does_not_lock_them_out(shop: Shop) {
    assert_eq!(sign_in(&shop.state, OWNER_AT, OWNER, PASSWORD).await, StatusCode::SEE_OTHER);
    let mut refused = 0;
    for guess in 0..120 {
        let address = format!("203.0.113.{}", guess / 10);
        refused +=
            usize::from(sign_in(&shop.state, &address, OWNER, WRONG).await == StatusCode::TOO_MANY_REQUESTS);
    }
    assert_eq!(refused, 20, "100 failures for one e-mail, then refused from every new address");
    assert_eq!(sign_in(&shop.state, "192.0.2.99", OWNER, PASSWORD).await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        sign_in(&shop.state, OWNER_AT, OWNER, PASSWORD).await,
        StatusCode::SEE_OTHER,
        "the owner's own place"
    );
}

/// Successful sign-ins counted against the limits: an office signing in all day was locked out.
async fn successful_sign_ins_are_not_counted(shop: Shop) {
    for _ in 0..60 {
        assert_eq!(sign_in(&shop.state, OWNER_AT, OWNER, PASSWORD).await, StatusCode::SEE_OTHER);
    }
    for _ in 0..9 {
        assert_eq!(sign_in(&shop.state, OWNER_AT, OWNER, WRONG).await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        sign_in(&shop.state, OWNER_AT, OWNER, PASSWORD).await,
        StatusCode::SEE_OTHER,
        "9 typos are not 10"
    );
}

/// argon2 ran while holding one of the pool's connections, so a sign-in flood stalled every page.
/// With a pool of one connection, eight sign-ins are sent, then a request that needs the
/// database: it is answered before the sign-ins are all checked (it waited for their quick reads,
/// not for their argon2 runs).
async fn password_checks_hold_no_database_connection(shop: Shop) {
    let state = shop.with_connections(1).await;
    let checked = Arc::new(AtomicUsize::new(0));
    let mut sign_ins = Vec::new();
    for attempt in 0..8 {
        let (state, checked) = (state.clone(), Arc::clone(&checked));
        sign_ins.push(tokio::spawn(async move {
            let status = sign_in(&state, &format!("192.0.2.{attempt}"), OWNER, WRONG).await;
            checked.fetch_add(1, Ordering::SeqCst);
            status
        }));
    }
    // On this single-threaded runtime the sign-ins run up to their first wait (the pool) first.
    tokio::task::yield_now().await;
    let ready = send(&state, Request::get("/readyz").body(Body::empty()).unwrap()).await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.body);
    let checked_by_then = checked.load(Ordering::SeqCst);
    for sign_in in sign_ins {
        assert_eq!(sign_in.await.unwrap(), StatusCode::UNAUTHORIZED);
    }
    assert!(checked_by_then < 8, "the page waited for every password check ({checked_by_then} of 8)");
}

/// A session left open was unlimited ground for guessing the current password.
async fn password_changes_are_limited_per_user(shop: Shop) {
    let signed_in =
        send(&shop.state, login_request(OWNER_AT, None, &[("email", OWNER), ("password", PASSWORD)])).await;
    let cookie = signed_in.headers.get_all(header::SET_COOKIE).iter().find_map(|v| {
        let text = v.to_str().unwrap();
        text.starts_with("tenure_session=").then(|| text.split(';').next().unwrap().to_string())
    });
    let cookie = cookie.expect("a session cookie");
    let page = send(
        &shop.state,
        Request::get("/account").header(header::COOKIE, &cookie).body(Body::empty()).unwrap(),
    )
    .await;
    let at = page.body.find("name=\"csrf\" value=\"").unwrap() + "name=\"csrf\" value=\"".len();
    let csrf = &page.body[at..at + page.body[at..].find('"').unwrap()];
    let change = |current: &str| {
        let body =
            format!("csrf={csrf}&current={}&new={}", encode(current), encode("a new password for the owner"));
        Request::post("/account/password")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, &cookie)
            .body(Body::from(body))
            .unwrap()
    };
    for _ in 0..5 {
        assert_eq!(send(&shop.state, change(WRONG)).await.status, StatusCode::BAD_REQUEST);
    }
    assert_eq!(send(&shop.state, change(PASSWORD)).await.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(sign_in(&shop.state, OWNER_AT, OWNER, PASSWORD).await, StatusCode::SEE_OTHER, "unchanged");
}

// ---- The client's address behind a proxy ----

/// Behind the recommended TLS proxy every user shared the proxy's bucket. With the proxy trusted,
/// the client is the right-most address of X-Forwarded-For the proxy did not write itself.
#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_bucket() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("tenure.db").display());
    let proxies = TrustedProxies::parse(&["10.0.0.0/8"]).unwrap();
    let state = state_over(&url, 2).with_trusted_proxies(proxies);
    let from_proxy = |forwarded: &str, email: &str, password: &str| {
        login_request("10.0.0.2", Some(forwarded), &[("email", email), ("password", password)])
    };
    for junk in 0..50 {
        let request = from_proxy(STRANGER_AT, &format!("junk{junk}@x.example"), WRONG);
        assert_eq!(send(&state, request).await.status, StatusCode::UNAUTHORIZED);
    }
    let spoofed = format!("{OWNER_AT}, {STRANGER_AT}, 10.1.1.1");
    let refused = send(&state, from_proxy(&spoofed, "junk@x.example", WRONG)).await;
    assert_eq!(
        refused.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the hop the proxy saw counts, not the client's words"
    );
    let owner = send(&state, from_proxy(OWNER_AT, OWNER, PASSWORD)).await;
    assert_eq!(owner.status, StatusCode::SEE_OTHER, "another client behind the same proxy");
}

/// A peer that is not a trusted proxy is the client, whatever X-Forwarded-For it sends.
#[tokio::test]
async fn an_untrusted_peers_forwarded_for_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("tenure.db").display());
    let state = state_over(&url, 2).with_trusted_proxies(TrustedProxies::parse(&["10.0.0.0/8"]).unwrap());
    for junk in 0..51 {
        let forwarded = format!("192.0.2.{junk}");
        let fields = [("email", format!("junk{junk}@x.example")), ("password", WRONG.to_string())];
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let status = send(&state, login_request(STRANGER_AT, Some(&forwarded), &fields)).await.status;
        let expected = if junk < 50 { StatusCode::UNAUTHORIZED } else { StatusCode::TOO_MANY_REQUESTS };
        assert_eq!(status, expected, "attempt {junk}");
    }
}

// ---- Where a sign-in sends the browser ----

/// `next=/\t/evil.example` passed the local-path check and the browser (which drops tabs and
/// line breaks) went to `//evil.example`; a line break made the redirect itself fail.
#[tokio::test]
async fn next_paths_that_browsers_follow_off_site_are_refused() {
    let (shop, _database) = Shop::sqlite();
    for next in [
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r\n/evil.example",
        "/\\/evil.example",
        "/\\evil.example",
        "/é",
    ] {
        let fields = [("email", OWNER), ("password", PASSWORD), ("next", next)];
        let answer = send(&shop.state, login_request(OWNER_AT, None, &fields)).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(answer.headers[header::LOCATION], "/", "{next:?} is not followed");
        let form = send(
            &shop.state,
            Request::get(format!("/login?next={}", encode(next))).body(Body::empty()).unwrap(),
        )
        .await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(!form.body.contains("evil.example"), "{next:?} is not carried by the form");
    }
    let fields = [("email", OWNER), ("password", PASSWORD), ("next", "/customers?segment=Champions")];
    let answer = send(&shop.state, login_request(OWNER_AT, None, &fields)).await;
    assert_eq!(answer.headers[header::LOCATION], "/customers?segment=Champions", "a local path is followed");
}

// ---- Security headers ----

/// Security headers were on pages only: API answers had no nosniff and no no-store.
#[tokio::test]
async fn every_answer_carries_the_security_headers_api_included() {
    let (shop, _database) = Shop::sqlite();
    let token = {
        let mut store = tenure_store::open(&shop.url, chrono::Utc::now()).unwrap();
        tenure_app::access::create_token(store.as_mut(), Role::Analyst, "test", chrono::Utc::now())
            .unwrap()
            .token
    };
    let get = |uri: &str, token: Option<&str>| {
        let mut request = Request::get(uri);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        request.body(Body::empty()).unwrap()
    };
    let answers = [
        ("the API", send(&shop.state, get("/api/v1/stats", Some(&token))).await, StatusCode::OK),
        (
            "the API without a token",
            send(&shop.state, get("/api/v1/stats", None)).await,
            StatusCode::UNAUTHORIZED,
        ),
        ("health", send(&shop.state, get("/healthz", None)).await, StatusCode::OK),
        ("a page", send(&shop.state, get("/login", None)).await, StatusCode::OK),
        ("nothing", send(&shop.state, get("/no/such/thing", None)).await, StatusCode::NOT_FOUND),
    ];
    for (what, answer, status) in answers {
        assert_eq!(answer.status, status, "{what}");
        assert_eq!(answer.headers["x-content-type-options"], "nosniff", "{what}");
        assert_eq!(answer.headers[header::CACHE_CONTROL], "no-store", "{what}");
        assert_eq!(answer.headers[header::REFERRER_POLICY], "same-origin", "{what}");
        assert_eq!(answer.headers[header::X_FRAME_OPTIONS], "DENY", "{what}");
        assert!(
            answer.headers[header::CONTENT_SECURITY_POLICY]
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'none'")
        );
        assert!(!answer.headers.contains_key(header::STRICT_TRANSPORT_SECURITY), "plain HTTP: {what}");
    }
    let style = send(&shop.state, get("/assets/style.css", None)).await;
    assert_eq!(style.headers[header::CACHE_CONTROL], "public, max-age=3600", "public assets stay cacheable");
}

/// A survey embedded in the shop's own site is still framed by the origins it names.
#[tokio::test]
async fn a_survey_names_who_may_frame_it() {
    let (shop, _database) = Shop::sqlite();
    let token = {
        let mut store = tenure_store::open(&shop.url, chrono::Utc::now()).unwrap();
        let definition = tenure_surveys::Template::all()[0].definition();
        let settings = tenure_store::SurveySettings {
            frame_ancestors: "https://shop.example".to_string(),
            ..tenure_store::SurveySettings::default()
        };
        let created = tenure_app::surveys::create(
            store.as_mut(),
            "embedded",
            &definition,
            settings,
            chrono::Utc::now(),
        );
        created.unwrap().info.public_token
    };
    let page =
        send(&shop.state, Request::get(format!("/s/p/{token}?embed=1")).body(Body::empty()).unwrap()).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let policy = page.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(policy.contains("frame-ancestors https://shop.example"), "{policy}");
    assert!(!page.headers.contains_key(header::X_FRAME_OPTIONS), "X-Frame-Options cannot name origins");
    assert_eq!(page.headers["x-content-type-options"], "nosniff");
}

/// HSTS was not offered; it is sent exactly when cookies are secure (the server sits behind TLS).
#[tokio::test]
async fn hsts_is_sent_only_with_secure_cookies() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("tenure.db").display());
    let pool = || StorePool::open(&url, 1, chrono::Utc::now()).unwrap();
    let hsts = |state: AppState| async move {
        let answer = send(&state, Request::get("/healthz").body(Body::empty()).unwrap()).await;
        answer.headers.get(header::STRICT_TRANSPORT_SECURITY).map(|v| v.to_str().unwrap().to_string())
    };
    let secure = AppState::with_cookies(pool(), ShopTimeZone::UTC, true);
    assert_eq!(hsts(secure).await.as_deref(), Some("max-age=31536000"));
    assert_eq!(hsts(AppState::with_cookies(pool(), ShopTimeZone::UTC, false)).await, None);
    let switched_off = AppState::with_cookies(pool(), ShopTimeZone::UTC, true).with_hsts_max_age(0);
    assert_eq!(hsts(switched_off).await, None);
}

// ---- Slow clients and crowds, on a real socket ----

/// A server on a free port with `limits`; it stops when the returned sender is dropped.
async fn start(limits: ServerLimits) -> (SocketAddr, tokio::sync::oneshot::Sender<()>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("tenure.db").display());
    let state = AppState::new(StorePool::open(&url, 2, chrono::Utc::now()).unwrap(), ShopTimeZone::UTC)
        .with_limits(limits);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(tenure_web::serve(listener, state, async move {
        let _ = stopped.await;
    }));
    (address, stop, dir)
}

/// Reads until the server closes the connection or `within` passes: what was read, and whether
/// the connection was closed by then.
async fn read_until_closed(stream: &mut (impl AsyncRead + Unpin), within: Duration) -> (String, bool) {
    let deadline = tokio::time::Instant::now() + within;
    let mut read = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buffer)).await {
            Ok(Ok(0) | Err(_)) => return (String::from_utf8_lossy(&read).into_owned(), true),
            Ok(Ok(n)) => read.extend_from_slice(&buffer[..n]),
            Err(_) => return (String::from_utf8_lossy(&read).into_owned(), false),
        }
    }
}

/// The status of the first response in `text`.
fn status_of(text: &str) -> Option<u16> {
    text.split_whitespace().nth(1)?.parse().ok()
}

/// A GET on a connection of its own; the response's status.
async fn get_status(address: SocketAddr, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect(address).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: tenure.test\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    status_of(&read_until_closed(&mut stream, Duration::from_secs(10)).await.0)
}

fn limits_with(
    header_read_timeout: Duration,
    request_timeout: Duration,
    max_requests: usize,
) -> ServerLimits {
    ServerLimits { header_read_timeout, request_timeout, max_requests, ..ServerLimits::default() }
}

/// A client that sent its headers one byte a second held a connection for ever.
#[tokio::test]
async fn a_client_sending_headers_one_byte_a_second_is_cut_off() {
    let limits = limits_with(Duration::from_secs(1), Duration::from_secs(60), 16);
    let (address, _stop, _dir) = start(limits).await;
    let (mut reader, mut writer) = TcpStream::connect(address).await.unwrap().into_split();
    let request = b"GET /healthz HTTP/1.1\r\nHost: tenure.test\r\nUser-Agent: slow\r\n\r\n";
    let sent = Arc::new(AtomicUsize::new(0));
    let sending = Arc::clone(&sent);
    // The slow client: a byte each second, for as long as the connection takes them.
    let slow_client = tokio::spawn(async move {
        let mut each_second = tokio::time::interval(Duration::from_secs(1));
        for byte in request {
            each_second.tick().await;
            if writer.write_all(&[*byte]).await.is_err() {
                break;
            }
            sending.fetch_add(1, Ordering::SeqCst);
        }
    });
    let (answer, closed) = read_until_closed(&mut reader, Duration::from_secs(15)).await;
    slow_client.abort();
    assert!(closed, "the connection is still open after 15 s: {answer:?}");
    assert!(sent.load(Ordering::SeqCst) < request.len(), "cut off before the headers were complete");
    assert_ne!(status_of(&answer), Some(200), "{answer:?}");
}

/// An idle keep-alive connection stayed open for ever.
#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let (address, _stop, _dir) =
        start(limits_with(Duration::from_secs(1), Duration::from_secs(60), 16)).await;
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: tenure.test\r\n\r\n").await.unwrap();
    let (answer, closed) = read_until_closed(&mut stream, Duration::from_secs(15)).await;
    assert_eq!(status_of(&answer), Some(200), "{answer:?}");
    assert!(answer.ends_with("ok"), "{answer:?}");
    assert!(closed, "the idle connection is still open after 15 s");
}

/// A body that never comes is cut off too (the body timeout), answered and closed.
#[tokio::test]
async fn a_body_that_stalls_is_cut_off() {
    let (address, _stop, _dir) =
        start(limits_with(Duration::from_secs(1), Duration::from_secs(60), 16)).await;
    let mut stream = TcpStream::connect(address).await.unwrap();
    let head = "POST /login HTTP/1.1\r\nHost: tenure.test\r\nContent-Type: application/x-www-form-urlencoded\r\n\
                Cookie: tenure_login=t\r\nContent-Length: 100\r\n\r\ncsrf=t";
    stream.write_all(head.as_bytes()).await.unwrap();
    let (answer, closed) = read_until_closed(&mut stream, Duration::from_secs(15)).await;
    assert!(closed, "still open after 15 s: {answer:?}");
    assert!(status_of(&answer).is_some_and(|s| s >= 400), "{answer:?}");
}

/// Past the requests in flight the server handles at once, it answers 503 at once; a request that
/// takes longer than the request timeout is answered 503 and ends, freeing its place.
#[tokio::test]
async fn a_crowd_is_refused_with_503_and_a_slow_request_times_out() {
    let (address, _stop, _dir) = start(limits_with(Duration::from_secs(30), Duration::from_secs(1), 1)).await;
    // The slow request: its body never comes, so it holds the one place until it times out.
    let mut slow = TcpStream::connect(address).await.unwrap();
    let head = "POST /login HTTP/1.1\r\nHost: tenure.test\r\nContent-Type: application/x-www-form-urlencoded\r\n\
                Content-Length: 100\r\nConnection: close\r\n\r\n";
    slow.write_all(head.as_bytes()).await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut refused = false;
    while !refused && tokio::time::Instant::now() < deadline {
        refused = get_status(address, "/healthz").await == Some(503);
    }
    assert!(refused, "another request is refused while the place is taken");
    let (answer, _) = read_until_closed(&mut slow, Duration::from_secs(15)).await;
    assert_eq!(status_of(&answer), Some(503), "the slow request timed out: {answer:?}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut served = false;
    while !served && tokio::time::Instant::now() < deadline {
        served = get_status(address, "/healthz").await == Some(200);
    }
    assert!(served, "the place is free again");
}

/// The server stops when asked, after the requests in flight; the peer's address reaches the
/// limits (the sign-in limit counts this client, not "unknown").
#[tokio::test]
async fn the_real_server_counts_clients_by_their_address_and_stops_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("tenure.db").display());
    let state = state_over(&url, 2);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(tenure_web::serve(listener, state.clone(), async move {
        let _ = stopped.await;
    }));
    let body = format!("csrf=t&email={}&password=x", encode(OWNER));
    let request = format!(
        "POST /login HTTP/1.1\r\nHost: tenure.test\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Cookie: tenure_login=t\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    assert_eq!(status_of(&read_until_closed(&mut stream, Duration::from_secs(10)).await.0), Some(401));
    // From the same client (127.0.0.1) in process: the same pair, one failure already counted.
    for _ in 0..9 {
        assert_eq!(sign_in(&state, "127.0.0.1", OWNER, WRONG).await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(sign_in(&state, "127.0.0.1", OWNER, WRONG).await, StatusCode::TOO_MANY_REQUESTS);
    drop(stop);
    tokio::time::timeout(Duration::from_secs(10), server).await.unwrap().unwrap().unwrap();
}
