// liveblog.js: the public live blog, kept live. New entries slide in at the top (or wait behind
// a "3 new updates" pill while the reader is further down), edits and deletions apply in place,
// relative times tick, the agenda marks the session running now, and "Load older" pages back.
import { Live } from "./live.js";
import { EntryList, headline, newer, onOlderClick } from "./entries.js";

const REDUCED_MOTION = window.matchMedia("(prefers-reduced-motion: reduce)");

const STATUS_LABELS = { draft: "Not started yet", live: "Live", ended: "Ended", frozen: "Archived" };

class PublicBlog {
  constructor(root) {
    this.root = root;
    this.eventId = Number(root.dataset.event);
    this.list = new EntryList(root);
    this.pending = new Map(); // new entries waiting behind the pill while the reader is down
    this.missed = 0; // new entries a page of older updates will not show
    this.moments = new Map();
    this.agenda = [];
    this.status = null;
    this.nowItemId = null; // the session the facilitator put on, if any
    this.pill = root.querySelector("[data-pill]");
    this.announcer = root.querySelector("[data-announce]");
  }

  start() {
    // Said for readers without JavaScript, whose page does not update itself.
    this.root.querySelector("[data-no-js]")?.remove();
    this.pill.addEventListener("click", () => this.showPending(true));
    window.addEventListener("scroll", () => this.onScroll(), { passive: true });
    onOlderClick(this.list, this.eventId, () => this.announce("Could not load older updates."));
    this.root.addEventListener("click", (event) => this.followMoment(event));
    setInterval(() => this.list.tick(), 30_000);
    setInterval(() => this.renderAgenda(), 60_000);
    this.list.tick();
    this.live = new Live({
      eventId: this.eventId,
      onState: (state) => this.load(state),
      onMessage: (message) => this.apply(message),
      onStatus: (status) => (this.root.dataset.connection = status),
    });
    this.live.start().catch(() => (this.root.dataset.connection = "offline"));
  }

  load(state) {
    this.agenda = state.agenda;
    this.nowItemId = state.event.now_item_id ?? null;
    this.setStatus(state.event.status);
    this.renderAgenda();
    this.pending.clear();
    this.list.reconcile(state.entries);
    this.moments = new Map(
      state.entries.filter((e) => e.kind === "key_moment").map((e) => [e.id, e]),
    );
    this.renderMoments();
    this.updatePill();
  }

  apply({ type, data }) {
    if (type === "entry.created" || type === "entry.updated") this.entry(data);
    else if (type === "entry.deleted") this.deleted(data.id);
    else if (type === "event.updated") this.eventChanged(data);
    else if (type.startsWith("agenda.")) this.agendaChanged(type, data);
  }

  entry(data) {
    if (data.kind === "key_moment") this.moments.set(data.id, data);
    else this.moments.delete(data.id);
    this.renderMoments();
    if (this.pending.has(data.id)) {
      this.pending.set(data.id, data);
      return;
    }
    if (this.list.find(data.id)) {
      this.list.upsert(data);
      return;
    }
    if (!this.list.head) {
      if (!this.list.inRange(data)) this.missed += 1;
      else this.list.upsert(data);
    } else if (data.pinned || this.atTop()) {
      this.insert([data]);
    } else {
      this.pending.set(data.id, data);
    }
    this.updatePill();
  }

  deleted(id) {
    this.moments.delete(id);
    this.renderMoments();
    this.pending.delete(id);
    this.list.remove(id);
    this.updatePill();
  }

  insert(entries) {
    for (const data of entries) {
      if (this.list.upsert(data) !== "inserted") continue;
      const node = this.list.find(data.id);
      if (!REDUCED_MOTION.matches) {
        node.classList.add("is-new");
        node.addEventListener("animationend", () => node.classList.remove("is-new"), { once: true });
      }
    }
    if (entries.length) this.announce(entries.length === 1 ? "1 new update" : `${entries.length} new updates`);
  }

  atTop() {
    return this.list.stream.getBoundingClientRect().top > -40;
  }

  onScroll() {
    if (this.pending.size && this.atTop()) this.showPending(false);
  }

  showPending(scroll) {
    if (!this.list.head) {
      window.location.assign(this.list.base);
      return;
    }
    this.insert([...this.pending.values()]);
    this.pending.clear();
    this.updatePill();
    if (scroll) {
      const heading = this.root.querySelector("#latest-h");
      heading.scrollIntoView({ behavior: REDUCED_MOTION.matches ? "auto" : "smooth", block: "start" });
      heading.focus({ preventScroll: true });
    }
  }

  updatePill() {
    const count = this.list.head ? this.pending.size : this.missed;
    this.pill.hidden = count === 0;
    const noun = count === 1 ? "1 new update" : `${count} new updates`;
    this.pill.textContent = this.list.head ? `↑ ${noun}` : `${noun}: see the latest`;
    if (count) this.announce(noun);
  }

  announce(text) {
    this.announcer.textContent = text;
  }

  eventChanged(data) {
    const moved = (data.now_item_id ?? null) !== this.nowItemId;
    this.nowItemId = data.now_item_id ?? null;
    this.setStatus(data.status);
    if (moved) {
      this.renderAgenda();
      const now = this.currentItem();
      if (now) this.announce(`Now: ${now.title}`);
    }
  }

  setStatus(status) {
    this.root.querySelector("[data-day-over]").hidden = status !== "frozen";
    if (status === this.status) return;
    this.status = status;
    const badge = this.root.querySelector("[data-status-badge]");
    badge.className = `badge status-${status}`;
    badge.textContent = STATUS_LABELS[status] ?? status;
    if (status === "live") {
      const dot = document.createElement("span");
      dot.className = "live-dot";
      dot.setAttribute("aria-hidden", "true");
      badge.prepend(dot);
    }
    this.renderAgenda();
  }

  agendaChanged(type, data) {
    this.agenda = this.agenda.filter((item) => item.id !== data.id);
    if (type !== "agenda.deleted") this.agenda.push(data);
    const key = (i) => [i.starts_at === null ? 1 : 0, i.starts_at || i.created_at, i.id];
    this.agenda.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    this.renderAgenda();
  }

  /** The session on now (while the event is live): the one the facilitator put on, else the
   * last one that has started. */
  currentItem() {
    if (this.status !== "live") return null;
    const chosen = this.agenda.find((i) => i.id === this.nowItemId);
    if (chosen) return chosen;
    const now = Date.now();
    const started = this.agenda.filter((i) => i.starts_at && Date.parse(i.starts_at) <= now);
    return started.at(-1) ?? null;
  }

  renderAgenda() {
    const list = this.root.querySelector("[data-agenda-list]");
    if (!list || this.status === null) return;
    const now = this.currentItem();
    this.list.agendaTitles = new Map(this.agenda.map((item) => [item.id, item.title]));
    list.replaceChildren(...this.agenda.map((item) => this.agendaItem(item, item === now)));
    const banner = this.root.querySelector("[data-now]");
    banner.hidden = !now;
    banner.querySelector("[data-now-title]").textContent = now ? now.title : "";
    this.root.querySelector("[data-agenda-empty]").hidden = this.agenda.length > 0;
  }

  agendaItem(item, isNow) {
    const li = document.createElement("li");
    li.id = `agenda-${item.id}`;
    li.dataset.starts = item.starts_at ?? "";
    const span = (className, text) => {
      const node = document.createElement("span");
      node.className = className;
      node.textContent = text;
      return node;
    };
    const what = span("agenda-what", "");
    what.append(span("agenda-title", item.title));
    if (item.speakers.length) what.append(span("meta", item.speakers.join(", ")));
    li.append(span("agenda-time", this.list.time(item.starts_at)), what);
    if (isNow) {
      li.className = "is-now";
      li.setAttribute("aria-current", "true");
      li.append(span("entry-label is-now", "Now"));
    }
    return li;
  }

  renderMoments() {
    const list = this.root.querySelector("[data-moments]");
    const moments = [...this.moments.values()].sort((a, b) =>
      newer({ created: a.created_at, id: a.id }, { created: b.created_at, id: b.id }) ? -1 : 1,
    );
    list.replaceChildren(
      ...moments.map((m) => {
        const li = document.createElement("li");
        const link = document.createElement("a");
        link.href = `${this.list.base}/e/${m.id}#entry-${m.id}`;
        const time = document.createElement("time");
        time.dateTime = m.created_at;
        time.textContent = this.list.time(m.created_at);
        const words = document.createElement("span");
        words.textContent = headline(m);
        link.append(time, " ", words);
        li.append(link);
        return li;
      }),
    );
    this.root.querySelector("[data-moments-empty]").hidden = moments.length > 0;
  }

  /** A key moment already on the page is scrolled to, not reloaded. */
  followMoment(event) {
    const link = event.target.closest("[data-moments] a");
    const id = link?.getAttribute("href").split("#entry-")[1];
    const node = id && this.list.find(id);
    if (!node) return;
    event.preventDefault();
    history.replaceState(null, "", `#entry-${id}`);
    node.scrollIntoView({ behavior: REDUCED_MOTION.matches ? "auto" : "smooth", block: "start" });
    node.querySelector("a")?.focus({ preventScroll: true });
  }
}

const publicRoot = document.querySelector('[data-liveblog="public"]');
if (publicRoot) new PublicBlog(publicRoot).start();
