"""The petition's written reply (信访事项答复意见书) as an A4 PDF (reportlab platypus).

The layout follows the usual reply of the 《信访工作条例》 (2022): title, number, the
petitioners, the matter and when it was received and accepted, the facts found, the reply, the
rights note (review within 30 days, 第三十五条), the office with its seal and the date.

Like ``agreement_pdf`` it works on a plain dataclass (no model import): the caller fills it from
the records and passes only MASKED ID numbers and phones. The font is the project's CJK font
(``metrics.report.fonts``); every asset is local.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_CENTER, TA_RIGHT  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    KeepTogether,
    Paragraph,
    Spacer,
)

from gridgov.mediation.agreement_pdf import BLANK_DATE, NBSP, chinese_date, write_a4
from gridgov.metrics.report.fonts import cjk_font

PAGE_WIDTH, PAGE_HEIGHT = A4
TITLE = "信访事项答复意见书"
REVIEW_DAYS = 30  # 《信访工作条例》第三十五条


@dataclass(frozen=True)
class PetitionerLine:
    """One petitioner as printed; ID and phone are masked."""

    name: str
    id_masked: str = ""
    phone_masked: str = ""
    address: str = ""


@dataclass(frozen=True)
class ReplyDocument:
    office: str  # the office that replies (and seals)
    number: str  # e.g. （2026）信复字第 20261102000001 号
    petitioners: list[PetitionerLine]
    people_count: int
    form: str  # 来信 / 来访 / 网上信访 / 热线
    matter: str  # the matter (事项) as registered
    received_on: datetime.date | None
    accepted_on: datetime.date | None
    facts: str  # what the petition says / the facts found
    reply: str
    replied_on: datetime.date | None
    review_to: str  # where a review is requested (原办理机关的本级人民政府或上一级机关)


def rights_note(review_to: str) -> str:
    """不服可自收到本意见书之日起30日内向…请求复查。"""
    return f"如不服本答复意见，可以自收到本意见书之日起{REVIEW_DAYS}日内向{review_to}请求复查。"


class _Styles:
    def __init__(self, font: str) -> None:
        base = {"fontName": font, "wordWrap": "CJK"}
        self.title = ParagraphStyle(
            "title", **base, fontSize=22, leading=32, alignment=TA_CENTER, spaceAfter=6
        )
        self.number = ParagraphStyle(
            "number", **base, fontSize=11, leading=16, alignment=TA_RIGHT, spaceAfter=10
        )
        self.line = ParagraphStyle("line", **base, fontSize=12, leading=19, spaceAfter=2)
        self.heading = ParagraphStyle(
            "heading", **base, fontSize=12, leading=19, spaceBefore=8, keepWithNext=True
        )
        self.body = ParagraphStyle("body", **base, fontSize=12, leading=19, firstLineIndent=24)
        self.seal = ParagraphStyle("seal", **base, fontSize=12, leading=19, alignment=TA_RIGHT)


def _petitioner_text(line: PetitionerLine) -> str:
    """信访人：刘长福，身份证号码 2202…0017，联系电话 136****5678，住址 …。"""
    details = [escape(line.name.strip())]
    if line.id_masked.strip():
        details.append(f"身份证号码 {escape(line.id_masked.strip())}")
    if line.phone_masked.strip():
        details.append(f"联系电话 {escape(line.phone_masked.strip())}")
    if line.address.strip():
        details.append(f"住址 {escape(line.address.strip())}")
    return f"信访人：{'，'.join(details)}。"


class _Builder:
    def __init__(self, doc: ReplyDocument) -> None:
        self.doc = doc
        self.font = cjk_font()
        self.s = _Styles(self.font)
        self.story: list[Any] = []

    def add(self, *flowables: Any) -> None:
        self.story.extend(flowables)

    def paragraphs(self, text: str, style: ParagraphStyle) -> None:
        lines = [line for line in text.strip().splitlines() if line.strip()]
        if not lines:
            self.add(Paragraph(NBSP, style))
        for line in lines:
            self.add(Paragraph(escape(line.strip()), style))

    def header(self) -> None:
        self.add(Paragraph(TITLE, self.s.title))
        if self.doc.number.strip():
            self.add(Paragraph(escape(self.doc.number.strip()), self.s.number))
        else:
            self.add(Spacer(1, 10))

    def petitioners(self) -> None:
        for line in self.doc.petitioners:
            self.add(Paragraph(_petitioner_text(line), self.s.line))
        listed = len(self.doc.petitioners)
        if self.doc.people_count > listed:
            self.add(
                Paragraph(f"（共 {self.doc.people_count} 人，上列 {listed} 人为代表）", self.s.line)
            )

    def matter(self) -> None:
        doc = self.doc
        received = chinese_date(doc.received_on) if doc.received_on else BLANK_DATE
        opening = f"你（们）于{received}以{escape(doc.form)}形式反映的“{escape(doc.matter)}”"
        if doc.accepted_on is not None:
            opening += f"信访事项，本机关已于{chinese_date(doc.accepted_on)}依法受理。"
        else:
            opening += "信访事项，本机关已依法受理。"
        opening += "现将办理情况答复如下："
        self.add(Spacer(1, 6), Paragraph(opening, self.s.body))
        self.add(Paragraph("一、反映的主要问题和查明的事实", self.s.heading))
        self.paragraphs(doc.facts, self.s.body)
        self.add(Paragraph("二、答复意见", self.s.heading))
        self.paragraphs(doc.reply, self.s.body)

    def closing(self) -> list[Any]:
        doc = self.doc
        day = chinese_date(doc.replied_on) if doc.replied_on else BLANK_DATE
        return [
            Spacer(1, 6),
            Paragraph(escape(rights_note(doc.review_to)), self.s.body),
            Spacer(1, 12 * mm),  # room for the seal
            Paragraph(escape(doc.office), self.s.seal),
            Paragraph("（印章）", self.s.seal),
            Paragraph(day, self.s.seal),
        ]

    def build(self) -> bytes:
        self.header()
        self.petitioners()
        self.matter()
        self.add(KeepTogether(self.closing()))
        return write_a4(
            self.story,
            font=self.font,
            title=f"{TITLE} {self.doc.number}".strip(),
            author=self.doc.office,
            subject=TITLE,
        )


def render_reply(doc: ReplyDocument) -> bytes:
    """The reply as PDF bytes."""
    return _Builder(doc).build()
