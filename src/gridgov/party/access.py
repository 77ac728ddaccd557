"""Who may do what in party building: one table.

Seeing follows the one jurisdiction function (``restrict(…, "view")``). Changing needs, in
addition, a current post whose role is listed for the action and whose region covers the
record (so leaders and supervisors only look, and a department handler changes nothing but
what their unit registered). A system administrator (and a superuser) may do everything.

| action                                                            | roles                        |
|-------------------------------------------------------------------|------------------------------|
| manage: organisations, members, seats, meetings, attendance,      | county, township and village |
| grid chiefs, service centres, assign registrations, confirm claims| operators; grid chiefs       |
| rate an organisation (post region strictly above it)              | the same                     |
| publish a need, record service hours                              | the same; grid workers       |
| register to serve, claim, report, withdraw                        | the member's staff account;  |
|                                                                   | a handler of the unit; a     |
|                                                                   | manager above                |
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gridgov.accounts.roles import ROLES, Role
from gridgov.core.jurisdiction import minimal_roots

if TYPE_CHECKING:
    from gridgov.party.models import ServiceRegistration

MANAGE = "manage"
RATE = "rate"
PUBLISH = "publish"
RECORD_HOURS = "record_hours"

MANAGER_ROLES: frozenset[str] = frozenset(
    {Role.COUNTY_OPERATOR, Role.TOWNSHIP_OPERATOR, Role.VILLAGE_OPERATOR, Role.GRID_CHIEF}
)

# action → roles whose posts grant it (inside the post's region subtree).
TABLE: dict[str, frozenset[str]] = {
    MANAGE: MANAGER_ROLES,
    RATE: MANAGER_ROLES,  # and only strictly below the post's region
    PUBLISH: MANAGER_ROLES | {Role.GRID_WORKER},
    RECORD_HOURS: MANAGER_ROLES | {Role.GRID_WORKER},
}

_CACHE_ATTR = "_gridgov_party_posts"
EVERYWHERE: tuple[str, ...] = ("",)


def _posts(user: Any) -> tuple[tuple[str, str, int | None], ...]:
    """(role, region path, department id) of the user's current posts, cached per user
    object (that is per request); a system administrator's posts read as everywhere."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return ()
    cached = getattr(user, _CACHE_ATTR, None)
    if isinstance(cached, tuple):
        return cached
    from gridgov.accounts.models import Post

    rows: list[tuple[str, str, int | None]] = []
    for role, path, department_id in (
        Post.objects.current()
        .filter(user=user)
        .values_list("role", "region__path", "department_id")
    ):
        rows.append((role, path or "", department_id))
    posts = tuple(rows)
    setattr(user, _CACHE_ATTR, posts)
    return posts


def forget(user: Any) -> None:
    """Drop the cached posts (after the user's posts change)."""
    if user is not None and hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def is_admin(user: Any) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return any(ROLES[role].sees_everything for role, _path, _dept in _posts(user))


def roots(user: Any, action: str) -> tuple[str, ...]:
    """The region subtrees in which ``user`` may do ``action``."""
    if is_admin(user):
        return EVERYWHERE
    allowed = TABLE[action]
    return minimal_roots(path for role, path, _dept in _posts(user) if role in allowed and path)


def _covers(user: Any, action: str, region_path: str) -> bool:
    return any(region_path.startswith(root) for root in roots(user, action))


def may_manage(user: Any, region_path: str) -> bool:
    """Organisations, members, seats, meetings, attendance, grid chiefs, service centres,
    assigning registrations, confirming claims."""
    return _covers(user, MANAGE, region_path)


def may_manage_anywhere(user: Any) -> bool:
    return bool(roots(user, MANAGE))


def may_rate(user: Any, region_path: str) -> bool:
    """Star rating is done by the level above: the post's region strictly contains the
    organisation's region."""
    if is_admin(user):
        return True
    return any(region_path.startswith(root) and region_path != root for root in roots(user, RATE))


def may_publish(user: Any, region_path: str) -> bool:
    """Publishing (and cancelling) a need: managers, and grid workers in their grid."""
    return _covers(user, PUBLISH, region_path)


def may_publish_anywhere(user: Any) -> bool:
    return bool(roots(user, PUBLISH))


def may_record_hours(user: Any, region_path: str) -> bool:
    return _covers(user, RECORD_HOURS, region_path)


def handles_department(user: Any, department_id: int | None) -> bool:
    """Whether ``user`` holds a current department handler post in the department."""
    if department_id is None:
        return False
    return any(
        role == Role.DEPARTMENT_HANDLER and dept == department_id
        for role, _path, dept in _posts(user)
    )


def may_register(
    user: Any,
    *,
    community_path: str,
    member_user_id: int | None = None,
    unit_id: int | None = None,
) -> bool:
    """Registering to serve (双报到) for a member or unit: the member's staff account, a
    handler of the unit (the member's in-service department), or a manager above."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if member_user_id is not None and member_user_id == user.pk:
        return True
    if handles_department(user, unit_id):
        return True
    return may_manage(user, community_path)


def may_act_for_registration(user: Any, registration: ServiceRegistration) -> bool:
    """Claiming, reporting and withdrawing for a registration, or ending it."""
    member = registration.member
    if member is not None:
        return may_register(
            user,
            community_path=registration.region_path,
            member_user_id=member.user_id,
            unit_id=member.in_service_department_id,
        )
    return may_register(user, community_path=registration.region_path, unit_id=registration.unit_id)
