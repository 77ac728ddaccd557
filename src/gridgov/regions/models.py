"""The one region tree: prefecture → county → township → village → grid → building."""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.core.jurisdiction import JurisdictionFields
from gridgov.regions import codes
from gridgov.regions.choices import KINDS_BY_LEVEL, Kind, Level


class RegionQuerySet(models.QuerySet["Region"]):
    def subtree(self, path: str, *, include_self: bool = True) -> RegionQuerySet:
        """Nodes whose path starts with ``path``: one index range scan, no recursion."""
        return self.filter(subtree_q(path, "path", include_self=include_self))

    def grids(self) -> RegionQuerySet:
        return self.filter(level=Level.GRID)

    def active(self) -> RegionQuerySet:
        return self.filter(is_active=True)


def subtree_q(path: str, field: str, *, include_self: bool = True) -> models.Q:
    """A ``Q`` for rows whose ``field`` (a region path) lies in the subtree of ``path``."""
    upper = codes.next_prefix(path)
    lower_lookup = "gte" if include_self else "gt"
    q = models.Q(**{f"{field}__{lower_lookup}": path})
    if upper is not None:
        q &= models.Q(**{f"{field}__lt": upper})
    return q


class Region(models.Model):
    code = models.CharField(_("代码"), max_length=18, unique=True)
    path = models.CharField(
        _("路径"),
        max_length=18,
        unique=True,
        help_text=_("代码按层级截取的前缀；子树查询用索引范围扫描。"),
    )
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=12, choices=Level.choices, db_index=True)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices, blank=True, default="")
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    # Grid attributes (also summed upward for villages and townships when known).
    households = models.PositiveIntegerField(_("服务户数"), default=0)
    population = models.PositiveIntegerField(_("服务人口"), default=0)
    dedicated_to = models.CharField(
        _("专属对象"), max_length=100, blank=True, help_text=_("专属网格服务的学校、园区、企业等")
    )
    # Geometry, WGS-84, GeoJSON (Polygon or MultiPolygon); see docs/geometry.md.
    geometry = models.JSONField(_("边界"), null=True, blank=True)
    area_km2 = models.FloatField(_("面积（平方公里）"), null=True, blank=True)
    label_lng = models.FloatField(_("标注点经度"), null=True, blank=True)
    label_lat = models.FloatField(_("标注点纬度"), null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = RegionQuerySet.as_manager()
    jurisdiction_fields: ClassVar[JurisdictionFields] = JurisdictionFields(
        region_path="path", territory=True
    )

    class Meta:
        verbose_name = _("区划")
        verbose_name_plural = _("区划")
        ordering = ["path"]
        indexes = [models.Index(fields=["level", "path"], name="region_level_path")]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        try:
            expected_level = codes.level_of_path(self.path)
        except codes.CodeError as exc:
            raise ValidationError({"code": str(exc)}) from exc
        if self.level != expected_level:
            errors["level"] = _("代码 %(code)s 对应的层级是“%(level)s”") % {
                "code": self.code,
                "level": Level(expected_level).label,
            }
        if self.kind not in KINDS_BY_LEVEL.get(self.level, frozenset()):
            errors["kind"] = _("类型与层级不符")
        if (
            self.parent_id is not None
            and self.parent is not None
            and (not self.path.startswith(self.parent.path) or self.path == self.parent.path)
        ):
            errors["parent"] = _("上级 %(parent)s 的代码不是本级代码的前缀") % {
                "parent": self.parent.code
            }
        if errors:
            raise ValidationError(errors)

    @property
    def is_grid(self) -> bool:
        return self.level == Level.GRID

    def ancestor_paths(self) -> list[str]:
        return list(codes.ancestor_paths(self.path))


class Grid(Region):
    """The grid level of the region tree, for the admin and for readable code."""

    class Meta:
        proxy = True
        verbose_name = _("网格")
        verbose_name_plural = _("网格")
