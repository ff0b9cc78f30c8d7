//! Each list scope's ticket counts and generation, kept in memory between writes.
//!
//! Every list request reads its scope's counts row (the page shows All / Open / Closed,
//! and the generation keys the rendered-list cache). On SQLite that read is a WAL read
//! transaction with its shared-memory locks: under load it was an eighth of the
//! server's time for a list answered from the rendered-list cache. So the store keeps
//! the rows it has read, and forgets them all whenever it writes (the triggers may have
//! changed any scope's row). Writes by *another* process on the same database (the
//! admin CLI, a second server) cannot be seen here, so a kept row is also re-read once
//! it is older than `max_age` (a second by default): such a change shows within it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::ports::store::Counts;

/// How long a kept row may answer before it is read again (for other processes' writes).
pub const MAX_AGE: Duration = Duration::from_secs(1);

/// Rows beyond this many are not kept (one per user, company and `all`); past it the
/// cache starts over rather than grow without bound.
const MAX_ROWS: usize = 100_000;

pub struct CountsCache {
    max_age: Duration,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Raised by every write, so a read that started before a write cannot keep what it
    /// read after the write forgot everything.
    epoch: u64,
    rows: HashMap<String, (Counts, Instant)>,
}

/// A miss: read the row, then `keep` it with this ticket.
#[must_use]
pub struct Miss {
    epoch: u64,
}

impl CountsCache {
    pub fn new(max_age: Duration) -> CountsCache {
        CountsCache {
            max_age,
            state: Mutex::new(State::default()),
        }
    }

    /// The kept row of `scope`, or a ticket to keep the one about to be read.
    pub fn get(&self, scope: &str) -> Result<Counts, Miss> {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        match state.rows.get(scope) {
            Some((counts, at)) if at.elapsed() < self.max_age => Ok(*counts),
            _ => Err(Miss { epoch: state.epoch }),
        }
    }

    /// Keeps a row read after `miss`, unless a write happened since.
    pub fn keep(&self, miss: Miss, scope: String, counts: Counts) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.epoch != miss.epoch {
            return;
        }
        if state.rows.len() >= MAX_ROWS {
            state.rows.clear();
        }
        state.rows.insert(scope, (counts, Instant::now()));
    }

    /// Forgets every row: called after each write of this process.
    pub fn forget_all(&self) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.epoch += 1;
        state.rows.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(open: u64) -> Counts {
        Counts {
            open,
            closed: 0,
            generation: open,
        }
    }

    #[test]
    fn a_kept_row_answers_until_a_write() {
        let cache = CountsCache::new(Duration::from_secs(60));
        let miss = cache.get("c:acme").unwrap_err();
        cache.keep(miss, "c:acme".into(), counts(3));
        assert_eq!(cache.get("c:acme").ok(), Some(counts(3)));
        assert!(cache.get("c:other").is_err(), "only the scope kept");
        cache.forget_all();
        assert!(cache.get("c:acme").is_err());
    }

    #[test]
    fn a_row_read_before_a_write_is_not_kept_after_it() {
        let cache = CountsCache::new(Duration::from_secs(60));
        let miss = cache.get("all").unwrap_err();
        cache.forget_all(); // a write commits while the row is being read
        cache.keep(miss, "all".into(), counts(1));
        assert!(cache.get("all").is_err(), "the stale row must not be kept");
    }

    #[test]
    fn a_kept_row_is_read_again_when_older_than_its_age() {
        let cache = CountsCache::new(Duration::ZERO);
        let miss = cache.get("all").unwrap_err();
        cache.keep(miss, "all".into(), counts(1));
        assert!(cache.get("all").is_err());
    }
}
