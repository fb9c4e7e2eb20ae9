//! `tenure demo`: the bundled CDNOW purchases, imported into an embedded SQLite file, the models
//! fitted, an admin with a fresh password, and the dashboard served.

use std::process::ExitCode;

use anyhow::Context;
use tenure_app::import::{ImportRequest, import_inputs};
use tenure_app::models::refresh_after_import;
use tenure_app::users;
use tenure_domain::Role;
use tenure_import::{Format, ImportOptions, Input};
use tenure_store::{CustomerQuery, Store};

use crate::cli::{DeliveryArgs, DemoArgs, ProtectionArgs, ServeArgs};
use crate::output;

/// CDNOW's 69,659 purchases of 23,570 customers, 1997-01 to 1998-06 (see data/README.md).
const CDNOW_MASTER: &[u8] = include_bytes!("../../../../data/cdnow/CDNOW_master.txt");

/// The demo's admin account.
pub const DEMO_ADMIN: &str = "admin@demo.example";

/// Imports the bundled data, prints the summary, and (unless `--no-serve`) serves the dashboard
/// with a demo admin whose new password is printed.
pub fn run(args: &DemoArgs, delivery: &DeliveryArgs, timezone: &str) -> anyhow::Result<ExitCode> {
    let url = prepare(args)?;
    // The demo never needs a mail server: e-mails become .eml files beside the database.
    let mut delivery = delivery.clone();
    if delivery.smtp_url.is_none() {
        delivery.smtp_url = Some(format!("file:{}", args.file.with_extension("mail").display()));
        delivery.mail_from.get_or_insert_with(|| "Tenure demo shop <shop@demo.example>".to_string());
    }
    if args.no_serve {
        return Ok(ExitCode::SUCCESS);
    }
    let password = demo_admin(&url)?;
    let folder = args.file.with_extension("mail");
    welcome_mail(&url, &folder)?;
    // The demo's terminal shows the login; only failures are logged under it.
    let serve_args = ServeArgs {
        bind: args.bind.clone(),
        connections: 4,
        secure_cookies: false,
        log: "error".into(),
        refit_minutes: 10,
        survey_posts_per_minute: tenure_web::SURVEY_POSTS_PER_ADDRESS,
        shop_url: None,
        protection: ProtectionArgs::default(),
    };
    super::serve::serve(&url, timezone, &delivery, &serve_args, |address| {
        println!("Tenure demo dashboard: http://{address}/");
        println!("Sign in as {DEMO_ADMIN} with password {password}");
        eprintln!("(A new password is made each time the demo starts. Stop with Ctrl-C.)");
    })?;
    Ok(ExitCode::SUCCESS)
}

/// The demo's calendar (once): staff, interactions, follow-ups, cadence rules and their alerts.
/// The demo admin is made here if missing (its password is set when the dashboard starts).
fn add_calendar(store: &mut dyn Store, scope: &tenure_app::reports::ReportScope) -> anyhow::Result<()> {
    let now = chrono::Utc::now();
    if store.user_by_email(DEMO_ADMIN)?.is_none() {
        users::add_user(store, DEMO_ADMIN, Some("Demo admin"), Role::Admin, &users::generate_password(), now)
            .context("creating the demo admin")?;
    }
    let purchases = tenure_app::reports::Purchases::load(store, scope).context("reading the purchases")?;
    let added = tenure_app::calendar::demo::add_demo_calendar(
        store,
        DEMO_ADMIN,
        &purchases,
        "http://127.0.0.1:8080",
        now,
    )
    .context("adding the demo's calendar")?;
    if added.interactions > 0 {
        println!(
            "Calendar: {} interactions (calls, e-mails, chats) on a sample of customers, {} follow-ups this week, \
             cadence rules and {} customers alerted as gone quiet (Calendar and Gone quiet pages).",
            output::count(added.interactions as u64),
            added.follow_ups,
            output::count(added.alerts as u64)
        );
    }
    Ok(())
}

/// The demo's loyalty programme (once): points for the shop's history, rewards redeemed,
/// referrals paid and held.
fn add_loyalty(store: &mut dyn Store, currency: &str) -> anyhow::Result<()> {
    let key = tenure_app::outbox::links::link_key(store)?;
    let mailing = tenure_app::loyalty::Mailing {
        shop: "Tenure demo shop".into(),
        links: Some(("http://127.0.0.1:8080".into(), key)),
    };
    let added = tenure_app::loyalty::demo::add_demo_loyalty(store, &mailing, currency, chrono::Utc::now())
        .context("adding the demo's loyalty programme")?;
    if added.members > 0 {
        println!(
            "Loyalty: {} members, {} points earned from orders and survey answers, {} coupons redeemed, \
             referrals {} paid and {} held for review (Loyalty page; tenure loyalty liability).",
            output::count(added.members.unsigned_abs()),
            output::group_thousands(&added.earned.to_string()),
            added.coupons,
            added.referrals.paid,
            added.referrals.held
        );
    }
    Ok(())
}

/// The demo admin with a new password (created on first run, its password replaced after —
/// the demo prints it, so it must be one nobody saw before).
fn demo_admin(url: &str) -> anyhow::Result<String> {
    let mut store = super::open_store(url)?;
    let now = chrono::Utc::now();
    let password = users::generate_password();
    let exists = store.user_by_email(DEMO_ADMIN).context("reading the demo admin")?.is_some();
    if exists {
        users::set_password(store.as_mut(), DEMO_ADMIN, &password, now)
    } else {
        users::add_user(store.as_mut(), DEMO_ADMIN, Some("Demo admin"), Role::Admin, &password, now)
            .map(|_| ())
    }
    .context("creating the demo admin")?;
    Ok(password)
}

/// On the demo's first start, a welcome e-mail to the demo admin through the outbox: the server's
/// worker writes it to `folder` as an `.eml` file, and the Deliveries page lists it.
fn welcome_mail(url: &str, folder: &std::path::Path) -> anyhow::Result<()> {
    let mut store = super::open_store(url)?;
    let any = store.messages(&tenure_store::OutboxQuery { limit: 1, ..Default::default() })?;
    if any.is_empty() {
        tenure_app::outbox::enqueue_test_mail(
            store.as_mut(),
            DEMO_ADMIN,
            "Tenure demo shop",
            chrono::Utc::now(),
        )
        .context("writing the demo's welcome e-mail")?;
    }
    println!(
        "E-mails are written to {} as .eml files (open them in any mail program); Deliveries lists them.",
        folder.display()
    );
    Ok(())
}

/// Imports the bundled data (once) and prints the summary; returns the database URL.
fn prepare(args: &DemoArgs) -> anyhow::Result<String> {
    let url = format!("sqlite:{}", args.file.display());
    let mut store = super::open_store(&url)?;
    let request = ImportRequest {
        format: Format::Cdnow,
        paths: vec![],
        source: None,
        skip_invalid: false,
        options: ImportOptions::default(),
        time_zone: None,
    };
    let input = Input::from_bytes("CDNOW_master.txt (bundled)", CDNOW_MASTER);
    let mut report = import_inputs(store.as_mut(), &request, vec![input], chrono::Utc::now())
        .context("importing the bundled CDNOW data")?;
    if report.orders_added > 0 {
        // The demo's own import, as the audit log would show a seller's first one.
        let detail = serde_json::json!({ "source": report.source, "orders_added": report.orders_added });
        let action =
            tenure_app::audit::Action::done("import").on("CDNOW_master.txt (bundled)").rows(report.rows_read);
        tenure_app::audit::record(
            store.as_mut(),
            &tenure_app::audit::Actor::cli(),
            action.detail(detail),
            chrono::Utc::now(),
        )?;
    }
    let scope = super::report::scope("UTC", None)?;
    refresh_after_import(store.as_mut(), &scope, &mut report)
        .context("fitting the models to the demo data")?;
    println!(
        "Demo database {}: {} orders added, {} already there.",
        args.file.display(),
        output::count(report.orders_added),
        output::count(report.orders_unchanged)
    );
    let stats = store.stats().context("reading the summary")?;
    println!("{}", output::stats_table(&stats));
    if report.scores_refreshed {
        println!("Model scores (probability alive, CLV) fitted as of the last purchase day.");
    }
    let currency =
        store.revenue_by_currency()?.into_iter().max_by_key(|(_, revenue)| *revenue).map(|(c, _)| c);
    if let Some(currency) = &currency {
        let added = tenure_app::surveys::demo::add_demo_surveys(store.as_mut(), currency, chrono::Utc::now())
            .context("adding the demo's surveys")?;
        if added.surveys > 0 {
            println!(
                "Surveys: after-purchase, relationship-nps and testimonial, with {} simulated answers, \
                 open cases and testimonials to approve (Surveys and Cases pages; tenure survey analyze \
                 after-purchase).",
                output::count(added.responses as u64)
            );
        }
    }
    add_calendar(store.as_mut(), &scope)?;
    if let Some(currency) = &currency {
        add_loyalty(store.as_mut(), currency)?;
    }
    let first = store.customers(&CustomerQuery { after: None, limit: 5 }).context("listing customers")?;
    if let Some(customer) = first.first() {
        println!("Next, for example:");
        for example in [
            "report cohorts".to_string(),
            "report segments --as-of 1998-06-30".to_string(),
            "report lifecycle --as-of 1998-06-30".to_string(),
            "clv --as-of 1998-06-30 --months 12 --discount-rate 0.01".to_string(),
            format!("customers show {}", customer.id),
            "calendar quiet --limit 10".to_string(),
            "followups list --status all".to_string(),
            "interactions response-times --from 1997-01-01".to_string(),
            "loyalty liability".to_string(),
            "loyalty members --limit 10".to_string(),
            format!("loyalty ledger {}", customer.id),
            "referrals list --status held".to_string(),
            format!("customers export {}", customer.id),
            "audit list --limit 10".to_string(),
        ] {
            println!("  tenure --db {url} {example}");
        }
    }
    Ok(url)
}
