"""Who may do what in field work: one table.

Seeing follows the one jurisdiction function (``restrict(…, "view")``); in addition a worker
always sees their own roster entry, check-ins, patrols, leave, duties, training and figures
(through ``own_worker``), though their roster entry belongs to the village that manages them.
Changing needs a current post whose role is listed for the action and whose region covers the
record. A system administrator (and a superuser) may do everything.

| action                                                         | roles                           |
|----------------------------------------------------------------|---------------------------------|
| manage: roster, assignments, courses, training sessions and    | county, township and village    |
| attendance, duty rosters, patrol plans, approving leave        | operators; grid chiefs          |
| field: check in and out, start / record / stop a patrol        | the worker themself (their      |
|                                                                | account is linked to the roster)|
| request leave                                                  | the worker themself; managers   |
"""

from __future__ import annotations

from typing import Any

from gridgov.accounts.roles import Role
from gridgov.party.access import _posts, is_admin  # the same per-request post cache

MANAGE = "manage"

MANAGER_ROLES: frozenset[str] = frozenset(
    {Role.COUNTY_OPERATOR, Role.TOWNSHIP_OPERATOR, Role.VILLAGE_OPERATOR, Role.GRID_CHIEF}
)
TABLE: dict[str, frozenset[str]] = {MANAGE: MANAGER_ROLES}
EVERYWHERE: tuple[str, ...] = ("",)


def roots(user: Any, action: str = MANAGE) -> tuple[str, ...]:
    """The region subtrees in which ``user`` may do ``action``."""
    from gridgov.core.jurisdiction import minimal_roots

    if is_admin(user):
        return EVERYWHERE
    allowed = TABLE[action]
    return minimal_roots(path for role, path, _dept in _posts(user) if role in allowed and path)


def may_manage(user: Any, region_path: str) -> bool:
    """Roster, assignments, training, duty rosters, patrol plans, approving leave."""
    return any(region_path.startswith(root) for root in roots(user, MANAGE))


def may_manage_anywhere(user: Any) -> bool:
    return bool(roots(user, MANAGE))


def own_worker(user: Any) -> Any:
    """The active roster entry linked to ``user``'s account, or None."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    from gridgov.ops.choices import WorkerState
    from gridgov.ops.models import Worker

    return (
        Worker.objects.filter(user_id=user.pk, state=WorkerState.ACTIVE)
        .select_related("region")
        .first()
    )


def is_self(user: Any, worker: Any) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and worker.user_id is not None
        and worker.user_id == user.pk
    )


def may_request_leave(user: Any, worker: Any) -> bool:
    return is_self(user, worker) or may_manage(user, worker.region_path)
