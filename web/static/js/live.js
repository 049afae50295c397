// live.js: the one realtime client every Glimpse page uses.
//
// It loads the event's state, subscribes from that state's seq, keeps the last seq it applied,
// reconnects with backoff and jitter, resumes with ?since=, reloads state when the server says
// "resync", and keeps an outbox of client messages (card.create, note.create, vote.set, ...)
// in localStorage until each is acknowledged, so nothing typed on a phone is lost to bad Wi-Fi
// or a reload. Every client message carries a client_id, so a resend never creates twice.

import { fetchJSON } from "./lib/api.js";

const BACKOFF_START_MS = 500;
const BACKOFF_MAX_MS = 15000;
const QUIET_MS = 45000; // no message for this long: check the line with a ping
const PING_WAIT_MS = 10000;
const FINAL_CLOSES = { 4401: "not_allowed", 4404: "no_such_event", 4409: "frozen" };

export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export class Live {
  /**
   * @param {object} o
   * @param {number} o.eventId
   * @param {(state: object) => void} o.onState   called with a full state (first load, resync)
   * @param {(message: object) => void} o.onMessage  each logged message, in seq order, once
   * @param {(status: string, detail?: object) => void} [o.onStatus]  connecting|live|offline|closed
   * @param {(message: object) => void} [o.onEphemeral]  presence, hello
   * @param {(items: object[]) => void} [o.onOutbox]  the unacknowledged client messages
   * @param {(ref: string, reply: object) => void} [o.onReply]  ack or error for a client message
   */
  constructor(o) {
    this.o = o;
    this.eventId = o.eventId;
    this.seq = null;
    this.ws = null;
    this.attempt = 0;
    this.stopped = false;
    this.waiters = new Map();
    this.storageKey = `glimpse:outbox:${o.eventId}`;
    this.outbox = this.loadOutbox();
    this.quietTimer = null;
    this.pingTimer = null;
    window.addEventListener("online", () => this.reconnectSoon(0));
    // A socket can outlive the network (Chromium keeps it open while offline): treat it as gone,
    // so the outbox queues visibly, and come back when the browser is online again.
    window.addEventListener("offline", () => this.drop());
  }

  async start() {
    await this.loadState();
    this.connect();
    this.o.onOutbox?.(this.outbox);
    return this;
  }

  stop() {
    this.stopped = true;
    this.ws?.close(1000);
  }

  async loadState() {
    const state = await fetchJSON(`/api/v1/events/${this.eventId}/state`);
    this.seq = state.seq;
    this.o.onState(state);
  }

  connect() {
    if (this.stopped) return;
    this.status("connecting");
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const url = `${scheme}://${location.host}/ws/events/${this.eventId}?since=${this.seq ?? ""}`;
    const previous = this.ws;
    const ws = new WebSocket(url.replace(/\?since=$/, ""));
    this.ws = ws; // set first: the previous socket's close is then ignored
    if (previous && previous.readyState !== WebSocket.CLOSED) previous.close(1000);
    ws.onopen = () => this.flushOutbox();
    ws.onmessage = (event) => this.receive(event.data);
    ws.onclose = (event) => this.closed(ws, event);
    ws.onerror = () => {};
    this.touch();
  }

  receive(text) {
    this.touch();
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (message.type === "hello") {
      this.attempt = 0;
      this.status("live");
      this.o.onEphemeral?.(message);
    } else if (message.type === "resync") {
      this.resync();
    } else if (message.type === "ack" || message.type === "error") {
      this.settle(message);
    } else if (typeof message.seq === "number") {
      if (this.seq !== null && message.seq <= this.seq) return; // already applied
      this.seq = message.seq;
      this.o.onMessage(message);
    } else {
      this.o.onEphemeral?.(message);
    }
  }

  async resync() {
    try {
      await this.loadState();
    } catch {
      /* the next reconnect tries again */
    }
    this.ws?.close(4000);
  }

  closed(ws, event) {
    if (ws !== this.ws) return;
    clearTimeout(this.quietTimer);
    clearTimeout(this.pingTimer);
    const final = FINAL_CLOSES[event.code];
    if (final || this.stopped) {
      this.status("closed", { reason: final || "stopped", code: event.code });
      return;
    }
    this.status("offline", { code: event.code });
    if (navigator.onLine === false) return; // the "online" event reconnects
    // 4408: we were too slow; 4000: we closed to resync. Both come straight back.
    const delay = event.code === 4408 || event.code === 4000 ? 0 : this.backoff();
    this.reconnectSoon(delay);
  }

  /** Let go of the socket at once; a dead network may never deliver its close event. */
  drop() {
    const ws = this.ws;
    if (!ws || this.stopped) return;
    this.ws = null; // so its late close event, if any, is ignored
    clearTimeout(this.quietTimer);
    clearTimeout(this.pingTimer);
    ws.close(4000);
    this.status("offline", { code: 4000 });
  }

  backoff() {
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS * 2 ** this.attempt);
    this.attempt += 1;
    return base / 2 + Math.random() * base; // jitter: a room of phones must not return in step
  }

  reconnectSoon(delay) {
    if (this.stopped || this.ws?.readyState === WebSocket.OPEN) return;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  touch() {
    clearTimeout(this.quietTimer);
    clearTimeout(this.pingTimer);
    this.quietTimer = setTimeout(() => {
      this.sendRaw({ type: "ping", ref: `ping-${Date.now()}` });
      this.pingTimer = setTimeout(() => this.ws?.close(4000), PING_WAIT_MS);
    }, QUIET_MS);
  }

  status(status, detail = {}) {
    this.o.onStatus?.(status, detail);
  }

  // -- outbox ---------------------------------------------------------------------------

  /** Queue a client message; resolves with the ack's data, rejects with the server's error. */
  send(type, data) {
    const item = { ref: uuid(), type, data, queuedAt: new Date().toISOString() };
    this.outbox.push(item);
    this.saveOutbox();
    const promise = new Promise((resolve, reject) => this.waiters.set(item.ref, { resolve, reject }));
    this.sendRaw(item);
    return { ref: item.ref, promise };
  }

  flushOutbox() {
    for (const item of this.outbox) this.sendRaw(item);
  }

  sendRaw(item) {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify({ type: item.type, ref: item.ref, data: item.data }));
    return true;
  }

  settle(reply) {
    const before = this.outbox.length;
    this.outbox = this.outbox.filter((item) => item.ref !== reply.ref);
    if (this.outbox.length !== before) this.saveOutbox();
    const waiter = this.waiters.get(reply.ref);
    this.waiters.delete(reply.ref);
    if (reply.type === "ack") waiter?.resolve(reply.data);
    else waiter?.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
    this.o.onReply?.(reply.ref, reply);
  }

  loadOutbox() {
    try {
      return JSON.parse(localStorage.getItem(this.storageKey) || "[]");
    } catch {
      return [];
    }
  }

  saveOutbox() {
    try {
      localStorage.setItem(this.storageKey, JSON.stringify(this.outbox));
    } catch {
      /* storage full or blocked: the outbox still lives in memory */
    }
    this.o.onOutbox?.(this.outbox);
  }
}
