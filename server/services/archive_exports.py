"""Exports of an archive document: Markdown and a CSV of cards (the PDF: archive_pdf.py), rendered
from the document alone.

A draft (a live event's document, for its facilitators) says so at the top of every format
that has a top; its CSV says so in its file name. Given the whole record (for facilitators),
every format marks what the public view leaves out, and the CSV adds `status`, `held_reason`
and the author's `text_consent` and `name_consent`; given the public view, there is nothing to mark.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any
from zoneinfo import ZoneInfo

from server.lib.text import clean
from server.services.archive_public import PUBLIC, card_is_public, note_is_public
from server.services.archive_views import Summary, local, plain, summarise

Doc = dict[str, Any]
DRAFT_NOTE = "DRAFT, not frozen: this record can still change."
CSV_COLUMNS = ("card_id", "board", "column", "theme", "votes", "text", "created_at")
FULL_CSV_COLUMNS = (*CSV_COLUMNS, "status", "held_reason", "text_consent", "name_consent")
# Spreadsheets run a cell that starts like a formula; a leading apostrophe keeps it text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def card_mark(card: Doc) -> str:
    """ "[not public: held back, why] " (or "…: its author did not consent") before a card the
    public view leaves out, else ""."""
    if card_is_public(card):
        return ""
    if card.get("status", "visible") == "visible":
        return "[not public: its author did not consent] "
    why = f", {card['held_reason']}" if card.get("held_reason") else ""
    return f"[not public: {'held back' if card['status'] == 'pending' else 'hidden'}{why}] "


def note_mark(group: Doc, note: Doc) -> str:
    if note_is_public(group, note):
        return ""
    why = f"held, {note['held_reason']}" if note.get("held_reason") else "group not shared"
    return f"[not public: {why}] "


def filename(doc: Doc, extension: str) -> str:
    suffix = "-draft" if doc.get("draft") else ""
    return f"{doc['programme']['slug']}-{doc['event']['slug']}{suffix}.{extension}"


# -- Markdown ---------------------------------------------------------------------------------


def to_markdown(doc: Doc, zone: ZoneInfo) -> str:
    """The summary as Markdown: figures, agenda with entries, boards, breakouts, actions.

    Every piece of text people wrote goes through `_md` (or `_md_lines`), so the file renders
    as the template's structure alone in any CommonMark viewer, raw HTML allowed or not.
    """
    s = summarise(doc)
    out = [f"# {_md(s.event['title'])}", "", byline(s, zone), ""]
    if s.draft:
        out += [f"> **{DRAFT_NOTE}**", ""]
    out += ["## In figures", ""] + [f"- {label}: {value}" for label, value in s.figures] + [""]
    out += ["## Agenda", ""]
    for item in s.sessions:
        when = local(item["starts_at"], zone)
        out += [f"### {when + ' ' if when else ''}{_md(item['title'])}", ""]
        if item["speakers"]:
            out += [f"*{', '.join(_md(name) for name in item['speakers'])}*", ""]
        out += _entries_md(item["entries"], zone)
    if s.loose_entries:
        out += ["### Through the day", "", *_entries_md(s.loose_entries, zone)]
    if s.key_moments:
        out += ["## Key moments", ""]
        out += [f"- {local(e['created_at'], zone)} {_md(plain(e['html']))}" for e in s.key_moments]
        out.append("")
    for board in s.boards:
        out += _board_md(board)
    for group in s.breakouts:
        out += [f"## Breakout: {_md(group['name'])}", ""]
        out += [f"_{_md(group['prompt'])}_", ""] if group["prompt"] else []
        out += [f"- {note_mark(group, n)}{_md(n['text'])}" for n in group["notes"]] + [""]
    out += _actions_md(s)
    return "\n".join(out).rstrip() + "\n"


# Characters that open Markdown or HTML anywhere in a line (emphasis, code, links, images, tags,
# entities, headings, tables, strikethrough); a backslash before each makes it literal.
MD_INLINE = re.compile(r"([\\`*_\[\]<>!&|~#])")
# What opens a list, rule or setext underline at a line's start ("-", "+", "=", "1." or "3)"):
# a backslash goes where the match ends, before the mark.
MD_BLOCK_START = re.compile(r"^(?:\d{1,9}(?=[.)])|(?=[+=-]))")


def _md(text: str) -> str:
    """Text as one inert Markdown line: any CommonMark renderer shows exactly these words."""
    line = MD_INLINE.sub(r"\\\1", " ".join(clean(text).split()))
    return MD_BLOCK_START.sub(lambda m: m.group() + "\\", line, count=1)


def _md_lines(text: str) -> list[str]:
    """Text of several lines, each inert; blank lines stay, as paragraph breaks."""
    return [_md(line) for line in clean(text).splitlines()]


def byline(s: Summary, zone: ZoneInfo) -> str:
    parts = [s.programme["title"], s.event["venue"], local(s.event["starts_at"], zone, "%d %B %Y")]
    return " · ".join(_md(p) for p in parts if p)


def _entries_md(entries: list[Doc], zone: ZoneInfo) -> list[str]:
    out = []
    for e in entries:
        lines = _md_lines(plain(e["html"]))
        if e["kind"] == "quote":
            lines = [f"> {line}".rstrip() for line in lines]
            lines += [">", f"> — {_md(e['attribution'])}"] if e["attribution"] else []
        out += [f"**{local(e['created_at'], zone)}**", "", *lines, ""]
    return out


def _board_md(board: Doc) -> list[str]:
    out = [f"## Board: {_md(board['title'])}", ""]
    out += [f"_{_md(board['prompt'])}_", ""] if board["prompt"] else []
    for theme in board["themes"]:
        out += [f"### {_md(theme['title'])} ({theme['total']} votes)", ""]
        out += [f"- {card_mark(c)}{_md(c['text'])} ({c['votes']})" for c in theme["items"]] + [""]
    if board["unthemed"]:
        out += ["### Other cards" if board["themes"] else "### Cards", ""]
        out += [f"- {card_mark(c)}{_md(c['text'])} ({c['votes']})" for c in board["unthemed"]]
        out.append("")
    return out


def _actions_md(s: Summary) -> list[str]:
    out: list[str] = []
    if s.actions:
        out += ["## Actions raised", "", "| Action | Owner | Involve | Target date | Status |"]
        out.append("|---|---|---|---|---|")
        for a in s.actions:
            cells = [a["title"], a["owner"], ", ".join(a["involve"]), a["target_date"] or ""]
            out.append("| " + " | ".join(_md(c) for c in [*cells, a["status"]]) + " |")
        out.append("")
    if s.progress:
        out += ["## Progress on earlier actions", ""]
        out += [f"- **{_md(u['action_title'])}**: {_md(u['text'])}" for u in s.progress]
        out.append("")
    return out


# -- CSV --------------------------------------------------------------------------------------


def _yes(value: object) -> str:
    return "yes" if value else "no"


def to_csv(doc: Doc) -> str:
    """One row per archived card: board, column, theme, votes, text, created time (and, in the
    whole record, its status and why it was held)."""
    full = doc.get("view") != PUBLIC
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(FULL_CSV_COLUMNS if full else CSV_COLUMNS)
    for board in doc.get("boards", []):
        themes = {t["id"]: t["title"] for t in board["themes"]}
        for card in board["cards"]:
            theme = themes.get(card["theme_id"], "")
            row = [card["id"], board["title"], card["column"], theme, card["votes"], card["text"]]
            row.append(card["created_at"])
            if full:
                row += [card.get("status", "visible"), card.get("held_reason", "")]
                row += [_yes(card.get("text_consent")), _yes(card.get("name_consent"))]
            writer.writerow([_not_formula(v) for v in row])
    return out.getvalue()


def _not_formula(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    value = clean(value)
    return "'" + value if value.startswith(FORMULA_START) else value
