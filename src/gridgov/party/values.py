"""Turning submitted party values (forms and JSON alike) into Python values.

Pure functions, no database: each takes the ``Errors`` of the record being cleaned, the raw
mapping and the field name, adds a Chinese message naming the field when the value is wrong,
and returns the parsed value (or ``None``/a default) so that several field errors are
collected and raised together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from gridgov.registry.values import Errors, parse_bool, parse_date, text

__all__ = [
    "Errors",
    "as_id",
    "choice",
    "date_field",
    "datetime_field",
    "decimal_field",
    "flag",
    "int_field",
    "optional_text",
    "parse_bool",
    "parse_date",
    "parse_datetime_value",
    "parse_id",
    "required_text",
    "text",
]

ONE_DECIMAL = Decimal("0.1")


def parse_id(value: Any) -> int | None:
    """An id given as an int or a digit string; ``None`` for empty; ``ValueError`` otherwise."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        if value <= 0:
            raise ValueError(value)
        return value
    raw = str(value).strip()
    if not raw.isdigit() or int(raw) <= 0:
        raise ValueError(value)
    return int(raw)


def as_id(
    errors: Errors, raw: Mapping[str, Any], field: str, *, required: bool = False
) -> int | None:
    try:
        value = parse_id(raw.get(field))
    except ValueError:
        errors.add(field, _("编号格式不对"))
        return None
    if value is None and required:
        errors.add(field, _("请选择"))
    return value


def required_text(
    errors: Errors, raw: Mapping[str, Any], field: str, limit: int, label: str
) -> str:
    value = text(raw.get(field), 100_000)
    if not value:
        errors.add(field, _("请填写%(label)s") % {"label": label})
    elif len(value) > limit:
        errors.add(field, _("%(label)s不能超过 %(n)s 个字") % {"label": label, "n": limit})
    return value[:limit]


def optional_text(
    errors: Errors, raw: Mapping[str, Any], field: str, limit: int, label: str
) -> str:
    value = text(raw.get(field), 100_000)
    if len(value) > limit:
        errors.add(field, _("%(label)s不能超过 %(n)s 个字") % {"label": label, "n": limit})
    return value[:limit]


def choice(
    errors: Errors,
    raw: Mapping[str, Any],
    field: str,
    options: type[Any],
    label: str,
    *,
    default: str | None = None,
) -> str:
    """A value of a ``TextChoices`` class given by value or by its Chinese label."""
    value = text(raw.get(field), 40)
    if not value:
        if default is not None:
            return default
        errors.add(field, _("请选择%(label)s") % {"label": label})
        return ""
    if value in options.values:
        return value
    for option_value, option_label in options.choices:
        if str(option_label) == value:
            return str(option_value)
    errors.add(field, _("%(label)s“%(value)s”无效") % {"label": label, "value": value})
    return ""


def date_field(errors: Errors, raw: Mapping[str, Any], field: str, label: str) -> dt.date | None:
    try:
        value = parse_date(raw.get(field))
    except (TypeError, ValueError):
        errors.add(field, _("%(label)s应为日期，如 2026-01-31") % {"label": label})
        return None
    if value is not None and not 1900 <= value.year <= 2100:
        errors.add(field, _("%(label)s不合理") % {"label": label})
        return None
    return value


def parse_datetime_value(value: Any) -> dt.datetime | None:
    """A datetime (aware, in the current time zone when given without one)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        parsed: dt.datetime | None = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime.combine(value, dt.time())
    else:
        parsed = parse_datetime(str(value).strip().replace("/", "-"))
        if parsed is None:
            raise ValueError(value)
    assert parsed is not None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def datetime_field(
    errors: Errors, raw: Mapping[str, Any], field: str, label: str, *, required: bool = False
) -> dt.datetime | None:
    try:
        value = parse_datetime_value(raw.get(field))
    except (TypeError, ValueError):
        errors.add(field, _("%(label)s应为日期时间，如 2026-01-31 09:30") % {"label": label})
        return None
    if value is None and required:
        errors.add(field, _("请填写%(label)s") % {"label": label})
    return value


def decimal_field(
    errors: Errors,
    raw: Mapping[str, Any],
    field: str,
    label: str,
    *,
    low: Decimal,
    high: Decimal,
    required: bool = True,
) -> Decimal | None:
    """A number with one decimal place between ``low`` and ``high`` (inclusive)."""
    value = raw.get(field)
    if value is None or value == "":
        if required:
            errors.add(field, _("请填写%(label)s") % {"label": label})
        return None
    try:
        if isinstance(value, bool):
            raise InvalidOperation
        number = Decimal(str(value).strip()).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)
        if not number.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors.add(field, _("%(label)s应为数字") % {"label": label})
        return None
    if not low <= number <= high:
        errors.add(
            field,
            _("%(label)s应在 %(low)s 到 %(high)s 之间")
            % {"label": label, "low": low, "high": high},
        )
        return None
    return number


def int_field(
    errors: Errors,
    raw: Mapping[str, Any],
    field: str,
    label: str,
    *,
    low: int,
    high: int,
    default: int | None = None,
) -> int | None:
    value = raw.get(field)
    if value is None or value == "":
        if default is None:
            errors.add(field, _("请填写%(label)s") % {"label": label})
        return default
    try:
        if isinstance(value, bool):
            raise ValueError(value)
        number = int(str(value).strip())
    except ValueError:
        errors.add(field, _("%(label)s应为整数") % {"label": label})
        return None
    if not low <= number <= high:
        errors.add(
            field,
            _("%(label)s应在 %(low)s 到 %(high)s 之间")
            % {"label": label, "low": low, "high": high},
        )
        return None
    return number


def flag(raw: Mapping[str, Any], field: str, default: bool = False) -> bool:
    value = raw.get(field)
    if value is None or value == "":
        return default
    return parse_bool(value)
