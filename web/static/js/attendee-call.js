// attendee-call.js: the phone's board follows the room into breakouts.
//
// When the facilitator opens the breakouts, every phone is sent a `breakout.opened` naming its
// own group (or none: "let people pick"). A phone with a group is taken to it; one without is
// invited to pick, with a banner and a link. A phone whose attendee is typing a card is never
// pulled away mid-sentence: it is invited instead. While groups are open the banner stays, so a
// phone that loads the board later finds its way too.

/** The group call to show: null when no group is open, else {group} (null: pick one). */
export function groupCall(state, me) {
  const open = (state.breakouts || []).filter((b) => b.state === "open");
  if (!open.length) return null;
  return { group: open.find((b) => b.members.some((m) => m.id === me)) || null };
}

/** Someone is writing on this phone: a focused text box, or words not yet posted. */
export function isTyping(root) {
  const active = document.activeElement;
  if (active && root.contains(active) && active.matches("textarea, input[type=text], input:not([type])")) return true;
  return [...root.querySelectorAll("textarea")].some((box) => box.value.trim() !== "");
}

export class GroupCall {
  /** @param {HTMLElement} banner  the [data-breakout-call] section; status: its live region */
  constructor(banner, status, eventId) {
    this.banner = banner;
    this.status = status;
    this.href = `/a/${eventId}/breakout`;
    this.dismissed = false;
    banner.querySelector("[data-call-dismiss]").addEventListener("click", () => {
      this.dismissed = true;
      banner.hidden = true;
    });
  }

  render(state, me) {
    const call = groupCall(state, me);
    this.banner.hidden = !call || this.dismissed;
    if (!call) return;
    const link = this.banner.querySelector("[data-call-link]");
    link.href = this.href;
    link.textContent = call.group ? `Go to ${call.group.name}` : "Pick your group";
    this.banner.querySelector("[data-call-text]").textContent = call.group
      ? `You are in ${call.group.name}. Your group's prompt and notes are there.`
      : "Pick the table you are sitting at to write notes with your group.";
  }

  /** A `breakout.opened` arrived: go to the group, or invite (to pick, or after typing). */
  answer(message, state, root) {
    const mine = (state.breakouts || []).find((b) => b.id === message.data.breakout_id && b.state === "open");
    if (mine && !isTyping(root)) {
      location.assign(this.href);
      return;
    }
    this.dismissed = false;
    this.status.textContent = mine
      ? `Breakouts are open: you are in ${mine.name}. Finish your card, then go to your group.`
      : "Breakouts are open: pick your group.";
  }
}
