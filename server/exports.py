"""Exports of an archive document: Markdown, CSV of cards, PDF. Rendered from the document alone.

A draft (a live event's document, for its facilitators) says so at the top of every format
that has a top; its CSV says so in its file name. Given the whole record (for facilitators),
every format marks what the public view leaves out, and the CSV adds `status`, `held_reason`
and the author's `text_consent` and `name_consent`; given the public view, there is nothing to mark.
"""

from __future__ import annotations

import copy
import csv
import io
import re
import unicodedata
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import TTFFont

from server.services.archive_public import PUBLIC, card_is_public, note_is_public
from server.services.archive_views import Summary, local, plain, summarise
from server.text import clean

Doc = dict[str, Any]
DRAFT_NOTE = "DRAFT, not frozen: this record can still change."
CSV_COLUMNS = ("card_id", "board", "column", "theme", "votes", "text", "created_at")
FULL_CSV_COLUMNS = (*CSV_COLUMNS, "status", "held_reason", "text_consent", "name_consent")
# Spreadsheets run a cell that starts like a formula; a leading apostrophe keeps it text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# The PDF's fonts, shipped in server/fonts (see its README): Noto Sans first, then for what it
# lacks, in order, Hebrew, Arabic, Chinese and Japanese, Korean and emoji.
FONTS = Path(__file__).parent / "fonts"
PDF_FONTS = [
    ("sans", "", "NotoSans-Regular.ttf"),
    ("sans", "B", "NotoSans-Bold.ttf"),
    ("hebrew", "", "NotoSansHebrew-Regular.ttf"),
    ("hebrew", "B", "NotoSansHebrew-Bold.ttf"),
    ("arabic", "", "NotoSansArabic-Regular.ttf"),
    ("arabic", "B", "NotoSansArabic-Bold.ttf"),
    ("cjk", "", "DroidSansFallbackFull.ttf"),
    ("korean", "", "NanumGothic.ttf"),
    ("emoji", "", "NotoColorEmoji.ttf"),
]
# Text that needs shaping (joined Arabic letters) or right-to-left ordering; other lines skip
# HarfBuzz, which costs more than the rest of a line's layout.
NEEDS_SHAPING = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")
# Width, in thousandths of the font size, of a character Noto Sans lacks (CJK, emoji: square).
WIDE = 1000.0


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
    out = [f"# {_md(s.event['title'])}", "", _byline(s, zone), ""]
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


def _byline(s: Summary, zone: ZoneInfo) -> str:
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


# -- PDF --------------------------------------------------------------------------------------


class _Pdf(FPDF):
    draft = False

    def header(self) -> None:
        if self.draft:
            self.set_font("sans", "B", 9)
            self.set_text_color(160, 30, 30)
            self.cell(0, 6, DRAFT_NOTE, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("sans", "", 8)
        self.cell(0, 6, f"Page {self.page_no()}", align="C")


@cache
def _fonted() -> _Pdf:
    """A blank document with the fonts read in: read once (a second), copied for each export."""
    pdf = _Pdf(format="A4")
    for family, style, name in PDF_FONTS:
        pdf.add_font(family, style, FONTS / name)
    # A bold line's Korean or emoji comes from the regular face: there is no bold one.
    pdf.set_fallback_fonts(["hebrew", "arabic", "cjk", "korean", "emoji"], exact_match=False)
    return pdf


def _fresh_copy(template: _Pdf) -> _Pdf:
    """The template's fonts with their measurements, each over its own font file: fpdf2 cuts a
    font down to the glyphs one document used, in place, when it writes that document."""
    pdf = copy.deepcopy(template)
    for font in pdf.fonts.values():
        if isinstance(font, TTFFont):
            font.ttfont = TTFont(font.ttffile, recalcTimestamp=False, lazy=True)
    return pdf


def to_pdf(doc: Doc, zone: ZoneInfo) -> bytes:
    """The summary as a PDF with the same parts as the page, vote bars drawn as boxes."""
    pdf = _fresh_copy(_fonted())
    try:
        return _render_pdf(pdf, summarise(doc), zone)
    finally:
        for font in pdf.fonts.values():
            if isinstance(font, TTFFont):
                font.ttfont.close()


def _render_pdf(pdf: _Pdf, s: Summary, zone: ZoneInfo) -> bytes:
    pdf.draft = s.draft
    pdf.set_title(unicodedata.normalize("NFC", s.event["title"]))
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.add_page()
    _text(pdf, s.event["title"], 18, "B")
    _text(pdf, _byline(s, zone), 10)
    _heading(pdf, "In figures")
    _text(pdf, "   ".join(f"{label}: {value}" for label, value in s.figures), 10)
    _heading(pdf, "Agenda")
    for item in s.sessions:
        when = local(item["starts_at"], zone)
        _text(pdf, f"{when + '  ' if when else ''}{item['title']}", 11, "B")
        for e in item["entries"]:
            _text(pdf, f"{local(e['created_at'], zone)}  {plain(e['html'])}", 10)
    for e in s.loose_entries:
        _text(pdf, f"{local(e['created_at'], zone)}  {plain(e['html'])}", 10)
    if s.key_moments:
        _heading(pdf, "Key moments")
        for e in s.key_moments:
            _text(pdf, f"{local(e['created_at'], zone)}  {plain(e['html'])}", 10)
    for board in s.boards:
        _board_pdf(pdf, board)
    for group in s.breakouts:
        _heading(pdf, f"Breakout: {group['name']}")
        for note in group["notes"]:
            _text(pdf, f"- {note_mark(group, note)}{note['text']}", 10)
    if s.actions:
        _heading(pdf, "Actions raised")
        for a in s.actions:
            who = f"{a['owner'] or 'no owner yet'}; involve {', '.join(a['involve']) or '-'}"
            _text(pdf, f"{a['title']} ({a['status']}, {who}, by {a['target_date'] or '-'})", 10)
    if s.progress:
        _heading(pdf, "Progress on earlier actions")
        for u in s.progress:
            _text(pdf, f"{u['action_title']}: {u['text']}", 10)
    return bytes(pdf.output())


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(3)
    _text(pdf, text, 14, "B")


def _text(pdf: FPDF, text: str, size: int, style: str = "") -> None:
    """Paragraphs wrapped here: fpdf2's own line breaking costs milliseconds per card."""
    pdf.set_font("sans", style, size)
    width = pdf.w - pdf.l_margin - pdf.r_margin
    # Composed forms (w + circumflex as one ŵ) are the glyphs the fonts have.
    text = unicodedata.normalize("NFC", text)
    pdf.set_text_shaping(bool(NEEDS_SHAPING.search(text)))
    for line in _wrap(pdf, text, width):
        pdf.cell(0, size * 0.5, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _wrap(pdf: FPDF, text: str, width: float) -> list[str]:
    """Greedy word wrap by the current font's real widths; overlong words are cut."""
    lines: list[str] = []
    # The main font's width table (thousandths of the font size, by code point) is all it takes
    # to measure; what it lacks comes from a fallback font, counted as wide.
    font = pdf.current_font
    assert isinstance(font, TTFFont)
    widths: Mapping[int, float] = font.cw
    scale = pdf.font_size / 1000

    def measure(word: str) -> float:
        return float(sum(widths.get(ord(ch), WIDE) for ch in word)) * scale

    space = measure(" ")
    for paragraph in text.split("\n"):
        line, used = "", 0.0
        for word in paragraph.split():
            size = measure(word)
            while size > width:
                cut = max(1, int(len(word) * width / size))
                lines, line, used = [*lines, line] if line else lines, "", 0.0
                lines.append(word[:cut])
                word = word[cut:]
                size = measure(word)
            if line and used + space + size > width:
                lines.append(line)
                line, used = "", 0.0
            line, used = (f"{line} {word}", used + space + size) if line else (word, size)
        lines.append(line)
    return lines


def _board_pdf(pdf: FPDF, board: Doc) -> None:
    _heading(pdf, f"Board: {board['title']}")
    for theme in board["themes"]:
        _text(pdf, f"{theme['title']}: {theme['total']} votes", 11, "B")
        width = 120 * theme["total"] / board["top"]
        if width:
            pdf.set_fill_color(40, 90, 160)
            pdf.rect(pdf.l_margin, pdf.get_y(), width, 2.5, style="F")
            pdf.ln(4)
        for card in theme["items"]:
            _text(pdf, f"- {card_mark(card)}{card['text']} ({card['votes']})", 10)
    if board["unthemed"]:
        _text(pdf, "Other cards" if board["themes"] else "Cards", 11, "B")
        for card in board["unthemed"]:
            _text(pdf, f"- {card_mark(card)}{card['text']} ({card['votes']})", 10)
