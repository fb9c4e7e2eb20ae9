//! The dashboard's pages against the use cases behind them, on the CDNOW sample: the retention
//! chart's table is the retention series, the cohort heat table is the cohort table, the segment
//! table and RFM grid are the segmentation, the at-risk list and its CSV follow the stored scores,
//! a customer page shows the customer's orders; uploads import all or nothing; names are escaped.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

mod common;

use axum::http::StatusCode;
use chrono::TimeZone;
use common::{Dashboard, dashboard, field, file};
use tenure_app::models::refresh_scores;
use tenure_app::reports::{
    ActivityWindow, CohortMetric, CustomerSelection, Date, Period, Purchases, ReportScope, SegmentRules,
};
use tenure_domain::{
    Currency, CustomerId, CustomerRecord, Email, ImportRecord, OrderRecord, OrderStatus, Role, SourceName,
};
use tenure_store::{ScoreOrder, ScoreQuery, Store};

fn open(dashboard: &Dashboard) -> Box<dyn Store> {
    tenure_store::open(&dashboard.url, chrono::Utc::now()).unwrap()
}

fn purchases(dashboard: &Dashboard) -> Purchases {
    Purchases::load(open(dashboard).as_mut(), &ReportScope::default()).unwrap()
}

fn date(text: &str) -> Date {
    text.parse().unwrap()
}

/// The `value`s of the `<data class="CLASS" value="…">` elements of `html`, in order.
fn values(html: &str, class: &str) -> Vec<String> {
    let opening = format!("<data class=\"{class}\" value=\"");
    html.match_indices(&opening)
        .map(|(at, _)| {
            let rest = &html[at + opening.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect()
}

/// The table with `id` (up to its end).
fn table<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no table {id}"));
    let end = start + html[start..].find("</table>").unwrap();
    &html[start..end]
}

/// Fits and stores the model scores, as an import does.
fn fit_scores(dashboard: &Dashboard) {
    let scored = refresh_scores(open(dashboard).as_mut(), &ReportScope::default()).unwrap();
    assert!(scored.unwrap() > 2000, "the sample's customers are scored");
}

/// Adds a customer of source `shop` with one paid USD order on 1998-06-01; returns their id.
fn add_customer(dashboard: &Dashboard, external_id: &str, name: &str, email: &str) -> CustomerId {
    let mut store = open(dashboard);
    let now = chrono::Utc::now();
    let mut session = store.begin_import(&SourceName::parse("shop").unwrap(), now).unwrap();
    session
        .ingest(ImportRecord {
            line: 2,
            customer: CustomerRecord {
                external_id: external_id.into(),
                email: Some(Email::parse(email).unwrap()),
                name: Some(name.into()),
                marketing_consent: Some(true),
            },
            order: OrderRecord {
                external_id: format!("{external_id}-1"),
                placed_at: chrono::Utc.with_ymd_and_hms(1998, 6, 1, 12, 0, 0).unwrap(),
                status: OrderStatus::Paid,
                currency: Currency::USD,
                total_minor: 4200,
                refunded_minor: 0,
                items: vec![],
            },
        })
        .unwrap();
    session.commit().unwrap();
    let page = store.customers(&tenure_store::CustomerQuery { after: None, limit: 10_000 }).unwrap();
    page.iter().find(|c| c.name.as_deref() == Some(name)).unwrap().id
}

#[tokio::test]
async fn the_retention_page_shows_the_retention_series_as_chart_and_table() {
    let dashboard = dashboard();
    let mut browser = dashboard.signed_in(Role::Analyst).await;
    let page = browser.get("/retention?every=month&from=1997-07-01&to=1998-06-30&window=180").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let series = purchases(&dashboard)
        .retention_series(
            date("1997-07-01"),
            date("1998-06-30"),
            Period::Month,
            ActivityWindow::new(180).unwrap(),
        )
        .unwrap();
    assert_eq!(series.periods.len(), 12);
    let text = |v: Option<f64>| v.map_or_else(String::new, |v| v.to_string());
    let rows = table(&page.body, "retention");
    assert_eq!(values(rows, "crr"), series.periods.iter().map(|p| text(p.crr)).collect::<Vec<_>>());
    assert_eq!(values(rows, "churn"), series.periods.iter().map(|p| text(p.churn_rate)).collect::<Vec<_>>());
    let defined = series.periods.iter().filter(|p| p.crr.is_some()).count();
    assert_eq!(page.body.matches("<circle class=\"line-0\"").count(), defined, "a marker per retention rate");
    assert!(page.body.contains("<svg class=\"chart\"") && page.body.contains("<polyline class=\"line-1\""));
    assert!(page.body.contains("1997-07-01 – 1997-07-31"));

    // By default: monthly, the 365 days up to the latest purchase (1998-06-30).
    let default = browser.get("/retention").await;
    assert_eq!(default.status, StatusCode::OK);
    assert!(default.body.contains("value=\"1997-07-01\"") && default.body.contains("value=\"1998-06-30\""));
    assert_eq!(values(&default.body, "crr").len(), 12);
    assert_eq!(browser.get("/retention?from=1998-01-01&to=1997-01-01").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(browser.get("/retention?every=fortnight").await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_cohort_page_cells_are_the_cohort_table_in_both_metrics() {
    let dashboard = dashboard();
    let mut browser = dashboard.signed_in(Role::Admin).await;
    let all = purchases(&dashboard);
    let as_of = all.last_day().unwrap();

    let page = browser.get("/cohorts?period=month&metric=customers").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let view = all.cohorts(Period::Month, CohortMetric::Customers, as_of);
    let heat = table(&page.body, "cohorts");
    let sizes: Vec<String> = view.cohorts.iter().map(|c| c.size.to_string()).collect();
    assert_eq!(values(heat, "size"), sizes);
    let cells: Vec<String> =
        view.cohorts.iter().flat_map(|c| c.retention.clone().unwrap()).map(|p| p.to_string()).collect();
    assert_eq!(values(heat, "cell"), cells);
    assert!(cells.iter().filter(|c| *c == "100").count() >= view.cohorts.len(), "period 0 is 100 %");
    assert!(heat.contains("<td class=\"heat-9\""), "period 0 is darkest");
    assert!(heat.contains("<th scope=\"row\">1997-01</th>"));

    let revenue = browser.get("/cohorts?period=quarter&metric=revenue").await;
    assert_eq!(revenue.status, StatusCode::OK);
    let view = all.cohorts(Period::Quarter, CohortMetric::Revenue, as_of);
    let cells: Vec<String> =
        view.cohorts.iter().flat_map(|c| c.revenue.clone().unwrap()).map(|r| r.to_string()).collect();
    assert_eq!(values(table(&revenue.body, "cohorts"), "cell"), cells);
    assert_eq!(browser.get("/cohorts?metric=margin").await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_segments_page_shows_the_segment_table_and_a_grid_of_the_same_customers() {
    let dashboard = dashboard();
    let mut browser = dashboard.signed_in(Role::Analyst).await;
    let page = browser.get("/segments?as_of=1998-06-30").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let all = purchases(&dashboard);
    let view = all.segments(date("1998-06-30")).unwrap();
    let segments = table(&page.body, "segments");
    let counts: Vec<String> = view.segments.iter().map(|s| s.customers.to_string()).collect();
    assert_eq!(values(segments, "customers"), counts);
    let revenue: Vec<String> = view.segments.iter().map(|s| s.revenue_minor.to_string()).collect();
    assert_eq!(values(segments, "revenue"), revenue);
    assert!(segments.contains("href=\"/customers?segment=Cannot+lose+them\""));

    let grid = all.rfm_grid(date("1998-06-30")).unwrap();
    let shown: Vec<u64> =
        values(table(&page.body, "rfm-grid"), "grid").iter().map(|v| v.parse().unwrap()).collect();
    assert_eq!(shown.len(), 25);
    let in_segments: u64 = view.segments.iter().map(|s| s.customers).sum();
    assert_eq!(shown.iter().sum::<u64>(), in_segments, "every segmented customer is in one cell");
    assert!(page.body.contains(&format!("value=\"{}\" id=\"r5f1\"", grid.customers[4][0])));
}

#[tokio::test]
async fn with_model_scores_each_segment_shows_its_mean_probability_alive_and_total_clv() {
    let dashboard = dashboard();
    let mut browser = dashboard.signed_in(Role::Analyst).await;
    let unscored = browser.get("/segments").await;
    assert!(!unscored.body.contains("class=\"clv\""), "no CLV column without scores");
    fit_scores(&dashboard);
    let page = browser.get("/segments").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let all = purchases(&dashboard);
    let as_of = all.last_day().unwrap();
    let view = all.segments(as_of).unwrap();
    // Independently: each segment's customers as its list names them, their stored scores summed.
    let query = ScoreQuery { currency: "USD".into(), order: ScoreOrder::Customer, limit: None };
    let scores: std::collections::HashMap<CustomerId, (f64, i64)> = open(&dashboard)
        .scores(&query)
        .unwrap()
        .iter()
        .map(|s| (s.customer, (s.probability_alive, s.clv_minor)))
        .collect();
    for row in &view.segments {
        let selection = CustomerSelection::segment(&row.name, &SegmentRules::default()).unwrap();
        let listed = all.customers_in(&selection, as_of, ActivityWindow::default()).unwrap();
        let scored: Vec<(f64, i64)> =
            listed.customers.iter().filter_map(|c| scores.get(&c.id).copied()).collect();
        assert_eq!(row.clv_minor, Some(scored.iter().map(|s| s.1).sum::<i64>()), "{}", row.name);
        let mean =
            (!scored.is_empty()).then(|| scored.iter().map(|s| s.0).sum::<f64>() / scored.len() as f64);
        match (row.mean_probability_alive, mean) {
            (Some(shown), Some(expected)) => assert!((shown - expected).abs() < 1e-12, "{}", row.name),
            (shown, expected) => assert_eq!(shown, expected, "{}", row.name),
        }
    }
    assert!(view.segments.iter().any(|s| s.clv_minor.unwrap_or(0) > 0));
    let clv: Vec<String> = view.segments.iter().map(|s| s.clv_minor.unwrap().to_string()).collect();
    assert_eq!(values(table(&page.body, "segments"), "clv"), clv);
}

#[tokio::test]
async fn a_segment_link_lists_that_segments_customers_for_an_agent() {
    let dashboard = dashboard();
    let mut agent = dashboard.signed_in(Role::Agent).await;
    let page = agent.get("/customers?segment=cannot-lose-them").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let all = purchases(&dashboard);
    let selection = CustomerSelection::segment("Cannot lose them", &SegmentRules::default()).unwrap();
    let list = all.customers_in(&selection, all.last_day().unwrap(), ActivityWindow::default()).unwrap();
    assert!(!list.customers.is_empty());
    let ids: Vec<String> = list.customers.iter().take(100).map(|c| c.id.to_string()).collect();
    assert_eq!(values(table(&page.body, "customers"), "customer"), ids);
    assert!(page.body.contains(&format!("href=\"/customers/{}\"", ids[0])));

    let stage = agent.get("/customers?stage=at-risk").await;
    assert_eq!(stage.status, StatusCode::OK);
    let at_risk = CustomerSelection::stage("at_risk").unwrap();
    let list = all.customers_in(&at_risk, all.last_day().unwrap(), ActivityWindow::default()).unwrap();
    let ids: Vec<String> = list.customers.iter().take(100).map(|c| c.id.to_string()).collect();
    assert_eq!(values(&stage.body, "customer"), ids);
    assert_eq!(agent.get("/customers?segment=Whales").await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn every_customer_is_listed_a_page_at_a_time_by_id() {
    let dashboard = dashboard();
    let mut agent = dashboard.signed_in(Role::Agent).await;
    let first = agent.get("/customers").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let ids = values(&first.body, "customer");
    assert_eq!(ids, (1..=100).map(|i| i.to_string()).collect::<Vec<_>>());
    assert!(first.body.contains("href=\"/customers?after=100\""));
    let second = agent.get("/customers?after=100").await;
    assert_eq!(values(&second.body, "customer")[0], "101");
    let last = agent.get("/customers?after=2300").await;
    assert_eq!(values(&last.body, "customer").len(), 57, "2,357 customers in the sample");
    assert!(!last.body.contains("rel=\"next\""));
}

#[tokio::test]
async fn the_at_risk_page_says_how_to_get_scores_then_lists_them_in_the_stores_order() {
    let dashboard = dashboard();
    let mut agent = dashboard.signed_in(Role::Agent).await;
    let before = agent.get("/at-risk").await;
    assert_eq!(before.status, StatusCode::OK);
    assert!(before.body.contains("id=\"no-scores\"") && before.body.contains("tenure import"));

    fit_scores(&dashboard);
    let ranked = |order| {
        let query = ScoreQuery { currency: "USD".into(), order, limit: None };
        open(&dashboard).scores(&query).unwrap()
    };
    let by_alive: Vec<String> = ranked(ScoreOrder::LowestProbabilityAlive)
        .iter()
        .filter(|s| s.probability_alive < 0.5)
        .map(|s| s.customer.to_string())
        .collect();
    assert!(by_alive.len() > 50, "enough for two pages");
    let page = agent.get("/at-risk?below=0.5&sort=probability").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(values(table(&page.body, "at-risk"), "customer"), by_alive[..50]);
    let next = agent.get("/at-risk?below=0.5&sort=probability&page=2").await;
    assert_eq!(values(&next.body, "customer")[0], by_alive[50]);

    let by_clv: Vec<_> =
        ranked(ScoreOrder::HighestClv).into_iter().filter(|s| s.clv_minor >= 10_000).collect();
    let page = agent.get("/at-risk?below=1&min_clv=100&sort=clv").await;
    let expected: Vec<String> = by_clv.iter().take(50).map(|s| s.customer.to_string()).collect();
    assert_eq!(values(&page.body, "customer"), expected, "CLV at least USD 100, highest first");
    assert_eq!(agent.get("/at-risk?below=2").await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_at_risk_csv_has_every_matching_row_in_order_and_defuses_formulas() {
    let dashboard = dashboard();
    let formula = add_customer(&dashboard, "x1", "=HYPERLINK(\"http://evil.example\")", "eve@shop.example");
    fit_scores(&dashboard);
    let mut analyst = dashboard.signed_in(Role::Analyst).await;
    let answer = analyst.get("/at-risk.csv?below=0.5&sort=probability").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.headers["content-type"], "text/csv; charset=utf-8");
    let disposition = answer.headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"tenure-at-risk-1998-06-30.csv\""),
        "{disposition}"
    );
    let mut lines = answer.body.lines();
    assert!(lines.next().unwrap().starts_with("customer_id,name,email,probability_alive,"));
    let ids: Vec<String> = lines.map(|l| l.split(',').next().unwrap().to_string()).collect();
    let query = ScoreQuery { currency: "USD".into(), order: ScoreOrder::LowestProbabilityAlive, limit: None };
    let stored: Vec<String> = open(&dashboard)
        .scores(&query)
        .unwrap()
        .iter()
        .filter(|s| s.probability_alive < 0.5)
        .map(|s| s.customer.to_string())
        .collect();
    assert_eq!(ids, stored, "every matching customer, not one page");

    let everyone = analyst.get("/at-risk.csv?below=1").await;
    let row = everyone.body.lines().find(|l| l.starts_with(&format!("{formula},"))).unwrap();
    assert!(row.starts_with(&format!("{formula},\"'=HYPERLINK(\"\"http://evil.example\"\")\",")), "{row}");
}

#[tokio::test]
async fn a_customer_page_shows_the_orders_identities_and_scores_with_a_reason() {
    let dashboard = dashboard();
    let detail = open(&dashboard).customer(CustomerId(1)).unwrap();
    let mut agent = dashboard.signed_in(Role::Agent).await;
    let page = agent.get("/customers/1").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let orders = table(&page.body, "orders");
    assert_eq!(orders.matches("<tr><td>").count(), detail.orders.len());
    for order in &detail.orders {
        assert!(
            orders.contains(&format!("<th scope=\"row\">{}</th>", order.external_id)),
            "{}",
            order.external_id
        );
    }
    assert!(orders.contains("1997-01-01") && orders.contains("USD 29.33"), "CDNOW 00004's first order");
    assert!(table(&page.body, "identities").contains("cdnow"));
    assert!(page.body.contains("No model scores for this customer yet"));

    fit_scores(&dashboard);
    let score = open(&dashboard).scores_of(&[CustomerId(1)]).unwrap().remove(0);
    let page = agent.get("/customers/1").await;
    assert!(page.body.contains(&format!("id=\"probability-alive\" value=\"{}\"", score.probability_alive)));
    // The reference: customer 00004's distinct purchase days, read from the sample file itself.
    let sample = include_str!("../../../data/cdnow/CDNOW_sample.txt");
    let mut days: Vec<&str> = sample
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|f| f[0] == "00004")
        .map(|f| f[2])
        .collect();
    days.dedup();
    let iso = |d: &str| format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..]);
    let why = format!("{} purchase days from {} to {}", days.len(), iso(days[0]), iso(days[days.len() - 1]));
    assert!(page.body.contains(&why), "{why}: {}", page.body);
}

#[tokio::test]
async fn an_unknown_customer_is_a_404_page() {
    let dashboard = dashboard();
    let mut agent = dashboard.signed_in(Role::Agent).await;
    for uri in ["/customers/999999", "/customers/abc"] {
        let page = agent.get(uri).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{uri}");
        assert!(page.body.contains("Not found"), "{uri}");
    }
}

#[tokio::test]
async fn a_customer_named_with_a_script_tag_is_shown_as_text() {
    let dashboard = dashboard();
    let id = add_customer(&dashboard, "x2", "<script>alert(1)</script>", "mallory@shop.example");
    let mut agent = dashboard.signed_in(Role::Agent).await;
    for uri in [format!("/customers/{id}"), format!("/customers?after={}", id.0 - 1)] {
        let page = agent.get(&uri).await;
        assert_eq!(page.status, StatusCode::OK, "{uri}");
        assert!(!page.body.contains("<script>alert(1)"), "{uri}: the name is escaped");
        assert!(page.body.contains("&#60;script&#62;") || page.body.contains("&lt;script&gt;"), "{uri}");
    }
}

/// Two new CDNOW customers, three orders.
const GOOD_UPLOAD: &[u8] =
    b" 90001 9001 19980610  1   10.00\n 90001 9001 19980620  2   20.00\n 90002 9002 19980615  1   12.50\n";

#[tokio::test]
async fn a_good_upload_adds_its_orders_and_refits_the_scores() {
    let dashboard = dashboard();
    let mut admin = dashboard.signed_in(Role::Admin).await;
    let form = admin.get("/import").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("enctype=\"multipart/form-data\""));
    let before = open(&dashboard).stats().unwrap().orders;
    let token = admin.token();
    let answer = admin
        .post_multipart(
            "/import",
            &[
                field("csrf", &token),
                file("file", "more.txt", GOOD_UPLOAD),
                field("format", "auto"),
                field("source", ""),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert!(answer.body.contains("id=\"orders-added\" value=\"3\""), "{}", answer.body);
    assert_eq!(open(&dashboard).stats().unwrap().orders, before + 3);
    assert!(answer.body.contains("id=\"refitting\""), "a refit was started");
    dashboard.state.refits_done().await;
    let query = ScoreQuery { currency: "USD".into(), order: ScoreOrder::Customer, limit: None };
    assert!(!open(&dashboard).scores(&query).unwrap().is_empty(), "scores are stored after an import");
}

#[tokio::test]
async fn an_opencart_upload_reads_its_times_in_the_zone_remembered_for_the_source() {
    let dashboard = dashboard();
    let source = tenure_domain::SourceName::parse("opencart").unwrap();
    let now = chrono::Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    open(&dashboard).set_source_time_zone(&source, "Europe/Berlin", now).unwrap();
    let mut admin = dashboard.signed_in(Role::Admin).await;
    admin.get("/import").await;
    let token = admin.token();
    let export = b"order_id,customer_id,email,total,order_status_id,currency_code,date_added\n\
                   501,77,berlin@example.com,19.00,5,USD,2030-07-01 00:30:00\n";
    let answer = admin
        .post_multipart(
            "/import",
            &[field("csrf", &token), file("file", "oc_order.csv", export), field("format", "opencart")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    // 00:30 on a Berlin server in summer (UTC+2) is 22:30 UTC the day before.
    let last = open(&dashboard).stats().unwrap().last_order_at.unwrap();
    assert_eq!(last, chrono::Utc.with_ymd_and_hms(2030, 6, 30, 22, 30, 0).unwrap());

    // A zone named in the form is used and remembered; an unknown one is refused unread.
    let later = b"order_id,customer_id,email,total,order_status_id,currency_code,date_added\n\
                  502,77,berlin@example.com,19.00,5,USD,2030-08-01 00:30:00\n";
    let upload = |zone: &'static str| {
        [
            field("csrf", &token),
            file("file", "oc_order.csv", later),
            field("format", "opencart"),
            field("time_zone", zone),
        ]
    };
    let refused = admin.post_multipart("/import", &upload("Atlantis/Capital")).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.body.contains("unknown time zone `Atlantis/Capital`"), "{}", refused.body);
    let answer = admin.post_multipart("/import", &upload("America/New_York")).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let last = open(&dashboard).stats().unwrap().last_order_at.unwrap();
    assert_eq!(last, chrono::Utc.with_ymd_and_hms(2030, 8, 1, 4, 30, 0).unwrap(), "EDT, UTC−4");
    assert_eq!(open(&dashboard).source_time_zone(&source).unwrap().as_deref(), Some("America/New_York"));
}

#[tokio::test]
async fn an_upload_with_one_bad_line_writes_nothing_and_names_the_line() {
    let dashboard = dashboard();
    let mut admin = dashboard.signed_in(Role::Admin).await;
    admin.get("/import").await;
    let before = open(&dashboard).stats().unwrap();
    let bad = b" 90001 9001 19980610  1   10.00\n 90001 9001 19981310  2   20.00\n 90002 9002 19980615  1   12.50\n";
    let token = admin.token();
    let answer = admin
        .post_multipart(
            "/import",
            &[field("csrf", &token), file("file", "bad.txt", bad), field("format", "cdnow")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", answer.body);
    assert!(answer.body.contains("bad.txt:2: column date: `19981310` is not a date"), "{}", answer.body);
    assert!(answer.body.contains("nothing was imported"));
    assert_eq!(open(&dashboard).stats().unwrap(), before, "nothing written");

    let unknown =
        admin.post_multipart("/import", &[field("csrf", &token), file("file", "x.txt", b"hello\n")]).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(unknown.body.contains("cannot tell the format of x.txt"), "{}", unknown.body);
}

#[tokio::test]
async fn an_upload_without_the_form_token_or_by_an_analyst_is_refused_unread() {
    let dashboard = dashboard();
    let before = open(&dashboard).stats().unwrap();
    let mut admin = dashboard.signed_in(Role::Admin).await;
    admin.get("/import").await;
    let forged = admin.post_multipart("/import", &[file("file", "more.txt", GOOD_UPLOAD)]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let wrong =
        admin.post_multipart("/import", &[field("csrf", "0"), file("file", "more.txt", GOOD_UPLOAD)]).await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);

    let mut analyst = dashboard.signed_in(Role::Analyst).await;
    assert_eq!(analyst.get("/import").await.status, StatusCode::FORBIDDEN);
    analyst.get("/").await;
    let token = analyst.token();
    let answer = analyst
        .post_multipart("/import", &[field("csrf", &token), file("file", "more.txt", GOOD_UPLOAD)])
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(open(&dashboard).stats().unwrap(), before, "nothing written");
}
