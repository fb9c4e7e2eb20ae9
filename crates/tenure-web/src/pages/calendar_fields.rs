//! What the calendar's pages share: times shown in and read from the shop's time zone (a
//! `datetime-local` input carries no zone), the choices of their selects, and the random key a
//! form carries so that sending it twice logs once.

use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use tenure_app::reports::ShopTimeZone;
use tenure_domain::{Channel, Timestamp};
use tenure_store::UserInfo;

/// One option of a select.
pub(crate) struct Choice {
    /// The value sent.
    pub value: String,
    /// What it says.
    pub label: String,
    /// Whether it is chosen.
    pub selected: bool,
}

/// `2026-06-01 14:30`: an instant as the shop's clock shows it.
pub(crate) fn local_time(at: Timestamp, zone: ShopTimeZone) -> String {
    at.with_timezone(&zone.zone()).format("%Y-%m-%d %H:%M").to_string()
}

/// `2026-06-01T14:30`: the value of a `datetime-local` input showing `at` in the shop's zone.
pub(crate) fn input_time(at: Timestamp, zone: ShopTimeZone) -> String {
    at.with_timezone(&zone.zone()).format("%Y-%m-%dT%H:%M").to_string()
}

/// `2026-06-01`: the shop's calendar day of `at`.
pub(crate) fn input_day(at: Timestamp, zone: ShopTimeZone) -> String {
    at.with_timezone(&zone.zone()).format("%Y-%m-%d").to_string()
}

/// A `datetime-local` value (`2026-06-01T14:30`, seconds allowed) read in the shop's zone, or why
/// not. A time the clocks skip is refused; one they pass twice is the earlier.
pub(crate) fn read_time(text: &str, zone: ShopTimeZone) -> Result<Timestamp, String> {
    let text = text.trim();
    let local = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .ok_or_else(|| format!("`{text}` is not a date and time (like 2026-06-01T14:30)"))?;
    at_local(local, zone)
        .ok_or_else(|| format!("{text} does not exist in {} (the clocks skip it)", zone.name()))
}

/// A day (`2026-06-01`) as the instant it begins in the shop's zone (01:00 where the clocks skip
/// midnight), or why not.
pub(crate) fn read_day(text: &str, zone: ShopTimeZone) -> Result<Timestamp, String> {
    let text = text.trim();
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("`{text}` is not a date (like 2026-06-01)"))?;
    [0, 1]
        .into_iter()
        .filter_map(|hour| day.and_hms_opt(hour, 0, 0))
        .find_map(|start| at_local(start, zone))
        .ok_or_else(|| format!("{text} does not begin in {}", zone.name()))
}

/// 10:00 tomorrow on the shop's clock.
pub(crate) fn tomorrow_at_ten(now: Timestamp, zone: ShopTimeZone) -> Timestamp {
    let today = now.with_timezone(&zone.zone()).date_naive();
    let tomorrow = today.succ_opt().unwrap_or(today);
    let ten = tomorrow.and_hms_opt(10, 0, 0).unwrap_or_default();
    at_local(ten, zone).unwrap_or(now + chrono::Duration::days(1))
}

fn at_local(local: NaiveDateTime, zone: ShopTimeZone) -> Option<Timestamp> {
    zone.zone().from_local_datetime(&local).earliest().map(|t| t.to_utc())
}

/// The channels, `selected` (a stored name) chosen; none chosen when it names none.
pub(crate) fn channel_choices(selected: &str) -> Vec<Choice> {
    Channel::ALL
        .iter()
        .map(|c| Choice {
            value: c.as_str().to_string(),
            label: c.label().to_string(),
            selected: c.as_str() == selected,
        })
        .collect()
}

/// The users as owners, `selected` (an e-mail) chosen; first "nobody" (the value `""`) when
/// `nobody` names it.
pub(crate) fn user_choices(users: &[UserInfo], selected: Option<&str>, nobody: Option<&str>) -> Vec<Choice> {
    let selected = selected.map(|s| s.trim().to_lowercase());
    let mut choices: Vec<Choice> = nobody
        .map(|label| Choice { value: String::new(), label: label.to_string(), selected: selected.is_none() })
        .into_iter()
        .collect();
    choices.extend(users.iter().map(|u| Choice {
        value: u.email.clone(),
        label: if u.name.is_empty() || u.name == u.email {
            u.email.clone()
        } else {
            format!("{} ({})", u.name, u.email)
        },
        selected: selected.as_deref() == Some(u.email.as_str()),
    }));
    choices
}

/// The prefix of the keys forms carry.
pub(crate) const FORM_KEY_PREFIX: &str = "page";

/// A fresh key for a form that logs an interaction.
pub(crate) fn new_form_key() -> String {
    tenure_app::calendar::interactions::new_key(FORM_KEY_PREFIX)
}

/// Whether `key` has the shape of [`new_form_key`]'s keys (`page:` and 32 hex digits): a form
/// cannot name another route's keys (`api:…`, `cli:…`).
pub(crate) fn is_form_key(key: &str) -> bool {
    key.strip_prefix("page:").is_some_and(|hex| hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_are_read_in_the_shops_zone_and_skipped_ones_are_refused() {
        let berlin = ShopTimeZone::parse("Europe/Berlin").unwrap();
        let winter = read_time("2026-01-15T10:00", berlin).unwrap();
        assert_eq!(winter.to_rfc3339(), "2026-01-15T09:00:00+00:00");
        assert_eq!(input_time(winter, berlin), "2026-01-15T10:00");
        assert!(read_time("2026-03-29T02:30", berlin).unwrap_err().contains("skip"));
        assert!(read_time("yesterday", berlin).unwrap_err().contains("not a date and time"));
        assert_eq!(read_day("2026-07-01", berlin).unwrap().to_rfc3339(), "2026-06-30T22:00:00+00:00");
    }

    #[test]
    fn tomorrow_at_ten_is_on_the_shops_clock() {
        let tokyo = ShopTimeZone::parse("Asia/Tokyo").unwrap();
        // 20:00 UTC on 1 June is 05:00 on 2 June in Tokyo: tomorrow there is 3 June.
        let now = chrono::DateTime::parse_from_rfc3339("2026-06-01T20:00:00Z").unwrap().to_utc();
        assert_eq!(tomorrow_at_ten(now, tokyo).to_rfc3339(), "2026-06-03T01:00:00+00:00");
    }

    #[test]
    fn the_owner_choice_keeps_what_was_sent_or_offers_nobody() {
        let user = |email: &str| UserInfo {
            id: 1,
            email: email.into(),
            name: String::new(),
            role: tenure_domain::Role::Agent,
            created_at: chrono::Utc::now(),
        };
        let users = [user("ann@shop.example"), user("bob@shop.example")];
        let choices = user_choices(&users, Some("Bob@Shop.example"), Some("nobody"));
        let chosen: Vec<&str> = choices.iter().filter(|c| c.selected).map(|c| c.value.as_str()).collect();
        assert_eq!(chosen, ["bob@shop.example"]);
        assert!(user_choices(&users, None, Some("nobody"))[0].selected, "nobody when none was sent");
        assert_eq!(user_choices(&users, None, None).len(), 2);
    }

    #[test]
    fn only_keys_made_for_forms_are_form_keys() {
        assert!(is_form_key(&new_form_key()));
        assert!(!is_form_key("api:abc"));
        assert!(!is_form_key("page:xyz"));
        assert!(!is_form_key(""));
    }
}
