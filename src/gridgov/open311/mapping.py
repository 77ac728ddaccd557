"""gridgov records as GeoReport v2 documents (plain Python data; ``render`` writes them).

The mapping table is in ``docs/open311.md``. Reporter names and phones never appear here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts.models import Post
from gridgov.accounts.roles import Role
from gridgov.cases.choices import LimitUnit, StatusChoice, Urgency
from gridgov.cases.media import photo_url
from gridgov.cases.models import Attachment, Case, CaseEvent, Item
from gridgov.cases.workflow import Action, Status
from gridgov.open311.config import SPECIFICATION
from gridgov.open311.selectors import followed_case, open311_status
from gridgov.regions import codes
from gridgov.regions.models import Region

Document = dict[str, Any]
PUBLIC_DECIMALS = 3  # about 100 m: where, without pointing at a door
DESCRIPTION_LENGTH = 4000  # the specification's limit
LEAD_ROLES = (Role.GRID_WORKER, Role.GRID_CHIEF)
# Where the reason of a final status was written.
_REASON_ACTIONS = {Status.REJECTED: Action.REJECT, Status.VOIDED: Action.REQUEST_VOID}


def iso(value: dt.datetime | None) -> str | None:
    """ISO 8601 with the local offset, e.g. ``2026-11-02T09:00:00+08:00``."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


# -- discovery and services ------------------------------------------------------------------


def discovery(*, url: str, changeset: dt.datetime | None, contact: str) -> Document:
    stamp = iso(changeset) or "2026-01-01T00:00:00+08:00"
    return {
        "changeset": stamp,
        "contact": contact,
        "key_service": _(
            "API 密钥（api_key）由平台管理员在后台“接入系统”中登记后发放，"
            "查询无需密钥，提交诉求需要密钥。"
        ),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": url,
                "changeset": stamp,
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }


def service(item: Item) -> Document:
    return {
        "service_code": item.code,
        "service_name": item.name,
        "description": item.description or None,
        "metadata": True,
        "type": "realtime",
        "keywords": f"{item.board.name}, {item.name}",
        "group": item.board.name,
    }


def service_definition(item: Item) -> Document:
    return {
        "service_code": item.code,
        "attributes": [
            {
                "variable": True,
                "code": "urgency",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": _("从列表中选一项；不填按“一般”办理"),
                "order": 1,
                "description": _("紧急程度：紧急、特急的办理时限分别缩短为一半和四分之一"),
                "values": [{"key": value, "name": str(label)} for value, label in Urgency.choices],
            },
            {
                "variable": True,
                "code": "address_detail",
                "datatype": "string",
                "required": False,
                "datatype_description": _("不超过 100 个字"),
                "order": 2,
                "description": _("详细地址：楼栋、单元、门牌号（选填）"),
            },
        ],
    }


# -- service requests ------------------------------------------------------------------------


def created(case: Case, *, token: str, account_id: str) -> Document:
    return {
        "service_request_id": case.number,
        "token": token,
        "service_notice": _("已受理，编号 %(number)s，将按事项时限办理。")
        % {"number": case.number},
        "account_id": account_id or None,
    }


def token_document(token: str, number: str) -> Document:
    return {"token": token, "service_request_id": number}


def requests(
    cases: Sequence[Case], *, full: bool, absolute_url: Callable[[str], str]
) -> list[Document]:
    """The documents of ``cases``. ``full`` (a client with an API key) adds the description,
    the exact point, the reported address and photos; otherwise the place is given to about
    100 m and by village name."""
    followed = {case.pk: followed_case(case) for case in cases}
    everyone = {c.pk: c for c in [*cases, *followed.values()]}
    last_event = dict(
        CaseEvent.objects.filter(case_id__in=list(everyone))
        .values("case_id")
        .annotate(last=Max("at"))
        .values_list("case_id", "last")
    )
    reasons = _reasons([c for c in followed.values() if c.status in _REASON_ACTIONS])
    leads = _lead_labels(c.lead_user_id for c in followed.values() if c.lead_user_id)
    places = _place_names(case.region_path for case in cases)
    photos = _photos([case.pk for case in cases]) if full else {}
    documents = []
    for case in cases:
        master = followed[case.pk]
        updated = max(
            (t for t in (last_event.get(case.pk), last_event.get(master.pk)) if t),
            default=case.created_at,
        )
        status = open311_status(case)
        document: Document = {
            "service_request_id": case.number,
            "status": status,
            "status_notes": _status_notes(case, master, reasons.get(master.pk)),
            "service_name": case.item.name,
            "service_code": case.item.code,
        }
        if full:
            document["description"] = case.description[:DESCRIPTION_LENGTH]
        document.update(
            {
                "agency_responsible": _agency(master, leads),
                "service_notice": _service_notice(case),
                "requested_datetime": iso(case.created_at),
                "updated_datetime": iso(updated),
            }
        )
        if status == "open" and master.due_at is not None:
            document["expected_datetime"] = iso(master.due_at)
        place = places.get(case.region_path)
        document.update(
            {
                "address": (case.address or place) if full else place,
                "address_id": case.region_path,
                "zipcode": None,
                "lat": _coordinate(case.lat, full),
                "long": _coordinate(case.lng, full),
            }
        )
        if case.pk in photos:
            document["media_url"] = absolute_url(photos[case.pk])
        documents.append(document)
    return documents


def _reasons(cases: Iterable[Case]) -> dict[int, str]:
    """The reason given for rejecting or voiding each case (the latest one)."""
    wanted = {case.pk: _REASON_ACTIONS[Status(case.status)] for case in cases}
    if not wanted:
        return {}
    events = (
        CaseEvent.objects.filter(case_id__in=list(wanted), action__in=sorted(set(wanted.values())))
        .order_by("case_id", "seq")
        .values_list("case_id", "action", "note")
    )
    return {case_id: note for case_id, action, note in events if wanted[case_id] == action}


def _status_notes(case: Case, master: Case, reason: str | None) -> str:
    notes = str(StatusChoice(master.status).label)
    if reason:
        notes = _("%(status)s：%(reason)s") % {"status": notes, "reason": reason}
    if master.pk != case.pk:
        notes = _("已合并到案件 %(number)s，%(notes)s") % {"number": master.number, "notes": notes}
    return notes


def _lead_labels(user_ids: Iterable[int]) -> dict[int, str]:
    """'<grid name>网格员' for grid workers (and '<region>网格长' for chiefs): a post, never a
    person's name."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    labels: dict[int, str] = {}
    posts = (
        Post.objects.current()
        .filter(user_id__in=ids, role__in=LEAD_ROLES, region__isnull=False)
        .select_related("region")
        .order_by("user_id", "-role", "pk")  # a grid worker's post before a grid chief's
    )
    for post in posts:
        assert post.region is not None
        labels.setdefault(post.user_id, f"{post.region.name}{Role(post.role).label}")
    return {uid: labels.get(uid, str(Role.GRID_WORKER.label)) for uid in ids}


def _agency(case: Case, leads: dict[int, str]) -> str | None:
    if case.lead_department_id and case.lead_department:
        return case.lead_department.name
    if case.lead_centre_id and case.lead_centre:
        return case.lead_centre.name
    if case.lead_user_id:
        return leads.get(case.lead_user_id)
    return None


def _service_notice(case: Case) -> str:
    version = case.item_version
    return _("办理时限：%(amount)s %(unit)s") % {
        "amount": f"{version.handle_amount:g}",
        "unit": LimitUnit(version.handle_unit).label,
    }


def _place_names(paths: Iterable[str]) -> dict[str, str]:
    """Each path's township and village names, e.g. '北城街道育才社区'."""
    paths = set(paths)
    prefixes = {
        path[: codes.PATH_WIDTH[level]]
        for path in paths
        for level in ("township", "village")
        if len(path) >= codes.PATH_WIDTH[level]
    }
    wanted = sorted(prefixes | paths)
    names = dict(Region.objects.filter(path__in=wanted).values_list("path", "name"))
    result = {}
    for path in paths:
        parts = [
            names.get(path[: codes.PATH_WIDTH[level]], "")
            for level in ("township", "village")
            if len(path) >= codes.PATH_WIDTH[level]
        ]
        result[path] = "".join(parts) or names.get(path, "")
    return result


def _photos(case_ids: Sequence[int]) -> dict[int, str]:
    """A signed, expiring URL of each case's first photo."""
    found: dict[int, str] = {}
    rows = Attachment.objects.filter(case_id__in=list(case_ids)).order_by(
        "case_id", "created_at", "pk"
    )
    for row in rows:
        if row.case_id not in found and row.file:
            found[row.case_id] = photo_url(row)
    return found


def _coordinate(value: float | None, full: bool) -> float | None:
    if value is None:
        return None
    return value if full else round(value, PUBLIC_DECIMALS)
