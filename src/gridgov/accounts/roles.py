"""The roles a post can carry, as one table read by services, admin, jurisdiction and tests."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COUNTY_OPERATOR = "county_operator", _("市（县）级中心操作员")
    TOWNSHIP_OPERATOR = "township_operator", _("乡镇（街道）中心操作员")
    VILLAGE_OPERATOR = "village_operator", _("村（社区）工作站操作员")
    GRID_CHIEF = "grid_chief", _("网格长")
    GRID_WORKER = "grid_worker", _("网格员")
    DEPARTMENT_HANDLER = "department_handler", _("部门承办人")
    SUPERVISOR = "supervisor", _("督办人员")
    LEADER = "leader", _("领导")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    INTEGRATION = "integration", _("接入系统")


@dataclass(frozen=True)
class RoleRule:
    """What a role is allowed to hold and do.

    ``levels``: region levels where a post of this role may sit (empty: no region).
    ``department``: "required", "optional" or "forbidden".
    ``can_act``: may change records in its scope (a leader only reads).
    ``sees_everything``: scope is the whole deployment (system administrators).
    ``may_reveal``: may reveal masked personal data (ID numbers, phones) of the registers in
    its region, giving a reason that is recorded. System administrators may not (separation of
    duties); leaders, supervisors, department staff and integrations see masked values only.
    """

    levels: frozenset[str]
    department: str = "forbidden"
    can_act: bool = True
    sees_everything: bool = False
    may_reveal: bool = False


ROLES: dict[str, RoleRule] = {
    Role.COUNTY_OPERATOR: RoleRule(levels=frozenset({"prefecture", "county"}), may_reveal=True),
    Role.TOWNSHIP_OPERATOR: RoleRule(levels=frozenset({"township"}), may_reveal=True),
    Role.VILLAGE_OPERATOR: RoleRule(levels=frozenset({"village"}), may_reveal=True),
    # 网格长: usually the party secretary of the township or village, sometimes a grid's head.
    Role.GRID_CHIEF: RoleRule(levels=frozenset({"township", "village", "grid"}), may_reveal=True),
    Role.GRID_WORKER: RoleRule(levels=frozenset({"grid"}), may_reveal=True),
    Role.DEPARTMENT_HANDLER: RoleRule(levels=frozenset(), department="required"),
    # 督办: e.g. the discipline inspection commission at county or township level.
    Role.SUPERVISOR: RoleRule(
        levels=frozenset({"prefecture", "county", "township"}), department="optional"
    ),
    Role.LEADER: RoleRule(
        levels=frozenset({"prefecture", "county", "township", "village"}), can_act=False
    ),
    Role.SYSTEM_ADMIN: RoleRule(levels=frozenset({"prefecture", "county"}), sees_everything=True),
    # 接入系统: the service account of an integration client (12345 hotline, big screen, an
    # upper platform); reads its region and creates cases through the API, takes no actions.
    Role.INTEGRATION: RoleRule(
        levels=frozenset({"prefecture", "county", "township"}), can_act=False
    ),
}
