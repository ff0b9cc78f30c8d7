// Attachments: each file is checked against the limits, uploaded as soon as it is
// chosen or dropped (POST /uploads, with progress), and removable before sending
// (DELETE /uploads/{id}). The form sends the ids of the finished uploads.

import { api, upload } from "./api.js";
import { fileSize, t } from "./i18n.js";
import { el } from "./dom.js";

/**
 * Wires one `[data-uploads]` with `limits` (from GET /form, or defaults).
 * Returns `{ids(), pending(), clear()}`.
 */
export function setupUploads(root, limits = {}) {
  const maxBytes = limits.max_attachment_bytes || 100 * 1024 * 1024;
  const maxCount = limits.max_attachments || 10;
  const input = root.querySelector("input[type=file]");
  const list = root.querySelector("[data-upload-list]");
  const items = new Set();
  root.querySelector("[data-upload-limits]").textContent = t("upload.limits", { size: fileSize(maxBytes), count: maxCount });

  function remove(item) {
    items.delete(item);
    item.row.remove();
    if (item.task) item.task.abort();
    if (item.id) api(`/uploads/${encodeURIComponent(item.id)}`, { method: "DELETE" }).catch(() => {});
    input.focus();
  }

  function add(file) {
    const bar = el("progress", { max: "1", value: "0", "aria-label": t("upload.progress", { name: file.name }) });
    const state = el("span", { class: "upload-state" });
    const retryButton = el("button", { type: "button", class: "link-button upload-retry", hidden: true }, t("upload.retry"));
    const removeButton = el("button", { type: "button", class: "link-button upload-remove" }, t("upload.remove"));
    removeButton.setAttribute("aria-label", t("upload.remove_named", { name: file.name }));
    const row = el("li", { class: "upload" }, el("span", { class: "upload-name" }, file.name), el("span", { class: "upload-size muted" }, fileSize(file.size)), bar, state, retryButton, removeButton);
    const item = { file, row, id: null, task: null, failed: false };
    removeButton.addEventListener("click", () => remove(item));
    items.add(item);
    list.append(row);

    const fail = (message, retry) => {
      item.failed = true;
      row.className = "upload is-failed";
      bar.hidden = true;
      state.textContent = message;
      retryButton.hidden = !retry;
    };
    const send = () => {
      item.failed = false;
      row.className = "upload is-uploading";
      bar.hidden = false;
      bar.value = 0;
      retryButton.hidden = true;
      state.textContent = t("upload.uploading");
      item.task = upload(file, (p) => (bar.value = p));
      item.task.promise.then(
        (res) => {
          item.id = res.id;
          item.task = null;
          row.className = "upload is-done";
          bar.hidden = true;
          state.textContent = t("upload.done");
        },
        (err) => {
          item.task = null;
          if (err.code === "aborted") return;
          if (err.status === 413) return fail(t("upload.too_large", { size: fileSize(maxBytes) }), false);
          // A lost session or network can come back: the same file may be sent again.
          fail(err.status === 401 ? t("error.session") : err.message, true);
        },
      );
    };
    retryButton.addEventListener("click", send);
    if (file.size > maxBytes) return fail(t("upload.too_large", { size: fileSize(maxBytes) }), false);
    if ([...items].filter((i) => !i.failed).length > maxCount) return fail(t("upload.too_many", { count: maxCount }), false);
    send();
  }

  input.addEventListener("change", () => {
    for (const f of input.files) add(f);
    input.value = "";
  });
  const zone = root.querySelector("[data-dropzone]");
  zone.addEventListener("dragover", (ev) => {
    ev.preventDefault();
    zone.classList.add("is-over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("is-over"));
  zone.addEventListener("drop", (ev) => {
    ev.preventDefault();
    zone.classList.remove("is-over");
    for (const f of ev.dataTransfer.files) add(f);
  });

  return {
    ids: () => [...items].filter((i) => i.id).map((i) => i.id),
    pending: () => [...items].some((i) => i.task),
    failed: () => [...items].some((i) => i.failed),
    /** After sending: the uploads now belong to the ticket. */
    clear() {
      items.clear();
      list.replaceChildren();
    },
  };
}
