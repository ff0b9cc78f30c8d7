// The portal screens (templates/portal): what every screen shares, then the module of
// this screen, named by the body's data-page.

import { page, t } from "./portal/i18n.js";
import { wireLogout } from "./portal/session.js";

const SCREENS = {
  index: "list",
  dashboard: "dashboard",
  new: "new",
  ticket: "ticket",
  settings: "settings",
  accounts: "accounts",
  login: "login",
  forgot: "password",
  reset: "password",
  register: "register",
  "forgot-id": "register",
};

/** The language switch keeps what the URL carries: the ticket number, ?next=, ?token=. */
function keepUrlInLanguageLinks() {
  const number = location.pathname.match(/\/portal\/tickets\/([^/]+)\/?$/)?.[1];
  for (const a of document.querySelectorAll(".lang a[hreflang]")) {
    const url = new URL(a.href, location.origin);
    if (number) url.pathname = url.pathname.replace(/\/portal\/ticket\/$/, `/portal/tickets/${number}`);
    url.search = location.search;
    a.href = url.pathname + url.search;
  }
}

function showFlash() {
  let flash = null;
  try {
    flash = JSON.parse(sessionStorage.getItem("madoguchi.flash") || "null");
    sessionStorage.removeItem("madoguchi.flash");
  } catch {
    return;
  }
  const box = document.querySelector("[data-flash]");
  if (flash?.key && box) {
    box.textContent = t(flash.key, flash.vars);
    box.hidden = false;
  }
}

keepUrlInLanguageLinks();
wireLogout();
showFlash();
const screen = SCREENS[page.name];
if (screen) {
  import(`./portal/${screen}.js`)
    .then((m) => m.start())
    .catch((e) => {
      console.error(e);
      const box = document.querySelector("[data-flash]");
      if (box) {
        box.textContent = t("error.script");
        box.classList.add("flash-error");
        box.hidden = false;
      }
    });
}
