// The console's review page: approve or hide held cards, and confirm before freezing.
// Every change goes through the same API as anywhere else (PATCH /api/v1/cards/{id}).
import { fetchJSON } from "./live.js";

const root = document.querySelector("[data-review]");

function showError(message) {
  const box = root.querySelector("[data-review-error]");
  box.textContent = message;
  box.hidden = false;
}

async function send(url, method, body) {
  const headers = { "Content-Type": "application/json", "X-CSRF-Token": root.dataset.csrf };
  return fetchJSON(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

async function decide(button) {
  const item = button.closest("li");
  button.disabled = true;
  try {
    await send(`/api/v1/cards/${button.dataset.card}`, "PATCH", { status: button.dataset.status });
    // The counts of what will be archived change too: reload the page's numbers.
    window.location.reload();
  } catch (error) {
    button.disabled = false;
    showError(error.message || "That did not work; try again.");
    item?.querySelector("button")?.focus();
  }
}

if (root) {
  root.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-card]");
    if (button) decide(button);
  });
}

// Irreversible steps ask first (no inline handlers: the page's CSP forbids them).
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
});
