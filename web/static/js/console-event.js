// The console's event page: connection status, who is here, and what just happened, live.
import { Live } from "./live.js";

const root = document.querySelector("[data-live-event]");

const LABELS = {
  "agenda.created": (d) => `Session added: ${d.title}`,
  "agenda.updated": (d) => `Session changed: ${d.title}`,
  "agenda.deleted": () => "A session was removed",
  "event.updated": (d) => `Event is ${d.status}`,
  "entry.created": () => "New live-blog entry",
  "entry.updated": () => "Live-blog entry edited",
  "entry.deleted": () => "Live-blog entry deleted",
  "board.created": (d) => `Board opened: ${d.title}`,
  "board.updated": (d) => `Board ${d.title} is ${d.state}`,
  "card.created": (d) => `Card: ${d.text}`,
};

function show(selector, text) {
  const node = root.querySelector(selector);
  if (node) node.textContent = text;
}

function note(message) {
  const label = LABELS[message.type]?.(message.data) ?? message.type;
  const list = root.querySelector("[data-activity]");
  const item = document.createElement("li");
  const time = new Date(message.at || Date.now());
  item.textContent = `${time.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })} ${label}`;
  list.prepend(item);
  while (list.children.length > 8) list.lastElementChild.remove();
}

if (root) {
  const live = new Live({
    eventId: Number(root.dataset.liveEvent),
    onState: (state) => show("[data-seq]", String(state.seq)),
    onMessage: (message) => {
      note(message);
      show("[data-seq]", String(message.seq));
      if (message.type === "agenda.created" || message.type === "agenda.updated" || message.type === "agenda.deleted") {
        root.querySelector("[data-stale]")?.removeAttribute("hidden");
      }
    },
    onEphemeral: (message) => {
      if (message.type === "presence") {
        show("[data-attendees]", String(message.data.attendees));
        show("[data-followers]", String(message.data.followers));
      }
    },
    onStatus: (status) => {
      const labels = { connecting: "Connecting…", live: "Live", offline: "Reconnecting…", closed: "Not live" };
      show("[data-status]", labels[status] ?? status);
      root.dataset.status = status;
    },
  });
  live.start().catch(() => show("[data-status]", "Could not load the event"));
}

// Irreversible steps ask first (no inline handlers: the page's CSP forbids them).
document.addEventListener("click", (event) => {
  const trigger = event.target.closest("[data-confirm]");
  if (trigger && trigger.tagName === "BUTTON" && !window.confirm(trigger.dataset.confirm)) event.preventDefault();
});
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
});
