// Staff exports (seed 003): the list as it is shown (whose, state, keywords, order; the
// staff search's words and filters) as
// CSV or Excel, with progress, and a ticket's report. The files are made by the API;
// this only asks for them, shows how far they are, and saves them.

import { download, saveFile } from "./api.js";
import { page, t } from "./i18n.js";

/** Wires the list's export buttons; `current()` gives the list's view. */
export function setupListExport(current) {
  const box = document.querySelector("[data-export]");
  if (!box) return;
  box.hidden = false;
  const status = box.querySelector("[data-export-status]");
  const bar = box.querySelector("[data-export-progress]");
  const buttons = [...box.querySelectorAll("[data-format]")];
  for (const b of buttons) {
    b.addEventListener("click", async () => {
      const view = current();
      // The staff search exports its result (the same words and filters); other lists as shown.
      const p = view.search ? new URLSearchParams(view.search) : new URLSearchParams({ of: view.of, filter: view.filter, order: view.order });
      if (!view.search && view.q) p.set("q", view.q);
      p.set("format", b.dataset.format);
      p.set("lang", page.lang);
      for (const x of buttons) x.disabled = true;
      bar.hidden = false;
      bar.removeAttribute("value");
      status.textContent = b.dataset.format === "xlsx" ? t("export.preparing") : t("export.started");
      try {
        const file = await download("/tickets/export?" + p, (at) => progress(at, bar, status));
        saveFile(file);
        status.textContent = t("export.done", { name: file.name });
      } catch (err) {
        if (!err.redirected) status.textContent = err.message;
      } finally {
        bar.hidden = true;
        for (const x of buttons) x.disabled = false;
      }
    });
  }
}

function progress({ rows, total, bytes, size }, bar, status) {
  if (rows !== null) {
    if (total) {
      bar.max = total;
      bar.value = Math.min(rows, total);
      status.textContent = t("export.rows", { rows: rows.toLocaleString(page.lang), total: total.toLocaleString(page.lang) });
    } else {
      status.textContent = t("export.rows_so_far", { rows: rows.toLocaleString(page.lang) });
    }
  } else if (size) {
    bar.max = size;
    bar.value = bytes;
    status.textContent = t("export.bytes", { percent: Math.floor((100 * bytes) / size) });
  }
}

/** The ticket page's "report" button. */
export function setupReport(number) {
  const button = document.querySelector("[data-report]");
  if (!button) return;
  button.hidden = false;
  const status = document.querySelector("[data-report-status]");
  button.addEventListener("click", async () => {
    button.disabled = true;
    status.textContent = t("export.preparing");
    try {
      const file = await download(`/tickets/${encodeURIComponent(number)}/report?lang=${page.lang}`);
      saveFile(file);
      status.textContent = t("export.done", { name: file.name });
    } catch (err) {
      if (!err.redirected) status.textContent = err.message;
    } finally {
      button.disabled = false;
    }
  });
}
