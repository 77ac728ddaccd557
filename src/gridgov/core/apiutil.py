"""Small helpers shared by the apps' API routers."""

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _

from gridgov.accounts.models import Resident, User
from gridgov.core.privacy import redact
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


# -- shaping records for the JSON API (the same in every app's API) ---------------------------


def choice_label(options: Any, value: str) -> str:
    """The label of a choice value (the value itself when it is not one of the options)."""
    return str(options(value).label) if value in options.values else value


def free_text(value: str) -> str:
    """Free text as it may leave: resident ID numbers and mobiles in it masked."""
    return redact(value) if value else value


def place(region: Any) -> dict[str, str]:
    """A region as the API shows it: its code path and name."""
    return {"path": region.path, "name": region.name}


def user_name(user: Any) -> str | None:
    return display_name(user) or None
