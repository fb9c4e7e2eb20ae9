//! The loyalty programme's pages: the member's own page behind their signed link
//! (`member.rs`, in their language), and for staff the programme's liability and members
//! (`programme.rs`, with the coupons' CSV) and one member's account with the adjust form
//! (`staff_member.rs`). `account.rs` shapes an account for both; `words.rs` holds every fixed
//! word in English and German.

mod account;
mod member;
mod programme;
mod staff_member;
mod words;

pub(crate) use member::{member_page, member_redeem};
pub(crate) use programme::{coupons_csv, liability_figure, loyalty_page};
pub(crate) use staff_member::{adjust_points, staff_member};
