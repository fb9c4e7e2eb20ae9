//! One error path (issue 17, item 5), through the router and the connection pool: a panic in a
//! request's work answers 500 and costs the pool nothing; a request to a stopping server answers
//! 503, from the API and the pages alike; a PostgreSQL connection that is lost (its backend
//! terminated) is replaced, and a database that refuses connections answers 503 until it is
//! back, then the server recovers by itself.
//!
//! Before: a panic and a stopping server answered 400, a panic lost its pooled connection for
//! good (later requests found none and failed), and a lost PostgreSQL connection was lent again
//! and failed every request that got it.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use tenure_app::AppError;
use tenure_app::access::create_token;
use tenure_app::reports::ShopTimeZone;
use tenure_domain::Role;
use tenure_store::testing::TestDatabase;
use tenure_web::{ApiError, AppState, StorePool, router};
use tower::ServiceExt;

/// A store at `url` with an analyst token, and a pool of `size` connections to it.
fn pool_with_token(url: &str, size: usize) -> (StorePool, String) {
    let now = chrono::Utc::now();
    let mut store = tenure_store::open(url, now).unwrap();
    store.migrate(now).unwrap();
    let token = create_token(store.as_mut(), Role::Analyst, "test", now).unwrap().token;
    (StorePool::open(url, size, now).unwrap(), token)
}

/// `GET path` through the router: the status and the body.
async fn get(state: &AppState, path: &str, headers: &[(header::HeaderName, String)]) -> (StatusCode, String) {
    let mut request = Request::get(path);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let response = router(state.clone()).oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

async fn stats(state: &AppState, token: &str) -> (StatusCode, String) {
    get(state, "/api/v1/stats", &[(header::AUTHORIZATION, format!("Bearer {token}"))]).await
}

fn sqlite_url(dir: &tempfile::TempDir) -> String {
    format!("sqlite:{}", dir.path().join("tenure.db").display())
}

#[tokio::test]
async fn a_panic_in_pooled_work_answers_500_and_the_pool_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let (pool, token) = pool_with_token(&sqlite_url(&dir), 1);
    for _ in 0..3 {
        let failed = pool.run(|_store| -> Result<(), AppError> { panic!("a bug") }).await.unwrap_err();
        assert!(matches!(failed, AppError::Internal(_)), "{failed:?}");
        assert_eq!(ApiError::from(failed).status, StatusCode::INTERNAL_SERVER_ERROR);
    }
    // The one connection was given up each time, and a new one opened for the next request.
    let state = AppState::new(pool, ShopTimeZone::UTC);
    assert_eq!(stats(&state, &token).await.0, StatusCode::OK);
}

async fn a_stopping_server_answers_503(pool: StorePool, token: String) {
    let state = AppState::new(pool.clone(), ShopTimeZone::UTC);
    assert_eq!(stats(&state, &token).await.0, StatusCode::OK);
    pool.close();
    let (status, body) = stats(&state, &token).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "the API: {body}");
    assert!(body.contains("\"unavailable\""), "{body}");
    let session = [(header::COOKIE, "tenure_session=any".to_string())];
    let (status, body) = get(&state, "/customers", &session).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "a page: {body}");
}

/// A runtime for a PostgreSQL test's requests. The test's own setup and teardown (connecting,
/// creating and dropping its database) run outside it: the synchronous client blocks on a
/// runtime of its own, which may not start inside another.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

#[tokio::test]
async fn a_request_while_the_server_is_stopping_answers_503_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (pool, token) = pool_with_token(&sqlite_url(&dir), 2);
    a_stopping_server_answers_503(pool, token).await;
}

#[test]
fn a_request_while_the_server_is_stopping_answers_503_on_postgres() {
    let Some(database) = tenure_store::testing::postgres_database() else { return };
    let (pool, token) = pool_with_token(&database.url, 2);
    runtime().block_on(a_stopping_server_answers_503(pool, token));
}

/// An admin connection to the server holding `database`, on a thread of its own (the
/// synchronous client may not be used on the test's async threads), running `sql` with
/// `{db}` replaced by the database's name.
async fn as_admin(database: &TestDatabase, sql: &str) {
    let admin_url = std::env::var(tenure_store::testing::POSTGRES_ENV)
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let name = database.url.rsplit('/').next().unwrap().split('?').next().unwrap().to_string();
    let sql = sql.replace("{db}", &name);
    tokio::task::spawn_blocking(move || {
        let mut admin = postgres::Client::connect(&admin_url, postgres::NoTls).unwrap();
        admin.batch_execute(&sql).unwrap();
    })
    .await
    .unwrap();
}

const TERMINATE: &str = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                         WHERE datname = '{db}' AND pid <> pg_backend_pid()";

/// The statuses of `count` requests, one after the other.
async fn statuses(state: &AppState, token: &str, count: usize) -> Vec<StatusCode> {
    let mut statuses = Vec::with_capacity(count);
    for _ in 0..count {
        statuses.push(stats(state, token).await.0);
    }
    statuses
}

#[test]
fn lost_postgres_connections_are_replaced_after_at_most_one_503() {
    let Some(database) = tenure_store::testing::postgres_database() else { return };
    let (pool, token) = pool_with_token(&database.url, 3);
    runtime().block_on(lost_connections_are_replaced(&database, pool, &token));
}

async fn lost_connections_are_replaced(database: &TestDatabase, pool: StorePool, token: &str) {
    let state = AppState::new(pool, ShopTimeZone::UTC);
    assert_eq!(statuses(&state, token, 3).await, vec![StatusCode::OK; 3]);
    as_admin(database, TERMINATE).await;
    let after = statuses(&state, token, 6).await;
    let failed = after.iter().filter(|status| **status != StatusCode::OK).count();
    assert!(failed <= 1, "at most the first request fails: {after:?}");
    assert!(after.iter().all(|s| *s == StatusCode::OK || *s == StatusCode::SERVICE_UNAVAILABLE), "{after:?}");
}

#[test]
fn postgres_refusing_connections_answers_503_and_the_server_recovers_by_itself() {
    let Some(database) = tenure_store::testing::postgres_database() else { return };
    let (pool, token) = pool_with_token(&database.url, 2);
    runtime().block_on(refused_then_recovered(&database, pool, &token));
}

async fn refused_then_recovered(database: &TestDatabase, pool: StorePool, token: &str) {
    let state = AppState::new(pool, ShopTimeZone::UTC);
    assert_eq!(stats(&state, token).await.0, StatusCode::OK);
    // As good as down for this database: no new connections, the open ones ended.
    as_admin(database, &format!("ALTER DATABASE {{db}} ALLOW_CONNECTIONS false; {TERMINATE}")).await;
    let (status, body) = stats(&state, token).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(!body.contains("postgres://") && !body.contains("terminating"), "no driver text: {body}");
    assert_eq!(statuses(&state, token, 3).await, vec![StatusCode::SERVICE_UNAVAILABLE; 3], "still down");
    as_admin(database, "ALTER DATABASE {db} ALLOW_CONNECTIONS true").await;
    // Back: the next request reconnects (a handful of tries bound the wait, not a clock).
    let mut recovered = Vec::new();
    for _ in 0..5 {
        recovered.push(stats(&state, token).await.0);
        if recovered.last() == Some(&StatusCode::OK) {
            break;
        }
    }
    assert_eq!(recovered.first(), Some(&StatusCode::OK), "recovered at once: {recovered:?}");
}
