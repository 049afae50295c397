// attendee.js: the phone. On /j/CODE it joins; on /a/EVENT it follows what the facilitator
// has opened, posts cards through live.js's outbox (so nothing is lost to bad Wi-Fi), lets you
// edit your own cards while the board is open, and spends your dots.
import { Dots, dotsLine, noDotsLeft, showStepper } from "./attendee-dots.js";
import { GroupCall } from "./attendee-call.js";
import { renderMine } from "./attendee-mine.js";
import { fetchJSON } from "./lib/api.js";
import { scoped } from "./lib/dom.js";
import { Live, uuid } from "./live.js";
import { applyMessage } from "./lib/state.js";
import { authorName, boardById, currentSession, fill, focusBoard, fromTemplate, heldMessage, reconcile } from "./room.js";

const JSON_HEADERS = { "Content-Type": "application/json" };
const LARGE_TEXT_KEY = "glimpse:large-text";

// -- joining ----------------------------------------------------------------------------------

document.querySelector("form[data-join]")?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const error = form.querySelector("[data-join-error]");
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  error.hidden = true;
  try {
    const body = { code: form.dataset.code, display_name: form.elements.display_name.value.trim() };
    const joined = await fetchJSON("/api/v1/join", { method: "POST", headers: JSON_HEADERS, body: JSON.stringify(body) });
    if (form.dataset.group) {
      // A table card's code: sit at that table too (someone already seated keeps their seat).
      await fetchJSON(`/api/v1/breakouts/${form.dataset.group}/join`, { method: "POST", headers: JSON_HEADERS }).catch(() => {});
      location.assign(`/a/${joined.event_id}/breakout`);
      return;
    }
    // Breakouts are on: land on the group picker (the board has none).
    location.assign(`/a/${joined.event_id}${"groupsOpen" in form.dataset ? "/breakout" : ""}`);
  } catch (e) {
    error.textContent = e.status ? e.message : "Glimpse could not be reached. Check the Wi-Fi and try again.";
    error.hidden = false;
    button.disabled = false;
    // A name that looks like personal data: point at the field to change.
    if (e.body?.error?.code === "looks_personal") {
      form.elements.display_name.setAttribute("aria-invalid", "true");
      form.elements.display_name.focus();
    }
  }
});

// -- larger text ------------------------------------------------------------------------------

const sizeToggle = document.querySelector("[data-large-text]");
function setLargeText(on) {
  document.documentElement.classList.toggle("large-text", on);
  sizeToggle?.setAttribute("aria-pressed", String(on));
  try {
    localStorage.setItem(LARGE_TEXT_KEY, on ? "1" : "");
  } catch {
    /* private mode: the choice lasts for this page */
  }
}
setLargeText(localStorage.getItem(LARGE_TEXT_KEY) === "1");
sizeToggle?.addEventListener("click", () => setLargeText(!document.documentElement.classList.contains("large-text")));

// -- the app ----------------------------------------------------------------------------------

const root = document.querySelector("[data-attendee-app]");
const { $, $$ } = scoped(root);
const app = {
  state: null,
  live: null,
  connection: "connecting",
  view: null, // {kind: "board", id} or {kind: "agenda"}; null follows the screen
  outbox: [],
  sent: new Map(), // ref -> outbox item, kept until its reply is handled
  dots: new Dots(() => render()),
};

function currentView() {
  const state = app.state;
  if (app.view?.kind === "agenda") return app.view;
  const chosen = app.view && boardById(state, app.view.id);
  if (chosen && chosen.state !== "hidden") return app.view;
  if (state.screen?.mode === "agenda") return { kind: "agenda" };
  const board = focusBoard(state);
  return board ? { kind: "board", id: board.id } : { kind: "none" };
}

function render() {
  if (!app.state) return;
  app.call.render(app.state, app.me);
  const view = currentView();
  for (const section of $$("[data-view]")) section.hidden = section.dataset.view !== view.kind;
  renderTabs(view);
  if (view.kind === "agenda") renderAgenda();
  if (view.kind === "board") renderBoard(boardById(app.state, view.id));
  else document.querySelector("[data-dots]").hidden = true;
}

function renderTabs(view) {
  const tabs = $("[data-tabs]");
  const items = [
    ...app.state.boards.filter((b) => b.state !== "hidden").map((b) => ({ key: `b${b.id}`, label: b.title, view: { kind: "board", id: b.id } })),
    { key: "agenda", label: "Agenda", view: { kind: "agenda" } },
  ];
  tabs.hidden = items.length < 2;
  reconcile(
    tabs,
    items,
    () => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "tab";
      return button;
    },
    (button, item) => {
      button.textContent = item.label;
      const current = item.view.kind === view.kind && item.view.id === view.id;
      button.setAttribute("aria-pressed", String(current));
      button.onclick = () => {
        app.view = item.view;
        render();
      };
    },
    (item) => item.key,
  );
}

function renderAgenda() {
  const now = currentSession(app.state);
  reconcile(
    $("[data-agenda]"),
    app.state.agenda,
    () => document.createElement("li"),
    (li, item) => {
      const time = item.starts_at ? new Date(item.starts_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "";
      li.textContent = `${time ? `${time}  ` : ""}${item.title}${item.speakers.length ? ` · ${item.speakers.join(", ")}` : ""}`;
      li.classList.toggle("now", item === now);
      if (item === now) li.setAttribute("aria-current", "true");
      else li.removeAttribute("aria-current");
    },
  );
}

function renderBoard(board) {
  const open = board.state === "open" && !["ended", "frozen"].includes(app.state.event.status);
  $("[data-board-title]").textContent = board.title;
  const prompt = $("[data-board-prompt]");
  prompt.textContent = board.prompt;
  prompt.hidden = !board.prompt;
  $("[data-board-closed]").hidden = open;
  root.querySelector('[data-view="board"]').dataset.voting = String(open && board.votes_per_attendee > 0);
  renderComposer(board, open);
  renderMine($("[data-mine]"), $("[data-mine-empty]"), board, {
    queued: app.outbox,
    open,
    online: app.connection === "live",
    onSaved: (card) => {
      applyMessage(app.state, { type: "card.updated", data: card });
      render();
    },
  });
  renderDots(board, open);
  renderWall(board, open);
}

function renderComposer(board, open) {
  const form = $("[data-composer]");
  form.hidden = !open;
  form.dataset.boardId = board.id;
  const options = $("[data-column-options]");
  if (options.dataset.columns !== JSON.stringify(board.columns)) {
    options.dataset.columns = JSON.stringify(board.columns);
    // One column or none: radio buttons, "No column" first and chosen until one is picked.
    options.replaceChildren(columnChoice("", "No column"), ...board.columns.map((name) => columnChoice(name, name)));
  }
  $("[data-columns]").hidden = board.columns.length === 0;
  const anonymous = $("[data-anonymous-row]");
  anonymous.hidden = !board.anonymous_allowed;
  if (!board.anonymous_allowed) anonymous.querySelector("input").checked = false;
}

function columnChoice(value, text) {
  const label = document.createElement("label");
  label.className = "chip";
  const input = document.createElement("input");
  input.type = "radio";
  input.name = "column";
  input.value = value;
  input.defaultChecked = value === "";
  label.append(input, ` ${text}`);
  return label;
}

function renderWall(board, open) {
  const visible = board.cards.filter((c) => c.status === "visible").reverse();
  const voting = open && board.votes_per_attendee > 0;
  const wall = $("[data-wall]");
  reconcile(wall, visible, makeVotable, (li, card) => updateCard(li, card, voting));
  $("[data-wall-empty]").hidden = visible.length > 0;
  const themes = voting ? board.themes : [];
  $("[data-themes-section]").hidden = themes.length === 0;
  reconcile($("[data-themes]"), themes, makeVotable, (li, theme) => updateTheme(li, theme));
}

function makeVotable() {
  return fromTemplate("tpl-card");
}

// One listener per list: the server's first paint has cards with no listeners of their own.
function onVoteClick(event) {
  const button = event.target.closest("[data-vote]");
  if (!button) return;
  const kind = event.currentTarget.matches("[data-themes]") ? "theme" : "card";
  vote(kind, Number(button.closest("li").dataset.key), Number(button.dataset.vote));
}

function updateCard(li, card, voting) {
  li.dataset.column = card.column;
  fill(li, { text: card.text, column: card.column, author: authorName(card) });
  showStepper(li, voting, app.dots.count("card", card.board_id, card.id), card.text);
}

function updateTheme(li, theme) {
  fill(li, { text: theme.title, column: "", author: "" });
  showStepper(li, true, app.dots.count("theme", theme.board_id, theme.id), theme.title);
}

function renderDots(board, open) {
  const voting = open && board.votes_per_attendee > 0;
  const bar = document.querySelector("[data-dots]");
  bar.hidden = !voting;
  const notice = $("[data-vote-notice]");
  notice.hidden = !voting;
  if (!voting) return;
  app.dots.ensure(board);
  notice.textContent = `Voting is open: you have ${board.votes_per_attendee} dots to put on the cards that matter most.`;
  bar.querySelector("[data-dots-left]").textContent = dotsLine(app.dots.remaining(board), board.votes_per_attendee);
  bar.querySelector("[data-add-card]").hidden = $("[data-composer]").hidden;
}

function vote(kind, id, step) {
  const board = boardById(app.state, currentView().id);
  if (!board) return;
  const message = document.querySelector("[data-dots-message]");
  if (app.dots.step(app.live, board, kind, id, step)) {
    message.textContent = "";
    render();
  } else if (step > 0) {
    message.textContent = noDotsLeft(board.votes_per_attendee);
  }
}

// While voting, the wall comes first; the bar along the bottom keeps the card box one tap away.
function jumpToComposer() {
  const text = $("[data-composer]").elements.text;
  text.scrollIntoView({ block: "center" });
  text.focus();
}

// -- posting ----------------------------------------------------------------------------------

function post(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const text = form.elements.text.value.trim();
  const error = $("[data-composer-error]");
  error.hidden = true;
  if (!text) {
    error.textContent = "Write something on the card first.";
    error.hidden = false;
    return;
  }
  const column = [...form.querySelectorAll("input[name=column]:checked")].map((i) => i.value)[0] || "";
  app.live.send("card.create", {
    board_id: Number(form.dataset.boardId),
    client_id: uuid(),
    text,
    column,
    anonymous: form.elements.anonymous.checked,
    text_consent: form.elements.text_consent.checked,
    name_consent: form.elements.text_consent.checked && form.elements.name_consent.checked,
  });
  form.reset();
  form.elements.name_consent.disabled = true;
  $("[data-composer-status]").textContent = app.connection === "live" ? "Sending…" : "Saved, will send";
  form.elements.text.focus();
}

function onReply(ref, reply) {
  const item = app.sent.get(ref);
  app.sent.delete(ref);
  if (!item) return;
  if (item.type === "vote.set") {
    const board = boardById(app.state, currentView().id);
    if (reply.type === "error" && board) app.dots.load(board);
    return;
  }
  const status = $("[data-composer-status]");
  if (reply.type === "ack") {
    if (!findOwn(reply.data.id)) applyMessage(app.state, { type: "card.created", data: reply.data });
    status.textContent = reply.data.status === "visible" ? "Posted." : `Posted. ${heldMessage(reply.data)}`;
  } else {
    const text = $("[data-composer]").elements.text;
    if (!text.value) text.value = item.data.text;
    status.textContent = "";
    const error = $("[data-composer-error]");
    error.textContent = `Not posted: ${reply.error.message}`;
    error.hidden = false;
  }
  render();
}

function findOwn(id) {
  return app.state.boards.some((b) => b.cards.some((c) => c.id === id));
}

const STATUS_LABELS = {
  connecting: "Connecting…",
  live: "Live",
  offline: "Offline",
};
const CLOSED_LABELS = {
  frozen: "This day has ended.",
  not_allowed: "This phone is no longer in the event.",
  no_such_event: "This event no longer exists.",
};

function onStatus(status, detail) {
  app.connection = status;
  const pill = document.querySelector("[data-conn]");
  pill.dataset.conn = status;
  pill.querySelector("[data-conn-label]").textContent =
    status === "closed" ? CLOSED_LABELS[detail.reason] || "Not connected" : STATUS_LABELS[status];
  $("[data-offline-note]").hidden = status !== "offline";
  if (status === "closed" && detail.reason === "frozen") $("[data-day-over]").hidden = false;
  render();
}

// -- breakouts: the board follows the room to the groups -----------------------------------------

function followGroups(message) {
  if (message.type === "breakout.opened") app.call.answer(message, app.state, root);
}

if (root) {
  app.me = Number(root.dataset.attendeeId);
  app.call = new GroupCall($("[data-breakout-call]"), $("[data-call-status]"), Number(root.dataset.eventId));
  $("[data-composer]").addEventListener("submit", post);
  // A name shown beside words that are not shown means nothing: the second box follows the first.
  $("[data-composer]").elements.text_consent.addEventListener("change", (event) => {
    const name = event.currentTarget.form.elements.name_consent;
    name.disabled = !event.currentTarget.checked;
    if (name.disabled) name.checked = false;
  });
  $("[data-wall]").addEventListener("click", onVoteClick);
  $("[data-themes]").addEventListener("click", onVoteClick);
  document.querySelector("[data-add-card]").addEventListener("click", jumpToComposer);
  app.live = new Live({
    eventId: Number(root.dataset.eventId),
    onState: (state) => {
      app.state = state;
      app.dots.forget();
      render();
    },
    onMessage: (message) => {
      applyMessage(app.state, message);
      if (message.type === "screen.changed") app.view = null; // the facilitator leads the room
      followGroups(message);
      render();
    },
    onStatus,
    onOutbox: (items) => {
      app.outbox = items;
      for (const item of items) app.sent.set(item.ref, item);
      render();
    },
    onReply,
  });
  const start = () =>
    app.live.start().catch(() => {
      onStatus("offline", {});
      setTimeout(start, 3000); // the first load failed (Wi-Fi still waking up): try again
    });
  start();
}
