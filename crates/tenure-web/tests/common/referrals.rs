//! Referrals the fraud checks hold, made through the app as a shop's data would make them: a
//! member (Ann Linde) and two customers she referred who look like her — one at her Gmail address
//! written another way, one with her name the other way round — each with a first paid order
//! over the minimum after the referral. Needs a programme without a return window.

#![allow(clippy::unwrap_used, dead_code)] // Each test file uses its own part of this module.

use chrono::Duration;
use tenure_app::loyalty::{Mailing, join, referrals};
use tenure_domain::{
    Currency, CustomerId, CustomerRecord, CustomerRef, Email, ImportRecord, OrderRecord, OrderStatus,
    SourceName, Timestamp,
};
use tenure_store::{ReferralStatus, Store};

/// What [`held_referrals`] made.
pub struct HeldReferrals {
    /// Ann, the referrer.
    pub referrer: CustomerId,
    /// Her referral code.
    pub code: String,
    /// The referral of her Gmail twin (held: same e-mail), then of her namesake (held: same name).
    pub held: [i64; 2],
}

/// Imports one paid order in USD of a customer of the `shop` source; their id.
pub fn customer_with_order(
    store: &mut dyn Store,
    key: &str,
    (email, name): (&str, &str),
    placed_at: Timestamp,
    total_minor: i64,
) -> CustomerId {
    let record = ImportRecord {
        line: 2,
        customer: CustomerRecord {
            external_id: key.into(),
            email: Some(Email::parse(email).unwrap()),
            name: Some(name.to_string()),
            marketing_consent: Some(true),
        },
        order: OrderRecord {
            external_id: format!("{key}-1"),
            placed_at,
            status: OrderStatus::Paid,
            currency: Currency::USD,
            total_minor,
            refunded_minor: 0,
            items: vec![],
        },
    };
    let mut session = store.begin_import(&SourceName::parse("shop").unwrap(), placed_at).unwrap();
    session.ingest(record).unwrap();
    session.commit().unwrap();
    store.resolve_customers(&[CustomerRef::Email(Email::parse(email).unwrap())]).unwrap()[0].unwrap()
}

/// Ann, her code, and her two held referrals (judged at `now`).
pub fn held_referrals(store: &mut dyn Store, now: Timestamp) -> HeldReferrals {
    let (week_ago, bought) = (now - Duration::days(7), now - Duration::days(3));
    let ann = customer_with_order(
        store,
        "ann",
        ("annlinde@gmail.com", "Ann Linde"),
        now - Duration::days(90),
        3_000,
    );
    let code = join(store, &Mailing::default(), ann, week_ago).unwrap().referral_code;
    let twin = customer_with_order(store, "twin", ("Ann.Linde+gift@googlemail.com", "A. L."), bought, 4_000);
    let namesake =
        customer_with_order(store, "namesake", ("al@elsewhere.example", "Linde, Ann"), bought, 4_000);
    let first = referrals::record(store, &code, twin, week_ago).unwrap().id;
    let second = referrals::record(store, &code, namesake, week_ago).unwrap().id;
    referrals::judge_waiting(store, &Mailing::default(), now).unwrap();
    for id in [first, second] {
        assert_eq!(store.referral(id).unwrap().status, ReferralStatus::Held, "{:?}", store.referral(id));
    }
    HeldReferrals { referrer: ann, code, held: [first, second] }
}
