// madoguchi static search, as a module: the search page (search.js) and the portal's
// FAQ suggestions use it. The same tokenizer as the Rust crate madoguchi-text (NFKC,
// lower case, whole words outside CJK, bigrams inside), the same FNV-1a hash to find a
// term's shard, and the shard format written by site-gen (search.rs). Nothing is
// fetched until someone searches; then only meta.json, the shards of the query's terms
// and the document chunks of the results.

const MAX_WORD = 32;

function isCjk(cp) {
  return (cp >= 0x3005 && cp <= 0x3007) || (cp >= 0x3040 && cp <= 0x30ff) || (cp >= 0x31f0 && cp <= 0x31ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xac00 && cp <= 0xd7af) ||
    (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x20000 && cp <= 0x3ffff);
}
const wordRe = /[\p{L}\p{N}]/u;
function cls(ch, cp) {
  if (cp < 128) return /[A-Za-z0-9]/.test(ch) ? "w" : "s";
  if (isCjk(cp)) return "c";
  return wordRe.test(ch) ? "w" : "s";
}

/** Distinct terms of a text, in order. */
export function terms(text) {
  const out = [], seen = new Set();
  const emit = (t) => { if (!seen.has(t)) { seen.add(t); out.push(t); } };
  let word = "", wordLen = 0, prev = null, run = 0;
  const flushWord = () => { if (word) { emit(word); word = ""; wordLen = 0; } };
  const flushCjk = () => { if (run === 1 && prev) emit(prev); prev = null; run = 0; };
  for (const ch of Array.from(text.normalize("NFKC") + " ")) {
    const cp = ch.codePointAt(0), c = cls(ch, cp);
    if (c === "w") {
      flushCjk();
      if (wordLen < MAX_WORD) { word += ch.toLowerCase(); wordLen++; }
    } else if (c === "c") {
      flushWord();
      if (prev) emit(prev + ch);
      prev = ch; run++;
    } else { flushWord(); flushCjk(); }
  }
  return out;
}

export function fnv1a32(str) {
  const bytes = new TextEncoder().encode(str);
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) { h ^= bytes[i]; h = Math.imul(h, 0x01000193) >>> 0; }
  return h >>> 0;
}

/** A shard: term → [[doc, inTitle], ...]. */
export function readShard(buf) {
  const b = new Uint8Array(buf), map = new Map(), dec = new TextDecoder();
  let at = 0;
  const varint = () => { let v = 0, shift = 0, x; do { x = b[at++]; v += (x & 0x7f) * Math.pow(2, shift); shift += 7; } while (x >= 0x80 && at < b.length); return v; };
  while (at < b.length) {
    const len = b[at++], term = dec.decode(b.subarray(at, at + len)); at += len;
    const n = varint(), list = new Array(n);
    let doc = 0;
    for (let i = 0; i < n; i++) { const v = varint(); doc += Math.floor(v / 2); list[i] = [doc, v % 2]; }
    map.set(term, list);
  }
  return map;
}

const cache = new Map();
function cached(url, read) {
  if (!cache.has(url)) {
    cache.set(url, fetch(url).then((r) => { if (!r.ok) throw new Error(url); return read(r); }));
    cache.get(url).catch(() => cache.delete(url));
  }
  return cache.get(url);
}
const getJson = (url) => cached(url, (r) => r.json());
const getShard = (url) => cached(url, (r) => r.arrayBuffer().then(readShard));

// Hits of one index: [{matched, title, doc, base, meta}] for docs with at least one term.
async function searchIndex(base, qterms) {
  const meta = await getJson(base + "meta.json");
  const lists = await Promise.all(qterms.map((t) =>
    getShard(base + "s" + (fnv1a32(t) % meta.shards) + ".bin").then((s) => s.get(t) || [])));
  const hits = new Map();
  for (const list of lists) {
    for (const [doc, inTitle] of list) {
      const h = hits.get(doc) || { matched: 0, title: 0 };
      h.matched++; h.title += inTitle;
      hits.set(doc, h);
    }
  }
  return [...hits].map(([doc, h]) => ({ matched: h.matched, title: h.title, doc, base, meta }));
}

function loadDocs(results) {
  return Promise.all(results.map((r) => {
    const chunk = Math.floor(r.doc / r.meta.chunk);
    return getJson(r.base + "d" + chunk + ".json").then((rows) => ({ ...r, row: rows[r.doc - chunk * r.meta.chunk] }));
  }));
}

/**
 * Searches the indexes under `bases` (e.g. "/search/", "/members/search/"). Resolves to
 * `{total, results: [{url, title, kind, date, snippet, matched, terms}]}`, best first: pages
 * with every term, then title matches, then the index's own order (newest first). An
 * index that cannot be loaded fails the search unless `optional` names it.
 */
export async function search(bases, query, { limit = 50, optional = [] } = {}) {
  const qterms = terms(query);
  if (!qterms.length) return { total: 0, results: [], terms: 0 };
  const all = await Promise.all(bases.map((b) =>
    searchIndex(b, qterms).catch((e) => { if (optional.includes(b)) return []; throw e; })));
  const hits = all.flat();
  hits.sort((a, b) => (b.matched - a.matched) || (b.title - a.title) ||
    (a.base < b.base ? -1 : a.base > b.base ? 1 : a.doc - b.doc));
  const top = await loadDocs(hits.slice(0, limit));
  return {
    total: hits.length,
    terms: qterms.length,
    results: top.map((r) => ({
      url: r.row[0], title: r.row[1], kind: r.row[2], date: r.row[3], snippet: r.row[4],
      matched: r.matched,
    })),
  };
}
