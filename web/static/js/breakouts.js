// breakouts.js: breakout groups in the console. The overview (/console/events/ID/breakouts)
// shows every group side by side, live: members, who is writing, and the notes; from it the
// facilitator starts one timer for all groups, seats people, closes the breakouts and reports a
// group back. The table-cards page uses it for its Print button. The phone's script
// (breakout-phone.js) shares names() from here; the timer helpers are lib/clock.js.
import { api } from "./lib/api.js";
import { formatClock, secondsLeft, syncClock } from "./lib/clock.js";
import { applyMessage } from "./lib/state.js";
import { el, scoped } from "./lib/dom.js";
import { Live } from "./live.js";

const WRITING_MS = 10000; // "who is writing": a note saved in the last ten seconds

// -- shared with the phone ----------------------------------------------------------------------

export function names(list) {
  if (list.length <= 1) return list.join("");
  return `${list.slice(0, -1).join(", ")} and ${list[list.length - 1]}`;
}

// -- the table-cards page -------------------------------------------------------------------------

document.querySelector("[data-print]")?.addEventListener("click", () => window.print());

// -- the overview -------------------------------------------------------------------------------

const root = document.querySelector("[data-breakouts-console]");
if (root) startConsole(root);

function startConsole(root) {
  const eventId = Number(root.dataset.eventId);
  const frozen = root.dataset.frozen === "true";
  const { $ } = scoped(root);
  const writing = new Map(); // group id -> Map(author name -> when they last saved)
  const sections = new Map(); // group id -> its <section>
  let state = null;

  function say(text) {
    $("[data-done]").textContent = text;
  }

  async function act(button, work, done) {
    const error = $("[data-error]");
    error.hidden = true;
    say("");
    if (button) button.disabled = true;
    try {
      const result = await work();
      if (done) say(typeof done === "function" ? done(result) : done);
    } catch (e) {
      error.textContent = e.status ? e.message : "Glimpse could not be reached. Try again.";
      error.hidden = false;
    } finally {
      if (button) button.disabled = false;
    }
  }

  // -- rendering --------------------------------------------------------------------------------

  function render() {
    const container = $("[data-groups]");
    $("[data-groups-empty]").hidden = state.breakouts.length > 0;
    for (const [id, section] of sections) {
      if (!state.breakouts.some((b) => b.id === id)) {
        section.remove();
        sections.delete(id);
      }
    }
    for (const group of state.breakouts) {
      let section = sections.get(group.id);
      if (!section) {
        section = groupSection(group);
        sections.set(group.id, section);
      }
      container.append(section); // keeps the order of state.breakouts
      fillGroup(section, group);
    }
    renderTimer();
  }

  function groupSection(group) {
    const h = `group-${group.id}-h`;
    const boardSelect = el("select", { "data-board": true, "aria-label": `Board for ${group.name}'s notes` });
    const actions = frozen
      ? null
      : el(
          "div",
          { class: "bo-actions" },
          el("button", { type: "button", class: "button small", "data-share": true }),
          el("button", { type: "button", class: "button small", "data-screen": true, "aria-label": `On screen: ${group.name}` }, "On screen"),
          el("button", { type: "button", class: "button small", "data-promote": true, "aria-label": `Post to blog: ${group.name}` }, "Post to blog"),
          el("button", { type: "button", class: "button small", "data-toggle-state": true }),
          el("span", { class: "bo-to-board", "data-to-board-row": true }, boardSelect,
            el("button", { type: "button", class: "button small", "data-to-board": true, "aria-label": `To board: ${group.name}` }, "To board")),
        );
    return el(
      "section",
      { class: "bo-group", "aria-labelledby": h, dataset: { groupId: group.id } },
      el("div", { class: "bo-group-head" },
        el("h3", { id: h, "data-name": true }),
        el("span", { class: "bo-badges" },
          el("span", { class: "badge on-screen", "data-on-screen": true, text: "on screen" }),
          el("span", { class: "badge", "data-badge": true }))),
      el("p", { class: "bo-prompt", "data-prompt": true }),
      el("p", { class: "bo-count" },
        el("strong", { "data-count": true }), " ",
        el("span", { "data-count-label": true }),
        el("span", { class: "bo-writing", "data-writing": true })),
      el("details", { class: "bo-members" },
        el("summary", { text: "Members" }),
        el("ul", { "data-members": true })),
      el("ul", { class: "note-list compact", "data-notes": true, "aria-label": `Notes of ${group.name}` }),
      el("p", { class: "empty", "data-notes-empty": true, text: "No notes yet." }),
      actions,
    );
  }

  function fillGroup(section, group) {
    const q = (selector) => section.querySelector(selector);
    q("[data-name]").textContent = group.name;
    q("[data-prompt]").textContent = group.prompt;
    q("[data-prompt]").hidden = !group.prompt;
    const badge = group.state === "closed" ? "closed" : group.shared ? "shared" : "";
    q("[data-badge]").textContent = badge;
    q("[data-badge]").hidden = !badge;
    const shown = state.screen?.mode === "breakout" && state.screen.target_id === group.id;
    q("[data-on-screen]").hidden = !shown;
    q("[data-count]").textContent = String(group.member_count);
    q("[data-count-label]").textContent =
      `${group.member_count === 1 ? "member" : "members"}${group.cap ? ` (cap ${group.cap})` : ""}`;
    fillMembers(section, group);
    fillNotes(section, group);
    if (!frozen) {
      label(q("[data-share]"), group.shared ? "Unshare" : "Share", group.name);
      label(q("[data-toggle-state]"), group.state === "open" ? "Close" : "Reopen", group.name);
      q("[data-screen]").setAttribute("aria-pressed", String(shown));
      fillBoards(q("[data-board]"), q("[data-to-board-row]"));
    }
  }

  function label(button, text, name) {
    button.textContent = text;
    button.setAttribute("aria-label", `${text}: ${name}`);
  }

  function fillMembers(section, group) {
    const list = section.querySelector("[data-members]");
    const others = state.breakouts.filter((b) => b.id !== group.id && b.state === "open");
    const key = JSON.stringify([group.members, others.map((b) => [b.id, b.name])]);
    if (list.dataset.key === key) return;
    list.dataset.key = key;
    list.replaceChildren(
      ...group.members.map((m) => {
        const who = m.display_name || `Attendee ${m.id}`;
        const row = el("li", { dataset: { attendeeId: m.id } }, el("span", { text: who }));
        if (!frozen && others.length) {
          const select = el("select", { "aria-label": `Move ${who} to` },
            ...others.map((b) => el("option", { value: b.id, text: b.name })));
          row.append(select, el("button", { type: "button", class: "link-button", "data-move": true }, "Move"));
        }
        return row;
      }),
    );
  }

  function fillNotes(section, group) {
    const list = section.querySelector("[data-notes]");
    section.querySelector("[data-notes-empty]").hidden = group.notes.length > 0;
    list.replaceChildren(
      ...group.notes.map((note) =>
        el("li", { class: "note", dataset: { noteId: note.id } },
          el("p", { class: "note-text", text: note.text }),
          el("p", { class: "note-meta" },
            el("span", { text: note.author?.display_name || "" }),
            note.held_reason ? el("span", { class: "note-held", text: `Kept from public: ${note.held_reason}` }) : null),
        ),
      ),
    );
  }

  function fillBoards(select, row) {
    const boards = (state.boards || []).filter((b) => b.state === "open");
    row.hidden = boards.length === 0;
    const key = JSON.stringify(boards.map((b) => [b.id, b.title]));
    if (select.dataset.key === key) return;
    const chosen = select.value;
    select.dataset.key = key;
    select.replaceChildren(...boards.map((b) => el("option", { value: b.id, text: b.title })));
    if (boards.some((b) => String(b.id) === chosen)) select.value = chosen;
  }

  // -- live things: who is writing, the timer ----------------------------------------------------

  function noteWritten(note) {
    const who = note.author?.display_name || "Someone";
    if (!writing.has(note.breakout_id)) writing.set(note.breakout_id, new Map());
    writing.get(note.breakout_id).set(who, Date.now());
  }

  function renderWriting() {
    const now = Date.now();
    for (const [id, section] of sections) {
      const recent = [...(writing.get(id) || new Map())].filter(([, at]) => now - at < WRITING_MS).map(([who]) => who);
      const text = recent.length ? ` · ${names(recent)} ${recent.length === 1 ? "is" : "are"} writing…` : "";
      const node = section.querySelector("[data-writing]");
      if (node.textContent !== text) node.textContent = text;
    }
  }

  function renderTimer() {
    const left = secondsLeft(state?.timer);
    const out = $("[data-timer-left]");
    if (out) out.textContent = left === null ? "" : left > 0 ? `${formatClock(left * 1000)} left` : "Time is up";
    const stop = $("[data-timer-stop]");
    if (stop) stop.hidden = left === null;
  }

  setInterval(() => {
    if (!state) return;
    renderWriting();
    renderTimer();
  }, 1000);

  // -- actions ----------------------------------------------------------------------------------

  $("[data-new-group]")?.addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const cap = form.elements.cap.value ? Number(form.elements.cap.value) : null;
    const body = { name: form.elements.name.value.trim(), prompt: form.elements.prompt.value.trim(), cap };
    act(form.querySelector("button"), () => api("POST", `/api/v1/events/${eventId}/breakouts`, body), () => {
      form.reset();
      form.elements.name.focus();
      return `${body.name} is open.`;
    });
  });

  $("[data-timer-form]")?.addEventListener("submit", (event) => {
    event.preventDefault();
    const seconds = Math.round(Number(event.currentTarget.elements.minutes.value) * 60);
    act(event.submitter, () => api("POST", `/api/v1/events/${eventId}/timer`, { seconds, label: "Breakout" }), "Timer started on every phone and the screen.");
  });

  root.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button || !root.contains(button)) return;
    const section = button.closest("[data-group-id]");
    const group = section && state.breakouts.find((b) => b.id === Number(section.dataset.groupId));
    if (button.matches("[data-timer-stop]")) act(button, () => api("DELETE", `/api/v1/events/${eventId}/timer`), "Timer stopped.");
    else if (button.matches("[data-assign]")) assign(button);
    else if (button.matches("[data-close-all]")) {
      if (window.confirm(button.dataset.confirmText)) act(button, () => api("POST", `/api/v1/events/${eventId}/breakouts/close`), "The breakouts are closed.");
    } else if (group) groupAction(button, group, section);
  });

  function assign(button) {
    const strategy = button.dataset.assign;
    const seated = state.breakouts.some((b) => b.state === "open" && b.member_count > 0);
    if (seated && !window.confirm(strategy === "balanced" ? "Reseat everyone evenly? People already in a group may move." : "Empty the open groups so people pick again?")) return;
    const cap = $("#pick-cap").value;
    const body = { strategy, ...(cap && strategy === "self" ? { cap: Number(cap) } : {}) };
    act(button, () => api("POST", `/api/v1/events/${eventId}/breakouts/assign`, body),
      strategy === "balanced" ? "Everyone has a group: phones on the board are taken to it." : "Phones on the board are invited to pick a group.");
  }

  function groupAction(button, group, section) {
    const url = `/api/v1/breakouts/${group.id}`;
    if (button.matches("[data-share]")) act(button, () => api("PATCH", url, { shared: !group.shared }), group.shared ? `${group.name}'s notes are back to the group only.` : `Everyone can now see ${group.name}'s notes.`);
    else if (button.matches("[data-toggle-state]")) act(button, () => api("PATCH", url, { state: group.state === "open" ? "closed" : "open" }));
    else if (button.matches("[data-screen]")) act(button, () => api("POST", `/api/v1/events/${eventId}/screen`, { mode: "breakout", target_id: group.id }), `The screen shows ${group.name}.`);
    else if (button.matches("[data-promote]")) act(button, () => api("POST", `${url}/promote`, {}), `${group.name}'s notes are on the live blog.`);
    else if (button.matches("[data-to-board]")) {
      const select = section.querySelector("[data-board]");
      const title = select.selectedOptions[0]?.textContent;
      act(button, () => api("POST", `${url}/to-board`, { board_id: Number(select.value) }), (r) => `${r.cards.length} notes are cards on ${title} now.`);
    } else if (button.matches("[data-move]")) {
      const row = button.closest("[data-attendee-id]");
      const target = Number(row.querySelector("select").value);
      act(button, () => api("POST", `/api/v1/breakouts/${target}/members`, { attendee_id: Number(row.dataset.attendeeId) }), "Moved.");
    }
  }

  // -- live -------------------------------------------------------------------------------------

  const labels = { connecting: "Connecting…", live: "Live", offline: "Reconnecting…", closed: "Not live" };
  const live = new Live({
    eventId,
    onState: (loaded) => {
      state = loaded;
      render();
    },
    onMessage: (message) => {
      applyMessage(state, message);
      if (message.type === "note.created" || message.type === "note.updated") noteWritten(message.data);
      render();
      renderWriting();
    },
    onEphemeral: (message) => {
      if (message.type === "presence") $("[data-attendees]").textContent = String(message.data.attendees);
    },
    onStatus: (status) => {
      $("[data-status]").textContent = labels[status] ?? status;
      $("[data-live-box]").dataset.conn = status;
    },
  });
  syncClock();
  live.start().catch(() => {
    $("[data-status]").textContent = "Could not load the event";
  });
}
