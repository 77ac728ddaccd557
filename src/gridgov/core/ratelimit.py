"""Rate limits kept in the cache (Redis when ``REDIS_URL`` is set), so every process and
server shares the counts.

Sliding window, approximated from two fixed windows: the count of the current window plus the
previous window's count weighted by how much of it still lies within the last ``seconds``.
Plain fixed windows would let twice the limit through around a window boundary (the end of
one, the start of the next) — and a test or an attacker straddling one would see no limit."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"rate limited, retry after {retry_after}s")


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: int


def client_ip(request: HttpRequest) -> str:
    """The caller's address. Behind a trusted proxy set GRIDGOV_TRUSTED_PROXY_HEADER."""
    from django.conf import settings

    header = getattr(settings, "GRIDGOV_TRUSTED_PROXY_HEADER", "")
    if header:
        forwarded = request.META.get(header, "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return str(request.META.get("REMOTE_ADDR", "") or "unknown")


def client_address(request: HttpRequest) -> str | None:
    """The caller's address as a valid IP for the records (reveal records), else None."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_ipv46_address

    address = client_ip(request)
    try:
        validate_ipv46_address(address)
    except ValidationError:
        return None
    return address


def hit(scope: str, key: str, limit: Limit) -> None:
    """Count one request for (scope, key); raise :class:`RateLimited` past the limit."""
    window, position = divmod(time.time(), limit.seconds)
    prefix = f"gridgov:rl:{scope}:{key}"
    name = f"{prefix}:{int(window)}"
    added = cache.add(name, 1, timeout=2 * limit.seconds + 5)  # read again next window
    count = 1 if added else cache.incr(name)
    previous = int(cache.get(f"{prefix}:{int(window) - 1}", 0))
    still_counted = previous * (1 - position / limit.seconds)
    if count + still_counted > limit.count:
        raise RateLimited(retry_after=max(1, limit.seconds - int(position)))
