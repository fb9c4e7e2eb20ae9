//! Response times of inbound queries, per staff member and channel: queries that come in, replies
//! (outbound interactions logged with `reply_to`, one of them logged late with an earlier time),
//! answers and closings set by hand, all at known instants. The counts, medians and means are
//! checked against figures worked out by hand below — first in elapsed hours, then in business
//! hours (`mon-fri 09:00-17:00; Europe/Berlin`). On SQLite and on PostgreSQL.
//!
//! Every instant is written in UTC with its Berlin wall-clock time beside it: in March 2026 Berlin
//! is on CET (UTC+1) until Sunday 29 March 02:00, then on CEST (UTC+2). The weekdays are asserted.
//!
//! The queries (B = Berlin time):
//!
//! | # | staff, channel | query (B) | first response (B) | closed (B) |
//! |---|---|---|---|---|
//! | Q1 | ann, e-mail | Mon 9 Mar 10:00 | reply Mon 12:30 | Tue 10 Mar 10:00 |
//! | Q2 | ann, e-mail | Fri 13 Mar 16:00 | reply Mon 16 Mar 10:00 | Mon 16 Mar 11:30 |
//! | Q3 | ann, e-mail | Tue 10 Mar 20:00 | reply Wed 09:30 logged first; reply Tue 21:00 logged last | Wed 11 Mar 09:45 |
//! | Q4 | ann, phone | Wed 11 Mar 14:00, a call settled in 20 minutes, recorded closed at 18:00 "as of 14:20" | 14:20 | 14:20 |
//! | Q4b | ann, phone | Thu 12 Mar 12:00, logged as already closed (a help desk's export) | unknown | unknown |
//! | Q5 | ann, phone | Thu 12 Mar 15:00 | never | never |
//! | Q6 | ann, phone | Fri 27 Mar 16:00 (CET) | reply Mon 30 Mar 10:00 (CEST) | never |
//! | Q7 | bob, chat | Mon 9 Mar 16:30 | none: closed by hand Tue 10 Mar 09:30 | Tue 10 Mar 09:30 |
//! | Q8 | bob, chat | Wed 11 Mar 08:00 | marked answered by hand Wed 11:00 | Thu 12 Mar 09:00 |
//! | Q9 | nobody, e-mail | Thu 12 Mar 10:00 | reply (by bob) Thu 10:45 | never |
//! | Q0 | ann, e-mail | Sun 1 Mar 12:00: before the period, left out | reply Mon 2 Mar 10:00 | — |
//!
//! Closing an unanswered query answers it at the same moment (the store's rule: `answered_at` is
//! the first reply, or when the state was set by hand), so Q7's and Q4's first responses are their
//! closings. A query logged as already closed (Q4b) counts as answered and closed, but its times are
//! unknown, so it adds to no median or mean.
//!
//! A second test corrects one reply's time and deletes another: the first response must follow,
//! as the contact dates follow an edited or deleted interaction.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

use chrono::{DateTime, Datelike, TimeZone, Utc, Weekday};
use tenure_app::calendar::interactions::{self, LogRequest};
use tenure_app::calendar::response_times::{ResponseGroup, response_times, set_business_hours};
use tenure_domain::{
    Channel, Currency, CustomerId, CustomerRecord, CustomerRef, Direction, Email, ImportRecord,
    InteractionRecord, OrderRecord, OrderStatus, QueryState, SourceName,
};
use tenure_store::{InteractionEdit, InteractionQuery, Store};

/// When the store is opened; every interaction is logged at the moment it happened, or later.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap()
}

fn utc(month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, month, day, hour, minute, 0).unwrap()
}

/// Figures compare to hand-worked values within rounding of sums of a few f64 hours.
const TOLERANCE: f64 = 1e-9;

fn customer(store: &mut dyn Store) -> CustomerId {
    let record = ImportRecord {
        line: 2,
        customer: CustomerRecord {
            external_id: "c-1".into(),
            email: Some(Email::parse("dora@example.com").unwrap()),
            name: Some("Dora Diaz".into()),
            marketing_consent: None,
        },
        order: OrderRecord {
            external_id: "o-1".into(),
            placed_at: utc(2, 1, 12, 0),
            status: OrderStatus::Paid,
            currency: Currency::USD,
            total_minor: 4200,
            refunded_minor: 0,
            items: vec![],
        },
    };
    let mut session = store.begin_import(&SourceName::parse("shop").unwrap(), now()).unwrap();
    session.ingest(record).unwrap();
    session.commit().unwrap();
    let email = Email::parse("dora@example.com").unwrap();
    store.resolve_customers(&[CustomerRef::Email(email)]).unwrap()[0].unwrap()
}

struct Shop {
    customer: CustomerId,
}

impl Shop {
    /// Logs an interaction at the moment `logged_at`; returns its id.
    #[allow(clippy::too_many_arguments)]
    fn log(
        &self,
        store: &mut dyn Store,
        key: &str,
        at: DateTime<Utc>,
        channel: Channel,
        direction: Direction,
        staff: Option<&str>,
        state: Option<QueryState>,
        reply_to: Option<i64>,
        logged_at: DateTime<Utc>,
    ) -> i64 {
        let request = LogRequest {
            record: InteractionRecord {
                customer: CustomerRef::Id(self.customer),
                occurred_at: at,
                channel,
                direction,
                duration_seconds: None,
                subject: format!("Interaction {key}"),
                notes: String::new(),
                outcome: String::new(),
                staff: staff.map(|s| Email::parse(s).unwrap()),
                state,
                key: key.into(),
            },
            order_id: None,
            response_id: None,
            case_id: None,
            reply_to,
            logged_by: staff.map(str::to_string),
        };
        let (_, interaction) = interactions::log(store, &request, logged_at).unwrap();
        interaction.id
    }

    fn query(
        &self,
        store: &mut dyn Store,
        key: &str,
        at: DateTime<Utc>,
        channel: Channel,
        staff: Option<&str>,
    ) -> i64 {
        self.log(store, key, at, channel, Direction::Inbound, staff, None, None, at)
    }

    fn reply(
        &self,
        store: &mut dyn Store,
        key: &str,
        query: i64,
        at: DateTime<Utc>,
        staff: &str,
        logged_at: DateTime<Utc>,
    ) {
        let channel = store.interaction(query).unwrap().channel;
        self.log(store, key, at, channel, Direction::Outbound, Some(staff), None, Some(query), logged_at);
    }
}

fn set_state(store: &mut dyn Store, id: i64, state: QueryState, at: DateTime<Utc>) {
    let edit = InteractionEdit { state: Some(state), ..Default::default() };
    interactions::edit(store, id, &edit, at).unwrap();
}

const ANN: &str = "ann@shop.example";
const BOB: &str = "bob@shop.example";

/// Logs the queries, replies and closings of the module doc, in an order that is not their
/// chronological one where that matters (Q3's replies).
fn log_the_month(store: &mut dyn Store) {
    let shop = Shop { customer: customer(store) };
    for (at, weekday) in [
        (utc(3, 9, 9, 0), Weekday::Mon),
        (utc(3, 13, 15, 0), Weekday::Fri),
        (utc(3, 16, 9, 0), Weekday::Mon),
        (utc(3, 27, 15, 0), Weekday::Fri),
        (utc(3, 30, 8, 0), Weekday::Mon),
    ] {
        assert_eq!(at.weekday(), weekday, "{at}");
    }

    // Q1: Mon 09:00Z (10:00 B), reply 11:30Z (12:30 B), closed Tue 09:00Z (10:00 B).
    let q1 = shop.query(store, "q1", utc(3, 9, 9, 0), Channel::Email, Some(ANN));
    shop.reply(store, "r1", q1, utc(3, 9, 11, 30), ANN, utc(3, 9, 11, 30));
    set_state(store, q1, QueryState::Closed, utc(3, 10, 9, 0));
    // Q2: Fri 15:00Z (16:00 B), reply Mon 09:00Z (10:00 B), closed Mon 10:30Z (11:30 B).
    let q2 = shop.query(store, "q2", utc(3, 13, 15, 0), Channel::Email, Some(ANN));
    shop.reply(store, "r2", q2, utc(3, 16, 9, 0), ANN, utc(3, 16, 9, 0));
    set_state(store, q2, QueryState::Closed, utc(3, 16, 10, 30));
    // Q3: Tue 19:00Z (20:00 B). The Wed 08:30Z (09:30 B) reply is logged first, the query closed
    // Wed 08:45Z (09:45 B), and only then the evening reply of Tue 20:00Z (21:00 B) is logged:
    // it is the first response all the same.
    let q3 = shop.query(store, "q3", utc(3, 10, 19, 0), Channel::Email, Some(ANN));
    shop.reply(store, "r3b", q3, utc(3, 11, 8, 30), ANN, utc(3, 11, 8, 30));
    set_state(store, q3, QueryState::Closed, utc(3, 11, 8, 45));
    shop.reply(store, "r3a", q3, utc(3, 10, 20, 0), ANN, utc(3, 11, 12, 0));
    // Q4: Wed 13:00Z (14:00 B), a call settled in 20 minutes; recorded closed at 17:00Z "as of"
    // 13:20Z (14:20 B).
    let q4 = shop.query(store, "q4", utc(3, 11, 13, 0), Channel::Phone, Some(ANN));
    let closed = InteractionEdit {
        state: Some(QueryState::Closed),
        state_at: Some(utc(3, 11, 13, 20)),
        ..Default::default()
    };
    interactions::edit(store, q4, &closed, utc(3, 11, 17, 0)).unwrap();
    // Q4b: Thu 11:00Z (12:00 B), logged as already closed: when it was answered is not known.
    let q4b_at = utc(3, 12, 11, 0);
    shop.log(
        store,
        "q4b",
        q4b_at,
        Channel::Phone,
        Direction::Inbound,
        Some(ANN),
        Some(QueryState::Closed),
        None,
        q4b_at,
    );
    // Q5: never answered.
    shop.query(store, "q5", utc(3, 12, 14, 0), Channel::Phone, Some(ANN));
    // Q6: Fri 27 Mar 15:00Z (16:00 CET), reply Mon 30 Mar 08:00Z (10:00 CEST).
    let q6 = shop.query(store, "q6", utc(3, 27, 15, 0), Channel::Phone, Some(ANN));
    shop.reply(store, "r6", q6, utc(3, 30, 8, 0), ANN, utc(3, 30, 8, 0));
    // Q7: Mon 15:30Z (16:30 B), closed by hand without a reply Tue 08:30Z (09:30 B).
    let q7 = shop.query(store, "q7", utc(3, 9, 15, 30), Channel::Chat, Some(BOB));
    set_state(store, q7, QueryState::Closed, utc(3, 10, 8, 30));
    // Q8: Wed 07:00Z (08:00 B), marked answered Wed 10:00Z (11:00 B), closed Thu 08:00Z (09:00 B).
    let q8 = shop.query(store, "q8", utc(3, 11, 7, 0), Channel::Chat, Some(BOB));
    set_state(store, q8, QueryState::Answered, utc(3, 11, 10, 0));
    set_state(store, q8, QueryState::Closed, utc(3, 12, 8, 0));
    // Q9: nobody named on the query; bob replies Thu 09:45Z (10:45 B). Grouped under the query's
    // staff, "(nobody)", not the replier's.
    let q9 = shop.query(store, "q9", utc(3, 12, 9, 0), Channel::Email, None);
    shop.reply(store, "r9", q9, utc(3, 12, 9, 45), BOB, utc(3, 12, 9, 45));
    // Q0: before the period.
    let q0 = shop.query(store, "q0", utc(3, 1, 11, 0), Channel::Email, Some(ANN));
    shop.reply(store, "r0", q0, utc(3, 2, 9, 0), ANN, utc(3, 2, 9, 0));
    // An outbound contact that answers nothing is not a query.
    shop.log(
        store,
        "o1",
        utc(3, 18, 10, 0),
        Channel::Email,
        Direction::Outbound,
        Some(ANN),
        None,
        None,
        utc(3, 18, 10, 0),
    );
}

/// What one group should show: counts, and (median, mean) hours to first response and to close.
struct Expected {
    staff: &'static str,
    channel: Channel,
    queries: u64,
    answered: u64,
    closed: u64,
    first: Option<(f64, f64)>,
    close: Option<(f64, f64)>,
}

fn check(groups: &[ResponseGroup], expected: &[Expected], what: &str) {
    let keys: Vec<(String, Channel)> = groups.iter().map(|g| (g.staff.clone(), g.channel)).collect();
    let wanted: Vec<(String, Channel)> = expected.iter().map(|e| (e.staff.to_string(), e.channel)).collect();
    assert_eq!(keys, wanted, "{what}: the groups, by staff then channel");
    for (group, e) in groups.iter().zip(expected) {
        let label = format!("{what}: {} {}", e.staff, e.channel);
        assert_eq!(
            (group.queries, group.answered, group.closed),
            (e.queries, e.answered, e.closed),
            "{label}"
        );
        let pair = |median: Option<f64>, mean: Option<f64>| median.zip(mean);
        let close = |got: Option<(f64, f64)>, want: Option<(f64, f64)>, which: &str| match (got, want) {
            (Some(g), Some(w)) => assert!(
                (g.0 - w.0).abs() < TOLERANCE && (g.1 - w.1).abs() < TOLERANCE,
                "{label} {which}: (median, mean) {g:?}, expected {w:?}"
            ),
            (g, w) => assert_eq!(g, w, "{label} {which}"),
        };
        close(
            pair(group.median_first_response_hours, group.mean_first_response_hours),
            e.first,
            "first response",
        );
        close(pair(group.median_close_hours, group.mean_close_hours), e.close, "close");
    }
}

fn times_per_staff_and_channel_in_elapsed_and_in_business_hours(store: &mut dyn Store) {
    log_the_month(store);
    let (from, to) = (utc(3, 2, 0, 0), utc(4, 1, 0, 0));

    // Elapsed hours.
    // ann/e-mail, first: Q1 2.5; Q2 Fri 15:00Z → Mon 09:00Z = 72 − 6 = 66; Q3 Tue 19:00Z → 20:00Z
    //   = 1 → sorted [1, 2.5, 66]: median 2.5, mean 69.5 / 3.
    //   close: Q1 24; Q2 Fri 15:00Z → Mon 10:30Z = 67.5; Q3 Tue 19:00Z → Wed 08:45Z = 13.75 →
    //   [13.75, 24, 67.5]: median 24, mean 105.25 / 3.
    // ann/phone: 4 queries; answered Q4, Q4b, Q6; closed Q4, Q4b. Q4 13:00Z → 13:20Z = 1/3
    //   (first = close); Q4b no times; Q5 nothing; Q6 Fri 15:00Z → Mon 08:00Z = 72 − 7 = 65 (the
    //   clocks changed in between: CET 16:00 to CEST 10:00 is 66 wall hours, 65 real ones) →
    //   first [1/3, 65]: median = mean = (1/3 + 65) / 2 = 98/3; close [1/3].
    // bob/chat: Q7 Mon 15:30Z → Tue 08:30Z = 17 (first = close); Q8 first 3, close Wed 07:00Z →
    //   Thu 08:00Z = 25 → first [3, 17]: median 10, mean 10; close [17, 25]: median 21, mean 21.
    // (nobody)/e-mail: Q9 0.75 → [0.75]; not closed.
    let elapsed = response_times(store, from, to).unwrap();
    assert_eq!(elapsed.business_hours, None);
    check(
        &elapsed.groups,
        &[
            Expected {
                staff: "(nobody)",
                channel: Channel::Email,
                queries: 1,
                answered: 1,
                closed: 0,
                first: Some((0.75, 0.75)),
                close: None,
            },
            Expected {
                staff: ANN,
                channel: Channel::Email,
                queries: 3,
                answered: 3,
                closed: 3,
                first: Some((2.5, 69.5 / 3.0)),
                close: Some((24.0, 105.25 / 3.0)),
            },
            Expected {
                staff: ANN,
                channel: Channel::Phone,
                queries: 4,
                answered: 3,
                closed: 2,
                first: Some((98.0 / 3.0, 98.0 / 3.0)),
                close: Some((1.0 / 3.0, 1.0 / 3.0)),
            },
            Expected {
                staff: BOB,
                channel: Channel::Chat,
                queries: 2,
                answered: 2,
                closed: 2,
                first: Some((10.0, 10.0)),
                close: Some((21.0, 21.0)),
            },
        ],
        "elapsed",
    );

    // Business hours, mon–fri 09:00–17:00 Berlin.
    // ann/e-mail, first: Q1 10:00 → 12:30 = 2.5; Q2 Fri 16:00 → 17:00 (1) + Mon 09:00 → 10:00 (1)
    //   = 2; Q3 Tue 20:00 → 21:00, after hours = 0 → [0, 2, 2.5]: median 2, mean 4.5 / 3.
    //   close: Q1 Mon 10:00 → 17:00 (7) + Tue 09:00 → 10:00 (1) = 8; Q2 1 + Mon 09:00 → 11:30
    //   (2.5) = 3.5; Q3 Wed 09:00 → 09:45 = 0.75 → [0.75, 3.5, 8]: median 3.5, mean 12.25 / 3.
    // ann/phone: Q4 14:00 → 14:20 = 1/3; Q6 Fri 16:00 → 17:00 CET (1) + Mon 09:00 → 10:00 CEST
    //   (1) = 2 → first [1/3, 2]: median = mean = (1/3 + 2) / 2 = 7/6; close [1/3].
    // bob/chat: Q7 Mon 16:30 → 17:00 (0.5) + Tue 09:00 → 09:30 (0.5) = 1 (first = close); Q8 Wed
    //   08:00 → 11:00 counts 09:00 → 11:00 = 2, close Wed 09:00 → 17:00 (8) + Thu 09:00 → 09:00
    //   (0) = 8 → first [1, 2]: median 1.5, mean 1.5; close [1, 8]: median 4.5, mean 4.5.
    // (nobody)/e-mail: Q9 10:00 → 10:45 = 0.75.
    let text = "mon-fri 09:00-17:00; Europe/Berlin";
    set_business_hours(store, Some(text)).unwrap();
    let business = response_times(store, from, to).unwrap();
    assert_eq!(business.business_hours.as_deref(), Some(text));
    check(
        &business.groups,
        &[
            Expected {
                staff: "(nobody)",
                channel: Channel::Email,
                queries: 1,
                answered: 1,
                closed: 0,
                first: Some((0.75, 0.75)),
                close: None,
            },
            Expected {
                staff: ANN,
                channel: Channel::Email,
                queries: 3,
                answered: 3,
                closed: 3,
                first: Some((2.0, 4.5 / 3.0)),
                close: Some((3.5, 12.25 / 3.0)),
            },
            Expected {
                staff: ANN,
                channel: Channel::Phone,
                queries: 4,
                answered: 3,
                closed: 2,
                first: Some((7.0 / 6.0, 7.0 / 6.0)),
                close: Some((1.0 / 3.0, 1.0 / 3.0)),
            },
            Expected {
                staff: BOB,
                channel: Channel::Chat,
                queries: 2,
                answered: 2,
                closed: 2,
                first: Some((1.5, 1.5)),
                close: Some((4.5, 4.5)),
            },
        ],
        "business hours",
    );

    // Clearing the hours goes back to elapsed time; a period holding only Q0 has Q0 alone:
    // Sun 1 Mar 11:00Z → Mon 2 Mar 09:00Z = 22 hours.
    set_business_hours(store, None).unwrap();
    assert_eq!(response_times(store, from, to).unwrap().groups, elapsed.groups);
    let march_first = response_times(store, utc(3, 1, 0, 0), utc(3, 2, 0, 0)).unwrap();
    check(
        &march_first.groups,
        &[Expected {
            staff: ANN,
            channel: Channel::Email,
            queries: 1,
            answered: 1,
            closed: 0,
            first: Some((22.0, 22.0)),
            close: None,
        }],
        "1 March",
    );
}

/// The first response is the earliest reply that is still there, at the time it now says — as the
/// schema documents `answered_at` ("when the first reply happened") and as the contact dates
/// follow an edited or deleted interaction.
///
/// - Q1 (ann, e-mail), Mon 9 Mar 09:00Z: replies A at 10:00Z and B at 12:00Z → 1 hour. A's time
///   is then corrected to 13:00Z (it was logged with the wrong hour): the first reply is B, 3 hours.
/// - Q2 (ann, phone), Mon 9 Mar 09:00Z: one reply C at 11:00Z → 2 hours. C is deleted (logged
///   against the wrong query): Q2 is unanswered again.
fn a_re_dated_or_deleted_reply_moves_the_first_response(store: &mut dyn Store) {
    let shop = Shop { customer: customer(store) };
    let q1 = shop.query(store, "q1", utc(3, 9, 9, 0), Channel::Email, Some(ANN));
    shop.reply(store, "a", q1, utc(3, 9, 10, 0), ANN, utc(3, 9, 12, 0));
    shop.reply(store, "b", q1, utc(3, 9, 12, 0), ANN, utc(3, 9, 12, 0));
    let q2 = shop.query(store, "q2", utc(3, 9, 9, 0), Channel::Phone, Some(ANN));
    shop.reply(store, "c", q2, utc(3, 9, 11, 0), ANN, utc(3, 9, 11, 0));
    let (from, to) = (utc(3, 2, 0, 0), utc(4, 1, 0, 0));
    let figures = |store: &mut dyn Store| -> Vec<(Channel, u64, Option<f64>)> {
        let times = response_times(store, from, to).unwrap();
        times.groups.iter().map(|g| (g.channel, g.answered, g.median_first_response_hours)).collect()
    };
    assert_eq!(figures(store), [(Channel::Email, 1, Some(1.0)), (Channel::Phone, 1, Some(2.0))], "as logged");

    let reply = |store: &mut dyn Store, subject: &str| -> i64 {
        let all = store.interactions(&InteractionQuery {
            customer: Some(shop.customer),
            limit: 100,
            ..Default::default()
        });
        all.unwrap().into_iter().find(|i| i.subject == format!("Interaction {subject}")).unwrap().id
    };
    let a = reply(store, "a");
    let corrected = InteractionEdit { occurred_at: Some(utc(3, 9, 13, 0)), ..Default::default() };
    interactions::edit(store, a, &corrected, utc(3, 9, 14, 0)).unwrap();
    let c = reply(store, "c");
    interactions::delete(store, c, utc(3, 9, 14, 0)).unwrap();
    assert_eq!(
        figures(store),
        [(Channel::Email, 1, Some(3.0)), (Channel::Phone, 0, None)],
        "after A's time is corrected to 13:00 and C is deleted"
    );
}

tenure_store::contract_tests!(
    times_per_staff_and_channel_in_elapsed_and_in_business_hours,
    a_re_dated_or_deleted_reply_moves_the_first_response,
);
