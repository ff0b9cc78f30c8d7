// The one way the portal talks to /api/v1 (see the API contract): same-origin cookies,
// the page's language, the CSRF token on every write, one refresh when the access token
// has expired, the login page when there is no session, and errors as ApiError with the
// problem+json body.

import { page, t } from "./i18n.js";
import { loginUrl } from "./dom.js";

const BASE = "/api/v1";
const WRITES = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export class ApiError extends Error {
  constructor(status, problem = {}, retryAfter = null) {
    super(problem.detail || problem.title || describe(status, retryAfter));
    this.status = status;
    this.problem = problem;
    this.code = problem.code || (status ? `http_${status}` : "network");
    /** `[{field, code, message}]` from a 400. */
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
    this.retryAfter = retryAfter;
    /** The page is on its way to the login page: nothing to show. */
    this.redirected = false;
  }
}

/** What to say when the server sent no problem text (or no answer at all). */
function describe(status, retryAfter) {
  if (status === 0) return t("error.network");
  if (status === 429) return t("error.throttled", { seconds: retryAfter ?? 60 });
  if (status === 413) return t("error.too_large");
  if (status === 403) return t("error.forbidden");
  if (status === 404) return t("error.not_found");
  if (status >= 500) return t("error.server");
  return t("error.unexpected", { status });
}

function cookie(name) {
  const hit = document.cookie.split("; ").find((c) => c.startsWith(name + "="));
  return hit ? decodeURIComponent(hit.slice(name.length + 1)) : "";
}

function headers(method, extra) {
  const h = { Accept: "application/json", "Accept-Language": page.lang, ...extra };
  if (WRITES.has(method)) h["X-CSRF-Token"] = cookie("mg_csrf");
  return h;
}

async function problemOf(res) {
  const type = res.headers.get("Content-Type") || "";
  const retry = Number.parseInt(res.headers.get("Retry-After") || "", 10);
  let problem = {};
  if (type.includes("json")) {
    try {
      problem = await res.json();
    } catch {
      /* an empty or broken body: the status speaks */
    }
  }
  return new ApiError(res.status, problem, Number.isFinite(retry) ? retry : null);
}

let refreshing = null;

/** One refresh at a time, however many calls found their token expired together. */
function refresh() {
  refreshing ??= fetch(BASE + "/auth/refresh", {
    method: "POST",
    credentials: "same-origin",
    headers: headers("POST"),
  })
    .then((r) => r.ok)
    .catch(() => false)
    .finally(() => setTimeout(() => (refreshing = null), 0));
  return refreshing;
}

function toLogin() {
  location.assign(loginUrl());
  const e = new ApiError(401, { code: "login_required" });
  e.redirected = true;
  return e;
}

/**
 * `api("/tickets?of=mine")`, `api("/tickets", {method: "POST", body: {...}})`.
 * Resolves to the parsed JSON (null for an empty body); rejects with ApiError.
 * `login: false` keeps a 401 as an error instead of going to the login page.
 */
export async function api(path, { method = "GET", body, headers: extra = {}, login = true } = {}) {
  const init = () => ({
    method,
    credentials: "same-origin",
    headers: headers(method, body === undefined ? extra : { "Content-Type": "application/json", ...extra }),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const send = () =>
    fetch(BASE + path, init()).catch(() => {
      throw new ApiError(0, {});
    });
  let res = await send();
  if (res.status === 401) {
    const err = await problemOf(res);
    if (err.code === "token_expired" && (await refresh())) {
      res = await send();
    } else if (login) {
      throw toLogin();
    } else {
      throw err;
    }
    if (res.status === 401 && login) throw toLogin();
  }
  if (!res.ok) throw await problemOf(res);
  // 204, and 202 from /auth/forgot, come without a body.
  const text = await res.text();
  if (!text) return null;
  const type = res.headers.get("Content-Type") || "";
  if (!type.includes("json")) throw new ApiError(res.status, { detail: t("error.unexpected", { status: res.status }) });
  return JSON.parse(text);
}

/** The file name of a `Content-Disposition` (RFC 6266: `filename*` first). */
function fileName(disposition) {
  if (!disposition) return "";
  const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(disposition);
  if (star) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      /* a broken encoding: try the plain name */
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/i.exec(disposition);
  return plain ? plain[1].trim() : "";
}

/**
 * Downloads a file the API makes (an export, a report), with progress as it arrives:
 * `onProgress({rows, total, bytes, size})`. `rows` counts the lines of a CSV after its
 * header against the server's `X-Total-Count` (null when it cannot know); `bytes`
 * against `Content-Length` for other files. Resolves to `{blob, name}`.
 */
export async function download(path, onProgress = () => {}) {
  const send = () =>
    fetch(BASE + path, { credentials: "same-origin", headers: { "Accept-Language": page.lang } }).catch(() => {
      throw new ApiError(0, {});
    });
  let res = await send();
  if (res.status === 401) {
    const err = await problemOf(res);
    if (err.code !== "token_expired" || !(await refresh())) throw toLogin();
    res = await send();
    if (res.status === 401) throw toLogin();
  }
  if (!res.ok) throw await problemOf(res);
  const number = (h) => {
    const n = Number.parseInt(res.headers.get(h) || "", 10);
    return Number.isFinite(n) ? n : null;
  };
  const total = number("X-Total-Count");
  const size = number("Content-Length");
  const csv = (res.headers.get("Content-Type") || "").startsWith("text/csv");
  const reader = res.body.getReader();
  const chunks = [];
  let bytes = 0;
  let lines = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    bytes += value.length;
    if (csv) for (const b of value) if (b === 10) lines += 1;
    onProgress({ rows: csv ? Math.max(0, lines - 1) : null, total, bytes, size });
  }
  const type = res.headers.get("Content-Type") || "application/octet-stream";
  return { blob: new Blob(chunks, { type }), name: fileName(res.headers.get("Content-Disposition")) || "download" };
}

/** Hands a downloaded file to the browser to save. */
export function saveFile({ blob, name }) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Whether this portal takes files straight into storage (on AWS); null until asked. */
let directUploads = null;

/**
 * Uploads one file with progress (fetch cannot report it): `onProgress(0..1)`.
 * Where the portal offers it (AWS), the file goes straight to storage with a presigned
 * request and is then registered (`/uploads/presign`, `/uploads/{id}/complete`), so a
 * large file never passes through the API; elsewhere (`/uploads/presign` is 404) it is
 * streamed to `POST /uploads`.
 * Returns `{promise, abort}`; the promise resolves to `{id, name, size, content_type}`.
 */
export function upload(file, onProgress) {
  let xhr = null;
  let aborted = false;
  const abortedError = () => Object.assign(new ApiError(0, {}), { code: "aborted" });
  const send = (method, url, sendHeaders, withCredentials) =>
    new Promise((resolve, reject) => {
      if (aborted) return reject(abortedError());
      xhr = new XMLHttpRequest();
      xhr.open(method, url);
      xhr.withCredentials = withCredentials;
      for (const [k, v] of Object.entries(sendHeaders)) xhr.setRequestHeader(k, v);
      xhr.upload.onprogress = (e) => e.lengthComputable && onProgress?.(e.loaded / e.total);
      xhr.onerror = () => reject(new ApiError(0, {}));
      xhr.onabort = () => reject(abortedError());
      xhr.onload = () => {
        let problem = {};
        try {
          problem = JSON.parse(xhr.responseText || "{}");
        } catch {
          /* not JSON (storage answers XML or nothing) */
        }
        if (xhr.status >= 200 && xhr.status < 300) resolve(problem);
        else {
          const retry = Number.parseInt(xhr.getResponseHeader("Retry-After") || "", 10);
          reject(new ApiError(xhr.status, problem, Number.isFinite(retry) ? retry : null));
        }
      };
      xhr.send(file);
    });
  const viaApi = () =>
    send(
      "POST",
      `${BASE}/uploads?name=${encodeURIComponent(file.name)}`,
      headers("POST", { "Content-Type": file.type || "application/octet-stream" }),
      true,
    );
  const direct = async () => {
    let offer;
    try {
      offer = await api("/uploads/presign", { method: "POST", body: { name: file.name, size: file.size }, login: false });
    } catch (err) {
      if (err.status !== 404) throw err;
      directUploads = false;
      return viaApi();
    }
    directUploads = true;
    await send(offer.method, offer.url, offer.headers, false);
    return api(`/uploads/${encodeURIComponent(offer.id)}/complete`, { method: "POST", login: false });
  };
  const once = () => (directUploads === false ? viaApi() : direct());
  // A lost session stays an error here: uploads happen inside forms whose text must stay.
  const promise = once().catch(async (err) => {
    if (!aborted && err.status === 401 && err.code === "token_expired" && (await refresh())) return once();
    throw err;
  });
  return {
    promise,
    abort() {
      aborted = true;
      xhr?.abort();
    },
  };
}

/**
 * The Idempotency-Key of one logical submit. It stays the same across retries after a
 * lost answer, a timeout, throttling or a server error (the first try may have gone
 * through), and is renewed once the server has answered any other 4xx, or succeeded
 * (that try created nothing, or the next submit is a new one).
 */
export function submitKey() {
  let key = null;
  return {
    get: () => (key ??= idempotencyKey()),
    settle(err) {
      const rejected = err && err.status >= 400 && err.status < 500 && err.status !== 408 && err.status !== 429;
      if (!err || rejected) key = null;
    },
  };
}

function idempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  // Outside a secure context (plain http on a LAN) randomUUID is missing.
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
