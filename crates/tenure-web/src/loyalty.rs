//! What the loyalty pages and the loyalty API share: the [`Mailing`] a redemption, an
//! adjustment or a referral's payment needs (who signs the e-mail, and the signed link back to
//! the member's page), made on the connection the use case runs on; and a reviewer's decision on
//! a held referral, told apart from one that is no longer held.

use tenure_app::AppError;
use tenure_app::loyalty::Mailing;
use tenure_app::loyalty::referrals;
use tenure_app::outbox::links::link_key;
use tenure_domain::Timestamp;
use tenure_store::{Referral, ReferralStatus, Store};

/// The shop's name and the server's public address, taken from the state before the work leaves
/// the async threads.
#[derive(Debug, Clone)]
pub(crate) struct MailingParts {
    shop: String,
    public_url: String,
}

impl MailingParts {
    pub(crate) fn of(state: &crate::AppState) -> MailingParts {
        MailingParts { shop: state.shop_name().to_string(), public_url: state.public_url().to_string() }
    }

    /// The mailing, with this database's link key.
    pub(crate) fn mailing(self, store: &mut dyn Store) -> Result<Mailing, AppError> {
        let key = link_key(store)?;
        Ok(Mailing { shop: self.shop, links: Some((self.public_url, key)) })
    }
}

/// What a review came to.
#[derive(Debug)]
pub(crate) enum Reviewed {
    /// Decided now: the referral as it stands after it.
    Decided(Referral),
    /// The referral was not held (decided before, or by another reviewer meanwhile): as it stands.
    NotHeld(Referral),
}

/// Approves (pays both sides) or refuses the held referral `id` as reviewer `by`. A referral
/// that is no longer held is [`Reviewed::NotHeld`], also when another reviewer decided it between
/// our read and the use case's own check; an unknown id is the store's `NotFound`.
pub(crate) fn review_held(
    store: &mut dyn Store,
    parts: MailingParts,
    id: i64,
    approve: bool,
    by: &str,
    now: Timestamp,
) -> Result<Reviewed, AppError> {
    let referral = store.referral(id)?;
    if referral.status != ReferralStatus::Held {
        return Ok(Reviewed::NotHeld(referral));
    }
    let mailing = parts.mailing(store)?;
    match referrals::review(store, &mailing, id, approve, by, now) {
        Ok(referral) => Ok(Reviewed::Decided(referral)),
        // The use case refuses a decision on a referral that left `held` after our read (its
        // own check, or the store's on writing): say so as for one we found decided.
        Err(error) => match store.referral(id)? {
            referral if referral.status != ReferralStatus::Held => Ok(Reviewed::NotHeld(referral)),
            _ => Err(error),
        },
    }
}
