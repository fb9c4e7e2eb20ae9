//! The identities one import session created, remembered in a fixed-size Bloom filter. When the
//! session's source had no identity before it and no other writer can add one meanwhile (SQLite;
//! see [`Conn::sole_writer`]), an external id the filter never saw cannot be stored, and a batch
//! looks up only the ids that may be: a first import of a shop otherwise looks every new
//! customer up once and finds nothing (a twentieth of its work). On PostgreSQL a webhook may
//! store a source's first customers while its history is being imported, so every id is looked
//! up there. A false positive only costs a lookup; the memory is fixed, and allocated zeroed, so
//! a small import touches few of its pages.

use std::hash::BuildHasher;

use crate::StoreError;
use crate::sql::{Conn, Value};

/// The filter's size: 2²⁶ bits (8 MiB). With ten million customers and [`PROBES`] probes about
/// 4 % of their first sightings are still looked up; with two million, 0.04 %.
const BITS_LOG2: u32 = 26;

/// Bits set and tested per id.
const PROBES: u64 = 3;

/// What a session knows of its source's identities.
#[derive(Debug, Default)]
pub(crate) enum CreatedIdentities {
    /// Not asked yet (the session has written nothing).
    #[default]
    Unknown,
    /// The source had identities before the session, or another writer may add some: any id
    /// may be stored.
    AnyMayBeStored,
    /// The source had none: only ids created by this session are stored; these are their bits.
    Fresh(Vec<u64>),
}

impl CreatedIdentities {
    /// Asks, once per session and before its first write, whether the source has identities.
    pub(crate) fn check_source(&mut self, conn: &mut dyn Conn, source_id: i64) -> Result<(), StoreError> {
        if matches!(self, CreatedIdentities::Unknown) && !conn.sole_writer() {
            *self = CreatedIdentities::AnyMayBeStored;
        }
        if matches!(self, CreatedIdentities::Unknown) {
            let any = conn
                .query_one(
                    "SELECT COUNT(*) FROM (SELECT 1 FROM identities WHERE source_id = $1 LIMIT 1) AS t",
                    &[Value::Int(source_id)],
                )?
                .int(0)?;
            *self = if any > 0 {
                CreatedIdentities::AnyMayBeStored
            } else {
                CreatedIdentities::Fresh(vec![0; 1 << (BITS_LOG2 - 6)])
            };
        }
        Ok(())
    }

    /// Whether `external_id` may be stored: false only for an id of a fresh source that this
    /// session has not created.
    pub(crate) fn may_be_stored(&self, external_id: &str) -> bool {
        match self {
            CreatedIdentities::Fresh(bits) => {
                positions(external_id).all(|bit| bits[(bit >> 6) as usize] & (1 << (bit & 63)) != 0)
            }
            _ => true,
        }
    }

    /// Remembers that the session created an identity with `external_id`.
    pub(crate) fn record(&mut self, external_id: &str) {
        if let CreatedIdentities::Fresh(bits) = self {
            for bit in positions(external_id) {
                bits[(bit >> 6) as usize] |= 1 << (bit & 63);
            }
        }
    }
}

/// The bits of `external_id`: [`PROBES`] positions from one 64-bit hash (double hashing: the
/// hash as the start, its high half as the step).
fn positions(external_id: &str) -> impl Iterator<Item = u64> {
    let hash = foldhash::fast::FixedState::default().hash_one(external_id);
    let (start, step) = (hash, (hash >> 32) | 1);
    let mask = (1u64 << BITS_LOG2) - 1;
    (0..PROBES).map(move |probe| start.wrapping_add(probe.wrapping_mul(step)) & mask)
}

#[cfg(test)]
mod tests {
    use super::CreatedIdentities;

    fn fresh() -> CreatedIdentities {
        CreatedIdentities::Fresh(vec![0; 1 << (super::BITS_LOG2 - 6)])
    }

    #[test]
    fn every_recorded_id_may_be_stored_and_few_others_seem_so() {
        let mut created = fresh();
        let ids: Vec<String> = (0..200_000).map(|n| n.to_string()).collect();
        assert!(ids.iter().all(|id| !created.may_be_stored(id)), "nothing is recorded yet");
        for id in &ids {
            created.record(id);
        }
        assert!(ids.iter().all(|id| created.may_be_stored(id)), "no recorded id is ever missed");
        let false_positives = (200_000..1_200_000).filter(|n| created.may_be_stored(&n.to_string())).count();
        // Expected (1 - e^(-3·200,000/2²⁶))³ ≈ 7·10⁻⁷ of a million: about one.
        assert!(false_positives < 50, "{false_positives} of a million unrecorded ids seemed stored");
    }

    #[test]
    fn a_source_with_identities_or_other_writers_may_have_any_id() {
        let mut created = CreatedIdentities::AnyMayBeStored;
        created.record("a");
        assert!(created.may_be_stored("b"));
        assert!(CreatedIdentities::Unknown.may_be_stored("b"));
    }
}
