"""Fixed-window rate limits kept in the cache (Redis when ``REDIS_URL`` is set), so every
process and server shares the counts."""

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


def hit(scope: str, key: str, limit: Limit) -> None:
    """Count one request for (scope, key); raise :class:`RateLimited` past the limit."""
    window = int(time.time() // limit.seconds)
    name = f"gridgov:rl:{scope}:{key}:{window}"
    added = cache.add(name, 1, timeout=limit.seconds + 5)
    count = 1 if added else cache.incr(name)
    if count > limit.count:
        raise RateLimited(retry_after=limit.seconds - int(time.time() % limit.seconds))
