// The new-ticket form, built from GET /form (seed 000, 001, 002): service and, only for
// services that have them, the SLA choices with their surcharges; ticket type; product
// and then its fields; priority; custom fields; subject with FAQ suggestions; body
// (Markdown); CC; attachments. Sent with an Idempotency-Key kept across retries.

import { api, ApiError, submitKey } from "./api.js";
import { page, t } from "./i18n.js";
import { el, flashNext, showPanel, showUnavailable } from "./dom.js";
import { busy, clearErrors, markErrors, missing, showError, status } from "./forms.js";
import { isStaff, me } from "./session.js";
import { setupEditor, showWrite } from "./editor.js";
import { setupUploads } from "./uploads.js";
import { setupFaqSuggest } from "./faq-suggest.js";
import { ticketUrl } from "./badges.js";
import { fieldElement, fieldValue, requiredMark } from "./fields.js";

let def = null;
/** Staff log an inquiry taken by phone or e-mail for a customer (seed 004). */
let staff = false;
const fieldEls = new Map();

function options(select, list) {
  select.append(...list.map((o) => el("option", { value: o.key }, o.label)));
}

/** Does a field belong with the product (shown after it is chosen)? */
function isProductField(f) {
  return Array.isArray(f.products) || def.products.some((p) => p.fields?.includes(f.key));
}

function applies(f, product, service) {
  const serviceOk = !Array.isArray(f.services) || (service !== "" && f.services.includes(service));
  if (!isProductField(f)) return serviceOk;
  const chosen = def.products.find((p) => p.key === product);
  return !!chosen && (chosen.fields?.includes(f.key) || f.products?.includes(product)) && serviceOk;
}

/**
 * A choice the form definition requires (`service_required`, `ticket_type_required`,
 * `product_required`): checked before sending and marked like the other required fields.
 * A required service has no "none" to keep, so its first option asks to choose.
 */
function requireChoice(form, name, on) {
  if (!on) return;
  const wrap = form.querySelector(`[data-field="${name}"]`);
  const select = wrap.querySelector("select");
  select.required = true;
  const label = wrap.querySelector(":scope > label");
  if (!label.querySelector(".req")) label.append(" ", requiredMark());
  if (name === "service") {
    select.options[0].textContent = t("new.choose");
    form.querySelector("#nt-service-hint").hidden = true;
  }
}

function build(form) {
  const service = form.querySelector("#nt-service");
  const type = form.querySelector("#nt-type");
  const product = form.querySelector("#nt-product");
  const priority = form.querySelector("#nt-priority");
  const show = (name, list) => (form.querySelector(`[data-field="${name}"]`).hidden = !list.length);

  options(service, def.services || []);
  show("service", def.services || []);
  options(type, def.ticket_types || []);
  show("ticket_type", def.ticket_types || []);
  options(product, def.products || []);
  form.querySelector('[data-section="product"]').hidden = !(def.products || []).length;
  options(priority, def.priorities || []);
  priority.value = def.default_priority || "normal";
  show("priority", def.priorities || []);
  form.querySelector('[data-section="kind"]').hidden = !(def.services?.length || def.ticket_types?.length);
  requireChoice(form, "service", !!def.service_required);
  requireChoice(form, "ticket_type", !!def.ticket_type_required);
  requireChoice(form, "product", !!def.product_required);

  for (const f of def.fields || []) fieldEls.set(f.key, fieldElement(f, "nt-f", `fields.${f.key}`));
  offerProjects(form);
  offerContracts();

  const limits = def.limits || {};
  if (limits.max_subject_chars) form.querySelector("#nt-subject").maxLength = limits.max_subject_chars;
  if (limits.max_body_chars) form.querySelector("#nt-body").maxLength = limits.max_body_chars;

  const refresh = () => {
    renderSla(form, service.value);
    placeFields(form, product.value, service.value);
  };
  service.addEventListener("change", refresh);
  product.addEventListener("change", refresh);
  refresh();
}

/** The caller's projects (their groups' when the company uses groups); none: no choice. */
function offerProjects(form) {
  const projects = def.projects || [];
  const select = form.querySelector("#nt-project");
  select.append(...projects.map((p) => el("option", { value: p.id }, p.name)));
  form.querySelector('[data-field="project"]').hidden = !projects.length;
}

/** The contracts the caller may see, offered while typing the contract number ("unknown" still works). */
function offerContracts() {
  const wrap = fieldEls.get("contract_number");
  const contracts = def.contracts || [];
  if (!wrap || !contracts.length) return;
  const input = wrap.querySelector("input:not([data-unknown])");
  const list = el(
    "datalist",
    { id: "nt-contracts" },
    // Model and serial, not the product's name: the form's words stay in the page's language.
    contracts.map((c) => el("option", { value: c.number }, [c.model, c.serial_number, c.expired ? `(${t("new.expired")})` : ""].filter(Boolean).join(" "))),
  );
  input.setAttribute("list", list.id);
  const names = contracts.map((c) => c.number + (c.expired ? ` (${t("new.expired")})` : "")).join(", ");
  wrap.append(list, el("p", { class: "hint", "data-contracts": "" }, t("new.contracts_hint", { list: names })));
}

/** The chosen service's help and its SLA choices with surcharges (none for services without). */
function renderSla(form, serviceKey) {
  const wrap = form.querySelector('[data-field="sla"]');
  const box = wrap.querySelector("[data-sla-options]");
  const service = def.services?.find((s) => s.key === serviceKey);
  const slas = service?.slas || [];
  // Without the flag (older servers) a service's SLA choice stays required.
  const required = service?.sla_required ?? true;
  const before = form.querySelector("input[name=sla]:checked")?.value;
  box.replaceChildren(
    ...slas.map((s) =>
      el(
        "label",
        { class: "choice" },
        el("input", { type: "radio", name: "sla", id: `nt-sla-${s.key}`, value: s.key, required, checked: s.key === before }),
        el("span", null, el("strong", null, s.label), s.surcharge ? el("span", { class: "surcharge" }, t("new.surcharge", { amount: s.surcharge })) : null),
      ),
    ),
  );
  wrap.hidden = !slas.length;
  wrap.querySelector("legend .req").hidden = !required;
  // What the vendor asks for with this service (e.g. a form to attach).
  const help = form.querySelector("[data-service-help]");
  help.textContent = service?.help || "";
  help.hidden = !service?.help;
}

/** Shows the fields that apply to the chosen product and service, product fields in the product's order. */
function placeFields(form, product, service) {
  const productBox = form.querySelector('[data-fields="product"]');
  const otherBox = form.querySelector('[data-fields="other"]');
  const order = def.products.find((p) => p.key === product)?.fields || [];
  const sorted = [...(def.fields || [])].sort((a, b) => {
    const ia = order.indexOf(a.key), ib = order.indexOf(b.key);
    return (ia < 0 ? 1e9 : ia) - (ib < 0 ? 1e9 : ib);
  });
  for (const f of sorted) {
    const w = fieldEls.get(f.key);
    (isProductField(f) ? productBox : otherBox).append(w);
    w.hidden = !applies(f, product, service);
  }
  otherBox.hidden = ![...otherBox.children].some((c) => !c.hidden);
  productBox.hidden = ![...productBox.children].some((c) => !c.hidden);
}

function payload(form, uploads) {
  const value = (name) => form.elements[name]?.value.trim() || undefined;
  const fields = {};
  for (const [key, w] of fieldEls) {
    if (w.hidden || w.closest("[hidden]")) continue;
    const v = fieldValue(w);
    if (v) fields[key] = v;
  }
  return {
    subject: form.elements.subject.value.trim(),
    body: form.elements.body.value,
    priority: value("priority"),
    service: value("service"),
    sla: form.querySelector("input[name=sla]:checked")?.value,
    ticket_type: value("ticket_type"),
    product: value("product"),
    project: value("project"),
    channel: staff ? form.querySelector("input[name=channel]:checked")?.value : undefined,
    on_behalf_of: staff ? value("on_behalf_of") : undefined,
    fields,
    cc: value("cc") || "",
    attachments: uploads.ids(),
  };
}

export async function start() {
  const form = document.getElementById("new-ticket");
  let user;
  try {
    [user, def] = await Promise.all([me(), api("/form")]);
    staff = isStaff(user);
    if (staff) {
      const customers = await api("/customers");
      const select = form.elements.on_behalf_of;
      select.required = true;
      select.append(...customers.map((c) => el("option", { value: String(c.id) }, `${c.name}（${c.company_name}）<${c.email}>`)));
      form.querySelector('[data-section="intake"]').hidden = false;
      document.querySelector("h1").textContent = t("new.intake_title");
      // The customer's lead ("we mail you a confirmation") speaks to customers.
      document.querySelector(".lead-text").hidden = true;
    }
  } catch (err) {
    if (!err.redirected) showUnavailable(err, () => location.reload());
    return;
  }
  def.products ??= [];
  build(form);
  const editorRoot = form.querySelector("[data-editor]");
  setupEditor(editorRoot);
  const uploads = setupUploads(form.querySelector("[data-uploads]"), def.limits);
  // Only logged-in users get here, so the members' index is theirs to search too.
  setupFaqSuggest(form.querySelector("#nt-subject"), form.querySelector("[data-faq-suggest]"), { members: true });
  showPanel("form");

  let dirty = false;
  form.addEventListener("input", () => (dirty = true));
  window.addEventListener("beforeunload", (ev) => {
    if (dirty) ev.preventDefault();
  });

  const button = form.querySelector("button[type=submit]");
  const key = submitKey();
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const errors = missing(form);
    if (uploads.pending()) errors.push({ field: "attachments", message: t("upload.wait") });
    else if (uploads.failed()) errors.push({ field: "attachments", message: t("upload.remove_failed") });
    if (errors.length) {
      if (errors.some((e) => e.field === "body")) showWrite(editorRoot);
      return markErrors(form, errors);
    }
    clearErrors(form);
    busy(button, true);
    status(form, t("new.sending"), false);
    try {
      // login: false — a lost session must not take the typed text away (see showError).
      const detail = await api("/tickets", { method: "POST", login: false, body: payload(form, uploads), headers: { "Idempotency-Key": key.get() } });
      key.settle(null);
      dirty = false;
      flashNext("new.created", { number: detail.ticket.number });
      location.assign(ticketUrl(page.prefix, detail.ticket.number));
    } catch (err) {
      busy(button, false);
      status(form, "", false);
      if (!(err instanceof ApiError)) throw err;
      key.settle(err);
      if (err.errors.some((e) => e.field === "body")) showWrite(editorRoot);
      showError(form, err);
    }
  });
}
