"""The code checks: GB 11643 ID numbers, GB 32100 credit codes, phones; with hypothesis."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, given
from hypothesis import strategies as st

from gridgov.core.privacy import mask_id_number, redact
from gridgov.registry.validators import (
    CREDIT_CHARS,
    check_credit_code,
    check_id_number,
    check_phone,
    credit_check_char,
    id_check_char,
)

TODAY = dt.date(2026, 12, 7)
areas = st.sampled_from(["220283", "110105", "370102", "230103", "440304", "820000", "910000"])
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY)
serials = st.integers(min_value=0, max_value=999)


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    first17 = f"{draw(areas)}{draw(births):%Y%m%d}{draw(serials):03d}"
    return first17 + id_check_char(first17)


@st.composite
def credit_codes(draw: st.DrawFn) -> str:
    head = draw(st.sampled_from(["91", "92", "93", "52", "53", "12", "11", "Y1"]))
    area = draw(st.from_regex(r"\A[0-9]{6}\Z"))
    body = draw(st.text(alphabet=CREDIT_CHARS, min_size=9, max_size=9))
    first17 = head + area + body
    return first17 + credit_check_char(first17)


def test_known_ids():
    # The worked example of GB 11643-1999 appendix.
    assert id_check_char("11010519491231002") == "X"
    facts = check_id_number("11010519491231002X", today=TODAY)
    assert facts.birth_date == dt.date(1949, 12, 31)
    assert facts.gender == "female"
    assert check_id_number("11010519491231002x", today=TODAY).number.endswith("X")


@given(id_numbers())
def test_valid_ids_always_pass(number: str) -> None:
    facts = check_id_number(number, today=TODAY)
    assert facts.number == number
    assert facts.birth_date == dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    assert facts.gender == ("male" if int(number[16]) % 2 else "female")


@given(id_numbers(), st.integers(min_value=0, max_value=17), st.integers(1, 10))
def test_any_single_character_change_fails(number: str, position: int, shift: int) -> None:
    alphabet = "0123456789X" if position == 17 else "0123456789"
    changed_char = alphabet[(alphabet.index(number[position]) + shift) % len(alphabet)]
    assume(changed_char != number[position])
    changed = number[:position] + changed_char + number[position + 1 :]
    with pytest.raises(ValidationError):
        check_id_number(changed, today=TODAY)


@given(id_numbers(), st.integers(min_value=0, max_value=16))
def test_adjacent_transposition_fails(number: str, position: int) -> None:
    swapped = number[:position] + number[position + 1] + number[position] + number[position + 2 :]
    assume(swapped != number)
    with pytest.raises(ValidationError):
        check_id_number(swapped, today=TODAY)


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("", "请填写"),
        ("220283198005170", "15 位"),
        ("22028319800517003", "18 位"),
        ("00028319800517003X", "省级代码"),
        ("220283198002300031", "不存在"),
        ("220283203001010031", "不合理"),
        ("220283189912310031", "不合理"),
    ],
)
def test_bad_ids_say_why(number: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        check_id_number(number, today=TODAY)
    assert message in caught.value.messages[0]


def test_wrong_check_char_names_the_right_one():
    first17 = "22028319800517003"
    right = id_check_char(first17)
    wrong = "0" if right != "0" else "1"
    with pytest.raises(ValidationError) as caught:
        check_id_number(first17 + wrong, today=TODAY)
    assert f"末位应为 {right}" in caught.value.messages[0]


def test_known_credit_code():
    # A published code (国家市场监督管理总局's example format) checks.
    assert check_credit_code("91350100M000100Y43") == "91350100M000100Y43"
    assert check_credit_code(" 91350100m000100y43 ") == "91350100M000100Y43"


@given(credit_codes())
def test_valid_credit_codes_always_pass(code: str) -> None:
    assert check_credit_code(code) == code


@given(credit_codes(), st.integers(min_value=0, max_value=17), st.integers(1, 30))
def test_credit_code_single_change_fails(code: str, position: int, shift: int) -> None:
    alphabet = "0123456789" if 2 <= position <= 7 else CREDIT_CHARS
    changed_char = alphabet[(alphabet.index(code[position]) + shift) % len(alphabet)]
    assume(changed_char != code[position])
    with pytest.raises(ValidationError):
        check_credit_code(code[:position] + changed_char + code[position + 1 :])


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("9135010", "18 位"),
        ("91350100M000100YI3", "不能含有字符 I"),
        ("9135A100M000100Y43", "行政区划代码"),
    ],
)
def test_bad_credit_codes_say_why(code: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        check_credit_code(code)
    assert message in caught.value.messages[0]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13904321234", "13904321234"),
        ("139 0432 1234", "13904321234"),
        ("+8613904321234", "13904321234"),
        ("0432-68221234", "043268221234"),
    ],
)
def test_phones(raw: str, expected: str) -> None:
    assert check_phone(raw) == expected


@pytest.mark.parametrize("raw", ["12904321234", "1390432123", "abc", "110"])
def test_bad_phones(raw: str) -> None:
    with pytest.raises(ValidationError):
        check_phone(raw)


@given(id_numbers())
def test_mask_keeps_area_and_last_four(number: str) -> None:
    masked = mask_id_number(number)
    assert masked == number[:6] + "*" * 8 + number[-4:]
    assert redact(f"身份证 {number}，电话 13904321234") == f"身份证 {masked}，电话 139****1234"
