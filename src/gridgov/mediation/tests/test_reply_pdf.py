"""The petition's reply (信访事项答复意见书) as a PDF: it opens, says what it should in Chinese
with the glyphs really drawn, and is filled from the records with masked values only."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pypdfium2  # type: ignore[import-untyped]
import pytest

from gridgov.cases.models import Item
from gridgov.cases.tests.fixtures import COUNTY, TOWNSHIP
from gridgov.mediation import services
from gridgov.mediation.documents import organ_name, reply_document, reply_pdf
from gridgov.mediation.reply_pdf import PetitionerLine, ReplyDocument, render_reply
from gridgov.mediation.tests.test_agreement_pdf import dark_pixels, page_texts, squash
from gridgov.regions.models import Region
from gridgov.registry.tests.fixtures import make_id

D = dt.date
ID_MASKED = "2202**********0017"
ID_CLEAR = "220283195601010017"
PHONE = "13604325678"


def document(**changes) -> ReplyDocument:
    doc = ReplyDocument(
        office="北城街道办事处",
        number="（2026）信复字第 20261102000001 号",
        petitioners=[
            PetitionerLine(name="刘长福", id_masked=ID_MASKED, phone_masked="136****5678"),
            PetitionerLine(name="刘长贵", address="北城街道幸福社区"),
        ],
        people_count=6,
        form="来访",
        matter="讨要工程款",
        received_on=D(2026, 11, 2),
        accepted_on=D(2026, 11, 3),
        facts="信访人反映某工程队拖欠其工资三万元，经核实属实。",
        reply="已责成用工单位于2026年11月30日前足额支付，信访人诉求予以支持。",
        replied_on=D(2026, 11, 20),
        review_to="舒兰市人民政府",
    )
    return dataclasses.replace(doc, **changes)


def test_reply_text_and_metadata():
    pdf = render_reply(document())
    assert pdf.startswith(b"%PDF")
    pages = pypdfium2.PdfDocument(pdf)
    meta = pages.get_metadata_dict()
    assert meta["Title"] == "信访事项答复意见书 （2026）信复字第 20261102000001 号"
    assert meta["Author"] == "北城街道办事处"
    text = "".join(page_texts(pdf))
    for words in (
        "信访事项答复意见书",
        "（2026）信复字第 20261102000001 号",
        f"信访人：刘长福，身份证号码 {ID_MASKED}，联系电话 136****5678。",
        "信访人：刘长贵，住址 北城街道幸福社区。",
        "（共 6 人，上列 2 人为代表）",
        "你（们）于2026年11月2日以来访形式反映的“讨要工程款”信访事项",
        "本机关已于2026年11月3日依法受理",
        "一、反映的主要问题和查明的事实",
        "经核实属实",
        "二、答复意见",
        "信访人诉求予以支持",
        "如不服本答复意见，可以自收到本意见书之日起30日内向舒兰市人民政府请求复查。",
        "北城街道办事处",
        "（印章）",
        "2026年11月20日",
    ):
        assert squash(words) in text, words
    assert ID_CLEAR not in text and ID_CLEAR.encode() not in pdf


def test_title_glyphs_are_inked():
    pdf = render_reply(document())
    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=2).to_pil()
    width, height = image.size
    title_band = image.crop((0, int(height * 0.065), width, int(height * 0.115)))
    inked = dark_pixels(title_band)
    assert inked > 800, f"title band has only {inked} dark pixels"
    middle = title_band.crop((width // 3, 0, 2 * width // 3, title_band.height))
    assert dark_pixels(middle) > inked * 0.8


def test_before_the_reply_date_and_text_stay_blank_and_markup_is_text():
    pdf = render_reply(
        document(reply="", replied_on=None, accepted_on=None, matter="<b>工资</b> & 补贴")
    )
    text = "".join(page_texts(pdf))
    assert "2026年11月20日" not in text
    assert "（印章）年月日" in text
    assert squash("“<b>工资</b> & 补贴”信访事项，本机关已依法受理") in text


@pytest.mark.django_db
def test_filled_from_the_petition_with_masked_values_only(report, people):
    case = report(item_=Item.objects.get(code="XF-004"), title="讨要工程款")
    number = make_id(D(1968, 3, 2))
    petition = services.register_petition(
        actor=people.village_op,
        case=case,
        form="letter",
        petitioners=[{"name": "刘长福", "id_number": number, "phone": PHONE}],
    )
    services.acknowledge(
        actor=people.county_op, petition=petition, accepted=True, on=D(2026, 11, 3)
    )
    services.reply(
        actor=people.township_op,
        petition=petition,
        on=D(2026, 11, 20),
        text="经核实，已督促用工单位支付。",
    )
    petition.refresh_from_db()
    doc = reply_document(petition)
    township = Region.objects.get(path=TOWNSHIP)
    assert doc.office == organ_name(township)  # the lead centre (属地) replies
    assert doc.review_to == organ_name(Region.objects.get(path=COUNTY))
    assert doc.accepted_on == D(2026, 11, 3) and doc.form == "来信"
    pdf = reply_pdf(petition)
    text = "".join(page_texts(pdf))
    masked = petition.petitioners.get().id_masked
    assert "*" in masked and squash(f"身份证号码 {masked}") in text
    assert number not in text and PHONE not in text
    assert number.encode() not in pdf and PHONE.encode() not in pdf
    assert squash(f"（2026）信复字第 {case.number} 号") in text
    assert "经核实，已督促用工单位支付。" in text
    assert squash(f"30日内向{doc.review_to}请求复查") in text
    assert "2026年11月20日" in text
