// The Markdown editor: a toolbar (bold, italic, strike, list, link, code; Ctrl+B and
// Ctrl+I) that edits the text area's selection, and a preview tab rendered by the
// server (POST /preview), whose sanitized HTML is shown as is.

import { api } from "./api.js";
import { t } from "./i18n.js";
import { el } from "./dom.js";

/** Replaces the selection with `before + selected-or-placeholder + after`, keeping it selected. */
function wrap(area, before, after, placeholder) {
  const { selectionStart: s, selectionEnd: e, value } = area;
  const inner = value.slice(s, e) || placeholder;
  area.focus();
  area.setRangeText(before + inner + after, s, e, "end");
  area.setSelectionRange(s + before.length, s + before.length + inner.length);
}

/** Prefixes every line of the selection (or the current line) with `- `. */
function list(area) {
  const { selectionStart: s, selectionEnd: e, value } = area;
  const start = value.lastIndexOf("\n", s - 1) + 1;
  const end = value.indexOf("\n", e) === -1 ? value.length : value.indexOf("\n", e);
  const lines = value.slice(start, end).split("\n");
  const all = lines.every((l) => l.startsWith("- "));
  const text = lines.map((l) => (all ? l.slice(2) : "- " + l)).join("\n");
  area.focus();
  area.setRangeText(text, start, end, "select");
}

const ACTIONS = {
  bold: (a) => wrap(a, "**", "**", t("editor.sample")),
  italic: (a) => wrap(a, "*", "*", t("editor.sample")),
  strike: (a) => wrap(a, "~~", "~~", t("editor.sample")),
  list,
  link: (a) => {
    const { selectionStart: s, selectionEnd: e, value } = a;
    const text = value.slice(s, e) || t("editor.link_text");
    a.focus();
    a.setRangeText(`[${text}](https://)`, s, e, "end");
    // Select the address so that typing replaces it.
    const at = s + text.length + 3;
    a.setSelectionRange(at, at + "https://".length);
  },
  code: (a) => {
    const sel = a.value.slice(a.selectionStart, a.selectionEnd);
    if (sel.includes("\n")) wrap(a, "```\n", "\n```", "");
    else wrap(a, "`", "`", "code");
  },
};

function setTab(root, name) {
  for (const tab of root.querySelectorAll("[data-editor-tab]")) {
    const on = tab.dataset.editorTab === name;
    tab.setAttribute("aria-selected", String(on));
    tab.tabIndex = on ? 0 : -1;
  }
  root.querySelector(".editor-write").hidden = name !== "write";
  root.querySelector("[data-editor-preview]").hidden = name !== "preview";
  root.classList.toggle("is-preview", name === "preview");
}

async function preview(root, area) {
  const box = root.querySelector("[data-editor-preview]");
  if (!area.value.trim()) {
    box.replaceChildren(el("p", { class: "muted" }, t("editor.nothing")));
    return;
  }
  box.replaceChildren(el("p", { class: "muted" }, t("loading")));
  try {
    const { html } = await api("/preview", { method: "POST", login: false, body: { body: area.value } });
    // The server sanitizes the HTML it renders from Markdown (the contract's body_html rule).
    box.innerHTML = html;
  } catch (err) {
    const why = err.status === 401 ? t("error.session") : err.message;
    box.replaceChildren(el("p", { class: "field-error" }, t("editor.preview_failed"), " ", why));
  }
}

/** Wires one `[data-editor]`; returns its text area. */
export function setupEditor(root) {
  const area = root.querySelector("textarea");
  for (const b of root.querySelectorAll("[data-md]")) {
    b.addEventListener("click", () => {
      ACTIONS[b.dataset.md](area);
      area.dispatchEvent(new Event("input", { bubbles: true }));
    });
  }
  area.addEventListener("keydown", (ev) => {
    if (!(ev.ctrlKey || ev.metaKey) || ev.altKey) return;
    const action = { b: "bold", i: "italic" }[ev.key.toLowerCase()];
    if (action) {
      ev.preventDefault();
      ACTIONS[action](area);
      area.dispatchEvent(new Event("input", { bubbles: true }));
    }
  });
  const tabs = [...root.querySelectorAll("[data-editor-tab]")];
  for (const tab of tabs) {
    tab.addEventListener("click", () => {
      setTab(root, tab.dataset.editorTab);
      if (tab.dataset.editorTab === "preview") preview(root, area);
    });
    tab.addEventListener("keydown", (ev) => {
      if (ev.key !== "ArrowLeft" && ev.key !== "ArrowRight") return;
      const other = tabs[(tabs.indexOf(tab) + 1) % tabs.length];
      other.focus();
      other.click();
    });
  }
  return area;
}

/** Back to the write tab (after sending, or when an error points at the text). */
export function showWrite(root) {
  setTab(root, "write");
}
