"""Workbench pages of the people register (实有人口): the list with its filters and export, the
person page (facts, household, room, tags, care contracts, visits, history), the new / edit /
remove forms and the reveal of a protected value."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gridgov.accounts.models import Post
from gridgov.accounts.roles import Role
from gridgov.core import audit
from gridgov.core.jurisdiction import can
from gridgov.core.ratelimit import RateLimited, client_address
from gridgov.regions import codes
from gridgov.registry import access, selectors, services
from gridgov.registry import choices as c
from gridgov.registry.errors import RegistryConflict
from gridgov.registry.models import CareContract, Person
from gridgov.registry.selectors import PersonFilter, RoomFilter
from gridgov.web import registry as base
from gridgov.web.registry_forms import (
    ContractForm,
    EndContractForm,
    ExportForm,
    PersonFilterForm,
    PersonForm,
    RemovePersonForm,
    RemoveTagForm,
    RevealForm,
    TagForm,
    VisitForm,
    apply_errors,
)

VISITS_SHOWN = 30
EDIT_FIELDS = (
    "name",
    "ethnicity",
    "hukou_place",
    "kind",
    "residence_status",
    "household_no",
    "relation",
    "workplace",
    "note",
)
FIELDS = {
    "id_number": (c.RevealField.ID_NUMBER, "id_masked"),
    "phone": (c.RevealField.PHONE, "phone_masked"),
}


def person_filter(params: QueryDict) -> PersonFilter:
    """The list's filter from the URL (the form's state "all" is every state)."""
    query = params.copy()
    if query.get("state") == "all":
        query["state"] = ""
    return PersonFilter.from_params(query)


def _filter_form(request: HttpRequest) -> PersonFilterForm:
    user = request.user
    return PersonFilterForm(
        request.GET or None,
        regions=base.region_choices(user),
        groups=[(g.code, g.name) for g in selectors.tag_groups(user)],
        tags=base.tag_choices(user),
    )


@login_required
@require_GET
def people_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    flt = person_filter(request.GET)
    hashed = flt.hashed()
    if hashed.qh and hashed.qh != flt.qh:
        # A whole ID number or phone searched for: the URL carries its keyed hash instead, so
        # that links, browser history and server logs never hold it in clear.
        query = request.GET.copy()
        query.pop("q", None)
        query.pop("page", None)
        query["qh"] = hashed.qh
        return redirect(f"{reverse('registry-people')}?{query.urlencode()}")
    queryset = (
        selectors.people(user, flt)
        .select_related("region__parent", "room")
        .order_by("region_path", "household_no", "id")
    )
    page = base.paginate(request, queryset)
    rows = list(page.object_list)
    tags = base.tags_by_person(user, rows)
    today = timezone.localdate()
    return render(
        request,
        "web/registry/people.html",
        {
            "form": _filter_form(request),
            "page": page,
            "rows": [{"p": p, "tags": tags[p.pk], "age": p.age_on(today)} for p in rows],
            "total": page.paginator.count,
            "query": base.query_without_page(request),
            "may_write": base.may_write(user),
            "may_reveal": access.may_reveal_anywhere(user),
            "export_form": ExportForm(),
            "by_number": bool(flt.qh),
            "section": "people",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def people_export(request: HttpRequest) -> HttpResponse:
    """The list as filtered, as Excel: masked (GET) or, for a post that may reveal, with the
    clear values (POST with a reason; every revealed value is recorded)."""
    from gridgov.registry import exports

    user = base.staff(request)
    reason = ""
    if request.method == "POST":
        if not access.may_reveal_anywhere(user):
            raise PermissionDenied(_("您的岗位不能导出完整的个人信息"))
        form = ExportForm(request.POST)
        reason = (request.POST.get("reveal_reason") or "").strip()
        if not form.is_valid() or not reason:
            messages.error(request, _("导出完整号码需要填写理由"))
            return redirect(f"{reverse('registry-people')}?{request.GET.urlencode()}")
    flt = person_filter(request.GET)
    queryset = selectors.people(user, flt)
    audit.record(
        actor=user,
        action="export_people",
        obj=user,
        changes={
            "query": urlencode(flt.as_params()),  # a whole number only as its keyed hash
            "rows": queryset.count(),
            "clear": bool(reason),
            "reason": reason,
        },
    )
    try:
        result = exports.export_xlsx(
            actor=user, kind="people", queryset=queryset, reveal_reason=reason or None
        )
    except RateLimited as exc:
        messages.error(request, _("导出过于频繁，请 %(s)s 秒后再试") % {"s": exc.retry_after})
        return redirect(f"{reverse('registry-people')}?{request.GET.urlencode()}")
    if isinstance(result, HttpResponse):
        return base.no_store(result)
    filename = _("实有人口-%(day)s.xlsx") % {"day": timezone.localdate().strftime("%Y%m%d")}
    return base.download(bytes(result), filename)


# -- the person page -------------------------------------------------------------------------


def _carers(user: Any, person: Person) -> list[tuple[str, str]]:
    """Who may be a person's carer: staff with a current post over the person's place (grid
    workers, grid chiefs, village and township operators), and the user."""
    paths = [*codes.ancestor_paths(person.region_path), person.region_path]
    posts = (
        Post.objects.current()
        .filter(
            region__path__in=paths,
            role__in=[
                Role.GRID_WORKER,
                Role.GRID_CHIEF,
                Role.VILLAGE_OPERATOR,
                Role.TOWNSHIP_OPERATOR,
            ],
        )
        .select_related("user", "region")
        .order_by("-region__path", "role")[:60]
    )
    out: dict[int, str] = {}
    for post in posts:
        name = post.user.full_name or post.user.username
        where = post.region.name if post.region else ""
        out.setdefault(post.user_id, f"{name}（{post.get_role_display()} · {where}）")
    if user.pk not in out:
        out[user.pk] = f"{user.full_name or user.username}（{_('本人')}）"
    return [(str(pk), label) for pk, label in out.items()]


def _room_choices(user: Any, region_path: str) -> list[tuple[str, str]]:
    """Rooms of the grid around ``region_path`` (a grid or a building) that the user sees."""
    grid = region_path[:15]
    rooms = selectors.rooms(user, RoomFilter(region=grid)).order_by("region_path", "unit", "number")
    return [(str(r.pk), f"{r.building.name} {r.label}") for r in rooms[:500]]


def _contract_choices(contracts: list[CareContract]) -> list[tuple[str, str]]:
    return [
        (str(k.pk), f"{k.tag.name if k.tag else _('关爱合约')} · {k.services[:20]}")
        for k in contracts
        if k.state == c.ContractState.ACTIVE
    ]


def _visit_form(contracts: list[CareContract]) -> VisitForm:
    """The visit form; a person's only active contract is chosen (a care visit)."""
    choices = _contract_choices(contracts)
    initial = {"kind": "routine"}
    if len(choices) == 1:
        initial = {"kind": "care", "contract": choices[0][0]}
    return VisitForm(contracts=choices, initial=initial)


def _person_context(
    request: HttpRequest, person: Person, *, forms: dict[str, Any] | None = None
) -> dict[str, Any]:
    user = request.user
    forms = forms or {}
    may_act = can(user, person, "act")
    may_reveal = selectors.may_reveal(user, person)
    contracts = list(
        selectors.contracts(user, state="").filter(person=person).order_by("-starts_on", "-id")
    )
    tags = selectors.person_tags(user, person)
    carried = {t.tag.code for t in tags}
    context: dict[str, Any] = {
        "person": person,
        "age": person.age_on(timezone.localdate()),
        "may_act": may_act,
        "may_reveal": may_reveal,
        "household": list(
            selectors.household(user, person).exclude(pk=person.pk).select_related("room")
        ),
        "tags": tags,
        "contracts": contracts,
        "visits": list(selectors.visits(user, person=person)[:VISITS_SHOWN]),
        "tab": "history" if request.GET.get("tab") == "history" else "main",
        "open": forms.get("open", ""),
        "error": forms.get("error", ""),
        "section": "people",
        "reveal_id_url": reverse("registry-person-reveal", args=[person.pk, "id_number"]),
        "reveal_phone_url": reverse("registry-person-reveal", args=[person.pk, "phone"]),
    }
    if context["tab"] == "history":
        changes = selectors.changes_of(user, "person", person.pk)[:200]
        context["changes"] = base.change_rows(changes, Person)
        context["tag_events"] = selectors.tag_history(user, person)
        if may_reveal:
            context["reveals"] = list(selectors.reveals_of(user, "person", person.pk)[:200])
    if may_act:
        free = [t for t in base.tag_choices(user, person.region_path) if t[0] not in carried]
        context.update(
            tag_form=forms.get("tag") or TagForm(tags=free),
            untag_error=forms.get("untag"),
            contract_form=forms.get("contract")
            or ContractForm(
                carers=_carers(user, person),
                tags=base.tag_choices(user, person.region_path),
                initial={"starts_on": timezone.localdate().isoformat(), "carer": str(user.pk)},
            ),
            end_contract=forms.get("end_contract"),
            visit_form=forms.get("visit") or _visit_form(contracts),
            remove_form=forms.get("remove") or RemovePersonForm(),
        )
    return context


@login_required
@require_GET
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.get_person(request.user, pk)
    return render(request, "web/registry/person.html", _person_context(request, person))


def _actable(request: HttpRequest, pk: int) -> Person:
    """A person the user may see (404 otherwise) and change (403 otherwise)."""
    person = selectors.get_person(request.user, pk)
    if not can(request.user, person, "act"):
        raise PermissionDenied(_("您只能查看这条记录，不能修改"))
    return person


def _failed(
    request: HttpRequest, person: Person, key: str, form: Any, *, status: int = 400
) -> HttpResponse:
    person = selectors.get_person(request.user, person.pk)
    context = _person_context(request, person, forms={key: form, "open": key})
    return render(request, "web/registry/person.html", context, status=status)


def _conflict(
    request: HttpRequest, person: Person, key: str, exc: RegistryConflict
) -> HttpResponse:
    person = selectors.get_person(request.user, person.pk)
    context = _person_context(request, person, forms={"open": key, "error": exc.message})
    return render(request, "web/registry/person.html", context, status=409)


@login_required
@require_POST
def person_tag(request: HttpRequest, pk: int) -> HttpResponse:
    person = _actable(request, pk)
    user = base.staff(request)
    form = TagForm(request.POST, tags=base.tag_choices(user, person.region_path))
    if form.is_valid():
        try:
            services.set_tag(
                actor=user,
                person_id=person.pk,
                tag=form.cleaned_data["tag"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except RegistryConflict as exc:
            return _conflict(request, person, "tag", exc)
        else:
            messages.success(request, _("已标注"))
            return redirect("registry-person", pk=person.pk)
    return _failed(request, person, "tag", form)


@login_required
@require_POST
def person_untag(request: HttpRequest, pk: int) -> HttpResponse:
    person = _actable(request, pk)
    form = RemoveTagForm(request.POST)
    if form.is_valid():
        try:
            services.remove_tag(
                actor=base.staff(request),
                person_id=person.pk,
                tag=form.cleaned_data["tag"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except RegistryConflict as exc:
            return _conflict(request, person, "tags", exc)
        else:
            messages.success(request, _("已取消标签"))
            return redirect("registry-person", pk=person.pk)
    form.code = request.POST.get("tag", "")  # type: ignore[attr-defined]
    return _failed(request, person, "untag", form)


@login_required
@require_POST
def person_contract(request: HttpRequest, pk: int) -> HttpResponse:
    person = _actable(request, pk)
    user = base.staff(request)
    form = ContractForm(
        request.POST,
        carers=_carers(user, person),
        tags=base.tag_choices(user, person.region_path),
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.create_care_contract(
                actor=user,
                person_id=person.pk,
                carer_id=int(data["carer"]),
                services=data["services"],
                visit_every_days=data["visit_every_days"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"] or None,
                tag=data["tag"] or "",
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已签订关爱服务合约"))
            return redirect("registry-person", pk=person.pk)
    return _failed(request, person, "contract", form)


@login_required
@require_POST
def contract_end(request: HttpRequest, pk: int) -> HttpResponse:
    contract = selectors.contracts(request.user, state="").filter(pk=pk).first()
    if contract is None:
        raise Http404
    person = _actable(request, contract.person_id)
    form = EndContractForm(request.POST)
    if form.is_valid():
        try:
            services.end_care_contract(
                actor=base.staff(request), contract_id=pk, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except RegistryConflict as exc:
            return _conflict(request, person, "contracts", exc)
        else:
            messages.success(request, _("合约已结束"))
            return redirect("registry-person", pk=person.pk)
    form.contract_id = pk  # type: ignore[attr-defined]
    return _failed(request, person, "end_contract", form)


@login_required
@require_POST
def person_visit(request: HttpRequest, pk: int) -> HttpResponse:
    person = _actable(request, pk)
    contracts = list(selectors.contracts(request.user).filter(person=person))
    form = VisitForm(request.POST, contracts=_contract_choices(contracts))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.record_visit(
                actor=base.staff(request),
                person_id=person.pk,
                kind=data["kind"],
                result=data["result"],
                findings=data["findings"],
                contract_id=int(data["contract"]) if data.get("contract") else None,
                follow_up_case=data["follow_up_case"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已记录走访"))
            return redirect("registry-person", pk=person.pk)
    return _failed(request, person, "visit", form)


@login_required
@require_POST
def person_remove(request: HttpRequest, pk: int) -> HttpResponse:
    person = _actable(request, pk)
    form = RemovePersonForm(request.POST)
    if form.is_valid():
        try:
            services.remove_person(
                actor=base.staff(request),
                person_id=person.pk,
                state=form.cleaned_data["state"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已注销"))
            return redirect("registry-person", pk=person.pk)
    return _failed(request, person, "remove", form)


# -- reveal ----------------------------------------------------------------------------------


def _reveal_context(
    kind: str, obj: Any, field: str, masked: str, url: str, form: Any = None, value: str = ""
) -> dict[str, Any]:
    return {
        "kind": kind,
        "obj": obj,
        "field": field,
        "masked": masked,
        "url": url,
        "form": form or RevealForm(),
        "value": value,
        "target": f"reveal-{kind}-{obj.pk}-{field}",
    }


def reveal_view(
    request: HttpRequest,
    *,
    obj: Any,
    kind: str,
    field: str,
    masked: str,
    url: str,
    back: str,
) -> HttpResponse:
    """The reveal of one protected value: GET the small form asking the reason, POST it to get
    the value once (an htmx partial, or a page without htmx). Never cached."""
    user = base.staff(request)
    if not access.may_reveal(user, obj.region_path):
        raise PermissionDenied(_("您的岗位不能查看完整的个人信息"))
    form = RevealForm(request.POST or None)
    value = ""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                value = services.reveal(
                    actor=user,
                    obj=obj,
                    field=field,
                    reason=form.cleaned_data["reason"],
                    ip=client_address(request),
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            except RateLimited as exc:
                form.add_error(
                    "reason", _("查看过于频繁，请 %(s)s 秒后再试") % {"s": exc.retry_after}
                )
        if not value:
            status = 400
    context = _reveal_context(kind, obj, field, masked, url, form, value)
    context["back"] = back
    context["section"] = "orgs" if kind == "organisation" else "people"
    template = "web/registry/_reveal.html" if base.is_htmx(request) else "web/registry/reveal.html"
    return base.no_store(render(request, template, context, status=status))


@login_required
@require_http_methods(["GET", "POST"])
def person_reveal(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    if field not in FIELDS:
        raise Http404
    person = selectors.get_person(request.user, pk)
    reveal_field, masked_attr = FIELDS[field]
    return reveal_view(
        request,
        obj=person,
        kind="person",
        field=reveal_field,
        masked=getattr(person, masked_attr),
        url=reverse("registry-person-reveal", args=[person.pk, field]),
        back=reverse("registry-person", args=[person.pk]),
    )


# -- new / edit ------------------------------------------------------------------------------


def _person_values(form: PersonForm, person: Person | None) -> dict[str, Any]:
    """The service values from a valid form: what was filled in, the ID number and phone only
    when typed, gender and birth date only when given (a checked ID number sets them)."""
    data = form.cleaned_data
    values: dict[str, Any] = {name: data.get(name) or "" for name in EDIT_FIELDS}
    values["is_party_member"] = bool(data.get("is_party_member"))
    for name in ("id_number", "phone", "gender", "birth_date"):
        if data.get(name):
            values[name] = data[name]
    id_type = data.get("id_type") or c.IdType.RESIDENT_ID
    if person is None or id_type != person.id_type:
        values["id_type"] = id_type
    if person is None:
        values["region"] = data.get("region") or ""
        if data.get("room"):
            values["room"] = data["room"]
        return values
    old_room = str(person.room_id or "")
    region = data.get("region") or ""
    if (data.get("room") or "") != old_room or region != person.region.path:
        values["room"] = data.get("room") or ""
        values["region"] = region
    return values


def _place_context(user: Any) -> dict[str, Any]:
    return {"places": base.place_options(user)}


def _initial(person: Person) -> dict[str, Any]:
    initial = {name: getattr(person, name) for name in EDIT_FIELDS}
    initial.update(
        id_type=person.id_type,
        is_party_member=person.is_party_member,
        region=person.region.path,
        room=str(person.room_id or ""),
        version=person.version,
    )
    if person.id_type not in c.CHECKED_ID_TYPES:
        initial.update(gender=person.gender, birth_date=person.birth_date.isoformat())
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def person_new(request: HttpRequest) -> HttpResponse:
    user = base.staff(request)
    base.require_write(user)
    preset: dict[str, Any] = {}
    room_id = request.GET.get("room") or ""
    if room_id:
        room = selectors.get_room(user, room_id)
        preset = {"room": str(room.pk), "region": room.building.path}
    elif request.GET.get("region"):
        preset = {"region": request.GET["region"][:18]}
    place = request.POST.get("region") or preset.get("region", "")
    rooms = _room_choices(user, place) if len(place) >= 15 else []
    form = PersonForm(request.POST or None, rooms=rooms, initial=preset)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                person = services.create_person(actor=user, values=_person_values(form, None))
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("已登记 %(name)s") % {"name": person.name})
                return redirect("registry-person", pk=person.pk)
    return render(
        request,
        "web/registry/person_form.html",
        {"form": form, "person": None, "section": "people", **_place_context(user)},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = _actable(request, pk)
    user = base.staff(request)
    place = request.POST.get("region") or person.region.path
    rooms = _room_choices(user, place) if len(place) >= 15 else []
    form = PersonForm(request.POST or None, rooms=rooms, editing=True, initial=_initial(person))
    error = ""
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.update_person(
                    actor=user,
                    person_id=person.pk,
                    values=_person_values(form, person),
                    expected_version=form.cleaned_data.get("version"),
                    reason=form.cleaned_data.get("reason") or "",
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            except RegistryConflict as exc:
                error, status = exc.message, 409
            else:
                messages.success(request, _("已保存"))
                return redirect("registry-person", pk=person.pk)
    return render(
        request,
        "web/registry/person_form.html",
        {
            "form": form,
            "person": person,
            "error": error,
            "section": "people",
            **_place_context(user),
        },
        status=status,
    )
