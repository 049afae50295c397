// composer.js: the facilitator's live-blog composer. Markdown with a preview rendered by the
// server's own sanitiser (so the preview is the final entry), kinds, the session pre-selected by
// the clock, pictures, pins, edits with corrections, deletions and history. Ctrl/Cmd+Enter
// posts; the draft lives in localStorage so a reload loses nothing. Words that look like personal
// data are flagged as you type; the server refuses them (422 looks_personal) until "Publish
// anyway" sends them again with confirm_personal, a deliberate second step. Entries posted by other
// facilitators arrive live through live.js.
import { api } from "./lib/api.js";
import { Live, uuid } from "./live.js";
import { EntryList, onOlderClick } from "./entries.js";
import { Pictures } from "./pictures.js";

const PREVIEW_DELAY_MS = 250;

const root = document.querySelector("[data-composer-page]");

class Composer {
  constructor(root) {
    this.root = root;
    this.eventId = Number(root.dataset.event);
    this.maxUpload = Number(root.dataset.maxUpload);
    this.list = new EntryList(root);
    this.form = root.querySelector("[data-composer]");
    this.entries = new Map(); // id -> entry data, for editing Markdown the page does not show
    this.editing = null;
    this.draftKey = `glimpse:draft:${this.eventId}`;
    this.previewTurn = 0;
  }

  start() {
    this.root.addEventListener("click", (event) => this.onAction(event));
    onOlderClick(this.list, this.eventId, (error) => this.showError(error));
    if (this.form) this.startForm();
    setInterval(() => this.list.tick(), 30_000);
    this.list.tick();
    const status = this.root.querySelector("[data-status]");
    const labels = { connecting: "Connecting…", live: "Live", offline: "Reconnecting…", closed: "Not live" };
    new Live({
      eventId: this.eventId,
      onState: (state) => this.load(state),
      onMessage: (message) => this.apply(message),
      onStatus: (s) => (status.textContent = labels[s] ?? s),
    })
      .start()
      .catch(() => (status.textContent = "Could not load the event"));
  }

  startForm() {
    const f = this.form;
    this.restoreDraft();
    f.addEventListener("input", (event) => this.onInput(event));
    f.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    f.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        this.submit();
      }
    });
    this.pictures = new Pictures(this.root.querySelector("[data-staged]"), {
      input: f.elements.images,
      maxBytes: this.maxUpload,
      onError: (error) => this.showError(error),
    });
    f.elements.agenda_item_id.addEventListener("change", () => (this.agendaTouched = true));
    this.root.querySelector("[data-cancel]").addEventListener("click", () => this.stopEditing());
    this.root.querySelector("[data-publish-anyway]").addEventListener("click", () => this.submit({ confirmed: true }));
    setInterval(() => this.followClock(), 60_000);
    this.sync();
  }

  // -- live state ---------------------------------------------------------------------------

  load(state) {
    this.list.agendaTitles = new Map(state.agenda.map((item) => [item.id, item.title]));
    this.entries = new Map(state.entries.map((e) => [e.id, e]));
    this.list.reconcile(state.entries);
  }

  apply({ type, data }) {
    if (type === "entry.created" || type === "entry.updated") {
      this.entries.set(data.id, data);
      this.list.upsert(data);
    } else if (type === "entry.deleted") {
      this.entries.delete(data.id);
      this.list.remove(data.id);
      if (this.form && this.editing === data.id) this.stopEditing("This entry was deleted.");
    } else if (type.startsWith("agenda.")) {
      if (type === "agenda.deleted") this.list.agendaTitles.delete(data.id);
      else this.list.agendaTitles.set(data.id, data.title);
    }
  }

  // -- the form -----------------------------------------------------------------------------

  values() {
    const f = this.form.elements;
    const agenda = f.agenda_item_id.value;
    return {
      body: f.body.value,
      kind: f.kind.value,
      attribution: f.kind.value === "quote" ? f.attribution.value.trim() : "",
      agenda_item_id: agenda ? Number(agenda) : null,
      pinned: f.pinned.checked,
    };
  }

  setValues(v) {
    const f = this.form.elements;
    f.body.value = v.body ?? "";
    f.kind.value = v.kind ?? "update";
    f.attribution.value = v.attribution ?? "";
    f.agenda_item_id.value = v.agenda_item_id ?? "";
    f.pinned.checked = Boolean(v.pinned);
    f.is_correction.checked = false;
    f.note.value = "";
  }

  onInput(event) {
    if (event.target.name === "images" || event.target.dataset.index !== undefined) return;
    this.root.querySelector("[data-publish-anyway]").hidden = true; // confirm what you see, not what was
    this.sync();
    if (!this.editing) this.saveDraft();
  }

  /** Show what depends on other fields, and refresh the preview. */
  sync() {
    const v = this.values();
    this.root.querySelector("[data-attribution-field]").hidden = v.kind !== "quote";
    this.root.querySelector("[data-correction]").hidden = !this.editing;
    this.root.querySelector("[data-compose-title]").textContent = this.editing ? "Edit entry" : "New entry";
    this.root.querySelector("[data-submit]").textContent = this.editing ? "Save changes" : "Post";
    this.root.querySelector("[data-cancel]").hidden = !this.editing;
    clearTimeout(this.previewTimer);
    this.previewTimer = setTimeout(() => this.preview(), PREVIEW_DELAY_MS);
  }

  async preview() {
    const v = this.values();
    const holder = this.root.querySelector("[data-preview]");
    const empty = this.root.querySelector("[data-preview-empty]");
    const turn = ++this.previewTurn;
    if (!v.body.trim()) {
      holder.replaceChildren();
      empty.hidden = false;
      this.warnPrivacy("");
      return;
    }
    try {
      const { html, privacy_warning: warning } = await api("POST", `/api/v1/events/${this.eventId}/entries/preview`, { body: v.body });
      if (turn !== this.previewTurn) return; // a later keystroke's preview is on its way
      holder.replaceChildren(this.previewEntry(v, html));
      this.warnPrivacy(warning ? `This entry ${warning}. Entries are public: check it before posting.` : "");
      empty.hidden = true;
    } catch (error) {
      if (turn === this.previewTurn) this.showError(error);
    }
  }

  previewEntry(v, html) {
    const now = new Date().toISOString();
    const current = this.editing ? this.entries.get(this.editing) : null;
    const f = this.form.elements;
    const node = this.list.build({
      ...v,
      id: this.editing ?? 0,
      html,
      created_at: current?.created_at ?? now,
      updated_at: now,
      edited: Boolean(current),
      correction_note: f.is_correction.checked ? f.note.value.trim() : current?.correction_note ?? "",
    });
    node.removeAttribute("id");
    node.querySelector('[data-slot="link"]').removeAttribute("href");
    node.querySelector(".entry-actions")?.remove();
    return node;
  }

  // -- drafts -------------------------------------------------------------------------------

  restoreDraft() {
    let draft = null;
    try {
      draft = JSON.parse(localStorage.getItem(this.draftKey) || "null");
    } catch {
      draft = null;
    }
    this.clientId = draft?.clientId ?? uuid();
    this.agendaTouched = Boolean(draft?.agendaTouched);
    if (draft) {
      const agenda = this.agendaTouched ? draft.agenda_item_id : this.form.elements.agenda_item_id.value;
      this.setValues({ ...draft, agenda_item_id: agenda });
      this.note(draft.body ? "Draft restored." : "");
    }
  }

  saveDraft() {
    const draft = { ...this.values(), clientId: this.clientId, agendaTouched: this.agendaTouched };
    try {
      localStorage.setItem(this.draftKey, JSON.stringify(draft));
      this.note("Draft saved on this device.");
    } catch {
      this.note("");
    }
  }

  clearDraft() {
    localStorage.removeItem(this.draftKey);
    this.clientId = uuid();
    this.agendaTouched = false;
  }

  /** Pre-select the session running now, unless the facilitator chose one. */
  followClock() {
    if (this.agendaTouched || this.editing) return;
    const now = Date.now();
    const options = [...this.form.elements.agenda_item_id.options].filter(
      (o) => o.dataset.starts && Date.parse(o.dataset.starts) <= now,
    );
    if (options.length) this.form.elements.agenda_item_id.value = options.at(-1).value;
  }

  // -- posting, editing, pictures -----------------------------------------------------------

  async submit({ confirmed = false } = {}) {
    const v = { ...this.values(), confirm_personal: confirmed };
    if (!v.body.trim()) {
      this.showError(new Error("Write something first."));
      this.form.elements.body.focus();
      return;
    }
    const undescribed = this.pictures.undescribed();
    if (undescribed) {
      this.showError(undescribed);
      return;
    }
    const button = this.root.querySelector("[data-submit]");
    button.disabled = true;
    this.showError(null);
    try {
      const entry = this.editing ? await this.saveEdit(v) : await this.post(v);
      this.entries.set(entry.id, entry);
      this.list.upsert(entry);
      await this.pictures.upload((form) =>
        api("POST", `/api/v1/entries/${entry.id}/images`, form),
      );
      this.finish();
    } catch (error) {
      if (error.body?.error?.code === "looks_personal") this.warnPrivacy(error.message, { offer: true });
      else this.showError(error);
    } finally {
      button.disabled = false;
    }
  }

  post(v) {
    return api("POST", `/api/v1/events/${this.eventId}/entries`, { ...v, client_id: this.clientId });
  }

  saveEdit(v) {
    const f = this.form.elements;
    const correction = { is_correction: f.is_correction.checked, note: f.note.value.trim() };
    return api("PATCH", `/api/v1/entries/${this.editing}`, { ...v, correction });
  }

  finish() {
    const wasEditing = this.editing;
    this.editing = null;
    if (!wasEditing) this.clearDraft();
    this.setValues({});
    this.restoreDraft(); // a draft put aside while editing comes back
    this.followClock();
    this.note(wasEditing ? "Changes saved." : "Posted.");
    this.sync();
    this.form.elements.body.focus();
  }

  startEditing(id) {
    const entry = this.entries.get(id);
    if (!entry || !this.form) return;
    this.editing = id;
    this.setValues(entry);
    this.sync();
    this.note("");
    this.form.scrollIntoView({ block: "start" });
    this.form.elements.body.focus();
  }

  stopEditing(message = "") {
    this.editing = null;
    this.setValues({});
    this.restoreDraft();
    this.followClock();
    this.sync();
    this.note(message);
  }

  // -- actions on posted entries ------------------------------------------------------------

  onAction(event) {
    const button = event.target.closest("[data-action]");
    const node = button?.closest("[data-entry]");
    if (!node) return;
    const id = Number(node.dataset.entry);
    const action = button.dataset.action;
    if (action === "edit") this.startEditing(id);
    else if (action === "pin") this.run(api("PATCH", `/api/v1/entries/${id}`, { pinned: node.dataset.pinned !== "true" }));
    else if (action === "delete" && window.confirm("Delete this entry? It disappears from every reader's page."))
      this.run(api("DELETE", `/api/v1/entries/${id}`).then(() => this.apply({ type: "entry.deleted", data: { id } })));
    else if (action === "history") this.run(this.showHistory(id));
  }

  run(promise) {
    return promise
      .then((entry) => {
        if (entry?.id) this.apply({ type: "entry.updated", data: entry });
      })
      .catch((error) => this.showError(error));
  }

  async showHistory(id) {
    const revisions = await api("GET", `/api/v1/entries/${id}/revisions`);
    const list = this.root.querySelector("[data-revisions]");
    const when = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: this.root.dataset.timezone });
    list.replaceChildren(
      ...revisions.map((r) => {
        const li = document.createElement("li");
        const head = document.createElement("p");
        head.className = "meta";
        head.textContent = `Replaced ${when.format(new Date(r.created_at))}`;
        const body = document.createElement("div");
        body.className = "entry-body";
        body.innerHTML = r.html; // sanitised by the server
        li.append(head, body);
        return li;
      }),
    );
    if (!revisions.length) list.textContent = "This entry has not been edited.";
    this.root.querySelector("[data-history]").showModal();
  }

  // -- messages -----------------------------------------------------------------------------

  showError(error) {
    const box = this.root.querySelector("[data-error]");
    if (!box) {
      if (error) window.alert(error.message);
      return;
    }
    box.hidden = !error;
    box.textContent = error ? error.message : "";
  }

  /** The privacy guard's word on this entry; with `offer`, the deliberate "Publish anyway". */
  warnPrivacy(text, { offer = false } = {}) {
    const box = this.root.querySelector("[data-privacy]");
    box.hidden = !text;
    box.querySelector("[data-privacy-text]").textContent = text;
    const anyway = box.querySelector("[data-publish-anyway]");
    anyway.hidden = !(text && offer);
    if (offer) anyway.focus();
  }

  note(text) {
    const node = this.root.querySelector("[data-draft-state]");
    if (node) node.textContent = text;
  }
}

if (root) new Composer(root).start();
