// attendee-mine.js: "Your cards" on the phone: the ones still in the outbox, and the ones sent,
// with why a held one waits, and an editor while the board is open.
import { fetchJSON } from "./lib/api.js";
import { fill, fromTemplate, heldMessage, reconcile } from "./room.js";

const JSON_HEADERS = { "Content-Type": "application/json" };
const editing = new Set(); // ids of own cards whose editor is open

// For an attendee, the projection keeps `held_reason` only on cards they wrote
// (server/realtime/projections.py), even anonymous ones, which carry no author.
const ownCards = (board) => board.cards.filter((c) => "held_reason" in c).reverse();

/**
 * Draw the list. `queued` are outbox items; `online` says whether they are on their way;
 * `onSaved(card)` takes an edited card.
 */
export function renderMine(list, empty, board, { queued, open, online, onSaved }) {
  const waiting = queued
    .filter((item) => item.type === "card.create" && item.data.board_id === board.id)
    .map((item) => ({ key: `q${item.ref}`, text: item.data.text, queued: true }))
    .reverse();
  const sent = ownCards(board).map((card) => ({ key: `c${card.id}`, card, text: card.text }));
  const items = [...waiting, ...sent];
  reconcile(list, items, () => makeMine(onSaved), (li, item) => updateMine(li, item, open, online), (item) => item.key);
  empty.hidden = items.length > 0;
}

function makeMine(onSaved) {
  const li = fromTemplate("tpl-mine");
  li.querySelector("[data-edit]").addEventListener("click", () => openEditor(li));
  li.querySelector("[data-cancel]").addEventListener("click", () => closeEditor(li));
  li.querySelector("[data-edit-form]").addEventListener("submit", (event) => saveEdit(event, li, onSaved));
  li.querySelector("[data-consent-form]").addEventListener("change", (event) => saveConsent(event, li, onSaved));
  return li;
}

function updateMine(li, item, open, online) {
  const waiting = online ? "Sending…" : "Saved, will send";
  const state = item.queued ? waiting : item.card.status === "visible" ? "On the board" : heldMessage(item.card);
  li.dataset.state = item.queued ? "queued" : item.card.status;
  li.dataset.cardId = item.card ? item.card.id : "";
  const redacted = item.card?.redacted ? "Redacted by the facilitator: some words were taken out." : "";
  fill(li, { text: item.text, state, redacted });
  li.querySelector("[data-edit]").hidden = !item.card || !open || editing.has(item.card.id);
  showConsent(li, item.card);
  if (!open && item.card) closeEditor(li);
}

function openEditor(li) {
  const form = li.querySelector("[data-edit-form]");
  form.elements.text.value = li.querySelector("[data-slot=text]").textContent;
  form.hidden = false;
  editing.add(Number(li.dataset.cardId));
  li.querySelector("[data-edit]").hidden = true;
  form.elements.text.focus();
}

function closeEditor(li) {
  editing.delete(Number(li.dataset.cardId));
  li.querySelector("[data-edit-form]").hidden = true;
  li.querySelector("[data-edit-error]").hidden = true;
}

async function saveEdit(event, li, onSaved) {
  event.preventDefault();
  const form = event.currentTarget;
  const error = form.querySelector("[data-edit-error]");
  try {
    const card = await fetchJSON(`/api/v1/cards/${li.dataset.cardId}`, {
      method: "PATCH",
      headers: JSON_HEADERS,
      body: JSON.stringify({ text: form.elements.text.value }),
    });
    closeEditor(li);
    onSaved(card);
  } catch (e) {
    // Edits go straight to the server, not the outbox: a stale edit is worse than a retry.
    error.textContent = e.status ? e.message : "You seem to be offline: try again when the Wi-Fi is back.";
    error.hidden = false;
  }
}

// Each consent box of a sent card says what the server holds; a change goes straight to it.
function showConsent(li, card) {
  const form = li.querySelector("[data-consent-form]");
  form.hidden = !card;
  if (!card || form.dataset.busy) return;
  const text = form.querySelector("[data-consent=text]");
  const name = form.querySelector("[data-consent=name]");
  text.checked = Boolean(card.text_consent);
  name.checked = Boolean(card.name_consent);
  name.disabled = !card.text_consent && !card.name_consent;
}

async function saveConsent(event, li, onSaved) {
  const form = li.querySelector("[data-consent-form]");
  const error = form.querySelector("[data-consent-error]");
  const box = event.target;
  form.dataset.busy = "1";
  error.hidden = true;
  try {
    const body = { [box.dataset.consent]: box.checked };
    if (box.dataset.consent === "text" && !box.checked) body.name = false;
    const card = await fetchJSON(`/api/v1/cards/${li.dataset.cardId}/consent`, {
      method: "PUT",
      headers: JSON_HEADERS,
      body: JSON.stringify(body),
    });
    delete form.dataset.busy;
    onSaved(card);
  } catch (e) {
    delete form.dataset.busy;
    box.checked = !box.checked;
    error.textContent = e.status ? e.message : "You seem to be offline: try again when the Wi-Fi is back.";
    error.hidden = false;
  }
}
