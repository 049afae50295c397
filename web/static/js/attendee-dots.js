// attendee-dots.js: one attendee's dots on each board, loaded from the server and spent here.
//
// Counts change on the phone at once (a tap must feel instant on slow Wi-Fi); card votes go
// through the outbox like cards do, theme votes over REST. A refusal reloads the true counts.
import { fetchJSON } from "./lib/api.js";

const JSON_HEADERS = { "Content-Type": "application/json" };

export class Dots {
  /** @param {() => void} onChange  called when counts arrive from the server */
  constructor(onChange) {
    this.onChange = onChange;
    this.boards = new Map(); // board id -> {cards: Map, themes: Map, loaded, loading, touched}
  }

  of(boardId) {
    if (!this.boards.has(boardId)) {
      this.boards.set(boardId, { cards: new Map(), themes: new Map(), loaded: false, loading: false, touched: 0 });
    }
    return this.boards.get(boardId);
  }

  count(kind, boardId, id) {
    return this.of(boardId)[kind === "card" ? "cards" : "themes"].get(id) || 0;
  }

  /** Dots left: the budget less those on visible cards and on themes (as the server counts). */
  remaining(board) {
    const dots = this.of(board.id);
    const visible = new Set(board.cards.filter((c) => c.status === "visible").map((c) => c.id));
    let used = 0;
    for (const [id, n] of dots.cards) if (visible.has(id)) used += n;
    for (const n of dots.themes.values()) used += n;
    return board.votes_per_attendee - used;
  }

  /** Load this board's counts once (again after forget()). */
  ensure(board) {
    const dots = this.of(board.id);
    if (!dots.loaded && !dots.loading) this.load(board);
  }

  async load(board) {
    const dots = this.of(board.id);
    const touched = dots.touched;
    dots.loading = true;
    try {
      const mine = await fetchJSON(`/api/v1/boards/${board.id}/votes`);
      // A tap made while this was on its way is newer than the answer: keep the tap.
      if (dots.touched === touched) {
        dots.cards = new Map(mine.cards.map((v) => [v.id, v.count]));
        dots.themes = new Map(mine.themes.map((v) => [v.id, v.count]));
      }
      dots.loaded = true;
      this.onChange();
    } catch {
      /* offline: the counts on this phone stand until the next load */
    } finally {
      dots.loading = false;
    }
  }

  forget() {
    for (const dots of this.boards.values()) dots.loaded = false;
  }

  /** Move one dot on or off; sends it and returns true, or false when it is not allowed. */
  step(live, board, kind, id, step) {
    const dots = this.of(board.id);
    const counts = kind === "card" ? dots.cards : dots.themes;
    const count = (counts.get(id) || 0) + step;
    if (count < 0 || (step > 0 && this.remaining(board) <= 0)) return false;
    counts.set(id, count);
    dots.touched += 1;
    if (kind === "card") {
      live.send("vote.set", { card_id: id, count });
    } else {
      const body = JSON.stringify({ count });
      fetchJSON(`/api/v1/themes/${id}/vote`, { method: "PUT", headers: JSON_HEADERS, body }).catch(() => this.load(board));
    }
    return true;
  }
}

/** Show or hide a card's (or theme's) − count + stepper, labelled with what it votes for. */
export function showStepper(li, on, count, name) {
  li.querySelector("[data-stepper]").hidden = !on;
  const mine = li.querySelector("[data-slot=mine]");
  mine.textContent = String(count);
  mine.hidden = false;
  const [minus, plus] = li.querySelectorAll("[data-vote] .visually-hidden");
  minus.textContent = `Take a dot off “${name.slice(0, 60)}”`;
  plus.textContent = `Put a dot on “${name.slice(0, 60)}”`;
}

/** The bar along the bottom: ●●○ 2 of 3 dots left. */
export function dotsLine(left, budget) {
  const shown = Math.max(0, left);
  return `${"●".repeat(shown)}${"○".repeat(Math.max(0, budget - shown))} ${shown} of ${budget} dots left`;
}

/** Why a dot could not go on: every dot is spent, and how to move one. */
export function noDotsLeft(budget) {
  return `You have used all ${budget} dots. To move one, take a dot off another card with −, then put it here.`;
}
