//! Rendered ticket-list pages, kept while nothing in their scope changes.
//!
//! A list is the page customers keep open (it refreshes itself) and staff come back to
//! all day, so the same page is asked for far more often than it changes. Every scope
//! (a requester, a company, everything) has a generation in the store that grows with
//! each change to one of its tickets, read with the counts the page shows anyway; a page
//! rendered at that generation is served again as long as the generation is the same,
//! and never for longer than the display names it carries are kept ([`super::names`]).
//! A page is kept both as it is and gzip-compressed (once, when it is rendered): lists
//! of Japanese text shrink about sixfold, and browsers always accept gzip.
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
    pub state: Option<crate::domain::ticket::State>,
    pub cursor: Option<String>,
}

/// A page as JSON, and gzip-compressed when that is worth it.
#[derive(Clone)]
pub struct Rendered {
    pub json: Bytes,
    pub gzip: Option<Bytes>,
    at: Instant,
}

impl Rendered {
    pub fn new(json: Bytes) -> Rendered {
        Rendered::compressed(json, true)
    }

    /// With `compress` false the page is kept as JSON only (nobody would use the gzip).
    pub fn compressed(json: Bytes, compress: bool) -> Rendered {
        let gzip = (compress && json.len() >= 1024)
            .then(|| gzip(&json))
            .flatten();
        Rendered {
            json,
            gzip,
            at: Instant::now(),
        }
    }
}

fn gzip(bytes: &[u8]) -> Option<Bytes> {
    use std::io::Write;
    let mut z = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 4),
        flate2::Compression::fast(),
    );
    z.write_all(bytes).ok()?;
    z.finish().ok().map(Bytes::from)
}

#[derive(Clone)]
struct BySize;

impl Weighter<ListKey, Rendered> for BySize {
    fn weight(&self, key: &ListKey, page: &Rendered) -> u64 {
        (page.json.len()
            + page.gzip.as_ref().map_or(0, Bytes::len)
            + key.keywords.len()
            + key.cursor.as_ref().map_or(0, String::len)
            + 64) as u64
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
    pub fn get(&self, key: &ListKey) -> Option<Rendered> {
        let page = self.pages.as_ref()?.get(key)?;
        (page.at.elapsed() < MAX_AGE).then_some(page)
    }

    /// Whether pages are kept at all.
    pub fn enabled(&self) -> bool {
        self.pages.is_some()
    }

    pub fn put(&self, key: ListKey, page: Rendered) {
        if let Some(pages) = &self.pages {
            pages.insert(key, page);
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
            state: None,
            cursor: None,
        }
    }

    fn page(s: &'static str) -> Rendered {
        Rendered::new(Bytes::from_static(s.as_bytes()))
    }

    #[test]
    fn a_page_is_kept_for_its_scope_and_generation_only() {
        let cache = ListCache::default();
        let acme = Scope::Company("acme".into());
        cache.put(key(acme.clone(), 3), page("acme@3"));
        assert_eq!(
            cache.get(&key(acme.clone(), 3)).map(|p| p.json),
            Some(Bytes::from_static(b"acme@3"))
        );
        assert!(
            cache.get(&key(acme, 4)).is_none(),
            "a newer generation is a miss"
        );
        assert!(
            cache
                .get(&key(Scope::Company("globex".into()), 3))
                .is_none()
        );
        assert!(
            cache
                .get(&key(Scope::Requester("acme".into()), 3))
                .is_none()
        );
    }

    #[test]
    fn a_cache_of_size_zero_keeps_nothing() {
        let cache = ListCache::new(0);
        cache.put(key(Scope::All, 1), page("x"));
        assert!(cache.get(&key(Scope::All, 1)).is_none());
    }

    #[test]
    fn the_total_size_is_bounded() {
        let cache = ListCache::new(100_000);
        for g in 0..1_000 {
            let json: Vec<u8> = (0..10_000u32).map(|i| (i * 7919 % 251) as u8).collect();
            cache.put(key(Scope::All, g), Rendered::new(Bytes::from(json)));
        }
        let kept = (0..1_000)
            .filter(|g| cache.get(&key(Scope::All, *g)).is_some())
            .count();
        assert!(kept <= 10, "{kept} pages of 10 kB kept in 100 kB");
    }

    #[test]
    fn a_large_page_is_also_kept_gzipped_and_unzips_to_the_same_bytes() {
        use std::io::Read;
        let json = Bytes::from("{\"subject\":\"メール配送の遅延について\"}".repeat(100));
        let rendered = Rendered::new(json.clone());
        let gz = rendered.gzip.expect("compressed");
        assert!(gz.len() * 4 < json.len(), "{} of {}", gz.len(), json.len());
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, json);
        assert!(page("{}").gzip.is_none(), "small pages are not");
    }
}
