//! The loyalty programme's pages: the member's own page behind their signed link
//! (`member.rs`, in their language), and for staff the programme's liability and members
//! (`programme.rs`, with the coupons' CSV) and one member's account with the adjust form
//! (`staff_member.rs`), and the referrals held for review with their Approve and Refuse buttons
//! (`referrals.rs`); the public page a referral link leads to (`landing.rs`, in the visitor's
//! language). `account.rs` shapes an account for both; `words.rs` holds every fixed word in
//! English and German.

mod account;
mod landing;
mod member;
mod programme;
mod referrals;
mod staff_member;
mod words;

pub(crate) use landing::referral_landing;
pub(crate) use member::{member_page, member_redeem};
pub(crate) use programme::{coupons_csv, liability_figure, loyalty_page};
pub(crate) use referrals::{referrals_page, review_referral};
pub(crate) use staff_member::{adjust_points, staff_member};
