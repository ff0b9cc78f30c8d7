// Forgotten password: ask for a reset mail (the answer is the same whether or not the
// address exists), and set a new password with the token from the mail's link.

import { api } from "./api.js";
import { page, t } from "./i18n.js";
import { el, showPanel } from "./dom.js";
import { busy, clearErrors, markErrors, missing, showError } from "./forms.js";

function startForgot() {
  const form = document.getElementById("forgot-form");
  const button = form.querySelector("button[type=submit]");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const empty = missing(form);
    if (empty.length) return markErrors(form, empty);
    clearErrors(form);
    busy(button, true);
    try {
      await api("/auth/forgot", { method: "POST", login: false, body: { email: form.email.value.trim() } });
      showPanel("sent");
      document.querySelector('[data-panel="sent"]').focus();
    } catch (err) {
      showError(form, err);
    } finally {
      busy(button, false);
    }
  });
}

function startReset() {
  const token = new URLSearchParams(location.search).get("token");
  if (!token) return showPanel("no_token");
  const form = document.getElementById("reset-form");
  const button = form.querySelector("button[type=submit]");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const errors = missing(form);
    if (!errors.length && form.password.value !== form.password_confirm.value) {
      errors.push({ field: "password_confirm", message: t("password.mismatch") });
    }
    if (errors.length) return markErrors(form, errors);
    clearErrors(form);
    busy(button, true);
    try {
      await api("/auth/reset", { method: "POST", login: false, body: { token, password: form.password.value } });
      // The token is spent: keep it out of the history.
      history.replaceState(null, "", location.pathname);
      showPanel("done");
      document.querySelector('[data-panel="done"]').focus();
    } catch (err) {
      if (err.errors?.some((e) => e.field === "token")) {
        // The link is spent or expired: only a new mail helps.
        markErrors(form, err.errors.map((e) => (e.field === "token" ? { message: `${e.message} ${t("reset.token_hint")}` } : e)));
        form.querySelector("[data-form-alert]").append(el("p", null, el("a", { href: `${page.prefix}/portal/forgot/` }, t("reset.again"))));
      } else {
        showError(form, err);
      }
    } finally {
      busy(button, false);
    }
  });
}

export function start() {
  if (document.getElementById("reset-form")) startReset();
  else startForgot();
}
