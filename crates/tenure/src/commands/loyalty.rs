//! `tenure loyalty programme | run | ledger | adjust | redeem | liability | members | coupons | link`.

use std::process::ExitCode;

use anyhow::Context;
use tenure_app::loyalty::earn::earn_from_orders;
use tenure_app::loyalty::programme::{require_programme, save_programme, template};
use tenure_app::loyalty::redeem::{Adjustment, adjust, redeem};
use tenure_app::loyalty::view::{MemberView, liability, member_view};
use tenure_app::loyalty::{Mailing, coupons, links, nightly, referrals};
use tenure_domain::{Currency, CustomerId, Timestamp};
use tenure_store::{MemberQuery, Referral, ReferralStatus, Store};

use super::calendar::{now_or, parse_when, shop_zone};
use crate::cli::{CouponsCommand, DeliveryArgs, LoyaltyCommand, ProgrammeCommand, ReferralsCommand};
use crate::output;

/// Who signs the programme's e-mails and where their links lead.
pub fn mailing(store: &mut dyn Store, delivery: &DeliveryArgs) -> anyhow::Result<Mailing> {
    let key = tenure_app::outbox::links::link_key(store)?;
    Ok(Mailing {
        shop: super::delivery::shop_name(delivery),
        links: Some((delivery.public_url.clone(), key)),
    })
}

/// A new key for a request run without `--key`.
fn fresh_key() -> String {
    format!("cli-{}", &tenure_app::users::random_hex()[..24])
}

/// Runs one `loyalty` subcommand.
pub fn run(
    url: &str,
    timezone: &str,
    delivery: &DeliveryArgs,
    command: LoyaltyCommand,
) -> anyhow::Result<ExitCode> {
    let zone = shop_zone(timezone)?.zone();
    let mut store = super::open_store(url)?;
    let store = store.as_mut();
    let now = chrono::Utc::now();
    match command {
        LoyaltyCommand::Programme(command) => programme(store, command, zone, now)?,
        LoyaltyCommand::Run { now: at, nightly, json } => {
            run_jobs(store, delivery, now_or(at.as_deref())?, nightly, json)?;
        }
        LoyaltyCommand::Ledger { customer, json } => {
            let view = member_view(store, CustomerId(customer), now)?
                .with_context(|| format!("customer {customer} has no loyalty account"))?;
            if json {
                output::print_json(&view)?;
            } else {
                print_member(&view);
            }
        }
        LoyaltyCommand::Adjust(args) => {
            let key = args.key.unwrap_or_else(fresh_key);
            let adjustment = Adjustment {
                customer: CustomerId(args.customer),
                points: args.points,
                reason: &args.reason,
                by: &args.by,
                key: &key,
            };
            let mailing = mailing(store, delivery)?;
            let done = adjust(store, &mailing, &adjustment, now)?;
            if args.json {
                output::print_json(&done)?;
            } else {
                let verb = if done.replayed { "Already applied" } else { "Adjusted" };
                println!("{verb}: balance {} points, {} available", done.balance, done.available);
            }
        }
        LoyaltyCommand::Redeem(args) => {
            let key = args.key.unwrap_or_else(fresh_key);
            let mailing = mailing(store, delivery)?;
            let done = redeem(store, &mailing, CustomerId(args.customer), &args.reward, &key, now)?;
            if args.json {
                output::print_json(&done)?;
            } else {
                let verb = if done.replayed { "Already redeemed" } else { "Redeemed" };
                println!(
                    "{verb}: {} for {} points — coupon {} ({} points left to spend)",
                    done.coupon.reward_name, done.coupon.points, done.coupon.code, done.available
                );
            }
        }
        LoyaltyCommand::Liability { json } => {
            let owed = liability(store)?.context("no loyalty programme yet")?;
            if json {
                output::print_json(&owed)?;
            } else {
                let totals = &owed.totals;
                let mut rows = vec![
                    ("programme version", owed.version.to_string()),
                    ("members", output::count(totals.members.unsigned_abs())),
                    ("points outstanding", output::group_thousands(&totals.outstanding.to_string())),
                    ("of which pending", output::group_thousands(&totals.pending.to_string())),
                    ("owed back by members", output::group_thousands(&totals.owed.to_string())),
                    (
                        "liability",
                        owed.value.map_or_else(
                            || "no point value (no amount-off reward)".into(),
                            |v| v.to_string(),
                        ),
                    ),
                    ("coupons issued / used", format!("{} / {}", totals.coupons_issued, totals.coupons_used)),
                ];
                for (tier, members) in &totals.tiers {
                    rows.push(("tier", format!("{}: {members}", tier.as_deref().unwrap_or("(none yet)"))));
                }
                println!("{}", output::key_values(&rows));
            }
        }
        LoyaltyCommand::Members { tier, limit, json } => {
            let query = MemberQuery { tier, by_balance: true, limit: limit.max(1), offset: 0 };
            let members = store.members(&query)?;
            if json {
                output::print_json(&members)?;
            } else {
                let mut table = output::table(&[
                    "customer",
                    "name",
                    "e-mail",
                    "tier",
                    "balance",
                    "available",
                    "next expiry",
                ]);
                for member in &members {
                    let summary = &member.account.summary;
                    table.add_row(vec![
                        member.account.customer_id.0.to_string(),
                        member.name.clone().unwrap_or_default(),
                        member.email.clone().unwrap_or_default(),
                        summary.tier.as_ref().map_or_else(String::new, |t| t.tier.clone()),
                        summary.balance.to_string(),
                        summary.available.to_string(),
                        summary.next_expiry_at.map_or_else(String::new, |at| {
                            format!(
                                "{} on {}",
                                summary.next_expiry_points,
                                at.with_timezone(&zone).format("%Y-%m-%d")
                            )
                        }),
                    ]);
                }
                println!("{table}");
            }
        }
        LoyaltyCommand::Coupons(CouponsCommand::Export { since, out }) => {
            let since = since.map(|text| parse_when(&text, zone)).transpose()?;
            match out {
                Some(path) => {
                    let file = std::fs::File::create(&path).with_context(|| format!("{}", path.display()))?;
                    let written = coupons::write_csv(store, since, std::io::BufWriter::new(file))?;
                    eprintln!("{written} coupons written to {}", path.display());
                }
                None => {
                    coupons::write_csv(store, since, std::io::stdout().lock())?;
                }
            }
        }
        LoyaltyCommand::Coupons(CouponsCommand::Use { code }) => {
            coupons::mark_used(store, &code, now)?;
            println!("Coupon {} recorded as used.", code.trim());
        }
        LoyaltyCommand::Birthday { customer, birthday, clear: _ } => {
            let mailing = mailing(store, delivery)?;
            tenure_app::loyalty::set_birthday(
                store,
                &mailing,
                CustomerId(customer),
                birthday.as_deref(),
                now,
            )?;
            match birthday {
                Some(day) => println!("Birthday of customer {customer} set to {day}."),
                None => println!("Birthday of customer {customer} cleared."),
            }
        }
        LoyaltyCommand::Link { customer } => {
            let key = tenure_app::outbox::links::link_key(store)?;
            store
                .loyalty_account(CustomerId(customer))?
                .with_context(|| format!("customer {customer} has no loyalty account"))?;
            let token = links::member_token(&key, CustomerId(customer), now);
            println!("{}", links::member_url(&delivery.public_url, &token));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn programme(
    store: &mut dyn Store,
    command: ProgrammeCommand,
    zone: chrono_tz::Tz,
    now: Timestamp,
) -> anyhow::Result<()> {
    match command {
        ProgrammeCommand::Template { currency } => {
            let currency = Currency::parse(&currency).with_context(|| format!("--currency `{currency}`"))?;
            println!("{}", serde_json::to_string_pretty(&template(currency))?);
        }
        ProgrammeCommand::Set { file, earn_from, by, json } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("{}", file.display()))?;
            let earn_from = earn_from.map(|text| parse_when(&text, zone)).transpose()?;
            let saved = save_programme(store, &text, earn_from, &by, now)
                .with_context(|| format!("{}", file.display()))?;
            if json {
                output::print_json(&serde_json::json!({
                    "version": saved.stored.version,
                    "earn_from": saved.stored.earn_from,
                }))?;
            } else {
                println!(
                    "Saved programme version {}; orders placed from {} earn points. Run `tenure loyalty run` to earn them now.",
                    saved.stored.version,
                    saved.stored.earn_from.with_timezone(&zone).format("%Y-%m-%d")
                );
            }
        }
        ProgrammeCommand::Show { all, json } => {
            if all {
                let versions = store.programmes(1_000)?;
                if json {
                    output::print_json(&versions)?;
                } else {
                    let mut table = output::table(&["version", "saved", "by", "earn from"]);
                    for version in &versions {
                        table.add_row(vec![
                            version.version.to_string(),
                            output::time(Some(version.created_at)),
                            version.created_by.clone(),
                            output::time(Some(version.earn_from)),
                        ]);
                    }
                    println!("{table}");
                }
            } else {
                let active = require_programme(store)?;
                if json {
                    output::print_json(&active.rules)?;
                } else {
                    println!("{}", serde_json::to_string_pretty(&active.rules)?);
                    eprintln!(
                        "version {}, saved {} by {}; orders from {} earn",
                        active.stored.version,
                        output::time(Some(active.stored.created_at)),
                        active.stored.created_by,
                        output::time(Some(active.stored.earn_from))
                    );
                }
            }
        }
    }
    Ok(())
}

fn run_jobs(
    store: &mut dyn Store,
    delivery: &DeliveryArgs,
    now: Timestamp,
    nightly_only: bool,
    json: bool,
) -> anyhow::Result<()> {
    let mailing = mailing(store, delivery)?;
    if nightly_only {
        let nightly = nightly::run(store, &mailing, now)?;
        if json {
            return output::print_json(&serde_json::json!({ "nightly": nightly }));
        }
        print_nightly(&nightly);
        return Ok(());
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_message("earning from orders");
    let earned =
        earn_from_orders(store, &mailing, now, &mut |orders| bar.set_message(format!("{orders} orders")))?;
    bar.finish_and_clear();
    let surveys = tenure_app::loyalty::earn::earn_from_surveys(store, &mailing, now)?;
    let judged = referrals::judge_waiting(store, &mailing, now)?;
    let nightly = nightly::run(store, &mailing, now)?;
    if json {
        let all = serde_json::json!({ "earn": earned, "survey_points": surveys, "referrals": judged, "nightly": nightly });
        output::print_json(&all)?;
        return Ok(());
    }
    println!(
        "Orders: {} looked at, {} points earned, {} taken back by refunds, {} members changed.",
        earned.orders, earned.earned, earned.reversed, earned.members
    );
    println!("Survey answers: {surveys} points earned.");
    println!(
        "Referrals: {} paid, {} held for review, {} refused, {} still waiting.",
        judged.paid, judged.held, judged.refused, judged.waiting
    );
    print_nightly(&nightly);
    for problem in &earned.problems {
        eprintln!("warning: {problem}");
    }
    Ok(())
}

fn print_nightly(nightly: &nightly::NightlyReport) {
    println!(
        "Due accounts: {}; {} lots released, {} points expired, {} expiry warnings, {} tier changes.",
        nightly.accounts, nightly.released, nightly.expired, nightly.notices, nightly.tier_changes
    );
}

fn print_member(view: &MemberView) {
    println!(
        "{} (customer {}), referral code {}",
        view.name.as_deref().unwrap_or("(no name)"),
        view.customer_id.0,
        view.referral_code
    );
    let mut rows = vec![
        ("balance", view.balance.to_string()),
        ("available", view.available.to_string()),
        ("pending", view.pending.to_string()),
    ];
    if view.owed > 0 {
        rows.push(("owed after refunds", view.owed.to_string()));
    }
    if let Some(tier) = &view.tier {
        let next = tier.next.as_ref().map_or_else(String::new, |(name, threshold)| {
            format!(", {} of {threshold} toward {name}", tier.qualifying)
        });
        rows.push((
            "tier",
            format!(
                "{} (×{}%){}{next}",
                tier.name,
                tier.multiplier_percent,
                tier.period_end.map_or_else(String::new, |end| format!(" until {}", output::time(Some(end))))
            ),
        ));
    }
    println!("{}", output::key_values(&rows));
    let mut lots = output::table(&["earned", "from", "points", "left", "expires", "pending until"]);
    for lot in &view.lots {
        lots.add_row(vec![
            output::time(Some(lot.earned_at)),
            lot.cause_kind.clone(),
            lot.earned.to_string(),
            lot.remaining.to_string(),
            output::time(lot.expires_at),
            output::time(lot.pending_until),
        ]);
    }
    println!("{lots}");
    let mut ledger = output::table(&["at", "operation", "cause", "points", "lot"]);
    for row in &view.recent {
        ledger.add_row(vec![
            output::time(Some(row.at)),
            row.key.clone(),
            row.cause_kind.clone(),
            format!("{:+}", row.points),
            row.lot.clone().unwrap_or_default(),
        ]);
    }
    println!("{ledger}");
}

/// Runs one `referrals` subcommand.
pub fn referrals(url: &str, delivery: &DeliveryArgs, command: ReferralsCommand) -> anyhow::Result<ExitCode> {
    let mut store = super::open_store(url)?;
    let store = store.as_mut();
    let now = chrono::Utc::now();
    match command {
        ReferralsCommand::Add { code, customer, at, json } => {
            let at = now_or(at.as_deref())?;
            let referral = referrals::record(store, &code, CustomerId(customer), at)?;
            show_referrals(&[referral], json)?;
        }
        ReferralsCommand::List { status, limit, json } => {
            let status = match status.as_str() {
                "all" => None,
                other => Some(ReferralStatus::parse(other).with_context(|| {
                    format!("--status `{other}`: write waiting, paid, held, refused or all")
                })?),
            };
            show_referrals(&store.referrals(status, limit.max(1))?, json)?;
        }
        ReferralsCommand::Review { id, approve, refuse: _, by, json } => {
            let mailing = mailing(store, delivery)?;
            let referral = referrals::review(store, &mailing, id, approve, &by, now)?;
            show_referrals(&[referral], json)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn show_referrals(list: &[Referral], json: bool) -> anyhow::Result<()> {
    if json {
        return output::print_json(&list);
    }
    let who = |c: &tenure_store::Contact| format!("{} {}", c.id.0, c.name.clone().unwrap_or_default());
    let mut table = output::table(&["id", "referrer", "referred", "status", "reasons", "used", "decided"]);
    for referral in list {
        table.add_row(vec![
            referral.id.to_string(),
            who(&referral.referrer),
            who(&referral.referred),
            referral.status.as_str().to_string(),
            if referral.reasons == "[]" { String::new() } else { referral.reasons.clone() },
            output::time(Some(referral.created_at)),
            output::time(referral.decided_at),
        ]);
    }
    println!("{table}");
    Ok(())
}
