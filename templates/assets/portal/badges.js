// The coloured state badge and the priority mark, the same in the list and the ticket.

import { label } from "./i18n.js";
import { el } from "./dom.js";

export function stateBadge(state) {
  return el("span", { class: `badge state-${state}` }, label("state", state));
}

export function priorityMark(priority) {
  return el("span", { class: `priority priority-${priority}` }, label("priority", priority));
}

/** The URL of a ticket's page, in the page's language. */
export function ticketUrl(prefix, number) {
  return `${prefix}/portal/tickets/${encodeURIComponent(number)}`;
}
