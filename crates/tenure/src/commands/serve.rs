//! `tenure serve`: migrate (PostgreSQL), open a connection pool, listen, serve until Ctrl-C or
//! SIGTERM, finishing the requests in flight.

use std::process::ExitCode;

use anyhow::Context;
use tenure_app::reports::ShopTimeZone;
use tenure_web::{AppState, StorePool};

use crate::cli::ServeArgs;

/// Serves the API on `args.bind`.
pub fn run(url: &str, timezone: &str, args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let time_zone = ShopTimeZone::parse(timezone)?;
    let now = chrono::Utc::now();
    super::open_store(url)?.migrate(now).context("migrating the database")?;
    let pool = StorePool::open(url, args.connections, now).context("opening database connections")?;
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the server")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(&args.bind)
            .await
            .with_context(|| format!("listening on {}", args.bind))?;
        let address = listener.local_addr().context("reading the address listened on")?;
        println!("Tenure is serving on http://{address} (health: /healthz, API: /api/v1)");
        eprintln!("API calls need a token: tenure token create --role analyst");
        tenure_web::serve(listener, AppState::new(pool, time_zone), shutdown_signal())
            .await
            .context("serving")
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
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
