// The ticket list (seeds 000/001): my / company / (staff) all tickets, All / Open /
// Closed with their counts, keyword search, order, "more" with the cursor, the page
// size and auto refresh from the user's settings. Staff looking at every ticket search
// with the filter panel (`GET /tickets/search`: words in replies and notes too, state,
// importance, classification, product, company, owner, received dates). The view is
// kept in the URL.

import { api } from "./api.js";
import { label, page, t, timeElement } from "./i18n.js";
import { el, showPanel, showUnavailable } from "./dom.js";
import { isStaff, me } from "./session.js";
import { priorityMark, stateBadge, ticketUrl } from "./badges.js";
import { showDocuments } from "./documents.js";
import { setupListExport } from "./export.js";

/** The search panel's filters, as `GET /tickets/search` names them. */
const FILTERS = ["state", "priority", "type", "product", "company", "owner", "channel", "department", "received_from", "received_to"];
const view = { of: "mine", filter: "open", q: "", order: "newest", ...Object.fromEntries(FILTERS.map((k) => [k, ""])) };
let user = null;
let next = null;
let shown = 0;
let loadedPages = 0;
let timer = 0;
let lastLoad = 0;
let generation = 0;

const CHOICES = { of: ["mine", "company", "all"], filter: ["all", "open", "closed"], order: ["relevance", "newest", "oldest"] };

/** The view from the URL; unknown values keep the defaults. */
function readUrl() {
  const p = new URLSearchParams(location.search);
  for (const k of Object.keys(view)) {
    const v = p.get(k);
    if (v && (!CHOICES[k] || CHOICES[k].includes(v))) view[k] = v;
  }
}

function writeUrl() {
  const p = new URLSearchParams();
  const defaults = { of: defaultOf(), filter: "open", q: "", order: defaultOrder() };
  for (const [k, v] of Object.entries(view)) if (v && v !== defaults[k]) p.set(k, v);
  const qs = p.toString();
  history.replaceState(null, "", location.pathname + (qs ? "?" + qs : ""));
}

function defaultOf() {
  return user && isStaff(user) ? "all" : "mine";
}

/** Staff searches rank by relevance (newest first without words); customers' lists by update. */
function defaultOrder() {
  return user && isStaff(user) ? "relevance" : "newest";
}

/** Whether the list is the staff search (every ticket, or theirs, with the filter panel). */
function searching() {
  return isStaff(user);
}

/** Whether a filter of the panel is set. */
function filtered() {
  return FILTERS.some((k) => view[k]);
}

/** Which tabs this user has: customers their own and (with a company) the company's; staff theirs and all. */
function tabs() {
  const staff = isStaff(user);
  const allowed = new Set(["mine", staff ? "all" : user.company ? "company" : null]);
  for (const b of document.querySelectorAll("[data-of]")) b.hidden = !allowed.has(b.dataset.of);
  if (!allowed.has(view.of)) view.of = defaultOf();
  if (staff) document.querySelector('[data-of="mine"]').textContent = t("list.of.assigned");
}

function syncControls() {
  for (const b of document.querySelectorAll("[data-of]")) b.setAttribute("aria-pressed", String(b.dataset.of === view.of));
  for (const b of document.querySelectorAll("[data-filter]")) b.setAttribute("aria-pressed", String(!view.state && b.dataset.filter === view.filter));
  const chip = document.querySelector("[data-state-chip]");
  chip.hidden = !view.state;
  if (view.state)
    chip.querySelector("[data-state-name]").textContent = view.state
      .split(",")
      .map((s) => label("state", s))
      .join(t("fields.separator"));
  document.getElementById("list-q").value = view.q;
  document.getElementById("list-q").placeholder = searching() ? t("list.search_placeholder_staff") : document.getElementById("list-q").dataset.placeholder;
  for (const o of document.querySelectorAll("[data-staff-only]")) o.hidden = !searching();
  if (!searching() && view.order === "relevance") view.order = "newest";
  document.getElementById("list-order").value = view.order;
  const panel = document.querySelector("[data-search-panel]");
  panel.hidden = !searching();
  const chosen = new Set(view.state.split(",").filter(Boolean));
  for (const c of panel.querySelectorAll('[name="state"]')) c.checked = chosen.has(c.value);
  for (const k of FILTERS.filter((k) => k !== "state")) panel.querySelector(`[name="${k}"]`).value = view[k];
  const showRequester = isStaff(user) || view.of !== "mine";
  for (const c of document.querySelectorAll('[data-col="requester"]')) c.hidden = !showRequester;
  for (const c of document.querySelectorAll('[data-col="due"]')) c.hidden = !isStaff(user);
}

/** Where a ticket's first SLA due time stands now: "" (none or in time), "near" or "overdue". */
export function slaStanding(due, now = Date.now()) {
  if (!due) return "";
  if (now >= Date.parse(due.due_at)) return "overdue";
  if (now >= Date.parse(due.near_at)) return "near";
  return "";
}

/** The states the All / Open / Closed choice stands for in a search. */
const FILTER_STATES = { all: "", open: "new,open,waiting_customer,pending_close", closed: "closed" };

function query(cursor, limit) {
  if (searching()) return "/tickets/search?" + searchParams({ limit: String(limit), ...(cursor ? { cursor } : {}) });
  const p = new URLSearchParams({ of: view.of, filter: view.filter, order: view.order, limit: String(limit) });
  if (view.q) p.set("q", view.q);
  if (view.state) p.set("state", view.state);
  if (cursor) p.set("cursor", cursor);
  return "/tickets?" + p;
}

/** The staff search as query parameters (the list's and the export's): the panel's states, else the All / Open / Closed choice's. */
export function searchParams(extra = {}) {
  const p = new URLSearchParams({ order: view.order, ...extra });
  if (view.q) p.set("q", view.q);
  for (const k of FILTERS) if (view[k]) p.set(k, view[k]);
  // Staff's own tab: the tickets they own.
  if (view.of === "mine" && !view.owner) p.set("owner", "me");
  if (!view.state && FILTER_STATES[view.filter]) p.set("state", FILTER_STATES[view.filter]);
  return p;
}

function row(tk, showRequester) {
  const url = ticketUrl(page.prefix, tk.number);
  const cell = (cls, labelKey, ...children) => el("td", { class: cls, "data-label": t(labelKey) }, ...children);
  const staff = isStaff(user);
  // Lists are cached by the server: near and overdue are decided here, by the clock.
  const standing = staff ? slaStanding(tk.sla_due) : "";
  return el(
    "tr",
    { class: `ticket-row row-${tk.state}${standing ? ` row-sla-${standing}` : ""}` },
    cell("col-number", "ticket.number", el("a", { href: url, tabindex: "-1" }, tk.number)),
    cell(
      "col-subject",
      "ticket.subject",
      el("a", { class: "subject", href: url }, tk.subject),
      tk.preview ? el("span", { class: "preview" }, tk.preview) : null,
    ),
    showRequester
      ? cell("col-requester", "ticket.requester", tk.requester_name || "", tk.company_name ? el("span", { class: "company" }, tk.company_name) : null)
      : null,
    cell("col-state", "ticket.state", stateBadge(tk.state)),
    cell("col-priority", "ticket.priority", priorityMark(tk.priority)),
    staff
      ? cell(
          "col-due",
          "ticket.sla_due",
          tk.sla_due ? timeElement(tk.sla_due.due_at) : "",
          tk.sla_due ? el("span", { class: "sla-what" }, label("sla.target", tk.sla_due.target)) : null,
          standing ? el("span", { class: `pill sla-pill sla-${standing}` }, label("sla.state", standing)) : null,
        )
      : null,
    cell("col-updated", "ticket.updated", timeElement(tk.updated_at)),
    cell("col-age", "ticket.age", timeElement(tk.created_at, "relative")),
  );
}

function render(data, append) {
  const rows = document.querySelector("[data-rows]");
  const showRequester = isStaff(user) || view.of !== "mine";
  if (!append) {
    rows.replaceChildren();
    shown = 0;
  }
  rows.append(...data.items.map((tk) => row(tk, showRequester)));
  shown += data.items.length;
  for (const [k, n] of Object.entries(data.counts || {})) {
    const c = document.querySelector(`[data-count="${k}"]`);
    if (c) c.textContent = `(${n})`;
  }
  next = data.next;
  document.querySelector("[data-more]").hidden = !next;
  const total = view.state ? undefined : data.counts?.[view.filter];
  const status = document.querySelector("[data-list-status]");
  status.replaceChildren(
    total === undefined ? "" : t("list.showing", { shown, total }),
    total === undefined ? "" : " · ",
    t("list.updated_at"),
    " ",
    timeElement(new Date().toISOString()),
  );
  if (shown) {
    showPanel("list");
  } else {
    const empty = document.querySelector("[data-empty-text]");
    const narrowed = data.counts?.all !== 0 && (view.q || view.filter !== "all" || filtered());
    empty.textContent = narrowed ? empty.dataset.filtered : empty.dataset.none;
    document.querySelector("[data-clear-filters]").hidden = !narrowed;
    showPanel("empty");
  }
}

async function load({ append = false, quiet = false } = {}) {
  const mine = ++generation;
  const size = user.settings?.page_size || 25;
  if (!quiet && !append) {
    showPanel("loading");
    document.querySelector("[data-list-controls]").setAttribute("aria-busy", "true");
  }
  const more = document.querySelector("[data-more]");
  more.disabled = append;
  try {
    const data = await api(query(append ? next : null, size));
    if (mine !== generation) return;
    render(data, append);
    loadedPages = append ? loadedPages + 1 : 1;
    lastLoad = Date.now();
  } catch (err) {
    if (mine !== generation || err.redirected || quiet) return;
    // A wrong filter (a date the browser let through) is said under the panel.
    if (err.status === 400 && searching()) {
      document.querySelector("[data-search-error]").textContent = err.errors.length ? err.errors.map((e) => e.message).join(" ") : err.message;
      showPanel("empty");
      return;
    }
    // A failed "more" keeps what is shown and says why under it.
    if (append) document.querySelector("[data-list-status]").textContent = err.message;
    else showUnavailable(err, () => load());
  } finally {
    more.disabled = false;
    document.querySelector("[data-list-controls]").removeAttribute("aria-busy");
  }
}

/** The panel's choices that come from the portal's settings and people: classifications and products (the form), companies, staff owners. */
async function fillChoices() {
  const [form, companies, staff] = await Promise.all([
    api("/form").catch(() => ({})),
    api("/companies").catch(() => []),
    api("/staff").catch(() => []),
  ]);
  const add = (id, list) => document.getElementById(id).append(...list.map(([value, text]) => el("option", { value }, text)));
  add("sp-type", (form.ticket_types || []).map((o) => [o.key, o.label]));
  add("sp-product", (form.products || []).map((o) => [o.key, o.label]));
  add("sp-company", companies.map((c) => [c.id, c.name]));
  add("sp-owner", staff.filter((s) => s.id !== user.id).map((s) => [s.id, s.name]));
  add("sp-department", (form.departments || []).map((d) => [d.key, d.label]));
}

/** The staff user's saved searches beside the queues: each a link, with a remove button. */
async function showSavedSearches() {
  const box = document.querySelector("[data-saved-searches]");
  let saved = [];
  try {
    saved = await api("/me/searches");
  } catch {
    return;
  }
  box.replaceChildren(
    ...saved.map((s) =>
      el(
        "span",
        { class: "saved-search" },
        el("a", { class: "queue queue-saved", href: `?${s.query}` }, s.name),
        el("button", { type: "button", class: "button-link", "data-forget": s.id, "aria-label": t("queues.forget", { name: s.name }) }, "×"),
      ),
    ),
  );
}

function setupSavedSearches() {
  showSavedSearches();
  document.querySelector("[data-saved-searches]").addEventListener("click", async (ev) => {
    const id = ev.target.closest("[data-forget]")?.dataset.forget;
    if (!id) return;
    try {
      await api(`/me/searches/${encodeURIComponent(id)}`, { method: "DELETE" });
    } catch (err) {
      if (!err.redirected) alert(err.message);
    }
    showSavedSearches();
  });
  document.querySelector("[data-save-search]").addEventListener("click", async () => {
    const name = prompt(t("queues.save_prompt"));
    if (!name || !name.trim()) return;
    const query = new URLSearchParams({ of: "all", ...Object.fromEntries(searchParams()) });
    query.delete("limit");
    try {
      await api("/me/searches", { method: "POST", body: { name: name.trim(), query: query.toString() } });
      showSavedSearches();
    } catch (err) {
      if (!err.redirected) alert(err.errors?.map((e) => e.message).join("\n") || err.message);
    }
  });
}

/** Refreshes the first page every `refresh_secs`, unless the user has paged further or is away. */
function autoRefresh() {
  const secs = user.settings?.refresh_secs || 0;
  clearInterval(timer);
  if (secs <= 0) return;
  timer = setInterval(() => {
    if (document.hidden || loadedPages > 1 || Date.now() - lastLoad < secs * 1000 - 500) return;
    load({ quiet: true });
  }, 5000);
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && loadedPages <= 1 && Date.now() - lastLoad >= secs * 1000) load({ quiet: true });
  });
}

function change(k, v) {
  if (view[k] === v) return;
  view[k] = v;
  writeUrl();
  syncControls();
  load();
}

export async function start() {
  readUrl();
  try {
    user = await me();
  } catch (err) {
    if (!err.redirected) showUnavailable(err, () => location.reload());
    return;
  }
  if (!new URLSearchParams(location.search).has("of")) view.of = defaultOf();
  if (!new URLSearchParams(location.search).has("order")) view.order = defaultOrder();
  document.getElementById("list-q").dataset.placeholder = document.getElementById("list-q").placeholder;
  tabs();
  if (isStaff(user)) {
    await fillChoices();
    setupSavedSearches();
  }
  syncControls();
  document.querySelector("[data-list-controls]").hidden = false;
  showDocuments().catch(() => {});
  if (isStaff(user)) setupListExport(() => ({ ...view, search: searching() ? searchParams() : null }));
  for (const b of document.querySelectorAll("[data-of]")) b.addEventListener("click", () => change("of", b.dataset.of));
  for (const b of document.querySelectorAll("[data-filter]"))
    b.addEventListener("click", () => {
      view.state = "";
      view.filter = "";
      change("filter", b.dataset.filter);
    });
  document.querySelector("[data-state-clear]").addEventListener("click", () => change("state", ""));
  document.getElementById("list-order").addEventListener("change", (ev) => change("order", ev.target.value));
  document.querySelector("[data-list-search]").addEventListener("submit", (ev) => {
    ev.preventDefault();
    change("q", document.getElementById("list-q").value.trim());
  });
  document.getElementById("list-q").addEventListener("search", (ev) => {
    if (!ev.target.value) change("q", "");
  });
  document.querySelector("[data-more]").addEventListener("click", () => load({ append: true }));
  const clear = () => {
    Object.assign(view, { filter: "all", q: "" }, Object.fromEntries(FILTERS.map((k) => [k, ""])));
    writeUrl();
    syncControls();
    load();
  };
  document.querySelector("[data-clear-filters]").addEventListener("click", clear);
  document.querySelector("[data-search-reset]").addEventListener("click", clear);
  document.querySelector("[data-search-panel]").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const form = ev.target;
    view.state = [...form.querySelectorAll('[name="state"]:checked')].map((c) => c.value).join(",");
    for (const k of FILTERS.filter((k) => k !== "state")) view[k] = form.querySelector(`[name="${k}"]`).value;
    view.q = document.getElementById("list-q").value.trim();
    document.querySelector("[data-search-error]").textContent = "";
    writeUrl();
    syncControls();
    load();
  });
  await load();
  autoRefresh();
}
