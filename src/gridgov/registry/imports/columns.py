"""The columns of the import files, one list per kind: the Chinese header (the file format, the
same whatever the interface language), the field it fills, whether it is required, the labels a
choice column accepts, an example and the explanation printed on the template's second sheet.

Headers are matched leniently: spaces, ``*`` (the required marker), ``（必填）`` and the width of
brackets do not matter, and a column may also be named by its field name or a common alias.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import TextChoices
from django.utils.translation import gettext as _

from gridgov.registry import choices as c
from gridgov.registry.validators import credit_check_char, id_check_char

PEOPLE = "people"
ROOMS = "rooms"
ORGANISATIONS = "organisations"
KINDS = (PEOPLE, ROOMS, ORGANISATIONS)

YES_NO = ("是", "否")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    choices: tuple[str, ...] = ()
    example: str = ""
    help: str = ""
    code: bool = False  # a code or number kept as text (ID numbers, phones, region codes)
    aliases: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        """The header as the template writes it: required columns end with ``*``."""
        return f"{self.header}*" if self.required else self.header


def _labels(options: type[TextChoices]) -> tuple[str, ...]:
    return tuple(str(label) for label in options.labels)


def _example_id() -> str:
    first17 = "22028319800517001"
    return first17 + id_check_char(first17)


def _example_credit_code() -> str:
    first17 = "91220283MA0000001"
    return first17 + credit_check_char(first17)


EXAMPLE_BUILDING = "220283001001001001"
EXAMPLE_GRID = "220283001001001"


def people_columns() -> tuple[Column, ...]:
    return (
        Column("name", "姓名", True, example="张建国", help=_("不超过 50 个字")),
        Column(
            "id_type",
            "证件类型",
            choices=_labels(c.IdType),
            example="居民身份证",
            help=_("不填按居民身份证"),
        ),
        Column(
            "id_number",
            "证件号码",
            True,
            example=_example_id(),
            help=_(
                "居民身份证、居住证为 18 位并核对校验位；护照为 5–20 位字母或数字。"
                "请保持文本格式，否则 Excel 会丢失末几位"
            ),
            code=True,
            aliases=("身份证号码", "身份证号", "公民身份号码"),
        ),
        Column(
            "gender",
            "性别",
            choices=_labels(c.Gender),
            example="男",
            help=_("身份证件可不填，由号码确定；填写时须与号码一致；护照必填"),
        ),
        Column(
            "birth_date",
            "出生日期",
            example="1980-05-17",
            help=_("如 1980-05-17；身份证件可不填，填写时须与号码一致；护照必填"),
        ),
        Column(
            "phone",
            "联系电话",
            example="13904321234",
            help=_("11 位手机号或带区号的固定电话"),
            code=True,
            aliases=("电话", "手机号", "手机号码"),
        ),
        Column("ethnicity", "民族", example="汉族"),
        Column("hukou_place", "户籍地", example="吉林省舒兰市"),
        Column("kind", "人口类型", choices=_labels(c.PersonKind), example="户籍人口"),
        Column(
            "residence_status",
            "人户状态",
            choices=_labels(c.ResidenceStatus),
            example="人户同在",
        ),
        Column("household_no", "户号", example="2202830010001", code=True),
        Column("relation", "与户主关系", choices=_labels(c.Relation), example="户主"),
        Column("is_party_member", "党员", choices=YES_NO, example="否", help=_("是 或 否")),
        Column("workplace", "工作单位", example="舒兰市第一中学"),
        Column(
            "region",
            "所在网格/楼栋代码",
            True,
            example=EXAMPLE_BUILDING,
            help=_("15 位网格代码或 18 位楼栋代码，须在您的辖区内；填写房号时应为楼栋代码"),
            code=True,
            aliases=("网格/楼栋代码", "楼栋代码", "网格代码", "所在网格", "所在楼栋"),
        ),
        Column("unit", "单元", example="1", help=_("可不填；填写时须同时填写房号")),
        Column(
            "room_number",
            "房号",
            example="101",
            help=_("可不填；填写时须是该楼栋已登记的房屋（先导入房屋）"),
            code=True,
        ),
        Column("note", "备注", help=_("不超过 200 个字")),
    )


def room_columns() -> tuple[Column, ...]:
    return (
        Column(
            "building",
            "楼栋代码",
            True,
            example=EXAMPLE_BUILDING,
            help=_("18 位楼栋（屯）代码，须在您的辖区内"),
            code=True,
            aliases=("所在楼栋代码", "所在网格/楼栋代码", "楼栋/屯代码"),
        ),
        Column("unit", "单元", example="1"),
        Column("number", "房号", True, example="101", code=True, help=_("同一楼栋同一单元不重复")),
        Column("use", "用途", choices=_labels(c.RoomUse), example="住宅", help=_("不填按住宅")),
        Column(
            "area_m2",
            "面积（平方米）",
            example="86.5",
            help=_("大于 0 的数字"),
            aliases=("面积", "建筑面积"),
        ),
        Column("owner_name", "产权人", example="张建国"),
        Column(
            "owner_id_number",
            "产权人证件号码",
            example="",
            help=_("可不填；填写时须是已登记的人员"),
            code=True,
        ),
        Column(
            "occupancy",
            "居住状态",
            choices=_labels(c.Occupancy),
            example="自住",
            help=_("不填按自住"),
        ),
        Column("note", "备注"),
    )


def organisation_columns() -> tuple[Column, ...]:
    return (
        Column(
            "credit_code",
            "统一社会信用代码",
            True,
            example=_example_credit_code(),
            help=_("18 位，核对校验位"),
            code=True,
            aliases=("信用代码",),
        ),
        Column("name", "单位名称", True, example="舒兰市示例商贸有限公司", aliases=("名称",)),
        Column("kind", "单位类型", True, choices=_labels(c.OrgKind), example="企业"),
        Column("legal_rep", "法定代表人", example="李明", aliases=("法人代表",)),
        Column("phone", "联系电话", example="043268221234", code=True, aliases=("电话",)),
        Column("address", "地址", example="舒兰市北城街道示例路 1 号"),
        Column(
            "region",
            "所在网格/楼栋代码",
            True,
            example=EXAMPLE_GRID,
            help=_("15 位网格代码或 18 位楼栋代码，须在您的辖区内"),
            code=True,
            aliases=("网格/楼栋代码", "楼栋代码", "网格代码", "所在网格"),
        ),
        Column(
            "dedicated_grid",
            "专属网格代码",
            help=_("可不填；学校、园区、企业等专属网格的 15 位代码"),
            code=True,
        ),
        Column("employees", "从业人数", example="25", help=_("不小于 0 的整数")),
        Column("industry", "行业", example="批发和零售业"),
        Column("founded_on", "成立日期", example="2015-03-01", help=_("如 2015-03-01")),
        Column("state", "经营状态", choices=_labels(c.OrgState), example="在营"),
        Column("note", "备注"),
    )


def columns_of(kind: str) -> tuple[Column, ...]:
    if kind == PEOPLE:
        return people_columns()
    if kind == ROOMS:
        return room_columns()
    if kind == ORGANISATIONS:
        return organisation_columns()
    raise ValueError(kind)


def kind_label(kind: str) -> str:
    return {PEOPLE: _("实有人口"), ROOMS: _("实有房屋"), ORGANISATIONS: _("法人单位")}[kind]


# -- header matching ----------------------------------------------------------------------------

_NOISE = re.compile(r"[\s*＊]|[(（]必填[)）]")
_WIDE = str.maketrans("（）／", "()/")
IGNORED = frozenset({"序号", "编号", "行号"})


def normalise_header(value: object) -> str:
    text = "" if value is None else str(value)
    return _NOISE.sub("", text.translate(_WIDE)).lower()


@dataclass(frozen=True)
class HeaderProblem:
    column: str
    message: str


def match_header(
    cells: Sequence[object], columns: Sequence[Column]
) -> tuple[dict[int, Column], list[HeaderProblem]]:
    """Which file column fills which field; problems are unknown, repeated and missing
    required columns."""
    names: dict[str, Column] = {}
    for column in columns:
        for name in (column.header, column.key, *column.aliases):
            names.setdefault(normalise_header(name), column)
    found: dict[int, Column] = {}
    seen: dict[str, int] = {}
    problems: list[HeaderProblem] = []
    for index, cell in enumerate(cells):
        name = normalise_header(cell)
        if not name or name in IGNORED:
            continue
        known = names.get(name)
        if known is None:
            problems.append(
                HeaderProblem(str(cell).strip(), _("无法识别的列名，请使用模板中的列名"))
            )
            continue
        if known.key in seen:
            problems.append(HeaderProblem(known.header, _("这一列重复出现")))
            continue
        seen[known.key] = index
        found[index] = known
    for column in columns:
        if column.required and column.key not in seen:
            problems.append(HeaderProblem(column.header, _("缺少必填列")))
    return found, problems
