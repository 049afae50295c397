// screen-pair.js: an unpaired session screen. It asks for a short code, shows it, and waits for
// a facilitator to type it in the console; then it opens the event's screen. A code lasts ten
// minutes; a new one is asked for when it runs out.
const box = document.querySelector("[data-pairing]");
const POLL_MS = 3000;

async function ask(method, url) {
  const response = await fetch(url, { method, credentials: "same-origin", headers: { Accept: "application/json" } });
  const body = await response.json().catch(() => ({}));
  return { ok: response.ok, status: response.status, body, retry: Number(response.headers.get("Retry-After")) };
}

function show(code, note) {
  box.querySelector("[data-pairing-code]").textContent = code ? `${code.slice(0, 3)}\u2009${code.slice(3)}` : "······";
  box.querySelector("[data-pairing-note]").textContent = note;
}

function paired(found) {
  if (found.event_id) window.location.assign(`/screen/${found.event_id}`);
  return Boolean(found.event_id);
}

async function fresh() {
  const answer = await ask("POST", "/api/v1/screens/code").catch(() => ({ ok: false }));
  if (!answer.ok) {
    show("", answer.status === 429 ? "Too many codes asked for from here; trying again soon." : "Cannot reach Glimpse; trying again…");
    setTimeout(fresh, (answer.retry || 10) * 1000);
    return;
  }
  if (paired(answer.body)) return;
  show(answer.body.code, "Waiting for the console…");
  wait(Date.parse(answer.body.expires_at));
}

function wait(expires) {
  const tick = async () => {
    if (Date.now() >= expires) return fresh();
    const answer = await ask("GET", "/api/v1/screens/me").catch(() => ({ ok: false }));
    if (answer.ok && paired(answer.body)) return undefined;
    if (answer.status === 404) return fresh(); // unpaired or forgotten: a new code
    setTimeout(tick, POLL_MS);
    return undefined;
  };
  setTimeout(tick, POLL_MS);
}

if (box) fresh().catch(() => setTimeout(fresh, POLL_MS));
