// The staff dashboard (seed 003's トップ画面): the count of every state, each a link to
// the list of that state; the tickets to handle first (overdue and urgent in red, near
// in amber); the user's own and the latest updated. Refreshed like the list.

import { api } from "./api.js";
import { label, page, t, timeElement } from "./i18n.js";
import { el, showPanel, showUnavailable } from "./dom.js";
import { isStaff, me } from "./session.js";
import { priorityMark, stateBadge, ticketUrl } from "./badges.js";

let lastLoad = 0;

/** The row's colour: the list's SLA classes (overdue and urgent red, near amber). */
const ROW_CLASS = { overdue: "row-sla-overdue", urgent: "row-sla-overdue", near: "row-sla-near" };
const PILL_CLASS = { overdue: "sla-overdue", urgent: "sla-overdue", near: "sla-near", soon: "sla-ok" };

function listUrl(params) {
  return `${page.prefix}/portal/?` + new URLSearchParams({ of: "all", ...params });
}

function stateCounts(counts, mineMore) {
  const ul = document.querySelector("[data-state-counts]");
  ul.replaceChildren(
    ...counts.states.map((c) =>
      el(
        "li",
        { class: `count-card state-${c.state}` },
        el(
          "a",
          { href: listUrl({ state: c.state }), "data-state-count": c.state },
          el("span", { class: "count-label" }, label("state", c.state)),
          el("span", { class: "count-value" }, String(c.count)),
        ),
      ),
    ),
  );
  document.querySelector("[data-count-open]").textContent = String(counts.open);
  document.querySelector("[data-count-unassigned]").textContent = String(counts.unassigned);
  // The list shows at most a page of one's own tickets: "15+" when there are more.
  document.querySelector("[data-count-mine]").textContent = `${counts.mine}${mineMore ? "+" : ""}`;
}

function row(tk) {
  const url = ticketUrl(page.prefix, tk.number);
  const cell = (cls, labelKey, ...children) => el("td", { class: cls, "data-label": t(labelKey) }, ...children);
  const reason = tk.reason;
  return el(
    "tr",
    { class: `ticket-row row-${tk.state}${reason && ROW_CLASS[reason] ? ` ${ROW_CLASS[reason]}` : ""}`, "data-reason": reason || null },
    cell("col-number", "ticket.number", el("a", { href: url, tabindex: "-1" }, tk.number)),
    cell("col-subject", "ticket.subject", el("a", { class: "subject", href: url }, tk.subject)),
    cell("col-requester", "ticket.requester", tk.requester_name || "", tk.company_name ? el("span", { class: "company" }, tk.company_name) : null),
    cell("col-state", "ticket.state", stateBadge(tk.state)),
    cell("col-priority", "ticket.priority", priorityMark(tk.priority)),
    cell(
      "col-due",
      "ticket.sla_due",
      tk.sla_due ? timeElement(tk.sla_due.due_at) : "",
      reason ? el("span", { class: `pill sla-pill ${PILL_CLASS[reason] || ""}` }, label("dashboard.reason", reason)) : null,
    ),
    cell("col-updated", "ticket.updated", timeElement(tk.updated_at)),
  );
}

function table(box, items) {
  if (!items.length) {
    box.replaceChildren(el("p", { class: "muted" }, box.dataset.empty));
    return;
  }
  const th = (cls, key) => el("th", { scope: "col", class: cls }, t(key));
  box.replaceChildren(
    el(
      "div",
      { class: "ticket-list" },
      el(
        "table",
        { class: "tickets" },
        el(
          "thead",
          {},
          el(
            "tr",
            {},
            th("col-number", "ticket.number"),
            th("col-subject", "ticket.subject"),
            th("col-requester", "ticket.requester"),
            th("col-state", "ticket.state"),
            th("col-priority", "ticket.priority"),
            th("col-due", "ticket.sla_due"),
            th("col-updated", "ticket.updated"),
          ),
        ),
        el("tbody", {}, ...items.map(row)),
      ),
    ),
  );
}

function render(d) {
  stateCounts(d.counts, d.mine_more);
  table(document.querySelector('[data-list="handle_first"]'), d.handle_first);
  table(document.querySelector('[data-list="mine"]'), d.mine);
  if (d.mine_more) {
    document.querySelector('[data-list="mine"]').append(el("p", { class: "muted small" }, t("dashboard.mine_more")));
  }
  table(document.querySelector('[data-list="recent"]'), d.recent);
  document.querySelector("[data-dashboard-status]").replaceChildren(t("list.updated_at"), " ", timeElement(new Date().toISOString()));
  showPanel("dashboard");
}

async function load({ quiet = false } = {}) {
  if (!quiet) showPanel("loading");
  try {
    render(await api("/dashboard"));
    lastLoad = Date.now();
  } catch (err) {
    if (err.redirected || quiet) return;
    showUnavailable(err, () => load());
  }
}

export async function start() {
  let user;
  try {
    user = await me();
  } catch (err) {
    if (!err.redirected) showUnavailable(err, () => location.reload());
    return;
  }
  // The desk is staff work: customers land on their list.
  if (!isStaff(user)) {
    location.replace(`${page.prefix}/portal/`);
    return;
  }
  await load();
  const secs = user.settings?.refresh_secs || 0;
  if (secs > 0) {
    setInterval(() => {
      if (!document.hidden && Date.now() - lastLoad >= secs * 1000 - 500) load({ quiet: true });
    }, 5000);
  }
}
