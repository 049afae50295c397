// lib/state.js: the one reducer. Every page keeps /api/v1/events/{id}/state and changes it here,
// one logged message at a time, so that the state after the messages is the state a fresh load
// would give the same viewer. tests/browser/test_reducer.py runs this module in Chromium over
// every logged type, as each kind of viewer, and compares with /state.

import { byCreated, byId, remove, upsert } from "./collections.js";

/** Dated agenda items first, by start; undated ones after, by when they were added. */
const byAgenda = (a, b) =>
  (a.starts_at === null) - (b.starts_at === null) || compare(a.starts_at || a.created_at, b.starts_at || b.created_at) || a.id - b.id;

/** Pinned entries first, then newest first. */
const byEntry = (a, b) => b.pinned - a.pinned || compare(b.created_at, a.created_at) || b.id - a.id;

const compare = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

const find = (items, id) => items.find((item) => item.id === id) || null;

/** Put `data` in its parent's `key` list (a card on its board, a note in its group). */
const into = (parents, parentKey, key, order) => (state, data) => {
  const parent = find(state[parents], data[parentKey]);
  if (parent) upsert(parent[key], data, order);
};

/** Take the thing out of whichever parent holds it. */
const outOf = (parents, key) => (state, data) => state[parents].forEach((parent) => remove(parent[key], data.id));

/** A hidden board leaves everyone's state but the facilitators'. */
function boardMessage(state, data) {
  remove(state.boards, data.id);
  if (state.role === "facilitator" || data.state !== "hidden") upsert(state.boards, data, byId);
}

const REDUCERS = {
  "event.updated": (state, data) => (state.event = data),
  "agenda.created": (state, data) => upsert(state.agenda, data, byAgenda),
  "agenda.updated": (state, data) => upsert(state.agenda, data, byAgenda),
  "agenda.deleted": (state, data) => remove(state.agenda, data.id),
  "entry.created": (state, data) => upsert(state.entries, data, byEntry),
  "entry.updated": (state, data) => upsert(state.entries, data, byEntry),
  "entry.deleted": (state, data) => remove(state.entries, data.id),
  "board.created": boardMessage,
  "board.updated": boardMessage,
  "card.created": into("boards", "board_id", "cards", byCreated),
  "card.updated": into("boards", "board_id", "cards", byCreated),
  "card.deleted": outOf("boards", "cards"),
  "theme.created": into("boards", "board_id", "themes", byId),
  "theme.updated": into("boards", "board_id", "themes", byId),
  "theme.deleted": outOf("boards", "themes"),
  "vote.changed": (state, data) => {
    const board = find(state.boards, data.board_id);
    const item = board && find(data.card_id ? board.cards : board.themes, data.card_id || data.theme_id);
    if (item) item.votes = data.votes;
  },
  // Groups arrive whole; a move carries every group it touched.
  "breakout.created": (state, data) => upsert(state.breakouts, data, byId),
  "breakout.updated": (state, data) => upsert(state.breakouts, data, byId),
  "breakout.member": (state, data) => data.breakouts.forEach((group) => upsert(state.breakouts, group, byId)),
  "breakout.opened": () => {}, // a call to the groups: the moves before it changed the state
  "note.created": into("breakouts", "breakout_id", "notes", byCreated),
  "note.updated": into("breakouts", "breakout_id", "notes", byCreated),
  "note.deleted": outOf("breakouts", "notes"),
  "timer.started": (state, data) => (state.timer = data),
  "timer.stopped": (state) => (state.timer = null),
  "screen.changed": (state, data) => (state.screen = data),
  // Logged for the console's lists; /state holds no screens or actions.
  "screen.paired": () => {},
  "screen.unpaired": () => {},
  "action.created": () => {},
  "action.updated": () => {},
};

/** The logged types this reducer knows; the test fails on any the server logs beyond these. */
export const KNOWN_TYPES = Object.freeze(Object.keys(REDUCERS));

/**
 * Change `state` in place as one logged message says, and move its seq on. Returns false, and
 * changes nothing, for a type it does not know (a newer server's), so the page carries on.
 */
export function applyMessage(state, { type, data, seq }) {
  const reduce = REDUCERS[type];
  if (!reduce) return false;
  reduce(state, data);
  if (seq !== undefined && seq > (state.seq ?? 0)) state.seq = seq;
  return true;
}
