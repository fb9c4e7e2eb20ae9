//! `tenure survey templates | create | list | show | edit | configure | trigger | send | dispatch |
//! close | analyze | export`.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use serde_json::Value;
use tenure_app::reports::ShopTimeZone;
use tenure_app::reports::{CustomerSelection, SegmentRules};
use tenure_app::surveys::{self, alerts, analysis, digest, dispatch};
use tenure_domain::CustomerId;
use tenure_store::{
    AlertKind, CaseOutcome, NewAlertRule, PurchaseTrigger, Store, SurveyInfo, SurveyKey, SurveySettings,
    SurveyState,
};
use tenure_surveys::analysis::QuestionDetail;
use tenure_surveys::{Analysis, Template};

use crate::cli::{DeliveryArgs, SurveyAlertCommand, SurveyCommand, SurveySettingsArgs};
use crate::output;

/// Runs one `survey` subcommand.
pub fn run(
    url: &str,
    timezone: &str,
    delivery: &DeliveryArgs,
    command: SurveyCommand,
) -> anyhow::Result<ExitCode> {
    if let SurveyCommand::Templates { json } = command {
        return templates(json);
    }
    if let SurveyCommand::Analyze(args) = &command
        && let (Some(definition), Some(responses)) = (&args.definition, &args.responses)
    {
        let result = analysis::analyze_files(definition, responses, args.min_sample)?;
        return print_analysis(&result, args.json);
    }
    let mut store = super::open_store(url)?;
    let store = store.as_mut();
    let now = chrono::Utc::now();
    let shop = super::delivery::shop_name(delivery);
    let mail = dispatch::SurveyMail { public_url: &delivery.public_url, shop: &shop };
    match command {
        SurveyCommand::Templates { .. } => unreachable!("handled above"),
        SurveyCommand::Create(args) => {
            let definition = match (&args.template, &args.definition) {
                (Some(name), None) => template(name)?.definition(),
                (None, Some(path)) => {
                    let text = std::fs::read_to_string(path)
                        .with_context(|| format!("reading {}", path.display()))?;
                    surveys::parse_definition(&text).with_context(|| path.display().to_string())?
                }
                _ => anyhow::bail!(
                    "give --template NAME or --definition FILE (`tenure survey templates` lists them)"
                ),
            };
            let survey = surveys::create(store, &args.name, &definition, settings(&args.settings), now)?;
            if args.json {
                output::print_json(&survey)?;
            } else {
                println!(
                    "Created survey `{}` with {} questions.",
                    survey.info.name,
                    definition.questions.len()
                );
                println!("Public link: {}", public_link(delivery, &survey.info));
                println!(
                    "Send it after purchases with `tenure survey trigger {} --after-purchase-days 7`.",
                    survey.info.name
                );
            }
        }
        SurveyCommand::List { json } => {
            let list = surveys::list(store)?;
            if json {
                output::print_json(&list)?;
            } else {
                let mut table =
                    output::table(&["survey", "version", "state", "after purchase", "invited", "responses"]);
                for survey in &list {
                    table.add_row(vec![
                        survey.name.clone(),
                        survey.version.to_string(),
                        survey.state.as_str().to_string(),
                        trigger_text(survey),
                        output::count(survey.invited.max(0) as u64),
                        output::count(survey.responses.max(0) as u64),
                    ]);
                }
                println!("{table}");
            }
        }
        SurveyCommand::Show { name, json } => {
            let survey = surveys::show(store, SurveyKey::Name(&name))?;
            if json {
                output::print_json(&survey)?;
            } else {
                let info = &survey.info;
                let s = &info.settings;
                println!(
                    "{}",
                    output::key_values(&[
                        ("survey", info.name.clone()),
                        ("version", info.version.to_string()),
                        ("state", info.state.as_str().to_string()),
                        ("after purchase", trigger_text(info)),
                        ("public link", public_link(delivery, info)),
                        ("interval", format!("{} days", s.interval_days)),
                        ("links last", format!("{} days", s.link_days)),
                        ("reminders", format!("{} every {} days", s.reminders, s.reminder_gap_days)),
                        ("may be embedded by", s.frame_ancestors.clone()),
                        ("invited", info.invited.to_string()),
                        ("responses", info.responses.to_string()),
                    ])
                );
                let mut table = output::table(&["page", "question", "type", "asks"]);
                for q in &survey.definition.questions {
                    let lang = &survey.definition.default_language;
                    table.add_row(vec![
                        q.page.to_string(),
                        q.id.clone(),
                        serde_json::to_value(q.kind)?.as_str().unwrap_or_default().to_string(),
                        q.text.get(lang, lang).to_string(),
                    ]);
                }
                println!("{table}");
            }
        }
        SurveyCommand::Edit { name, definition } => {
            let text = std::fs::read_to_string(&definition)
                .with_context(|| format!("reading {}", definition.display()))?;
            let parsed =
                surveys::parse_definition(&text).with_context(|| definition.display().to_string())?;
            let version = surveys::edit(store, &name, &parsed, now)?;
            println!(
                "Survey `{name}` is at version {version}; earlier responses keep the version they answered."
            );
        }
        SurveyCommand::Configure(args) => {
            let info = surveys::configure(store, &args.name, settings(&args.settings), now)?;
            println!("Survey `{}` updated.", info.name);
        }
        SurveyCommand::Trigger(args) => {
            let trigger = match args.after_purchase_days {
                Some(delay_days) if !args.off => Some(PurchaseTrigger {
                    delay_days,
                    source: args.source.clone(),
                    product: args.product.clone(),
                }),
                _ => None,
            };
            let info = surveys::set_purchase_trigger(store, &args.name, trigger, now)?;
            match &info.purchase_trigger {
                Some(_) => println!(
                    "Survey `{}` invites {} (purchases placed from now on).",
                    info.name,
                    trigger_text(&info)
                ),
                None => println!("Survey `{}` no longer invites after purchases.", info.name),
            }
        }
        SurveyCommand::AfterInteraction(args) => {
            let trigger = if args.off {
                None
            } else {
                let channels = args
                    .channels
                    .iter()
                    .map(|c| tenure_domain::Channel::parse(c))
                    .collect::<Result<Vec<_>, _>>()?;
                Some(tenure_store::InteractionTrigger { channels, on: args.on.clone() })
            };
            let info = surveys::set_interaction_trigger(store, &args.name, trigger, now)?;
            match &info.interaction_trigger {
                Some(t) => println!(
                    "Survey `{}` invites after {} on {} (consent, suppression and its interval apply).",
                    info.name,
                    if t.on == "closed" { "each inbound query closed" } else { "each logged interaction" },
                    t.channels.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")
                ),
                None => println!("Survey `{}` no longer invites after conversations.", info.name),
            }
        }
        SurveyCommand::Send(args) => {
            let customers: Vec<CustomerId> = match (&args.segment, &args.stage) {
                (None, None) => args.customers.iter().map(|id| CustomerId(*id)).collect(),
                (segment, stage) => selected(url, timezone, segment.as_deref(), stage.as_deref())?,
            };
            let batch = format!("{}", now.timestamp_millis());
            let invited = dispatch::invite_now(store, &args.name, &customers, &batch, now)?;
            let done = dispatch::dispatch(store, &mail, now)?;
            if args.json {
                output::print_json(&serde_json::json!({ "invited": invited, "dispatch": done }))?;
            } else {
                println!(
                    "Invited {invited} customers: {} e-mails queued, {} skipped (`tenure outbox list` shows them; \
                     a worker or the server sends them).",
                    done.queued, done.skipped
                );
            }
        }
        SurveyCommand::Dispatch { now: at, json } => {
            let at = match at {
                Some(text) => chrono::DateTime::parse_from_rfc3339(&text)
                    .with_context(|| format!("--now `{text}`: expected an RFC 3339 time"))?
                    .to_utc(),
                None => now,
            };
            let done = dispatch::dispatch(store, &mail, at)?;
            if json {
                output::print_json(&done)?;
            } else {
                println!(
                    "{} invited after purchases; {} e-mails queued, {} skipped.",
                    done.invited, done.queued, done.skipped
                );
            }
        }
        SurveyCommand::Close { name, reopen } => {
            let state = if reopen { SurveyState::Live } else { SurveyState::Closed };
            surveys::set_state(store, &name, state, now)?;
            println!("Survey `{name}` is {}.", state.as_str());
        }
        SurveyCommand::Alert(command) => alert(store, command, now)?,
        SurveyCommand::Cases { all, json } => {
            let cases = alerts::cases(store, !all)?;
            if json {
                output::print_json(&cases)?;
            } else {
                let mut table =
                    output::table(&["case", "survey", "customer", "why", "owner", "due", "status"]);
                for case in &cases {
                    let status = match case.outcome {
                        Some(outcome) => format!("{} ({})", case.status, outcome.as_str().replace('_', " ")),
                        None => case.status.clone(),
                    };
                    table.add_row(vec![
                        case.id.to_string(),
                        case.survey.clone(),
                        case.customer_id.map(|c| c.0.to_string()).unwrap_or_default(),
                        case.reason.clone(),
                        case.owner.clone().unwrap_or_default(),
                        output::time(Some(case.due_at)),
                        status,
                    ]);
                }
                println!("{table}");
            }
        }
        SurveyCommand::CloseCase { id, outcome, note } => {
            let outcome = CaseOutcome::parse(&outcome)
                .with_context(|| format!("--outcome `{outcome}`: recovered or not_recovered"))?;
            let case = alerts::close_case(store, id, outcome, &note, now)?;
            println!("Case {} closed: {}.", case.id, outcome.as_str().replace('_', " "));
        }
        SurveyCommand::Digest { to, off, show, send_now } => {
            if show {
                output::print_json(&digest::digest(store, now)?)?;
            }
            if off {
                digest::schedule(store, &[], ShopTimeZone::parse(timezone)?, now)?;
                println!("The weekly survey digest goes to nobody now.");
            } else if !to.is_empty() {
                digest::schedule(store, &to, ShopTimeZone::parse(timezone)?, now)?;
                println!(
                    "The weekly survey digest goes to {} on Mondays at 08:00 ({timezone}).",
                    to.join(", ")
                );
                if send_now {
                    let queued = digest::send(store, &to, &delivery.public_url, now)?;
                    println!("This week's digest is queued for {queued} recipients.");
                }
            }
        }
        SurveyCommand::Testimonials { all, json } => {
            let list = alerts::testimonials_list(store, !all)?;
            if json {
                output::print_json(&list)?;
            } else {
                let mut table = output::table(&["#", "survey", "customer", "wrote", "may show", "state"]);
                for t in &list {
                    table.add_row(vec![
                        t.id.to_string(),
                        t.survey.clone(),
                        t.customer_name
                            .clone()
                            .or(t.customer_id.map(|c| c.0.to_string()))
                            .unwrap_or_default(),
                        t.text.clone(),
                        t.publish.clone().unwrap_or_default().replace('_', " "),
                        t.state.clone(),
                    ]);
                }
                println!("{table}");
            }
        }
        SurveyCommand::Approve { id, reject, by } => {
            alerts::decide_testimonial(store, id, !reject, &by, now)?;
            println!("Testimonial {id} is {}.", if reject { "rejected" } else { "approved" });
        }
        SurveyCommand::Behaviour { name, as_of, json } => {
            let as_of = as_of
                .map(|d| {
                    d.parse::<tenure_app::reports::Date>().map_err(|e| anyhow::anyhow!("--as-of `{d}`: {e}"))
                })
                .transpose()?;
            let scope = super::report::scope(timezone, None)?;
            let report =
                tenure_app::surveys::behaviour::satisfaction_and_behaviour(store, &name, &scope, as_of)?;
            if json {
                output::print_json(&report)?;
            } else {
                print_behaviour(&serde_json::to_value(&report)?);
            }
        }
        SurveyCommand::Analyze(args) => {
            let name =
                args.name.as_deref().context("name the survey, or give --definition and --responses")?;
            let filter = analysis::ResponseFilter {
                since: args.from.map(day_start),
                until: args.to.and_then(|d| d.succ_opt()).map(day_start),
                source: args.source.clone(),
                product: args.product.clone(),
                segment: args.segment.clone(),
            };
            let scope = super::report::scope(timezone, None)?;
            let (_, result) = analysis::analyze_filtered(store, name, &filter, &scope, args.min_sample)?;
            return print_analysis(&result, args.json);
        }
        SurveyCommand::Export(args) => {
            let mut out: Box<dyn Write> = match &args.output {
                Some(path) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
                )),
                None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            };
            if args.definition {
                let survey = surveys::show(store, SurveyKey::Name(&args.name))?;
                serde_json::to_writer_pretty(&mut out, &survey.definition)?;
                writeln!(out)?;
            } else {
                let n = analysis::export_responses(store, &args.name, &mut out)?;
                if args.output.is_some() {
                    eprintln!("Wrote {n} responses.");
                }
            }
            out.flush()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn alert(
    store: &mut dyn Store,
    command: SurveyAlertCommand,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    match command {
        SurveyAlertCommand::Add(args) => {
            let kind = AlertKind::parse(&args.kind).with_context(|| {
                format!("--kind `{}`: score_at_most, detractor, negative_comment or promoter", args.kind)
            })?;
            let invite_survey =
                args.invite.as_deref().map(|name| store.survey(SurveyKey::Name(name))).transpose()?;
            let rule = NewAlertRule {
                kind,
                question: args.question,
                threshold: args.threshold,
                notify_email: args.email,
                notify_webhook: args.webhook,
                open_case: args.case,
                case_owner: args.owner,
                case_due_days: args.due_days,
                invite_survey: invite_survey.map(|s| s.id),
            };
            let added = alerts::add_rule(store, &args.name, &rule, now)?;
            println!("Alert rule {} added to `{}`.", added.id, args.name);
        }
        SurveyAlertCommand::List { name, json } => {
            let rules = alerts::rules(store, &name)?;
            if json {
                output::print_json(&rules)?;
            } else {
                let mut table =
                    output::table(&["rule", "kind", "question", "threshold", "e-mail", "webhook", "case"]);
                for r in &rules {
                    table.add_row(vec![
                        r.id.to_string(),
                        r.kind.as_str().to_string(),
                        r.question.clone().unwrap_or_else(|| "any".into()),
                        r.threshold.map(|t| t.to_string()).unwrap_or_default(),
                        r.notify_email.clone().unwrap_or_default(),
                        if r.notify_webhook { "yes" } else { "" }.to_string(),
                        if r.open_case {
                            format!(
                                "{} in {} days",
                                r.case_owner.as_deref().unwrap_or("unassigned"),
                                r.case_due_days
                            )
                        } else {
                            String::new()
                        },
                    ]);
                }
                println!("{table}");
            }
        }
        SurveyAlertCommand::Remove { id } => {
            alerts::remove_rule(store, id, now)?;
            println!("Alert rule {id} removed; its cases stay.");
        }
    }
    Ok(())
}

/// The customers of a segment or lifecycle stage on the latest purchase day.
fn selected(
    url: &str,
    timezone: &str,
    segment: Option<&str>,
    stage: Option<&str>,
) -> anyhow::Result<Vec<CustomerId>> {
    let selection = match (segment, stage) {
        (Some(segment), _) => CustomerSelection::segment(segment, &SegmentRules::default())?,
        (None, Some(stage)) => CustomerSelection::stage(stage)?,
        (None, None) => anyhow::bail!("name a segment or a stage"),
    };
    let scope = super::report::scope(timezone, None)?;
    let purchases = super::report::load(url, &scope)?;
    let as_of = super::report::as_of_or_latest(None, &purchases)?;
    let list = purchases.customers_in(&selection, as_of, super::report::window(365)?)?;
    Ok(list.customers.iter().map(|c| c.id).collect())
}

/// Midnight UTC at the start of `day`.
fn day_start(day: chrono::NaiveDate) -> chrono::DateTime<chrono::Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc()
}

fn templates(json: bool) -> anyhow::Result<ExitCode> {
    if json {
        let list: Vec<Value> = Template::all()
            .iter()
            .map(|t| serde_json::json!({ "name": t.name(), "description": t.description(), "definition": t.definition() }))
            .collect();
        output::print_json(&list)?;
    } else {
        let mut table = output::table(&["template", "questions", "what it asks"]);
        for t in Template::all() {
            table.add_row(vec![
                t.name().to_string(),
                t.definition().questions.len().to_string(),
                t.description().to_string(),
            ]);
        }
        println!("{table}");
    }
    Ok(ExitCode::SUCCESS)
}

fn template(name: &str) -> anyhow::Result<Template> {
    Template::all().iter().copied().find(|t| t.name() == name).with_context(|| {
        let names: Vec<&str> = Template::all().iter().map(|t| t.name()).collect();
        format!("no template `{name}`: choose one of {}", names.join(", "))
    })
}

fn settings(args: &SurveySettingsArgs) -> SurveySettings {
    SurveySettings {
        interval_days: args.interval_days,
        link_days: args.link_days,
        reminders: args.reminders,
        reminder_gap_days: args.reminder_gap_days,
        min_fill_seconds: args.min_fill_seconds,
        frame_ancestors: args.frame_ancestors.join(" "),
    }
}

fn public_link(delivery: &DeliveryArgs, info: &SurveyInfo) -> String {
    format!("{}/s/p/{}", delivery.public_url.trim_end_matches('/'), info.public_token)
}

fn trigger_text(info: &SurveyInfo) -> String {
    match &info.purchase_trigger {
        None => "—".to_string(),
        Some(t) => {
            let mut text = format!("{} days after each purchase", t.delay_days);
            if let Some(source) = &t.source {
                text.push_str(&format!(" from {source}"));
            }
            if let Some(product) = &t.product {
                text.push_str(&format!(" of {product}"));
            }
            text
        }
    }
}

/// Prints an analysis: JSON as the contract says, or tables per question, dimension, scale and
/// the importance–performance quadrants, in the definition's order.
fn print_analysis(analysis: &Analysis, json: bool) -> anyhow::Result<ExitCode> {
    if json {
        output::print_json(analysis)?;
        return Ok(ExitCode::SUCCESS);
    }
    println!("{} responses", output::count(analysis.responses as u64));
    let mut table = output::table(&["question", "n", "result", "95% interval", "note"]);
    for (id, q) in analysis.questions.iter() {
        let (result, interval) = headline(&q.detail);
        table.add_row(vec![
            id.to_string(),
            output::count(q.n),
            result,
            interval,
            q.warning.clone().unwrap_or_default(),
        ]);
    }
    println!("{table}");
    if !analysis.dimensions.is_empty() {
        let mut table = output::table(&["dimension", "expectation", "perception", "gap", "p"]);
        for (name, d) in analysis.dimensions.iter() {
            table.add_row(vec![
                name.to_string(),
                number(d.expectation_mean, 2),
                number(d.perception_mean, 2),
                number(d.gap, 2),
                number(d.p_value, 4),
            ]);
        }
        println!("{table}");
    }
    if !analysis.scales.is_empty() {
        let mut table = output::table(&["scale", "items", "n", "Cronbach's α"]);
        for (name, s) in analysis.scales.iter() {
            table.add_row(vec![
                name.to_string(),
                s.items.len().to_string(),
                s.n.to_string(),
                number(s.cronbach_alpha, 3),
            ]);
        }
        println!("{table}");
    }
    if !analysis.ipa.is_empty() {
        let mut table = output::table(&["item", "importance", "performance", "quadrant"]);
        for item in &analysis.ipa {
            let quadrant = item.quadrant.and_then(|q| serde_json::to_value(q).ok());
            table.add_row(vec![
                item.item.clone(),
                number(item.importance, 3),
                number(item.performance, 2),
                quadrant.as_ref().and_then(Value::as_str).unwrap_or_default().to_string(),
            ]);
        }
        println!("{table}");
    }
    Ok(ExitCode::SUCCESS)
}

fn number(value: Option<f64>, digits: usize) -> String {
    value.map_or_else(|| "—".to_string(), |v| format!("{v:.digits$}"))
}

fn interval(ci: Option<[f64; 2]>) -> String {
    ci.map_or_else(String::new, |[low, high]| format!("{low:.1} – {high:.1}"))
}

/// A question's result in words, and its 95 % interval.
fn headline(detail: &QuestionDetail) -> (String, String) {
    match detail {
        QuestionDetail::Csat { csat_percent, mean, ci95 } => {
            (format!("CSAT {} % (mean {})", number(*csat_percent, 1), number(*mean, 2)), interval(*ci95))
        }
        QuestionDetail::Nps { nps, promoters, detractors, ci95, .. } => (
            format!(
                "NPS {} ({} % promoters, {} % detractors)",
                number(*nps, 1),
                number(*promoters, 1),
                number(*detractors, 1)
            ),
            interval(*ci95),
        ),
        QuestionDetail::Ces { mean, percent_agree } => (
            format!("mean {}, {} % found it easy", number(*mean, 2), number(*percent_agree, 1)),
            String::new(),
        ),
        QuestionDetail::Likert { mean, top2_box, .. } => {
            (format!("mean {}, top-2 {} %", number(*mean, 2), number(*top2_box, 1)), String::new())
        }
        QuestionDetail::Pair { expectation_mean, perception_mean, gap } => (
            format!(
                "gap {} ({} → {})",
                number(*gap, 2),
                number(*expectation_mean, 2),
                number(*perception_mean, 2)
            ),
            String::new(),
        ),
        QuestionDetail::Single { options } | QuestionDetail::Multi { options } => (
            options.iter().map(|(id, c)| format!("{id} {}", c.count)).collect::<Vec<_>>().join(", "),
            String::new(),
        ),
        QuestionDetail::Text {} => ("free text".to_string(), String::new()),
    }
}

/// The behaviour report as tables: per question, each band's repurchase shares with intervals,
/// mean probability alive and CLV; then revenue-weighted scores and revenue at risk.
fn print_behaviour(report: &Value) {
    let currency = report["currency"].as_str().unwrap_or_default();
    println!(
        "As of {}: {} responses ({} without a known customer).",
        report["as_of"].as_str().unwrap_or_default(),
        report["responses"],
        report["without_customer"]
    );
    let Some(questions) = report["questions"].as_object() else { return };
    let windows: Vec<String> = report["windows"]
        .as_array()
        .map(|w| w.iter().map(|d| format!("bought again within {d} days")).collect())
        .unwrap_or_default();
    for (id, q) in questions {
        let mut header = vec!["band".to_string(), "answers".to_string()];
        header.extend(windows.iter().cloned());
        header.extend(["mean p(alive)".to_string(), format!("mean CLV {currency}")]);
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        let mut table = output::table(&header);
        let mut bands: Vec<(&String, &Value)> = q["bands"].as_object().into_iter().flatten().collect();
        bands.sort_by_key(|(_, band)| std::cmp::Reverse(band["scores"][0].as_u64()));
        for (name, band) in bands {
            let mut row = vec![name.clone(), band["responses"].to_string()];
            for window in band["repurchase"].as_array().into_iter().flatten() {
                let share = window["percent"].as_f64().map_or("—".to_string(), |p| format!("{p:.1} %"));
                let ci = window["ci95"].as_array().map_or(String::new(), |ci| {
                    format!(" ({:.1}–{:.1})", ci[0].as_f64().unwrap_or(0.0), ci[1].as_f64().unwrap_or(0.0))
                });
                row.push(format!("{share}{ci} of {}", window["eligible"]));
            }
            row.push(
                band["mean_p_alive"].as_f64().map_or("—".to_string(), |p| format!("{:.0} %", p * 100.0)),
            );
            row.push(band["mean_clv"].as_f64().map_or("—".to_string(), |v| format!("{v:.2}")));
            table.add_row(row);
        }
        println!("\n{id} ({})", q["type"].as_str().unwrap_or_default());
        println!("{table}");
        let weighted = &q["revenue_weighted"];
        if let Some(score) = weighted["score"].as_f64() {
            println!(
                "  Weighted by each customer's revenue in the year before answering: {score:.1} (unweighted {:.1}, \
                 effective n {:.0}).",
                weighted["unweighted"].as_f64().unwrap_or(f64::NAN),
                weighted["effective_n"].as_f64().unwrap_or(f64::NAN)
            );
        }
        let risk = &q["revenue_at_risk"];
        if let Some(clv) = risk["clv"].as_f64() {
            println!(
                "  Revenue at risk: {clv:.2} {currency} of CLV from {} unhappy customers who have not bought since.",
                risk["customers"]
            );
        }
    }
}
