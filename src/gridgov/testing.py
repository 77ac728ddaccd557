"""Helpers for tests: fetch demo objects and make staff with posts in one line."""

from __future__ import annotations

from itertools import count
from typing import Any

from shapely.geometry import box, mapping

from gridgov.accounts.models import Department, User
from gridgov.accounts.services import assign_post, create_staff_user
from gridgov.regions.models import Region

PASSWORD = "Test-password-2026"  # noqa: S105
_serial = count(1)


def region(path: str) -> Region:
    return Region.objects.get(path=path)


def staff(
    role: str,
    *,
    region: Region | None = None,
    department: Department | None = None,
    username: str | None = None,
) -> User:
    """A new user with one post."""
    user = create_staff_user(
        username=username or f"{role}-{next(_serial)}",
        full_name="测试人员",
        password=PASSWORD,
        actor=None,
    )
    assign_post(user=user, role=role, region=region, department=department, actor=None)
    return user


def square(lng: float, lat: float, size: float = 0.01) -> dict[str, object]:
    return dict(mapping(box(lng, lat, lng + size, lat + size)))


def bearer(username: str) -> dict[str, str]:
    """Headers for the Django test client with a fresh token of a demo user."""
    from gridgov.accounts.tokens import issue_token

    user = User.objects.get(username=username)
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_token(name='test', user=user).secret}"}


def api_error(response: Any) -> dict[str, Any]:
    """The error object of an API response (asserting the one error shape)."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    return body["error"]
