"""The one jurisdiction function: which regions and records a user may see and act on.

A user's scope is the union of the subtrees of the regions of their active posts, plus the
records assigned to their departments. Every queryset that reaches a user passes through
:func:`restrict`. A model declares how it maps onto the region tree with ``jurisdiction_fields``
or, where the mapping is not a plain field, a ``restrict_to_scope`` classmethod.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from gridgov.accounts.models import User

Action = Literal["view", "act"]
M = TypeVar("M", bound=models.Model)
_CACHE_ATTR = "_gridgov_scope"


@dataclass(frozen=True)
class JurisdictionFields:
    """How a model's rows map onto the region tree and departments.

    ``region_path``: a lookup that yields the row's region path (``"region__path"``).
    ``department``: a lookup that yields the id of the department the row is assigned to.
    ``territory``: the row *is* territory (the region tree): department staff may view the
    territory their department serves, though they see only the records assigned to them.
    """

    region_path: str | None = None
    department: str | None = None
    territory: bool = False


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    view_paths: tuple[str, ...] = ()
    act_paths: tuple[str, ...] = ()
    view_departments: frozenset[int] = field(default_factory=frozenset)
    act_departments: frozenset[int] = field(default_factory=frozenset)
    territory_paths: tuple[str, ...] = ()

    def paths(self, action: Action) -> tuple[str, ...]:
        return self.view_paths if action == "view" else self.act_paths

    def departments(self, action: Action) -> frozenset[int]:
        return self.view_departments if action == "view" else self.act_departments

    def covers_path(self, path: str, action: Action = "view") -> bool:
        return self.everything or any(path.startswith(root) for root in self.paths(action))

    @property
    def is_empty(self) -> bool:
        return not (self.everything or self.view_paths or self.view_departments)


NOTHING = Scope()
EVERYTHING = Scope(everything=True)


def minimal_roots(paths: Iterable[str]) -> tuple[str, ...]:
    """Drop every path that lies inside another one: the union of subtrees stays the same."""
    roots: list[str] = []
    for path in sorted(set(paths)):
        if not roots or not path.startswith(roots[-1]):
            roots.append(path)
    return tuple(roots)


def scope_for(user: User | AnonymousUser | None) -> Scope:
    """The user's scope, computed once per user object (that is, once per request)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    cached = getattr(user, _CACHE_ATTR, None)
    if isinstance(cached, Scope):
        return cached
    scope = _compute_scope(user)
    setattr(user, _CACHE_ATTR, scope)
    return scope


def forget_scope(user: Any) -> None:
    """Drop a cached scope (after the user's posts change)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def _compute_scope(user: User) -> Scope:
    from gridgov.accounts.models import Post
    from gridgov.accounts.roles import ROLES

    if user.is_superuser:
        return EVERYTHING
    view_paths: list[str] = []
    act_paths: list[str] = []
    view_departments: set[int] = set()
    act_departments: set[int] = set()
    territory: list[str] = []
    posts = Post.objects.current().filter(user=user).select_related("region", "department__region")
    for post in posts:
        role = ROLES[post.role]
        if role.sees_everything:
            return EVERYTHING
        if post.region is not None:
            view_paths.append(post.region.path)
            if role.can_act:
                act_paths.append(post.region.path)
        if post.department is not None:
            view_departments.add(post.department.pk)
            if role.can_act:
                act_departments.add(post.department.pk)
            if post.department.region is not None:
                territory.append(post.department.region.path)
    return Scope(
        view_paths=minimal_roots(view_paths),
        act_paths=minimal_roots(act_paths),
        view_departments=frozenset(view_departments),
        act_departments=frozenset(act_departments),
        territory_paths=minimal_roots([*view_paths, *territory]),
    )


def paths_q(roots: Iterable[str], lookup: str) -> Q:
    """Rows whose ``lookup`` lies in any of the subtrees rooted at ``roots``; empty → nothing."""
    from gridgov.regions.models import subtree_q

    q = Q(pk__in=[])
    for root in roots:
        q |= subtree_q(root, lookup)
    return q


def scope_q(model: type[models.Model], scope: Scope, action: Action = "view") -> Q:
    spec: JurisdictionFields | None = getattr(model, "jurisdiction_fields", None)
    if spec is None:
        raise TypeError(f"{model.__name__} declares no jurisdiction_fields")
    q = Q(pk__in=[])
    if spec.region_path is not None:
        roots = (
            scope.territory_paths if spec.territory and action == "view" else scope.paths(action)
        )
        q |= paths_q(roots, spec.region_path)
    if spec.department is not None and scope.departments(action):
        q |= Q(**{f"{spec.department}__in": sorted(scope.departments(action))})
    return q


def restrict(
    queryset: models.QuerySet[M], user: User | AnonymousUser | None, action: Action = "view"
) -> models.QuerySet[M]:
    """The part of ``queryset`` that ``user`` may see (``view``) or act on (``act``)."""
    scope = scope_for(user)
    if scope.everything:
        return queryset
    if scope.is_empty:
        return queryset.none()
    custom = getattr(queryset.model, "restrict_to_scope", None)
    if custom is not None:
        return custom(queryset, scope, action, user)
    return queryset.filter(scope_q(queryset.model, scope, action))


def can(user: User | AnonymousUser | None, obj: models.Model, action: Action = "view") -> bool:
    """Whether ``user`` may see or act on one object (the same rule as :func:`restrict`)."""
    model = type(obj)
    return restrict(model._default_manager.filter(pk=obj.pk), user, action).exists()
