"""Turning submitted values (forms, API bodies, import rows) into register field values.

Pure functions, no database: every check that needs only the row is here, so the services and
the bulk import validate the same way. Errors are collected per field and raised together as
one ``ValidationError`` with Chinese messages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from gridgov.core import protection
from gridgov.core.privacy import mask_id_number, mask_phone
from gridgov.registry import choices as c
from gridgov.registry import validators

PERSON_FIELDS = (
    "name",
    "id_type",
    "id_number",
    "gender",
    "birth_date",
    "phone",
    "ethnicity",
    "hukou_place",
    "kind",
    "residence_status",
    "household_no",
    "relation",
    "is_party_member",
    "workplace",
    "note",
)
ROOM_FIELDS = ("unit", "number", "use", "area_m2", "owner_name", "occupancy", "note")
ORGANISATION_FIELDS = (
    "credit_code",
    "name",
    "kind",
    "legal_rep",
    "phone",
    "address",
    "employees",
    "industry",
    "founded_on",
    "state",
    "note",
)


class Errors:
    """Field-level errors gathered while cleaning one record."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.by_field.setdefault(field, []).append(str(message))

    def catch(self, field: str, exc: ValidationError) -> None:
        for message in exc.messages:
            self.add(field, message)

    def absorb(self, exc: ValidationError) -> None:
        """Every field message of a raised ``ValidationError``."""
        if hasattr(exc, "error_dict"):
            for field, messages in exc.message_dict.items():
                for message in messages:
                    self.add(field, message)
        else:
            self.catch("__all__", exc)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


@dataclass(frozen=True)
class Protected:
    cipher: str
    masked: str
    hash: str


def protect_id(number: str) -> Protected:
    return Protected(
        protection.encrypt(number), mask_id_number(number), protection.lookup_hash(number, "id")
    )


def protect_phone(phone: str) -> Protected:
    if not phone:
        return Protected("", "", "")
    return Protected(
        protection.encrypt(phone), mask_phone(phone), protection.lookup_hash(phone, "phone")
    )


def phone_fields(errors: Errors, raw: Any, field: str = "phone") -> dict[str, str]:
    """The protected phone fields of a model (``phone_cipher``, ``phone_masked``,
    ``phone_hash``; all empty for no phone) after checking the number; an invalid number
    goes on ``errors`` under ``field``."""
    phone = "" if raw is None else str(raw).strip()
    if phone:
        try:
            phone = validators.check_phone(phone)
        except ValidationError as exc:
            errors.catch(field, exc)
            phone = ""
    protected = protect_phone(phone)
    return {
        "phone_cipher": protected.cipher,
        "phone_masked": protected.masked,
        "phone_hash": protected.hash,
    }


def id_lookup_hash(raw: str) -> str:
    return protection.lookup_hash(validators.normalise_id_number(raw), "id")


def phone_lookup_hash(raw: str) -> str:
    try:
        return protection.lookup_hash(validators.check_phone(raw), "phone")
    except ValidationError:
        return ""


def text(value: Any, limit: int) -> str:
    if value is None:
        return ""
    return str(value).strip()[:limit]


def _required_text(
    errors: Errors, raw: Mapping[str, Any], field: str, limit: int, label: str
) -> str:
    value = text(raw.get(field), 10_000)
    if not value:
        errors.add(field, _("请填写%(label)s") % {"label": label})
    elif len(value) > limit:
        errors.add(field, _("%(label)s不能超过 %(n)s 个字") % {"label": label, "n": limit})
    return value[:limit]


_CHOICE_MAPS: dict[tuple[str, str | None], tuple[frozenset[str], dict[str, str]]] = {}


def _choice_map(options: type[Any], language: str | None) -> tuple[frozenset[str], dict[str, str]]:
    """The values and the label → value map of a choices class in one language, built once
    rather than per row of a bulk import."""
    key = (f"{options.__module__}.{options.__qualname__}", language)
    found = _CHOICE_MAPS.get(key)
    if found is None:
        found = frozenset(options.values), {str(lab): val for val, lab in options.choices}
        _CHOICE_MAPS[key] = found
    return found


def _choice(
    errors: Errors,
    raw: Mapping[str, Any],
    field: str,
    options: type[Any],
    label: str,
    *,
    default: str | None = None,
    blank: bool = False,
) -> str:
    """A choice given by its value (``floating``) or its Chinese label (流动人口)."""
    value = text(raw.get(field), 50)
    if not value:
        if default is not None or blank:
            return default or ""
        errors.add(field, _("请选择%(label)s") % {"label": label})
        return ""
    values, by_label = _choice_map(options, get_language())
    if value in values:
        return value
    if value in by_label:
        return by_label[value]
    errors.add(
        field,
        _("%(label)s只能是：%(options)s") % {"label": label, "options": "、".join(by_label)},
    )
    return ""


def parse_date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raw = str(value).strip().replace("/", "-").replace(".", "-")
    if len(raw) == 8 and raw.isdigit():
        raw = f"{raw[:4]}-{raw[4:6]}-{raw[6:]}"
    return dt.date.fromisoformat(raw)


def _date(errors: Errors, raw: Mapping[str, Any], field: str, label: str) -> dt.date | None:
    try:
        return parse_date(raw.get(field))
    except ValueError:
        errors.add(field, _("%(label)s应为日期，如 2026-01-31") % {"label": label})
        return None


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return text(value, 10).lower() in {"1", "true", "yes", "y", "是", "√", "on"}


def clean_person(raw: Mapping[str, Any], *, today: dt.date | None = None) -> dict[str, Any]:
    """Field values of a person from submitted values (every field of ``PERSON_FIELDS``;
    missing optional ones take their defaults). Gender and birth date come from a checked ID
    number; a submitted gender or birth date that disagrees with it is an error."""
    errors = Errors()
    out: dict[str, Any] = {}
    out["name"] = _required_text(errors, raw, "name", 50, _("姓名"))
    id_type = _choice(errors, raw, "id_type", c.IdType, _("证件类型"), default=c.IdType.RESIDENT_ID)
    out["id_type"] = id_type
    gender = _choice(errors, raw, "gender", c.Gender, _("性别"), blank=True)
    birth = _date(errors, raw, "birth_date", _("出生日期"))
    number = ""
    if id_type in c.CHECKED_ID_TYPES:
        try:
            facts = validators.check_id_number(text(raw.get("id_number"), 40), today=today)
        except ValidationError as exc:
            errors.catch("id_number", exc)
        else:
            number = facts.number
            if gender and gender != facts.gender:
                errors.add(
                    "gender",
                    _("性别与身份证号码不符：号码表明是%(g)s")
                    % {"g": c.Gender(facts.gender).label},
                )
            if birth and birth != facts.birth_date:
                errors.add(
                    "birth_date",
                    _("出生日期与身份证号码不符：号码表明是 %(d)s")
                    % {"d": facts.birth_date.isoformat()},
                )
            gender, birth = facts.gender, facts.birth_date
    elif id_type:
        try:
            number = validators.check_passport(text(raw.get("id_number"), 40))
        except ValidationError as exc:
            errors.catch("id_number", exc)
        if not gender:
            errors.add("gender", _("请选择性别"))
        if birth is None:
            errors.add("birth_date", _("请填写出生日期"))
        elif birth > (today or dt.date.today()):
            errors.add("birth_date", _("出生日期不能晚于今天"))
    if number:
        protected = protect_id(number)
        out.update(id_cipher=protected.cipher, id_masked=protected.masked, id_hash=protected.hash)
    out["gender"], out["birth_date"] = gender, birth
    phone = text(raw.get("phone"), 40)
    if phone:
        try:
            phone = validators.check_phone(phone)
        except ValidationError as exc:
            errors.catch("phone", exc)
            phone = ""
    protected_phone = protect_phone(phone)
    out.update(
        phone_cipher=protected_phone.cipher,
        phone_masked=protected_phone.masked,
        phone_hash=protected_phone.hash,
    )
    out["ethnicity"] = text(raw.get("ethnicity"), 20)
    out["hukou_place"] = text(raw.get("hukou_place"), 200)
    out["kind"] = _choice(errors, raw, "kind", c.PersonKind, _("人口类型"), default="registered")
    out["residence_status"] = _choice(
        errors, raw, "residence_status", c.ResidenceStatus, _("人户状态"), default="together"
    )
    out["household_no"] = text(raw.get("household_no"), 30)
    out["relation"] = _choice(errors, raw, "relation", c.Relation, _("与户主关系"), blank=True)
    out["is_party_member"] = parse_bool(raw.get("is_party_member"))
    out["workplace"] = text(raw.get("workplace"), 200)
    out["note"] = text(raw.get("note"), 200)
    if out["kind"] == c.PersonKind.FOREIGN and id_type == c.IdType.RESIDENT_ID and number:
        errors.add("kind", _("境外人员应使用护照或外国人永久居留身份证"))
    errors.raise_if_any()
    return out


def clean_room(raw: Mapping[str, Any]) -> dict[str, Any]:
    errors = Errors()
    out: dict[str, Any] = {
        "unit": text(raw.get("unit"), 20),
        "number": _required_text(errors, raw, "number", 20, _("房号")),
        "use": _choice(errors, raw, "use", c.RoomUse, _("用途"), default="home"),
        "owner_name": text(raw.get("owner_name"), 100),
        "occupancy": _choice(errors, raw, "occupancy", c.Occupancy, _("居住状态"), default="owner"),
        "note": text(raw.get("note"), 200),
    }
    area = raw.get("area_m2")
    out["area_m2"] = None
    if area not in (None, ""):
        try:
            value = Decimal(str(area).strip())
        except InvalidOperation:
            errors.add("area_m2", _("面积应为数字（平方米）"))
        else:
            if not (Decimal(0) < value < Decimal(1_000_000)):
                errors.add("area_m2", _("面积应大于 0 且小于 1000000 平方米"))
            else:
                out["area_m2"] = value.quantize(Decimal("0.01"))
    errors.raise_if_any()
    return out


def clean_organisation(raw: Mapping[str, Any], *, today: dt.date | None = None) -> dict[str, Any]:
    errors = Errors()
    out: dict[str, Any] = {}
    try:
        out["credit_code"] = validators.check_credit_code(text(raw.get("credit_code"), 40))
    except ValidationError as exc:
        errors.catch("credit_code", exc)
    out["name"] = _required_text(errors, raw, "name", 200, _("单位名称"))
    out["kind"] = _choice(errors, raw, "kind", c.OrgKind, _("单位类型"))
    out["legal_rep"] = text(raw.get("legal_rep"), 50)
    phone = text(raw.get("phone"), 40)
    if phone:
        try:
            phone = validators.check_phone(phone)
        except ValidationError as exc:
            errors.catch("phone", exc)
            phone = ""
    protected = protect_phone(phone)
    out.update(
        phone_cipher=protected.cipher, phone_masked=protected.masked, phone_hash=protected.hash
    )
    out["address"] = text(raw.get("address"), 200)
    employees = raw.get("employees")
    out["employees"] = 0
    if employees not in (None, ""):
        try:
            out["employees"] = int(str(employees).strip())
            if not 0 <= out["employees"] <= 10_000_000:
                raise ValueError
        except ValueError:
            errors.add("employees", _("从业人数应为不小于 0 的整数"))
    out["industry"] = text(raw.get("industry"), 50)
    out["founded_on"] = _date(errors, raw, "founded_on", _("成立日期"))
    if out["founded_on"] and out["founded_on"] > (today or dt.date.today()):
        errors.add("founded_on", _("成立日期不能晚于今天"))
    out["state"] = _choice(errors, raw, "state", c.OrgState, _("经营状态"), default="operating")
    out["note"] = text(raw.get("note"), 200)
    errors.raise_if_any()
    return out
