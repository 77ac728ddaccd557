"""Pieces shared by the apps' API schemas and lists: id fields, small references, the page
envelope and keyset pagination (``Keyset``: a stable order and the opaque cursor that continues
it)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _
from ninja import Field, Schema

MAX_ID = 2**63 - 1  # the largest key a BigAutoField (and SQLite) holds
M = TypeVar("M", bound=Model)


def choice_codes(options: type[Any]) -> str:
    """``value（label）`` of every choice, for a field's description in the OpenAPI document."""
    return "、".join(f"{value}（{label}）" for value, label in options.choices)


def record_id(description: str = "记录编号") -> Any:
    return Field(..., ge=1, le=MAX_ID, description=description)


def optional_id(description: str) -> Any:
    return Field(None, ge=1, le=MAX_ID, description=description)


class PlaceOut(Schema):
    path: str
    name: str


class UserRef(Schema):
    id: int
    name: str


class Page(Schema):
    next: str | None = Field(..., description="下一页的游标；没有更多时为 null")


class PageQuery(Schema):
    cursor: str | None = Field(None, max_length=300, description="上一页返回的 next")
    limit: int = Field(50, ge=1, le=200, description="每页条数，最多 200")


class ReasonIn(Schema):
    reason: str = Field(..., max_length=1000, description="理由（记录在案）")


@dataclass(frozen=True)
class Keyset:
    """A stable order of a list and the cursor that continues it: ``(name, kind)`` pairs,
    ``-name`` descending, kind ``str`` | ``int`` | ``datetime``; the last pair is unique."""

    order: tuple[tuple[str, str], ...]

    def encode(self, obj: Model) -> str:
        values: list[Any] = []
        for name, kind in self.order:
            value = getattr(obj, name.lstrip("-"))
            values.append(value.isoformat() if kind == "datetime" else value)
        raw = json.dumps(values, ensure_ascii=False).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def decode(self, cursor: str) -> list[Any]:
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            values = json.loads(raw)
            if not isinstance(values, list) or len(values) != len(self.order):
                raise ValueError
            return [
                _cursor_value(v, kind) for v, (_name, kind) in zip(values, self.order, strict=True)
            ]
        except (binascii.Error, ValueError, TypeError, UnicodeError, OverflowError) as exc:
            raise ValidationError({"cursor": [_("游标无效")]}) from exc

    def after(self, values: Sequence[Any]) -> Q:
        q = Q(pk__in=[])
        for index, (name, _kind) in enumerate(self.order):
            column = name.lstrip("-")
            step = Q(**{f"{column}__{'lt' if name.startswith('-') else 'gt'}": values[index]})
            for (earlier, _k), value in zip(self.order[:index], values[:index], strict=True):
                step &= Q(**{earlier.lstrip("-"): value})
            q |= step
        return q

    def page(
        self, queryset: QuerySet[M], cursor: str | None, limit: int
    ) -> tuple[list[M], str | None]:
        queryset = queryset.order_by(*(name for name, _kind in self.order))
        if cursor:
            queryset = queryset.filter(self.after(self.decode(cursor)))
        rows = list(queryset[: limit + 1])
        more = len(rows) > limit
        rows = rows[:limit]
        return rows, (self.encode(rows[-1]) if more and rows else None)


def _cursor_value(value: Any, kind: str) -> Any:
    if kind == "int":
        if type(value) is not int or not 0 <= value <= MAX_ID:
            raise ValueError
        return value
    if not isinstance(value, str) or "\x00" in value or len(value) > 300:
        raise ValueError
    value.encode()  # a lone surrogate raises UnicodeError
    if kind == "datetime":
        moment = dt.datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError
        return moment
    return value
