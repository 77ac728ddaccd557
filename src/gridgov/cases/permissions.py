"""Who a user is, relative to a case: the workflow's actor kinds, and the post that makes them so."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gridgov.accounts.models import Post
from gridgov.accounts.roles import Role
from gridgov.cases.workflow import Actor, HandlingUnit
from gridgov.regions import codes

# Which roles operate the centre of a region at each level (村站、乡镇中心、县级中心).
OPERATOR_ROLES: dict[str, frozenset[str]] = {
    "village": frozenset({Role.VILLAGE_OPERATOR, Role.GRID_CHIEF}),
    "township": frozenset({Role.TOWNSHIP_OPERATOR}),
    "county": frozenset({Role.COUNTY_OPERATOR}),
    "prefecture": frozenset({Role.COUNTY_OPERATOR}),
}
CENTRE_LEVELS = ("village", "township", "county", "prefecture")


def current_posts(user: Any) -> list[Post]:
    """The user's current posts, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_gridgov_posts", None)
    if cached is None:
        cached = list(
            Post.objects.current().filter(user=user).select_related("region", "department")
        )
        user._gridgov_posts = cached
    return list(cached)


def forget_posts(user: Any) -> None:
    if hasattr(user, "_gridgov_posts"):
        del user._gridgov_posts


def operates(post: Post, region_path: str) -> bool:
    """Whether the post is an operator of the centre at ``region_path``."""
    if post.region is None or post.region.path != region_path:
        return False
    level = codes.level_of_path(region_path)
    return post.role in OPERATOR_ROLES.get(level, frozenset())


def is_member(post: Post, user: Any, unit: HandlingUnit) -> bool:
    """Whether the user, through this post, belongs to a handling unit."""
    if unit.kind == "user":
        return str(user.pk) == unit.ref
    if unit.kind == "department":
        return post.role == Role.DEPARTMENT_HANDLER and str(post.department_id) == unit.ref
    if unit.kind == "centre":
        return operates(post, unit.ref)
    return False


def actor_kinds(
    user: Any,
    *,
    centre_path: str,
    region_path: str,
    lead: HandlingUnit | None,
    co: Iterable[HandlingUnit],
    reported_by_id: int | None,
) -> dict[Actor, Post | None]:
    """Every actor kind the user is for this case, each with the post that grants it."""
    kinds: dict[Actor, Post | None] = {}
    co_units = list(co)
    if reported_by_id is not None and getattr(user, "pk", None) == reported_by_id:
        kinds[Actor.REPORTER] = None
    for post in current_posts(user):
        region = post.region.path if post.region else None
        if operates(post, centre_path):
            kinds.setdefault(Actor.CENTRE, post)
        if lead is not None and is_member(post, user, lead):
            kinds.setdefault(Actor.LEAD, post)
        if any(is_member(post, user, unit) for unit in co_units):
            kinds.setdefault(Actor.CO, post)
        if region is None:
            continue
        if post.role == Role.SUPERVISOR and region_path.startswith(region):
            kinds.setdefault(Actor.SUPERVISOR, post)
        if post.role == Role.LEADER and region_path.startswith(region):
            kinds.setdefault(Actor.LEADER, post)
        if post.role == Role.GRID_WORKER and region_path.startswith(region):
            kinds.setdefault(Actor.GRID, post)
        if (
            centre_path.startswith(region)
            and region != centre_path
            and post.role in OPERATOR_ROLES.get(codes.level_of_path(region), frozenset())
        ):
            kinds.setdefault(Actor.UPPER, post)
    return kinds


def unit_of(post: Post, user: Any, units: Iterable[HandlingUnit]) -> HandlingUnit | None:
    """The first of ``units`` the user belongs to through ``post``."""
    return next((unit for unit in units if is_member(post, user, unit)), None)
