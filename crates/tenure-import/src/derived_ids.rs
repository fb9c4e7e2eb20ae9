//! Deterministic order ids for sources without one (CDNOW, a CSV without an order column):
//! `{customer}-{yyyymmdd}-{n}`, where n counts the rows of that customer on that day so far in the
//! input (1, 2, …). The same input always yields the same ids, so re-importing it adds nothing;
//! several purchases of one customer on one day stay separate orders.
//!
//! # Memory
//!
//! Each count is kept under a 64-bit hash of its (customer, day) pair, about 16 bytes, but not
//! for every pair of the input: with [`IdCounters::Ordered`] only the pairs that can still come
//! again are kept, and that is a bounded set when the input is in one of two orders.
//!
//! - **By customer** (CDNOW's files, `tenure generate`'s): each customer's rows together, the
//!   customers in increasing order (numbers numerically, other ids as text). A customer's counts
//!   are dropped when the next customer starts: memory is one customer's days.
//! - **By day** (many exports are chronological): the days non-decreasing. A day's counts are
//!   dropped when the next day starts: memory is one day's customers.
//!
//! Both orders are checked on every row, at the cost of two comparisons; the counts each order
//! needs are kept while the input is still in that order. An input that turns out to be in
//! neither (a customer coming back after a later one, and a day before an earlier one) cannot be
//! continued: a count it needs may be gone. [`DerivedIds::next`] then answers [`Unordered`], and
//! the input must be read again with [`IdCounters::All`], which keeps every pair's count — about
//! 16 bytes per (customer, day) of the input, some 200 MB for ten million rows (the hash map's
//! spare room included).
//!
//! The ids are those of the scheme before this module kept fewer counts (see the tests): the
//! same hash of the same pair, the same count. The one difference is when two pairs of one input
//! share a 64-bit hash (odds about n²/2⁶⁵: 3·10⁻⁶ for ten million pairs) and only one of them is
//! still kept: the old scheme shifted the second pair's count (its ids stayed unique, so nothing
//! was lost); this one counts it as the rule says.

use std::collections::HashMap;
use std::collections::hash_map::DefaultHasher;
use std::fmt::Write as _;
use std::hash::{BuildHasherDefault, Hash, Hasher};

use chrono::{Datelike, NaiveDate};

/// Which (customer, day) counts an input's derived order ids keep. A derived id
/// `{customer}-{yyyymmdd}-{n}` (CDNOW, a CSV without an order column) numbers the rows of one
/// customer on one day, so the reader counts them; the ids are the same whichever is chosen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum IdCounters {
    /// Only the counts the input can still need while it is ordered by customer (each
    /// customer's rows together, customers increasing as numbers or as text: one customer's days
    /// are kept) or by date (days never going back: one day's customers are kept). Memory is
    /// bounded. An input in neither order stops with a fatal [`crate::RowError`] whose
    /// `unordered` is set: read it again with [`IdCounters::All`].
    Ordered,
    /// Every pair's count, about 16 bytes per (customer, day) of the input: any order, read
    /// once. The default, for callers that cannot read their input twice.
    #[default]
    All,
}

/// The input is ordered neither by customer nor by day, and a count it needs may be gone: it
/// must be read again with [`IdCounters::All`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unordered;

/// Counts of (customer, day) pairs, keyed by a hash of the pair.
type Counts = HashMap<u64, u32, BuildHasherDefault<PassThroughHasher>>;

/// How CDNOW's derived order ids write the customer number (its counts are the same either way).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CdnowOrderIds {
    /// Zero-padded to [`PADDED_DIGITS`] digits (`0000000042-19970101-1`): the ids sort as the
    /// customer numbers do, so the orders of a file ordered by customer go into the unique index
    /// of order ids in order (the scattered inserts of unpadded ids made an import of ten
    /// million orders a tenth slower, and slower the larger the index). Sources created since
    /// migration 9 of the store.
    #[default]
    Padded,
    /// As the number is written without leading zeros (`42-19970101-1`): the ids of sources
    /// imported before, kept for them so that re-importing their files adds nothing.
    Unpadded,
}

/// The digits a padded CDNOW customer number fills (longer numbers are written as they are).
pub const PADDED_DIGITS: usize = 10;

/// The derived ids of one input; see the [module docs](self).
#[derive(Debug, Default)]
pub(crate) struct DerivedIds {
    counters: IdCounters,
    /// Customer ids of digits only are zero-padded to this many digits in the ids (0: none).
    pad_numbers_to: usize,
    /// [`IdCounters::All`]: every pair. [`IdCounters::Ordered`]: the current customer's pairs,
    /// while the input is ordered by customer.
    by_customer: Counts,
    /// [`IdCounters::Ordered`]: the current day's pairs, while the input is ordered by day.
    by_day: Counts,
    /// The previous row's customer and day.
    previous: Option<(String, NaiveDate)>,
    order: Order,
}

/// Which orders the input has kept so far.
#[derive(Debug, Clone, Copy)]
struct Order {
    /// Customers together, increasing as numbers (ids of digits only).
    customers_by_number: bool,
    /// Customers together, increasing as text.
    customers_by_text: bool,
    /// Days non-decreasing.
    days: bool,
}

impl Default for Order {
    fn default() -> Self {
        Order { customers_by_number: true, customers_by_text: true, days: true }
    }
}

impl Order {
    fn by_customer(self) -> bool {
        self.customers_by_number || self.customers_by_text
    }
}

impl DerivedIds {
    /// Ids keeping `counters`.
    pub fn new(counters: IdCounters) -> Self {
        DerivedIds { counters, ..DerivedIds::default() }
    }

    /// The same, writing customer ids of digits only zero-padded to `digits` digits.
    pub fn padding_numbers_to(self, digits: usize) -> Self {
        DerivedIds { pad_numbers_to: digits, ..self }
    }

    /// The id of the next row of `customer` on `day`.
    pub fn next(&mut self, customer: &str, day: NaiveDate) -> Result<String, Unordered> {
        let key = pair_hash(customer, day);
        let count = match self.counters {
            IdCounters::All => bump(&mut self.by_customer, key, 0),
            IdCounters::Ordered => self.next_ordered(customer, day, key)?,
        };
        Ok(id_text(customer, self.pad_numbers_to, day, count))
    }

    /// How many pairs' counts are kept (for tests of the memory bound).
    #[cfg(test)]
    pub fn kept(&self) -> usize {
        self.by_customer.len() + self.by_day.len()
    }

    /// The count of `key` after this row, keeping only what the input's orders still need.
    fn next_ordered(&mut self, customer: &str, day: NaiveDate, key: u64) -> Result<u32, Unordered> {
        self.follow(customer, day);
        let order = self.order;
        if !order.by_customer() && !order.days {
            return Err(Unordered);
        }
        // Either map holds every earlier row of this pair, as long as its order holds.
        let earlier = if order.by_customer() { &self.by_customer } else { &self.by_day };
        let earlier = earlier.get(&key).copied().unwrap_or(0);
        if order.by_customer() {
            bump(&mut self.by_customer, key, earlier);
        }
        if order.days {
            bump(&mut self.by_day, key, earlier);
        }
        Ok(earlier + 1)
    }

    /// Checks this row against the previous one: which orders still hold, and which counts
    /// are no longer needed (the previous customer's, the previous day's).
    fn follow(&mut self, customer: &str, day: NaiveDate) {
        let Some((previous_customer, previous_day)) = &mut self.previous else {
            self.previous = Some((customer.to_string(), day));
            return;
        };
        if customer != previous_customer.as_str() {
            self.order.customers_by_number &= numerically_before(previous_customer, customer);
            self.order.customers_by_text &= previous_customer.as_str() < customer;
            self.by_customer.clear();
            previous_customer.clear();
            previous_customer.push_str(customer);
        }
        if day != *previous_day {
            self.order.days &= *previous_day < day;
            self.by_day.clear();
            *previous_day = day;
        }
        // A map whose order broke is never read again: let it go.
        if !self.order.by_customer() {
            self.by_customer = Counts::default();
        }
        if !self.order.days {
            self.by_day = Counts::default();
        }
    }
}

/// `{customer}-{yyyymmdd}-{count}`, written digit by digit for the years 0–9999 (`format!`'s
/// machinery cost more than the rest of the id), through `write!` for any other.
fn id_text(customer: &str, pad_numbers_to: usize, day: NaiveDate, count: u32) -> String {
    let mut id = String::with_capacity(customer.len().max(pad_numbers_to) + 16);
    if customer.len() < pad_numbers_to && customer.bytes().all(|b| b.is_ascii_digit()) {
        id.extend(std::iter::repeat_n('0', pad_numbers_to - customer.len()));
    }
    id.push_str(customer);
    id.push('-');
    match u32::try_from(day.year()) {
        Ok(year) if year <= 9999 => {
            push_digits(&mut id, year, 4);
            push_digits(&mut id, day.month(), 2);
            push_digits(&mut id, day.day(), 2);
        }
        _ => write!(id, "{:04}{:02}{:02}", day.year(), day.month(), day.day())
            .expect("writing to a String cannot fail"),
    }
    id.push('-');
    let digits = count.checked_ilog10().map_or(1, |log| log as usize + 1);
    push_digits(&mut id, count, digits);
    id
}

/// `value` in decimal, zero-padded to `width` digits (`value` has at most `width`).
fn push_digits(text: &mut String, value: u32, width: usize) {
    let mut digits = [b'0'; 10];
    let mut rest = value;
    for slot in digits[..width].iter_mut().rev() {
        *slot = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    text.extend(digits[..width].iter().map(|&digit| char::from(digit)));
}

/// Adds one row to `key`'s count, which was `earlier` (0 when `counts` has none); returns it.
fn bump(counts: &mut Counts, key: u64, earlier: u32) -> u32 {
    let count = counts.entry(key).or_insert(earlier);
    *count += 1;
    *count
}

/// The pair's hash, as the scheme has always computed it: `DefaultHasher::new()` has fixed keys,
/// so the same pair hashes the same in every run.
fn pair_hash(customer: &str, day: NaiveDate) -> u64 {
    let mut hasher = DefaultHasher::new();
    (customer, day).hash(&mut hasher);
    hasher.finish()
}

/// True when both ids are numbers (ASCII digits) and `a` is the smaller (leading zeros aside;
/// equal numbers written differently are not in order).
fn numerically_before(a: &str, b: &str) -> bool {
    match (significant_digits(a), significant_digits(b)) {
        (Some(a), Some(b)) => (a.len(), a) < (b.len(), b),
        _ => false,
    }
}

/// The digits of a number written in ASCII digits, without leading zeros; `None` for anything
/// else.
fn significant_digits(text: &str) -> Option<&str> {
    let number = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    number.then(|| text.trim_start_matches('0'))
}

/// A hasher for keys that are already hashes.
#[derive(Debug, Default)]
pub(crate) struct PassThroughHasher(u64);

impl Hasher for PassThroughHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*byte);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The scheme as it was before counts were dropped (copied from the earlier `records.rs`):
    /// the reference the ids must match, so databases imported before stay idempotent.
    #[derive(Default)]
    struct Reference {
        seen: HashMap<u64, u32, BuildHasherDefault<PassThroughHasher>>,
    }

    impl Reference {
        fn next(&mut self, customer: &str, day: NaiveDate) -> String {
            let mut hasher = DefaultHasher::new();
            (customer, day).hash(&mut hasher);
            let count = self.seen.entry(hasher.finish()).or_insert(0);
            *count += 1;
            let mut id = String::with_capacity(customer.len() + 12);
            write!(id, "{customer}-{:04}{:02}{:02}-{count}", day.year(), day.month(), day.day()).unwrap();
            id
        }
    }

    fn day(offset: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(1997, 1, 1).unwrap() + chrono::Days::new(u64::from(offset))
    }

    /// The ids of `rows` as an import gets them: bounded counts first, every count when the
    /// input turns out unordered (the caller reads it again). Also the most counts kept at once,
    /// and whether the bounded pass gave up.
    fn derive(rows: &[(String, NaiveDate)]) -> (Vec<String>, usize, bool) {
        let mut ids = DerivedIds::new(IdCounters::Ordered);
        let mut out = Vec::with_capacity(rows.len());
        let mut most = 0;
        for (customer, day) in rows {
            match ids.next(customer, *day) {
                Ok(id) => out.push(id),
                Err(Unordered) => {
                    let mut all = DerivedIds::new(IdCounters::All);
                    let again = rows.iter().map(|(c, d)| all.next(c, *d).unwrap()).collect();
                    return (again, most, true);
                }
            }
            most = most.max(ids.kept());
        }
        (out, most, false)
    }

    fn reference(rows: &[(String, NaiveDate)]) -> Vec<String> {
        let mut reference = Reference::default();
        rows.iter().map(|(customer, day)| reference.next(customer, *day)).collect()
    }

    /// Rows over a few customers (numbers, some with leading zeros, and words) and days.
    fn rows() -> impl Strategy<Value = Vec<(String, NaiveDate)>> {
        let customer = prop_oneof![(1u32..40).prop_map(|n| n.to_string()), "0?[0-9]{1,2}", "[a-c]{1,2}"];
        prop::collection::vec((customer, (0u32..20).prop_map(day)), 0..120)
    }

    /// The largest number of distinct days of one customer, and of customers on one day.
    fn largest_groups(rows: &[(String, NaiveDate)]) -> (usize, usize) {
        let mut days_of: HashMap<&str, std::collections::HashSet<NaiveDate>> = HashMap::new();
        let mut customers_on: HashMap<NaiveDate, std::collections::HashSet<&str>> = HashMap::new();
        for (customer, day) in rows {
            days_of.entry(customer).or_default().insert(*day);
            customers_on.entry(*day).or_default().insert(customer);
        }
        let days = days_of.values().map(|days| days.len()).max().unwrap_or(0);
        let customers = customers_on.values().map(|customers| customers.len()).max().unwrap_or(0);
        (days, customers)
    }

    proptest! {
        #[test]
        fn ids_in_any_order_are_the_reference_ids(rows in rows()) {
            prop_assert_eq!(derive(&rows).0, reference(&rows));
            let mut all = DerivedIds::new(IdCounters::All);
            let ids: Vec<String> = rows.iter().map(|(c, d)| all.next(c, *d).unwrap()).collect();
            prop_assert_eq!(ids, reference(&rows));
        }

        #[test]
        fn rows_ordered_by_customer_keep_one_customers_days(mut rows in rows()) {
            // Customers in increasing order (as numbers when all are numbers, else as text),
            // each one's rows together in their original order.
            let numeric = rows.iter().all(|(c, _)| c.bytes().all(|b| b.is_ascii_digit()));
            let numbers = rows.iter().all(|(c, _)| significant_digits(c).is_some_and(|d| d.len() == c.len()));
            if numeric && numbers {
                rows.sort_by_key(|(c, _)| (c.len(), c.clone()));
            } else {
                rows.sort_by(|a, b| a.0.cmp(&b.0));
            }
            let (ids, most, gave_up) = derive(&rows);
            prop_assert!(!gave_up);
            prop_assert_eq!(ids, reference(&rows));
            let (days, customers) = largest_groups(&rows);
            prop_assert!(most <= days + customers, "kept {} counts, groups {} and {}", most, days, customers);
        }

        #[test]
        fn rows_ordered_by_day_keep_one_days_customers(mut rows in rows()) {
            rows.sort_by_key(|(_, day)| *day);
            let (ids, most, gave_up) = derive(&rows);
            prop_assert!(!gave_up);
            prop_assert_eq!(ids, reference(&rows));
            let (days, customers) = largest_groups(&rows);
            prop_assert!(most <= days + customers, "kept {} counts, groups {} and {}", most, days, customers);
        }
    }

    #[test]
    fn ids_count_purchases_of_one_customer_on_one_day() {
        let mut ids = DerivedIds::new(IdCounters::Ordered);
        assert_eq!(ids.next("4", day(0)), Ok("4-19970101-1".to_string()));
        assert_eq!(ids.next("4", day(0)), Ok("4-19970101-2".to_string()));
        assert_eq!(ids.next("4", day(1)), Ok("4-19970102-1".to_string()));
        assert_eq!(ids.next("5", day(0)), Ok("5-19970101-1".to_string()));
        assert_eq!(ids.next("10", day(0)), Ok("10-19970101-1".to_string()), "10 comes after 5 as a number");
    }

    #[test]
    fn a_customer_back_after_another_stops_an_input_also_out_of_date_order() {
        let mut ids = DerivedIds::new(IdCounters::Ordered);
        for (customer, offset) in [("1", 0), ("1", 5), ("2", 1)] {
            assert!(ids.next(customer, day(offset)).is_ok());
        }
        assert_eq!(ids.next("1", day(5)), Err(Unordered), "1 on day 5 needs a count that is gone");
    }

    #[test]
    fn a_customer_back_on_a_later_day_is_fine_by_date() {
        let mut ids = DerivedIds::new(IdCounters::Ordered);
        let rows = [("2", 0), ("1", 0), ("2", 1), ("1", 1), ("2", 1)];
        let got: Vec<String> = rows.iter().map(|(c, d)| ids.next(c, day(*d)).unwrap()).collect();
        assert_eq!(got, ["2-19970101-1", "1-19970101-1", "2-19970102-1", "1-19970102-1", "2-19970102-2"]);
        assert_eq!(ids.kept(), 2, "only day 2's customers");
    }

    #[test]
    fn ids_are_written_as_format_writes_them() {
        let days =
            [(0, 1, 1), (7, 3, 9), (999, 12, 31), (1997, 1, 1), (9999, 12, 31), (10000, 1, 1), (-1, 6, 15)];
        for (year, month, date) in days {
            let day = NaiveDate::from_ymd_opt(year, month, date).unwrap();
            for count in [1, 9, 10, 99, 100, 4_294_967_295] {
                let expected = format!("c-{:04}{:02}{:02}-{count}", day.year(), day.month(), day.day());
                assert_eq!(id_text("c", 10, day, count), expected, "only numbers are padded");
            }
        }
    }

    #[test]
    fn padded_numbers_sort_as_the_numbers_do_and_keep_their_counts() {
        let day = NaiveDate::from_ymd_opt(1997, 1, 1).unwrap();
        let mut padded = DerivedIds::new(IdCounters::Ordered).padding_numbers_to(PADDED_DIGITS);
        let mut plain = DerivedIds::new(IdCounters::Ordered);
        let customers = ["1", "2", "9", "10", "10", "99", "100", "12345678901"];
        let ids: Vec<String> = customers.iter().map(|c| padded.next(c, day).unwrap()).collect();
        assert_eq!(ids[..2], ["0000000001-19970101-1", "0000000002-19970101-1"]);
        assert_eq!(ids[4], "0000000010-19970101-2", "the second row of a customer and day");
        assert_eq!(ids[7], "12345678901-19970101-1", "numbers longer than the padding as written");
        assert!(ids[..7].windows(2).all(|w| w[0] < w[1]), "in the customers' order: {ids:?}");
        let counts = |ids: &[String]| {
            ids.iter().map(|id| id.rsplit('-').next().unwrap().to_string()).collect::<Vec<_>>()
        };
        let unpadded: Vec<String> = customers.iter().map(|c| plain.next(c, day).unwrap()).collect();
        assert_eq!(counts(&ids), counts(&unpadded));
        assert_eq!(unpadded[3], "10-19970101-1");
    }

    #[test]
    fn numbers_compare_as_numbers_and_equal_numbers_are_not_in_order() {
        assert!(numerically_before("9", "10"));
        assert!(!numerically_before("10", "9"));
        assert!(!numerically_before("007", "7"));
        assert!(!numerically_before("7", "a"));
    }
}
