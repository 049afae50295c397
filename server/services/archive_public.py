"""What anyone may read of a frozen record: the one rule every public door applies.

The stored document (server/services/archive_document.py) is the whole record, and its SHA-256
covers all of it. The public JSON, the summary page, the exports, the programme page and public
search all read `public_view(document)` instead, unless the reader facilitates the programme:

- cards held back (pending) or hidden stay out, and no card says why one was held;
- notes of a group that was not shared stay out, and so do notes the privacy guard holds;
- a redaction says which kinds it removed and how many, not which attendee it was about.

Documents from before format 4 say nothing of sharing, so none of their notes is public.
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
    return bool(card.get("status", "visible") == "visible")


def note_is_public(group: Doc, note: Doc) -> bool:
    return bool(group.get("shared")) and not note.get("held_reason")


def _card(card: Doc) -> Doc:
    return {k: v for k, v in card.items() if k not in ("status", "held_reason")}


def _note(note: Doc) -> Doc:
    return {k: v for k, v in note.items() if k != "held_reason"}


def _redaction(redaction: Doc) -> Doc:
    counts = Counter(item["kind"] for item in redaction["items"])
    return {
        **{k: v for k, v in redaction.items() if k != "items"},
        "removed": dict(sorted(counts.items())),
    }
