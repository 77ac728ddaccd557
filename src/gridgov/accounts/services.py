"""Writes for staff users, departments and posts. Keyword-only, validated, atomic, audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts.models import Department, Post, User
from gridgov.accounts.rules import check_post
from gridgov.core import audit
from gridgov.core.jurisdiction import forget_scope
from gridgov.regions.models import Region


@transaction.atomic
def create_staff_user(
    *,
    username: str,
    full_name: str,
    password: str | None,
    actor: User | None,
    employee_no: str = "",
    is_staff: bool = False,
    check_password: bool = True,
) -> User:
    """A member of staff. ``password=None`` leaves the account unable to log in until set."""
    username = username.strip()
    if not username:
        raise ValidationError({"username": _("请填写登录名")})
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": _("登录名“%(name)s”已被使用") % {"name": username}})
    user = User(
        username=username, full_name=full_name.strip(), employee_no=employee_no, is_staff=is_staff
    )
    if password is None:
        user.set_unusable_password()
    else:
        if check_password:
            try:
                validate_password(password, user)
            except ValidationError as exc:
                raise ValidationError({"password": exc.messages}) from exc
        user.set_password(password)
    user.save()
    audit.record(
        actor=actor,
        action="create_user",
        obj=user,
        changes={"username": username, "full_name": user.full_name},
    )
    return user


@transaction.atomic
def assign_post(
    *,
    user: User,
    role: str,
    actor: User | None,
    region: Region | None = None,
    department: Department | None = None,
    title: str = "",
    starts_on: dt.date | None = None,
) -> Post:
    """Give ``user`` a post; the role table decides where it may sit."""
    check_post(role=role, region=region, department=department)
    duplicate = Post.objects.current().filter(
        user=user, role=role, region=region, department=department
    )
    if duplicate.exists():
        raise ValidationError({"role": _("该人员已在此处担任此岗位")})
    post = Post.objects.create(
        user=user,
        role=role,
        region=region,
        department=department,
        title=title,
        starts_on=starts_on or timezone.localdate(),
    )
    forget_scope(user)
    audit.record(actor=actor, action="assign_post", obj=post, changes=_post_changes(post))
    return post


@transaction.atomic
def end_post(*, post: Post, actor: User | None, ends_on: dt.date | None = None) -> Post:
    """End a post: from ``ends_on`` (default today) it no longer grants any scope."""
    ends_on = ends_on or timezone.localdate()
    if ends_on < post.starts_on:
        raise ValidationError({"ends_on": _("离任日期不能早于任职日期")})
    post.ends_on = ends_on
    post.is_active = ends_on >= timezone.localdate()
    post.save(update_fields=["ends_on", "is_active"])
    forget_scope(post.user)
    audit.record(actor=actor, action="end_post", obj=post, changes={"ends_on": str(ends_on)})
    return post


@transaction.atomic
def create_department(
    *,
    code: str,
    name: str,
    region: Region,
    actor: User | None,
    kind: str = Department.Kind.FUNCTIONAL,
    short_name: str = "",
    duty: str = "",
    phone: str = "",
) -> Department:
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = _("请填写部门名称")
    if Department.objects.filter(code=code).exists():
        errors["code"] = _("部门编码“%(code)s”已存在") % {"code": code}
    if Department.objects.filter(region=region, name=name.strip()).exists():
        errors["name"] = _("%(region)s已有名为“%(name)s”的部门") % {
            "region": region.name,
            "name": name,
        }
    if kind not in Department.Kind.values:
        errors["kind"] = _("未知部门类别")
    if region.level not in ("prefecture", "county", "township"):
        errors["region"] = _("部门只能设在州（市）、县（市、区）或乡镇（街道）一级")
    if errors:
        raise ValidationError(errors)
    department = Department.objects.create(
        code=code,
        name=name.strip(),
        short_name=short_name,
        kind=kind,
        region=region,
        duty=duty,
        phone=phone,
    )
    audit.record(
        actor=actor,
        action="create_department",
        obj=department,
        changes={"code": code, "name": department.name, "region": region.code},
    )
    return department


def _post_changes(post: Post) -> dict[str, Any]:
    return {
        "user": post.user.username,
        "role": post.role,
        "region": post.region.code if post.region else None,
        "department": post.department.code if post.department else None,
        "title": post.title,
        "starts_on": str(post.starts_on),
    }


@transaction.atomic
def create_system_admin(*, username: str, full_name: str, password: str) -> User:
    """A system administrator: may use the back office and sees the whole deployment."""
    user = create_staff_user(
        username=username, full_name=full_name, password=password, actor=None, is_staff=True
    )
    user.is_superuser = True
    user.save(update_fields=["is_superuser"])
    audit.record(actor=None, action="grant_superuser", obj=user)
    return user
