"""以案定补: the monthly subsidy statement for the people who solve disputes (矛盾纠纷).

Period rule: a dispute (board "JF") counts in the period its closure falls in — ``closed_at``,
local date, both ends included; closure is the verification passing, and a reopened dispute has
no ``closed_at`` until it is closed again, so it is paid once, in the month it is finally
closed. Disputes in the region's subtree count:

- for the mediator (调解员, ``mediation.Mediator``) when the dispute's mediation ended with an
  agreement (达成协议 / 部分达成): the lead mediator of that mediation (the latest such
  mediation when there were several), with or without an account, whoever led the case;
- otherwise for the person who led the case (``lead_user``; self-handled disputes included);
  disputes led by a department or a centre and not mediated to an agreement pay nobody.

So no dispute is paid twice: one line per mediator (name, committee and kind) and one per
lead person. A mediator whose account also led other disputes has both lines, the mediated
ones on the mediator's line and the others on the person's. The amount is the count per
difficulty (the case's, fixed at intake: 简单 / 一般 / 疑难) times the yuan per dispute of the
``GRIDGOV_SUBSIDY`` setting (``simple=50,ordinary=120,difficult=300``), the same for both.

Each count links to the workbench list of exactly the disputes behind it (``CaseFilter``
``mediator=…`` for a mediator's cells; ``lead_user=…&mediation_agreed=false`` for a person's).

绩效补贴 (performance pay, issue 9): the statement also lists every worker on the field-work
roster (``ops``: active, with a current assignment to a grid in the region), with their monthly
assessment score (``ops.assessment.rank_workers``) and a performance amount = full × score ÷ 100
when the score reaches the pass mark, else 0 (``GRIDGOV_WORKER_SUBSIDY``, ``full=600,pass=60``;
a worker with no score gets 0). Roster workers without disputes appear with zero dispute
columns; people who led disputes but are not on the roster keep their line without a score.
The line total (合计（元）) is the dispute subsidy plus the performance pay. Performance pay is
monthly: for a period that is not exactly one calendar month the two columns stay empty.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, Subquery

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
    "考核得分",
    "绩效补贴（元）",
    "合计（件）",
    "合计（元）",
)
SCORE_COLUMN = HEADER.index("考核得分") + 1  # 1-based, as in a worksheet
DEFAULT_PERFORMANCE = "full=600,pass=60"
PERFORMANCE_FIELDS: dict[str, str] = {"full": "满分补贴金额", "pass": "合格分数线"}


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


@dataclass(frozen=True)
class Performance:
    """绩效补贴: ``full`` yuan at a score of 100, paid pro rata from ``pass_mark`` up."""

    full: Decimal
    pass_mark: Decimal

    def amount(self, score: Decimal | None) -> Decimal:
        """full × score ÷ 100 (to the cent, half up) when the score reaches the pass mark."""
        if score is None or score < self.pass_mark:
            return Decimal(0).quantize(CENT)
        return (self.full * score / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def _performance_field(key: str) -> str:
    return f"{key}（{PERFORMANCE_FIELDS[key]}）"


def parse_performance(raw: Any) -> Performance:
    """The performance pay from a mapping or a "full=600,pass=60" string: ``full`` a
    non-negative number of yuan (at most two decimals), ``pass`` a score from 0 to 100. Raises
    ImproperlyConfigured naming the offending part."""
    if isinstance(raw, str):
        pairs: dict[str, Any] = {}
        for part in filter(None, (p.strip() for p in raw.replace("，", ",").split(","))):
            key, sep, number = part.partition("=")
            key = key.strip()
            if not sep or not key:
                raise ImproperlyConfigured(
                    f"绩效补贴标准 {part!r} 应写成 项目=数值，如 {DEFAULT_PERFORMANCE}"
                )
            if key in pairs:
                raise ImproperlyConfigured(f"绩效补贴标准中 {key} 写了两次")
            pairs[key] = number.strip()
        raw = pairs
    elif not isinstance(raw, Mapping):
        raise ImproperlyConfigured(f"绩效补贴标准应写成 {DEFAULT_PERFORMANCE} 的形式")
    values: dict[str, Decimal] = {}
    for key, number in raw.items():
        if key not in PERFORMANCE_FIELDS:
            raise ImproperlyConfigured(
                f"绩效补贴标准中的 {key!r} 不是可设置的项目（应为 full 满分补贴金额、pass 合格分数线）"
            )
        try:
            value = Decimal(str(number).strip()) if not isinstance(number, bool) else None
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            raise ImproperlyConfigured(
                f"绩效补贴标准 {_performance_field(key)} 的值 {number!r} 不是数字"
            )
        values[key] = value
    missing = [k for k in PERFORMANCE_FIELDS if k not in values]
    if missing:
        names = "、".join(_performance_field(k) for k in missing)
        raise ImproperlyConfigured(f"绩效补贴标准缺少 {names}，应写成 {DEFAULT_PERFORMANCE}")
    full, pass_mark = values["full"], values["pass"]
    if full < 0:
        raise ImproperlyConfigured(f"绩效补贴标准 {_performance_field('full')} 不能为负数")
    if full != full.quantize(CENT):
        raise ImproperlyConfigured(
            f"绩效补贴标准 {_performance_field('full')} {full} 最多保留两位小数（分）"
        )
    if not 0 <= pass_mark <= 100:
        raise ImproperlyConfigured(
            f"绩效补贴标准 {_performance_field('pass')} 应在 0 到 100 分之间，现为 {pass_mark}"
        )
    return Performance(full=full.quantize(CENT), pass_mark=pass_mark)


def configured_performance() -> Performance:
    """The ``GRIDGOV_WORKER_SUBSIDY`` setting (the defaults when it is empty)."""
    raw = getattr(settings, "GRIDGOV_WORKER_SUBSIDY", None) or DEFAULT_PERFORMANCE
    return parse_performance(raw)


def is_one_month(span: Span) -> bool:
    """True when the span is exactly one calendar month (however it was written)."""
    return span.start.day == 1 and span.end == Span.month(span.start.year, span.start.month).end


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
    """One person (``user_id``, and ``worker_id`` when on the field-work roster), one mediator
    (``mediator_id``; ``user_id`` stays None) or the totals (``is_total``). ``url`` lists all the person's counted disputes; the totals have no links
    (a case list cannot say "led by some person", only by one). ``score`` and ``performance``
    are None off the roster or when the period is not one month."""

    name: str
    posts: str
    cells: dict[str, Cell]
    user_id: int | None = None
    username: str = ""
    url: str = ""
    worker_id: int | None = None
    score: Decimal | None = None
    performance: Decimal | None = None
    is_total: bool = False
    mediator_id: int | None = None

    @property
    def count(self) -> int:
        return sum(cell.count for cell in self.cells.values())

    @property
    def case_amount(self) -> Decimal:
        """The dispute subsidy (以案定补) alone."""
        return sum((cell.amount for cell in self.cells.values()), Decimal(0)).quantize(CENT)

    @property
    def amount(self) -> Decimal:
        """合计（元）: the dispute subsidy plus the performance pay."""
        return (self.case_amount + (self.performance or 0)).quantize(CENT)


@dataclass(frozen=True)
class Statement:
    region: Region
    span: Span
    amounts: dict[str, Decimal]
    lines: list[Line]
    totals: Line
    performance: Performance | None = None  # None: the period is not one month

    @property
    def title(self) -> str:
        return f"{self.region.name} {self.span.label} 以案定补补贴发放表"

    @property
    def standard(self) -> str:
        """The amounts used, as a sentence."""
        parts = "，".join(f"{_label(d)} {yuan(self.amounts[d])} 元/件" for d in DIFFICULTIES)
        text = f"补贴标准：{parts}"
        if self.performance is not None:
            text += (
                f"；绩效补贴满分 {yuan(self.performance.full)} 元，"
                f"考核得分 {self.performance.pass_mark.normalize():f} 分及以上按得分比例发放"
            )
        return text

    @property
    def rule(self) -> str:
        text = (
            f"统计口径：{self.span.label}内办结（核查通过）的矛盾纠纷案件；经调解达成协议"
            "（含部分达成）的计入主持调解员，其余按主办人计，含网格员自处置；"
            "重办的案件在再次办结的月份计入。"
        )
        if self.performance is None:
            return text + (
                "所选期间不是一个自然月，不计算考核得分和绩效补贴（绩效补贴按月考核发放）。"
            )
        full, mark = yuan(self.performance.full), f"{self.performance.pass_mark.normalize():f}"
        return text + (
            "网格力量名册中本区域在岗、有现任网格的人员按本月考核得分计发绩效补贴："
            f"得分达到 {mark} 分的发 {full} 元 × 得分 ÷ 100，不足 {mark} 分或无得分的不发；"
            "合计（元）= 以案定补 + 绩效补贴。"
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
    region: Region,
    span: Span,
    *,
    amounts: Mapping[str, Any] | str | None = None,
    performance: Mapping[str, Any] | str | None = None,
) -> Statement:
    """The 以案定补 statement of the disputes closed in ``span`` under ``region``, with the
    performance pay of the region's field-work roster for a one-month span: one line per person
    (who led disputes, or is on the roster), sorted by amount (largest first) then name, and a
    totals line."""
    from gridgov.ops import assessment

    chosen = parse_amounts(amounts) if amounts is not None else configured_amounts()
    pay: Performance | None = None
    if is_one_month(span):
        if performance is not None:
            pay = parse_performance(performance)
        else:
            pay = configured_performance()
    cases = _case_filter(region, span, mediation_agreed=False).apply(
        Case.objects.filter(lead_user__isnull=False)
    )
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
    team = assessment.roster(region)
    scores: dict[int, Decimal | None] = {}
    if pay is not None:
        scores = {row.key: row.score for row in assessment.rank_workers(region, span).rows}
    roster_users = {w.user_id for w in team.workers if w.user_id is not None}
    user_ids = sorted(set(counts) | roster_users)
    users = {u.pk: u for u in User.objects.filter(pk__in=user_ids)}
    posts = _posts(region, sorted(set(counts) - roster_users))
    no_disputes = dict.fromkeys(DIFFICULTIES, 0)

    def cells_of(uid: int | None) -> dict[str, Cell]:
        found = counts.get(uid, no_disputes) if uid is not None else no_disputes
        return {
            d: Cell(
                count=found[d],
                amount=(chosen[d] * found[d]).quantize(CENT),
                url=link(
                    _case_filter(region, span, lead_user=uid, difficulty=d, mediation_agreed=False)
                )
                if uid
                else "",
            )
            for d in DIFFICULTIES
        }

    lines = []
    for worker in team.workers:
        uid = worker.user_id
        score = scores.get(worker.pk)
        lines.append(
            Line(
                name=worker.name,
                posts=f"{'、'.join(team.grids[worker.pk])}{worker.get_kind_display()}",
                cells=cells_of(uid),
                user_id=uid,
                username=users[uid].username if uid is not None else "",
                url=link(_case_filter(region, span, lead_user=uid, mediation_agreed=False))
                if uid
                else "",
                worker_id=worker.pk,
                score=score,
                performance=pay.amount(score) if pay is not None else None,
            )
        )
    for uid in sorted(set(counts) - roster_users):
        user = users[uid]
        lines.append(
            Line(
                name=user.full_name or user.username,
                posts=posts.get(uid, ""),
                cells=cells_of(uid),
                user_id=uid,
                username=user.username,
                url=link(_case_filter(region, span, lead_user=uid, mediation_agreed=False)),
            )
        )
    lines.extend(_mediator_lines(region, span, chosen))
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
        performance=(
            sum((line.performance or Decimal(0) for line in lines), Decimal(0)).quantize(CENT)
            if pay is not None
            else None
        ),
        is_total=True,
    )
    return Statement(
        region=region, span=span, amounts=chosen, lines=lines, totals=totals, performance=pay
    )


def _mediator_lines(region: Region, span: Span, chosen: Mapping[str, Decimal]) -> list[Line]:
    """One line per mediator who led a mediation to an agreement on a dispute closed in the
    span: by name, committee and kind, with or without an account."""
    from gridgov.mediation.models import Mediator

    mediated = _case_filter(region, span, mediation_agreed=True).apply(Case.objects.all())
    paid = CaseFilter.agreed_mediations().values("mediator_id")[:1]
    table = (
        mediated.filter(difficulty__in=DIFFICULTIES)
        .annotate(paid_mediator=Subquery(paid))
        .order_by()
        .values("paid_mediator", "difficulty")
        .annotate(n=Count("pk"))
    )
    counts: dict[int, dict[str, int]] = {}
    for row in table:
        counts.setdefault(row["paid_mediator"], dict.fromkeys(DIFFICULTIES, 0))[
            row["difficulty"]
        ] += row["n"]
    mediators = Mediator.objects.filter(pk__in=list(counts)).select_related("committee", "user")
    lines = []
    for mediator in mediators:
        found = counts[mediator.pk]
        lines.append(
            Line(
                name=mediator.name,
                posts=f"{mediator.committee.name}{mediator.get_kind_display()}",
                cells={
                    d: Cell(
                        count=found[d],
                        amount=(chosen[d] * found[d]).quantize(CENT),
                        url=link(_case_filter(region, span, mediator=mediator.pk, difficulty=d)),
                    )
                    for d in DIFFICULTIES
                },
                username=mediator.user.username if mediator.user is not None else "",
                url=link(_case_filter(region, span, mediator=mediator.pk)),
                mediator_id=mediator.pk,
            )
        )
    return lines


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
    return [*row, line.score, line.performance, line.count, line.amount]


def statement_csv(statement: Statement) -> str:
    """The statement as CSV text: the header, one row per person, the totals row (the caller
    writes it as UTF-8 with a BOM so that Excel reads the Chinese)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in _rows(statement):
        writer.writerow(
            ["" if v is None else f"{v:.2f}" if isinstance(v, Decimal) else v for v in row]
        )
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
            if column == SCORE_COLUMN:
                cell.number_format = "0.00"
            elif isinstance(value, Decimal):
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
