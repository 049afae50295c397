// room.js: what the phone, the console's board page and the session screen share.
//
// The state they keep is /api/v1/events/{id}/state, changed by lib/state.js as each logged
// message says. The pages then redraw from the state; reconcile() keeps the elements of cards
// that stay, so focus, animations and scroll positions survive a redraw.

import { serverNow } from "./lib/clock.js";

export function boardById(state, id) {
  return state.boards.find((b) => b.id === id) || null;
}

/** The card `id` and its board, from any board in the state. */
export function findCard(state, id) {
  for (const board of state.boards) {
    const card = board.cards.find((c) => c.id === id);
    if (card) return { board, card };
  }
  return null;
}

/** The board the room is looking at: the screen's, else the first open one, else any shown. */
export function focusBoard(state) {
  const shown = state.boards.filter((b) => b.state !== "hidden");
  const { mode, target_id: target } = state.screen || {};
  let id = null;
  if (mode === "board" || mode === "results") id = target;
  if (mode === "spotlight") id = findCard(state, target)?.board.id ?? null;
  return shown.find((b) => b.id === id) || shown.find((b) => b.state === "open") || shown[0] || null;
}

/** The session running now: the one the screen names, else the latest that has started. */
export function currentSession(state, now = serverNow()) {
  if (state.screen?.mode === "agenda" && state.screen.target_id) {
    const named = state.agenda.find((i) => i.id === state.screen.target_id);
    if (named) return named;
  }
  const started = state.agenda.filter((i) => i.starts_at && Date.parse(i.starts_at) <= now);
  return started[started.length - 1] || null;
}

/** Why a card of yours is held back, said kindly. */
export function heldMessage(card) {
  if (card.status !== "pending") return "";
  if (card.held_reason) {
    const what = card.held_reason.replace(/^looks like /, "");
    return `This looks like it contains ${what}, so a facilitator will check it before it's shown.`;
  }
  return "A facilitator will check this card before it's shown.";
}

export function authorName(card) {
  if (!card.author) return card.anonymous ? "Anonymous" : "";
  const name = card.author.display_name || "";
  return card.author.kind === "facilitator" && name ? `${name} (facilitator)` : name;
}

/**
 * Make `list`'s children match `items` in order, reusing elements by key.
 * `make(item)` builds a new element, `update(el, item)` fills one; returns the new elements.
 */
export function reconcile(list, items, make, update, key = (item) => String(item.id)) {
  const old = new Map([...list.children].map((el) => [el.dataset.key, el]));
  const fresh = [];
  let cursor = list.firstElementChild;
  for (const item of items) {
    const k = key(item);
    let el = old.get(k);
    if (el) old.delete(k);
    else {
      el = make(item);
      el.dataset.key = k;
      fresh.push(el);
    }
    update(el, item);
    if (el !== cursor) list.insertBefore(el, cursor);
    else cursor = cursor.nextElementSibling;
  }
  for (const el of old.values()) el.remove();
  return fresh;
}

/** A copy of the <template id=...>'s first element. */
export function fromTemplate(id) {
  return document.getElementById(id).content.firstElementChild.cloneNode(true);
}

/** Fill the [data-slot=name] elements of `el`; an empty value hides the slot. */
export function fill(el, values) {
  for (const [name, value] of Object.entries(values)) {
    const slot = el.querySelector(`[data-slot="${name}"]`);
    if (!slot) continue;
    slot.textContent = value ?? "";
    slot.hidden = value === "" || value === null || value === undefined;
  }
}
