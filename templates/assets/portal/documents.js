// The project documents (案件の資料) the caller may read, below the ticket list:
// customer-only pages limited to the projects of their company and groups
// (GET /api/v1/documents decides; this only shows the answer). Hidden when there are none.

import { api } from "./api.js";
import { page, timeZone } from "./i18n.js";
import { el } from "./dom.js";

/** `2026/11/16` or `Nov 16, 2026`: pages carry dates, not times. */
function day(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return new Intl.DateTimeFormat(page.lang, { dateStyle: "medium", timeZone: timeZone() }).format(d);
}

export async function showDocuments() {
  const section = document.querySelector("[data-documents]");
  if (!section) return;
  const { items } = await api("/documents");
  const rows = items.map((d) =>
    el(
      "tr",
      null,
      el("td", null, el("a", { href: d.url, lang: d.lang }, d.title)),
      el("td", null, d.projects.map((p) => p.name || p.id).join(page.lang === "ja" ? "、" : ", ")),
      el("td", null, d.updated ? el("time", { datetime: d.updated }, day(d.updated)) : null),
    ),
  );
  section.querySelector("[data-document-rows]").replaceChildren(...rows);
  section.hidden = rows.length === 0;
}
