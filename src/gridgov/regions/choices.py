from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    PROVINCE = "province", _("省")
    PREFECTURE = "prefecture", _("州/市")
    COUNTY = "county", _("县/市/区")
    TOWNSHIP = "township", _("乡/镇/街道")
    VILLAGE = "village", _("村/社区")
    GRID = "grid", _("网格")
    BUILDING = "building", _("楼栋/屯")


class Kind(models.TextChoices):
    """What sort of node it is within its level."""

    NONE = "", _("—")
    # township level
    STREET = "street", _("街道")
    TOWN = "town", _("镇")
    TOWNSHIP = "township", _("乡")
    # village level
    COMMUNITY = "community", _("社区")
    VILLAGE = "village", _("村")
    # grid level (多网合一: one grid network, with dedicated grids for special places)
    URBAN_GRID = "urban", _("城市社区网格")
    RURAL_GRID = "rural", _("农村网格")
    SCHOOL_GRID = "school", _("专属网格（学校）")
    PARK_GRID = "park", _("专属网格（园区）")
    ENTERPRISE_GRID = "enterprise", _("专属网格（企业）")
    HOSPITAL_GRID = "hospital", _("专属网格（医院）")
    MARKET_GRID = "market", _("专属网格（商圈市场）")
    OTHER_DEDICATED_GRID = "dedicated", _("专属网格（其他）")
    # building level
    BUILDING = "building", _("楼栋")
    HAMLET = "hamlet", _("屯")


KINDS_BY_LEVEL: dict[str, frozenset[str]] = {
    Level.PROVINCE: frozenset({Kind.NONE}),
    Level.PREFECTURE: frozenset({Kind.NONE}),
    Level.COUNTY: frozenset({Kind.NONE}),
    Level.TOWNSHIP: frozenset({Kind.STREET, Kind.TOWN, Kind.TOWNSHIP, Kind.NONE}),
    Level.VILLAGE: frozenset({Kind.COMMUNITY, Kind.VILLAGE}),
    Level.GRID: frozenset(
        {
            Kind.URBAN_GRID,
            Kind.RURAL_GRID,
            Kind.SCHOOL_GRID,
            Kind.PARK_GRID,
            Kind.ENTERPRISE_GRID,
            Kind.HOSPITAL_GRID,
            Kind.MARKET_GRID,
            Kind.OTHER_DEDICATED_GRID,
        }
    ),
    Level.BUILDING: frozenset({Kind.BUILDING, Kind.HAMLET}),
}
DEDICATED_GRID_KINDS = frozenset(KINDS_BY_LEVEL[Level.GRID]) - {Kind.URBAN_GRID, Kind.RURAL_GRID}
