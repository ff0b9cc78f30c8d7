// A form's errors: each failing field marked (aria-invalid, the message under it) and a
// summary at the top of the form linking to each field, from a problem+json answer or
// from the checks made before sending. Also the busy state of a submit button.

import { t } from "./i18n.js";
import { el, loginUrl } from "./dom.js";

/** The wrapper of a field: `[data-field="subject"]`, `[data-field="fields.serial_number"]`. */
function wrapperOf(form, field) {
  return [...form.querySelectorAll("[data-field]")].find((w) => w.dataset.field === field) || null;
}

function controlsOf(wrapper) {
  return [...wrapper.querySelectorAll("input:not([type=hidden]), select, textarea")];
}

function labelOf(wrapper) {
  const l = wrapper.querySelector(":scope > label, :scope > legend, .editor-head > label, :scope > .label");
  // The label without its "required" mark.
  return l ? [...l.childNodes].filter((n) => !(n.classList && n.classList.contains("req"))).map((n) => n.textContent).join("").trim() : "";
}

export function clearErrors(form) {
  for (const w of form.querySelectorAll("[data-field].has-error")) {
    w.classList.remove("has-error");
    w.querySelector(":scope > .field-error")?.remove();
    for (const c of controlsOf(w)) {
      c.removeAttribute("aria-invalid");
      const ids = (c.getAttribute("aria-describedby") || "").split(" ").filter((id) => id && !id.endsWith("-error"));
      if (ids.length) c.setAttribute("aria-describedby", ids.join(" "));
      else c.removeAttribute("aria-describedby");
    }
  }
  const alert = form.querySelector("[data-form-alert]");
  if (alert) {
    alert.hidden = true;
    alert.textContent = "";
  }
}

/**
 * Marks every error and fills the summary. `errors` are `[{field, message}]`;
 * `title` heads the summary (the problem's own detail when no field is named).
 */
export function markErrors(form, errors, title = t("form.errors_title")) {
  clearErrors(form);
  const items = [];
  let n = 0;
  for (const e of errors) {
    const w = e.field ? wrapperOf(form, e.field) : null;
    if (!w || w.hidden || w.closest("[hidden]")) {
      items.push(el("li", null, e.message));
      continue;
    }
    const id = `${form.id || "form"}-e${n++}-error`;
    if (!w.classList.contains("has-error")) {
      w.classList.add("has-error");
      const msg = el("p", { class: "field-error", id }, e.message);
      const hint = w.querySelector(":scope > .hint, :scope > .field-hint");
      w.insertBefore(msg, hint || null);
      for (const c of controlsOf(w)) {
        c.setAttribute("aria-invalid", "true");
        const ids = (c.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
        c.setAttribute("aria-describedby", [id, ...ids].join(" "));
      }
    }
    const target = controlsOf(w).find((c) => !c.disabled) || controlsOf(w)[0];
    const name = labelOf(w);
    // Server messages already name the field ("件名は必須です。"); local ones do not.
    const text = name && !e.message.includes(name) ? `${name}: ${e.message}` : e.message;
    items.push(el("li", null, target?.id ? el("a", { href: "#" + target.id }, text) : text));
  }
  const alert = form.querySelector("[data-form-alert]");
  if (!alert) return;
  alert.replaceChildren(el("p", { class: "form-alert-title" }, title), el("ul", null, items));
  alert.hidden = false;
  for (const a of alert.querySelectorAll("a")) {
    a.addEventListener("click", (ev) => {
      ev.preventDefault();
      const c = document.getElementById(a.getAttribute("href").slice(1));
      c?.scrollIntoView({ block: "center" });
      c?.focus();
    });
  }
  alert.focus();
}

/**
 * An ApiError on this form: per-field errors when there are any, else its message. A
 * lost session (a write sent with `login: false`) keeps the form as it is and offers
 * the login page in another tab, to come back and send again.
 */
export function showError(form, err) {
  if (err.redirected) return;
  if (err.status === 401) {
    markErrors(form, [{ message: t("error.session") }], t("form.failed_title"));
    const link = el("a", { href: loginUrl(), target: "_blank", rel: "noopener" }, t("error.session_login"));
    form.querySelector("[data-form-alert]")?.append(el("p", null, link));
  } else if (err.errors.length) {
    markErrors(form, err.errors);
  } else {
    markErrors(form, [{ message: err.message }], t("form.failed_title"));
  }
}

/** Required fields left empty, as errors (the server checks again). */
export function missing(form) {
  const out = [];
  for (const w of form.querySelectorAll("[data-field]")) {
    if (w.hidden || w.closest("[hidden]")) continue;
    const controls = controlsOf(w).filter((c) => c.required && !c.disabled);
    if (!controls.length) continue;
    const radios = controls.filter((c) => c.type === "radio");
    const empty = radios.length ? !radios.some((r) => r.checked) : controls.some((c) => !c.value.trim());
    if (empty) out.push({ field: w.dataset.field, message: t(radios.length || controls[0].tagName === "SELECT" ? "form.choose" : "form.enter") });
  }
  return out;
}

/** Disables a submit button while its request runs, and says so. */
export function busy(button, on) {
  button.disabled = on;
  button.classList.toggle("is-busy", on);
  button.setAttribute("aria-busy", on ? "true" : "false");
}

/** A short message next to a form's button (`[data-submit-status]`), cleared after a while. */
export function status(form, text, ok = true) {
  const s = form.querySelector("[data-submit-status]");
  if (!s) return;
  s.textContent = text;
  s.classList.toggle("is-ok", ok && !!text);
  clearTimeout(s._timer);
  if (text && ok) s._timer = setTimeout(() => (s.textContent = ""), 6000);
}

/**
 * Sends `form` through `send` (async) on submit: required fields first, then the form's
 * own `check` (more errors, asked only when none are missing); the submit button is busy
 * meanwhile and a refusal is shown on the form.
 */
export function onSubmit(form, send, check = () => []) {
  const button = form.querySelector("button[type=submit]");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const errors = missing(form);
    if (!errors.length) errors.push(...check(form));
    if (errors.length) return markErrors(form, errors);
    clearErrors(form);
    busy(button, true);
    try {
      await send();
    } catch (err) {
      showError(form, err);
    } finally {
      busy(button, false);
    }
  });
}
