// The accounts of the user's company, for its user admins and inquiry admins (seed
// 004): the list with each account's role and state, a role change within the user's
// own role, disable / enable, and adding a colleague, who gets an invitation mail with
// a link to choose a password. The server decides every change (403 / 404 otherwise).

import { api, ApiError } from "./api.js";
import { label, page, t } from "./i18n.js";
import { el, showPanel, showUnavailable } from "./dom.js";
import { busy, clearErrors, markErrors, missing, showError, status } from "./forms.js";
import { me } from "./session.js";

let user = null;
let grantable = [];

function note(text, error = false) {
  const box = document.querySelector("[data-accounts-status]");
  box.textContent = text;
  box.classList.toggle("flash-error", error);
  box.hidden = !text;
}

async function change(account, body) {
  try {
    await api(`/company/users/${encodeURIComponent(account.id)}`, { method: "PATCH", body });
    note(t("accounts.saved", { name: account.name }));
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    note(err.status === 403 ? t("accounts.refused") : err.message || t("error.server"), true);
  }
  await load();
}

function roleCell(a) {
  const shown = a.customer_role ? label("role", a.customer_role) : "—";
  // Only accounts within the user's own role, and never their own, can be changed.
  if (a.id === user.id || !grantable.includes(a.customer_role)) return el("td", null, shown);
  const select = el(
    "select",
    { "aria-label": t("accounts.role_of", { name: a.name }), "data-role-of": a.email },
    grantable.map((r) => el("option", { value: r, selected: r === a.customer_role ? "" : null }, label("role", r))),
  );
  select.addEventListener("change", () => change(a, { customer_role: select.value }));
  return el("td", null, select);
}

function actionCell(a) {
  if (a.id === user.id || !grantable.includes(a.customer_role)) return el("td");
  const disabled = a.status === "disabled";
  const button = el("button", { type: "button", class: "button button-quiet", "data-toggle-of": a.email }, t(disabled ? "accounts.enable" : "accounts.disable"));
  button.addEventListener("click", () => {
    if (!disabled && !confirm(t("accounts.confirm_disable", { name: a.name }))) return;
    button.disabled = true;
    change(a, { disabled: !disabled });
  });
  return el("td", null, button);
}

async function load() {
  const list = await api("/company/users");
  grantable = list.grantable || [];
  const rows = list.items.map((a) =>
    el(
      "tr",
      { class: a.status === "disabled" ? "is-expired" : null, "data-account-email": a.email },
      el("td", null, a.name, a.id === user.id ? el("span", { class: "muted small" }, ` (${t("accounts.you")})`) : null),
      el("td", null, el("span", { class: "code-like" }, a.email)),
      roleCell(a),
      el("td", null, label("accounts.state", a.status)),
      actionCell(a),
    ),
  );
  document.querySelector("[data-account-rows]").replaceChildren(...rows);
  const select = document.getElementById("acc-role");
  const chosen = select.value;
  select.replaceChildren(...grantable.map((r) => el("option", { value: r }, label("role", r))));
  select.value = grantable.includes(chosen) ? chosen : grantable[grantable.length - 1] || "";
}

function setupInvite() {
  const form = document.getElementById("invite-form");
  // A colleague most likely reads the language this page is in.
  form.elements.lang.value = page.lang;
  const button = form.querySelector("button[type=submit]");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const errors = missing(form);
    if (errors.length) return markErrors(form, errors);
    clearErrors(form);
    busy(button, true);
    const body = {
      name: form.elements.name.value.trim(),
      email: form.elements.email.value.trim(),
      customer_role: form.elements.customer_role.value,
      lang: form.elements.lang.value,
    };
    try {
      const added = await api("/company/users", { method: "POST", body });
      form.elements.name.value = "";
      form.elements.email.value = "";
      status(form, t("accounts.invited", { email: added.email }));
      await load();
    } catch (err) {
      showError(form, err);
    } finally {
      busy(button, false);
    }
  });
}

export async function start() {
  try {
    user = await me();
  } catch (err) {
    if (!err.redirected) showUnavailable(err, () => location.reload());
    return;
  }
  if (!user.can_manage_accounts) {
    showPanel("forbidden");
    return;
  }
  try {
    await load();
  } catch (err) {
    showUnavailable(err, () => location.reload());
    return;
  }
  showPanel("accounts");
  setupInvite();
}
