//! `tenure customers list | show | unmerge | export | erase | retention`.

use std::process::ExitCode;

use anyhow::Context;
use tenure_app::audit::{self, Action, Actor};
use tenure_app::reports::{CustomerSelection, stage_name};
use tenure_domain::CustomerId;
use tenure_store::{CustomerDetail, CustomerQuery};

use crate::cli::{CustomersCommand, ListArgs};
use crate::output;

/// `--segment NAME` or `--stage NAME`, checked (an unknown name lists the valid ones).
fn selection(args: &ListArgs) -> anyhow::Result<Option<CustomerSelection>> {
    match (&args.segment, &args.stage) {
        (Some(segment), _) => {
            let rules = super::report::segment_rules(args.segment_rules.as_deref())?;
            Ok(Some(CustomerSelection::segment(segment, &rules)?))
        }
        (None, Some(stage)) => Ok(Some(CustomerSelection::stage(stage)?)),
        (None, None) => Ok(None),
    }
}

/// Every customer of a segment or stage (or the first `--limit`), biggest revenue first.
fn list_selection(
    url: &str,
    timezone: &str,
    args: &ListArgs,
    selection: &CustomerSelection,
) -> anyhow::Result<()> {
    let mut scope = super::report::scope(timezone, args.currency.as_deref())?;
    scope.segment_rules = super::report::segment_rules(args.segment_rules.as_deref())?;
    let window = super::report::window(args.window)?;
    let purchases = super::report::load(url, &scope)?;
    let as_of = super::report::as_of_or_latest(args.as_of, &purchases)?;
    let mut list = purchases.customers_in(selection, as_of, window)?;
    let total = list.customers.len();
    if let Some(limit) = args.limit {
        list.customers.truncate(limit as usize);
    }
    list.add_contacts(super::open_store(url)?.as_mut()).context("reading the customers' names")?;
    if args.json {
        return output::print_json(&list);
    }
    let name =
        list.segment.clone().or_else(|| list.stage.map(|s| stage_name(s).to_string())).unwrap_or_default();
    println!("{} customers in {name} on {as_of}, biggest revenue first", output::count(total as u64));
    let mut table = output::table(&[
        "id",
        "name",
        "e-mail",
        "first purchase",
        "last purchase",
        "orders",
        "revenue",
        "RFM",
    ]);
    for c in &list.customers {
        table.add_row(vec![
            c.id.to_string(),
            c.name.clone().unwrap_or_default(),
            c.email.clone().unwrap_or_default(),
            c.first_purchase.map_or_else(|| "—".into(), |d| d.to_string()),
            c.last_purchase.map_or_else(|| "—".into(), |d| d.to_string()),
            output::count(u64::from(c.orders)),
            output::money_f64(Some(c.revenue_minor as f64), purchases.currency()),
            c.rfm.clone().unwrap_or_default(),
        ]);
    }
    println!("{table}");
    if list.customers.len() < total {
        println!(
            "Showing {} of {}; --limit changes how many.",
            list.customers.len(),
            output::count(total as u64)
        );
    }
    Ok(())
}

/// Runs one `customers` subcommand.
pub fn run(url: &str, timezone: &str, command: CustomersCommand) -> anyhow::Result<ExitCode> {
    if let CustomersCommand::List(args) = &command
        && let Some(selection) = selection(args)?
    {
        list_selection(url, timezone, args, &selection)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut store = super::open_store(url)?;
    match command {
        CustomersCommand::List(ListArgs { after, limit, json, .. }) => {
            let limit = limit.unwrap_or(50);
            let query = CustomerQuery { after: after.map(CustomerId), limit };
            let page = store.customers(&query).context("listing customers")?;
            if json {
                output::print_json(&page)?;
            } else {
                let mut table =
                    output::table(&["id", "name", "e-mail", "orders", "paid", "revenue", "first", "last"]);
                for c in &page {
                    table.add_row(vec![
                        c.id.to_string(),
                        c.name.clone().unwrap_or_default(),
                        c.email.clone().unwrap_or_default(),
                        output::count(c.orders),
                        output::count(c.paid_orders),
                        output::revenue(&c.revenue),
                        output::time(c.first_order_at),
                        output::time(c.last_order_at),
                    ]);
                }
                println!("{table}");
                if let Some(last) = page.last().filter(|_| page.len() == limit as usize) {
                    println!("More: tenure customers list --after {}", last.id);
                }
            }
        }
        CustomersCommand::Show { id, json } => {
            let customer =
                store.customer(CustomerId(id)).with_context(|| format!("reading customer {id}"))?;
            if json {
                output::print_json(&customer)?;
            } else {
                print_customer(&customer);
            }
        }
        CustomersCommand::Export { id, output } => return super::privacy::export(store.as_mut(), id, output),
        CustomersCommand::Erase { id, yes, json } => {
            return super::privacy::erase(store.as_mut(), id, yes, json);
        }
        CustomersCommand::Retention { years, off, now, json } => {
            return super::privacy::retention(store.as_mut(), years, off, now, json);
        }
        CustomersCommand::Unmerge { merge_id, json } => {
            let now = chrono::Utc::now();
            let split = store.unmerge(merge_id, now).with_context(|| format!("undoing merge {merge_id}"))?;
            let action = Action::done("customers.unmerge")
                .on(format!("customer:{split}"))
                .detail(serde_json::json!({ "merge": merge_id }));
            audit::record(store.as_mut(), &Actor::cli(), action, now)?;
            if json {
                output::print_json(&serde_json::json!({ "merge": merge_id, "customer": split }))?;
            } else {
                println!("Merge {merge_id} undone: its identity and orders are now customer {split}.");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_customer(customer: &CustomerDetail) {
    println!("Customer {}", customer.id);
    println!("  name:    {}", customer.name.as_deref().unwrap_or("—"));
    println!("  e-mail:  {}", customer.email.as_deref().unwrap_or("—"));
    let consent = match customer.marketing_consent {
        Some(true) => "yes",
        Some(false) => "no",
        None => "not stated (treated as no)",
    };
    println!("  marketing consent: {consent}");
    let mut identities = output::table(&["source", "id in source", "e-mail", "since"]);
    for identity in &customer.identities {
        identities.add_row(vec![
            identity.source.clone(),
            identity.external_id.clone(),
            identity.email.clone().unwrap_or_default(),
            output::time(Some(identity.created_at)),
        ]);
    }
    println!("Identities\n{identities}");
    if !customer.merges.is_empty() {
        let mut merges = output::table(&["merge", "identity", "reason", "merged", "undone"]);
        for merge in &customer.merges {
            merges.add_row(vec![
                merge.id.to_string(),
                format!("{}:{}", merge.source, merge.external_id),
                merge.reason.clone(),
                output::time(Some(merge.merged_at)),
                output::time(merge.undone_at),
            ]);
        }
        println!("Merges (undo with `tenure customers unmerge MERGE`)\n{merges}");
    }
    let mut orders = output::table(&["placed", "source", "order", "status", "total", "refunded", "items"]);
    for order in &customer.orders {
        orders.add_row(vec![
            output::time(Some(order.placed_at)),
            order.source.clone(),
            order.external_id.clone(),
            order.status.to_string(),
            output::money(order.total_minor, &order.currency),
            output::money(order.refunded_minor, &order.currency),
            order.items.len().to_string(),
        ]);
    }
    println!("Orders\n{orders}");
}
