//! `tenure calendar feed-url | show | quiet | check | rule | customer | alerts | hours`, and the
//! reading of times that the calendar commands share.

use std::process::ExitCode;

use anyhow::Context;
use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use tenure_app::calendar::{agenda, cadence, feed, response_times};
use tenure_app::reports::{Purchases, ReportScope, ShopTimeZone};
use tenure_domain::{CustomerId, Timestamp};

use crate::cli::{CadenceCustomerArgs, CadenceRuleCommand, CalendarCommand, DeliveryArgs};
use crate::output;

/// Reads a time as people write it: RFC 3339 (`2026-06-01T14:30:00+02:00`), `YYYY-MM-DD HH:MM`
/// (or with `T`, or seconds) in `zone`, or a day alone (its start in `zone`).
pub fn parse_when(text: &str, zone: Tz) -> anyhow::Result<Timestamp> {
    let text = text.trim();
    if let Ok(at) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(at.to_utc());
    }
    let local = ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .or_else(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)))
        .with_context(|| {
            format!("`{text}` is not a time: write 2026-06-01T14:30:00Z, 2026-06-01 14:30 (in {zone}) or 2026-06-01")
        })?;
    zone.from_local_datetime(&local)
        .earliest()
        .map(|t| t.to_utc())
        .with_context(|| format!("{text} does not exist in {zone} (the clocks skip it)"))
}

/// `--now` (RFC 3339) or the clock.
pub fn now_or(text: Option<&str>) -> anyhow::Result<Timestamp> {
    match text {
        Some(text) => Ok(chrono::DateTime::parse_from_rfc3339(text)
            .with_context(|| format!("--now `{text}` is not an RFC 3339 time"))?
            .to_utc()),
        None => Ok(chrono::Utc::now()),
    }
}

/// The shop's zone from `--timezone`.
pub fn shop_zone(timezone: &str) -> anyhow::Result<ShopTimeZone> {
    Ok(ShopTimeZone::parse(timezone)?)
}

/// Runs one `calendar` subcommand.
pub fn run(
    url: &str,
    timezone: &str,
    delivery: &DeliveryArgs,
    command: CalendarCommand,
) -> anyhow::Result<ExitCode> {
    let zone = shop_zone(timezone)?;
    let mut store = super::open_store(url)?;
    let store = store.as_mut();
    let now = chrono::Utc::now();
    match command {
        CalendarCommand::FeedUrl { email, revoke, json } => {
            let path =
                if revoke { feed::revoke(store, &email, now)? } else { feed::feed_path(store, &email, now)? };
            let url = format!("{}{path}", delivery.public_url.trim_end_matches('/'));
            if json {
                output::print_json(&serde_json::json!({ "path": path, "url": url }))?;
            } else {
                println!("{path}");
                eprintln!("Subscribe to {url} in Google Calendar, Outlook or Thunderbird. Keep it secret.");
            }
        }
        CalendarCommand::Show { view, date, owner, json } => {
            let view: tenure_calendar::View =
                view.parse().map_err(|e: tenure_calendar::ViewError| anyhow::anyhow!(e.0))?;
            let date = match date {
                Some(text) => NaiveDate::parse_from_str(&text, "%Y-%m-%d")
                    .with_context(|| format!("--date `{text}` is not YYYY-MM-DD"))?,
                None => now.with_timezone(&zone.zone()).date_naive(),
            };
            let shown = agenda::agenda(store, view, date, zone.zone(), owner.as_deref(), now)?;
            if json {
                output::print_json(&shown)?;
            } else {
                print_agenda(&shown);
            }
        }
        CalendarCommand::Quiet { limit, now: at, json } => {
            let at = now_or(at.as_deref())?;
            let purchases =
                Purchases::load(store, &ReportScope { time_zone: zone, ..ReportScope::default() })?;
            let quiet = cadence::gone_quiet(store, &purchases, at, limit)?;
            if json {
                output::print_json(&quiet)?;
            } else {
                print_quiet(&quiet);
            }
        }
        CalendarCommand::Check { now: at, json } => {
            let at = now_or(at.as_deref())?;
            let purchases =
                Purchases::load(store, &ReportScope { time_zone: zone, ..ReportScope::default() })?;
            let done = cadence::check(store, &purchases, &delivery.public_url, at)?;
            if json {
                output::print_json(&done)?;
            } else {
                println!(
                    "{} customers have gone quiet: {} new alerts, {} follow-ups opened.",
                    done.quiet, done.alerted, done.follow_ups
                );
            }
        }
        CalendarCommand::Rule(command) => rule(store, zone, command, now)?,
        CalendarCommand::Customer(args) => customer(store, zone, &args)?,
        CalendarCommand::Alerts { limit, json } => {
            let alerts = store.cadence_alerts(limit)?;
            if json {
                output::print_json(&alerts)?;
            } else {
                let mut table = output::table(&[
                    "alerted",
                    "customer",
                    "silent since",
                    "days",
                    "cause",
                    "owner",
                    "value at risk",
                ]);
                for a in &alerts {
                    table.add_row(vec![
                        output::time(Some(a.created_at)),
                        format!("{} {}", a.customer_id, a.customer_name.clone().unwrap_or_default()),
                        output::time(Some(a.silent_since)),
                        a.quiet_days.to_string(),
                        a.cause.clone(),
                        a.owner_email.clone().unwrap_or_default(),
                        output::decimal(a.value_at_risk, 2),
                    ]);
                }
                println!("{table}");
            }
        }
        CalendarCommand::Hours { hours, clear } => {
            let shown = if clear || hours.is_some() {
                response_times::set_business_hours(store, hours.as_deref())?
            } else {
                response_times::business_hours(store)?
            };
            match shown {
                Some(hours) => println!("Business hours: {hours}"),
                None => println!("No business hours: response times count elapsed time."),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn rule(
    store: &mut dyn tenure_store::Store,
    zone: ShopTimeZone,
    command: CadenceRuleCommand,
    now: Timestamp,
) -> anyhow::Result<()> {
    match command {
        CadenceRuleCommand::Add { audience, days, owner, follow_up, json } => {
            let purchases =
                Purchases::load(store, &ReportScope { time_zone: zone, ..ReportScope::default() })?;
            let rule = cadence::add_rule(
                store,
                Some(&purchases),
                &audience,
                days,
                owner.as_deref(),
                follow_up,
                now,
            )?;
            if json {
                output::print_json(&rule)?;
            } else {
                println!(
                    "Rule {}: alert when a customer in `{}` has had no interaction for {} days.",
                    rule.id, rule.audience, rule.quiet_days
                );
            }
        }
        CadenceRuleCommand::List { json } => {
            let rules = cadence::rules(store)?;
            if json {
                output::print_json(&rules)?;
            } else {
                let mut table = output::table(&["rule", "audience", "days", "owner", "follow-up"]);
                for r in &rules {
                    table.add_row(vec![
                        r.id.to_string(),
                        r.audience.clone(),
                        r.quiet_days.to_string(),
                        r.owner_email.clone().unwrap_or_default(),
                        if r.follow_up { "yes" } else { "no" }.to_string(),
                    ]);
                }
                println!("{table}");
            }
        }
        CadenceRuleCommand::Remove { id } => {
            cadence::remove_rule(store, id, now)?;
            println!("Removed rule {id}.");
        }
    }
    Ok(())
}

fn customer(
    store: &mut dyn tenure_store::Store,
    zone: ShopTimeZone,
    args: &CadenceCustomerArgs,
) -> anyhow::Result<()> {
    let change = cadence::SettingsChange {
        keep_in_touch_days: args.keep_in_touch.map(|d| (d > 0).then_some(d)),
        snoozed_until: match args.snooze_until.as_deref() {
            Some("none") => Some(None),
            Some(text) => Some(Some(parse_when(text, zone.zone())?)),
            None => None,
        },
        owner: match args.owner.as_deref() {
            Some("none") => Some(None),
            Some(email) => Some(Some(email.to_string())),
            None => None,
        },
    };
    let contact = cadence::set_customer(store, CustomerId(args.customer), &change)?;
    if args.json {
        output::print_json(&contact)?;
    } else {
        let rows = [
            ("last inbound", output::time(contact.last_inbound)),
            ("last outbound", output::time(contact.last_outbound)),
            ("last interaction", output::time(contact.last_any)),
            ("keep in touch", contact.keep_in_touch_days.map_or("-".into(), |d| format!("every {d} days"))),
            ("snoozed until", output::time(contact.snoozed_until)),
        ];
        println!("{}", output::key_values(&rows));
    }
    Ok(())
}

fn print_agenda(shown: &agenda::Agenda) {
    println!("{}", shown.title);
    let mut table = output::table(&["day", "time", "what", "who"]);
    for day in &shown.days {
        for item in &day.items {
            let what = match item.status {
                Some(status) => format!("[follow-up, {status}] {}", item.title),
                None => item.title.clone(),
            };
            table.add_row(vec![
                day.date.format("%a %e %b").to_string(),
                item.time.clone(),
                what,
                item.who.clone().unwrap_or_default(),
            ]);
        }
    }
    println!("{table}");
}

fn print_quiet(quiet: &cadence::GoneQuiet) {
    let currency = quiet.currency.clone().unwrap_or_default();
    println!("{} customers have gone quiet ({} snoozed).", quiet.total, quiet.snoozed);
    let mut table =
        output::table(&["customer", "e-mail", "silent since", "days", "threshold", "value at risk", "owner"]);
    for c in &quiet.customers {
        table.add_row(vec![
            format!("{} {}", c.customer, c.name.clone().unwrap_or_default()),
            c.email.clone().unwrap_or_default(),
            output::time(Some(c.silent_since)),
            c.days_silent.to_string(),
            format!("{} ({})", c.quiet_days, c.cause),
            c.value_at_risk.map_or("-".into(), |v| format!("{v:.2} {currency}")),
            c.owner.clone().unwrap_or_default(),
        ]);
    }
    println!("{table}");
}
