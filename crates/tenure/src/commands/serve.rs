//! `tenure serve`: migrate (PostgreSQL), open a connection pool, listen, serve until Ctrl-C or
//! SIGTERM, finishing the requests in flight.

use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::Context;
use tenure_app::reports::ShopTimeZone;
use tenure_web::{AppState, ServerLimits, StorePool, TrustedProxies};

use crate::cli::{DeliveryArgs, ProtectionArgs, ServeArgs};

/// Serves the API and the dashboard on `args.bind`, and delivers the outbox.
pub fn run(url: &str, timezone: &str, delivery: &DeliveryArgs, args: &ServeArgs) -> anyhow::Result<ExitCode> {
    serve(url, timezone, delivery, args, |address| {
        println!("Tenure is serving on http://{address} (dashboard: /, health: /healthz, API: /api/v1)");
        eprintln!(
            "Sign in with a user (tenure user add EMAIL --role admin); API calls need a token (tenure token create)."
        );
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Migrates, opens the pool, binds, calls `announce` with the address taken, and serves (and
/// delivers the outbox) until a shutdown signal; the batch being delivered then is finished.
pub fn serve(
    url: &str,
    timezone: &str,
    delivery: &DeliveryArgs,
    args: &ServeArgs,
    announce: impl FnOnce(SocketAddr),
) -> anyhow::Result<()> {
    let time_zone = ShopTimeZone::parse(timezone)?;
    let level = tenure_web::log::Level::parse(&args.log).map_err(|e| anyhow::anyhow!("--log: {e}"))?;
    tenure_web::log::set_level(level);
    let now = chrono::Utc::now();
    super::open_store(url)?.migrate(now).context("migrating the database")?;
    let pool = StorePool::open(url, args.connections, now).context("opening database connections")?;
    let proxies = TrustedProxies::parse(&args.protection.trusted_proxies)
        .map_err(|e| anyhow::anyhow!("--trusted-proxy: {e}"))?;
    let state = AppState::with_cookies(pool, time_zone, args.secure_cookies)
        .with_trusted_proxies(proxies)
        .with_limits(server_limits(&args.protection))
        .with_hsts_max_age(args.protection.hsts_max_age)
        .with_survey_posts_per_address(args.survey_posts_per_minute)
        .with_public_url(&delivery.public_url)
        .with_shop_name(&super::delivery::shop_name(delivery))
        .with_shop_url(args.shop_url.as_deref().unwrap_or(""));
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the server")?;
    // lettre's SMTP pool lives on the runtime: the worker is made (and dropped) inside it.
    let _inside = runtime.enter();
    let mut worker = super::delivery::worker(url, delivery, state.delivery_counters())?;
    let mut jobs = super::delivery::job_runner(url, time_zone, args.refit_minutes, delivery)?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(&args.bind)
            .await
            .with_context(|| format!("listening on {}", args.bind))?;
        let address = listener.local_addr().context("reading the address listened on")?;
        announce(address);
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let until_stopped = move || {
            let mut stopped = stopped.clone();
            async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            }
        };
        let stop_jobs = until_stopped();
        let delivering = tokio::spawn(async move { worker.run(until_stopped()).await });
        let running_jobs = tokio::spawn(async move { jobs.run(stop_jobs).await });
        let shutdown = async move {
            shutdown_signal().await;
            let _ = stop.send(true);
        };
        let served = tenure_web::serve(listener, state, shutdown).await.context("serving");
        let _ = delivering.await;
        let _ = running_jobs.await;
        served
    })
}

/// The server's timeouts and limits as the flags set them.
fn server_limits(args: &ProtectionArgs) -> ServerLimits {
    ServerLimits {
        header_read_timeout: std::time::Duration::from_secs(args.header_read_timeout),
        request_timeout: std::time::Duration::from_secs(args.request_timeout),
        max_requests: args.max_requests,
        max_connections: args.max_connections,
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}
