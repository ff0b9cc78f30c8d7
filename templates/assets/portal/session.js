// Who is logged in: GET /me once per page, the name and logout button in the header,
// and the user's time zone for every time shown.

import { api } from "./api.js";
import { page, setTimeZone } from "./i18n.js";

let current = null;

/** The logged-in user (`Me`); goes to the login page when there is none. */
export function me() {
  current ??= api("/me").then((m) => {
    showAccount(m);
    if (m.settings?.time_zone) setTimeZone(m.settings.time_zone);
    return m;
  });
  current.catch(() => (current = null));
  return current;
}

export function isStaff(m) {
  return m.role === "agent" || m.role === "admin";
}

function showAccount(m) {
  const box = document.querySelector("[data-account]");
  if (!box) return;
  const name = box.querySelector("[data-account-name]");
  name.textContent = m.name;
  name.title = m.company ? `${m.name} (${m.company.name})` : m.email;
  box.hidden = false;
  // The company's account list: for its user admins and inquiry admins only.
  for (const li of document.querySelectorAll("[data-nav-accounts]")) li.hidden = !m.can_manage_accounts;
  // The staff desk's dashboard: staff only.
  for (const li of document.querySelectorAll("[data-nav-staff]")) li.hidden = !isStaff(m);
}

/** The logout button: ends the session, then the login page. */
export function wireLogout() {
  for (const b of document.querySelectorAll("[data-logout]")) {
    b.addEventListener("click", async () => {
      b.disabled = true;
      try {
        await api("/auth/logout", { method: "POST", login: false });
      } catch {
        /* already logged out, or no server: leave anyway */
      }
      location.assign(page.login);
    });
  }
}
