"""Bearer tokens, integration clients and residents' one-time codes.

Secrets are shown once and stored as SHA-256 (tokens, API keys: high-entropy random values)
or as a keyed HMAC (phone numbers and SMS codes: low-entropy values)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from gridgov.accounts.models import ApiToken, IntegrationClient, OneTimeCode, Resident, User
from gridgov.accounts.roles import Role
from gridgov.accounts.services import assign_post, create_staff_user
from gridgov.core import audit, protection
from gridgov.core.privacy import mask_phone
from gridgov.core.sms import send_sms
from gridgov.regions.models import Region

TOKEN_PREFIX = "ggt_"  # noqa: S105 - a prefix, not a secret
KEY_PREFIX = "ggk_"
PHONE = re.compile(r"^1[3-9]\d{9}$")


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def keyed_hash(value: str, purpose: str) -> str:
    """HMAC of a low-entropy value (a phone number, a code) with a key derived from the
    deployment's SECRET_KEY."""
    return salted_hmac(f"gridgov.{purpose}", value, algorithm="sha256").hexdigest()


# -- bearer tokens ---------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # the full bearer value, shown once


@transaction.atomic
def issue_token(
    *,
    name: str,
    user: User | None = None,
    client: IntegrationClient | None = None,
    resident: Resident | None = None,
    days: float | None = None,
) -> IssuedToken:
    owners = [o for o in (user, client, resident) if o is not None]
    if len(owners) != 1:
        raise ValueError("a token belongs to exactly one user, client or resident")
    days = days if days is not None else float(getattr(settings, "GRIDGOV_TOKEN_DAYS", 30))
    prefix = secrets.token_hex(6)
    raw = f"{TOKEN_PREFIX}{prefix}{secrets.token_urlsafe(30)}"
    token = ApiToken.objects.create(
        prefix=prefix,
        secret_hash=_sha256(raw),
        name=name[:100],
        user=user,
        client=client,
        resident=resident,
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    return IssuedToken(token=token, secret=raw)


def authenticate_token(raw: str) -> ApiToken | None:
    """The live token for a bearer value, or None (unknown, wrong, expired or revoked)."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) < len(TOKEN_PREFIX) + 13:
        return None
    prefix = raw[len(TOKEN_PREFIX) : len(TOKEN_PREFIX) + 12]
    token = (
        ApiToken.objects.select_related("user", "client__user", "resident")
        .filter(prefix=prefix)
        .first()
    )
    if token is None or not hmac.compare_digest(token.secret_hash, _sha256(raw)):
        return None
    if not token.is_live:
        return None
    owner_active = (
        (token.user is not None and token.user.is_active)
        or (token.client is not None and token.client.is_active and token.client.user.is_active)
        or (token.resident is not None and token.resident.is_active)
    )
    if not owner_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def revoke_token(*, token: ApiToken, actor: User | None = None) -> None:
    if token.revoked_at is None:
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
        token.revoked_at = timezone.now()
        audit.record(actor=actor, action="revoke_token", obj=token)


# -- integration clients ---------------------------------------------------------------------


@dataclass(frozen=True)
class NewClient:
    client: IntegrationClient
    api_key: str  # shown once


@transaction.atomic
def create_integration_client(
    *, code: str, name: str, region: Region, channel: str = "hotline", actor: User | None = None
) -> NewClient:
    """A client with its service account (an ``integration`` post at ``region``) and an API
    key for Open311."""
    from gridgov.cases.choices import Channel

    errors = {}
    if IntegrationClient.objects.filter(code=code).exists():
        errors["code"] = _("接入系统编码“%(code)s”已存在") % {"code": code}
    if channel not in Channel.values:
        errors["channel"] = _("来源渠道无效")
    if errors:
        raise ValidationError(errors)
    user = create_staff_user(username=f"client:{code}", full_name=name, password=None, actor=actor)
    assign_post(user=user, role=Role.INTEGRATION, region=region, actor=actor, title=name)
    prefix = secrets.token_hex(6)
    key = f"{KEY_PREFIX}{prefix}{secrets.token_urlsafe(30)}"
    client = IntegrationClient.objects.create(
        code=code,
        name=name,
        region=region,
        user=user,
        channel=channel,
        api_key_prefix=prefix,
        api_key_hash=_sha256(key),
    )
    audit.record(actor=actor, action="create_client", obj=client, changes={"code": code})
    return NewClient(client=client, api_key=key)


def authenticate_api_key(raw: str) -> IntegrationClient | None:
    if not raw.startswith(KEY_PREFIX) or len(raw) < len(KEY_PREFIX) + 13:
        return None
    prefix = raw[len(KEY_PREFIX) : len(KEY_PREFIX) + 12]
    client = (
        IntegrationClient.objects.select_related("user", "region")
        .filter(api_key_prefix=prefix, is_active=True)
        .first()
    )
    if client is None or not hmac.compare_digest(client.api_key_hash, _sha256(raw)):
        return None
    return client


# -- residents -------------------------------------------------------------------------------


def check_phone(phone: str) -> str:
    phone = re.sub(r"[\s-]", "", phone or "")
    if phone.startswith("+86"):
        phone = phone[3:]
    if not PHONE.match(phone):
        raise ValidationError({"phone": _("请输入 11 位手机号码")})
    return phone


def resident_phone_hash(phone: str) -> str:
    """The hash a resident account is found by: the register's keyed lookup hash of the phone
    (``core.protection.lookup_hash``), so that the account meets the person in the register
    (``party.selectors.member_for_resident``)."""
    return protection.lookup_hash(phone, "phone")


def _resident_for(phone: str, *, legacy_hash: str) -> Resident:
    """The resident account of ``phone`` (created on first login). An account made before the
    register's lookup hash was used (``keyed_hash``) is moved onto it at its next login."""
    lookup = resident_phone_hash(phone)
    resident = Resident.objects.filter(phone_hash=lookup).first()
    if resident is None:
        resident = Resident.objects.filter(phone_hash=legacy_hash).first()
        if resident is not None:
            Resident.objects.filter(pk=resident.pk).update(phone_hash=lookup)
            resident.phone_hash = lookup
    if resident is None:
        resident = Resident.objects.create(phone_hash=lookup, phone_masked=mask_phone(phone))
    return resident


@transaction.atomic
def send_login_code(*, phone: str) -> None:
    """Send a 6-digit code valid for GRIDGOV_OTP_MINUTES (5)."""
    phone = check_phone(phone)
    code = f"{secrets.randbelow(10**6):06d}"
    minutes = float(getattr(settings, "GRIDGOV_OTP_MINUTES", 5))
    phone_hash = keyed_hash(phone, "phone")
    OneTimeCode.objects.filter(phone_hash=phone_hash, used_at__isnull=True).update(
        used_at=timezone.now()
    )  # only the latest code counts
    OneTimeCode.objects.create(
        phone_hash=phone_hash,
        code_hash=keyed_hash(f"{phone}:{code}", "otp"),
        expires_at=timezone.now() + dt.timedelta(minutes=minutes),
    )
    send_sms(
        phone,
        _("您的登录验证码是 %(code)s，%(minutes)s 分钟内有效。请勿告诉他人。")
        % {"code": code, "minutes": f"{minutes:g}"},
    )


def verify_login_code(*, phone: str, code: str) -> Resident:
    """The resident for a correct, unexpired code (created on first login). A wrong code
    counts against the code's attempts, and that count is kept even though this raises."""
    phone = check_phone(phone)
    phone_hash = keyed_hash(phone, "phone")
    max_attempts = int(getattr(settings, "GRIDGOV_OTP_ATTEMPTS", 5))
    resident = None
    with transaction.atomic():
        otp = (
            OneTimeCode.objects.select_for_update()
            .filter(phone_hash=phone_hash, used_at__isnull=True, expires_at__gt=timezone.now())
            .order_by("-created_at")
            .first()
        )
        if otp is None or otp.attempts >= max_attempts:
            outcome = "expired"
        elif not hmac.compare_digest(
            otp.code_hash, keyed_hash(f"{phone}:{(code or '').strip()}", "otp")
        ):
            OneTimeCode.objects.filter(pk=otp.pk).update(attempts=otp.attempts + 1)
            outcome = "wrong"
        else:
            OneTimeCode.objects.filter(pk=otp.pk).update(used_at=timezone.now())
            resident = _resident_for(phone, legacy_hash=phone_hash)
            Resident.objects.filter(pk=resident.pk).update(last_login_at=timezone.now())
            outcome = "ok" if resident.is_active else "inactive"
    if outcome == "expired":
        raise ValidationError({"code": _("验证码已失效，请重新获取")})
    if outcome == "wrong":
        raise ValidationError({"code": _("验证码不正确")})
    if outcome == "inactive" or resident is None:
        raise ValidationError({"phone": _("该账号已停用")})
    return resident
