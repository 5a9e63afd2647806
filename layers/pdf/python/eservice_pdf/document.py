"""The page every agency document is printed on: A4, Sarabun, Thai shaping, letterhead and footer.

``ThaiDocument`` is an fpdf2 ``FPDF`` with the Sarabun font (regular and bold, OFL) embedded and the
HarfBuzz shaping engine switched on, without which Thai tone marks and upper vowels collide or vanish
(ARCHITECTURE "Thai text needs shaping"). Every text goes through ``segment_for_wrapping`` so that lines
break between Thai words, never inside one, and is left-aligned (fpdf2 justifies by default, which
stretches Thai lines unevenly).

This module imports fpdf2 (about 0.4 s), so ``eservice_pdf.render`` imports it only when a document is
rendered. The font files are located once per process.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, cast

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from eservice_pdf.render import RenderError
from eservice_pdf.thai_text import WORD_BREAK, segment_for_wrapping

if TYPE_CHECKING:
    from eservice.tenant import Tenant

__all__ = [
    "FONT_FAMILY",
    "FieldRow",
    "ThaiDocument",
    "qr_png",
    "sarabun_paths",
]

FONT_FAMILY = "Sarabun"

# Sizes in points. Sarabun is larger per point than the TH Sarabun of paper forms: 11 pt here reads
# like the 16 pt of a government letter.
BODY_SIZE = 11.0
SMALL_SIZE = 9.0
# Line height as a multiple of the font size: Thai stacks vowels and tone marks above and below the
# consonant, and tighter lines make the marks of one line touch the next.
LINE_HEIGHT = 1.55
_PT_TO_MM = 25.4 / 72

# Line breaks and the invisible break hint need no glyph: HarfBuzz renders U+200B as nothing.
_NO_GLYPH_NEEDED = frozenset({"\n", "\r", WORD_BREAK})

_BLACK = (0, 0, 0)
_GREY = (90, 90, 90)
_RULE = (150, 150, 150)


@lru_cache(maxsize=1)
def sarabun_paths() -> tuple[Path, Path]:
    """The regular and bold Sarabun font files shipped by ``fontpkg-sarabun`` (found once)."""
    from fontpkg_sarabun import ROOT

    regular, bold = ROOT / "files" / "Sarabun-Regular.ttf", ROOT / "files" / "Sarabun-Bold.ttf"
    for path in (regular, bold):
        if not path.is_file():
            raise FileNotFoundError(f"Sarabun font file missing: {path}")
    return regular, bold


def qr_png(payload: str) -> bytes:
    """A QR code (never Micro QR, which phone cameras do not read) as a black-and-white PNG."""
    import segno

    out = io.BytesIO()
    segno.make(payload, micro=False).save(out, kind="png", scale=8, border=4)
    return out.getvalue()


@dataclass(frozen=True, kw_only=True)
class FieldRow:
    """One labelled value in a two-column table: the Thai label, an optional English gloss, the value.

    ``break_words=False`` keeps the value's words whole (a person's name breaks only at its spaces).
    """

    label: str
    value: str
    label_en: str | None = None
    break_words: bool = True


def _line_mm(size: float) -> float:
    return size * _PT_TO_MM * LINE_HEIGHT


class ThaiDocument(FPDF):
    """An A4 portrait page in Sarabun with Thai shaping, the agency's letterhead and a numbered footer.

    ``reference`` (a licence number, a request reference, ...) is printed in every page's footer so that
    a printed page can be traced back to its record. ``letterhead=False`` leaves the top of the page to
    the document itself, as a formal announcement (ประกาศ) or order (คำสั่ง) has its own heading.
    ``created_at`` (aware) is recorded as the file's creation date; given, it makes the bytes depend on
    the content only, so that rendering the same document twice (a retried step) gives the same file.
    """

    def __init__(
        self,
        *,
        tenant: Tenant,
        title: str,
        reference: str | None = None,
        letterhead: bool = True,
        created_at: datetime | None = None,
    ) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.tenant = tenant
        self.reference = reference
        self.letterhead = letterhead
        regular, bold = sarabun_paths()
        self.add_font(FONT_FAMILY, "", str(regular))
        self.add_font(FONT_FAMILY, "B", str(bold))
        self.set_text_shaping(use_shaping_engine=True, script="thai", language="tha")
        # Official letters leave a wider left margin (for binding); the bottom leaves room for the footer.
        self.set_margins(left=22, top=14, right=18)
        self.set_auto_page_break(auto=True, margin=22)
        self.set_title(title)
        self.set_subject(title)
        self.set_author(tenant.name.th)
        self.set_creator(f"e-Service {tenant.domain}")
        self.set_lang("th")
        if created_at is not None:
            self.set_creation_date(created_at)
        self.set_font(FONT_FAMILY, size=BODY_SIZE)
        self.add_page()

    # -- page furniture -------------------------------------------------------------------------------

    def header(self) -> None:
        """The agency's letterhead: Thai and English names, address, phone, e-mail and website."""
        if not self.letterhead:
            self.set_y(self.t_margin + 4)
            return
        tenant = self.tenant
        width = self.epw
        self._set(size=15, bold=True)
        self._lines(width, _line_mm(15), segment_for_wrapping(tenant.name.th), align="C")
        self._set(size=SMALL_SIZE + 0.5, color=_GREY)
        self._lines(width, _line_mm(SMALL_SIZE), tenant.name.en, align="C")
        self._set(size=SMALL_SIZE, color=_GREY)
        self._lines(width, _line_mm(SMALL_SIZE), segment_for_wrapping(tenant.address.th), align="C")
        contact = f"โทร. {tenant.phones.records_office}   อีเมล {tenant.saraban_email}   https://{tenant.domain}"
        self._lines(width, _line_mm(SMALL_SIZE), segment_for_wrapping(contact), align="C")
        y = self.get_y() + 1.5
        self.set_draw_color(*_RULE)
        self.set_line_width(0.3)
        self.line(self.l_margin, y, self.w - self.r_margin, y)
        self.set_y(y + 4)
        self._set()

    def footer(self) -> None:
        """A rule, the document reference on the left and "หน้า n/N" on the right."""
        self.set_y(-15)
        y = self.get_y()
        self.set_draw_color(*_RULE)
        self.set_line_width(0.2)
        self.line(self.l_margin, y, self.w - self.r_margin, y)
        self.set_y(y + 1.5)
        self._set(size=SMALL_SIZE - 0.5, color=_GREY)
        if self.reference:
            self.cell(self.epw - 30, _line_mm(SMALL_SIZE), f"เลขที่อ้างอิง {self.reference}", align="L")
        # The total page count is filled in at output ({nb}); fpdf2 pads the alias to its own width, so
        # it sits at the end of a left-aligned cell where the padding is invisible.
        self.set_x(self.w - self.r_margin - 22)
        self.cell(22, _line_mm(SMALL_SIZE), f"หน้า {self.page_no()}/{{nb}}", align="L")
        self._set()

    # -- text -----------------------------------------------------------------------------------------

    def normalize_text(self, text: str) -> str:
        """Refuse a character the font cannot draw.

        With shaping on, fpdf2 silently drops a character that has no glyph: a licence would then carry
        a name that is not the holder's. Failing loudly lets an officer correct the data instead. Only
        the code point is reported, never the text (it may be personal data).
        """
        font = self.current_font
        cmap = getattr(font, "cmap", None)
        if cmap is not None:
            for char in text:
                if char not in _NO_GLYPH_NEEDED and ord(char) not in cmap:
                    raise RenderError(
                        "text.unsupported_character",
                        f"the font {FONT_FAMILY} has no glyph for U+{ord(char):04X}",
                    )
        return super().normalize_text(text)

    def _set(self, *, size: float = BODY_SIZE, bold: bool = False, color: tuple[int, int, int] = _BLACK) -> None:
        self.set_font(FONT_FAMILY, "B" if bold else "", size)
        self.set_text_color(*color)

    def title_block(self, title: str, subtitle: str | None = None, *, size: float = 16) -> None:
        """A centred document title in bold, with an optional smaller line under it (the English title)."""
        self._set(size=size, bold=True)
        self._lines(self.epw, _line_mm(size), segment_for_wrapping(title), align="C")
        if subtitle:
            self._set(size=BODY_SIZE, color=_GREY)
            self._lines(self.epw, _line_mm(BODY_SIZE), segment_for_wrapping(subtitle), align="C")
        self.ln(3)
        self._set()

    def paragraph(
        self,
        text: str,
        *,
        size: float = BODY_SIZE,
        bold: bool = False,
        grey: bool = False,
        align: str = "L",
        indent: float = 0.0,
        first_line_indent: float = 0.0,
        bullet: str = "",
        space_after: float = 2.0,
        right_inset: float = 0.0,
    ) -> None:
        """A paragraph that wraps between words and flows onto the next page when it must.

        ``indent`` moves the whole paragraph right; ``bullet`` (e.g. "(1)") hangs in that indent, so the
        lines of a numbered item align after its number; ``first_line_indent`` indents only the first
        line, as the clauses of a Thai official announcement are set. ``right_inset`` keeps the text
        clear of something placed at the right (a QR code).
        """
        self._set(size=size, bold=bold, color=_GREY if grey else _BLACK)
        columns = self.text_columns(text_align=align, line_height=LINE_HEIGHT, r_margin=self.r_margin + right_inset)
        with (
            columns,
            columns.paragraph(
                indent=indent,
                bullet_string=bullet,
                bullet_r_margin=1.5 if bullet else None,
                first_line_indent=first_line_indent,
                bottom_margin=space_after,
            ) as para,
        ):
            para.write(segment_for_wrapping(text))
        self._set()

    def section_heading(self, text: str) -> None:
        """A bold heading that is never left alone at the bottom of a page."""
        self.keep_space(_line_mm(BODY_SIZE) * 3)
        self.ln(1)
        self.paragraph(text, bold=True, space_after=1)

    def numbered_list(
        self, items: Sequence[str], *, numbers: Sequence[str] | None = None, right_inset: float = 0.0
    ) -> None:
        """Items with hanging numbers "1." "2." ... (or the labels in ``numbers``, e.g. "(๑)")."""
        labels = numbers or [f"{n}." for n in range(1, len(items) + 1)]
        for label, item in zip(labels, items, strict=True):
            self.paragraph(item, indent=8, bullet=label, space_after=1, right_inset=right_inset)

    def field_table(self, rows: Sequence[FieldRow], *, label_width: float = 58) -> None:
        """Label / value rows; a row is never split across pages, long values wrap within their column.

        The English gloss of a label follows it on the same line, small and grey, when there is room,
        and goes under it otherwise.
        """
        value_width = self.epw - label_width
        line = _line_mm(BODY_SIZE)
        gloss_size = SMALL_SIZE - 0.5
        gloss_line = _line_mm(gloss_size)
        label_room = label_width - 3
        for row in rows:
            label = segment_for_wrapping(row.label)
            value = segment_for_wrapping(row.value or "-") if row.break_words else (row.value or "-")
            self._set(bold=True)
            label_height = self._text_height(label_room, line, label)
            label_cell = self.get_string_width(row.label) + 2 * self.c_margin
            gloss_inline = False
            if row.label_en:
                self._set(size=gloss_size)
                gloss_cell = self.get_string_width(row.label_en) + 2 * self.c_margin
                gloss_inline = label_height <= line and label_cell + gloss_cell <= label_room
                if not gloss_inline:
                    label_height += self._text_height(label_room, gloss_line, row.label_en)
            self._set()
            height = max(label_height, self._text_height(value_width, line, value)) + 2.0
            self.keep_space(height)
            top = self.get_y()
            self._set(bold=True)
            if gloss_inline and row.label_en:
                self.cell(label_cell, line, row.label, align="L")
                self._set(size=gloss_size, color=_GREY)
                self.cell(gloss_cell, line, row.label_en, align="L")
            else:
                self._lines(label_room, line, label)
                if row.label_en:
                    self._set(size=gloss_size, color=_GREY)
                    self._lines(label_room, gloss_line, row.label_en)
            self._set()
            self.set_xy(self.l_margin + label_width, top)
            self._lines(value_width, line, value)
            self.set_y(top + height)
            # A faint rule between rows, in the middle of the gap, clear of the tone marks below it.
            self.set_draw_color(220, 220, 220)
            self.set_line_width(0.1)
            self.line(self.l_margin, top + height - 1.0, self.w - self.r_margin, top + height - 1.0)
        self.ln(2)

    def amount_table(self, items: Sequence[tuple[str, str]], *, total: tuple[str, str], in_words: str) -> None:
        """Items with right-aligned amounts, the total in bold and the total in Thai words (Q6.1, Q6.6)."""
        amount_width = 42.0
        text_width = self.epw - amount_width
        line = _line_mm(BODY_SIZE)
        self.keep_space(line * (len(items) + 4))
        self._set(bold=True)
        self.set_fill_color(238, 238, 238)
        self.cell(text_width, line + 1, "รายการ", align="L", fill=True)
        self.cell(amount_width, line + 1, "จำนวนเงิน", align="R", fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self._set()
        for text, amount in items:
            text = segment_for_wrapping(text)
            height = self._text_height(text_width - 2, line, text)
            self.keep_space(height)
            top = self.get_y()
            self._lines(text_width - 2, line, text)
            self.set_xy(self.l_margin + text_width, top)
            self.cell(amount_width, line, amount, align="R")
            self.set_y(top + height)
        self.set_draw_color(*_RULE)
        self.set_line_width(0.3)
        self.line(self.l_margin, self.get_y() + 0.5, self.w - self.r_margin, self.get_y() + 0.5)
        self.ln(1.5)
        self._set(bold=True)
        self.cell(text_width, line, total[0], align="R")
        self.cell(amount_width, line, total[1], align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self._lines(self.epw, line, segment_for_wrapping(f"({in_words})"), align="R")
        self._set()
        self.ln(3)

    def signature_block(self, lines: Sequence[str], *, top_gap: float = 14) -> None:
        """Lines centred in the right half of the page, below room for a signature (kept on one page)."""
        line = _line_mm(BODY_SIZE)
        self.keep_space(top_gap + line * len(lines) + 2)
        self.ln(top_gap)
        x = self.l_margin + self.epw / 2
        for text in lines:
            self.set_x(x)
            self._lines(self.epw / 2, line, segment_for_wrapping(text), align="C")
        self.ln(2)

    def qr_code(
        self,
        payload: str,
        *,
        size: float = 32,
        x: float | None = None,
        caption: str | None = None,
        caption_width: float | None = None,
    ) -> None:
        """A QR code of ``payload`` at the current line (left margin unless ``x``), with a caption below."""
        caption_line = _line_mm(SMALL_SIZE)
        self.keep_space(size + (caption_line * 3 if caption else 0) + 2)
        left = self.l_margin if x is None else x
        top = self.get_y()
        self.image(io.BytesIO(qr_png(payload)), x=left, y=top, w=size, h=size, alt_text=caption or "QR code")
        self.set_y(top + size + 0.5)
        if caption:
            width = caption_width or size
            # A caption wider than the code is centred under it; at a margin it aligns with the code
            # instead of running off the page.
            centred = left + (size - width) / 2
            cap_left = max(self.l_margin, min(centred, self.w - self.r_margin - width))
            align = "C" if cap_left == centred else ("L" if cap_left > centred else "R")
            self.set_x(cap_left)
            self._set(size=SMALL_SIZE, color=_GREY)
            self._lines(width, caption_line, segment_for_wrapping(caption), align=align)
            self._set()
        self.ln(1)

    def keep_space(self, height: float) -> None:
        """Start a new page unless ``height`` mm still fit above the bottom margin."""
        if self.get_y() + height > self.page_break_trigger:
            self.add_page()

    def paragraph_height(self, text: str, *, size: float = BODY_SIZE, first_line_indent: float = 0.0) -> float:
        """About how tall ``paragraph(text)`` will be, to keep it on the page with what follows."""
        self._set(size=size)
        # The first-line indent is counted on every line: an estimate that errs on the tall side.
        height = self._text_height(self.epw - first_line_indent, _line_mm(size), segment_for_wrapping(text))
        self._set()
        return height

    def _lines(self, width: float, line: float, text: str, *, align: str = "L") -> None:
        # multi_cell moves right by default; these documents are written top to bottom.
        self.multi_cell(width, line, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def _text_height(self, width: float, line: float, text: str) -> float:
        lines = cast(list[str], self.multi_cell(width, line, text, align="L", dry_run=True, output="LINES"))
        return len(lines) * line

    def to_bytes(self) -> bytes:
        """The finished PDF."""
        return bytes(self.output())
