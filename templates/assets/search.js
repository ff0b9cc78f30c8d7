// madoguchi static search. The same tokenizer as the Rust crate madoguchi-text (NFKC,
// lower case, whole words outside CJK, bigrams inside), the same FNV-1a hash to find a
// term's shard, and the shard format written by site-gen (search.rs). Nothing is
// fetched until someone searches; then only meta.json, the shards of the query's terms
// and the document chunks of the results.
(function () {
  "use strict";
  var MAX_WORD = 32;

  function isCjk(cp) {
    return (cp >= 0x3005 && cp <= 0x3007) || (cp >= 0x3040 && cp <= 0x30ff) || (cp >= 0x31f0 && cp <= 0x31ff) ||
      (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xac00 && cp <= 0xd7af) ||
      (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x20000 && cp <= 0x3ffff);
  }
  var wordRe = /[\p{L}\p{N}]/u;
  function cls(ch, cp) {
    if (cp < 128) return /[A-Za-z0-9]/.test(ch) ? "w" : "s";
    if (isCjk(cp)) return "c";
    return wordRe.test(ch) ? "w" : "s";
  }

  // Distinct terms of a text, in order.
  function terms(text) {
    var out = [], seen = {};
    function emit(t) { if (!seen[t]) { seen[t] = 1; out.push(t); } }
    var word = "", wordLen = 0, prev = null, run = 0;
    function flushWord() { if (word) { emit(word); word = ""; wordLen = 0; } }
    function flushCjk() { if (run === 1 && prev) emit(prev); prev = null; run = 0; }
    var chars = Array.from(text.normalize("NFKC") + " ");
    chars.forEach(function (ch) {
      var cp = ch.codePointAt(0), c = cls(ch, cp);
      if (c === "w") {
        flushCjk();
        if (wordLen < MAX_WORD) { word += ch.toLowerCase(); wordLen++; }
      } else if (c === "c") {
        flushWord();
        if (prev) emit(prev + ch);
        prev = ch; run++;
      } else { flushWord(); flushCjk(); }
    });
    return out;
  }

  function fnv1a32(str) {
    var bytes = new TextEncoder().encode(str), h = 0x811c9dc5;
    for (var i = 0; i < bytes.length; i++) { h ^= bytes[i]; h = Math.imul(h, 0x01000193) >>> 0; }
    return h >>> 0;
  }

  function readShard(buf) {
    var b = new Uint8Array(buf), at = 0, map = new Map(), dec = new TextDecoder();
    function varint() { var v = 0, shift = 0, x; do { x = b[at++]; v += (x & 0x7f) * Math.pow(2, shift); shift += 7; } while (x >= 0x80 && at < b.length); return v; }
    while (at < b.length) {
      var len = b[at++], term = dec.decode(b.subarray(at, at + len)); at += len;
      var n = varint(), doc = 0, list = new Array(n);
      for (var i = 0; i < n; i++) { var v = varint(); doc += Math.floor(v / 2); list[i] = [doc, v % 2]; }
      map.set(term, list);
    }
    return map;
  }

  var cache = {};
  function getJson(url) { return cache[url] || (cache[url] = fetch(url).then(function (r) { if (!r.ok) throw new Error(url); return r.json(); })); }
  function getShard(url) { return cache[url] || (cache[url] = fetch(url).then(function (r) { if (!r.ok) throw new Error(url); return r.arrayBuffer(); }).then(readShard)); }

  // Results of one index: [{score, doc, base}] for docs with at least one term.
  function searchIndex(base, qterms) {
    return getJson(base + "meta.json").then(function (meta) {
      return Promise.all(qterms.map(function (t) {
        return getShard(base + "s" + (fnv1a32(t) % meta.shards) + ".bin").then(function (s) { return s.get(t) || []; });
      })).then(function (lists) {
        var hits = new Map();
        lists.forEach(function (list) {
          list.forEach(function (p) {
            var h = hits.get(p[0]) || { matched: 0, title: 0 };
            h.matched++; h.title += p[1];
            hits.set(p[0], h);
          });
        });
        var out = [];
        hits.forEach(function (h, doc) { out.push({ matched: h.matched, title: h.title, doc: doc, base: base, meta: meta }); });
        return out;
      });
    });
  }

  function loadDocs(results) {
    return Promise.all(results.map(function (r) {
      var chunk = Math.floor(r.doc / r.meta.chunk);
      return getJson(r.base + "d" + chunk + ".json").then(function (rows) { r.row = rows[r.doc - chunk * r.meta.chunk]; return r; });
    }));
  }

  function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text) e.textContent = text; return e; }

  function run(form) {
    var input = form.querySelector("input[name=q]"), status = document.getElementById("search-status"), list = document.getElementById("search-results");
    var bases = form.getAttribute("data-indexes").split(" ").filter(Boolean);
    var q = input.value.trim();
    list.textContent = "";
    if (!q) { status.textContent = ""; return; }
    var qterms = terms(q);
    if (!qterms.length) { status.textContent = status.dataset.none; return; }
    status.textContent = status.dataset.loading;
    Promise.all(bases.map(function (b) { return searchIndex(b, qterms); })).then(function (all) {
      var results = [].concat.apply([], all);
      // Pages with every term first, then title matches, then the index's own order (newest first).
      results.sort(function (a, b) { return (b.matched - a.matched) || (b.title - a.title) || (a.base < b.base ? -1 : a.base > b.base ? 1 : a.doc - b.doc); });
      var total = results.length;
      return loadDocs(results.slice(0, 50)).then(function (top) {
        status.textContent = total ? total + " " + status.dataset.results : status.dataset.none;
        top.forEach(function (r) {
          var li = el("li"), a = el("a", null, r.row[1]);
          a.href = r.row[0];
          li.appendChild(el("span", "pill", r.row[2]));
          li.appendChild(document.createTextNode(" "));
          li.appendChild(a);
          if (r.row[4]) li.appendChild(el("p", null, r.row[4]));
          list.appendChild(li);
        });
      });
    }).catch(function () { status.textContent = status.dataset.error; });
  }

  var form = document.getElementById("search-form");
  if (!form) return;
  var params = new URLSearchParams(location.search);
  if (params.get("q")) { form.querySelector("input[name=q]").value = params.get("q"); run(form); }
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var q = form.querySelector("input[name=q]").value.trim();
    history.replaceState(null, "", q ? "?q=" + encodeURIComponent(q) : location.pathname);
    run(form);
  });
  window.madoguchiSearchTerms = terms;
})();
