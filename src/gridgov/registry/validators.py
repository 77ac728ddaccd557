"""Checks of the codes in the registers: resident ID numbers (GB 11643), unified social credit
codes (GB 32100) and phone numbers. Each check returns the normalised value (and what the code
says) or raises ``ValidationError`` with a message in Chinese."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# -- resident ID numbers (GB 11643-1999) --------------------------------------------------------

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
# Province-level codes of GB/T 2260, 81/82/83 for the Hong Kong, Macao and Taiwan residence
# permits (港澳台居民居住证) and 9 for the 2023 foreign permanent residence card.
PROVINCES = frozenset(
    {
        *range(11, 16),
        *range(21, 24),
        *range(31, 38),
        *range(41, 47),
        *range(50, 55),
        *range(61, 66),
        71,
        81,
        82,
        83,
        *range(91, 100),
    }
)
EARLIEST_BIRTH = dt.date(1900, 1, 1)
_ID_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")


@dataclass(frozen=True)
class IdFacts:
    number: str
    area_code: str
    birth_date: dt.date
    gender: str  # "male" | "female"


def id_check_char(first17: str) -> str:
    """The check character of an 18-character ID number (ISO 7064 MOD 11-2)."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def normalise_id_number(raw: str) -> str:
    return re.sub(r"\s+", "", raw or "").upper()


def check_id_number(raw: str, *, today: dt.date | None = None) -> IdFacts:
    """Check an 18-character resident ID number; the facts it encodes come back."""
    number = normalise_id_number(raw)
    if not number:
        raise ValidationError(_("请填写身份证号码"))
    if len(number) == 15 and number.isascii() and number.isdigit():
        raise ValidationError(_("15 位旧身份证号码请换成 18 位号码"))
    if not _ID_SHAPE.match(number):
        raise ValidationError(_("身份证号码应为 18 位：17 位数字加 1 位数字或 X"))
    if int(number[:2]) not in PROVINCES:
        raise ValidationError(
            _("身份证号码前两位 %(code)s 不是有效的省级代码") % {"code": number[:2]}
        )
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            _("身份证号码中的出生日期 %(date)s 不存在") % {"date": number[6:14]}
        ) from None
    if birth < EARLIEST_BIRTH or birth > (today or dt.date.today()):
        raise ValidationError(
            _("身份证号码中的出生日期 %(date)s 不合理") % {"date": birth.isoformat()}
        )
    expected = id_check_char(number[:17])
    if number[17] != expected:
        raise ValidationError(_("身份证号码校验位错误：末位应为 %(char)s") % {"char": expected})
    gender = "male" if int(number[16]) % 2 else "female"
    return IdFacts(number=number, area_code=number[:6], birth_date=birth, gender=gender)


# -- unified social credit codes (GB 32100-2015) ------------------------------------------------

CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, Z, S, V
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_SHAPE = re.compile(rf"^[{CREDIT_CHARS}]{{2}}[0-9]{{6}}[{CREDIT_CHARS}]{{10}}$")


def credit_check_char(first17: str) -> str:
    total = sum(
        CREDIT_CHARS.index(char) * weight
        for char, weight in zip(first17, CREDIT_WEIGHTS, strict=True)
    )
    return CREDIT_CHARS[(31 - total % 31) % 31]


def normalise_credit_code(raw: str) -> str:
    return re.sub(r"\s+", "", raw or "").upper()


def check_credit_code(raw: str) -> str:
    """Check an 18-character unified social credit code; the normalised code comes back."""
    code = normalise_credit_code(raw)
    if not code:
        raise ValidationError(_("请填写统一社会信用代码"))
    if len(code) != 18:
        raise ValidationError(_("统一社会信用代码应为 18 位，现为 %(n)s 位") % {"n": len(code)})
    bad = sorted({char for char in code if char not in CREDIT_CHARS})
    if bad:
        raise ValidationError(
            _("统一社会信用代码不能含有字符 %(chars)s（不用 I、O、Z、S、V）")
            % {"chars": "、".join(bad)}
        )
    if not _CREDIT_SHAPE.match(code):
        raise ValidationError(_("统一社会信用代码第 3–8 位应为行政区划代码（6 位数字）"))
    expected = credit_check_char(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _("统一社会信用代码校验位错误：末位应为 %(char)s") % {"char": expected}
        )
    return code


# -- phone numbers ------------------------------------------------------------------------------

_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
_LANDLINE = re.compile(r"^0[0-9]{2,3}[0-9]{7,8}$")


def check_phone(raw: str) -> str:
    """A mainland mobile (11 digits) or a landline with its area code; separators dropped."""
    phone = re.sub(r"[\s\-()（）]", "", raw or "")
    if phone.startswith("+86"):
        phone = phone[3:]
    if not (_MOBILE.match(phone) or _LANDLINE.match(phone)):
        raise ValidationError(_("电话号码应为 11 位手机号或带区号的固定电话（如 0432-68221234）"))
    return phone


# -- other identity documents -------------------------------------------------------------------

_PASSPORT = re.compile(r"^[A-Z0-9]{5,20}$")


def check_passport(raw: str) -> str:
    number = normalise_id_number(raw)
    if not _PASSPORT.match(number):
        raise ValidationError(_("证件号码应为 5–20 位字母或数字"))
    return number
