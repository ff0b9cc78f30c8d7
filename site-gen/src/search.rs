//! The static search index: terms from `madoguchi_text` (words and CJK bigrams), split
//! into shards by a hash of the term so the browser fetches only the shards of the
//! words it looks for, and document details in chunks fetched only for the results.
//!
//! Files, below the index folder:
//! - `meta.json`: `{"v":1,"docs":N,"chunk":C,"shards":S}`
//! - `d<k>.json`: documents `k*C ..`: `[[url, title, kind, date, snippet], …]`
//! - `s<n>.bin`: the terms whose FNV-1a 32 hash is `n` mod S, each as
//!   `[term length u8][term UTF-8][count varint][count × varint(doc delta << 1 | in title)]`

use std::collections::HashMap;
use std::path::Path;

use anyhow::Result;
use rayon::prelude::*;
use serde::Serialize;

use madoguchi_text::{Term, fnv1a32, for_each_term};

use crate::output::Output;

/// Documents per detail chunk.
pub const CHUNK: usize = 500;
/// A shard's target size in bytes: about one request's worth.
const SHARD_TARGET: usize = 48 * 1024;

/// The terms of one document: distinct keys with whether they occur in the title, and
/// the text of the word terms (bigram text is recoverable from the key).
#[derive(Debug, Default, Clone)]
pub struct DocTerms {
    pub keys: Vec<(u64, bool)>,
    pub words: Vec<(u64, String)>,
}

pub fn doc_terms(title: &str, text: &str) -> DocTerms {
    // Sorting a vector and merging runs is cheaper than a hash set per page.
    let mut keys: Vec<(u64, bool)> = Vec::with_capacity(text.len() / 2);
    let mut words: Vec<(u64, String)> = Vec::new();
    let mut add = |t: Term<'_>, in_title: bool| {
        let k = t.key();
        if let Term::Word(w) = t {
            words.push((k, w.to_owned()));
        }
        keys.push((k, in_title));
    };
    for_each_term(title, |t| add(t, true));
    for_each_term(text, |t| add(t, false));
    keys.sort_unstable();
    // Within a run of one key, `true` (in the title) sorts last; keep the first entry
    // and give it the flag of any.
    keys.dedup_by(|later, earlier| {
        let same = later.0 == earlier.0;
        if same {
            earlier.1 |= later.1;
        }
        same
    });
    words.sort_unstable_by_key(|w| w.0);
    words.dedup_by_key(|w| w.0);
    // Every page's terms live until the index is written: keep them tight.
    keys.shrink_to_fit();
    words.shrink_to_fit();
    DocTerms { keys, words }
}

/// One searchable page.
#[derive(Debug, Clone, Serialize)]
pub struct SearchDoc {
    pub url: String,
    pub title: String,
    pub kind: String,
    pub date: String,
    pub snippet: String,
    #[serde(skip)]
    pub terms: DocTerms,
}

#[derive(Debug, Default, Clone, Copy)]
pub struct IndexStats {
    pub docs: usize,
    pub terms: usize,
    pub shards: usize,
    pub bytes: u64,
}

fn term_text(key: u64, words: &HashMap<u64, String>) -> Option<String> {
    if key >> 63 == 1 {
        return words.get(&key).cloned();
    }
    let a = char::from_u32((key >> 21) as u32)?;
    let b = (key & 0x1F_FFFF) as u32;
    Some(if b == 0 {
        a.to_string()
    } else {
        [a, char::from_u32(b)?].iter().collect()
    })
}

fn varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Writes the index of `docs` (in the order results should prefer on a tie) below `dir`.
pub fn write_index(out: &Output, dir: &Path, docs: Vec<SearchDoc>) -> Result<IndexStats> {
    let mut stats = IndexStats {
        docs: docs.len(),
        ..Default::default()
    };
    let mut words: HashMap<u64, String> = HashMap::new();
    let total: usize = docs.iter().map(|d| d.terms.keys.len()).sum();
    let mut postings: Vec<(u64, u32)> = Vec::with_capacity(total);
    for (i, d) in docs.iter().enumerate() {
        for &(k, title) in &d.terms.keys {
            postings.push((k, ((i as u32) << 1) | title as u32));
        }
        for (k, w) in &d.terms.words {
            words.entry(*k).or_insert_with(|| w.clone());
        }
    }
    postings.par_sort_unstable();

    // Encode each term's entry into one buffer, remembering its hash and byte range.
    let mut buf = Vec::with_capacity(postings.len() * 2);
    let mut entries: Vec<(u32, usize, usize)> = Vec::new();
    let mut at = 0;
    while at < postings.len() {
        let key = postings[at].0;
        let end = at + postings[at..].partition_point(|p| p.0 == key);
        if let Some(text) = term_text(key, &words).filter(|t| t.len() < 256) {
            let start = buf.len();
            buf.push(text.len() as u8);
            buf.extend_from_slice(text.as_bytes());
            varint((end - at) as u64, &mut buf);
            let mut prev = 0u32;
            for &(_, doc_flag) in &postings[at..end] {
                let doc = doc_flag >> 1;
                varint(
                    (((doc - prev) as u64) << 1) | (doc_flag & 1) as u64,
                    &mut buf,
                );
                prev = doc;
            }
            entries.push((fnv1a32(text.as_bytes()), start, buf.len()));
        }
        at = end;
    }
    drop(postings);
    stats.terms = entries.len();
    let shards = (buf.len() / SHARD_TARGET)
        .max(1)
        .next_power_of_two()
        .min(4096);
    stats.shards = shards;
    let mut by_shard: Vec<Vec<u8>> = vec![Vec::new(); shards];
    for (hash, start, end) in entries {
        by_shard[hash as usize % shards].extend_from_slice(&buf[start..end]);
    }
    drop(buf);

    let mut bytes = 0u64;
    for (n, shard) in by_shard.iter().enumerate() {
        out.write(&dir.join(format!("s{n}.bin")), shard)?;
        bytes += shard.len() as u64;
    }
    for (k, chunk) in docs.chunks(CHUNK).enumerate() {
        let rows: Vec<[&str; 5]> = chunk
            .iter()
            .map(|d| {
                [
                    d.url.as_str(),
                    d.title.as_str(),
                    d.kind.as_str(),
                    d.date.as_str(),
                    d.snippet.as_str(),
                ]
            })
            .collect();
        let json = serde_json::to_vec(&rows)?;
        bytes += json.len() as u64;
        out.write(&dir.join(format!("d{k}.json")), &json)?;
    }
    let meta = serde_json::to_vec(
        &serde_json::json!({"v": 1, "docs": docs.len(), "chunk": CHUNK, "shards": shards}),
    )?;
    bytes += meta.len() as u64;
    out.write(&dir.join("meta.json"), &meta)?;
    stats.bytes = bytes;
    Ok(stats)
}

/// Reads a shard back: term → postings (doc, in title). The browser does the same in
/// `search.js`; tests use this to check the format.
pub fn read_shard(bytes: &[u8]) -> HashMap<String, Vec<(u32, bool)>> {
    fn varint(bytes: &[u8], at: &mut usize) -> u64 {
        let mut v = 0u64;
        let mut shift = 0;
        while *at < bytes.len() {
            let b = bytes[*at];
            *at += 1;
            v |= ((b & 0x7f) as u64) << shift;
            if b < 0x80 {
                break;
            }
            shift += 7;
        }
        v
    }
    let mut out = HashMap::new();
    let mut at = 0;
    while at < bytes.len() {
        let len = bytes[at] as usize;
        at += 1;
        let term = String::from_utf8_lossy(&bytes[at..at + len]).into_owned();
        at += len;
        let n = varint(bytes, &mut at);
        let mut doc = 0u32;
        let mut list = Vec::new();
        for _ in 0..n {
            let v = varint(bytes, &mut at);
            doc += (v >> 1) as u32;
            list.push((doc, v & 1 == 1));
        }
        out.insert(term, list);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(url: &str, title: &str, text: &str) -> SearchDoc {
        SearchDoc {
            url: url.into(),
            title: title.into(),
            kind: "faq".into(),
            date: String::new(),
            snippet: String::new(),
            terms: doc_terms(title, text),
        }
    }

    #[test]
    fn the_index_finds_japanese_bigrams_and_words_with_title_flags() {
        let dir = tempfile::tempdir().unwrap();
        let out = Output::new(dir.path()).unwrap();
        let docs = vec![
            doc(
                "/a/",
                "メール送信の障害",
                "SMTP サーバーで障害が発生しました",
            ),
            doc("/b/", "SMTP settings", "送信サーバーの設定"),
            doc("/c/", "VPN", "接続できない"),
        ];
        let stats = write_index(&out, Path::new("search"), docs).unwrap();
        assert_eq!(stats.docs, 3);
        assert_eq!(stats.shards, 1);
        let shard = read_shard(&std::fs::read(dir.path().join("search/s0.bin")).unwrap());
        assert_eq!(shard["障害"], [(0, true)]);
        assert_eq!(shard["送信"], [(0, true), (1, false)]);
        assert_eq!(shard["smtp"], [(0, false), (1, true)]);
        let meta: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("search/meta.json")).unwrap())
                .unwrap();
        assert_eq!(meta["docs"], 3);
        let d0: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("search/d0.json")).unwrap())
                .unwrap();
        assert_eq!(d0[2][0], "/c/");
    }
}
