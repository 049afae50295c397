"""What anyone may read of a frozen record: the one rule every public door applies.

The stored document (server/services/archive_document.py) is the whole record, and its SHA-256
covers all of it. The public JSON, the summary page, the exports, the programme page and public
search all read `public_view(document)` instead, unless the reader facilitates the programme:

- cards held back (pending) or hidden stay out, and no card says why one was held;
- so do cards whose author did not give text consent, and a card names its author only with
  name consent;
- notes of a group that was not shared stay out, and so do notes the privacy guard holds;
- a redaction says which kinds it removed and how many, not which attendee it was about.

Documents from before format 4 say nothing of sharing, so none of their notes is public; those
from before format 5 say nothing of consent, so none of their cards is.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

Doc = dict[str, Any]
PUBLIC = "public"


def public_view(doc: Doc) -> Doc:
    """The public document derived from a record (marked `"view": "public"`)."""
    out: Doc = {**doc, "view": PUBLIC}
    out["boards"] = [
        {**board, "cards": [_card(c) for c in board["cards"] if card_is_public(c)]}
        for board in doc.get("boards", [])
    ]
    out["breakouts"] = [
        {**group, "notes": [_note(n) for n in group["notes"] if note_is_public(group, n)]}
        for group in doc.get("breakouts", [])
    ]
    if "redactions" in doc:
        out["redactions"] = [_redaction(r) for r in doc["redactions"]]
    return out


def card_is_public(card: Doc) -> bool:
    return card.get("status", "visible") == "visible" and bool(card.get("text_consent"))


def card_is_named(card: Doc) -> bool:
    """Whether a public surface may show the card's author beside it."""
    return bool(card.get("name_consent")) and card.get("author") is not None


def note_is_public(group: Doc, note: Doc) -> bool:
    return bool(group.get("shared")) and not note.get("held_reason")


def _card(card: Doc) -> Doc:
    out = {k: v for k, v in card.items() if k not in ("status", "held_reason")}
    if not card_is_named(card):
        out["author"] = None
    return out


def _note(note: Doc) -> Doc:
    return {k: v for k, v in note.items() if k != "held_reason"}


def _redaction(redaction: Doc) -> Doc:
    counts = Counter(item["kind"] for item in redaction["items"])
    return {
        **{k: v for k, v in redaction.items() if k != "items"},
        "removed": dict(sorted(counts.items())),
    }
