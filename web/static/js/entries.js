// entries.js: lists of live-blog entries, shared by the public page and the console's composer.
// Entries are built by filling the page's <template>, itself rendered from public/_entry.html,
// so an entry that arrives live looks exactly like one the server rendered. Lists keep pinned
// entries apart, sort the rest newest first, and page back by cursor without duplicates.
import { fetchJSON } from "./lib/api.js";

const HEADLINE_LENGTH = 90; // as server/pages/feeds.py
const FALLBACK = { quote: "A quote", key_moment: "A key moment", update: "An update" };

export function timeFormat(timezone) {
  const format = new Intl.DateTimeFormat("en-GB", {
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZone: timezone || undefined,
  });
  return (iso) => (iso ? format.format(new Date(iso)) : "");
}

export function relative(iso, now = Date.now()) {
  const seconds = Math.round((now - Date.parse(iso)) / 1000);
  if (!Number.isFinite(seconds)) return "";
  if (seconds < 45) return "just now";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  return hours < 12 ? `${hours} h ago` : "";
}

/** The words of an entry, as server/pages/feeds.py headline() makes them. */
export function headline(data) {
  const holder = document.createElement("template");
  holder.innerHTML = data.html; // sanitised by the server; a template's content never runs
  const words = holder.content.textContent.split(/\s+/).filter(Boolean).join(" ");
  const text = Array.from(words || FALLBACK[data.kind] || FALLBACK.update);
  return text.length <= HEADLINE_LENGTH ? text.join("") : `${text.slice(0, HEADLINE_LENGTH - 1).join("").trimEnd()}…`;
}

/** True when entry a sorts above entry b: newer first, the higher id on a tie. */
export function newer(a, b) {
  if (a.created !== b.created) return a.created > b.created;
  return a.id > b.id;
}

function keyOf(node) {
  return { created: node.dataset.created, id: Number(node.dataset.entry) };
}

export class EntryList {
  /** The pinned and chronological lists of entries inside `root`. */
  constructor(root) {
    this.root = root;
    this.base = root.dataset.base;
    this.time = timeFormat(root.dataset.timezone);
    this.template = root.querySelector("#entry-template");
    this.pinned = root.querySelector('[data-list="pinned"]');
    this.stream = root.querySelector('[data-list="stream"]');
    this.head = root.dataset.head !== "false";
    this.agendaTitles = new Map();
  }

  get olderLink() {
    return this.root.querySelector("[data-older]");
  }

  nodes() {
    return [...this.pinned.children, ...this.stream.children].filter((n) => n.dataset.entry);
  }

  find(id) {
    return this.nodes().find((node) => node.dataset.entry === String(id)) ?? null;
  }

  build(data) {
    const node = this.template.content.firstElementChild.cloneNode(true);
    this.fill(node, data);
    return node;
  }

  fill(node, d) {
    const slot = (name) => node.querySelector(`[data-slot="${name}"]`);
    node.id = `entry-${d.id}`;
    node.className = `entry kind-${d.kind}${d.pinned ? " is-pinned" : ""}`;
    Object.assign(node.dataset, {
      entry: String(d.id),
      kind: d.kind,
      pinned: String(Boolean(d.pinned)),
      created: d.created_at,
      updated: d.updated_at,
      agenda: d.agenda_item_id ?? "",
    });
    slot("link").href = `${this.base}/e/${d.id}#entry-${d.id}`;
    slot("time").dateTime = d.created_at;
    slot("time").textContent = this.time(d.created_at);
    slot("ago").textContent = relative(d.created_at);
    slot("pinned").hidden = !d.pinned;
    slot("key").hidden = d.kind !== "key_moment";
    const session = d.agenda_item_id ? this.agendaTitles.get(d.agenda_item_id) ?? "" : "";
    slot("session").textContent = session;
    slot("session").hidden = !session;
    slot("html").innerHTML = d.html; // sanitised once by the server, exactly as it renders it
    slot("attribution").textContent = d.attribution;
    slot("attribution").hidden = !(d.kind === "quote" && d.attribution);
    slot("updated").hidden = !d.edited;
    slot("updated-time").dateTime = d.updated_at;
    slot("updated-time").textContent = this.time(d.updated_at);
    slot("correction").hidden = !d.correction_note;
    slot("note").textContent = d.correction_note;
    const pin = slot("pin-label");
    if (pin) pin.textContent = d.pinned ? "Unpin" : "Pin";
  }

  /** Whether an unpinned entry belongs in the stretch of the stream this page shows. */
  inRange(d) {
    const key = { created: d.created_at, id: d.id };
    const first = this.stream.firstElementChild;
    const last = this.stream.lastElementChild;
    if (!this.head && (d.pinned || (first && newer(key, keyOf(first))))) return false;
    return !(this.olderLink && last && newer(keyOf(last), key));
  }

  place(node, d) {
    const list = d.pinned ? this.pinned : this.stream;
    const key = { created: d.created_at, id: d.id };
    const before = [...list.children].find((other) => newer(key, keyOf(other)));
    list.insertBefore(node, before ?? null);
    this.changed();
  }

  /** Insert or update one entry; "inserted", "updated" or "skipped" (outside this page). */
  upsert(d) {
    const existing = this.find(d.id);
    if (existing) {
      const moved = existing.dataset.pinned !== String(Boolean(d.pinned));
      this.fill(existing, d);
      if (moved) this.place(existing, d);
      return "updated";
    }
    if (!this.inRange(d)) return "skipped";
    this.place(this.build(d), d);
    return "inserted";
  }

  remove(id) {
    this.find(id)?.remove();
    this.changed();
  }

  /** Make the lists match a full state: drop what is gone, fill and add the rest. */
  reconcile(entries) {
    const ids = new Set(entries.map((e) => String(e.id)));
    for (const node of this.nodes()) if (!ids.has(node.dataset.entry)) node.remove();
    for (const entry of entries) this.upsert(entry);
    this.changed();
  }

  changed() {
    const section = this.root.querySelector("[data-pinned-section]");
    if (section) section.hidden = this.pinned.children.length === 0;
    const empty = this.root.querySelector("[data-empty]");
    if (empty) empty.hidden = this.nodes().length > 0;
  }

  tick() {
    for (const node of this.nodes()) {
      node.querySelector('[data-slot="ago"]').textContent = relative(node.dataset.created);
    }
  }

  /** Fetch the next older page by cursor; entries already shown are never added twice. */
  async loadOlder(eventId) {
    const link = this.olderLink;
    if (!link) return [];
    const page = await fetchJSON(
      `/api/v1/public/events/${eventId}/entries?before=${encodeURIComponent(link.dataset.cursor)}`,
    );
    const added = [];
    for (const entry of page.entries) {
      if (entry.pinned || this.find(entry.id)) continue;
      const node = this.build(entry);
      this.place(node, entry);
      added.push(node);
    }
    if (page.next_before) {
      link.dataset.cursor = page.next_before;
      link.href = `${this.base}?before=${encodeURIComponent(page.next_before)}`;
    } else {
      link.closest(".older")?.remove();
    }
    return added;
  }
}

export function onOlderClick(list, eventId, onError) {
  list.root.addEventListener("click", (event) => {
    const link = event.target.closest("[data-older]");
    if (!link) return;
    event.preventDefault();
    link.setAttribute("aria-busy", "true");
    list
      .loadOlder(eventId)
      .then((added) => added[0]?.querySelector("a")?.focus({ preventScroll: false }))
      .catch(onError)
      .finally(() => link.removeAttribute("aria-busy"));
  });
}
