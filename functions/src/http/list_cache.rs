//! Rendered ticket-list pages, kept while nothing in their scope changes.
//!
//! A list is the page customers keep open (it refreshes itself) and staff come back to
//! all day, so the same page is asked for far more often than it changes. Every scope
//! (a requester, a company, everything) has a generation in the store that grows with
//! each change to one of its tickets, read with the counts the page shows anyway; a page
//! rendered at that generation is served again as long as the generation is the same,
//! and never for longer than the display names it carries are kept ([`super::names`]).
//! The key holds the whole scope, which `app::tickets::list_scope` derived from the
//! caller, so a page is only ever served to someone allowed that scope.

use std::time::{Duration, Instant};

use bytes::Bytes;
use quick_cache::Weighter;
use quick_cache::sync::Cache;

use crate::ports::store::{ListFilter, Scope};

/// As long as the names in a page may be kept.
const MAX_AGE: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ListKey {
    pub scope: Scope,
    pub generation: u64,
    pub filter: ListFilter,
    pub oldest_first: bool,
    pub limit: u32,
    pub keywords: String,
    pub cursor: Option<String>,
}

#[derive(Clone)]
struct Rendered {
    body: Bytes,
    at: Instant,
}

#[derive(Clone)]
struct BySize;

impl Weighter<ListKey, Rendered> for BySize {
    fn weight(&self, key: &ListKey, page: &Rendered) -> u64 {
        (page.body.len() + key.keywords.len() + key.cursor.as_ref().map_or(0, String::len) + 64)
            as u64
    }
}

/// Pages up to a total size; `ListCache::new(0)` keeps nothing.
pub struct ListCache {
    pages: Option<Cache<ListKey, Rendered, BySize>>,
}

impl Default for ListCache {
    /// 32 MB: some 3,000 pages of 25 tickets.
    fn default() -> ListCache {
        ListCache::new(32 << 20)
    }
}

impl ListCache {
    pub fn new(max_bytes: u64) -> ListCache {
        let pages = (max_bytes > 0).then(|| {
            let estimated_pages = (max_bytes / 10_000).max(16) as usize;
            Cache::with_weighter(estimated_pages, max_bytes, BySize)
        });
        ListCache { pages }
    }

    /// The page rendered for `key`, if it is kept and young enough.
    pub fn get(&self, key: &ListKey) -> Option<Bytes> {
        let page = self.pages.as_ref()?.get(key)?;
        (page.at.elapsed() < MAX_AGE).then_some(page.body)
    }

    pub fn put(&self, key: ListKey, body: Bytes) {
        if let Some(pages) = &self.pages {
            pages.insert(
                key,
                Rendered {
                    body,
                    at: Instant::now(),
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(scope: Scope, generation: u64) -> ListKey {
        ListKey {
            scope,
            generation,
            filter: ListFilter::All,
            oldest_first: false,
            limit: 25,
            keywords: String::new(),
            cursor: None,
        }
    }

    #[test]
    fn a_page_is_kept_for_its_scope_and_generation_only() {
        let cache = ListCache::default();
        let acme = Scope::Company("acme".into());
        cache.put(key(acme.clone(), 3), Bytes::from_static(b"acme@3"));
        assert_eq!(
            cache.get(&key(acme.clone(), 3)).as_deref(),
            Some(&b"acme@3"[..])
        );
        assert_eq!(
            cache.get(&key(acme, 4)),
            None,
            "a newer generation is a miss"
        );
        assert_eq!(cache.get(&key(Scope::Company("globex".into()), 3)), None);
        assert_eq!(cache.get(&key(Scope::Requester("acme".into()), 3)), None);
    }

    #[test]
    fn a_cache_of_size_zero_keeps_nothing() {
        let cache = ListCache::new(0);
        cache.put(key(Scope::All, 1), Bytes::from_static(b"x"));
        assert_eq!(cache.get(&key(Scope::All, 1)), None);
    }

    #[test]
    fn the_total_size_is_bounded() {
        let cache = ListCache::new(100_000);
        for g in 0..1_000 {
            cache.put(key(Scope::All, g), Bytes::from(vec![b'x'; 10_000]));
        }
        let kept = (0..1_000)
            .filter(|g| cache.get(&key(Scope::All, *g)).is_some())
            .count();
        assert!(kept <= 10, "{kept} pages of 10 kB kept in 100 kB");
    }
}
