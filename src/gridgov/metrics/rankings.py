"""Monthly rankings (排名) of townships, villages, departments, grid workers and grids by a
weighted score of their figures.

score = Σ weight × value / Σ weight over the weighted figures the unit has a value for; a
"lower is better" figure (返工率, 重办率) counts as 100 − value. A figure with nothing to divide
by is left out and the remaining weights carry the score; a unit with no weighted figure at
all has no score ("—") and is listed last, unranked. Ties share a rank (1, 2, 2, 4).
Weights come from the ``GRIDGOV_SCORE_WEIGHTS`` setting (environment: ``key=weight,…``).

Grid workers and grids are ranked by their field-work figures (``ops.assessment``: check-in
rate, patrol coverage, valid reports …, weights ``GRIDGOV_WORKER_WEIGHTS``) with the same
``score`` and ``_ranked``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q

from gridgov.accounts.models import Department
from gridgov.metrics.figures import (
    BY_KEY,
    DASH,
    FIGURES,
    TWO_PLACES,
    FigureDef,
    Scope,
    Span,
    Sums,
    Value,
    grouped_sums,
    values_from,
)
from gridgov.regions.models import Region, subtree_q

DEFAULT_WEIGHTS: dict[str, int] = {
    "close_rate": 30,
    "on_time_rate": 30,
    "rework_rate": 20,
    "satisfaction_rate": 20,
}
KINDS = ("township", "village", "department", "grid_worker", "grid")
# what a ranking table shows beside the score
SHOWN: tuple[str, ...] = (
    "received",
    "close_rate",
    "on_time_rate",
    "rework_rate",
    "satisfaction_rate",
    "callback_rate",
    "average_hours",
    "overdue",
)


def parse_weights(raw: Any, figures: Sequence[FigureDef] = FIGURES) -> dict[str, Decimal]:
    """Weights from a mapping or a "key=weight,key=weight" string; only rate figures of
    ``figures`` (the case figures unless told), each a positive number. Raises
    ImproperlyConfigured with the offending part."""
    by_key = BY_KEY if figures is FIGURES else {f.key: f for f in figures}
    if isinstance(raw, str):
        pairs: dict[str, Any] = {}
        for part in filter(None, (p.strip() for p in raw.split(","))):
            key, sep, number = part.partition("=")
            if not sep:
                raise ImproperlyConfigured(f"考核权重 {part!r} 应写成 指标=权重")
            pairs[key.strip()] = number.strip()
        raw = pairs
    weights: dict[str, Decimal] = {}
    for key, number in dict(raw).items():
        figure = by_key.get(key)
        if figure is None or figure.kind != "rate":
            raise ImproperlyConfigured(f"考核权重中的 {key!r} 不是比率类指标")
        try:
            weight = Decimal(str(number))
        except InvalidOperation as error:
            raise ImproperlyConfigured(f"考核权重 {key} 的值 {number!r} 不是数字") from error
        if not weight > 0:
            raise ImproperlyConfigured(f"考核权重 {key} 必须大于零")
        weights[key] = weight
    if not weights:
        raise ImproperlyConfigured("考核权重不能为空")
    return weights


def configured_weights() -> dict[str, Decimal]:
    return parse_weights(getattr(settings, "GRIDGOV_SCORE_WEIGHTS", None) or DEFAULT_WEIGHTS)


def score(values: Sequence[Value], weights: Mapping[str, Decimal]) -> Decimal | None:
    by_key = {v.figure.key: v for v in values}
    total = Decimal(0)
    weight_sum = Decimal(0)
    for key, weight in weights.items():
        value = by_key.get(key)
        if value is None or value.value is None:
            continue
        points = Decimal(100) - value.value if value.figure.better == "down" else value.value
        total += weight * points
        weight_sum += weight
    if not weight_sum:
        return None
    return (total / weight_sum).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


@dataclass
class RankRow:
    key: Any
    label: str
    score: Decimal | None
    values: list[Value] = field(default_factory=list)
    totals: Sums = field(default_factory=dict)
    rank: int | None = None
    note: str = ""  # e.g. the grid of a grid worker
    scope: Scope | None = None  # the unit's own scope (for links to its figures)

    @property
    def score_text(self) -> str:
        return DASH if self.score is None else f"{self.score}"

    def get(self, key: str) -> Value:
        return next(v for v in self.values if v.figure.key == key)


@dataclass
class Ranking:
    kind: str
    title: str
    span: Span
    weights: dict[str, Decimal]
    rows: list[RankRow]
    figures: list[FigureDef]


def _figures(weights: Mapping[str, Decimal]) -> list[FigureDef]:
    keys = list(dict.fromkeys([*SHOWN, *weights]))
    return [f for f in FIGURES if f.key in keys]


def _ranked(rows: list[RankRow]) -> list[RankRow]:
    def order(row: RankRow) -> tuple[int, Decimal, int, str]:
        closed = row.totals.get("closed", 0)
        return (row.score is None, -(row.score or Decimal(0)), -closed, str(row.key))

    rows.sort(key=order)
    previous: Decimal | None = None
    rank = 0
    for position, row in enumerate(rows, start=1):
        if row.score is None:
            continue
        if row.score != previous:
            rank = position
            previous = row.score
        row.rank = rank
    return rows


def _build(
    groups: Mapping[Any, Sums],
    units: Mapping[Any, tuple[str, str, Scope]],
    span: Span,
    weights: Mapping[str, Decimal],
) -> list[RankRow]:
    shown = _figures(weights)
    empty: Sums = {}
    rows = []
    for key, (label, note, scope) in units.items():
        totals = groups.get(key, empty)
        values = values_from(totals, base=scope.case_filter(span), figures=shown)
        rows.append(
            RankRow(
                key=key,
                label=label,
                score=score(values, weights),
                values=values,
                totals=dict(totals),
                note=note,
                scope=scope,
            )
        )
    return _ranked(rows)


def rank(
    kind: str,
    region: Region,
    span: Span,
    *,
    weights: Mapping[str, Decimal] | None = None,
) -> Ranking:
    """The ranking of one kind of unit under ``region`` for ``span``.

    township / village: the townships (villages) inside the region, every one listed even
    without cases; department: the departments that led cases in the region; grid_worker: the
    workers on the field-work roster with a current grid in the region, and grid: the region's
    grids, both by their field-work figures (``ops.assessment``, their own weights)."""
    if kind not in KINDS:
        raise ValueError(f"unknown ranking {kind!r}")
    if kind in ("grid_worker", "grid"):
        from gridgov.ops import assessment

        ranker = assessment.rank_workers if kind == "grid_worker" else assessment.rank_grids
        return ranker(region, span, weights=weights)
    chosen = dict(weights) if weights is not None else configured_weights()
    base = Scope(region=region.path)
    units: dict[Any, tuple[str, str, Scope]] = {}
    if kind in ("township", "village"):
        children = Region.objects.filter(
            Q(level=kind) & subtree_q(region.path, "path"), is_active=True
        ).order_by("path")
        width = len(children[0].path) if children else 0
        groups = grouped_sums(base, span, "child", child_width=width) if width else {}
        units = {c.path: (c.name, "", Scope(region=c.path)) for c in children}
        title = "各乡镇（街道）排名" if kind == "township" else "各村（社区）排名"
    else:
        groups = grouped_sums(base, span, "department")
        departments = Department.objects.filter(pk__in=list(groups)).order_by("code")
        units = {
            d.pk: (d.short_name or d.name, "", Scope(region=region.path, department=d.pk))
            for d in departments
        }
        title = "各部门排名"
    return Ranking(
        kind=kind,
        title=title,
        span=span,
        weights=dict(chosen),
        rows=_build(groups, units, span, chosen),
        figures=_figures(chosen),
    )
