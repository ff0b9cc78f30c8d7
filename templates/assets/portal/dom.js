// Small DOM helpers: building elements with text (never HTML from the API), and
// showing one of a screen's panels (loading, unavailable, the content ...).

/** `el("a", {href, class}, "text", child)`: attributes set one by one, children as text or nodes. */
export function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") e.className = v;
    else if (k === "dataset") Object.assign(e.dataset, v);
    else if (k in e && typeof v !== "string") e[k] = v;
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

/** Shows the `[data-panel=name]` elements of `scope` and hides the others. */
export function showPanel(name, scope = document) {
  for (const p of scope.querySelectorAll("[data-panel]")) {
    p.hidden = p.dataset.panel !== name;
  }
}

/** The "could not load" panel: says why, and retries with `retry`. */
export function showUnavailable(err, retry) {
  const panel = document.querySelector('[data-panel="unavailable"]');
  if (!panel) return;
  showPanel("unavailable");
  const detail = panel.querySelector("[data-unavailable-detail]");
  // The server's own words when it gave any; the panel's text covers the rest.
  if (detail) detail.textContent = err?.problem?.detail || "";
  const login = panel.querySelector("[data-login-link]");
  if (login) login.href = loginUrl();
  const button = panel.querySelector("[data-retry]");
  if (button) button.onclick = retry || (() => location.reload());
}

/** The login page, coming back here afterwards. */
export function loginUrl() {
  const login = document.body.dataset.login || "/portal/login/";
  return login + "?next=" + encodeURIComponent(location.pathname + location.search);
}

/** Calls `fn` once the input has been quiet for `ms`. */
export function debounce(fn, ms) {
  let timer = 0;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/** A message for the next page (e.g. "ticket created"), by string key: the next page
 * may be in another language. Shown by portal.js. */
export function flashNext(key, vars = {}) {
  try {
    sessionStorage.setItem("madoguchi.flash", JSON.stringify({ key, vars }));
  } catch {
    /* private mode: no message */
  }
}
