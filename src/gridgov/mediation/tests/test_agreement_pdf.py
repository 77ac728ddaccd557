"""The agreement PDF (人民调解协议书): it opens, says what it should in Chinese (the glyphs are
really drawn), shows only masked IDs and phones, draws captured signatures, flows onto more pages
and survives markup characters in user text. No database: the font helper only reads settings."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

import pypdfium2  # type: ignore[import-untyped]
import pytest
from PIL import Image, ImageDraw

from gridgov.mediation.agreement_pdf import (
    AgreementDocument,
    PartyLine,
    SignatureLine,
    chinese_date,
    chinese_numeral,
    render_agreement,
)

COMMITTEE = "舒兰市北城街道人民调解委员会"
NUMBER = "舒兰市北城街道人民调解委员会（2026）调字第 12 号"
ID_MASKED = "2202**********0017"
ID_CLEAR = "220283195601010017"  # never passed in: must never appear
PHONE_MASKED = "135****1001"
PHONE_CLEAR = "13512341001"
TERMS = [
    "被申请人李建国于2026年12月31日前拆除搭建在两家院墙之间的彩钢棚。",
    "被申请人李建国一次性赔偿申请人张桂兰院墙修缮费人民币3000元。",
    "双方今后和睦相处，不再因此事发生纠纷。",
]


def signature_png(*, transparent: bool = False) -> bytes:
    """A tiny handwritten signature: a black stroke on white (or on nothing, as tablets send)."""
    mode, background = ("RGBA", (255, 255, 255, 0)) if transparent else ("RGB", "white")
    image = Image.new(mode, (240, 80), background)
    draw = ImageDraw.Draw(image)
    draw.line([(10, 60), (60, 15), (100, 65), (150, 20), (230, 55)], fill="black", width=6)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def document(**changes) -> AgreementDocument:
    doc = AgreementDocument(
        committee=COMMITTEE,
        number=NUMBER,
        parties=[
            PartyLine(
                role="申请人",
                name="张桂兰",
                gender="女",
                age=70,
                id_masked=ID_MASKED,
                phone_masked=PHONE_MASKED,
                address="舒兰市北城街道幸福社区3栋2单元",
            ),
            PartyLine(
                role="被申请人",
                name="李建国",
                gender="男",
                age=52,
                id_masked="2202**********0035",
                phone_masked="139****2002",
                address="舒兰市北城街道幸福社区3栋1单元",
                agent="王律师",
            ),
        ],
        dispute_kind="邻里",
        facts="申请人与被申请人系邻居，被申请人在两家院墙之间搭建彩钢棚，雨水冲坏申请人院墙，双方发生争执。",
        terms=list(TERMS),
        perform_by=dt.date(2026, 12, 31),
        perform_note="被申请人以现金方式一次性支付",
        mediator="赵调解",
        signatures=[
            SignatureLine(
                label="申请人",
                name="张桂兰",
                signed=True,
                signed_on=dt.date(2026, 12, 7),
                image_png=signature_png(),
            ),
            SignatureLine(label="被申请人", name="李建国", signed=False, signed_on=None),
            SignatureLine(
                label="人民调解员", name="赵调解", signed=True, signed_on=dt.date(2026, 12, 7)
            ),
        ],
        signed_on=dt.date(2026, 12, 7),
    )
    return dataclasses.replace(doc, **changes)


def squash(text: str) -> str:
    """The text without any white space: a wrapped line may lose the space at its end."""
    return "".join(text.split())


def page_texts(pdf: bytes) -> list[str]:
    """Each page's text, squashed (compare with ``squash(expected)``)."""
    pages = pypdfium2.PdfDocument(pdf)
    return [squash(page.get_textpage().get_text_range()) for page in pages]


def dark_pixels(image: Image.Image) -> int:
    gray = image.convert("L")
    return sum(gray.histogram()[:128])  # pixels darker than mid-grey


def test_chinese_numerals():
    expected = {1: "一", 2: "二", 9: "九", 10: "十", 11: "十一", 19: "十九", 20: "二十"}
    expected |= {21: "二十一", 30: "三十", 55: "五十五", 90: "九十", 99: "九十九"}
    for number, text in expected.items():
        assert chinese_numeral(number) == text
    for wrong in (0, -1, 100):
        with pytest.raises(ValueError):
            chinese_numeral(wrong)
    assert chinese_date(dt.date(2026, 12, 7)) == "2026年12月7日"


def test_agreement_text_and_metadata():
    pdf = render_agreement(document())
    assert pdf.startswith(b"%PDF")
    pages = pypdfium2.PdfDocument(pdf)
    assert len(pages) == 1
    meta = pages.get_metadata_dict()
    assert meta["Title"] == f"人民调解协议书 {NUMBER}"
    assert meta["Author"] == COMMITTEE
    text = page_texts(pdf)[0]
    for words in (
        "人民调解协议书",
        NUMBER,
        "申请人：张桂兰，女，70岁",
        "被申请人：李建国",
        f"身份证号码 {ID_MASKED}",
        f"联系电话 {PHONE_MASKED}",
        "委托代理人：王律师",
        "纠纷主要事实、争议事项：",
        "经调解，自愿达成如下协议：",
        "一、",
        "三、",
        "履行方式、时限：",
        "2026年12月31日前",
        "本协议一式三份",
        "人民调解员：赵调解",
        "（人民调解委员会印章）",
        "2026年12月7日",
    ):
        assert squash(words) in text
    for number, term in zip("一二三", TERMS, strict=True):
        assert squash(f"{number}、{term}") in text
    assert ID_CLEAR not in text and PHONE_CLEAR not in text
    assert ID_CLEAR.encode() not in pdf and PHONE_CLEAR.encode() not in pdf
    assert "四、" not in text


def test_title_glyphs_are_inked():
    """The title is drawn with real CJK glyphs (not blank or missing boxes): its band of the
    rendered page has plenty of ink, and the text layer maps back to the Chinese title."""
    pdf = render_agreement(document())
    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=2).to_pil()
    width, height = image.size
    # the title is the first line under the 20 mm top margin (6.7 %), 32 pt high (3.8 %)
    title_band = image.crop((0, int(height * 0.065), width, int(height * 0.115)))
    inked = dark_pixels(title_band)
    assert inked > 800, f"title band has only {inked} dark pixels"
    # ink is centred: the title is in the middle third, not in the margins
    middle = title_band.crop((width // 3, 0, 2 * width // 3, title_band.height))
    assert dark_pixels(middle) > inked * 0.8
    assert "人民调解协议书" in page.get_textpage().get_text_range()


def test_signatures_image_typed_or_blank():
    """A captured signature is drawn as an image (ink, no text), a signed line without one
    shows the typed name, an unsigned line stays blank with a blank date for a pen."""
    doc = document()
    pdf = render_agreement(doc)
    text = page_texts(pdf)[0]
    assert "申请人：2026年12月7日" in text  # the image, not the typed name
    assert "被申请人：年月日" in text  # blank line and blank date
    assert "人民调解员：赵调解2026年12月7日" in text  # typed name
    first = doc.signatures[0]
    without_image = document(
        signatures=[dataclasses.replace(first, image_png=None, signed=False), *doc.signatures[1:]]
    )
    with_ink = dark_pixels(pypdfium2.PdfDocument(pdf)[0].render(scale=2).to_pil())
    without = dark_pixels(
        pypdfium2.PdfDocument(render_agreement(without_image))[0].render(scale=2).to_pil()
    )
    assert with_ink > without + 500  # the stroke of the signature


def test_unsigned_agreement_leaves_dates_blank():
    unsigned = [
        dataclasses.replace(line, signed=False, signed_on=None, image_png=None)
        for line in document().signatures
    ]
    text = page_texts(render_agreement(document(signatures=unsigned, signed_on=None)))[0]
    assert "张桂兰，女" in text  # the party block still names them
    assert "2026年12月7日" not in text  # no dates yet: blanks for a pen
    assert "（人民调解委员会印章）年月日" in text


def test_transparent_signature_png():
    line = SignatureLine(
        label="申请人",
        name="张桂兰",
        signed=True,
        signed_on=dt.date(2026, 12, 7),
        image_png=signature_png(transparent=True),
    )
    pdf = render_agreement(document(signatures=[line]))
    assert pdf.startswith(b"%PDF")
    with pytest.raises(ValueError, match="签名图片"):
        render_agreement(document(signatures=[dataclasses.replace(line, image_png=b"not png")]))


def test_long_agreement_flows_onto_more_pages():
    facts = ("双方因宅基地边界发生争议，多次协商未果。" * 150)[:3000]
    assert len(facts) == 3000
    terms = [f"第{i}项约定：当事人按约定履行相应义务，不得反悔。" for i in range(1, 31)]
    pdf = render_agreement(document(facts=facts, terms=terms, copies=12))
    pages = page_texts(pdf)
    assert len(pages) > 1
    text = "".join(pages)
    assert "三十、第30项约定" in text
    assert "二十一、第21项约定" in text
    assert "本协议一式十二份" in text
    # the signatures and seal stay together, after the last term
    assert "（人民调解委员会印章）" in pages[-1]
    assert text.index("三十、") < text.index("（人民调解委员会印章）")


def test_markup_characters_in_user_text():
    party = PartyLine(
        role="申请人",
        name="张<b>桂兰",
        gender="女",
        age=None,
        id_masked=ID_MASKED,
        phone_masked=PHONE_MASKED,
        address="幸福路 1 号 <楼> & 院",
        agent="A&B 律师事务所",
    )
    pdf = render_agreement(
        document(
            committee="R&D <调解> 委员会",
            parties=[party],
            facts="金额 < 5000 & 不含利息 </para> <font>",
            terms=["支付 <1000> 元 & 道歉", "a < b && c > d"],
            perform_note="现金 & 转账",
            perform_by=None,
            signatures=[SignatureLine(label="申请人", name="A&B<i>", signed=True, signed_on=None)],
        )
    )
    text = page_texts(pdf)[0]
    assert "张<b>桂兰" in text
    assert squash("幸福路 1 号 <楼> & 院") in text
    assert squash("金额 < 5000 & 不含利息 </para> <font>") in text
    assert squash("一、支付 <1000> 元 & 道歉") in text
    assert squash("二、a < b && c > d") in text
    assert "A&B<i>" in text
    assert squash("R&D <调解> 委员会") in text
    assert "岁" not in text  # no age given


def test_copies_must_be_a_small_number():
    with pytest.raises(ValueError):
        render_agreement(document(copies=0))
