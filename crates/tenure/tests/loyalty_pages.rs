//! The loyalty pages end to end, in Chromium through chromedriver against `tenure serve`: an
//! admin reads the programme's liability on /loyalty; a member opens their signed link, sees their
//! balance, redeems a reward and gets a `TEN-…` coupon code on the page (also at a phone's width);
//! back on /loyalty the liability has dropped by exactly the reward's value at the catalogue's
//! rate — computed here from the programme's rules, not taken from the server. Then a referral
//! the fraud checks held (Ann's namesake) is approved with a click on /loyalty/referrals, and Ann
//! is paid the programme's referrer points.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

mod common;
#[path = "common/webdriver.rs"]
mod webdriver;

use std::path::{Path, PathBuf};

use chrono::{Duration, SecondsFormat, Utc};
use common::{run, sqlite_url, tenure};
use tenure_app::loyalty::Mailing;
use tenure_app::loyalty::links::member_token;
use tenure_app::loyalty::programme::{save_programme, template};
use tenure_app::loyalty::redeem::{Adjustment, adjust};
use tenure_app::loyalty::referrals;
use tenure_domain::{Currency, CustomerId};
use tenure_loyalty::{Programme, RewardKind};

const ADMIN: &str = "owner@shop.example";
const PASSWORD: &str = "the owner's password";
/// The reward the member redeems.
const REWARD: &str = "free-shipping";

/// Imports one order each of Ann, Ben and Ann's namesake (who bought three days ago); returns
/// the ids of Ann and Ben, and of the namesake, by e-mail.
fn customers(dir: &Path, db: &str) -> (CustomerId, CustomerId, CustomerId) {
    let csv = dir.join("orders.csv");
    let when = (Utc::now() - Duration::days(20)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let recent = (Utc::now() - Duration::days(3)).to_rfc3339_opts(SecondsFormat::Secs, true);
    std::fs::write(
        &csv,
        format!(
            "Order,Buyer,Email,Name,Date,Total\nA-1,b-1,ann@example.com,Ann Linde,{when},24.50\n\
             A-2,b-2,ben@example.com,Ben Ott,{when},61.00\n\
             A-3,b-3,al@elsewhere.example,\"Linde, Ann\",{recent},40.00\n"
        ),
    )
    .unwrap();
    run(tenure(db)
        .args(["import", "--format", "csv", "--progress", "none"])
        .arg(&csv)
        .args(["--map", "order_id=Order,customer_id=Buyer,email=Email,name=Name,date=Date,amount=Total"]));
    let listed = common::json(db, &["customers", "list", "--json"]);
    let id_of = |email: &str| {
        let found = listed.as_array().unwrap().iter().find(|c| c["email"] == email).unwrap();
        CustomerId(found["id"].as_i64().unwrap())
    };
    (id_of("ann@example.com"), id_of("ben@example.com"), id_of("al@elsewhere.example"))
}

/// Ann's namesake used her code a week ago and has bought since: the checks hold the referral
/// (same name). Its id.
fn held_referral(store: &mut dyn tenure_store::Store, ann: CustomerId, namesake: CustomerId) -> i64 {
    let code = store.loyalty_account(ann).unwrap().unwrap().referral_code;
    let referral = referrals::record(store, &code, namesake, Utc::now() - Duration::days(7)).unwrap();
    referrals::judge_waiting(store, &Mailing::default(), Utc::now()).unwrap();
    assert_eq!(store.referral(referral.id).unwrap().status, tenure_store::ReferralStatus::Held);
    referral.id
}

/// The template programme with points available at once, saved.
fn start_programme(store: &mut dyn tenure_store::Store) -> Programme {
    let mut rules = template(Currency::USD);
    rules.return_window_days = 0;
    save_programme(store, &serde_json::to_string(&rules).unwrap(), None, ADMIN, Utc::now()).unwrap();
    rules
}

fn give(store: &mut dyn tenure_store::Store, customer: CustomerId, points: i64) {
    let key = format!("test:{}", customer.0);
    let adjustment = Adjustment { customer, points, reason: "welcome", by: ADMIN, key: &key };
    adjust(store, &Mailing::default(), &adjustment, Utc::now()).unwrap();
}

/// The value in minor units of `points` as the liability is documented to count it: at the
/// catalogue's most generous amount-off reward (most money per point), rounded up.
fn expected_value(rules: &Programme, points: i64) -> i64 {
    let (minor, per) = rules
        .rewards
        .iter()
        .filter_map(|r| match r.kind {
            RewardKind::AmountOff { minor } => Some((minor, r.cost)),
            _ => None,
        })
        .max_by(|a, b| (a.0 * b.1).cmp(&(b.0 * a.1)))
        .expect("the template has an amount-off reward");
    (points * minor + per - 1) / per
}

/// The liability on /loyalty, in minor units, as the page's `<data>` element holds it, and as shown.
fn liability_on_page(session: &webdriver::Session, base: &str) -> (i64, String) {
    session.open(&format!("{base}/loyalty"));
    let figure = session.find("#liability");
    (figure.attribute("value").unwrap().parse().unwrap(), figure.text())
}

#[test]
fn a_member_redeems_on_their_signed_page_and_the_liability_drops_by_the_rewards_value() {
    let Some((driver_path, chromium)) = webdriver::browser_or_skip("the loyalty browser test") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir);
    common::add_admin(&db, ADMIN, PASSWORD);
    let (ann, ben, namesake) = customers(dir.path(), &db);
    let (rules, token, referral) = {
        let mut store = tenure_store::open(&db, Utc::now()).unwrap();
        let rules = start_programme(store.as_mut());
        give(store.as_mut(), ann, 1_000);
        give(store.as_mut(), ben, 250);
        let referral = held_referral(store.as_mut(), ann, namesake);
        let key = tenure_app::outbox::links::link_key(store.as_mut()).unwrap();
        (rules, member_token(&key, ann, Utc::now()), referral)
    };
    let cost = rules.rewards.iter().find(|r| r.id == REWARD).unwrap().cost;
    let server = common::serve(&db);
    let base = server.base();

    let driver = webdriver::Driver::start(&driver_path);
    let session = driver.session(&chromium);
    session.resize(1280, 1000);
    session.open(&format!("{base}/login"));
    session.find("#email").type_text(ADMIN);
    session.find("#password").type_text(PASSWORD);
    session.find("#sign-in").click();
    session.find("#sign-out");

    let (before, shown) = liability_on_page(&session, &base);
    assert_eq!(before, expected_value(&rules, 1_250), "the liability of 1,250 points: {shown}");
    assert!(shown.starts_with("USD "), "{shown}");

    // The member's page, as their e-mail's link opens it, on a phone.
    session.resize(390, 844);
    session.open(&format!("{base}/member/{token}"));
    assert_eq!(session.find("#balance").attribute("value").as_deref(), Some("1000"));
    assert_eq!(session.find("#greeting").text(), "Hello Ann Linde");
    let width = session.page_width();
    assert!(
        width <= 400,
        "the member page is {width} px wide on a 390 px screen: {}",
        session.wider_than(390)
    );
    session.find(&format!("#redeem-{REWARD}")).click();
    let code = session.find("#new-coupon").text();
    assert!(code.starts_with("TEN-") && code.len() > 8, "a coupon code: {code}");
    assert_eq!(session.find("#balance").attribute("value"), Some((1_000 - cost).to_string()));
    assert!(session.find("#coupons").text().contains(&code), "listed among the coupons");
    let folder = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("../screenshots");
    session.screenshot(&folder.join("loyalty-member-phone.png"));
    {
        let mut store = tenure_store::open(&db, Utc::now()).unwrap();
        let issued = store.coupons(Some(ann), None, 10).unwrap();
        assert_eq!(issued.len(), 1, "one redemption, one coupon");
        assert_eq!(issued[0].coupon.code, code);
    }

    // Back on /loyalty as the admin: the figure dropped by the reward's value, to the cent.
    session.resize(1280, 1000);
    let (after, shown) = liability_on_page(&session, &base);
    assert_eq!(after, expected_value(&rules, 1_250 - cost), "{shown}");
    assert_eq!(before - after, expected_value(&rules, 1_250) - expected_value(&rules, 1_250 - cost));
    assert!(before > after, "the liability dropped: {before} → {after}");

    // The held referral, approved with a click: Ann is paid the referrer's points.
    session.open(&format!("{base}/loyalty/referrals"));
    assert!(session.find(&format!("#referral-{referral}")).text().contains("same name"));
    session.find(&format!("#approve-{referral}")).click();
    assert!(session.find("#notice").text().contains(&format!("Referral {referral} approved")));
    let mut store = tenure_store::open(&db, Utc::now()).unwrap();
    let balance = store.loyalty_account(ann).unwrap().unwrap().summary.balance;
    assert_eq!(balance, 1_000 - cost + rules.referral.referrer_points, "paid by the approval");
}
