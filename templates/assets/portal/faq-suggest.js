// "Could this FAQ solve it?" (seed 001): while the subject is typed, the FAQ items of the
// site's static search index that match it, the members' index included for logged-in
// users. Links open in a new tab so that the form keeps what was typed.

import { search } from "../search-index.js";
import { page } from "./i18n.js";
import { debounce, el } from "./dom.js";

const MAX = 5;

/** Wires the suggestions box under `input`; `members` adds the customer-only index. */
export function setupFaqSuggest(input, box, { members = false } = {}) {
  const publicIndex = `${page.prefix}/search/`;
  const membersIndex = `/members${page.prefix}/search/`;
  const bases = members ? [publicIndex, membersIndex] : [publicIndex];
  const list = box.querySelector("[data-faq-list]");
  let asked = "";

  const update = debounce(async () => {
    const q = input.value.trim();
    if (q === asked) return;
    asked = q;
    if ([...q].length < 2) {
      box.hidden = true;
      return;
    }
    try {
      const { results } = await search(bases, q, { limit: 30, optional: [membersIndex] });
      if (q !== asked) return;
      // FAQ items only (the index also holds notices and manuals), and only those that
      // match most of what was typed, not one stray bigram.
      const faq = results.filter((r) => r.url.startsWith(`${page.prefix}/faq/`) || r.url.startsWith(`/members${page.prefix}/faq/`));
      const best = faq.length ? faq[0].matched : 0;
      const good = faq.filter((r) => r.matched >= Math.max(1, Math.ceil(best * 0.6))).slice(0, MAX);
      list.replaceChildren(
        ...good.map((r) =>
          el(
            "li",
            null,
            el("span", { class: "pill" }, r.kind),
            " ",
            el("a", { href: r.url, target: "_blank", rel: "noopener" }, r.title),
          ),
        ),
      );
      box.hidden = good.length === 0;
    } catch {
      box.hidden = true;
    }
  }, 400);
  input.addEventListener("input", update);
}
