"""Who may reveal protected values of the registers, and where.

Seeing a record follows the one jurisdiction function. Revealing an ID number or phone needs,
in addition, a current post whose role ``may_reveal`` and whose region covers the record; a
leader's or supervisor's post over the same region does not give it, and neither does a system
administrator's (separation of duties). Sensitive tag groups (特殊人群) follow the same rule.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gridgov.core.jurisdiction import minimal_roots, paths_q

if TYPE_CHECKING:
    from django.db.models import Q

_CACHE_ATTR = "_gridgov_reveal_roots"


def reveal_roots(user: Any) -> tuple[str, ...]:
    """The region subtrees in which ``user`` may reveal protected values (cached per user
    object, that is per request)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return ()
    cached = getattr(user, _CACHE_ATTR, None)
    if isinstance(cached, tuple):
        return cached
    from gridgov.accounts.models import Post
    from gridgov.accounts.roles import ROLES

    roots = minimal_roots(
        post.region.path
        for post in Post.objects.current().filter(user=user).select_related("region")
        if post.region is not None and ROLES[post.role].may_reveal
    )
    setattr(user, _CACHE_ATTR, roots)
    return roots


def may_reveal(user: Any, region_path: str) -> bool:
    return any(region_path.startswith(root) for root in reveal_roots(user))


def may_reveal_anywhere(user: Any) -> bool:
    return bool(reveal_roots(user))


def reveal_q(user: Any, lookup: str = "region_path") -> Q:
    """Rows whose ``lookup`` lies where ``user`` may reveal."""
    return paths_q(reveal_roots(user), lookup)


def forget(user: Any) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)
