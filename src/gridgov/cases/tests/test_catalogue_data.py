"""The default catalogue of matters and the demo texts: pure data, no database."""

from __future__ import annotations

import importlib.util
import random
import re
import string
from collections import Counter
from pathlib import Path

import pytest

import gridgov
from gridgov.cases import catalogue_data as cat
from gridgov.cases import demo_texts as dt

PLACES = (
    ("育才社区", "北城街道"),
    ("中心社区", "法特镇"),
    ("永昌村", "法特镇"),
    ("平安营村", "亮甲山乡"),
)
SEEDS = range(40)
HOURS = {cat.CALENDAR_HOURS: 1.0, cat.WORKING_HOURS: 1.0, cat.WORKING_DAYS: 24.0}


def _hours(limit: tuple[float, str]) -> float:
    return limit[0] * HOURS[limit[1]]


# --- catalogue ----------------------------------------------------------------------------------


def test_boards():
    codes = [code for code, _ in cat.BOARDS]
    names = [name for _, name in cat.BOARDS]
    assert len(set(codes)) == len(codes)
    assert len(set(names)) == len(names)
    assert all(code.isascii() and code.isupper() and len(code) <= 4 for code in codes)
    required = {"民生事项", "信访诉求", "社会治安", "矛盾纠纷", "公共卫生", "营商环境", "城市管理"}
    assert required | {"安全隐患"} <= set(names)


def test_item_count_and_codes():
    assert 70 <= len(cat.ITEMS) <= 90
    codes = [item.code for item in cat.ITEMS]
    assert len(set(codes)) == len(codes)
    assert len({item.name for item in cat.ITEMS}) == len(cat.ITEMS)
    boards = {code for code, _ in cat.BOARDS}
    for item in cat.ITEMS:
        assert re.fullmatch(r"[A-Z]{2}-\d{3}", item.code), item.code
        assert item.board in boards
        assert item.code.startswith(item.board + "-")
    assert set(cat.ITEMS_BY_CODE) == set(codes)


def test_every_board_has_at_least_five_items():
    per_board = Counter(item.board for item in cat.ITEMS)
    for code, name in cat.BOARDS:
        assert per_board[code] >= 5, name


def _demo_departments() -> tuple[tuple[str, str, str, str, str], ...]:
    """gridgov.demo.departments, loaded on its own: the gridgov.demo package imports Django."""
    path = Path(gridgov.__file__).parent / "demo" / "departments.py"
    spec = importlib.util.spec_from_file_location("_demo_departments", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.DEPARTMENTS


def test_departments_are_the_demo_county_departments():
    demo = {short for _, _, short, _, _ in _demo_departments()}
    assert set(cat.DEPARTMENT_SHORT_NAMES) == demo
    for item in cat.ITEMS:
        assert item.department == "" or item.department in cat.DEPARTMENT_SHORT_NAMES, item
        if item.level == "county":
            assert item.department, f"{item.code}: a county matter needs a department"


@pytest.mark.parametrize("item", cat.ITEMS, ids=lambda i: i.code)
def test_item_fields(item: cat.ItemSpec):
    assert item.level in cat.LEVELS
    assert item.difficulty in cat.DIFFICULTIES
    assert item.difficulty in cat.SUBSIDY_YUAN
    for limit in (item.sign, item.handle, item.verify):
        amount, unit = limit
        assert isinstance(amount, float)
        assert amount > 0
        assert unit in cat.UNITS
    assert _hours(item.sign) < _hours(item.handle)
    assert 0 < item.weight <= 10
    assert item.name.strip() == item.name and item.name
    assert item.description and "\n" not in item.description


def test_emergencies_and_utilities_run_on_calendar_hours():
    by_name = {item.name: item for item in cat.ITEMS}
    for name in ("燃气泄漏隐患", "火灾隐患"):
        assert by_name[name].handle == (2.0, cat.CALENDAR_HOURS)
        assert by_name[name].sign == (0.5, cat.CALENDAR_HOURS)
    for name in ("停水", "停电", "供热管网故障停暖"):
        assert by_name[name].handle == (24.0, cat.CALENDAR_HOURS)


# --- demo texts ---------------------------------------------------------------------------------


def test_every_item_has_texts_and_nothing_else_does():
    assert set(dt.TEMPLATES) == set(cat.ITEMS_BY_CODE)
    assert set(dt.ITEM_RESULTS) <= set(cat.ITEMS_BY_CODE)
    for code, templates in dt.TEMPLATES.items():
        assert len(templates) >= 3, code
        assert len(set(templates)) == len(templates), code
    for board, _ in cat.BOARDS:
        assert len(dt.BOARD_RESULTS[board]) >= 2, board


def _slot_names(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_templates_use_only_known_slots():
    known = set(dt.template_slots(random.Random(0), village="育才社区", township="北城街道"))
    for code, templates in dt.TEMPLATES.items():
        for title, description in templates:
            assert _slot_names(title) <= known, (code, title)
            assert _slot_names(description) <= known, (code, description)


@pytest.mark.parametrize("code", sorted(dt.TEMPLATES))
def test_every_template_fills_within_limits(code: str):
    """Each template on its own (not just the ones case_text happens to pick) fits without the
    safety net in case_text."""
    for village, township in PLACES:
        for seed in range(10):
            slots = dt.template_slots(random.Random(seed), village=village, township=township)
            for title, description in dt.TEMPLATES[code]:
                title_text = title.format(**slots)
                text = description.format(**slots)
                for filled in (title_text, text):
                    assert "{" not in filled and "}" not in filled
                assert 0 < len(title_text) <= dt.TITLE_MAX, title_text
                assert dt.DESCRIPTION_MIN <= len(text) <= dt.DESCRIPTION_MAX, text


@pytest.mark.parametrize("code", sorted(dt.TEMPLATES))
def test_case_text(code: str):
    for village, township in PLACES:
        for seed in SEEDS:
            title, text = dt.case_text(
                code, random.Random(seed), village=village, township=township
            )
            assert 0 < len(title) <= 40
            assert 40 <= len(text) <= 200
            for filled in (title, text):
                assert "{" not in filled and "}" not in filled
                assert "None" not in filled


def test_case_text_is_deterministic_and_varied():
    def run(seed: int) -> list[tuple[str, str]]:
        rng = random.Random(seed)
        return [
            dt.case_text(code, rng, village="永昌村", township="法特镇") for code in dt.TEMPLATES
        ]

    assert run(7) == run(7)
    assert run(7) != run(8)
    titles = {
        dt.case_text("CG-001", random.Random(s), village="育才社区", township="北城街道")[0]
        for s in SEEDS
    }
    assert len(titles) >= 3


def test_rural_and_urban_wording():
    rng = random.Random(3)
    urban = dt.template_slots(rng, village="育才社区", township="北城街道")
    rural = dt.template_slots(rng, village="永昌村", township="法特镇")
    assert "号楼" in urban["place"] and urban["resident"] == "居民"
    assert rural["place"] in dt.HAMLETS and rural["resident"] == "村民"
    assert rural["clinic"] == "法特镇卫生院"


def test_unknown_item_code():
    with pytest.raises(KeyError):
        dt.case_text("XX-999", random.Random(0), village="永昌村", township="法特镇")


def test_reporter_name_and_phone():
    rng = random.Random(11)
    names = [dt.reporter_name(rng) for _ in range(500)]
    phones = [dt.reporter_phone(rng) for _ in range(500)]
    for name in names:
        assert 2 <= len(name) <= 3
        assert all("\u4e00" <= ch <= "\u9fff" for ch in name), name
    for phone in phones:
        assert re.fullmatch(r"1(3|5|7|8|9)\d{9}", phone), phone
    assert len(set(names)) > 300
    assert len(set(phones)) == len(phones)
    rng_a, rng_b = random.Random(5), random.Random(5)
    assert [dt.reporter_name(rng_a) for _ in range(20)] == [
        dt.reporter_name(rng_b) for _ in range(20)
    ]
    assert dt.reporter_phone(rng_a) == dt.reporter_phone(rng_b)


def test_handling_result():
    for code in cat.ITEMS_BY_CODE:
        results = {dt.handling_result(code, random.Random(seed)) for seed in range(30)}
        assert len(results) >= 2, code
        for text in results:
            assert text.endswith("。") and 10 <= len(text) <= 120, text
            assert "{" not in text and "}" not in text
    assert dt.handling_result("CG-002", random.Random(4)) == dt.handling_result(
        "CG-002", random.Random(4)
    )


def test_address():
    for village, township in PLACES:
        for seed in SEEDS:
            text = dt.address(random.Random(seed), village=village, township=township)
            assert text.startswith(f"舒兰市{township}{village}")
            assert len(text) > len(f"舒兰市{township}{village}")
            assert "{" not in text
    urban = dt.address(random.Random(1), village="育才社区", township="北城街道")
    assert "号楼" in urban
    assert dt.address(random.Random(1), village="永昌村", township="法特镇") == dt.address(
        random.Random(1), village="永昌村", township="法特镇"
    )
