// screen.js: the session screen on the projector. No controls: it shows what the console says
// (join, board, spotlight, results, agenda, a breakout group's notes, blank) and the timer, and
// reconnects by itself.
//
// It runs on a paired screen (which is sent only what the room may see) or in a facilitator's
// browser, whose state holds cards and notes the room must not see; so it shows only visible
// cards on boards that are not hidden, never a held card's reason, and none of a group's notes
// that look like personal data (held: only that some wait for review).
import { TIMER_LINGER_MS, formatClock, msLeft, syncClock } from "./lib/clock.js";
import { scoped } from "./lib/dom.js";
import { Live } from "./live.js";
import { applyMessage } from "./lib/state.js";
import { boardById, currentSession, findCard, focusBoard, fromTemplate, reconcile } from "./room.js";

const stage = document.querySelector("[data-screen]");
const { $, $$ } = scoped(stage);
// `drawn`: what the screen last showed ("mode:target"), so only what arrives while it stays gets
// the flourish, not everything a switch brings in.
const view = { state: null, drawn: null, settled: false, chimedFor: null, audio: null };
const MAX_BARS = 10;
// The board's type size is searched between these (as a share of the screen's height), so that
// a handful of cards reads from the back of the room and two hundred still fit.
const BOARD_FONT = { min: 0.6, max: 4.6 };
// A group has fewer notes than a board has cards, so its notes may be larger still.
const NOTES_FONT = { min: 0.6, max: 6.5 };
const SPOT_FONT = { min: 2, max: 9 };
const BARS_FONT = { min: 1.4, max: 3.6 };
// The event's title: two lines at most, smaller before it is ever cut.
const TITLE_FONT = { min: 2.2, max: 3.4 };

// A board set to show only cards shared publicly keeps the screen to its authors' consent. A
// paired screen is sent them so (server/realtime/projections.py); a facilitator's browser gets
// every card whole, so it applies the same rule here.
const screened = (board, card) => {
  if (card.status !== "visible") return null;
  if (!board.screen_public_only) return card;
  if (!card.text_consent) return null;
  return card.name_consent ? card : { ...card, author: null };
};
const shownCards = (board) => (board && board.state !== "hidden" ? board.cards.map((c) => screened(board, c)).filter(Boolean) : []);
const authorOf = (card) => (card.author && card.author.display_name) || "";
// A paired screen gets a held note as `{id, breakout_id, held: true}`; a facilitator's browser
// gets it whole, with its held_reason. Either way the room sees none of it.
const isHeld = (note) => Boolean(note.held || note.held_reason);
const shownNotes = (group) => group.notes.filter((n) => !isHeld(n));
const SOUND_KEY = "glimpse.screen.sound";
const FLASH_MS = 3200;

function render() {
  const state = view.state;
  if (!state) return;
  renderTimer(); // first: the timer takes room from the rest of the screen
  const showing = `${state.screen.mode}:${state.screen.target_id}`;
  view.settled = view.drawn === showing;
  // Once the day is frozen the room is pointed at its summary, whatever the screen showed.
  const over = view.over || state.event.status === "frozen";
  const mode = over ? "over" : draw(state.screen.mode, state.screen.target_id);
  stage.dataset.mode = mode;
  for (const section of $$("[data-mode-view]")) section.hidden = section.dataset.modeView !== mode;
  refit();
  view.drawn = showing;
}

/** Size the type of the mode on show to the room it has. */
function refit() {
  fit($(".stage-title"), [$(".stage-title")], TITLE_FONT);
  const mode = stage.dataset.mode;
  if (mode === "board") fitLanes($("[data-lanes]"), BOARD_FONT);
  if (mode === "breakout") fitLanes($("[data-group-lanes]"), NOTES_FONT);
  if (mode === "spotlight") fit($("[data-spot]"), [$("[data-spot]")], SPOT_FONT);
  if (mode === "results") fit($("[data-bars]"), [$("[data-bars]")], BARS_FONT);
}

/** Draw one mode; what it names may be gone (hidden, deleted): then the screen goes blank. */
function draw(mode, target) {
  const state = view.state;
  if (mode === "board") {
    const board = boardById(state, target) || focusBoard(state);
    return board && board.state !== "hidden" ? (drawBoard(board), "board") : "blank";
  }
  if (mode === "results") {
    const board = boardById(state, target);
    return board && board.state !== "hidden" ? (drawResults(board), "results") : "blank";
  }
  if (mode === "spotlight") {
    const found = findCard(state, target);
    const card = found && found.board.state !== "hidden" ? screened(found.board, found.card) : null;
    return card ? (drawSpotlight(card), "spotlight") : "blank";
  }
  if (mode === "breakout") {
    const group = state.breakouts.find((b) => b.id === target);
    return group ? (drawGroup(group), "breakout") : "blank";
  }
  if (mode === "agenda") drawAgenda();
  return mode;
}

// -- board -----------------------------------------------------------------------------------------

function drawBoard(board) {
  $("[data-board-title]").textContent = board.title;
  $("[data-board-prompt]").textContent = board.prompt;
  const cards = shownCards(board);
  const lanes = board.columns.length
    ? board.columns.map((name) => ({ key: `c:${name}`, title: name, cards: cards.filter((c) => c.column === name) }))
    : [{ key: "all", title: "", cards }];
  const loose = board.columns.length ? cards.filter((c) => !board.columns.includes(c.column)) : [];
  if (loose.length) lanes.push({ key: "other", title: "Other", cards: loose });
  reconcile($("[data-lanes]"), lanes, makeLane, drawLane, (lane) => lane.key);
}

function makeLane() {
  const lane = document.createElement("section");
  lane.className = "lane";
  const title = document.createElement("h3");
  title.className = "lane-title";
  const list = document.createElement("ul");
  list.className = "lane-cards";
  lane.append(title, list);
  return lane;
}

function drawLane(lane, { title, cards }) {
  const heading = lane.querySelector(".lane-title");
  heading.textContent = title;
  heading.hidden = !title;
  lane.dataset.column = title;
  const fresh = reconcile(lane.querySelector(".lane-cards"), cards, () => fromTemplate("tpl-s-card"), (li, card) => {
    li.querySelector("[data-slot=text]").textContent = card.text;
    const by = li.querySelector("[data-slot=author]");
    by.textContent = authorOf(card);
    by.hidden = !by.textContent;
  });
  // The newest cards arrive with a flourish; the first drawing of a full board does not.
  if (view.settled) for (const li of fresh) li.classList.add("enter");
}

/** Largest type size (px) at which every element in `boxes` shows all it holds. */
function fit(container, boxes, { min, max }) {
  const unit = window.innerHeight / 100;
  const fits = () => boxes.every((el) => el.scrollHeight <= el.clientHeight + 1 && el.scrollWidth <= el.clientWidth + 1);
  let lo = min * unit;
  let hi = max * unit;
  container.style.fontSize = `${hi}px`;
  if (fits()) return;
  for (let i = 0; i < 10; i += 1) {
    const mid = (lo + hi) / 2;
    container.style.fontSize = `${mid}px`;
    if (fits()) lo = mid;
    else hi = mid;
  }
  container.style.fontSize = `${lo}px`;
}

function fitLanes(lanes, sizes) {
  fit(lanes, [lanes, ...lanes.querySelectorAll(".lane-cards")], sizes);
}

// -- a breakout group's notes: one lane of the board's cards --------------------------------------

function drawGroup(group) {
  $("[data-group-name]").textContent = group.name;
  $("[data-group-prompt]").textContent = group.prompt;
  const notes = shownNotes(group);
  const held = notes.length === 0 && group.notes.some(isHeld);
  $("[data-group-waiting]").hidden = notes.length > 0 || held;
  $("[data-group-held]").hidden = !held;
  reconcile($("[data-group-lanes]"), [{ key: "notes", title: "", cards: notes }], makeLane, drawLane, (lane) => lane.key);
}

// -- spotlight, results, agenda ---------------------------------------------------------------------

function drawSpotlight(card) {
  $("[data-spot-text]").textContent = card.text;
  const by = [authorOf(card), card.column].filter(Boolean).join(" · ");
  $("[data-spot-by]").textContent = by;
  $("[data-spot-by]").hidden = !by;
}

function drawResults(board) {
  const themes = board.themes.filter((t) => t.votes > 0);
  const items = (themes.length ? themes.map((t) => ({ ...t, text: t.title })) : shownCards(board))
    .map((item, order) => ({ ...item, order }))
    .sort((a, b) => b.votes - a.votes || a.order - b.order)
    .slice(0, MAX_BARS);
  const top = Math.max(1, ...items.map((i) => i.votes));
  const total = (themes.length ? themes : shownCards(board)).reduce((sum, i) => sum + i.votes, 0);
  $("[data-results-title]").textContent = `Votes: ${board.title}`;
  $("[data-results-total]").textContent = total ? `${total} dot${total === 1 ? "" : "s"} so far` : "Waiting for the first dots…";
  reconcile($("[data-bars]"), items, makeBar, (li, item) => {
    li.querySelector(".bar-text").textContent = item.text;
    li.querySelector(".bar-count").textContent = String(item.votes);
    // Sizes set through the CSSOM, which a strict style-src allows (style="" would not be).
    li.querySelector(".bar-fill").style.width = `${(100 * item.votes) / top}%`;
  }, (item) => `${themes.length ? "t" : "c"}${item.id}`);
}

function makeBar() {
  const li = document.createElement("li");
  li.className = "bar";
  li.innerHTML = '<span class="bar-text"></span><span class="bar-track"><span class="bar-fill"></span></span><span class="bar-count"></span>';
  return li;
}

function drawAgenda() {
  const now = currentSession(view.state);
  const nowIndex = view.state.agenda.indexOf(now);
  reconcile($("[data-agenda]"), view.state.agenda, () => {
    const li = document.createElement("li");
    li.innerHTML = '<span class="a-time"></span><span class="a-what"><span class="a-title"></span><span class="a-who"></span></span>';
    return li;
  }, (li, item) => {
    const time = item.starts_at ? new Date(item.starts_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "";
    li.querySelector(".a-time").textContent = time;
    li.querySelector(".a-title").textContent = item.title;
    li.querySelector(".a-who").textContent = item.speakers.join(", ");
    const index = view.state.agenda.indexOf(item);
    li.dataset.when = item === now ? "now" : nowIndex >= 0 && index < nowIndex ? "past" : "later";
  });
}

// -- timer and chime --------------------------------------------------------------------------------

function renderTimer() {
  const timer = view.state?.timer;
  const box = $("[data-timer]");
  const left = timer ? msLeft(timer) : 0;
  box.hidden = !timer || left < -TIMER_LINGER_MS;
  if (box.hidden) return;
  $("[data-timer-label]").textContent = timer.label;
  $("[data-timer-label]").hidden = !timer.label;
  $("[data-timer-clock]").textContent = left > 0 ? formatClock(left) : "Time’s up";
  box.dataset.phase = left <= 0 ? "done" : left <= 60000 ? "soon" : "running";
  if (left <= 0 && view.chimedFor !== timer.started_at && left > -5000) {
    view.chimedFor = timer.started_at;
    flash(); // seen whether or not the room can hear the chime
    if (timer.chime) chime();
  }
}

function flash() {
  const box = $("[data-flash]");
  box.hidden = false;
  clearTimeout(view.flashTimer);
  view.flashTimer = setTimeout(() => (box.hidden = true), FLASH_MS);
}

// -- sound: browsers let a page play sound only after a click or key press on it. Pairing is a
// gesture on the console, not here, so the screen offers one small button, and remembers it.

function unlockAudio() {
  try {
    view.audio = view.audio || new AudioContext();
    view.audio.resume().then(showSound, showSound);
  } catch {
    /* no WebAudio: the countdown and the flash still show */
  }
}

function enableSound() {
  try {
    localStorage.setItem(SOUND_KEY, "on");
  } catch {
    /* private mode: it works until the page reloads */
  }
  unlockAudio();
}

function soundWanted() {
  try {
    return localStorage.getItem(SOUND_KEY) === "on";
  } catch {
    return false;
  }
}

/** The button shows until sound can play; once wanted, it asks only for the click a browser
 * still needs after a reload. */
function showSound() {
  const button = $("[data-sound]");
  const running = view.audio?.state === "running";
  button.hidden = running;
  button.textContent = soundWanted() ? "Click to let the chime sound" : "Enable sound";
}

/** Three soft beeps made on the spot: no sound file to fetch. */
function chime() {
  if (!view.audio || view.audio.state !== "running") return;
  const ctx = view.audio;
  [0, 0.4, 0.8].forEach((at, i) => {
    const start = ctx.currentTime + at;
    const tone = ctx.createOscillator();
    const gain = ctx.createGain();
    tone.frequency.value = i === 2 ? 1047 : 880;
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.5, start + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.35);
    tone.connect(gain).connect(ctx.destination);
    tone.start(start);
    tone.stop(start + 0.4);
  });
}

// -- wiring -----------------------------------------------------------------------------------------

function onStatus(status, detail) {
  if (status === "closed" && detail?.reason === "frozen") {
    view.over = true;
    render();
  }
  // A short blip is not worth announcing to the room; a long one is.
  clearTimeout(view.connTimer);
  const note = $("[data-conn]");
  if (status === "closed" && detail?.reason === "not_allowed") {
    window.location.reload(); // unpaired in the console: show a new code
    return;
  }
  if (status === "live") note.textContent = "";
  else view.connTimer = setTimeout(() => (note.textContent = status === "closed" ? "Not connected" : "Reconnecting…"), 3000);
}

if (stage) {
  document.documentElement.classList.add("screen-root");
  // Browsers only let sound play after a key press or click on the page: one is enough.
  for (const type of ["keydown", "pointerdown"]) window.addEventListener(type, unlockAudio);
  $("[data-sound]").addEventListener("click", enableSound);
  if (soundWanted()) unlockAudio(); // some browsers allow it again on a page that played before
  showSound();
  // The room a mode has changes with the window and with the timer coming and going.
  const sized = new ResizeObserver(() => refit());
  for (const box of $$("[data-lanes], [data-group-lanes], [data-spot], [data-bars], [data-timer]")) sized.observe(box);
  navigator.wakeLock?.request("screen").catch(() => {});
  syncClock();
  setInterval(renderTimer, 250);
  const live = new Live({
    eventId: Number(stage.dataset.eventId),
    onState: (state) => {
      view.state = state;
      render();
    },
    onMessage: (message) => {
      applyMessage(view.state, message);
      render();
    },
    onEphemeral: (message) => {
      if (message.type !== "presence") return;
      const n = message.data.attendees;
      $("[data-attendee-count]").textContent = String(n);
      $("[data-attendee-noun]").textContent = n === 1 ? "person" : "people";
    },
    onStatus,
  });
  const start = () => live.start().catch(() => setTimeout(start, 3000));
  start();
}
