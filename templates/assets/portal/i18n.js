// The portal's UI strings (the `portal.` keys of templates/i18n, rendered into the page)
// and times, durations and sizes in the reader's language and time zone.

const body = document.body.dataset;
const strings = JSON.parse(document.getElementById("portal-strings")?.textContent || "{}");

/** The page: its language, URL prefix ("" or "/en"), screen and login URL. */
export const page = {
  lang: document.documentElement.lang || "ja",
  prefix: body.prefix || "",
  name: body.page || "",
  login: body.login || "/portal/login/",
  home: (body.prefix || "") + "/portal/",
};

/** `t("state.new")` is the string `portal.state.new`; `{name}` placeholders are filled from `vars`. */
export function t(key, vars) {
  const s = strings["portal." + key] ?? key;
  return vars ? s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m)) : s;
}

/** Whether a string exists (for labels of values the API may add later). */
export function has(key) {
  return ("portal." + key) in strings;
}

/** The label of an enumerated value, or the value itself when there is none. */
export function label(group, value) {
  return has(group + "." + value) ? t(group + "." + value) : String(value ?? "");
}

let zone = body.timeZone || "Asia/Tokyo";

/** Times are shown in the user's zone once it is known (settings.time_zone). */
export function setTimeZone(name) {
  try {
    new Intl.DateTimeFormat(page.lang, { timeZone: name });
    zone = name;
  } catch {
    /* an unknown zone keeps the site's */
  }
}

export function timeZone() {
  return zone;
}

/** `2026/11/23 10:05` or `Nov 23, 2026, 10:05 AM`, in the user's zone. */
export function formatTime(iso, withZone = false) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const opts = { dateStyle: "medium", timeStyle: "short", timeZone: zone };
  const s = new Intl.DateTimeFormat(page.lang, opts).format(d);
  if (!withZone) return s;
  const part = new Intl.DateTimeFormat(page.lang, { timeZone: zone, timeZoneName: "short" })
    .formatToParts(d)
    .find((p) => p.type === "timeZoneName");
  return part ? `${s} (${part.value})` : s;
}

const UNITS = [
  ["year", 365 * 86400],
  ["month", 30 * 86400],
  ["day", 86400],
  ["hour", 3600],
  ["minute", 60],
];

/** "3日前", "3 days ago", "2時間後": the largest whole unit; "今" / "now" under a minute. */
export function relative(iso, now = Date.now()) {
  const secs = Math.round((new Date(iso).getTime() - now) / 1000);
  if (Number.isNaN(secs)) return "";
  for (const [unit, size] of UNITS) {
    if (Math.abs(secs) >= size) {
      return new Intl.RelativeTimeFormat(page.lang, { numeric: "always" }).format(Math.trunc(secs / size), unit);
    }
  }
  return new Intl.RelativeTimeFormat(page.lang, { numeric: "auto" }).format(0, "second");
}

/** A `<time>` showing the absolute time, or the relative one with the absolute as its title. */
export function timeElement(iso, mode = "absolute") {
  const el = document.createElement("time");
  if (!iso) return el;
  el.dateTime = iso;
  const abs = formatTime(iso, true);
  if (mode === "relative") {
    el.textContent = relative(iso);
    el.title = abs;
  } else {
    el.textContent = formatTime(iso);
    el.title = abs;
  }
  return el;
}

/** "512 B", "120 KB", "2.4 MB", like the public site's file sizes. */
export function fileSize(bytes) {
  const n = new Intl.NumberFormat(page.lang, { maximumFractionDigits: 1 });
  if (bytes >= 1024 * 1024 * 1024) return n.format(bytes / 1024 ** 3) + " GB";
  if (bytes >= 1024 * 1024) return n.format(bytes / 1024 ** 2) + " MB";
  if (bytes >= 1024) return Math.ceil(bytes / 1024) + " KB";
  return bytes + " B";
}

/** This page in another language, from the language switch (`/en/portal/settings/`). */
export function pathIn(lang) {
  if (lang === page.lang) return location.pathname;
  const a = document.querySelector(`.lang a[hreflang="${CSS.escape(lang)}"]`);
  return a ? new URL(a.href, location.origin).pathname : null;
}
