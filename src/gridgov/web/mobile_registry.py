"""网格通's register pages (``/m/registry/…``): a grid worker looks up the people and rooms of
their grids (a search box; buildings → rooms → residents), opens a person's card (masked; the
phone revealed with a reason, to call them), updates the phone, residence status or room,
records a visit, and works through the care contracts due.

Everything is limited to the worker's grids (another grid's person is a 404) on top of the one
jurisdiction function that ``registry.selectors`` and ``registry.services`` apply. Pages with
personal data are sent ``Cache-Control: no-store``; a revealed phone appears only in the
response to the reveal (a POST, which the service worker never caches)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from gridgov.core.jurisdiction import can
from gridgov.core.ratelimit import RateLimited, client_address
from gridgov.regions import selectors as regions
from gridgov.regions.choices import Level
from gridgov.regions.models import Region
from gridgov.registry import choices as c
from gridgov.registry import selectors, services
from gridgov.registry.errors import RegistryConflict
from gridgov.registry.models import CareContract, Person, Room
from gridgov.registry.selectors import PersonFilter, RoomFilter
from gridgov.web import registry as base
from gridgov.web.mobile import _grids_q, _not_for_you, my_grids
from gridgov.web.registry_forms import QuickUpdateForm, RevealForm, VisitForm, apply_errors

SEARCH_LIMIT = 50
SOON_DAYS = 3
ROOM_LIMIT = 400
REVEAL_REASONS = (
    gettext_lazy("电话联系走访对象"),
    gettext_lazy("核实联系方式"),
    gettext_lazy("通知办理事项"),
)
GPS_TEXTS = {
    "unsupported": gettext_lazy("此设备不能定位"),
    "locating": gettext_lazy("正在定位…"),
    "located": gettext_lazy("已附上位置：{lng}, {lat}"),
    "failed": gettext_lazy("未能定位（可不附位置）"),
}


def _mine(path: str, grids: list[Region]) -> bool:
    return any(path.startswith(grid.path) for grid in grids)


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """A register page of the phone: the tab, and never kept by a cache."""
    return base.no_store(render(request, template, {"tab": "registry", **context}, status=status))


def _person(request: HttpRequest, pk: int, grids: list[Region]) -> Person:
    person = selectors.get_person(request.user, pk)
    if not _mine(person.region_path, grids):
        raise Http404(_("记录不存在或不在您的网格内"))
    return person


def _due_contracts(user: Any, grids: list[Region]) -> list[CareContract]:
    """Active contracts where I am the carer or the person lives in my grids, most overdue
    first."""
    rows = selectors.contracts(user).filter(Q(carer=user) | _grids_q(grids))
    return sorted(rows, key=lambda k: (k.next_visit_due(), k.pk))


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Search the people of my grids, or go building by building; the contracts due."""
    grids = my_grids(request.user)
    if not grids:
        return _not_for_you(request)
    user = request.user
    q = (request.GET.get("q") or "").strip()[:40]
    flt = PersonFilter.from_params(request.GET)
    hashed = flt.hashed()
    if hashed.qh and hashed.qh != flt.qh:
        # a whole ID number or phone: the URL keeps only its keyed hash
        return redirect(f"{reverse('mobile-registry')}?qh={hashed.qh}")
    found: list[Person] | None = None
    if q or flt.qh:
        found = list(
            selectors.people(user, PersonFilter(q=q, qh=flt.qh))
            .filter(_grids_q(grids))
            .select_related("room", "region")
            .order_by("name", "id")[:SEARCH_LIMIT]
        )
    buildings = list(
        regions.visible_regions(user)
        .filter(_grids_q(grids, "path"), level=Level.BUILDING)
        .order_by("path")
    )
    rooms = dict(
        selectors.rooms(user)
        .filter(_grids_q(grids))
        .order_by()
        .values("building_id")
        .annotate(n=Count("id"))
        .values_list("building_id", "n")
    )
    residents = dict(
        selectors.people(user)
        .filter(_grids_q(grids))
        .order_by()
        .values("region_path")
        .annotate(n=Count("id"))
        .values_list("region_path", "n")
    )
    today = timezone.localdate()
    due = [k for k in _due_contracts(user, grids) if k.next_visit_due() <= today]
    return _page(
        request,
        "web/mobile/registry_home.html",
        {
            "grids": grids,
            "q": q,
            "by_number": bool(flt.qh),
            "found": found,
            "buildings": [
                {"b": b, "rooms": rooms.get(b.pk, 0), "people": residents.get(b.path, 0)}
                for b in buildings
            ],
            "in_grid": sum(residents.get(g.path, 0) for g in grids),
            "due": len(due),
            "today": today,
        },
    )


@login_required
@require_GET
def building(request: HttpRequest, path: str) -> HttpResponse:
    """The rooms of one building of my grids (with their residents) and the people placed at
    the building without a room; a grid's path lists the people placed at the grid itself."""
    grids = my_grids(request.user)
    if not grids:
        return _not_for_you(request)
    place = regions.get_region(request.user, path)
    if place.level not in (Level.BUILDING, Level.GRID) or not _mine(place.path, grids):
        raise Http404
    user = request.user
    rooms: list[Room] = []
    if place.level == Level.BUILDING:
        rooms = list(
            selectors.rooms(user, RoomFilter(region=place.path)).order_by("unit", "number", "id")[
                :ROOM_LIMIT
            ]
        )
    loose = list(
        selectors.people(user)
        .filter(region_path=place.path, room__isnull=True)
        .order_by("household_no", "name", "id")[:ROOM_LIMIT]
    )
    return _page(
        request,
        "web/mobile/registry_building.html",
        {"place": place, "rooms": rooms, "loose": loose},
    )


@login_required
@require_GET
def room(request: HttpRequest, pk: int) -> HttpResponse:
    grids = my_grids(request.user)
    if not grids:
        return _not_for_you(request)
    found = selectors.get_room(request.user, pk)
    if not _mine(found.region_path, grids):
        raise Http404
    residents = list(
        selectors.people(request.user, PersonFilter(room=found.pk)).order_by("household_no", "id")
    )
    tenants = list(selectors.tenancies(request.user, found, current=True))
    return _page(
        request,
        "web/mobile/registry_room.html",
        {"room": found, "residents": residents, "tenants": tenants},
    )


# -- the person card -------------------------------------------------------------------------


def _room_choices(user: Any, person: Person) -> list[tuple[str, str]]:
    rooms = selectors.rooms(user, RoomFilter(region=person.region_path[:15])).order_by(
        "region_path", "unit", "number"
    )
    return [(str(r.pk), f"{r.building.name} {r.label}") for r in rooms[:ROOM_LIMIT]]


def _card(
    request: HttpRequest,
    person: Person,
    *,
    update: QuickUpdateForm | None = None,
    visit: VisitForm | None = None,
    reveal: RevealForm | None = None,
    phone: str = "",
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    user = request.user
    contracts = list(selectors.contracts(user).filter(person=person))
    contract = request.GET.get("contract") or request.POST.get("contract") or ""
    preset = contract or (str(contracts[0].pk) if len(contracts) == 1 else "")
    may_act = can(user, person, "act")
    context: dict[str, Any] = {
        "person": person,
        "age": person.age_on(timezone.localdate()),
        "tags": selectors.person_tags(user, person),
        "contracts": contracts,
        "visits": list(selectors.visits(user, person=person)[:5]),
        "may_act": may_act,
        "may_reveal": selectors.may_reveal(user, person),
        "reveal_form": reveal or RevealForm(),
        "phone": phone,
        "error": error,
        "open": "visit" if contract or visit is not None else "update" if update else "",
        "next": _next(request),
        "today": timezone.localdate(),
        "reasons": REVEAL_REASONS,
        "gps_texts": GPS_TEXTS,
    }
    if may_act:
        choices = [(str(k.pk), f"{k.tag.name if k.tag else _('关爱合约')}") for k in contracts]
        context["visit_form"] = visit or VisitForm(
            contracts=choices,
            initial={"kind": "care" if preset else "routine", "contract": preset},
        )
        context["update_form"] = update or QuickUpdateForm(
            rooms=_room_choices(user, person),
            initial={
                "residence_status": person.residence_status,
                "room": str(person.room_id or ""),
                "version": person.version,
            },
        )
    return _page(request, "web/mobile/registry_person.html", context, status=status)


def _next(request: HttpRequest) -> str:
    """Where to go after a visit (the care list when it came from there)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target if target.startswith("/m/") else ""
    return ""


@login_required
@require_GET
def person(request: HttpRequest, pk: int) -> HttpResponse:
    grids = my_grids(request.user)
    if not grids:
        return _not_for_you(request)
    return _card(request, _person(request, pk, grids))


@login_required
@require_POST
def reveal_phone(request: HttpRequest, pk: int) -> HttpResponse:
    """The person's phone in clear, to call them: needs a reason, is recorded, and appears only
    in this response (an htmx partial with a call link; a card page without htmx)."""
    grids = my_grids(request.user)
    if not grids:
        return _not_for_you(request)
    found = _person(request, pk, grids)
    user = base.staff(request)
    if not selectors.may_reveal(user, found):
        raise PermissionDenied(_("您的岗位不能查看完整的个人信息"))
    form = RevealForm(request.POST)
    phone = ""
    if form.is_valid():
        try:
            phone = services.reveal(
                actor=user,
                obj=found,
                field=c.RevealField.PHONE,
                reason=form.cleaned_data["reason"],
                ip=client_address(request),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except RateLimited as exc:
            form.add_error("reason", _("查看过于频繁，请 %(s)s 秒后再试") % {"s": exc.retry_after})
    status = 200 if phone else 400
    if base.is_htmx(request):
        context = {
            "person": found,
            "reveal_form": form,
            "phone": phone,
            "may_reveal": True,
            "reasons": REVEAL_REASONS,
        }
        return base.no_store(
            render(request, "web/mobile/registry_phone.html", context, status=status)
        )
    return _card(request, found, reveal=form, phone=phone, status=status)


def _actable(request: HttpRequest, pk: int, grids: list[Region]) -> Person:
    found = _person(request, pk, grids)
    if not can(request.user, found, "act"):
        raise PermissionDenied(_("您只能查看这条记录，不能修改"))
    return found


@login_required
@require_POST
def update(request: HttpRequest, pk: int) -> HttpResponse:
    """Quick update: a new phone, the residence status, the room."""
    grids = my_grids(request.user)
    if not grids:
        return _not_for_you(request)
    found = _actable(request, pk, grids)
    user = base.staff(request)
    form = QuickUpdateForm(request.POST, rooms=_room_choices(user, found))
    if form.is_valid():
        data = form.cleaned_data
        values: dict[str, Any] = {}
        if data["phone"]:
            values["phone"] = data["phone"]
        if data["residence_status"] and data["residence_status"] != found.residence_status:
            values["residence_status"] = data["residence_status"]
        if (data["room"] or "") != str(found.room_id or ""):
            # a room places them in its building; no room keeps them where they are
            values["room"] = data["room"] or ""
            values["region"] = found.region.path
        if not values:
            messages.info(request, _("没有修改"))
            return redirect("mobile-registry-person", pk=found.pk)
        try:
            services.update_person(
                actor=user,
                person_id=found.pk,
                values=values,
                expected_version=data.get("version"),
                reason=_("网格员现场更新"),
            )
        except ValidationError as exc:
            apply_errors(form, exc, {"region": "room"})
        except RegistryConflict as exc:
            found = _person(request, pk, grids)
            return _card(request, found, update=form, error=exc.message, status=409)
        else:
            messages.success(request, _("已更新"))
            return redirect("mobile-registry-person", pk=found.pk)
    return _card(request, found, update=form, status=400)


def _coordinate(raw: str) -> float | None:
    try:
        return float(raw) if raw.strip() else None
    except ValueError:
        return None


@login_required
@require_POST
def visit(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a visit (one tap from the care list: a normal care visit of a contract)."""
    grids = my_grids(request.user)
    if not grids:
        return _not_for_you(request)
    found = _actable(request, pk, grids)
    contracts = list(selectors.contracts(request.user).filter(person=found))
    form = VisitForm(request.POST, contracts=[(str(k.pk), "") for k in contracts])
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.record_visit(
                actor=base.staff(request),
                person_id=found.pk,
                kind=data["kind"],
                result=data["result"],
                findings=data["findings"],
                contract_id=int(data["contract"]) if data.get("contract") else None,
                follow_up_case=data["follow_up_case"],
                lng=data.get("lng"),
                lat=data.get("lat"),
            )
        except ValidationError as exc:
            apply_errors(form, exc, {"lat": "lng"})
        else:
            messages.success(request, _("已记录对 %(name)s 的走访") % {"name": found.name})
            return redirect(_next(request) or reverse("mobile-registry-person", args=[found.pk]))
    return _card(request, found, visit=form, status=400)


@login_required
@require_GET
def care(request: HttpRequest) -> HttpResponse:
    """Care contracts for me: where I am the carer or the person lives in my grids. Those due
    (overdue first) and those due within a week, each with a one-tap "visited, all well"; the
    others folded away."""
    grids = my_grids(request.user)
    if not grids:
        return _not_for_you(request)
    today = timezone.localdate()
    week = today + dt.timedelta(days=SOON_DAYS)
    due: list[dict[str, Any]] = []
    soon: list[dict[str, Any]] = []
    later: list[dict[str, Any]] = []
    for contract in _due_contracts(request.user, grids):
        next_due = contract.next_visit_due()
        row = {
            "k": contract,
            "due": next_due,
            "late": (today - next_due).days if next_due < today else 0,
            "is_due": next_due <= today,
            "mine": contract.carer_id == request.user.pk,
        }
        (due if next_due <= today else soon if next_due <= week else later).append(row)
    return _page(
        request,
        "web/mobile/registry_care.html",
        {
            "due_rows": due,
            "soon_rows": soon,
            "later_rows": later,
            "due": len(due),
            "soon_days": SOON_DAYS,
            "next": reverse("mobile-registry-care"),
        },
    )
