//! Operational metrics in the Prometheus text format (`GET /metrics`): requests by route and
//! status class, request durations as a histogram per route, and the store pool's connections.
//! Routes are counted by their pattern (`/customers/{id}`), so the series stay few and say
//! nothing about customers.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::json;

use crate::AppState;
use crate::log::{self, Level};

/// Upper bounds of the duration histogram, in seconds (Prometheus' defaults, which span a cached
/// page to a cold report).
const BUCKETS: [f64; 11] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// Counts since the process started.
#[derive(Default)]
pub(crate) struct Metrics {
    routes: Mutex<BTreeMap<(String, String), RouteStats>>,
}

/// One route's requests.
#[derive(Default, Clone)]
struct RouteStats {
    /// Requests per status class (`2xx` …).
    by_status: BTreeMap<&'static str, u64>,
    /// Requests at or under each bucket's bound (cumulative at rendering).
    buckets: [u64; BUCKETS.len()],
    count: u64,
    seconds: f64,
}

impl Metrics {
    /// Counts one request of `method` `route` that answered `status` after `elapsed`.
    pub(crate) fn observe(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let mut routes = self.routes.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let stats = routes.entry((method.to_string(), route.to_string())).or_default();
        *stats.by_status.entry(status_class(status)).or_default() += 1;
        let seconds = elapsed.as_secs_f64();
        if let Some(bucket) = BUCKETS.iter().position(|&bound| seconds <= bound) {
            stats.buckets[bucket] += 1;
        }
        stats.count += 1;
        stats.seconds += seconds;
    }

    /// The exposition text, with the pool's `idle` and `total` connections.
    pub(crate) fn render(&self, idle: usize, total: usize) -> String {
        let routes = self.routes.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        let mut text = String::new();
        let _ =
            writeln!(text, "# HELP tenure_build_info The running version.\n# TYPE tenure_build_info gauge");
        let _ = writeln!(text, "tenure_build_info{{version=\"{}\"}} 1", env!("CARGO_PKG_VERSION"));
        let _ = writeln!(text, "# HELP tenure_store_connections Database connections of the pool.");
        let _ = writeln!(text, "# TYPE tenure_store_connections gauge");
        let _ = writeln!(text, "tenure_store_connections{{state=\"idle\"}} {idle}");
        let _ = writeln!(text, "tenure_store_connections{{state=\"busy\"}} {}", total.saturating_sub(idle));
        let _ =
            writeln!(text, "# HELP tenure_http_requests_total Requests answered, by route and status class.");
        let _ = writeln!(text, "# TYPE tenure_http_requests_total counter");
        for ((method, route), stats) in &routes {
            for (class, n) in &stats.by_status {
                let _ = writeln!(
                    text,
                    "tenure_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{class}\"}} {n}",
                    escape(route)
                );
            }
        }
        let _ = writeln!(text, "# HELP tenure_http_request_duration_seconds Time to answer, by route.");
        let _ = writeln!(text, "# TYPE tenure_http_request_duration_seconds histogram");
        for ((method, route), stats) in &routes {
            let labels = format!("method=\"{method}\",route=\"{}\"", escape(route));
            let mut cumulative = 0;
            for (bound, n) in BUCKETS.iter().zip(stats.buckets) {
                cumulative += n;
                let _ = writeln!(
                    text,
                    "tenure_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                text,
                "tenure_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                stats.count
            );
            let _ = writeln!(text, "tenure_http_request_duration_seconds_sum{{{labels}}} {}", stats.seconds);
            let _ = writeln!(text, "tenure_http_request_duration_seconds_count{{{labels}}} {}", stats.count);
        }
        text
    }
}

/// Appends the outbox's depth, the age of its oldest due message and this process's deliveries
/// and failures, by kind.
pub(crate) fn render_outbox(
    text: &mut String,
    outbox: &tenure_store::OutboxStats,
    counters: &tenure_app::outbox::worker::DeliveryCounters,
    now: tenure_domain::Timestamp,
) {
    use std::sync::atomic::Ordering::Relaxed;
    let _ = writeln!(text, "# HELP tenure_outbox_messages Messages in the outbox, by kind and state.");
    let _ = writeln!(text, "# TYPE tenure_outbox_messages gauge");
    for (kind, state, count) in &outbox.counts {
        let _ = writeln!(text, "tenure_outbox_messages{{kind=\"{kind}\",state=\"{state}\"}} {count}");
    }
    let _ =
        writeln!(text, "# HELP tenure_outbox_oldest_due_seconds How long the oldest due message has waited.");
    let _ = writeln!(text, "# TYPE tenure_outbox_oldest_due_seconds gauge");
    for (kind, due) in &outbox.oldest_due {
        let _ = writeln!(
            text,
            "tenure_outbox_oldest_due_seconds{{kind=\"{kind}\"}} {}",
            (now - *due).num_seconds().max(0)
        );
    }
    let _ = writeln!(
        text,
        "# HELP tenure_outbox_deliveries_total Delivery attempts of this process, by kind and outcome."
    );
    let _ = writeln!(text, "# TYPE tenure_outbox_deliveries_total counter");
    for (kind, outcome, counter) in [
        ("email", "sent", &counters.emails_sent),
        ("email", "failed", &counters.email_failures),
        ("webhook", "sent", &counters.webhooks_sent),
        ("webhook", "failed", &counters.webhook_failures),
    ] {
        let _ = writeln!(
            text,
            "tenure_outbox_deliveries_total{{kind=\"{kind}\",outcome=\"{outcome}\"}} {}",
            counter.load(Relaxed)
        );
    }
}

fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// A label value as the text format wants it.
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// Middleware: times every request, counts it, and logs one line for it (route pattern, status,
/// milliseconds — nothing from the request's URL, headers or body).
pub(crate) async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let response = next.run(request).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    state.metrics().observe(&method, &route, status, elapsed);
    if log::enabled(Level::Info) {
        let ms = (elapsed.as_secs_f64() * 1000.0 * 10.0).round() / 10.0;
        log::event(
            Level::Info,
            "request",
            json!({"method": method, "route": route, "status": status, "ms": ms}),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_by_route_and_class_with_a_cumulative_histogram() {
        let metrics = Metrics::default();
        metrics.observe("GET", "/customers/{id}", 200, Duration::from_millis(3));
        metrics.observe("GET", "/customers/{id}", 404, Duration::from_millis(30));
        metrics.observe("GET", "/customers/{id}", 200, Duration::from_secs(20));
        let text = metrics.render(3, 4);
        let labels = "method=\"GET\",route=\"/customers/{id}\"";
        assert!(text.contains(&format!("tenure_http_requests_total{{{labels},status=\"2xx\"}} 2")), "{text}");
        assert!(text.contains(&format!("tenure_http_requests_total{{{labels},status=\"4xx\"}} 1")));
        assert!(
            text.contains(&format!("tenure_http_request_duration_seconds_bucket{{{labels},le=\"0.005\"}} 1"))
        );
        assert!(
            text.contains(&format!("tenure_http_request_duration_seconds_bucket{{{labels},le=\"0.05\"}} 2"))
        );
        assert!(
            text.contains(&format!("tenure_http_request_duration_seconds_bucket{{{labels},le=\"10\"}} 2"))
        );
        assert!(
            text.contains(&format!("tenure_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} 3"))
        );
        assert!(text.contains(&format!("tenure_http_request_duration_seconds_count{{{labels}}} 3")));
        assert!(text.contains("tenure_store_connections{state=\"busy\"} 1"));
    }
}
