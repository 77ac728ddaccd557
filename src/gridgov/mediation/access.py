"""Who may do what with disputes and mediation: one table.

Seeing follows the one jurisdiction function (``restrict(…, "view")``) on the records'
``region_path``. Changing needs a current post whose role is listed for the action and whose
region covers the record; a system administrator (and a superuser) may do everything.

| action                                                   | roles                              |
|----------------------------------------------------------|------------------------------------|
| organise: committees and mediators                       | county, township, village operators|
| mediate: register a dispute and its parties, mediations, | the operators; grid chiefs and     |
| sessions, outcomes, agreements, confirmations, visits    | grid workers (in their grids); a   |
|                                                          | mediator with an account, on the   |
|                                                          | mediations they lead or join       |
"""

from __future__ import annotations

from typing import Any

from gridgov.accounts.roles import Role
from gridgov.party.access import _posts, is_admin  # the same per-request post cache

ORGANISE = "organise"
MEDIATE = "mediate"
OPERATORS = frozenset({Role.COUNTY_OPERATOR, Role.TOWNSHIP_OPERATOR, Role.VILLAGE_OPERATOR})
TABLE: dict[str, frozenset[str]] = {
    ORGANISE: OPERATORS,
    MEDIATE: OPERATORS | {Role.GRID_CHIEF, Role.GRID_WORKER},
}


def may(user: Any, action: str, region_path: str) -> bool:
    """Whether ``user`` may do ``action`` on a record at ``region_path``."""
    if is_admin(user):
        return True
    allowed = TABLE[action]
    return any(
        role in allowed and path and region_path.startswith(path)
        for role, path, _dept in _posts(user)
    )


def leads_or_joins(user: Any, mediation: Any) -> bool:
    """A mediator with an account works the mediations they lead or join."""
    if not getattr(user, "is_authenticated", False):
        return False
    if mediation.mediator.user_id == user.pk:
        return True
    return bool(mediation.co_mediators.filter(user_id=user.pk).exists())
