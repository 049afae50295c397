"""Report-back: a breakout group's notes go on the live blog as one entry, or onto a board as
cards for theming and voting.

Both are facilitator actions and both are idempotent: the same notes (at the same versions)
promoted twice make one entry, and a note lands on a given board once.
"""

from __future__ import annotations

import hashlib
import re

from sqlmodel import Session, select

from server.errors import BadInput, Conflict
from server.models.accounts import User
from server.models.boards import Card, CardCreate
from server.models.breakouts import Breakout, Note
from server.models.liveblog import Entry, EntryCreate
from server.services import boards, breakouts, cards, liveblog, notes, privacy
from server.services.access import Caller


class PersonalData(Conflict):
    """Notes that look like personal data stay in the room; `details.note_ids` names them."""

    code = "personal_data"
    message = "Some notes look like personal data; edit them or leave them out first."

    def __init__(self, note_ids: list[int]) -> None:
        super().__init__(details={"note_ids": note_ids})


# Characters Markdown would read as formatting anywhere in a line, and list or heading markers
# at its start: escaped, so a note reads on the blog exactly as it was typed.
_INLINE = re.compile(r"([\\`*_\[\]<>#|~])")
_LEADING = re.compile(r"^(\d+)([.)])|^([-+>])")


def _plain(text: str) -> str:
    """One line of Markdown that renders as `text`, whitespace collapsed."""
    line = _INLINE.sub(r"\\\1", " ".join(text.split()))
    return _LEADING.sub(lambda m: f"{m[1]}\\{m[2]}" if m[1] else f"\\{m[3]}", line)


def _entry_body(breakout: Breakout, chosen: list[Note]) -> str:
    heading = f"**Report-back from {_plain(breakout.name)}**"
    if breakout.prompt.strip():
        heading += f": {_plain(breakout.prompt)}"
    return "\n".join([heading, "", *(f"- {_plain(n.text)}" for n in chosen)])


def _public_safe(chosen: list[Note]) -> None:
    held = [n.id for n in chosen if privacy.screen(n.text)]
    if held:
        raise PersonalData(held)


def promote_notes(
    session: Session, *, actor: User | None, breakout: Breakout, note_ids: list[int] | None
) -> Entry:
    """Post the group's notes (or the chosen ones) on the live blog as one entry."""
    event = breakouts.event_of(session, breakout=breakout)
    user = breakouts.manage(session, event=event, actor=actor)
    chosen = notes.group_notes(session, breakout=breakout, note_ids=note_ids)
    _public_safe(chosen)
    # Same notes at the same versions, same entry: a double click or a retry posts once.
    key = ",".join(f"{n.id}:{n.version}" for n in chosen)
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    data = EntryCreate(
        body=_entry_body(breakout, chosen), client_id=f"breakout-{breakout.id}-{digest}"
    )
    return liveblog.create_entry(session, actor=user, event=event, data=data)


def notes_to_board(
    session: Session,
    *,
    actor: User | None,
    breakout: Breakout,
    board_id: int,
    note_ids: list[int] | None,
) -> list[Card]:
    """Turn the group's notes (or the chosen ones) into cards on one of the event's boards."""
    event = breakouts.event_of(session, breakout=breakout)
    user = breakouts.manage(session, event=event, actor=actor)
    board = boards.board_or_404(session, board_id=board_id)
    if board.event_id != event.id:
        raise BadInput("That board is not one of this event's.")
    made = []
    for note in notes.group_notes(session, breakout=breakout, note_ids=note_ids):
        # The card's client_id names the note, so a note lands on a board once however often
        # (or by whom) this runs; the privacy guard and moderation apply as to any card.
        client_id = f"note-{note.id}"
        card = session.exec(
            select(Card).where(Card.board_id == board.id, Card.client_id == client_id)
        ).first()
        if card is None:
            data = CardCreate(client_id=client_id, text=note.text)
            card = cards.create_card(session, actor=Caller(user=user), board=board, data=data)[0]
        made.append(card)
    return made
