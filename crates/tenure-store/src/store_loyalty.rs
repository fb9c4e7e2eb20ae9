//! The storage interface of the loyalty programme: programme versions, members' accounts and
//! their ledgers, the orders the earning job has seen, coupons. Part of every [`crate::Store`].

use tenure_domain::{CustomerId, Timestamp};

use crate::store::{Backend, Engine};
use crate::{
    Coupon, FirstPaidOrder, LedgerRow, LoyaltyAccount, LoyaltyTotals, Member, MemberQuery, OrderToEarn,
    PlanWrite, Referral, ReferralStatus, StoreError, StoredProgramme, loyalty, referrals,
};

/// What the loyalty programme asks of storage.
pub trait LoyaltyStore {
    /// Saves a version of the programme's rules; `Conflict` when that version exists.
    fn save_programme(&mut self, programme: &StoredProgramme) -> Result<(), StoreError>;
    /// Saved versions, newest first.
    fn programmes(&mut self, limit: usize) -> Result<Vec<StoredProgramme>, StoreError>;
    /// Writes to these accounts (opened with a code from `new_code` where the customer has
    /// none), each planned by `plan` from the account and its ledger while the account is held,
    /// all in one transaction: everything is written or nothing is. Returns whether each account
    /// was written. Give the customers in ascending order (two transactions then never wait for
    /// each other in a circle).
    fn write_loyalty(
        &mut self,
        customers: &[CustomerId],
        new_code: &mut dyn FnMut() -> String,
        plan: &mut PlanWrite<'_>,
        now: Timestamp,
    ) -> Result<Vec<bool>, StoreError>;
    /// A member's account.
    fn loyalty_account(&mut self, customer: CustomerId) -> Result<Option<LoyaltyAccount>, StoreError>;
    /// The account with this referral code (canonical form).
    fn loyalty_account_by_code(&mut self, code: &str) -> Result<Option<LoyaltyAccount>, StoreError>;
    /// A member's ledger, in the order it was written.
    fn ledger(&mut self, customer: CustomerId) -> Result<Vec<LedgerRow>, StoreError>;
    /// Orders placed from `earn_from` that are new to the earning job or changed since it saw
    /// them, by customer then id, after `after`.
    fn orders_to_earn(
        &mut self,
        earn_from: Timestamp,
        after: (CustomerId, i64),
        limit: usize,
    ) -> Result<Vec<OrderToEarn>, StoreError>;
    /// Accounts the nightly job has work for at `now`, by id after `after`.
    fn due_loyalty_accounts(
        &mut self,
        now: Timestamp,
        after: CustomerId,
        limit: usize,
    ) -> Result<Vec<CustomerId>, StoreError>;
    /// Members by a query.
    fn members(&mut self, query: &MemberQuery) -> Result<Vec<Member>, StoreError>;
    /// The programme's totals: members, outstanding points, tiers, coupons.
    fn loyalty_totals(&mut self) -> Result<LoyaltyTotals, StoreError>;
    /// Coupons, newest first: one customer's, or all issued since a time.
    fn coupons(
        &mut self,
        customer: Option<CustomerId>,
        since: Option<Timestamp>,
        limit: usize,
    ) -> Result<Vec<Coupon>, StoreError>;
    /// Records that the shop took a coupon (single use: `Conflict` the second time).
    fn use_coupon(&mut self, code: &str, now: Timestamp) -> Result<CustomerId, StoreError>;
    /// Sets or clears a member's birthday (`MM-DD`).
    fn set_birthday(
        &mut self,
        customer: CustomerId,
        birthday: Option<&str>,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// Records that `referred` used `referrer`'s code at `at` (a customer is referred once).
    fn add_referral(
        &mut self,
        referrer: CustomerId,
        referred: CustomerId,
        at: Timestamp,
    ) -> Result<Referral, StoreError>;
    /// One referral.
    fn referral(&mut self, id: i64) -> Result<Referral, StoreError>;
    /// The referral of a referred customer, if someone referred them.
    fn referral_of(&mut self, referred: CustomerId) -> Result<Option<Referral>, StoreError>;
    /// Referrals, newest first, of one status or all.
    fn referrals(
        &mut self,
        status: Option<ReferralStatus>,
        limit: usize,
    ) -> Result<Vec<Referral>, StoreError>;
    /// Every `(referrer, referred)` pair.
    fn referral_links(&mut self) -> Result<Vec<(CustomerId, CustomerId)>, StoreError>;
    /// When a referrer's referral rewards were paid or held.
    fn referral_reward_times(&mut self, referrer: CustomerId) -> Result<Vec<Timestamp>, StoreError>;
    /// A customer's first paid order.
    fn first_paid_order(&mut self, customer: CustomerId) -> Result<Option<FirstPaidOrder>, StoreError>;
    /// Per referrer, the referred customers who bought and were rewarded.
    fn paid_referrals_by_referrer(&mut self) -> Result<Vec<(CustomerId, u32)>, StoreError>;
    /// Survey responses submitted by known customers after `(submitted_at, id)`, in that order:
    /// `(response, customer, submitted_at)`.
    fn submitted_responses(
        &mut self,
        after: (Timestamp, i64),
        limit: usize,
    ) -> Result<Vec<(i64, CustomerId, Timestamp)>, StoreError>;
}

impl<B: Backend> LoyaltyStore for Engine<B> {
    fn save_programme(&mut self, programme: &StoredProgramme) -> Result<(), StoreError> {
        self.write(|tx| loyalty::save_programme(tx, programme))
    }

    fn programmes(&mut self, limit: usize) -> Result<Vec<StoredProgramme>, StoreError> {
        loyalty::programmes(&mut self.checked_read()?, limit)
    }

    fn write_loyalty(
        &mut self,
        customers: &[CustomerId],
        new_code: &mut dyn FnMut() -> String,
        plan: &mut PlanWrite<'_>,
        now: Timestamp,
    ) -> Result<Vec<bool>, StoreError> {
        self.write(|tx| loyalty::write_accounts(tx, customers, new_code, plan, now))
    }

    fn loyalty_account(&mut self, customer: CustomerId) -> Result<Option<LoyaltyAccount>, StoreError> {
        loyalty::account(&mut self.checked_read()?, customer)
    }

    fn loyalty_account_by_code(&mut self, code: &str) -> Result<Option<LoyaltyAccount>, StoreError> {
        loyalty::account_by_code(&mut self.checked_read()?, code)
    }

    fn ledger(&mut self, customer: CustomerId) -> Result<Vec<LedgerRow>, StoreError> {
        loyalty::entries(&mut self.checked_read()?, customer)
    }

    fn orders_to_earn(
        &mut self,
        earn_from: Timestamp,
        after: (CustomerId, i64),
        limit: usize,
    ) -> Result<Vec<OrderToEarn>, StoreError> {
        loyalty::orders_to_earn(&mut self.checked_read()?, earn_from, after, limit)
    }

    fn due_loyalty_accounts(
        &mut self,
        now: Timestamp,
        after: CustomerId,
        limit: usize,
    ) -> Result<Vec<CustomerId>, StoreError> {
        loyalty::due_accounts(&mut self.checked_read()?, now, after, limit)
    }

    fn members(&mut self, query: &MemberQuery) -> Result<Vec<Member>, StoreError> {
        loyalty::members(&mut self.checked_read()?, query)
    }

    fn loyalty_totals(&mut self) -> Result<LoyaltyTotals, StoreError> {
        loyalty::totals(&mut self.checked_read()?)
    }

    fn coupons(
        &mut self,
        customer: Option<CustomerId>,
        since: Option<Timestamp>,
        limit: usize,
    ) -> Result<Vec<Coupon>, StoreError> {
        loyalty::coupons(&mut self.checked_read()?, customer, since, limit)
    }

    fn use_coupon(&mut self, code: &str, now: Timestamp) -> Result<CustomerId, StoreError> {
        self.write(|tx| loyalty::use_coupon(tx, code, now))
    }

    fn set_birthday(
        &mut self,
        customer: CustomerId,
        birthday: Option<&str>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.write(|tx| loyalty::set_birthday(tx, customer, birthday, now))
    }

    fn add_referral(
        &mut self,
        referrer: CustomerId,
        referred: CustomerId,
        at: Timestamp,
    ) -> Result<Referral, StoreError> {
        self.write(|tx| referrals::add(tx, referrer, referred, at))
    }

    fn referral(&mut self, id: i64) -> Result<Referral, StoreError> {
        referrals::find(&mut self.checked_read()?, id)
    }

    fn referral_of(&mut self, referred: CustomerId) -> Result<Option<Referral>, StoreError> {
        referrals::of_referred(&mut self.checked_read()?, referred)
    }

    fn referrals(
        &mut self,
        status: Option<ReferralStatus>,
        limit: usize,
    ) -> Result<Vec<Referral>, StoreError> {
        referrals::list(&mut self.checked_read()?, status, limit)
    }

    fn referral_links(&mut self) -> Result<Vec<(CustomerId, CustomerId)>, StoreError> {
        referrals::links(&mut self.checked_read()?)
    }

    fn referral_reward_times(&mut self, referrer: CustomerId) -> Result<Vec<Timestamp>, StoreError> {
        referrals::reward_times(&mut self.checked_read()?, referrer)
    }

    fn first_paid_order(&mut self, customer: CustomerId) -> Result<Option<FirstPaidOrder>, StoreError> {
        referrals::first_paid_order(&mut self.checked_read()?, customer)
    }

    fn paid_referrals_by_referrer(&mut self) -> Result<Vec<(CustomerId, u32)>, StoreError> {
        referrals::paid_by_referrer(&mut self.checked_read()?)
    }

    fn submitted_responses(
        &mut self,
        after: (Timestamp, i64),
        limit: usize,
    ) -> Result<Vec<(i64, CustomerId, Timestamp)>, StoreError> {
        referrals::submitted_responses(&mut self.checked_read()?, after, limit)
    }
}
