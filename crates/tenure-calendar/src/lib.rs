//! Tenure's communication calendar, the pure part: the iCalendar feed that puts staff follow-ups
//! in their calendar apps ([`write_feed`]), business hours for response-time clocks
//! ([`BusinessHours`]), the calendar page's day, week and month views ([`View`], [`range`],
//! [`weeks`], [`title`]) and who has gone quiet under the cadence rules ([`gone_quiet`]).
//!
//! No IO, no database, and it never reads the clock: every function that needs the time takes
//! `now` or the dates as arguments, so the same inputs always give the same output.

pub mod business_hours;
pub mod cadence;
pub mod ics;
pub mod views;

pub use business_hours::{BusinessHours, BusinessHoursError};
pub use cadence::{Audience, CadenceRule, Cause, CustomerFacts, Silence, gone_quiet, value_at_risk};
pub use ics::{EventStatus, FeedEvent, write_feed};
pub use views::{View, ViewError, next, previous, range, title, weeks};
