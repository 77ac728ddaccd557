"""API: tokens, residents' phone login, the caller, departments, notifications."""

import datetime as dt

from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from gridgov.accounts import selectors
from gridgov.accounts.models import Resident, User
from gridgov.accounts.roles import Role
from gridgov.accounts.tokens import (
    check_phone,
    issue_token,
    revoke_token,
    send_login_code,
    verify_login_code,
)
from gridgov.core.apiutil import staff, throttle, throttle_code_check, throttle_code_request
from gridgov.core.ratelimit import RateLimited

router = Router(tags=["账号与令牌"])


class TokenIn(Schema):
    username: str = Field(..., min_length=1, max_length=150)
    password: str = Field(..., min_length=1, max_length=256)
    name: str = Field("", max_length=100, description="用途，例如“网格通 APP”")
    days: float = Field(30, gt=0, le=365, description="有效天数")


class TokenOut(Schema):
    token: str = Field(..., description="只显示这一次；之后以哈希保存")
    expires_at: dt.datetime


class PostOut(Schema):
    role: str
    role_label: str
    region: str | None
    region_name: str | None
    department: int | None
    department_name: str | None


class MeOut(Schema):
    kind: str = Field(..., description="staff / client / resident")
    username: str | None
    name: str
    posts: list[PostOut]


class PhoneIn(Schema):
    phone: str = Field(..., max_length=20, examples=["13800001111"])


class CodeIn(Schema):
    phone: str = Field(..., max_length=20)
    code: str = Field(..., min_length=4, max_length=8)
    days: float = Field(30, gt=0, le=90)


class SentOut(Schema):
    sent: bool
    expires_in: int = Field(..., description="秒")


class DepartmentOut(Schema):
    id: int
    code: str
    name: str
    short_name: str
    kind: str
    region: str


class NotificationOut(Schema):
    id: int
    kind: str
    message: str
    case: str | None
    created_at: dt.datetime
    read_at: dt.datetime | None


@router.post("/auth/token", auth=None, response={201: TokenOut}, summary="用户名密码换取令牌")
def create_token(request: HttpRequest, data: TokenIn) -> Status[dict[str, object]]:
    throttle(request, "login", account=data.username.lower())
    user = authenticate(request, username=data.username, password=data.password)
    if getattr(request, "axes_locked_out", False):
        raise RateLimited(retry_after=1800)
    if user is None or not isinstance(user, User):
        from django.core.exceptions import ValidationError

        raise ValidationError({"password": [_("登录名或密码不正确")]})
    issued = issue_token(name=data.name or "API", user=user, days=data.days)
    return Status(201, {"token": issued.secret, "expires_at": issued.token.expires_at})


@router.delete("/auth/token", response={204: None}, summary="吊销当前令牌")
def delete_token(request: HttpRequest) -> Status[None]:
    token = getattr(request, "api_token", None)
    if token is None:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("当前不是令牌登录"))
    revoke_token(token=token, actor=token.user)
    return Status(204, None)


@router.post(
    "/auth/resident/code", auth=None, response={202: SentOut}, summary="群众：发送手机验证码"
)
def resident_code(request: HttpRequest, data: PhoneIn) -> Status[dict[str, object]]:
    phone = check_phone(data.phone)
    throttle_code_request(request, phone)
    send_login_code(phone=phone)
    return Status(202, {"sent": True, "expires_in": 300})


@router.post(
    "/auth/resident/token", auth=None, response={201: TokenOut}, summary="群众：手机验证码换取令牌"
)
def resident_token(request: HttpRequest, data: CodeIn) -> Status[dict[str, object]]:
    phone = check_phone(data.phone)
    throttle_code_check(request, phone)
    resident = verify_login_code(phone=phone, code=data.code)
    issued = issue_token(name="群众端", resident=resident, days=data.days)
    return Status(201, {"token": issued.secret, "expires_at": issued.token.expires_at})


@router.get("/me", response=MeOut, summary="当前调用者")
def me(request: HttpRequest) -> dict[str, object]:
    auth = request.auth  # type: ignore[attr-defined]
    if isinstance(auth, Resident):
        return {"kind": "resident", "username": None, "name": str(auth), "posts": []}
    user = staff(request)
    posts = [
        {
            "role": post.role,
            "role_label": str(Role(post.role).label),
            "region": post.region.path if post.region else None,
            "region_name": post.region.name if post.region else None,
            "department": post.department_id,
            "department_name": post.department.name if post.department else None,
        }
        for post in selectors.current_posts(user)
    ]
    kind = "client" if hasattr(user, "client") else "staff"
    return {
        "kind": kind,
        "username": user.username,
        "name": user.full_name or user.username,
        "posts": posts,
    }


@router.get("/departments", response=list[DepartmentOut], summary="部门（辖区内可派遣的）")
def departments(request: HttpRequest) -> list[dict[str, object]]:
    user = staff(request)
    return [
        {
            "id": d.pk,
            "code": d.code,
            "name": d.name,
            "short_name": d.short_name,
            "kind": d.kind,
            "region": d.region.path,
        }
        for d in selectors.visible_departments(user).select_related("region")
    ]


@router.get("/me/notifications", response=list[NotificationOut], summary="我的通知")
def notifications(
    request: HttpRequest, unread: bool = False, limit: int = 50
) -> list[dict[str, object]]:
    from gridgov.cases.models import Notification

    user = staff(request)
    queryset = Notification.objects.filter(recipient=user).select_related("case")
    if unread:
        queryset = queryset.filter(read_at__isnull=True)
    return [
        {
            "id": n.pk,
            "kind": n.kind,
            "message": n.message,
            "case": n.case.number if n.case else None,
            "created_at": n.created_at,
            "read_at": n.read_at,
        }
        for n in queryset.order_by("-created_at", "-id")[: max(1, min(limit, 200))]
    ]


@router.post(
    "/me/notifications/{notification_id}/read", response={204: None}, summary="标记通知已读"
)
def read_notification(request: HttpRequest, notification_id: int) -> Status[None]:
    from gridgov.cases.models import Notification

    user = staff(request)
    notification = get_object_or_404(Notification, pk=notification_id, recipient=user)
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk).update(read_at=timezone.now())
    return Status(204, None)
