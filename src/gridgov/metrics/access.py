"""Who may see which figures. Figures are sums over every case of a scope, so a region's
figures need a post whose own region covers it (``Scope.view_paths``): department staff see
the territory their department serves but only the cases assigned to them, so for them the
region totals would reveal other units' cases; they get their department's figures instead."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from gridgov.accounts.models import Department
from gridgov.core.jurisdiction import restrict, scope_for
from gridgov.regions import selectors as regions
from gridgov.regions.models import Region


def figure_region(user: Any, path: str) -> Region:
    """The region if ``user`` may see its figures, else 404 (as outside the jurisdiction)."""
    region = regions.get_region(user, path)
    if not scope_for(user).covers_path(region.path):
        raise Http404
    return region


def figure_roots(user: Any) -> list[Region]:
    """The top regions whose figures ``user`` may see."""
    scope = scope_for(user)
    return sorted(
        (r for r in regions.root_regions(user) if scope.covers_path(r.path)), key=lambda r: r.path
    )


def figure_departments(user: Any) -> list[Department]:
    """Departments whose figures ``user`` may see: their own, or every department serving a
    region they hold (a county operator sees all the county's departments)."""
    scope = scope_for(user)
    visible = restrict(Department.objects.filter(is_active=True), user)
    if scope.everything:
        return list(visible.order_by("code"))
    return [
        d
        for d in visible.select_related("region").order_by("code")
        if d.pk in scope.view_departments
        or (d.region is not None and scope.covers_path(d.region.path))
    ]


def figure_department(user: Any, department_id: int) -> Department:
    for department in figure_departments(user):
        if department.pk == department_id:
            return department
    raise Http404
