// breakout-phone.js: the attendee's breakout group on their phone (/a/EVENT/breakout).
//
// It follows the event through live.js: the group's prompt and notes arrive live, new notes go
// through live.js's outbox (note.create over the WebSocket, so nothing typed is lost to bad
// Wi-Fi), and edits are PATCHed with the version they started from. When someone else saved
// the note first, the server answers 409 with the note as it is now, and the phone shows both
// versions and lets the writer choose; neither is ever dropped without them saying so.
import { fetchJSON } from "./lib/api.js";
import { formatClock, msLeft, secondsLeft, syncClock } from "./lib/clock.js";
import { el, scoped } from "./lib/dom.js";
import { Live, uuid } from "./live.js";
import { names } from "./breakouts.js";
import { applyMessage } from "./lib/state.js";

const JSON_HEADERS = { "Content-Type": "application/json" };
const CONFIRM_MS = 4000;

const root = document.querySelector("[data-breakout-phone]");
const { $, $$ } = scoped(root);
const app = {
  eventId: Number(root.dataset.eventId),
  me: Number(root.dataset.attendeeId),
  state: null,
  live: null,
  outbox: [],
  sending: new Map(), // ref -> note.create data, until the note itself arrives
  alerted: { minute: null, zero: null }, // the timer (ends_at) each alert was given for
};

function myGroup() {
  const mine = app.state.breakouts.filter((b) => b.members.some((m) => m.id === app.me));
  return mine.find((b) => b.state === "open") || mine[mine.length - 1] || null;
}

// -- rendering ------------------------------------------------------------------------------------

function render() {
  const group = myGroup();
  const open = app.state.breakouts.filter((b) => b.state === "open");
  const view = group ? "group" : open.length ? "pick" : "wait";
  for (const section of $$("[data-view]")) section.hidden = section.dataset.view !== view;
  if (group) renderGroup(group);
  else if (view === "pick") renderPick(open);
  renderTimer();
}

function renderGroup(group) {
  document.title = `${group.name} · Glimpse`;
  $("[data-group-name]").textContent = group.name;
  $("[data-group-prompt]").textContent = group.prompt;
  $("[data-group-prompt]").hidden = !group.prompt;
  const others = group.members.filter((m) => m.id !== app.me).map((m) => m.display_name).filter(Boolean);
  const unnamed = group.members.length - 1 - others.length;
  if (unnamed > 0) others.push(unnamed === 1 ? "1 more" : `${unnamed} more`);
  $("[data-group-members]").textContent = others.length ? `You, with ${names(others)}` : "Just you so far";
  const closed = group.state !== "open";
  $("[data-group-closed]").hidden = !closed;
  $("[data-note-form]").hidden = closed;
  renderNotes(group, closed);
}

function renderNotes(group, closed) {
  const list = $("[data-notes]");
  const seen = new Set();
  let previous = null;
  for (const note of group.notes) {
    seen.add(String(note.id));
    let item = list.querySelector(`[data-note-id="${note.id}"]`);
    if (!item) item = noteItem();
    fillNote(item, note, closed);
    if (previous ? previous.nextElementSibling !== item : list.firstElementChild !== item) {
      if (previous) previous.after(item);
      else list.prepend(item);
    }
    previous = item;
  }
  for (const item of [...list.querySelectorAll("[data-note-id]")]) {
    if (item.dataset.noteId && !seen.has(item.dataset.noteId)) noteGone(item);
  }
  renderPending(group, list);
  $("[data-notes-empty]").hidden = list.children.length > 0;
}

function noteItem() {
  return document.getElementById("tpl-note").content.firstElementChild.cloneNode(true);
}

function fillNote(item, note, closed) {
  item.dataset.noteId = note.id;
  item.note = note;
  item.querySelector("[data-note-text]").textContent = note.text;
  item.querySelector("[data-note-author]").textContent = note.author?.display_name || "";
  item.querySelector("[data-note-state]").textContent = note.version > 1 ? "· edited" : "";
  item.querySelector("[data-note-actions]").hidden = closed || item.dataset.mode === "edit" || item.dataset.mode === "conflict";
  item.querySelector("[data-edit]").setAttribute("aria-label", `Edit note: ${note.text.slice(0, 40)}`);
  item.querySelector("[data-delete]").setAttribute("aria-label", `Delete note: ${note.text.slice(0, 40)}`);
  if (item.dataset.mode === "conflict" && !item.dataset.gone) {
    // The panel shows the note as it is now, and "Use mine" saves over exactly that.
    item.querySelector("[data-theirs]").textContent = note.text;
    item.dataset.base = note.version;
  }
}

/** A note deleted by someone else: if this phone was editing it, keep the writer's text. */
function noteGone(item) {
  if (item.dataset.gone) return;
  if (item.dataset.mode === "edit" || item.dataset.mode === "conflict") {
    const mine = item.dataset.mode === "edit" ? item.querySelector("textarea").value : item.dataset.mine;
    showConflict(item, null, mine);
    return;
  }
  item.remove();
}

/** Notes still in the outbox: shown at once, marked as sending, until the server has them. */
function renderPending(group, list) {
  const arrived = new Set(group.notes.map((n) => n.client_id));
  const queued = app.outbox.filter((m) => m.type === "note.create").map((m) => ({ ref: m.ref, data: m.data }));
  const byClient = new Map([...app.sending].map(([ref, data]) => [data.client_id, { ref, data }]));
  for (const m of queued) byClient.set(m.data.client_id, m);
  const pending = [...byClient.values()].filter((m) => m.data.breakout_id === group.id && !arrived.has(m.data.client_id));
  for (const [ref, data] of app.sending) if (arrived.has(data.client_id)) app.sending.delete(ref);
  const refs = new Set(pending.map((m) => m.ref));
  for (const item of [...list.querySelectorAll("[data-pending]")]) if (!refs.has(item.dataset.pending)) item.remove();
  for (const message of pending) {
    if (list.querySelector(`[data-pending="${message.ref}"]`)) continue;
    list.append(el("li", { class: "note pending", dataset: { pending: message.ref } },
      el("p", { class: "note-text", text: message.data.text }),
      el("p", { class: "note-meta", text: "Sending…" })));
  }
}

function renderPick(open) {
  const list = $("[data-pick]");
  list.replaceChildren(
    ...open.map((group) => {
      const full = group.cap !== null && group.member_count >= group.cap;
      const count = group.cap ? `${group.member_count} of ${group.cap}` : `${group.member_count}`;
      return el("li", { class: "pick" },
        el("p", { class: "pick-name", text: group.name }),
        group.prompt ? el("p", { class: "pick-prompt", text: group.prompt }) : null,
        el("p", { class: "meta", text: group.member_count ? `${count} ${group.member_count === 1 ? "person" : "people"}${full ? " · full" : ""}` : "Nobody yet" }),
        el("button", { type: "button", class: "button primary", disabled: full, dataset: { join: group.id }, "aria-label": `Join ${group.name}` }, "Join"));
    }),
  );
}

// -- the timer ------------------------------------------------------------------------------------

function renderTimer() {
  const timer = app.state?.timer;
  const left = secondsLeft(timer);
  const box = $("[data-timer]");
  box.hidden = left === null;
  if (left === null) return;
  $("[data-timer-label]").textContent = timer.label ? `${timer.label}:` : "Time left:";
  $("[data-timer-left]").textContent = left > 0 ? formatClock(left * 1000) : "Time is up";
  box.dataset.phase = left === 0 ? "up" : left <= 60 ? "minute" : "running";
  // A gentle nudge, once each, at one minute and at zero; never for a timer long gone.
  if (left <= 60 && left > 50 && app.alerted.minute !== timer.ends_at) nudge("minute", timer, "One minute left.");
  if (left === 0 && -msLeft(timer) < 10000 && app.alerted.zero !== timer.ends_at) nudge("zero", timer, "Time is up.");
}

function nudge(which, timer, text) {
  app.alerted[which] = timer.ends_at;
  $("[data-timer-alert]").textContent = text;
  if (timer.chime) navigator.vibrate?.(which === "zero" ? [200, 100, 200] : 200);
}

setInterval(() => app.state && renderTimer(), 1000);

// -- writing ------------------------------------------------------------------------------------

$("[data-note-form]").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const text = form.elements.text.value.trim();
  const group = myGroup();
  if (!text || !group) return;
  const sent = sendNote(group, text);
  form.elements.text.value = "";
  $("[data-note-error]").hidden = true;
  $("[data-note-status]").textContent = "Note added.";
  sent.catch((error) => {
    // Refused (the group closed, say): give the text back rather than lose it.
    const box = form.elements.text;
    box.value = box.value ? `${box.value}\n${text}` : text;
    $("[data-note-status]").textContent = "";
    $("[data-note-error]").textContent = error.message;
    $("[data-note-error]").hidden = false;
  });
});

function sendNote(group, text) {
  const data = { breakout_id: group.id, client_id: uuid(), text };
  const { ref, promise } = app.live.send("note.create", data);
  app.sending.set(ref, data);
  render();
  return promise.catch((error) => {
    app.sending.delete(ref);
    render();
    throw error;
  });
}

function openEditor(item) {
  item.dataset.mode = "edit";
  item.dataset.base = item.note.version;
  const form = item.querySelector("[data-edit-form]");
  form.elements.text.value = item.note.text;
  form.hidden = false;
  item.querySelector("[data-note-actions]").hidden = true;
  form.elements.text.focus();
}

function closeEditor(item) {
  delete item.dataset.mode;
  delete item.dataset.mine;
  delete item.dataset.gone;
  item.querySelector("[data-edit-form]").hidden = true;
  item.querySelector("[data-conflict]").hidden = true;
  item.querySelector("[data-note-actions]").hidden = false;
  if (!item.note || !myGroup()?.notes.some((n) => n.id === item.note.id)) item.remove();
}

async function save(item, text, version) {
  try {
    const note = await fetchJSON(`/api/v1/notes/${item.note.id}`, {
      method: "PATCH", headers: JSON_HEADERS, body: JSON.stringify({ text, version }),
    });
    item.note = note;
    closeEditor(item);
    item.querySelector("[data-edit]").focus();
  } catch (error) {
    if (error.status === 409 && error.body?.error?.code === "stale_version") showConflict(item, error.body.error.details.current, text);
    else if (error.status === 404) showConflict(item, null, text);
    else showProblem(item, error);
  }
}

/** Both versions side by side; `current` is null when the note was deleted meanwhile. */
function showConflict(item, current, mine) {
  item.dataset.mode = "conflict";
  if (!current) item.dataset.gone = "1";
  item.dataset.mine = mine;
  if (current) {
    item.note = current;
    item.dataset.base = current.version;
  }
  item.querySelector("[data-edit-form]").hidden = true;
  item.querySelector("[data-note-actions]").hidden = true;
  const panel = item.querySelector("[data-conflict]");
  panel.querySelector(".note-conflict-title").textContent = current
    ? "Someone changed this note while you were editing it. Both versions are kept until you choose."
    : "Someone deleted this note while you were editing it. Your text is kept until you choose.";
  panel.querySelector("[data-theirs]").textContent = current ? current.text : "(deleted)";
  panel.querySelector("[data-mine]").textContent = mine;
  panel.querySelector("[data-keep-mine]").hidden = !current;
  panel.querySelector("[data-keep-theirs]").textContent = current ? "Use theirs" : "Discard mine";
  panel.querySelector("[data-keep-both]").textContent = current ? "Keep both" : "Add mine as a new note";
  panel.hidden = false;
  panel.querySelector("button:not([hidden])").focus();
}

function showProblem(item, error) {
  $("[data-note-error]").textContent = error.status ? error.message : "Glimpse could not be reached. Your edit is still here: try Save again.";
  $("[data-note-error]").hidden = false;
  item?.querySelector("[data-edit-form] textarea")?.focus();
}

function addAsNew(text) {
  const group = myGroup();
  if (group) sendNote(group, text).catch((error) => showProblem(null, error));
}

// A delete asks to be confirmed by a second tap within a few seconds.
function confirmDelete(button, item) {
  if (button.dataset.armed) {
    fetchJSON(`/api/v1/notes/${item.note.id}`, { method: "DELETE" }).catch((error) => showProblem(item, error));
    return;
  }
  button.dataset.armed = "1";
  button.textContent = "Tap again to delete";
  setTimeout(() => {
    delete button.dataset.armed;
    button.textContent = "Delete";
  }, CONFIRM_MS);
}

root.addEventListener("click", async (event) => {
  const button = event.target.closest("button");
  if (!button) return;
  const item = button.closest("[data-note-id]");
  if (button.dataset.join) return join(button);
  if (!item) return;
  if (button.matches("[data-edit]")) openEditor(item);
  else if (button.matches("[data-delete]")) confirmDelete(button, item);
  else if (button.matches("[data-cancel]")) closeEditor(item);
  else if (button.matches("[data-keep-mine]")) await save(item, item.dataset.mine, Number(item.dataset.base));
  else if (button.matches("[data-keep-theirs]")) closeEditor(item);
  else if (button.matches("[data-keep-both]")) {
    addAsNew(item.dataset.mine);
    closeEditor(item);
  }
});

root.addEventListener("submit", (event) => {
  const form = event.target.closest("[data-edit-form]");
  if (!form) return;
  event.preventDefault();
  const item = form.closest("[data-note-id]");
  save(item, form.elements.text.value.trim(), Number(item.dataset.base));
});

async function join(button) {
  const error = $("[data-pick-error]");
  error.hidden = true;
  button.disabled = true;
  try {
    const group = await fetchJSON(`/api/v1/breakouts/${button.dataset.join}/join`, { method: "POST" });
    applyMessage(app.state, { type: "breakout.updated", data: group });
    render();
  } catch (e) {
    error.textContent = e.status ? e.message : "Glimpse could not be reached. Try again.";
    error.hidden = false;
    button.disabled = false;
  }
}

// -- a table card, scanned by a phone already in the event -----------------------------------------

/** Sit at the card's table once (a reload does not ask again); a refusal says why. */
async function sitAtTable() {
  const table = Number(root.dataset.table);
  delete root.dataset.table;
  history.replaceState(null, "", location.pathname);
  if (myGroup()?.id === table && myGroup().state === "open") return;
  const error = $("[data-table-error]");
  try {
    const group = await fetchJSON(`/api/v1/breakouts/${table}/join`, { method: "POST" });
    applyMessage(app.state, { type: "breakout.updated", data: group });
    error.hidden = true;
    render();
  } catch (e) {
    error.textContent = e.status ? e.message : "Glimpse could not be reached. Scan the table card again.";
    error.hidden = false;
  }
}

// -- live -------------------------------------------------------------------------------------------

const LABELS = { connecting: "Connecting…", live: "Live", offline: "Offline: your notes wait on this phone", closed: "Not live" };
app.live = new Live({
  eventId: app.eventId,
  onState: (state) => {
    app.state = state;
    render();
    if (root.dataset.table) sitAtTable();
  },
  onMessage: (message) => {
    applyMessage(app.state, message);
    render();
  },
  onOutbox: (items) => {
    app.outbox = items;
    if (app.state) render();
  },
  onStatus: (status, detail) => {
    const conn = document.querySelector("[data-conn]");
    conn.dataset.conn = status;
    conn.querySelector("[data-conn-label]").textContent = LABELS[status] ?? status;
    if (status === "closed" && detail?.reason === "frozen") {
      conn.querySelector("[data-conn-label]").textContent = "This day has ended.";
      $("[data-day-over]").hidden = false;
    }
  },
});
syncClock();
app.live.start().catch(() => {
  document.querySelector("[data-conn-label]").textContent = "Could not load the event";
});
