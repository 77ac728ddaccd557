"""Exports of the registers as Excel, streamed with openpyxl's write-only mode (rows are written
to a temporary file as they are read in chunks of 2,000; the queryset is never held whole).

ID numbers and phones are exported masked. With a reason, a post that may reveal gets the clear
values of the people in its reveal area through ``services.reveal_people`` (one access record
per person and field); everybody else in the file stays masked. Legal representatives are
masked (张*) where the actor may not reveal, as on the pages.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any, TypeVar

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from gridgov.core.jurisdiction import restrict
from gridgov.core.privacy import mask_name
from gridgov.registry import access, services
from gridgov.registry import choices as c
from gridgov.registry.imports.columns import KINDS, ORGANISATIONS, PEOPLE, ROOMS, kind_label
from gridgov.registry.imports.report import cell
from gridgov.registry.models import Organisation, Person, Room

CHUNK = 2_000
T = TypeVar("T")

PEOPLE_HEADERS = (
    "姓名",
    "证件类型",
    "证件号码",
    "性别",
    "出生日期",
    "联系电话",
    "民族",
    "户籍地",
    "人口类型",
    "人户状态",
    "户号",
    "与户主关系",
    "党员",
    "工作单位",
    "所在网格/楼栋代码",
    "所在网格/楼栋",
    "单元",
    "房号",
    "状态",
    "备注",
)
ROOM_HEADERS = (
    "楼栋代码",
    "楼栋名称",
    "单元",
    "房号",
    "用途",
    "面积（平方米）",
    "产权人",
    "居住状态",
    "居住人数",
    "备注",
)
ORGANISATION_HEADERS = (
    "统一社会信用代码",
    "单位名称",
    "单位类型",
    "法定代表人",
    "联系电话",
    "地址",
    "所在网格/楼栋代码",
    "所在网格/楼栋",
    "专属网格代码",
    "从业人数",
    "行业",
    "成立日期",
    "经营状态",
    "备注",
)
WIDTHS = {"证件号码": 22, "统一社会信用代码": 22, "所在网格/楼栋代码": 20, "楼栋代码": 20}


def _chunks(items: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _label(options: Any, value: str) -> str:
    try:
        return str(options(value).label)
    except ValueError:
        return value


def _people_rows(actor: Any, queryset: QuerySet[Person], reason: str) -> Iterator[list[Any]]:
    reveal = bool(reason) and access.may_reveal_anywhere(actor)
    people = queryset.select_related("region", "room").order_by("region_path", "household_no", "pk")
    for chunk in _chunks(people.iterator(chunk_size=CHUNK)):
        clear: dict[int, tuple[str, str]] = (
            services.reveal_people(actor=actor, people=chunk, reason=reason) if reveal else {}
        )
        for person in chunk:
            id_number, phone = clear.get(person.pk, (person.id_masked, person.phone_masked))
            yield [
                person.name,
                _label(c.IdType, person.id_type),
                id_number,
                _label(c.Gender, person.gender),
                person.birth_date,
                phone,
                person.ethnicity,
                person.hukou_place,
                _label(c.PersonKind, person.kind),
                _label(c.ResidenceStatus, person.residence_status),
                person.household_no,
                _label(c.Relation, person.relation) if person.relation else "",
                _("是") if person.is_party_member else _("否"),
                person.workplace,
                person.region.code,
                person.region.name,
                person.room.unit if person.room else "",
                person.room.number if person.room else "",
                _label(c.PersonState, person.state),
                person.note,
            ]


def _room_rows(queryset: QuerySet[Room]) -> Iterator[list[Any]]:
    rooms = queryset.select_related("building", "owner")
    if "residents_count" not in rooms.query.annotations:
        rooms = rooms.annotate(
            residents_count=Count("residents", filter=Q(residents__state=c.PersonState.ACTIVE))
        )
    for room in rooms.order_by("region_path", "unit", "number").iterator(chunk_size=CHUNK):
        owner = room.owner_name or (room.owner.name if room.owner else "")
        yield [
            room.building.code,
            room.building.name,
            room.unit,
            room.number,
            _label(c.RoomUse, room.use),
            float(room.area_m2) if room.area_m2 is not None else None,
            owner,
            _label(c.Occupancy, room.occupancy),
            room.residents_count,  # type: ignore[attr-defined]
            room.note,
        ]


def _organisation_rows(actor: Any, queryset: QuerySet[Organisation]) -> Iterator[list[Any]]:
    orgs = queryset.select_related("region", "dedicated_grid").order_by("region_path", "name")
    for org in orgs.iterator(chunk_size=CHUNK):
        legal_rep = (
            org.legal_rep if access.may_reveal(actor, org.region_path) else mask_name(org.legal_rep)
        )
        yield [
            org.credit_code,
            org.name,
            _label(c.OrgKind, org.kind),
            legal_rep,
            org.phone_masked,
            org.address,
            org.region.code,
            org.region.name,
            org.dedicated_grid.code if org.dedicated_grid else "",
            org.employees,
            org.industry,
            org.founded_on,
            _label(c.OrgState, org.state),
            org.note,
        ]


def export_xlsx(
    *, actor: Any, kind: str, queryset: QuerySet[Any], reveal_reason: str | None = ""
) -> bytes:
    """The records of ``queryset`` (narrowed again to what ``actor`` may see) as an xlsx
    workbook. ``reveal_reason``: clear ID numbers and phones of people, for a post that may
    reveal them; each revealed value is recorded."""
    from openpyxl import Workbook  # type: ignore[import-untyped, unused-ignore]
    from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped, unused-ignore]
    from openpyxl.styles import Font  # type: ignore[import-untyped, unused-ignore]
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped, unused-ignore]

    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    reason = (reveal_reason or "").strip()
    visible = restrict(queryset, actor, "view")
    with translation.override(settings.LANGUAGE_CODE):
        headers: tuple[str, ...]
        rows: Iterator[list[Any]]
        if kind == PEOPLE:
            headers, rows = PEOPLE_HEADERS, _people_rows(actor, visible, reason)
        elif kind == ROOMS:
            headers, rows = ROOM_HEADERS, _room_rows(visible)
        else:
            assert kind == ORGANISATIONS
            headers, rows = ORGANISATION_HEADERS, _organisation_rows(actor, visible)
        book = Workbook(write_only=True)
        sheet = book.create_sheet(kind_label(kind))
        for index, header in enumerate(headers, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = WIDTHS.get(header, 14)
        sheet.freeze_panes = "A2"
        bold = Font(bold=True)
        titles = []
        for header in headers:
            title = WriteOnlyCell(sheet, value=header)
            title.font = bold
            titles.append(title)
        sheet.append(titles)
        for row in rows:
            sheet.append([cell(sheet, value) for value in row])
        out = io.BytesIO()
        book.save(out)
    return out.getvalue()
