"""Workbench pages of the rooms register (实有房屋 and 出租房屋): the list, the room page
(residents, tenancies, visits, history) with the tenancy and visit forms, new and edit."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gridgov.core.jurisdiction import can
from gridgov.registry import selectors, services
from gridgov.registry.errors import RegistryConflict
from gridgov.registry.models import Room
from gridgov.registry.selectors import PersonFilter, RoomFilter
from gridgov.web import registry as base
from gridgov.web.registry_forms import (
    EndTenancyForm,
    RoomFilterForm,
    RoomForm,
    TenancyForm,
    VisitForm,
    apply_errors,
)

ROOM_FIELDS = ("unit", "number", "use", "area_m2", "owner_name", "occupancy", "note")


@login_required
@require_GET
def rooms_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    flt = RoomFilter.from_params(request.GET)
    queryset = (
        selectors.rooms(user, flt)
        .select_related("building__parent")
        .order_by("region_path", "unit", "number", "id")
    )
    page = base.paginate(request, queryset)
    return render(
        request,
        "web/registry/rooms.html",
        {
            "form": RoomFilterForm(request.GET or None, regions=base.region_choices(user)),
            "page": page,
            "total": page.paginator.count,
            "query": base.query_without_page(request),
            "may_write": base.may_write(user),
            "section": "rented" if flt.occupancy == "rented" else "rooms",
        },
    )


def _room_context(
    request: HttpRequest, room: Room, *, forms: dict[str, Any] | None = None
) -> dict[str, Any]:
    user = request.user
    forms = forms or {}
    may_act = can(user, room, "act")
    residents = list(
        selectors.people(user, PersonFilter(room=room.pk)).order_by("household_no", "id")
    )
    context: dict[str, Any] = {
        "room": room,
        "may_act": may_act,
        "residents": residents,
        "tenancies": list(selectors.tenancies(user, room).order_by("ended_on", "-starts_on")),
        "visits": list(selectors.visits(user, room=room)[:30]),
        "tab": "history" if request.GET.get("tab") == "history" else "main",
        "open": forms.get("open", ""),
        "error": forms.get("error", ""),
        "section": "rooms",
    }
    if context["tab"] == "history":
        changes = selectors.changes_of(user, "room", room.pk)[:200]
        context["changes"] = base.change_rows(changes, Room)
    if may_act:
        context.update(
            tenancy_form=forms.get("tenancy") or TenancyForm(initial={"move_in": True}),
            end_tenancy=forms.get("end_tenancy"),
            visit_form=forms.get("visit") or VisitForm(initial={"kind": "rental"}),
        )
    return context


@login_required
@require_GET
def room_detail(request: HttpRequest, pk: int) -> HttpResponse:
    room = selectors.get_room(request.user, pk)
    return render(request, "web/registry/room.html", _room_context(request, room))


def _actable(request: HttpRequest, pk: int) -> Room:
    room = selectors.get_room(request.user, pk)
    if not can(request.user, room, "act"):
        raise PermissionDenied(_("您只能查看这条记录，不能修改"))
    return room


def _failed(
    request: HttpRequest, room: Room, key: str, form: Any = None, *, error: str = "", status: int
) -> HttpResponse:
    room = selectors.get_room(request.user, room.pk)
    forms = {"open": key, "error": error}
    if form is not None:
        forms[key] = form
    return render(
        request, "web/registry/room.html", _room_context(request, room, forms=forms), status=status
    )


def _tenant_id(user: Any, raw: str) -> int | None:
    """The person a tenancy is for, by a whole ID number or mobile number (exact, by keyed
    hash), among the people the user may act on."""
    raw = raw.strip()
    if not raw:
        return None
    found = list(selectors.people(user, PersonFilter(q=raw), action="act")[:2])
    is_whole = len(raw) in (11, 15, 18)
    return found[0].pk if is_whole and len(found) == 1 else None


@login_required
@require_POST
def room_tenancy(request: HttpRequest, pk: int) -> HttpResponse:
    room = _actable(request, pk)
    user = base.staff(request)
    form = TenancyForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        tenant = _tenant_id(user, data["tenant"])
        if tenant is None:
            form.add_error(
                "tenant", _("没有找到这个证件号码或手机号的登记人口（请先登记人口，再登记租住）")
            )
        else:
            try:
                services.start_tenancy(
                    actor=user,
                    room_id=room.pk,
                    tenant_id=tenant,
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"] or None,
                    purpose=data["purpose"],
                    move_in=bool(data["move_in"]),
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("已登记租住"))
                return redirect("registry-room", pk=room.pk)
    return _failed(request, room, "tenancy", form, status=400)


@login_required
@require_POST
def tenancy_end(request: HttpRequest, pk: int) -> HttpResponse:
    tenancy = selectors.tenancies(request.user).filter(pk=pk).first()
    if tenancy is None:
        raise Http404
    room = _actable(request, tenancy.room_id)
    form = EndTenancyForm(request.POST)
    if form.is_valid():
        try:
            services.end_tenancy(
                actor=base.staff(request),
                tenancy_id=tenancy.pk,
                ended_on=form.cleaned_data["ended_on"] or None,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except RegistryConflict as exc:
            return _failed(request, room, "tenancies", error=exc.message, status=409)
        else:
            messages.success(request, _("已退租"))
            return redirect("registry-room", pk=room.pk)
    form.tenancy_id = tenancy.pk  # type: ignore[attr-defined]
    return _failed(request, room, "end_tenancy", form, status=400)


@login_required
@require_POST
def room_visit(request: HttpRequest, pk: int) -> HttpResponse:
    room = _actable(request, pk)
    form = VisitForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.record_visit(
                actor=base.staff(request),
                room_id=room.pk,
                kind=data["kind"],
                result=data["result"],
                findings=data["findings"],
                follow_up_case=data["follow_up_case"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已记录走访"))
            return redirect("registry-room", pk=room.pk)
    return _failed(request, room, "visit", form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def room_new(request: HttpRequest) -> HttpResponse:
    user = base.staff(request)
    base.require_write(user)
    preset = {"building": (request.GET.get("building") or "")[:18]}
    form = RoomForm(request.POST or None, initial=preset)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            values = {k: form.cleaned_data.get(k) or "" for k in ("building", *ROOM_FIELDS)}
            try:
                room = services.create_room(actor=user, values=values)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("已登记房屋 %(room)s") % {"room": room.label})
                return redirect("registry-room", pk=room.pk)
    return render(
        request,
        "web/registry/room_form.html",
        {
            "form": form,
            "room": None,
            "places": base.place_options(user, buildings_only=True),
            "section": "rooms",
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def room_edit(request: HttpRequest, pk: int) -> HttpResponse:
    room = _actable(request, pk)
    initial: dict[str, Any] = {name: getattr(room, name) for name in ROOM_FIELDS}
    initial.update(area_m2=room.area_m2 or "", version=room.version)
    form = RoomForm(request.POST or None, editing=True, initial=initial)
    error = ""
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            values = {k: form.cleaned_data.get(k) or "" for k in ROOM_FIELDS}
            try:
                services.update_room(
                    actor=base.staff(request),
                    room_id=room.pk,
                    values=values,
                    expected_version=form.cleaned_data.get("version"),
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            except RegistryConflict as exc:
                error, status = exc.message, 409
            else:
                messages.success(request, _("已保存"))
                return redirect("registry-room", pk=room.pk)
    return render(
        request,
        "web/registry/room_form.html",
        {"form": form, "room": room, "error": error, "section": "rooms"},
        status=status,
    )
