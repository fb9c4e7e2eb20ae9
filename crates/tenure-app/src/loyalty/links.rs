//! Members' signed links: `…/member/{customer}.{until}.{mac}`, where the mac is HMAC-SHA256 over
//! the purpose, the customer id and the day the link stops working, with the database's link key
//! (`outbox::links::link_key`). No password: the link in a member's e-mail is their key to their
//! points, so it lapses (a forwarded or leaked e-mail does not open the account for ever) and is
//! checked in constant time.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tenure_domain::{CustomerId, Timestamp};

type HmacSha256 = Hmac<Sha256>;

/// Days a member link works after it is made.
pub const MEMBER_LINK_DAYS: i64 = 90;

const SECONDS_PER_DAY: i64 = 86_400;

fn mac(key: &[u8], customer: CustomerId, until_day: i64) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(format!("member:{}:{until_day}", customer.0).as_bytes());
    mac
}

/// The token of `customer`'s member link made at `now`.
pub fn member_token(key: &[u8], customer: CustomerId, now: Timestamp) -> String {
    let until_day = now.timestamp().div_euclid(SECONDS_PER_DAY) + MEMBER_LINK_DAYS;
    let signature = URL_SAFE_NO_PAD.encode(mac(key, customer, until_day).finalize().into_bytes());
    format!("{}.{until_day}.{signature}", customer.0)
}

/// The customer whose link `token` is, when it was signed with `key` and has not lapsed at `now`.
pub fn verify_member_token(key: &[u8], token: &str, now: Timestamp) -> Option<CustomerId> {
    let mut parts = token.splitn(3, '.');
    let customer = CustomerId(parts.next()?.parse().ok()?);
    let until_day: i64 = parts.next()?.parse().ok()?;
    let expected = URL_SAFE_NO_PAD.decode(parts.next()?).ok()?;
    mac(key, customer, until_day).verify_slice(&expected).ok()?;
    (now.timestamp() < (until_day + 1) * SECONDS_PER_DAY).then_some(customer)
}

/// `public_url` with the path of `token`'s member page.
pub fn member_url(public_url: &str, token: &str) -> String {
    format!("{}/member/{token}", public_url.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone, Utc};

    use super::*;

    #[test]
    fn a_link_opens_its_own_account_until_it_lapses() {
        let key = [3u8; 32];
        let made = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).single().expect("a valid time");
        let token = member_token(&key, CustomerId(42), made);
        assert_eq!(verify_member_token(&key, &token, made), Some(CustomerId(42)));
        assert_eq!(
            verify_member_token(&key, &token, made + Duration::days(MEMBER_LINK_DAYS - 1)),
            Some(CustomerId(42))
        );
        assert_eq!(
            verify_member_token(&key, &token, made + Duration::days(MEMBER_LINK_DAYS + 1)),
            None,
            "lapsed"
        );
        assert_eq!(
            verify_member_token(&key, &token.replacen("42.", "43.", 1), made),
            None,
            "another customer"
        );
        let (head, _) = token.rsplit_once('.').expect("three parts");
        let (id, day) = head.split_once('.').expect("id and day");
        let later: i64 = day.parse::<i64>().expect("a day") + 100;
        let extended = token.replacen(&format!("{id}.{day}."), &format!("{id}.{later}."), 1);
        assert_eq!(verify_member_token(&key, &extended, made), None, "a lengthened link");
        assert_eq!(verify_member_token(&[4u8; 32], &token, made), None, "another database's key");
        assert_eq!(verify_member_token(&key, "42", made), None);
    }
}
