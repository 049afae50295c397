// console-board.js: one board, live, for its facilitators: the moderation queue (keyboard:
// j/k move, a approves, h hides), the wall grouped by theme (drag a card onto a theme, or pick
// one from its list), themes, the vote, and the session screen and timer.
import { api } from "./lib/api.js";
import { formatClock, msLeft, shownTimer, syncClock } from "./lib/clock.js";
import { scoped } from "./lib/dom.js";
import { Live } from "./live.js";
import { applyMessage } from "./lib/state.js";
import { authorName, boardById, fill, fromTemplate, reconcile } from "./room.js";

const root = document.querySelector("[data-board-console]");
const { $, $$ } = scoped(root);
const boardId = Number(root.dataset.boardId);
const eventId = Number(root.dataset.eventId);
const view = { state: null, focusNext: null };

// -- talking to the API -------------------------------------------------------------------------

function say(selector, text) {
  const node = $(selector);
  node.textContent = text;
  node.hidden = !text;
}

async function act(request, done = "") {
  say("[data-error]", "");
  try {
    const result = await request();
    say("[data-note]", done);
    return result;
  } catch (e) {
    say("[data-note]", "");
    say("[data-error]", e.status ? e.message : "Glimpse could not be reached; try again in a moment.");
    return null;
  }
}

const patchCard = (id, changes) =>
  act(async () => {
    const card = await api("PATCH", `/api/v1/cards/${id}`, changes);
    applyMessage(view.state, { type: "card.updated", data: card });
    render();
  });

const showOnScreen = (mode, targetId = null) => act(() => api("POST", `/api/v1/events/${eventId}/screen`, { mode, target_id: targetId }));

// -- drawing --------------------------------------------------------------------------------------

const board = () => boardById(view.state, boardId);

function render() {
  const b = view.state && board();
  if (!b) return;
  const count = (status) => b.cards.filter((c) => c.status === status).length;
  $("[data-board-state]").textContent = b.state;
  $("[data-counts]").textContent = `${count("visible")} shown · ${count("pending")} to check · ${count("hidden")} hidden`;
  renderRoom(b);
  renderQueue(b);
  renderWall(b);
  renderThemes(b);
  renderSettings(b);
}

function makeCard() {
  const li = fromTemplate("tpl-bc-card");
  li.addEventListener("dragstart", (event) => event.dataTransfer.setData("text/plain", li.dataset.key));
  li.querySelector("[data-theme-select]").addEventListener("change", (event) => {
    patchCard(Number(li.dataset.key), { theme_id: event.target.value ? Number(event.target.value) : null });
  });
  for (const button of li.querySelectorAll("[data-act]")) button.addEventListener("click", () => cardAction(li, button.dataset.act));
  return li;
}

function updateCard(li, card, b) {
  fill(li, {
    text: card.text,
    column: card.column,
    author: authorName(card) || "No name",
    share: consentLabel(card),
    votes: card.votes ? `${card.votes} dot${card.votes === 1 ? "" : "s"}` : "",
    held: card.held_reason ? `Held back: it ${card.held_reason}.` : "",
    redacted: card.redacted ? "Redacted" : "",
  });
  // Redacting is done on the review page, where the card's text can be edited at leisure.
  const redact = li.querySelector("[data-redact-link]");
  redact.href = `/console/events/${eventId}/review#pending-card-${card.id}`;
  redact.hidden = card.status !== "pending";
  li.dataset.status = card.status;
  li.dataset.column = card.column;
  li.querySelector("[data-slot=share]").classList.toggle("share-ok", card.text_consent);
  li.draggable = card.status === "visible";
  const shown = { approve: card.status === "pending", hide: card.status !== "hidden", show: card.status === "hidden" };
  shown.spotlight = shown.promote = card.status === "visible";
  shown.promote &&= card.text_consent;
  for (const [name, on] of Object.entries(shown)) li.querySelector(`[data-act="${name}"]`).hidden = !on;
  const select = li.querySelector("[data-theme-select]");
  select.parentElement.hidden = card.status !== "visible";
  const options = [["", "No theme"], ...b.themes.map((t) => [String(t.id), t.title])];
  if (select.dataset.options !== JSON.stringify(options)) {
    select.dataset.options = JSON.stringify(options);
    select.replaceChildren(...options.map(([value, label]) => new Option(label, value)));
  }
  select.value = card.theme_id ? String(card.theme_id) : "";
}

// What its author agreed to: the room sees every card; public pages only what they shared.
function consentLabel(card) {
  if (!card.text_consent) return "Not for public pages";
  return card.name_consent ? "Public, with name" : "Public, without name";
}

function cardAction(li, action) {
  const id = Number(li.dataset.key);
  if (action === "approve" || action === "show") return patchCard(id, { status: "visible" });
  if (action === "hide") return patchCard(id, { status: "hidden" });
  if (action === "spotlight") return showOnScreen("spotlight", id);
  if (action === "promote") return act(() => api("POST", `/api/v1/cards/${id}/promote`), "Quoted on the live blog.");
  return null;
}

function renderQueue(b) {
  const pending = b.cards.filter((c) => c.status === "pending");
  const list = $("[data-queue]");
  reconcile(list, pending, makeCard, (li, card) => updateCard(li, card, b));
  $("[data-queue-count]").textContent = String(pending.length);
  $("[data-queue-empty]").hidden = pending.length > 0;
  // One stop in the tab order for the whole queue; j and k move inside it.
  const items = [...list.children];
  let keep = items.find((li) => li === document.activeElement) || items[0];
  if (view.focusNext !== null) {
    keep = items.find((li) => li.dataset.key === view.focusNext) || items[0];
    keep?.focus();
    view.focusNext = null;
  }
  for (const li of items) li.tabIndex = li === keep ? 0 : -1;
}

function onQueueKey(event) {
  if (event.target.closest("select, input, textarea") || event.altKey || event.ctrlKey || event.metaKey) return;
  const items = [...$("[data-queue]").children];
  const current = event.target.closest(".bc-card");
  const i = items.indexOf(current);
  const move = { j: 1, ArrowDown: 1, k: -1, ArrowUp: -1 }[event.key];
  if (move) {
    event.preventDefault();
    const target = items[Math.min(items.length - 1, Math.max(0, i + move))];
    if (target) {
      items.forEach((li) => (li.tabIndex = li === target ? 0 : -1));
      target.focus();
    }
  } else if ((event.key === "a" || event.key === "h") && current) {
    event.preventDefault();
    const after = items[i + 1] || items[i - 1];
    view.focusNext = after ? after.dataset.key : "";
    patchCard(Number(current.dataset.key), { status: event.key === "a" ? "visible" : "hidden" });
  }
}

function renderWall(b) {
  const visible = b.cards.filter((c) => c.status === "visible");
  const groups = [...b.themes, { id: null, title: "No theme", votes: 0 }];
  reconcile($("[data-wall]"), groups, makeGroup, (section, theme) => {
    const cards = visible.filter((c) => (c.theme_id ?? null) === theme.id);
    section.querySelector("h3").textContent = `${theme.title} (${cards.length}${theme.votes ? `, ${theme.votes} dots` : ""})`;
    section.dataset.themeId = theme.id ?? "";
    reconcile(section.querySelector("ul"), cards, makeCard, (li, card) => updateCard(li, card, b));
  }, (theme) => `t${theme.id}`);
  $("[data-wall-count]").textContent = String(visible.length);
  const hidden = b.cards.filter((c) => c.status === "hidden");
  reconcile($("[data-hidden]"), hidden, makeCard, (li, card) => updateCard(li, card, b));
  $("[data-hidden-count]").textContent = `(${hidden.length})`;
}

function makeGroup() {
  const section = document.createElement("section");
  section.className = "theme-group";
  section.append(document.createElement("h3"), Object.assign(document.createElement("ul"), { className: "bc-cards" }));
  section.addEventListener("dragover", (event) => {
    event.preventDefault();
    section.classList.add("drop");
  });
  section.addEventListener("dragleave", () => section.classList.remove("drop"));
  section.addEventListener("drop", (event) => {
    event.preventDefault();
    section.classList.remove("drop");
    const id = Number(event.dataTransfer.getData("text/plain"));
    if (id) patchCard(id, { theme_id: section.dataset.themeId ? Number(section.dataset.themeId) : null });
  });
  return section;
}

function renderThemes(b) {
  reconcile($("[data-themes]"), b.themes, makeTheme, (li, theme) => {
    const input = li.querySelector("input[name=title]");
    if (document.activeElement !== input) input.value = theme.title;
    input.setAttribute("aria-label", `Name of the theme “${theme.title}”`);
    const select = li.querySelector("[data-merge-target]");
    select.setAttribute("aria-label", `Merge “${theme.title}” into`);
    const others = b.themes.filter((t) => t.id !== theme.id);
    select.replaceChildren(...others.map((t) => new Option(t.title, String(t.id))));
    select.hidden = li.querySelector("[data-merge]").hidden = others.length === 0;
  });
}

function makeTheme() {
  const li = fromTemplate("tpl-bc-theme");
  const id = () => Number(li.dataset.key);
  li.querySelector("[data-rename]").addEventListener("submit", (event) => {
    event.preventDefault();
    act(() => api("PATCH", `/api/v1/themes/${id()}`, { title: event.target.elements.title.value }), "Theme renamed.");
  });
  li.querySelector("[data-delete]").addEventListener("click", () => {
    if (window.confirm("Delete this theme? Its cards stay on the board, without a theme.")) act(() => api("DELETE", `/api/v1/themes/${id()}`));
  });
  li.querySelector("[data-merge]").addEventListener("click", () => mergeTheme(id(), Number(li.querySelector("[data-merge-target]").value)));
  return li;
}

async function mergeTheme(from, into) {
  if (!into || !window.confirm("Move every card of this theme into the other, then delete it? Dots on the theme itself go back to the attendees.")) return;
  const cards = board().cards.filter((c) => c.theme_id === from);
  await act(async () => {
    for (const card of cards) await api("PATCH", `/api/v1/cards/${card.id}`, { theme_id: into });
    await api("DELETE", `/api/v1/themes/${from}`);
  }, "Themes merged.");
}

function renderSettings(b) {
  for (const button of $$("[data-state]")) button.setAttribute("aria-pressed", String(button.dataset.state === b.state));
  $("[data-moderation]").checked = b.moderation === "pre";
  $("[data-screen-public-only]").checked = Boolean(b.screen_public_only);
  $("[data-vote-close]").hidden = b.votes_per_attendee === 0;
  $("[data-vote-form] button").textContent = b.votes_per_attendee ? "Change the dots" : "Open the vote";
}

// -- the room: screen and timer -------------------------------------------------------------------

const MODE_NAMES = { join: "the join code", board: "a board", results: "vote results", agenda: "the agenda", spotlight: "a card", breakout: "a breakout group's notes", blank: "nothing (blank)" };

function renderRoom() {
  const { mode, target_id: target } = view.state.screen;
  const here = target === boardId;
  const name = mode === "board" || mode === "results" ? (here ? `${MODE_NAMES[mode]} of this board` : `${MODE_NAMES[mode]} of another board`) : MODE_NAMES[mode];
  $("[data-screen-now]").textContent = name;
  for (const button of $$("[data-screen]")) {
    const m = button.dataset.screen;
    button.setAttribute("aria-pressed", String(m === mode && (!["board", "results"].includes(m) || here)));
  }
  renderTimer();
}

function renderTimer() {
  const timer = shownTimer(view.state?.timer);
  $("[data-timer-stop]").hidden = !timer;
  if (!timer) return say("[data-timer-now]", "");
  const left = msLeft(timer);
  const label = timer.label ? ` (${timer.label})` : "";
  return say("[data-timer-now]", left > 0 ? `Timer running: ${formatClock(left)} left${label}` : `Time is up${label}`);
}

// -- wiring ---------------------------------------------------------------------------------------

function wire() {
  $("[data-queue]").addEventListener("keydown", onQueueKey);
  for (const button of $$("[data-screen]")) {
    const mode = button.dataset.screen;
    button.addEventListener("click", () => showOnScreen(mode, mode === "board" || mode === "results" ? boardId : null));
  }
  for (const button of $$("[data-state]")) {
    button.addEventListener("click", () => act(() => api("PATCH", `/api/v1/boards/${boardId}`, { state: button.dataset.state })));
  }
  $("[data-moderation]").addEventListener("change", (event) =>
    act(() => api("PATCH", `/api/v1/boards/${boardId}`, { moderation: event.target.checked ? "pre" : "post" })),
  );
  $("[data-screen-public-only]").addEventListener("change", (event) =>
    act(() => api("PATCH", `/api/v1/boards/${boardId}`, { screen_public_only: event.target.checked })),
  );
  $("[data-theme-form]").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target;
    act(async () => {
      await api("POST", `/api/v1/boards/${boardId}/themes`, { title: form.elements.title.value });
      form.reset();
    });
  });
  $("[data-vote-form]").addEventListener("submit", (event) => {
    event.preventDefault();
    const dots = Number(event.target.elements.dots.value);
    act(async () => {
      await api("PATCH", `/api/v1/boards/${boardId}`, { votes_per_attendee: dots, state: "open" });
      await api("POST", `/api/v1/events/${eventId}/screen`, { mode: "results", target_id: boardId });
    }, `The vote is open: ${dots} dots each, results on the screen.`);
  });
  $("[data-vote-close]").addEventListener("click", () =>
    act(() => api("PATCH", `/api/v1/boards/${boardId}`, { votes_per_attendee: 0 }), "The vote is over; the results stay."),
  );
  $("[data-timer-form]").addEventListener("submit", (event) => {
    event.preventDefault();
    const f = event.target.elements;
    act(() => api("POST", `/api/v1/events/${eventId}/timer`, { seconds: Number(f.minutes.value) * 60, label: f.label.value, chime: f.chime.checked }));
  });
  $("[data-timer-stop]").addEventListener("click", () => act(() => api("DELETE", `/api/v1/events/${eventId}/timer`)));
  setInterval(renderTimer, 1000);
}

function onStatus(status) {
  const labels = { connecting: "Connecting…", live: "Live", offline: "Reconnecting…", closed: "Not live" };
  $("[data-conn]").dataset.conn = status;
  $("[data-conn-label]").textContent = labels[status] ?? status;
}

if (root) {
  wire();
  syncClock();
  const live = new Live({
    eventId,
    onState: (state) => {
      view.state = state;
      render();
    },
    onMessage: (message) => {
      applyMessage(view.state, message);
      render();
    },
    onStatus,
  });
  live.start().catch(() => onStatus("closed"));
}
