"""The archive summary as a PDF (fpdf2), with the page's parts and the vote bars as boxes.

Imported only when a PDF is asked for (by the archive API's PDF route): fpdf2 and fontTools cost a
third of a second, which every process would otherwise pay at start-up.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import TTFFont

from server.services.archive_exports import DRAFT_NOTE, Doc, byline, card_mark, note_mark
from server.services.archive_views import Summary, local, plain, summarise

# The PDF's fonts, shipped in server/fonts (see its README): Noto Sans first, then for what it
# lacks, in order, Hebrew, Arabic, Chinese and Japanese, Korean and emoji.
FONTS = Path(__file__).resolve().parents[1] / "fonts"
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


# -- the PDF --------------------------------------------------------------------------------------


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
    _text(pdf, byline(s, zone), 10)
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
