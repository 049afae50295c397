"""User text as it enters and leaves: characters no page or export may carry are taken out.

Control characters (C0 and C1, except newline and tab) and the bidi embedding, override and
isolate characters can make a line read differently from what it says (a name that shows
reversed, a card whose end appears at its start), and no one types them on purpose. Request
schemas type free text as `CleanText`; the services that also take text over the WebSocket
(cards, notes) and names call `clean` themselves; the exports call it again for records kept
before it.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator

# U+202A-U+202E embeddings and overrides, U+2066-U+2069 isolates; C0 but \t and \n; DEL; C1.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """The text with line endings made "\\n" and every control and bidi override removed."""
    return UNSAFE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


# A request field of free text: cleaned as it is parsed, before any service sees it.
CleanText = Annotated[str, AfterValidator(clean)]


def slug_of(title: str, *, limit: int = 80) -> str:
    """An address made from a title: "Event 3: Safe care!" → "event-3-safe-care"."""
    ascii_only = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_only.lower()).strip("-")
    return words[:limit].rstrip("-") or "event"
