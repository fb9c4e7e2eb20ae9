//! What the loyalty pages and the loyalty API share: the [`Mailing`] a redemption or an
//! adjustment needs (who signs the coupon's e-mail, and the signed link back to the member's
//! page), made on the connection the use case runs on.

use tenure_app::AppError;
use tenure_app::loyalty::Mailing;
use tenure_app::outbox::links::link_key;
use tenure_store::Store;

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
