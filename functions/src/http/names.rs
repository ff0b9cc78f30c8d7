//! Display names of users and companies for lists and ticket pages, kept for a minute
//! so a page of 25 tickets does not look up the same few people 25 times.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

const TTL: Duration = Duration::from_secs(60);
const MAX_ENTRIES: usize = 10_000;

#[derive(Default)]
pub struct NameCache {
    entries: RwLock<HashMap<String, (String, Instant)>>,
}

impl NameCache {
    /// The cached name under `key` if it is fresh.
    pub fn get(&self, key: &str) -> Option<String> {
        let map = self.entries.read().unwrap_or_else(|e| e.into_inner());
        map.get(key)
            .filter(|(_, at)| at.elapsed() < TTL)
            .map(|(name, _)| name.clone())
    }

    pub fn put(&self, key: String, name: String) {
        let mut map = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_ENTRIES {
            map.retain(|_, (_, at)| at.elapsed() < TTL);
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
        }
        map.insert(key, (name, Instant::now()));
    }
}
