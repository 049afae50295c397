// The console's review page: approve, hide or redact held cards, and confirm before freezing.
// Every change goes through the same API as anywhere else (PATCH /api/v1/cards/{id},
// POST /api/v1/cards/{id}/redact).
import { api } from "./lib/api.js";

const root = document.querySelector("[data-review]");

function showError(message) {
  const box = root.querySelector("[data-review-error]");
  box.textContent = message;
  box.hidden = false;
}

async function decide(button) {
  const item = button.closest("li");
  button.disabled = true;
  try {
    await api("PATCH", `/api/v1/cards/${button.dataset.card}`, { status: button.dataset.status });
    // The counts of what will be archived change too: reload the page's numbers.
    window.location.reload();
  } catch (error) {
    button.disabled = false;
    showError(error.message || "That did not work; try again.");
    item?.querySelector("button")?.focus();
  }
}

const MARKER = "[redacted]";

// Replace what is selected in the card's text with the marker, keeping the caret after it, so
// the keyboard (shift+arrows, then the button) and a phone (select, then tap) both work.
function markSelection(form) {
  const box = form.elements.text;
  const { selectionStart: start, selectionEnd: end, value } = box;
  if (start !== end) {
    box.value = `${value.slice(0, start)}${MARKER}${value.slice(end)}`;
    box.setSelectionRange(start + MARKER.length, start + MARKER.length);
  }
  box.focus();
}

async function redact(form, submitter) {
  const buttons = form.querySelectorAll("button");
  buttons.forEach((b) => { b.disabled = true; });
  try {
    const body = { text: form.elements.text.value, approve: submitter?.value === "approve" };
    await api("POST", `/api/v1/cards/${form.dataset.redact}/redact`, body);
    // The page says again what is held and why, after the guard's second look.
    window.location.reload();
  } catch (error) {
    buttons.forEach((b) => { b.disabled = false; });
    showError(error.message || "That did not work; try again.");
    form.elements.text.focus();
  }
}

if (root) {
  // Arriving from the board's "Redact words" link: that card's redaction box is open.
  const linked = window.location.hash ? document.getElementById(window.location.hash.slice(1)) : null;
  const details = linked?.querySelector("details.redact");
  if (details) {
    details.open = true;
    // After the browser's own move to the fragment, which would take the focus back.
    window.addEventListener("load", () => details.querySelector("textarea").focus(), { once: true });
  }
  root.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-card]");
    if (button) decide(button);
    const mark = event.target.closest("button[data-mark]");
    if (mark) markSelection(mark.closest("form"));
  });
  root.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-redact]");
    if (!form) return;
    event.preventDefault();
    redact(form, event.submitter);
  });
}

// Irreversible steps ask first (no inline handlers: the page's CSP forbids them).
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
});
