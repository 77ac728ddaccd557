"""Small helpers shared by the apps' API routers."""

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _

from gridgov.accounts.models import Resident, User
from gridgov.core.ratelimit import Limit, client_ip, hit


def staff(request: HttpRequest) -> User:
    """The staff user (or integration client's service account) behind the request; a
    resident's token is refused with 403."""
    auth = getattr(request, "auth", None)
    if isinstance(auth, Resident) or not isinstance(auth, User):
        raise PermissionDenied(_("此接口仅供工作人员和接入系统使用"))
    return auth


def resident(request: HttpRequest) -> Resident | None:
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, Resident) else None


def limit_setting(name: str, default: tuple[int, int]) -> Limit:
    count, seconds = getattr(settings, name, default)
    return Limit(int(count), int(seconds))


def throttle(
    request: HttpRequest,
    scope: str,
    *,
    account: str | None = None,
    ip_limit: tuple[int, int] = (30, 60),
    account_limit: tuple[int, int] = (10, 60),
) -> None:
    """Per-address and per-account limits for public and login endpoints (settings
    ``GRIDGOV_RATE_<SCOPE>_IP`` / ``_ACCOUNT`` override the defaults)."""
    key = scope.upper().replace("-", "_")
    hit(f"{scope}:ip", client_ip(request), limit_setting(f"GRIDGOV_RATE_{key}_IP", ip_limit))
    if account:
        hit(
            f"{scope}:account", account, limit_setting(f"GRIDGOV_RATE_{key}_ACCOUNT", account_limit)
        )


def display_name(user: Any) -> str:
    return (getattr(user, "full_name", "") or getattr(user, "username", "")) if user else ""


def throttle_code_request(request: HttpRequest, phone: str) -> None:
    """Limits on sending SMS login codes (per address and per phone), shared by the API and
    the resident portal so both count together."""
    from gridgov.accounts.tokens import keyed_hash

    throttle(
        request,
        "otp",
        account=keyed_hash(phone, "phone"),
        ip_limit=(20, 600),
        account_limit=(3, 600),
    )


def throttle_code_check(request: HttpRequest, phone: str) -> None:
    """Limits on checking SMS login codes (per address and per phone)."""
    from gridgov.accounts.tokens import keyed_hash

    throttle(
        request,
        "otp-verify",
        account=keyed_hash(phone, "phone"),
        ip_limit=(30, 600),
        account_limit=(10, 600),
    )
