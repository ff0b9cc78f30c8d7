// Personal settings (seed 001): language, time zone, tickets per page and the list's
// refresh interval (PATCH /me/settings), and the password change. A new language
// moves to this page in that language.

import { api } from "./api.js";
import { label, page, pathIn, t } from "./i18n.js";
import { flashNext, showPanel, showUnavailable, el } from "./dom.js";
import { onSubmit, status } from "./forms.js";
import { me } from "./session.js";

/** Every IANA zone the browser knows, with its offset now: "Asia/Tokyo (GMT+9)". */
function zoneOptions(select, current) {
  let zones = [];
  try {
    zones = Intl.supportedValuesOf("timeZone");
  } catch {
    /* an older browser: the current zone only */
  }
  if (!zones.includes(current)) zones = [current, ...zones];
  const now = new Date();
  select.replaceChildren(
    ...zones.map((z) => {
      let offset = "";
      try {
        offset = new Intl.DateTimeFormat("en", { timeZone: z, timeZoneName: "shortOffset" }).formatToParts(now).find((p) => p.type === "timeZoneName")?.value || "";
      } catch {
        /* unknown here */
      }
      return el("option", { value: z }, offset ? `${z.replaceAll("_", " ")} (${offset})` : z);
    }),
  );
  select.value = current;
}

function fill(user) {
  const v = (n) => document.querySelector(`[data-v="${n}"]`);
  v("email").textContent = user.email;
  const profile = document.getElementById("profile-form");
  profile.elements.name.value = user.name;
  profile.elements.mail_address.value = user.mail_address || user.email;
  for (const e of document.querySelectorAll(`[data-if="${user.role === "customer" ? "customer" : "staff"}"]`)) e.hidden = false;
  v("company").textContent = user.company?.name || "—";
  if (user.customer_role) {
    v("customer_role").textContent = label("role", user.customer_role);
    for (const e of document.querySelectorAll('[data-if="customer_role"]')) e.hidden = false;
  }
  v("username").value = user.email;
  const form = document.getElementById("settings-form");
  const s = user.settings || {};
  form.elements.lang.value = s.lang || page.lang;
  zoneOptions(form.elements.time_zone, s.time_zone || form.elements.time_zone.value);
  form.elements.page_size.value = String(s.page_size ?? 25);
  form.elements.refresh_secs.value = String(s.refresh_secs ?? 60);
  const off = new Set(s.mails_off || []);
  for (const kind of s.mails_optional || []) {
    const row = form.querySelector(`[data-mail="${kind}"]`);
    if (!row) continue;
    row.hidden = false;
    row.querySelector("input").checked = !off.has(kind);
  }
  // Mails that are off unless asked for (staff: their own copy of new tickets).
  const on = new Set(s.mails_on || []);
  for (const kind of s.mails_opt_in || []) {
    const row = form.querySelector(`[data-mail-on="${kind}"]`);
    if (!row) continue;
    row.hidden = false;
    row.querySelector("input").checked = on.has(kind);
  }
}

/** The opt-in mails checked: the ones the user turns on. */
function mailsOn(form) {
  return [...form.querySelectorAll("[data-mail-on]:not([hidden]) input")].filter((i) => i.checked).map((i) => i.value);
}

/** The optional mails left unchecked: the ones the user turns off. */
function mailsOff(form) {
  return [...form.querySelectorAll("[data-mail]:not([hidden]) input")].filter((i) => !i.checked).map((i) => i.value);
}

function setupSettings(user) {
  const form = document.getElementById("settings-form");
  onSubmit(form, async () => {
    const body = {
      lang: form.elements.lang.value,
      time_zone: form.elements.time_zone.value,
      page_size: Number(form.elements.page_size.value),
      refresh_secs: Number(form.elements.refresh_secs.value),
      mails_off: mailsOff(form),
      mails_on: mailsOn(form),
    };
    const updated = await api("/me/settings", { method: "PATCH", body });
    const there = updated.settings?.lang !== page.lang && pathIn(updated.settings.lang);
    if (there) {
      flashNext("settings.saved");
      location.assign(there);
      return;
    }
    Object.assign(user, updated);
    status(form, t("settings.saved"));
  });
}

/** One's own name and mail address (PATCH /me/profile), with the registration rules. */
function setupProfile(user) {
  const form = document.getElementById("profile-form");
  onSubmit(form, async () => {
    const body = { name: form.elements.name.value };
    if (user.role === "customer") body.mail_address = form.elements.mail_address.value;
    const updated = await api("/me/profile", { method: "PATCH", body });
    Object.assign(user, updated);
    status(form, t("settings.saved"));
  });
}

function setupPassword() {
  const form = document.getElementById("password-form");
  const mismatch = () =>
    form.elements.new_password.value !== form.elements.new_password_confirm.value
      ? [{ field: "new_password_confirm", message: t("password.mismatch") }]
      : [];
  onSubmit(
    form,
    async () => {
      await api("/me/password", {
        method: "POST",
        body: { current_password: form.elements.current_password.value, new_password: form.elements.new_password.value },
      });
      form.reset();
      form.elements.username.value = document.querySelector('[data-v="email"]').textContent;
      status(form, t("password.changed"));
    },
    mismatch,
  );
}

/** The contracts of the account (seed 002's 契約情報一覧), expired ones marked; only for roles that see contracts. */
async function showContracts(user) {
  if (user.role !== "customer" || !user.can_see_contracts) return;
  const section = document.querySelector("[data-contracts]");
  const { items } = await api("/contracts");
  const rows = items.map((c) =>
    el(
      "tr",
      { class: c.expired ? "is-expired" : null },
      el("td", null, el("span", { class: "code-like" }, c.number), c.expired ? [" ", el("span", { class: "badge badge-expired" }, t("contracts.expired"))] : null),
      el("td", null, c.product),
      el("td", null, c.model),
      el("td", null, c.serial_number),
      el("td", null, c.starts_on.replaceAll("-", "/")),
      el("td", null, c.ends_on.replaceAll("-", "/")),
      el("td", null, c.service_type),
    ),
  );
  section.querySelector("[data-contract-rows]").replaceChildren(...rows);
  section.querySelector("[data-contracts-empty]").hidden = rows.length > 0;
  section.querySelector("table").hidden = rows.length === 0;
  section.hidden = false;
}

export async function start() {
  let user;
  try {
    user = await me();
  } catch (err) {
    if (!err.redirected) showUnavailable(err, () => location.reload());
    return;
  }
  fill(user);
  showPanel("settings");
  showContracts(user).catch(() => {});
  setupSettings(user);
  setupProfile(user);
  setupPassword();
}
