// The login screen: e-mail and password, then back to where the user was going
// (`?next=`, a path of this site only) or to the ticket list in the user's language
// (staff: the dashboard).

import { api, ApiError } from "./api.js";
import { page, pathIn, t } from "./i18n.js";
import { el } from "./dom.js";
import { busy, clearErrors, markErrors, missing, showError } from "./forms.js";
import { isStaff } from "./session.js";

/** `?next=` when it is a path on this site, and not a login screen itself; else null. */
export function safeNext(raw, origin = location.origin) {
  if (!raw || !raw.startsWith("/") || raw.startsWith("//") || raw.includes("\\")) return null;
  try {
    const url = new URL(raw, origin);
    if (url.origin !== origin) return null;
    if (/\/portal\/(login|forgot|reset)\/?$/.test(url.pathname)) return null;
    return url.pathname + url.search + url.hash;
  } catch {
    return null;
  }
}

function homeFor(me) {
  const lang = me.settings?.lang;
  const there = lang && pathIn(lang);
  const home = there ? there.replace(/login\/?$/, "") : page.home;
  // Staff land on the desk's dashboard.
  return isStaff(me) ? home + "dashboard/" : home;
}

export function start() {
  const form = document.getElementById("login-form");
  const button = form.querySelector("button[type=submit]");
  const next = safeNext(new URLSearchParams(location.search).get("next"));
  if (next) form.before(el("p", { class: "hint login-next" }, t("login.next")));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const empty = missing(form);
    if (empty.length) return markErrors(form, empty);
    clearErrors(form);
    busy(button, true);
    try {
      const me = await api("/auth/login", {
        method: "POST",
        login: false,
        body: { email: form.email.value.trim(), password: form.password.value },
      });
      location.assign(next || homeFor(me));
    } catch (err) {
      busy(button, false);
      if (!(err instanceof ApiError)) throw err;
      if (err.code === "bad_login" || (err.status === 401 && !err.errors.length)) {
        markErrors(form, [{ message: t("login.bad") }], t("login.failed"));
        form.password.value = "";
      } else if (err.status === 429) {
        markErrors(form, [{ message: t("error.throttled", { seconds: err.retryAfter ?? 60 }) }], t("login.failed"));
      } else {
        showError(form, err);
      }
    }
  });
}
