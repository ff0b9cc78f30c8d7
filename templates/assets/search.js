// The search page (/search/, /members/search/): the form, the URL's ?q=, and the
// results list. The index itself is read by search-index.js.

import { search, terms } from "./search-index.js";

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text) e.textContent = text;
  return e;
}

async function run(form) {
  const input = form.querySelector("input[name=q]");
  const status = document.getElementById("search-status");
  const list = document.getElementById("search-results");
  const bases = form.getAttribute("data-indexes").split(" ").filter(Boolean);
  const q = input.value.trim();
  list.textContent = "";
  if (!q) { status.textContent = ""; return; }
  if (!terms(q).length) { status.textContent = status.dataset.none; return; }
  status.textContent = status.dataset.loading;
  try {
    const { total, results } = await search(bases, q, { limit: 50 });
    status.textContent = total ? total + " " + status.dataset.results : status.dataset.none;
    for (const r of results) {
      const li = el("li"), a = el("a", null, r.title);
      a.href = r.url;
      li.appendChild(el("span", "pill", r.kind));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(a);
      if (r.snippet) li.appendChild(el("p", null, r.snippet));
      list.appendChild(li);
    }
  } catch {
    status.textContent = status.dataset.error;
  }
}

const form = document.getElementById("search-form");
if (form) {
  const params = new URLSearchParams(location.search);
  if (params.get("q")) { form.querySelector("input[name=q]").value = params.get("q"); run(form); }
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const q = form.querySelector("input[name=q]").value.trim();
    history.replaceState(null, "", q ? "?q=" + encodeURIComponent(q) : location.pathname);
    run(form);
  });
}
window.madoguchiSearchTerms = terms;
