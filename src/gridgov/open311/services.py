"""The one write of the Open311 endpoint: a service request becomes a case (channel
``open311``) through ``cases.services.submit_case``, plus the token handed back."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from gridgov.accounts.models import IntegrationClient
from gridgov.cases.choices import Channel, Urgency
from gridgov.cases.models import Case, Item
from gridgov.cases.services import submit_case
from gridgov.open311.models import Open311Token
from gridgov.regions import codes

TITLE_LENGTH = 40
DESCRIPTION_LENGTH = 4000  # the specification's limit
DETAIL_LENGTH = 100
MEDIA_URL_LENGTH = 500


@dataclass(frozen=True)
class Submission:
    """What an Open311 client sent, as text (empty when not given), the point parsed."""

    item: Item
    description: str = ""
    lng: float | None = None
    lat: float | None = None
    address_string: str = ""
    address_id: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    account_id: str = ""
    media_url: str = ""
    urgency: str = ""
    address_detail: str = ""


@dataclass(frozen=True)
class NewRequest:
    case: Case
    token: Open311Token


def make_title(item_name: str, description: str, limit: int = TITLE_LENGTH) -> str:
    """The item's name and the start of the description, at most ``limit`` characters."""
    summary = " ".join(description.split())
    title = f"{item_name}：{summary}" if summary else item_name
    return title if len(title) <= limit else title[: limit - 1] + "…"


def reporter_name(first_name: str, last_name: str) -> str:
    """Chinese names read family name first (张 + 三 → 张三); others 'first last'."""
    first, last = first_name.strip(), last_name.strip()
    if any(ord(ch) > 0x2E7F for ch in first + last):
        return f"{last}{first}"
    return " ".join(part for part in (first, last) if part)


@transaction.atomic
def create_request(*, client: IntegrationClient, submission: Submission) -> NewRequest:
    """Submit the case as the client's service account, then store its token. Raises
    ``ValidationError`` (field by field, in Chinese); nothing is written then."""
    s = submission
    errors: dict[str, str] = {}
    description = s.description.strip()
    media_url = s.media_url.strip()
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            errors["media_url"] = _("图片链接应是 http 或 https 网址")
        if len(media_url) > MEDIA_URL_LENGTH:
            errors["media_url"] = _("图片链接不能超过 %(n)s 个字符") % {"n": MEDIA_URL_LENGTH}
    if not description:
        errors["description"] = _("请填写问题描述（description）")
    else:
        if media_url:
            label = _("图片链接")
            description = f"{description}\n\n{label}：{media_url}"
        if len(description) > DESCRIPTION_LENGTH:
            errors["description"] = _("问题描述（含图片链接）不能超过 %(n)s 个字") % {
                "n": DESCRIPTION_LENGTH
            }
    if s.urgency and s.urgency not in Urgency.values:
        errors["urgency"] = _("紧急程度只能是 normal、urgent 或 emergency")
    if len(s.address_detail.strip()) > DETAIL_LENGTH:
        errors["address_detail"] = _("详细地址不能超过 %(n)s 个字") % {"n": DETAIL_LENGTH}
    region_path = _region_path(s, client, errors)
    if errors:
        raise ValidationError(errors)
    address = " ".join(p for p in (s.address_string.strip(), s.address_detail.strip()) if p)
    case = submit_case(
        channel=Channel.OPEN311,
        user=client.user,
        item=s.item,
        title=make_title(s.item.name, s.description),
        description=description,
        lng=s.lng,
        lat=s.lat,
        crs="wgs84",
        region_path=region_path,
        address=address,
        reporter_name=reporter_name(s.first_name, s.last_name),
        reporter_phone=s.phone.strip(),
        urgency=s.urgency or Urgency.NORMAL,
    )
    token = Open311Token.objects.create(
        token=secrets.token_hex(16), case=case, client=client, account_id=s.account_id[:100]
    )
    return NewRequest(case=case, token=token)


def _region_path(s: Submission, client: IntegrationClient, errors: dict[str, str]) -> str | None:
    """Where the case is when no point is given: the region of ``address_id`` (a region
    code or path), else — with an address only — the client's own region."""
    if s.lng is not None or s.lat is not None:
        return None
    if s.address_id.strip():
        try:
            return codes.path_from_code(s.address_id.strip())
        except codes.CodeError:
            errors["address_id"] = _("address_id 应为区划或网格代码")
            return None
    if s.address_string.strip():
        return client.region.path
    errors["lat"] = _(
        "请提供位置：经纬度（lat、long）、地址（address_string）或区划代码（address_id）"
    )
    return None
