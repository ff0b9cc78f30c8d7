// Self-registration against a contract (seed 002): the form (the server checks every
// rule and names each wrong field; what was typed stays), the confirmation link from
// the mail (posted from here, so a mail scanner opening the link does not use it up),
// sending the link again, and the forgotten user ID.

import { api } from "./api.js";
import { t } from "./i18n.js";
import { showPanel } from "./dom.js";
import { busy, clearErrors, markErrors, missing, showError, status } from "./forms.js";

function values(form) {
  const v = (name) => form.elements[name].value;
  return {
    company_name: v("company_name").trim(),
    name: v("name").trim(),
    user_id: v("user_id").trim(),
    password: v("password"),
    password_confirmation: v("password_confirmation"),
    email: v("email").trim(),
    maintenance_email: v("maintenance_email").trim(),
    contract_number: v("contract_number").trim(),
    consent: form.elements.consent.checked,
    lang: document.documentElement.lang === "en" ? "en" : "ja",
  };
}

function startForm() {
  const form = document.getElementById("register-form");
  const button = form.querySelector("button[type=submit]");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const errors = missing(form);
    if (errors.length) return markErrors(form, errors);
    clearErrors(form);
    busy(button, true);
    try {
      await api("/register", { method: "POST", login: false, body: values(form) });
      form.elements.password.value = "";
      form.elements.password_confirmation.value = "";
      document.getElementById("resend-user-id").value = form.elements.user_id.value.trim();
      showPanel("sent");
      document.querySelector('[data-panel="sent"]').focus();
    } catch (err) {
      showError(form, err);
    } finally {
      busy(button, false);
    }
  });
}

async function confirmLink(token) {
  showPanel("confirming");
  try {
    const done = await api("/register/confirm", { method: "POST", login: false, body: { token } });
    // The token is spent: keep it out of the history.
    history.replaceState(null, "", location.pathname);
    document.querySelector("[data-confirmed-user-id]").textContent = done.user_id;
    document.querySelector("[data-resend]").hidden = true;
    showPanel("confirmed");
    document.querySelector('[data-panel="confirmed"]').focus();
  } catch (err) {
    history.replaceState(null, "", location.pathname);
    showPanel("bad_link");
    const panel = document.querySelector('[data-panel="bad_link"]');
    if (!err.errors?.some((e) => e.field === "token")) panel.querySelector("p").textContent = err.message;
    panel.focus();
  }
}

function startResend() {
  const form = document.getElementById("resend-form");
  const button = form.querySelector("button[type=submit]");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const empty = missing(form);
    if (empty.length) return markErrors(form, empty);
    clearErrors(form);
    busy(button, true);
    try {
      await api("/register/resend", { method: "POST", login: false, body: { user_id: form.user_id.value.trim() } });
      status(form, t("register.resend_sent"));
    } catch (err) {
      showError(form, err);
    } finally {
      busy(button, false);
    }
  });
}

function startForgotId() {
  const form = document.getElementById("forgot-id-form");
  const button = form.querySelector("button[type=submit]");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const empty = missing(form);
    if (empty.length) return markErrors(form, empty);
    clearErrors(form);
    busy(button, true);
    try {
      await api("/auth/forgot-id", { method: "POST", login: false, body: { email: form.email.value.trim() } });
      showPanel("sent");
      document.querySelector('[data-panel="sent"]').focus();
    } catch (err) {
      showError(form, err);
    } finally {
      busy(button, false);
    }
  });
}

export function start() {
  if (document.getElementById("forgot-id-form")) return startForgotId();
  startForm();
  startResend();
  const token = new URLSearchParams(location.search).get("token");
  if (token) confirmLink(token);
}
