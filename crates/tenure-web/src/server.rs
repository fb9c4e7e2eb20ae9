//! The connection loop. `axum::serve` runs hyper without a timer, so it cannot cut off a client
//! that sends its headers one byte a second, nor close a keep-alive connection left idle; here
//! hyper's HTTP/1 server runs with Tokio's timer and a header-read timeout, at most a set number
//! of connections are open at once, every request carries its peer's address (`ConnectInfo`),
//! and a shutdown lets the requests in flight finish.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// How long a failed `accept` (out of file descriptors, most often) pauses the loop.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

/// Serves `app` on `listener` until `shutdown` completes, then waits for open connections to
/// finish their requests in flight (idle ones are closed).
pub(crate) async fn serve(
    listener: TcpListener,
    app: axum::Router,
    limits: crate::ServerLimits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // HTTP/1 only, as axum::serve did here (axum is built without HTTP/2; the TLS proxy in front
    // speaks HTTP/2 to browsers). The header-read timeout also closes a keep-alive connection
    // that sends no next request.
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout);
    let graceful = GracefulShutdown::new();
    let connections = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // Past the connection limit the loop stops accepting: new clients wait in the kernel's
        // backlog instead of costing memory here.
        let permit = tokio::select! {
            permit = Arc::clone(&connections).acquire_owned() => permit.expect("the semaphore is never closed"),
            () = shutdown.as_mut() => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(_) => {
                    tokio::time::sleep(ACCEPT_PAUSE).await;
                    continue;
                }
            },
            () = shutdown.as_mut() => break,
        };
        let service = app.clone().map_request(move |mut request: hyper::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            request
        });
        let connection = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A connection's error (a client gone, a header timeout) concerns that client only.
            let _ = connection.await;
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}
