"""The mediation agreement (人民调解协议书) as an A4 PDF (reportlab platypus).

The layout follows the usual format of the people's mediation agreement: title, number, one
block per party, the facts, the numbered terms, how and by when they are performed, the fixed
clause on copies and entry into force, a signature table and the committee's seal with the date.

The module works on plain dataclasses (no model import): the caller fills them from the
records, and only MASKED ID numbers and phones are ever passed in, so nothing clear can reach
the document. The font is the project's CJK font (``metrics.report.fonts``); every asset is
local.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.enums import TA_CENTER, TA_RIGHT  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.lib.utils import ImageReader  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from gridgov.metrics.report.fonts import cjk_font

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 25 * mm  # official documents keep wide margins (binding on the left)
FRAME_PADDING = 6  # SimpleDocTemplate's frame keeps 6 pt inside the margins
WIDTH = PAGE_WIDTH - 2 * MARGIN - 2 * FRAME_PADDING
TITLE = "人民调解协议书"
DIGITS = "零一二三四五六七八九"
NBSP = "&nbsp;"  # a space reportlab keeps (it collapses and strips ordinary ones)
BLANK_DATE = f"{NBSP * 8}年{NBSP * 4}月{NBSP * 4}日"  # filled in by pen
SIGNATURE_BOX = (52 * mm, 12 * mm)  # the largest size of a captured signature image
LABEL_WIDTH = 34 * mm
DATE_WIDTH = 46 * mm


@dataclass(frozen=True)
class PartyLine:
    """One party as printed: ``role`` is 申请人 / 被申请人 / 第三人; ID and phone are masked."""

    role: str
    name: str
    gender: str
    age: int | None
    id_masked: str
    phone_masked: str
    address: str
    agent: str = ""


@dataclass(frozen=True)
class SignatureLine:
    """A party's or the mediator's signature: a captured image (PNG) if given, else the typed
    name if signed, else a blank line for a pen."""

    label: str
    name: str
    signed: bool
    signed_on: datetime.date | None
    image_png: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True)
class AgreementDocument:
    committee: str
    number: str
    parties: list[PartyLine]
    dispute_kind: str
    facts: str
    terms: list[str]
    perform_by: datetime.date | None
    perform_note: str
    mediator: str
    signatures: list[SignatureLine]
    signed_on: datetime.date | None
    copies: int = 3


def chinese_numeral(number: int) -> str:
    """1–99 in Chinese numerals: 1 → 一, 10 → 十, 11 → 十一, 20 → 二十, 99 → 九十九."""
    if not 1 <= number <= 99:
        raise ValueError(f"只支持 1–99 的中文数字：{number}")
    tens, units = divmod(number, 10)
    if tens == 0:
        return DIGITS[units]
    text = ("" if tens == 1 else DIGITS[tens]) + "十"
    return text + (DIGITS[units] if units else "")


def chinese_date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _text(value: str) -> str:
    """User text as reportlab markup: escaped, line breaks kept."""
    return "<br/>".join(escape(line) for line in value.strip().splitlines())


class _Styles:
    def __init__(self, font: str) -> None:
        base = {"fontName": font, "wordWrap": "CJK"}
        self.title = ParagraphStyle(
            "title", **base, fontSize=22, leading=32, alignment=TA_CENTER, spaceAfter=6
        )
        self.number = ParagraphStyle(
            "number", **base, fontSize=11, leading=16, alignment=TA_RIGHT, spaceAfter=10
        )
        self.party = ParagraphStyle("party", **base, fontSize=12, leading=19, spaceAfter=2)
        self.agent = ParagraphStyle("agent", **base, fontSize=12, leading=19, leftIndent=24)
        self.heading = ParagraphStyle(
            "heading", **base, fontSize=12, leading=19, spaceBefore=8, keepWithNext=True
        )
        self.body = ParagraphStyle("body", **base, fontSize=12, leading=19, firstLineIndent=24)
        self.term = ParagraphStyle(
            "term", **base, fontSize=12, leading=19, leftIndent=24, firstLineIndent=0
        )
        self.cell = ParagraphStyle("cell", **base, fontSize=12, leading=17)
        self.typed = ParagraphStyle("typed", **base, fontSize=14, leading=18)
        self.seal = ParagraphStyle("seal", **base, fontSize=12, leading=19, alignment=TA_RIGHT)


class _Builder:
    def __init__(self, doc: AgreementDocument) -> None:
        if not 1 <= doc.copies <= 99:
            raise ValueError(f"协议份数应为 1–99：{doc.copies}")
        self.doc = doc
        self.font = cjk_font()
        self.s = _Styles(self.font)
        self.story: list[Any] = []

    def add(self, *flowables: Any) -> None:
        self.story.extend(flowables)

    def paragraphs(self, text: str, style: ParagraphStyle) -> None:
        """One paragraph per line of ``text``; an empty text leaves a blank line to write on."""
        lines = [line for line in text.strip().splitlines() if line.strip()]
        if not lines:
            self.add(Paragraph(NBSP, style))
        for line in lines:
            self.add(Paragraph(escape(line.strip()), style))

    # -- sections ------------------------------------------------------------------------------

    def header(self) -> None:
        self.add(Paragraph(TITLE, self.s.title))
        if self.doc.number:
            self.add(Paragraph(escape(self.doc.number), self.s.number))
        else:
            self.add(Spacer(1, 10))

    def parties(self) -> None:
        for party in self.doc.parties:
            self.add(Paragraph(_party_text(party), self.s.party))
            if party.agent.strip():
                self.add(Paragraph(f"委托代理人：{escape(party.agent.strip())}", self.s.agent))

    def facts(self) -> None:
        if self.doc.dispute_kind.strip():
            kind = escape(self.doc.dispute_kind.strip())
            self.add(Paragraph(f"纠纷类型：{kind}", self.s.heading))
        self.add(Paragraph("纠纷主要事实、争议事项：", self.s.heading))
        self.paragraphs(self.doc.facts, self.s.body)

    def terms(self) -> None:
        self.add(Paragraph("经调解，自愿达成如下协议：", self.s.heading))
        terms = [t for t in self.doc.terms if t.strip()]
        if not terms:
            self.add(Paragraph(NBSP, self.s.term))
        for index, term in enumerate(terms, start=1):
            self.add(Paragraph(f"{chinese_numeral(index)}、{_text(term)}", self.s.term))

    def performance(self) -> None:
        self.add(Paragraph("履行方式、时限：", self.s.heading))
        note = self.doc.perform_note.strip()
        if self.doc.perform_by is not None:
            limit = f"{chinese_date(self.doc.perform_by)}前"
            note = f"{note.rstrip('。')}，{limit}履行完毕。" if note else f"{limit}履行完毕。"
        self.paragraphs(note, self.s.body)

    def clause(self) -> list[Any]:
        copies = chinese_numeral(self.doc.copies)
        return [
            Spacer(1, 6),
            Paragraph(
                f"本协议一式{copies}份，当事人、人民调解委员会各持一份，"
                "自各方当事人签字（盖章）、人民调解员签字并加盖人民调解委员会印章之日起生效。",
                self.s.body,
            ),
        ]

    def signature_cell(self, line: SignatureLine) -> Any:
        if line.image_png:
            return _signature_image(line.image_png)
        if line.signed:
            return Paragraph(escape(line.name), self.s.typed)
        return ""  # the ruled line below the cell is left for a pen

    def signatures(self) -> list[Any]:
        block: list[Any] = [Spacer(1, 4)]
        if self.doc.mediator.strip():
            block.append(
                Paragraph(f"人民调解员：{escape(self.doc.mediator.strip())}", self.s.party)
            )
        rows = [
            [
                Paragraph(f"{escape(line.label)}：", self.s.cell),
                self.signature_cell(line),
                Paragraph(
                    chinese_date(line.signed_on) if line.signed_on else BLANK_DATE, self.s.cell
                ),
            ]
            for line in self.doc.signatures
        ]
        if rows:
            sign_width = WIDTH - LABEL_WIDTH - DATE_WIDTH
            table = Table(
                rows,
                colWidths=[LABEL_WIDTH, sign_width, DATE_WIDTH],
                rowHeights=[SIGNATURE_BOX[1] + 3 * mm] * len(rows),
                hAlign="LEFT",
            )
            table.setStyle(
                TableStyle(
                    [
                        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                        ("ALIGN", (1, 0), (1, -1), "LEFT"),
                        ("LINEBELOW", (1, 0), (1, -1), 0.6, colors.black),
                        ("LEFTPADDING", (0, 0), (-1, -1), 0),
                        ("RIGHTPADDING", (0, 0), (0, -1), 2),
                        ("LEFTPADDING", (2, 0), (2, -1), 4 * mm),
                        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                    ]
                )
            )
            block.append(table)
        return block

    def seal(self) -> list[Any]:
        doc = self.doc
        day = chinese_date(doc.signed_on) if doc.signed_on else BLANK_DATE
        return [
            Spacer(1, 10 * mm),  # room for the seal
            Paragraph(escape(doc.committee), self.s.seal),
            Paragraph("（人民调解委员会印章）", self.s.seal),
            Paragraph(day, self.s.seal),
        ]

    def build(self) -> bytes:
        self.header()
        self.parties()
        self.facts()
        self.terms()
        self.performance()
        # the closing clause, the signatures and the seal stay together, so a signature page
        # never stands alone without text of the agreement
        self.add(KeepTogether([*self.clause(), *self.signatures(), *self.seal()]))
        return write_a4(
            self.story,
            font=self.font,
            title=f"{TITLE} {self.doc.number}".strip(),
            author=self.doc.committee,
            subject=TITLE,
        )


def write_a4(story: list[Any], *, font: str, title: str, author: str, subject: str) -> bytes:
    """An A4 official document (wide margins, a page number at the foot) as PDF bytes: the
    layout the agreement and the reply document share."""
    out = io.BytesIO()
    template = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=title,
        author=author,
        subject=subject,
        creator="gridgov",
    )

    def footer(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 9)
        canvas.setFillColor(colors.grey)
        canvas.drawCentredString(PAGE_WIDTH / 2, 12 * mm, f"第 {document.page} 页")
        canvas.restoreState()

    template.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def _party_text(party: PartyLine) -> str:
    """申请人：张桂兰，女，70岁，身份证号码 2202…0017，联系电话 135****1001，住址 …。"""
    details = [escape(party.name.strip())]
    if party.gender.strip():
        details.append(escape(party.gender.strip()))
    if party.age is not None:
        details.append(f"{party.age}岁")
    if party.id_masked.strip():
        details.append(f"身份证号码 {escape(party.id_masked.strip())}")
    if party.phone_masked.strip():
        details.append(f"联系电话 {escape(party.phone_masked.strip())}")
    if party.address.strip():
        details.append(f"住址 {escape(party.address.strip())}")
    return f"{escape(party.role.strip())}：{'，'.join(details)}。"


def _signature_image(png: bytes) -> Image:
    """The captured signature scaled to fit the signature box, keeping its proportions."""
    try:
        width, height = ImageReader(io.BytesIO(png)).getSize()
    except Exception as error:  # reportlab/PIL raise various errors for a bad image
        raise ValueError("签名图片无法读取（应为 PNG）") from error
    if width <= 0 or height <= 0:
        raise ValueError("签名图片为空")
    scale = min(SIGNATURE_BOX[0] / width, SIGNATURE_BOX[1] / height)
    return Image(io.BytesIO(png), width=width * scale, height=height * scale, hAlign="LEFT")


def render_agreement(doc: AgreementDocument) -> bytes:
    """The agreement as PDF bytes."""
    return _Builder(doc).build()
