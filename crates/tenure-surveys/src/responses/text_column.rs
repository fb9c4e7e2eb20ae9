//! [`TextColumn`]: optional strings of many responses in one buffer, so a million texts cost two
//! allocations instead of a million.

/// Optional strings, one per response, stored back to back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextColumn {
    bytes: String,
    /// End offset in `bytes` of entry `i`; entry `i` starts where entry `i − 1` ends.
    ends: Vec<usize>,
    present: Vec<bool>,
}

impl TextColumn {
    /// Appends an entry.
    pub fn push(&mut self, text: Option<&str>) {
        if let Some(t) = text {
            self.bytes.push_str(t);
        }
        self.ends.push(self.bytes.len());
        self.present.push(text.is_some());
    }

    /// Replaces the last entry (which must be the last written to the buffer) with `text`.
    pub(crate) fn set_last(&mut self, text: &str) {
        let start = self.start(self.ends.len().saturating_sub(1));
        self.bytes.truncate(start);
        self.bytes.push_str(text);
        if let (Some(end), Some(present)) = (self.ends.last_mut(), self.present.last_mut()) {
            *end = self.bytes.len();
            *present = true;
        }
    }

    fn start(&self, i: usize) -> usize {
        if i == 0 { 0 } else { self.ends[i - 1] }
    }

    /// Entry `i`, `None` when absent or out of range.
    pub fn get(&self, i: usize) -> Option<&str> {
        if !*self.present.get(i)? {
            return None;
        }
        self.bytes.get(self.start(i)..self.ends[i])
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Number of entries present.
    pub fn count_present(&self) -> usize {
        self.present.iter().filter(|p| **p).count()
    }

    /// Every entry in order.
    pub fn iter(&self) -> impl Iterator<Item = Option<&str>> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// The entries at `rows`, in that order.
    pub(crate) fn select(&self, rows: &[usize]) -> TextColumn {
        let mut out = TextColumn::default();
        for &i in rows {
            out.push(self.get(i));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_absent_empty_and_replaced_entries_apart() {
        let mut t = TextColumn::default();
        t.push(Some("a"));
        t.push(None);
        t.set_last("bc");
        t.push(Some(""));
        t.push(None);
        assert_eq!(t.iter().collect::<Vec<_>>(), [Some("a"), Some("bc"), Some(""), None]);
        assert_eq!(t.count_present(), 3);
        assert_eq!(t.select(&[3, 1]).iter().collect::<Vec<_>>(), [None, Some("bc")]);
    }
}
