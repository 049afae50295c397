// lib/clock.js: the server's clock and the room's timer, one way for every surface. A phone's or
// a screen's own clock can be minutes out; syncClock() learns the offset once a page, and every
// "now" below is the server's.

let offset = 0; // milliseconds to add to Date.now() to get the server's clock
let syncing = null;

async function measureOffset() {
  try {
    const before = Date.now();
    const response = await fetch("/healthz", { method: "GET", cache: "no-store" });
    const after = Date.now();
    const date = Date.parse(response.headers.get("date") || "");
    // The Date header is truncated to the second: on average it is half a second behind.
    return Number.isNaN(date) ? 0 : date + 500 - (before + after) / 2;
  } catch {
    return 0;
  }
}

/** Learn the server's clock (good to about a second); once a page, however often it is called. */
export function syncClock() {
  syncing ??= measureOffset().then((measured) => {
    offset = measured;
  });
  return syncing;
}

/** The server's time now, in milliseconds since the epoch. */
export function serverNow() {
  return Date.now() + offset;
}

// "Time is up" stays this long, then every surface drops the timer, as /state does
// (server/services/room.py TIMER_LINGER); a new timer or the screen moving on ends it sooner.
export const TIMER_LINGER_MS = 120000;

/** The timer to show now: null once it ended more than TIMER_LINGER_MS ago. */
export function shownTimer(timer, now = serverNow()) {
  return timer && Date.parse(timer.ends_at) + TIMER_LINGER_MS >= now ? timer : null;
}

/** Milliseconds left on a timer (negative once it has run out). */
export function msLeft(timer, now = serverNow()) {
  return Date.parse(timer.ends_at) - now;
}

/** Whole seconds left on a timer (0 once it has run out), or null with none to show. */
export function secondsLeft(timer, now = serverNow()) {
  return shownTimer(timer, now) ? Math.max(0, Math.ceil(msLeft(timer, now) / 1000)) : null;
}

/** 4:05, or 1:04:05 from an hour up. */
export function formatClock(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const m = Math.floor(total / 60);
  const s = String(total % 60).padStart(2, "0");
  return m >= 60 ? `${Math.floor(m / 60)}:${String(m % 60).padStart(2, "0")}:${s}` : `${m}:${s}`;
}
