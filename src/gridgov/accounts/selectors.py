"""Reads of users, posts and departments, through the jurisdiction function."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from gridgov.accounts.models import Department, Post, User
from gridgov.core.jurisdiction import restrict


def current_posts(user: Any) -> list[Post]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(Post.objects.current().filter(user=user).select_related("region", "department"))


def visible_users(user: Any) -> QuerySet[User]:
    return restrict(User.objects.all(), user)


def visible_posts(user: Any) -> QuerySet[Post]:
    return restrict(Post.objects.current(), user)


def visible_departments(user: Any) -> QuerySet[Department]:
    return restrict(Department.objects.filter(is_active=True), user)
