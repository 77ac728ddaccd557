"""以案定补: the monthly subsidy statement for the people who solve disputes (矛盾纠纷).

Period rule: a dispute (board "JF") counts in the period its closure falls in — ``closed_at``,
local date, both ends included; closure is the verification passing, and a reopened dispute has
no ``closed_at`` until it is closed again, so it is paid once, in the month it is finally
closed. It counts for the person who led it (``lead_user``; self-handled disputes included) if
it lies in the region's subtree; disputes led by a department or a centre pay nobody. The
amount is the count per difficulty (the case's, fixed at intake: 简单 / 一般 / 疑难) times the
yuan per dispute of the ``GRIDGOV_SUBSIDY`` setting (``simple=50,ordinary=120,difficult=300``).

There is no mediator (调解员) role, so the statement lists every person who led a closed
dispute, labelled with their current posts in the region. Each count links to the workbench
list of exactly the disputes behind it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count

from gridgov.accounts.models import Post, User
from gridgov.accounts.roles import Role
from gridgov.cases.choices import Difficulty
from gridgov.cases.figures import link
from gridgov.cases.models import Case
from gridgov.cases.selectors import CaseFilter
from gridgov.metrics.figures import Span
from gridgov.regions.models import Region, subtree_q

BOARD = "JF"  # 矛盾纠纷
DIFFICULTIES: tuple[str, ...] = tuple(Difficulty.values)  # simple, ordinary, difficult
DEFAULT_AMOUNTS = "simple=50,ordinary=120,difficult=300"
CENT = Decimal("0.01")
SIGNATURES = "审核人：　　　　　经办人：　　　　　日期："
HEADER: tuple[str, ...] = (
    "序号",
    "姓名",
    "岗位",
    *(f"{Difficulty(d).label}（{unit}）" for d in DIFFICULTIES for unit in ("件", "元")),
    "合计（件）",
    "合计（元）",
)


def _label(difficulty: str) -> str:
    return str(Difficulty(difficulty).label)


def yuan(amount: Decimal) -> str:
    """50 → "50", 12.5 → "12.50"."""
    return f"{amount:.0f}" if amount == amount.to_integral_value() else f"{amount:.2f}"


# ---------------------------------------------------------------------------------------------
# Amounts
# ---------------------------------------------------------------------------------------------


def parse_amounts(raw: Any) -> dict[str, Decimal]:
    """Yuan per dispute by difficulty, from a mapping or a "simple=50,ordinary=120,difficult=300"
    string: all three difficulties, each a non-negative number of yuan (at most two decimals).
    Raises ImproperlyConfigured naming the offending part."""
    if isinstance(raw, str):
        pairs: dict[str, Any] = {}
        for part in filter(None, (p.strip() for p in raw.replace("，", ",").split(","))):
            key, sep, number = part.partition("=")
            key = key.strip()
            if not sep or not key:
                raise ImproperlyConfigured(
                    f"以案定补标准 {part!r} 应写成 难易程度=金额，如 {DEFAULT_AMOUNTS}"
                )
            if key in pairs:
                raise ImproperlyConfigured(f"以案定补标准中 {key} 写了两次")
            pairs[key] = number.strip()
        raw = pairs
    elif not isinstance(raw, Mapping):
        raise ImproperlyConfigured(f"以案定补标准应写成 {DEFAULT_AMOUNTS} 的形式")
    amounts: dict[str, Decimal] = {}
    for key, number in raw.items():
        if key not in DIFFICULTIES:
            raise ImproperlyConfigured(
                f"以案定补标准中的 {key!r} 不是难易程度（应为 simple 简单、ordinary 一般、"
                "difficult 疑难）"
            )
        try:
            amount = Decimal(str(number).strip()) if not isinstance(number, bool) else None
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite():
            raise ImproperlyConfigured(
                f"以案定补标准 {key}（{_label(key)}）的金额 {number!r} 不是数字"
            )
        if amount < 0:
            raise ImproperlyConfigured(f"以案定补标准 {key}（{_label(key)}）的金额不能为负数")
        if amount != amount.quantize(CENT):
            raise ImproperlyConfigured(
                f"以案定补标准 {key}（{_label(key)}）的金额 {number} 最多保留两位小数（分）"
            )
        amounts[key] = amount.quantize(CENT)
    missing = [d for d in DIFFICULTIES if d not in amounts]
    if missing:
        names = "、".join(f"{d}（{_label(d)}）" for d in missing)
        raise ImproperlyConfigured(f"以案定补标准缺少 {names} 的金额，应写成 {DEFAULT_AMOUNTS}")
    return {d: amounts[d] for d in DIFFICULTIES}


def configured_amounts() -> dict[str, Decimal]:
    """The amounts of the ``GRIDGOV_SUBSIDY`` setting (the defaults when it is empty)."""
    return parse_amounts(getattr(settings, "GRIDGOV_SUBSIDY", None) or DEFAULT_AMOUNTS)


# ---------------------------------------------------------------------------------------------
# The statement
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """The disputes of one difficulty on one line: how many, how much, and their list."""

    count: int
    amount: Decimal
    url: str = ""


@dataclass(frozen=True)
class Line:
    """One person (``user_id``) or the totals (``user_id`` None). ``url`` lists all the
    person's counted disputes; the totals have no links (a case list cannot say "led by some
    person", only by one)."""

    name: str
    posts: str
    cells: dict[str, Cell]
    user_id: int | None = None
    username: str = ""
    url: str = ""

    @property
    def count(self) -> int:
        return sum(cell.count for cell in self.cells.values())

    @property
    def amount(self) -> Decimal:
        return sum((cell.amount for cell in self.cells.values()), Decimal(0)).quantize(CENT)


@dataclass(frozen=True)
class Statement:
    region: Region
    span: Span
    amounts: dict[str, Decimal]
    lines: list[Line]
    totals: Line

    @property
    def title(self) -> str:
        return f"{self.region.name} {self.span.label} 以案定补补贴发放表"

    @property
    def standard(self) -> str:
        """The amounts used, as a sentence."""
        parts = "，".join(f"{_label(d)} {yuan(self.amounts[d])} 元/件" for d in DIFFICULTIES)
        return f"补贴标准：{parts}"

    @property
    def rule(self) -> str:
        return (
            f"统计口径：{self.span.label}内办结（核查通过）的矛盾纠纷案件，按主办人计，"
            "含网格员自处置；重办的案件在再次办结的月份计入。"
        )

    @property
    def total(self) -> Decimal:
        return self.totals.amount


def _case_filter(region: Region, span: Span, **narrow: Any) -> CaseFilter:
    return CaseFilter(
        board=BOARD, region=region.path, closed_from=span.start, closed_to=span.end, **narrow
    )


def _post_label(post: Post) -> str:
    title = post.title or str(Role(post.role).label)
    where = ""
    if post.region is not None:
        where = post.region.name
    elif post.department is not None:
        where = post.department.short_name or post.department.name
    return title if where in title else f"{where}{title}"


def _posts(region: Region, user_ids: list[int]) -> dict[int, str]:
    """Each person's current posts in the region (any current post when none is there)."""
    inside = subtree_q(region.path, "region__path") | subtree_q(
        region.path, "department__region__path"
    )
    posts = (
        Post.objects.current()
        .filter(user_id__in=user_ids)
        .select_related("region", "department", "department__region")
        .order_by("region__path", "role", "pk")
    )
    within: dict[int, list[str]] = {}
    elsewhere: dict[int, list[str]] = {}
    inside_ids = set(posts.filter(inside).values_list("pk", flat=True))
    for post in posts:
        bucket = within if post.pk in inside_ids else elsewhere
        labels = bucket.setdefault(post.user_id, [])
        label = _post_label(post)
        if label not in labels:
            labels.append(label)
    return {uid: "、".join(within.get(uid) or elsewhere.get(uid) or []) for uid in user_ids}


def statement(
    region: Region, span: Span, *, amounts: Mapping[str, Any] | str | None = None
) -> Statement:
    """The 以案定补 statement of the disputes closed in ``span`` under ``region``: one line per
    person who led them, sorted by amount (largest first) then name, and a totals line."""
    chosen = parse_amounts(amounts) if amounts is not None else configured_amounts()
    cases = _case_filter(region, span).apply(Case.objects.filter(lead_user__isnull=False))
    counts: dict[int, dict[str, int]] = {}
    table = (
        cases.filter(difficulty__in=DIFFICULTIES)
        .order_by()
        .values("lead_user_id", "difficulty")
        .annotate(n=Count("pk"))
    )
    for row in table:
        counts.setdefault(row["lead_user_id"], dict.fromkeys(DIFFICULTIES, 0))[
            row["difficulty"]
        ] += row["n"]
    user_ids = sorted(counts)
    users = {u.pk: u for u in User.objects.filter(pk__in=user_ids)}
    posts = _posts(region, user_ids)
    lines = []
    for uid in user_ids:
        user = users[uid]
        cells = {
            d: Cell(
                count=counts[uid][d],
                amount=(chosen[d] * counts[uid][d]).quantize(CENT),
                url=link(_case_filter(region, span, lead_user=uid, difficulty=d)),
            )
            for d in DIFFICULTIES
        }
        lines.append(
            Line(
                name=user.full_name or user.username,
                posts=posts.get(uid, ""),
                cells=cells,
                user_id=uid,
                username=user.username,
                url=link(_case_filter(region, span, lead_user=uid)),
            )
        )
    lines.sort(key=lambda line: (-line.amount, line.name, line.username))
    totals = Line(
        name="合计",
        posts="",
        cells={
            d: Cell(
                count=sum(line.cells[d].count for line in lines),
                amount=sum((line.cells[d].amount for line in lines), Decimal(0)).quantize(CENT),
            )
            for d in DIFFICULTIES
        },
    )
    return Statement(region=region, span=span, amounts=chosen, lines=lines, totals=totals)


# ---------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------


def _rows(statement: Statement) -> list[list[Any]]:
    """The table body: one row per person, then the totals row (合计 in the first column)."""
    rows = [_row(i, line.name, line) for i, line in enumerate(statement.lines, start=1)]
    return [*rows, _row(statement.totals.name, "", statement.totals)]


def _row(number: str | int, name: str, line: Line) -> list[Any]:
    row: list[Any] = [number, name, line.posts]
    for d in DIFFICULTIES:
        row += [line.cells[d].count, line.cells[d].amount]
    return [*row, line.count, line.amount]


def statement_csv(statement: Statement) -> str:
    """The statement as CSV text: the header, one row per person, the totals row (the caller
    writes it as UTF-8 with a BOM so that Excel reads the Chinese)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in _rows(statement):
        writer.writerow([f"{v:.2f}" if isinstance(v, Decimal) else v for v in row])
    return out.getvalue()


YUAN_FORMAT = '"¥"#,##0.00'


def statement_xlsx(statement: Statement) -> bytes:
    """The statement as an Excel workbook ready to print and sign: the title, the amounts
    used, the table with its totals row, and the signature line."""
    from openpyxl import Workbook  # type: ignore[import-untyped, unused-ignore]
    from openpyxl.styles import (  # type: ignore[import-untyped, unused-ignore]
        Alignment,
        Border,
        Font,
        Side,
    )
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped, unused-ignore]

    width = len(HEADER)
    book = Workbook()
    sheet = book.active
    sheet.title = "以案定补"
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)

    def merged(row: int, text: str, **style: Any) -> None:
        sheet.cell(row=row, column=1, value=text)
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        for name, value in style.items():
            setattr(sheet.cell(row=row, column=1), name, value)

    merged(1, statement.title, font=Font(bold=True, size=16), alignment=centre)
    sheet.row_dimensions[1].height = 30
    merged(2, statement.standard)
    merged(3, statement.rule, alignment=Alignment(wrap_text=True, vertical="center"))
    sheet.row_dimensions[3].height = 30
    header_row = 4
    for column, text in enumerate(HEADER, start=1):
        cell = sheet.cell(row=header_row, column=column, value=text)
        cell.font = Font(bold=True)
        cell.alignment = centre
        cell.border = border
    rows = _rows(statement)
    for offset, values in enumerate(rows, start=1):
        row = header_row + offset
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=row, column=column, value=value)
            cell.border = border
            if isinstance(value, Decimal):
                cell.number_format = YUAN_FORMAT
            elif isinstance(value, int) and column > 3:
                cell.number_format = "0"
        if offset == len(rows):  # the totals row
            for column in range(1, width + 1):
                sheet.cell(row=row, column=column).font = Font(bold=True)
    last = header_row + len(rows)
    merged(last + 2, SIGNATURES)
    for column, size in enumerate((6, 10, 28, *([9] * (width - 3))), start=1):
        sheet.column_dimensions[get_column_letter(column)].width = size
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{header_row}:{header_row}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
