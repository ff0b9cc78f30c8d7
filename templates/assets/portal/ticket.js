// One ticket (seed 000): its header and details, the articles oldest first with the
// newest expanded, and the reply form (Markdown, attachments, next state). A ticket
// closed past its reopen window takes a follow-up ticket instead. Staff also choose
// public reply or internal note, and set state, priority and owner.

import { api, ApiError, submitKey } from "./api.js";
import { fileSize, formatTime, label, page, relative, t, timeElement } from "./i18n.js";
import { el, flashNext, showPanel, showUnavailable } from "./dom.js";
import { busy, clearErrors, markErrors, missing, showError, status } from "./forms.js";
import { isStaff, me } from "./session.js";
import { setupReport } from "./export.js";
import { setupEditor, showWrite } from "./editor.js";
import { setupUploads } from "./uploads.js";
import { priorityMark, stateBadge, ticketUrl } from "./badges.js";
import { fieldElement, fieldList, fieldText, fieldValue } from "./fields.js";

const STATES = ["new", "open", "waiting_customer", "pending_close", "closed"];
const PRIORITIES = ["low", "normal", "high", "urgent"];

const number = decodeURIComponent(location.pathname.match(/\/portal\/tickets\/([^/]+)\/?$/)?.[1] || "");
let user = null;
let def = null;
let detail = null;
let followUp = false;
const titleSuffix = document.title;

const v = (name) => document.querySelector(`[data-v="${name}"]`);

/** The label of a form-definition key (service, product ...), or the key itself. */
function defLabel(list, key) {
  return (def?.[list] || []).find((x) => x.key === key)?.label ?? key;
}

function fieldLabel(key, value) {
  const f = (def?.fields || []).find((x) => x.key === key);
  return [f?.label ?? key, fieldText(f, value)];
}

/** Only http(s) and same-site links from the API become hrefs. */
function safeHref(url) {
  try {
    const u = new URL(url, location.origin);
    return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
  } catch {
    return null;
  }
}

function fact(dl, term, ...value) {
  if (value.every((x) => x === null || x === undefined || x === "")) return;
  dl.append(el("dt", null, term), el("dd", null, ...value));
}

function renderHead(tk) {
  v("number").textContent = tk.number;
  v("subject").textContent = tk.subject;
  document.title = `${tk.subject} (${tk.number}) | ${titleSuffix.split(" | ").slice(1).join(" | ") || titleSuffix}`;
  const badges = [stateBadge(tk.state), priorityMark(tk.priority)];
  if (tk.linked_to) badges.push(el("a", { class: "pill", href: ticketUrl(page.prefix, tk.linked_to) }, t("ticket.linked_to", { number: tk.linked_to })));
  v("badges").replaceChildren(...badges);

  const dl = v("facts");
  dl.replaceChildren();
  fact(dl, t("ticket.state"), stateBadge(tk.state));
  fact(dl, t("ticket.priority"), priorityMark(tk.priority));
  fact(dl, t("ticket.requester"), tk.requester?.name, tk.company?.name ? el("span", { class: "company" }, tk.company.name) : null);
  fact(dl, t("ticket.owner"), tk.owner?.name || el("span", { class: "muted" }, t("ticket.unassigned")));
  fact(dl, t("ticket.service"), tk.service ? defLabel("services", tk.service) : null);
  const sla = tk.sla && (def?.services || []).flatMap((s) => s.slas || []).find((s) => s.key === tk.sla);
  fact(dl, t("ticket.sla"), sla ? `${sla.label}${sla.surcharge ? ` (${t("new.surcharge", { amount: sla.surcharge })})` : ""}` : tk.sla);
  fact(dl, t("ticket.ticket_type"), tk.ticket_type ? defLabel("ticket_types", tk.ticket_type) : null);
  fact(dl, t("ticket.product"), tk.product ? defLabel("products", tk.product) : null);
  fact(dl, t("new.project"), tk.project ? (def?.projects || []).find((p) => p.id === tk.project)?.name ?? tk.project : null);
  fact(dl, t("ticket.channel"), tk.channel && tk.channel !== "web" ? label("channel", tk.channel) : null);
  fact(dl, t("ticket.department"), tk.department ? defLabel("departments", tk.department) : null);
  // In the form's order, then fields the form no longer has.
  const order = (def?.fields || []).map((f) => f.key);
  const keys = Object.keys(tk.fields || {}).sort((a, b) => (order.indexOf(a) + 1 || 1e9) - (order.indexOf(b) + 1 || 1e9));
  for (const key of keys) {
    const [name, shown] = fieldLabel(key, tk.fields[key]);
    fact(dl, name, el("span", { class: "code-like pre-wrap" }, shown));
  }
  fact(dl, t("ticket.cc"), (tk.cc || []).length ? el("ul", { class: "plain cc-list" }, tk.cc.map((c) => el("li", null, c))) : null);
  fact(dl, t("ticket.created"), timeElement(tk.created_at));
  fact(dl, t("ticket.updated"), timeElement(tk.updated_at));
  fact(dl, t("ticket.closed_at"), tk.closed_at ? timeElement(tk.closed_at) : null);

  const timer = v("timer");
  const due = tk.timer?.due_at;
  const key = due && { waiting_customer: "timer.waiting_customer", pending_close: "timer.pending_close" }[tk.state];
  timer.textContent = key ? t(key, { date: formatTime(due), relative: relative(due) }) : "";
  timer.hidden = !key;
  renderSla(tk.sla_targets || []);
}

/** Business minutes as "2時間30分" / "2 h 30 min". */
function businessTime(minutes) {
  const m = Math.abs(minutes);
  const h = Math.floor(m / 60);
  const r = m % 60;
  if (!h) return t("sla.minutes", { m: r });
  return r ? t("sla.hours_minutes", { h, m: r }) : t("sla.hours", { h });
}

/** The ticket's SLA targets: each with its due time, where it stands and the business time left. */
function renderSla(targets) {
  const box = v("sla");
  box.hidden = !targets.length;
  v("sla_list").replaceChildren(
    ...targets.map((s) => {
      const detail =
        s.state === "met"
          ? t("sla.met_at", { date: formatTime(s.met_at) })
          : s.state === "paused"
            ? t("sla.paused", { time: businessTime(Math.max(0, s.business_minutes_left)) })
            : s.business_minutes_left < 0 || s.state === "overdue"
              ? t("sla.over", { time: businessTime(s.business_minutes_left) })
              : t("sla.left", { time: businessTime(s.business_minutes_left) });
      return el(
        "li",
        { class: `sla-item sla-${s.state}`, "data-sla": s.target },
        el("strong", null, label("sla.target", s.target)),
        " ",
        el("span", { class: `pill sla-pill sla-${s.state}` }, label("sla.state", s.state)),
        " ",
        el("span", { class: "sla-due" }, t("sla.due", { date: formatTime(s.due_at) })),
        " · ",
        el("span", { class: "sla-left" }, detail),
      );
    }),
  );
}

function attachmentList(files) {
  if (!files?.length) return null;
  return el(
    "ul",
    { class: "files article-files" },
    files.map((f) =>
      el(
        "li",
        null,
        el("a", { href: safeHref(f.url), download: f.name }, el("span", { class: "file-icon", "aria-hidden": "true" }, (f.name.split(".").pop() || "").slice(0, 4).toUpperCase()), f.name),
        " ",
        el("span", { class: "muted" }, `(${fileSize(f.size)})`),
      ),
    ),
  );
}

/** Plain text of an article for its one-line summary when collapsed. */
function excerpt(html) {
  const tpl = document.createElement("template");
  tpl.innerHTML = html;
  // Paragraphs, list items and lines read as separate words, not run together.
  for (const b of tpl.content.querySelectorAll("p, li, br, h1, h2, h3, h4, h5, h6, pre, blockquote, tr, td, th")) b.after(" ");
  const text = tpl.content.textContent.replace(/\s+/g, " ").trim();
  return text.length > 90 ? text.slice(0, 90) + "…" : text;
}

function renderArticles(articles) {
  const list = v("articles");
  v("article_count").textContent = `(${articles.length})`;
  list.replaceChildren(
    ...articles.map((a, i) => {
      const last = i === articles.length - 1;
      const kind = a.internal ? "internal" : a.from_staff ? "staff" : "customer";
      const body = el("div", { class: "article-body prose" });
      // body_html is sanitized by the server (the contract's one exception to textContent).
      body.innerHTML = a.body_html;
      const summary = el(
        "summary",
        null,
        el("span", { class: "article-author" }, a.author_name),
        a.internal ? el("span", { class: "pill pill-internal" }, t("article.internal")) : a.from_staff ? el("span", { class: "pill pill-staff" }, t("article.staff")) : null,
        a.attachments?.length ? el("span", { class: "article-clip" }, t("article.attachments", { count: a.attachments.length })) : null,
        a.minutes ? el("span", { class: "pill pill-minutes" }, t("article.minutes", { minutes: a.minutes })) : null,
        el("span", { class: "article-time" }, timeElement(a.created_at), " ", el("span", { class: "muted" }, `(${relative(a.created_at)})`)),
        el("span", { class: "article-excerpt" }, excerpt(a.body_html)),
      );
      return el(
        "li",
        { class: `article article-${kind}`, id: `article-${a.seq}` },
        el("details", { open: last }, summary, fieldList(def?.response_fields, a.fields), body, attachmentList(a.attachments)),
      );
    }),
  );
}

/** Staff: related tickets and merges, with the forms to link or merge another. */
function renderLinks(d) {
  const panel = document.getElementById("links-panel");
  if (!isStaff(user)) return;
  const list = panel.querySelector("[data-links]");
  list.replaceChildren(
    ...(d.links || []).map((l) =>
      el(
        "li",
        { class: "link-item" },
        el("span", { class: "pill" }, t(`links.kind.${l.kind}`)),
        " ",
        el("a", { href: ticketUrl(page.prefix, l.number) }, l.number),
        " ",
        l.subject,
        " ",
        l.state ? stateBadge(l.state) : null,
        l.kind === "related" ? el("button", { type: "button", class: "button-link", "data-unlink": l.number, "aria-label": t("links.unlink_label", { number: l.number }) }, t("links.unlink")) : null,
      ),
    ),
  );
  if (!(d.links || []).length) list.append(el("li", { class: "muted" }, t("links.none")));
  panel.querySelector("#link-form").hidden = !!d.ticket.merged_into;
}

function setupLinks() {
  const panel = document.getElementById("links-panel");
  const form = panel.querySelector("#link-form");
  const base = `/tickets/${encodeURIComponent(number)}`;
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const action = ev.submitter?.value || "link";
    const other = form.elements.number.value.trim();
    if (!other) return markErrors(form, [{ field: "number", message: t("links.number_required") }]);
    if (action === "merge" && !confirm(t("links.merge_confirm", { number: other }))) return;
    clearErrors(form);
    try {
      const d =
        action === "merge"
          ? await api(`${base}/merge`, { method: "POST", body: { into: other } })
          : await api(`${base}/links`, { method: "POST", body: { number: other } });
      form.elements.number.value = "";
      render(d);
      status(form, t(action === "merge" ? "links.merged" : "links.linked"));
    } catch (err) {
      showError(form, err);
    }
  });
  panel.querySelector("[data-links]").addEventListener("click", async (ev) => {
    const other = ev.target.closest("[data-unlink]")?.dataset.unlink;
    if (!other) return;
    try {
      render(await api(`${base}/links/${encodeURIComponent(other)}`, { method: "DELETE" }));
    } catch (err) {
      showError(form, err);
    }
  });
}

function renderReply(d) {
  const merged = document.querySelector("[data-merged]");
  const into = d.ticket.merged_into;
  merged.hidden = !into;
  if (into) {
    const [before, after] = t("ticket.merged_into", { number: "\u0000" }).split("\u0000");
    merged.replaceChildren(before, el("a", { href: ticketUrl(page.prefix, into) }, into), after ?? "");
  }
  const section = document.querySelector("[data-reply]");
  const form = document.getElementById("reply-form");
  const note = document.querySelector("[data-reply-note]");
  followUp = !!d.needs_follow_up;
  section.hidden = !(d.can_reply || followUp);
  document.querySelector("[data-no-reply]").hidden = d.can_reply || followUp || !!d.ticket.merged_into;

  const title = document.querySelector("[data-reply-title]");
  title.textContent = followUp ? title.dataset.followUp : title.dataset.reply;
  for (const x of form.querySelectorAll("[data-follow-up-only]")) x.hidden = !followUp;
  const subject = form.elements.subject;
  if (followUp && !subject.value) subject.value = t("follow_up.subject", { subject: d.ticket.subject });

  const tk = d.ticket;
  let text = "";
  if (followUp) text = t("follow_up.lead", { number: tk.number });
  else if (tk.state === "closed" && tk.reopen_until) text = t("reply.reopen", { date: formatTime(tk.reopen_until) });
  note.textContent = text;
  note.hidden = !text;

  const select = form.elements.next_state;
  const keep = select.value;
  select.replaceChildren(select.options[0], ...(d.next_states || []).filter((s) => s !== tk.state).map((s) => el("option", { value: s }, label("state", s))));
  select.value = [...select.options].some((o) => o.value === keep) ? keep : "";
  form.querySelector('[data-field="next_state"]').hidden = followUp || select.options.length < 2;

  const staff = isStaff(user);
  // The hint speaks to customers ("if your issue is solved ...").
  document.getElementById("reply-next-hint").hidden = staff;
  for (const x of document.querySelectorAll("[data-staff-only]")) x.hidden = !staff || (followUp && !!x.closest("#reply-form"));
  updateSubmitLabel(form);

  const close = document.querySelector("[data-close-ticket]");
  close.hidden = staff || tk.state === "closed" || !(d.next_states || []).includes("closed");
}

function updateSubmitLabel(form) {
  const button = form.querySelector("[data-submit]");
  const internal = !followUp && form.elements.kind?.value === "internal";
  button.textContent = followUp ? button.dataset.followUp : internal ? button.dataset.note : button.dataset.reply;
  form.classList.toggle("is-note", internal);
}

function renderStaff(tk) {
  const form = document.getElementById("staff-form");
  if (!isStaff(user)) return;
  const total = document.querySelector("[data-minutes-total]");
  total.hidden = !detail?.minutes_total;
  total.textContent = t("staff.minutes_total", { minutes: detail?.minutes_total ?? 0 });
  form.elements.state.value = tk.state;
  form.elements.priority.value = tk.priority;
  form.elements.owner_id.value = tk.owner?.id ?? "";
  renderFieldsForm(tk);
  renderHistory(detail?.history || []);
}

/** Does ticket field `f` apply to the ticket's product and service? */
function fieldApplies(f, tk) {
  const inProduct = (def?.products || []).find((p) => p.key === tk.product)?.fields?.includes(f.key);
  const productOk = !Array.isArray(f.products) || f.products.includes(tk.product) || !!inProduct;
  const serviceOk = !Array.isArray(f.services) || f.services.includes(tk.service);
  return productOk && serviceOk;
}

/** Staff edit the ticket's custom fields (those that apply, and any that hold a value). */
function renderFieldsForm(tk) {
  const form = document.getElementById("fields-form");
  if (!form || !def) return;
  const box = form.querySelector("[data-ticket-fields]");
  const shown = (def.fields || []).filter((f) => fieldApplies(f, tk) || f.key in (tk.fields || {}));
  box.replaceChildren(...shown.map((f) => fieldElement(f, "tf", `fields.${f.key}`, tk.fields?.[f.key] ?? "")));
  form.hidden = !shown.length;
}

function setupFieldsForm() {
  const form = document.getElementById("fields-form");
  const button = form.querySelector("button[type=submit]");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const tk = detail.ticket;
    const fields = {};
    for (const w of form.querySelectorAll("[data-ticket-fields] > .field")) {
      const key = w.dataset.field.slice("fields.".length);
      const value = fieldValue(w);
      if (value !== (tk.fields?.[key] ?? "")) fields[key] = value;
    }
    if (!Object.keys(fields).length) return status(form, t("staff.no_change"));
    clearErrors(form);
    busy(button, true);
    try {
      render(await api(`/tickets/${encodeURIComponent(number)}/fields`, { method: "PUT", body: { fields } }));
      status(form, t("staff.saved"));
    } catch (err) {
      showError(form, err);
    } finally {
      busy(button, false);
    }
  });
}

/** The staff reply form's response fields (seed 003: 対応期限, 原因/対策, メモ). */
function setupResponseFields(form) {
  const box = form.querySelector("[data-response-fields]");
  const list = def?.response_fields || [];
  box.replaceChildren(...list.map((f) => fieldElement(f, "rf", `response_fields.${f.key}`)));
  box.hidden = !list.length || !isStaff(user);
}

function responseFields(form) {
  const fields = {};
  for (const w of form.querySelectorAll("[data-response-fields] > .field")) {
    const value = fieldValue(w);
    if (value) fields[w.dataset.field.slice("response_fields.".length)] = value;
  }
  return fields;
}

/** How a history value reads: a state or priority by its label, an owner by name. */
function historyValue(field, value) {
  if (value === null || value === undefined || value === "") return t("history.none");
  if (field === "state") return label("state", value);
  if (field === "priority") return label("priority", value);
  if (field === "department") return (def?.departments || []).find((d) => d.key === value)?.label ?? value;
  if (field.startsWith("fields.")) {
    const f = (def?.fields || []).find((x) => `fields.${x.key}` === field);
    return fieldText(f, value);
  }
  if (field === "owner") {
    const option = [...document.getElementById("st-owner").options].find((o) => o.value === value);
    return option ? option.textContent : value;
  }
  return value;
}

/** The ticket's history, newest first: changes with from → to, and the audit of looks. */
function renderHistory(entries) {
  const list = document.querySelector("[data-history]");
  list.replaceChildren(
    ...entries
      .slice()
      .reverse()
      .map((h) => {
        const look = h.field === "viewed_internal" || h.field === "exported_report";
        const field = h.field.startsWith("fields.") ? (def?.fields || []).find((x) => `fields.${x.key}` === h.field) : null;
        const what = field ? field.label : label("history.field", h.field);
        const change = look || (h.from === null && h.to === null) ? null : el("span", { class: "history-change" }, `${historyValue(h.field, h.from)} → ${historyValue(h.field, h.to)}`);
        return el(
          "li",
          { class: `history-entry${look ? " history-look" : ""}`, "data-field": h.field },
          el("span", { class: "history-what" }, what),
          change,
          el("span", { class: "history-who muted small" }, h.actor?.name || h.actor?.id || "", " · ", timeElement(h.at)),
        );
      }),
  );
}

function render(d) {
  detail = d;
  renderHead(d.ticket);
  renderArticles(d.articles || []);
  renderReply(d);
  renderStaff(d.ticket);
  renderLinks(d);
  showPanel("ticket");
}

async function setupStaff() {
  const form = document.getElementById("staff-form");
  const state = form.elements.state;
  const priority = form.elements.priority;
  state.append(...STATES.map((s) => el("option", { value: s }, label("state", s))));
  const prios = def?.priorities?.length ? def.priorities : PRIORITIES.map((p) => ({ key: p, label: label("priority", p) }));
  priority.append(...prios.map((p) => el("option", { value: p.key }, p.label)));
  try {
    const staff = await api("/staff");
    form.elements.owner_id.append(...staff.map((s) => el("option", { value: String(s.id) }, s.name)));
  } catch {
    /* without the list the owner stays as it is */
  }
  const button = form.querySelector("button[type=submit]");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const tk = detail.ticket;
    const change = {};
    if (state.value !== tk.state) change.state = state.value;
    if (priority.value !== tk.priority) change.priority = priority.value;
    const owner = form.elements.owner_id.value;
    if (owner !== String(tk.owner?.id ?? "")) change.owner_id = owner === "" ? null : ownerId(owner);
    if (!Object.keys(change).length) return status(form, t("staff.no_change"));
    clearErrors(form);
    busy(button, true);
    try {
      render(await api(`/tickets/${encodeURIComponent(number)}`, { method: "PATCH", body: change }));
      status(form, t("staff.saved"));
    } catch (err) {
      showError(form, err);
    } finally {
      busy(button, false);
    }
  });
}

/** Owner ids go back as the API gave them: numbers stay numbers. */
function ownerId(value) {
  return /^\d+$/.test(value) ? Number(value) : value;
}

function setupReply() {
  const form = document.getElementById("reply-form");
  const editorRoot = form.querySelector("[data-editor]");
  const area = setupEditor(editorRoot);
  const uploads = setupUploads(form.querySelector("[data-uploads]"), def?.limits);
  for (const r of form.querySelectorAll("input[name=kind]")) r.addEventListener("change", () => updateSubmitLabel(form));
  const button = form.querySelector("[data-submit]");
  // Replies and follow-ups carry an Idempotency-Key like new tickets: a retried send
  // must not post the same reply twice.
  const key = submitKey();

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const errors = missing(form);
    if (uploads.pending()) errors.push({ field: "attachments", message: t("upload.wait") });
    else if (uploads.failed()) errors.push({ field: "attachments", message: t("upload.remove_failed") });
    if (errors.length) {
      showWrite(editorRoot);
      return markErrors(form, errors);
    }
    clearErrors(form);
    busy(button, true);
    const base = `/tickets/${encodeURIComponent(number)}`;
    try {
      if (followUp) {
        const created = await api(`${base}/follow-up`, {
          method: "POST",
          login: false,
          headers: { "Idempotency-Key": key.get() },
          body: { subject: form.elements.subject.value.trim() || undefined, body: area.value, attachments: uploads.ids() },
        });
        key.settle(null);
        flashNext("follow_up.created", { number: created.ticket.number });
        location.assign(ticketUrl(page.prefix, created.ticket.number));
        return;
      }
      const internal = isStaff(user) && form.elements.kind.value === "internal";
      const next = form.elements.next_state.value;
      const minutes = isStaff(user) ? Number.parseInt(form.elements.minutes.value, 10) : Number.NaN;
      const d = await api(`${base}/articles`, {
        method: "POST",
        login: false,
        headers: { "Idempotency-Key": key.get() },
        body: {
          body: area.value,
          internal,
          next_state: next || undefined,
          attachments: uploads.ids(),
          minutes: Number.isFinite(minutes) ? minutes : undefined,
          fields: isStaff(user) ? responseFields(form) : undefined,
        },
      });
      key.settle(null);
      area.value = "";
      uploads.clear();
      form.elements.next_state.value = "";
      form.elements.minutes.value = "";
      setupResponseFields(form);
      showWrite(editorRoot);
      render(d);
      status(form, t(internal ? "reply.sent_note" : "reply.sent"));
      document.querySelector(".articles > li:last-child")?.scrollIntoView({ block: "start", behavior: "smooth" });
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      key.settle(err);
      if (err.code === "reopen_window_passed") {
        // Closed past the window meanwhile: the same text becomes a follow-up ticket.
        render({ ...detail, can_reply: false, needs_follow_up: true });
        markErrors(form, [{ message: err.message }], t("follow_up.switched"));
      } else {
        if (err.errors.some((e) => e.field === "body")) showWrite(editorRoot);
        showError(form, err);
      }
    } finally {
      busy(button, false);
    }
  });
}

function setupClose() {
  const button = document.querySelector("[data-close-ticket]");
  button.addEventListener("click", async () => {
    if (!confirm(t("ticket.close_confirm"))) return;
    busy(button, true);
    try {
      render(await api(`/tickets/${encodeURIComponent(number)}`, { method: "PATCH", body: { state: "closed" } }));
    } catch (err) {
      if (!err.redirected) alert(err.message);
    } finally {
      busy(button, false);
    }
  });
}

export async function start() {
  if (!number) return showPanel("not_found");
  document.querySelector("[data-expand-all]").addEventListener("click", () => {
    const all = [...document.querySelectorAll(".articles details")];
    const open = !all.every((d) => d.open);
    for (const d of all) d.open = open;
  });
  let d;
  try {
    [user, d, def] = await Promise.all([me(), api(`/tickets/${encodeURIComponent(number)}`), api("/form").catch(() => null)]);
  } catch (err) {
    if (err.redirected) return;
    if (err.status === 404) return showPanel("not_found");
    return showUnavailable(err, () => location.reload());
  }
  render(d);
  setupReply();
  setupClose();
  if (isStaff(user)) {
    await setupStaff();
    setupFieldsForm();
    setupLinks();
    setupResponseFields(document.getElementById("reply-form"));
    setupReport(number);
  }
  renderStaff(d.ticket);
}
