"""Validation of posts against the role table, shared by services, admin forms and the API."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gridgov.accounts.roles import ROLES, Role
from gridgov.regions.choices import Level

if TYPE_CHECKING:
    from gridgov.accounts.models import Department
    from gridgov.regions.models import Region


def check_post(*, role: str, region: Region | None, department: Department | None) -> None:
    """Raise a field-level ``ValidationError`` when the role cannot sit where it is put."""
    rule = ROLES.get(role)
    if rule is None:
        raise ValidationError({"role": _("未知角色：%(role)s") % {"role": role}})
    label = Role(role).label
    errors: dict[str, str] = {}
    if rule.levels:
        if region is None:
            errors["region"] = _("“%(role)s”岗位必须指定所在区划") % {"role": label}
        elif region.level not in rule.levels:
            allowed = _("、").join(
                str(Level(level).label)
                for level in sorted(rule.levels, key=list(Level.values).index)
            )
            errors["region"] = _("“%(role)s”岗位只能设在%(allowed)s一级，%(name)s是%(level)s") % {
                "role": label,
                "allowed": allowed,
                "name": region.name,
                "level": Level(region.level).label,
            }
    elif region is not None and department is None:
        errors["region"] = _("“%(role)s”岗位不设在区划上") % {"role": label}
    if rule.department == "required" and department is None:
        errors["department"] = _("“%(role)s”岗位必须指定所在部门") % {"role": label}
    if rule.department == "forbidden" and department is not None:
        errors["department"] = _("“%(role)s”岗位不属于部门") % {"role": label}
    if department is not None and not department.is_active:
        errors["department"] = _("部门“%(name)s”已停用") % {"name": department.name}
    if region is not None and not region.is_active:
        errors["region"] = _("区划“%(name)s”已停用") % {"name": region.name}
    if errors:
        raise ValidationError(errors)
