"""Legal help in the resident portal: online legal consultation (法律咨询, ``/r/legal/``) and
online mediation request (在线调解申请, ``/r/mediation/``), each with the resident's own list.

Both need the phone login. A consultation goes to the county or a township centre (by default
the resident's township, found from the register or their last report) through
``mediation.services.request_consultation_online``; a mediation request creates the 矛盾纠纷 case
(channel portal, like a report) and its dispute through
``mediation.services.request_mediation_online``. The lists show only the resident's own records
(``mediation.selectors.resident_consultations`` / ``resident_disputes``), no staff names, and
the other party's name and phone only masked.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from gridgov.accounts.models import Resident
from gridgov.cases.models import Case, Item
from gridgov.core.apiutil import throttle
from gridgov.core.privacy import mask_name
from gridgov.core.ratelimit import RateLimited
from gridgov.mediation import choices as c
from gridgov.mediation import selectors, services
from gridgov.mediation.models import Dispute, Party
from gridgov.regions.models import Region
from gridgov.web.resident import _float, _limited, _townships, current_resident, portal_root

LIST_LIMIT = 50

# What the resident reads for the state of their request.
REQUEST_STATE: dict[str, Any] = {
    c.MediationState.OPEN: gettext_lazy("调解中"),
    c.MediationState.AGREED: gettext_lazy("已达成调解协议"),
    c.MediationState.PARTIAL: gettext_lazy("部分达成调解协议"),
    c.MediationState.FAILED: gettext_lazy("调解未成功，可通过诉讼等途径解决"),
    c.MediationState.COURT: gettext_lazy("已引导通过诉讼解决"),
    c.MediationState.ARBITRATION: gettext_lazy("已引导通过仲裁解决"),
    c.MediationState.WITHDRAWN: gettext_lazy("已撤回申请"),
}
# Where an error of the services shows on the forms.
CONSULT_FIELDS = {"region": "region", "topic": "topic", "question": "question"}
REQUEST_FIELDS = {
    "item": "item",
    "description": "description",
    "title": "description",
    "requester_name": "requester_name",
    "phone": "phone",
    "reporter_phone": "phone",
    "amount_yuan": "amount",
    "other_name": "other_name",
    "other_phone": "other_phone",
    "address": "address",
    "location": "location",
    "lng": "location",
    "lat": "location",
    "region": "location",
}


def _resident_or_login(request: HttpRequest) -> Resident | HttpResponse:
    resident = current_resident(request)
    if resident is None:
        return redirect(f"{reverse('resident-login')}?next={request.path}")
    return resident


def _errors(exc: ValidationError, fields: dict[str, str]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name, found in exc.message_dict.items():
        errors.setdefault(fields.get(name, "form"), []).extend(found)
    return errors


def _status(errors: dict[str, list[str]], status: int) -> int:
    return 400 if errors and status == 200 else status


# -- legal consultation ----------------------------------------------------------------------


def home_centre(resident: Resident, centres: list[Region]) -> str:
    """The centre a resident's question goes to by default: the township where the register
    has their phone, else of their last report, else the county."""
    from gridgov.registry.models import Person

    place = (
        Person.objects.filter(phone_hash=resident.phone_hash)
        .order_by("-pk")
        .values_list("region_path", flat=True)
        .first()
        or Case.objects.filter(resident=resident)
        .order_by("-created_at")
        .values_list("region_path", flat=True)
        .first()
        or ""
    )
    paths = [centre.path for centre in centres]
    if place[:9] in paths:
        return place[:9]
    return next((centre.path for centre in centres if centre.level == "county"), "")


@require_http_methods(["GET", "POST"])
def legal(request: HttpRequest) -> HttpResponse:
    """Ask the lawyers of a centre a legal question."""
    found = _resident_or_login(request)
    if isinstance(found, HttpResponse):
        return found
    resident = found
    centres = services.consultation_centres()
    values = {
        "region": home_centre(resident, centres),
        "topic": "",
        "question": "",
        "name": resident.display_name,
    }
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        values = {
            name: request.POST.get(name, "").strip()
            for name in ("region", "topic", "question", "name")
        }
        try:
            throttle(
                request,
                "resident-legal",
                account=str(resident.pk),
                ip_limit=(5, 600),
                account_limit=(5, 600),
            )
            services.request_consultation_online(
                resident=resident,
                region=next((r for r in centres if r.path == values["region"]), None),
                topic=values["topic"],
                question=values["question"],
                requester_name=values["name"],
            )
        except RateLimited as exc:
            errors["form"] = [_limited(request, exc)]
            status = 429
        except ValidationError as exc:
            errors = _errors(exc, {**CONSULT_FIELDS, "requester_name": "name"})
        else:
            messages.success(request, _("咨询已提交，律师解答后可在“我的咨询”查看。"))
            return redirect("resident-legal-mine")
    return render(
        request,
        "web/resident/mediation_legal.html",
        {
            "resident": resident,
            "tab": "mine",
            "centres": centres,
            "topics": c.LegalTopic.choices,
            "values": values,
            "errors": errors,
        },
        status=_status(errors, status),
    )


@require_GET
def legal_mine(request: HttpRequest) -> HttpResponse:
    """The resident's own online consultations, with the lawyer's answer once given."""
    found = _resident_or_login(request)
    if isinstance(found, HttpResponse):
        return found
    rows = list(selectors.resident_consultations(found)[:LIST_LIMIT])
    return render(
        request,
        "web/resident/mediation_legal_mine.html",
        {"resident": found, "tab": "mine", "rows": rows},
    )


# -- mediation request -----------------------------------------------------------------------


def dispute_items() -> list[Item]:
    return list(
        Item.objects.filter(board__code=services.BOARD, is_active=True, board__is_active=True)
        .select_related("board")
        .order_by("code")
    )


@require_http_methods(["GET", "POST"])
def mediation(request: HttpRequest) -> HttpResponse:
    """Ask for mediation of a dispute: what happened, with whom, how much, where."""
    found = _resident_or_login(request)
    if isinstance(found, HttpResponse):
        return found
    resident = found
    root = portal_root()
    items = dispute_items()
    fields = (
        "item",
        "description",
        "amount",
        "other_name",
        "other_phone",
        "lng",
        "lat",
        "address",
        "name",
        "phone",
    )
    values = dict.fromkeys(fields, "")
    values["name"] = resident.display_name
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        values = {name: request.POST.get(name, "").strip() for name in fields}
        lng, lat = _float(values["lng"]), _float(values["lat"])
        point = lng is not None and lat is not None
        try:
            throttle(
                request,
                "resident-mediation",
                account=str(resident.pk),
                ip_limit=(5, 600),
                account_limit=(5, 600),
            )
            dispute = services.request_mediation_online(
                resident=resident,
                item=next((i for i in items if i.code == values["item"]), None),
                description=values["description"],
                requester_name=values["name"],
                phone=values["phone"],
                amount_yuan=values["amount"] or None,
                other_name=values["other_name"],
                other_phone=values["other_phone"],
                lng=lng if point else None,
                lat=lat if point else None,
                address=values["address"],
                root_path=root.path,
            )
        except RateLimited as exc:
            errors["form"] = [_limited(request, exc)]
            status = 429
        except ValidationError as exc:
            errors = _errors(exc, REQUEST_FIELDS)
        else:
            messages.success(
                request,
                _("调解申请已提交，案件编号 %(number)s。调解委员会受理后会与您联系。")
                % {"number": dispute.case.number},
            )
            return redirect("resident-mediation-mine")
    return render(
        request,
        "web/resident/mediation_request.html",
        {
            "resident": resident,
            "tab": "mine",
            "root": root,
            "items": items,
            "values": values,
            "errors": errors,
            "townships": _townships(root),
            "messages_js": {
                "picked": _("已选位置：{lng}, {lat}"),
                "locating": _("正在获取当前位置…"),
                "located": _("已定位：{lng}, {lat}"),
                "locateFailed": _("未能获取位置，请在地图上点选，或填写地址。"),
                "outside": _("该位置不在本平台服务范围内，请重新点选或填写地址。"),
            },
        },
        status=_status(errors, status),
    )


def request_state(dispute: Dispute) -> str:
    """The request's state in plain words, from its latest mediation."""
    latest = next(iter(dispute.mediations.all()), None)
    if latest is None:
        return str(_("已登记，等待调解委员会受理"))
    return str(REQUEST_STATE.get(latest.state, latest.get_state_display()))


def _other_side(party: Party) -> dict[str, str]:
    return {
        "role": party.get_role_display(),
        "name": mask_name(party.name),
        "phone": party.phone_masked,
    }


def request_row(dispute: Dispute) -> dict[str, Any]:
    latest = next(iter(dispute.mediations.all()), None)
    parties = list(dispute.parties.all())
    return {
        "dispute": dispute,
        "case": dispute.case,
        "state": request_state(dispute),
        "closed": latest is not None and latest.state != c.MediationState.OPEN,
        "committee": latest.committee.name if latest is not None else "",
        "accepted_on": latest.accepted_on if latest is not None else None,
        "closed_on": latest.closed_on if latest is not None else None,
        "others": [_other_side(p) for p in parties if p.role != c.PartyRole.APPLICANT],
    }


@require_GET
def mediation_mine(request: HttpRequest) -> HttpResponse:
    """The resident's own mediation requests with their state."""
    found = _resident_or_login(request)
    if isinstance(found, HttpResponse):
        return found
    rows = [request_row(d) for d in selectors.resident_disputes(found)[:LIST_LIMIT]]
    return render(
        request,
        "web/resident/mediation_mine.html",
        {"resident": found, "tab": "mine", "rows": rows},
    )
