"""Deployment settings of the Open311 endpoint, each with its default."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from gridgov.core.ratelimit import Limit
from gridgov.regions.models import Region

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
DEFAULT_RATE_KEY = Limit(count=60, seconds=60)
DEFAULT_RATE_IP = Limit(count=30, seconds=60)


def jurisdiction_id() -> str:
    """``GRIDGOV_OPEN311_JURISDICTION``, else the code of the deployment's root region."""
    configured = getattr(settings, "GRIDGOV_OPEN311_JURISDICTION", None)
    if configured:
        return str(configured)
    root = Region.objects.filter(parent__isnull=True).order_by("path").only("code").first()
    return root.code if root is not None else ""


def contact() -> str:
    default = _("如需帮助，请联系本级社会治理综合服务中心（综治中心）。")
    return str(getattr(settings, "GRIDGOV_OPEN311_CONTACT", None) or default)


def parse_limit(value: object, default: Limit) -> Limit:
    """A limit from ``"count/seconds"``, ``(count, seconds)`` or a :class:`Limit`."""
    if value is None or value == "":
        return default
    if isinstance(value, Limit):
        return value
    if isinstance(value, str):
        parts: list[object] = list(value.split("/"))
    elif isinstance(value, tuple | list):
        parts = list(value)
    else:
        raise ValueError(f"rate limit {value!r}: expected 'count/seconds'")
    if len(parts) != 2:
        raise ValueError(f"rate limit {value!r}: expected 'count/seconds'")
    count, seconds = (int(str(part).strip()) for part in parts)
    if count < 1 or seconds < 1:
        raise ValueError(f"rate limit {value!r}: count and seconds must be positive")
    return Limit(count=count, seconds=seconds)


def key_limit() -> Limit:
    return parse_limit(getattr(settings, "GRIDGOV_OPEN311_RATE_KEY", None), DEFAULT_RATE_KEY)


def ip_limit() -> Limit:
    return parse_limit(getattr(settings, "GRIDGOV_OPEN311_RATE_IP", None), DEFAULT_RATE_IP)
