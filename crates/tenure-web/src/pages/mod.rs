//! The dashboard: server-rendered pages over the same use cases as the CLI and the API. Each
//! handler checks the session and role (from [`crate::routes::PAGES`]), runs one app call on a
//! pooled connection, and renders an escaping template. No page needs JavaScript.

mod account;
mod at_risk;
mod calendar;
mod calendar_fields;
mod cases;
mod cohorts;
mod customer;
mod customer_calendar;
mod customer_forms;
mod customers;
mod deliveries;
mod feed;
mod followups;
mod gone_quiet;
mod import;
mod login;
mod loyalty;
mod overview;
mod params;
mod privacy;
mod retention;
mod segments;
mod survey;
mod survey_behaviour;
mod surveys;
mod testimonials;
mod unsubscribe;

pub(crate) use account::{account, change_password};
pub(crate) use at_risk::{at_risk, at_risk_csv};
use axum::http::header;
use axum::response::IntoResponse;
pub(crate) use calendar::calendar;
pub(crate) use cases::{cases, close_case};
pub(crate) use cohorts::cohorts;
pub(crate) use customer::customer;
pub(crate) use customer_forms::{delete_interaction, log_interaction, plan_followup, set_cadence};
pub(crate) use customers::customers;
pub(crate) use deliveries::{deliveries, retry_delivery};
pub(crate) use feed::calendar_feed;
pub(crate) use followups::{cancel_followup, done_followup, followups_page, revoke_feed};
pub(crate) use gone_quiet::{add_rule, gone_quiet, log_contact, plan_follow_up, remove_rule};
pub(crate) use import::{IMPORT_LIMIT_BYTES, import, import_form};
pub(crate) use login::{login_form, logout, sign_in};
pub(crate) use loyalty::{
    adjust_points, coupons_csv, liability_figure, loyalty_page, member_page, member_redeem, referral_landing,
    referrals_page, review_referral, staff_member,
};
pub(crate) use overview::overview;
pub(crate) use params::optional;
pub(crate) use privacy::{audit_page, customer_export, erase_customer};
pub(crate) use retention::retention;
pub(crate) use segments::segments;
pub(crate) use survey::{invitation_answer, invitation_form, public_answer, public_form};
pub(crate) use survey_behaviour::survey_behaviour;
pub(crate) use surveys::{survey_definition_json, survey_report, survey_responses_csv, surveys};
pub(crate) use testimonials::{decide_testimonial, testimonials};
pub(crate) use unsubscribe::{unsubscribe, unsubscribe_form};

use crate::routes::{Access, PAGES};
use crate::session::SignedIn;

/// What the page shell shows around every page: the menu for the user's role, who is signed
/// in, and the CSRF token of the sign-out form.
pub(crate) struct Layout {
    /// The page's heading and title.
    pub title: String,
    /// The signed-in user's name.
    pub user_name: String,
    /// Their role.
    pub role: &'static str,
    /// The session's CSRF token, for the forms of the page.
    pub csrf: String,
    /// The menu.
    pub nav: Vec<NavItem>,
}

/// One menu entry.
pub(crate) struct NavItem {
    /// Where it goes.
    pub href: &'static str,
    /// What it says.
    pub label: &'static str,
    /// Whether it is the page shown.
    pub current: bool,
}

impl Layout {
    /// The shell of the page at `path` titled `title` for `signed_in`: the menu holds the pages
    /// of the access table that their role may open.
    pub(crate) fn new(signed_in: &SignedIn, title: impl Into<String>, path: &str) -> Layout {
        let role = signed_in.role();
        let nav = PAGES
            .iter()
            .filter_map(|page| {
                let label = page.menu?;
                let allowed = match page.access {
                    Access::Public => true,
                    Access::Roles(roles) => roles.contains(&role),
                    Access::Signed => false,
                };
                allowed.then_some(NavItem { href: page.path, label, current: page.path == path })
            })
            .collect();
        Layout {
            title: title.into(),
            user_name: signed_in.session.user.name.clone(),
            role: role.as_str(),
            csrf: signed_in.session.csrf_token.clone(),
            nav,
        }
    }
}

/// The client's address as a rate limit's key (behind trusted proxies, the client's own; see
/// `client.rs`); "unknown" where the server did not record it.
pub(crate) fn client_address(extensions: &axum::http::Extensions) -> String {
    extensions.get::<crate::client::ClientAddress>().map_or_else(|| "unknown".to_string(), |a| a.bucket())
}

/// `GET /assets/style.css`: the style sheet, compiled into the binary.
pub(crate) async fn style() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../assets/style.css"),
    )
}
