//! Every fixed word of the loyalty pages, in English and German, in one place: the member's page
//! and a referral's landing page speak the visitor's language (`Accept-Language`), the staff
//! pages English. Dates are written here too, with the month's name in the page's language, and
//! the reasons a referral was held or refused.

use axum::http::{HeaderMap, header};
use chrono::{Datelike, NaiveDate};

/// The languages the member page speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    English,
    German,
}

impl Lang {
    /// The language the request prefers among ours: the highest-weighted `Accept-Language` tag
    /// whose primary subtag is `de` or `en` (the first of equals), English when none is.
    pub(crate) fn of(headers: &HeaderMap) -> Lang {
        let Some(value) = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()) else {
            return Lang::English;
        };
        let mut best: Option<(f32, Lang)> = None;
        for item in value.split(',') {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or("").trim();
            let weight = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let primary = tag.split(['-', '_']).next().unwrap_or("");
            let lang = if primary.eq_ignore_ascii_case("de") {
                Lang::German
            } else if primary.eq_ignore_ascii_case("en") {
                Lang::English
            } else {
                continue;
            };
            if weight > 0.0 && best.is_none_or(|(w, _)| weight > w) {
                best = Some((weight, lang));
            }
        }
        best.map_or(Lang::English, |(_, lang)| lang)
    }

    /// The `lang` attribute of the page.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Lang::English => "en",
            Lang::German => "de",
        }
    }

    /// The words of this language.
    pub(crate) fn words(self) -> &'static Words {
        match self {
            Lang::English => &ENGLISH,
            Lang::German => &GERMAN,
        }
    }
}

/// The fixed words of an account's page.
#[derive(Debug)]
pub(crate) struct Words {
    pub title: &'static str,
    pub hello: &'static str,
    pub balance: &'static str,
    pub available: &'static str,
    pub pending: &'static str,
    pub available_on: &'static str,
    pub owed: &'static str,
    pub owed_explain: &'static str,
    pub points: &'static str,
    pub lots: &'static str,
    pub earned_on: &'static str,
    pub left: &'static str,
    pub expires: &'static str,
    pub never: &'static str,
    pub pending_until: &'static str,
    pub no_lots: &'static str,
    pub tier: &'static str,
    pub of: &'static str,
    pub toward: &'static str,
    pub spent_toward: &'static str,
    pub top_tier: &'static str,
    pub kept_until: &'static str,
    pub rewards: &'static str,
    pub redeem: &'static str,
    pub more_needed: &'static str,
    pub coupons: &'static str,
    pub code: &'static str,
    pub reward: &'static str,
    pub issued: &'static str,
    pub used: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub no_coupons: &'static str,
    pub new_coupon: &'static str,
    pub use_once: &'static str,
    pub referral: &'static str,
    pub referral_explain: &'static str,
    pub referral_code: &'static str,
    pub referral_link: &'static str,
    pub no_account: &'static str,
    pub unknown_reward: &'static str,
    pub bad_link_title: &'static str,
    pub bad_link: &'static str,
    pub too_many_title: &'static str,
    pub too_many: &'static str,
    pub foreign_title: &'static str,
    pub foreign: &'static str,
    pub stale_form: &'static str,
    pub invitation_title: &'static str,
    pub use_code: &'static str,
    pub use_code_after: &'static str,
    pub to_shop: &'static str,
    pub no_invitation_title: &'static str,
    pub no_invitation: &'static str,
    pub same_email: &'static str,
    pub same_name: &'static str,
    pub same_address: &'static str,
    pub same_payment: &'static str,
    pub same_customer: &'static str,
    pub not_new: &'static str,
    pub refunded: &'static str,
    months: [&'static str; 12],
    lang: Lang,
}

impl Words {
    /// `5 May 2026` / `5. Mai 2026`.
    pub(crate) fn date(&self, day: NaiveDate) -> String {
        let month = self.months[day.month0() as usize];
        if self.lang == Lang::German {
            format!("{}. {month} {}", day.day(), day.year())
        } else {
            format!("{} {month} {}", day.day(), day.year())
        }
    }

    /// Why a redemption was refused for too few points.
    pub(crate) fn too_few(&self, reward: &str, cost: i64, available: i64) -> String {
        if self.lang == Lang::German {
            format!("{reward} kostet {cost} Punkte; Sie haben {available} Punkte sofort einlösbar.")
        } else {
            format!("{reward} costs {cost} points; you have {available} points available now.")
        }
    }

    /// The landing page's first line: who invited the visitor to which shop (`None`: a friend
    /// whose name we do not have).
    pub(crate) fn invited(&self, first_name: Option<&str>, shop: &str) -> String {
        match (self.lang, first_name) {
            (Lang::German, Some(name)) => format!("{name} hat Sie zu {shop} eingeladen."),
            (Lang::German, None) => format!("Jemand aus Ihrem Freundeskreis hat Sie zu {shop} eingeladen."),
            (Lang::English, Some(name)) => format!("{name} invited you to {shop}."),
            (Lang::English, None) => format!("A friend invited you to {shop}."),
        }
    }

    /// A loop of referrals, by customer number: `a loop: 3 → 7 → 3`.
    pub(crate) fn referral_loop(&self, cycle: &[String]) -> String {
        let label = if self.lang == Lang::German { "ein Kreis" } else { "a loop" };
        format!("{label}: {}", cycle.join(" → "))
    }

    /// More referral rewards in the period than the programme allows.
    pub(crate) fn burst(&self, rewards: u64, max: u64) -> String {
        if self.lang == Lang::German {
            format!("bereits {rewards} Prämien in diesem Zeitraum (Grenze {max})")
        } else {
            format!("{rewards} rewards already this period (limit {max})")
        }
    }

    /// A first order under the programme's minimum (amounts already written as money).
    pub(crate) fn below_minimum(&self, amount: &str, minimum: &str) -> String {
        if self.lang == Lang::German {
            format!("erste Bestellung {amount} unter dem Mindestwert {minimum}")
        } else {
            format!("first order {amount} under the minimum {minimum}")
        }
    }

    /// A first order paid in a currency the programme does not count.
    pub(crate) fn other_currency(&self, currency: &str) -> String {
        if self.lang == Lang::German {
            format!("erste Bestellung in {currency}, nicht in der Währung des Programms")
        } else {
            format!("first order in {currency}, not the programme's currency")
        }
    }

    /// The referred customer was someone else's referral first.
    pub(crate) fn already_referred(&self, by: &str) -> String {
        if self.lang == Lang::German {
            format!("schon von Kunde {by} empfohlen")
        } else {
            format!("already referred by customer {by}")
        }
    }

    /// A reviewer refused the reward.
    pub(crate) fn refused_by(&self, by: &str) -> String {
        if self.lang == Lang::German { format!("abgelehnt von {by}") } else { format!("refused by {by}") }
    }
}

pub(crate) static ENGLISH: Words = Words {
    title: "Your points",
    hello: "Hello",
    balance: "Balance",
    available: "Available now",
    pending: "Pending",
    available_on: "available on",
    owed: "Owed",
    owed_explain: "points to be taken from what you earn next, after a refund of an order you had spent points from",
    points: "points",
    lots: "Your points and when they expire",
    earned_on: "Earned on",
    left: "Points left",
    expires: "Expires on",
    never: "never",
    pending_until: "pending until",
    no_lots: "No points to spend yet.",
    tier: "Your tier",
    of: "of",
    toward: "points toward",
    spent_toward: "spent toward",
    top_tier: "You have reached the top tier.",
    kept_until: "Kept at least until",
    rewards: "Rewards",
    redeem: "Redeem",
    more_needed: "more points needed",
    coupons: "Your coupons",
    code: "Code",
    reward: "Reward",
    issued: "Issued",
    used: "Used",
    yes: "yes",
    no: "no",
    no_coupons: "No coupons yet.",
    new_coupon: "Your coupon code",
    use_once: "Enter it at checkout. It works once.",
    referral: "Invite a friend",
    referral_explain: "When a friend makes a first purchase through your link or with your code, you both get points.",
    referral_code: "Your referral code",
    referral_link: "Your link",
    no_account: "You have no points yet. They appear here after your first purchase.",
    unknown_reward: "That reward is not in the catalogue any more.",
    bad_link_title: "This link does not work",
    bad_link: "The link is not valid or has lapsed. Open the newest e-mail from us about your points, or ask us for a new link.",
    too_many_title: "Too many attempts",
    too_many: "Please wait a minute and try again.",
    foreign_title: "Not sent from your page",
    foreign: "This form can only be sent from your points page. Open the link from our e-mail and try again.",
    stale_form: "The form lacks its key: reload the page and try again.",
    invitation_title: "You are invited",
    use_code: "Use code",
    use_code_after: "at checkout: you and your friend both get points once your first order is kept.",
    to_shop: "To the shop",
    no_invitation_title: "This invitation does not work",
    no_invitation: "The code in this link is not valid. Ask your friend to send you their link again.",
    same_email: "same e-mail address",
    same_name: "same name",
    same_address: "same postal address",
    same_payment: "same payment details",
    same_customer: "referred themselves",
    not_new: "bought before being referred",
    refunded: "first order refunded",
    months: [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    lang: Lang::English,
};

pub(crate) static GERMAN: Words = Words {
    title: "Ihre Punkte",
    hello: "Hallo",
    balance: "Kontostand",
    available: "Sofort einlösbar",
    pending: "Vorgemerkt",
    available_on: "einlösbar ab",
    owed: "Offen",
    owed_explain: "Punkte, die nach der Erstattung einer Bestellung, für die Sie Punkte eingelöst hatten, mit Ihren nächsten Punkten verrechnet werden",
    points: "Punkte",
    lots: "Ihre Punkte und wann sie verfallen",
    earned_on: "Gutgeschrieben am",
    left: "Übrige Punkte",
    expires: "Verfallen am",
    never: "nie",
    pending_until: "vorgemerkt bis",
    no_lots: "Noch keine Punkte zum Einlösen.",
    tier: "Ihre Stufe",
    of: "von",
    toward: "Punkten bis",
    spent_toward: "Umsatz bis",
    top_tier: "Sie haben die höchste Stufe erreicht.",
    kept_until: "Mindestens bis",
    rewards: "Prämien",
    redeem: "Einlösen",
    more_needed: "Punkte fehlen noch",
    coupons: "Ihre Gutscheine",
    code: "Code",
    reward: "Prämie",
    issued: "Ausgestellt",
    used: "Eingelöst",
    yes: "ja",
    no: "nein",
    no_coupons: "Noch keine Gutscheine.",
    new_coupon: "Ihr Gutscheincode",
    use_once: "Geben Sie ihn an der Kasse ein. Er gilt einmal.",
    referral: "Freunde einladen",
    referral_explain: "Wenn eine Freundin oder ein Freund über Ihren Link oder mit Ihrem Code zum ersten Mal einkauft, erhalten Sie beide Punkte.",
    referral_code: "Ihr Empfehlungscode",
    referral_link: "Ihr Link",
    no_account: "Sie haben noch keine Punkte. Sie erscheinen hier nach Ihrem ersten Einkauf.",
    unknown_reward: "Diese Prämie gibt es nicht mehr.",
    bad_link_title: "Dieser Link funktioniert nicht",
    bad_link: "Der Link ist ungültig oder abgelaufen. Öffnen Sie unsere neueste E-Mail zu Ihren Punkten oder bitten Sie uns um einen neuen Link.",
    too_many_title: "Zu viele Versuche",
    too_many: "Bitte warten Sie eine Minute und versuchen Sie es erneut.",
    foreign_title: "Nicht von Ihrer Seite gesendet",
    foreign: "Dieses Formular kann nur von Ihrer Punkteseite gesendet werden. Öffnen Sie den Link aus unserer E-Mail und versuchen Sie es erneut.",
    stale_form: "Dem Formular fehlt sein Schlüssel: Laden Sie die Seite neu und versuchen Sie es erneut.",
    invitation_title: "Sie sind eingeladen",
    use_code: "Geben Sie an der Kasse den Code",
    use_code_after: "ein: Sie und Ihre Freundin oder Ihr Freund erhalten beide Punkte, sobald Sie Ihre erste Bestellung behalten.",
    to_shop: "Zum Shop",
    no_invitation_title: "Diese Einladung funktioniert nicht",
    no_invitation: "Der Code in diesem Link ist ungültig. Bitten Sie Ihre Freundin oder Ihren Freund, Ihnen den Link noch einmal zu schicken.",
    same_email: "gleiche E-Mail-Adresse",
    same_name: "gleicher Name",
    same_address: "gleiche Postanschrift",
    same_payment: "gleiche Zahlungsdaten",
    same_customer: "hat sich selbst empfohlen",
    not_new: "hat schon vor der Empfehlung gekauft",
    refunded: "erste Bestellung erstattet",
    months: [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ],
    lang: Lang::German,
};

#[cfg(test)]
mod tests {
    use super::*;

    fn prefers(value: &str) -> Lang {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_LANGUAGE, value.parse().unwrap());
        Lang::of(&headers)
    }

    #[test]
    fn the_most_wanted_of_our_languages_wins() {
        assert_eq!(prefers("de-DE,de;q=0.9,en;q=0.8"), Lang::German);
        assert_eq!(prefers("en-GB,de;q=0.5"), Lang::English);
        assert_eq!(prefers("fr-FR,fr;q=0.9,de;q=0.7,en;q=0.6"), Lang::German);
        assert_eq!(prefers("fr"), Lang::English);
        assert_eq!(prefers("de;q=0,en;q=0.1"), Lang::English);
        assert_eq!(Lang::of(&HeaderMap::new()), Lang::English);
    }

    #[test]
    fn dates_name_the_month_in_the_page_language() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 5).unwrap();
        assert_eq!(ENGLISH.date(day), "5 March 2026");
        assert_eq!(GERMAN.date(day), "5. März 2026");
    }
}
