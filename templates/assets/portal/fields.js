// Custom fields of GET /form (ticket fields and staff response fields): one input per
// type (text, textarea, number, date, select, multi_select, checkbox), laid out in the
// form's two columns (`layout: half | full`), read back as the API stores them, and
// shown as people read them (option labels, はい/yes, 不明/unknown).

import { t } from "./i18n.js";
import { el } from "./dom.js";

export function requiredMark() {
  return el("span", { class: "req" }, t("form.required"));
}

/**
 * The input for field `f`: `idPrefix` makes ids unique on the page, `name` is the API's
 * name (`fields.<key>`, `response_fields.<key>`) used to mark errors. `value` pre-fills it.
 */
export function fieldElement(f, idPrefix, name, value = "") {
  const id = `${idPrefix}-${f.key}`;
  const required = !!f.required;
  let control;
  switch (f.type) {
    case "select":
      control = el("select", { id, name, required }, el("option", { value: "" }, t("new.choose")), (f.options || []).map((o) => el("option", { value: o.key }, o.label)));
      control.value = value;
      break;
    case "multi_select": {
      const chosen = value ? value.split(",") : [];
      control = el(
        "div",
        { id, class: "multi-choice", role: "group", "data-multi": "" },
        (f.options || []).map((o) => el("label", { class: "multi-option" }, el("input", { type: "checkbox", value: o.key, checked: chosen.includes(o.key) }), " ", o.label)),
      );
      break;
    }
    case "checkbox":
      control = el("input", { id, name, type: "checkbox", checked: value === "yes" });
      break;
    case "textarea":
      control = el("textarea", { id, name, required, rows: "4" });
      control.value = value;
      break;
    case "number":
      control = el("input", { id, name, type: "text", inputmode: "decimal", required, autocomplete: "off" });
      control.value = value;
      break;
    case "date":
      control = el("input", { id, name, type: "date", required });
      control.value = value;
      break;
    default:
      control = el("input", { id, name, type: "text", required, autocomplete: "off", spellcheck: "false" });
      control.value = value;
  }
  const caption = [f.label];
  if (f.required) caption.push(" ", requiredMark());
  if (f.visible_to === "staff") caption.push(" ", el("span", { class: "badge badge-private" }, t("fields.staff_only")));
  const wrap =
    f.type === "checkbox"
      ? el("div", { class: "field field-check", "data-field": name }, el("label", { for: id }, control, " ", caption))
      : el("div", { class: "field", "data-field": name }, f.type === "multi_select" ? el("p", { class: "field-label" }, caption) : el("label", { for: id }, caption), control);
  if (f.layout === "full") wrap.classList.add("field-full");
  wrap.dataset.type = f.type;
  if (f.unknown_allowed) {
    const box = el("input", { type: "checkbox", id: id + "-unknown", "data-unknown": "" });
    const unknown = value === "unknown";
    box.checked = unknown;
    control.disabled = unknown;
    box.addEventListener("change", () => {
      control.disabled = box.checked;
      if (box.checked && "value" in control) control.value = "";
      wrap.classList.toggle("is-unknown", box.checked);
    });
    wrap.append(el("label", { class: "unknown", for: box.id }, box, " ", t("new.unknown")));
  }
  if (f.help) {
    wrap.append(el("p", { class: "hint", id: id + "-hint" }, f.help));
    control.setAttribute("aria-describedby", id + "-hint");
  }
  return wrap;
}

/** The value of a field element as the API takes it ("" for none). */
export function fieldValue(wrap) {
  if (wrap.querySelector("[data-unknown]")?.checked) return "unknown";
  switch (wrap.dataset.type) {
    case "multi_select":
      return [...wrap.querySelectorAll("[data-multi] input:checked")].map((b) => b.value).join(",");
    case "checkbox":
      return wrap.querySelector("input[type=checkbox]:not([data-unknown])").checked ? "yes" : "";
    default:
      return wrap.querySelector("input:not([data-unknown]), select, textarea").value.trim();
  }
}

/** A stored value as people read it. A field the form no longer has shows as stored. */
export function fieldText(f, value) {
  if (value === "unknown") return t("new.unknown");
  if (!f) return value;
  const label = (k) => (f.options || []).find((o) => o.key === k)?.label ?? k;
  switch (f.type) {
    case "select":
      return label(value);
    case "multi_select":
      return value.split(",").map(label).join(t("fields.separator"));
    case "checkbox":
      return value === "yes" ? t("fields.yes") : "";
    default:
      return value;
  }
}

/**
 * A definition list of stored `values` (ordered as the form orders `defs`, then keys the
 * form no longer has), or null when there are none.
 */
export function fieldList(defs, values, cls = "field-values") {
  const keys = Object.keys(values || {});
  if (!keys.length) return null;
  const known = (defs || []).filter((f) => f.key in values);
  const rest = keys.filter((k) => !known.some((f) => f.key === k)).sort();
  const rows = [...known.map((f) => [f.label, fieldText(f, values[f.key]), f]), ...rest.map((k) => [k, values[k], null])];
  return el(
    "dl",
    { class: cls },
    rows.flatMap(([dt, dd, f]) => [el("dt", {}, dt, f?.visible_to === "staff" ? " " : null, f?.visible_to === "staff" ? el("span", { class: "badge badge-private" }, t("fields.staff_only")) : null), el("dd", { class: f?.type === "textarea" ? "pre-wrap" : null }, dd)]),
  );
}
