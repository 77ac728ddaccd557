"""Workbench pages of the party members (党员): the filtered list, the member page (the register
person, masked phone, seats, attendance, 双报到 registrations), adding a member picked from the
register, edit / transfer and ending a membership. Every page here shows personal data and is
sent ``Cache-Control: no-store``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gridgov.accounts.models import Department
from gridgov.core.jurisdiction import restrict
from gridgov.party import selectors, services
from gridgov.party.models import Attendance, PartyMember
from gridgov.registry import selectors as registry
from gridgov.registry.selectors import PersonFilter
from gridgov.web import party as p
from gridgov.web import registry as base
from gridgov.web.party_forms import EndMemberForm, MemberFilterForm, MemberForm

PEOPLE_SHOWN = 20
MEMBER_FIELDS = (
    "organisation",
    "joined_on",
    "status",
    "full_member_on",
    "in_service_unit",
    "in_service_department",
    "mobile_location",
    "mobile_since",
)


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    return base.no_store(render(request, template, context, status=status))


@login_required
@require_GET
def members_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    queryset = (
        selectors.members(user, selectors.MemberFilter.from_params(request.GET))
        .select_related("person", "organisation", "in_service_department")
        .order_by("region_path", "organisation_id", "person__name", "id")
    )
    page = base.paginate(request, queryset)
    form = MemberFilterForm(
        request.GET or None, regions=p.region_choices(user), organisations=p.org_choices(user)
    )
    return _render(
        request,
        "web/party/members.html",
        {
            "form": form,
            "page": page,
            "rows": list(page.object_list),
            "total": page.paginator.count,
            "query": base.query_without_page(request),
            "may_manage": p.may_manage_anywhere(user),
            "section": "members",
        },
    )


def _attendance(user: Any, member: PartyMember) -> list[Attendance]:
    rows = restrict(Attendance.objects.filter(member=member), user).select_related(
        "meeting__organisation"
    )
    return list(rows.order_by("-meeting__starts_at")[:50])


def _member_context(
    request: HttpRequest, member: PartyMember, end_form: EndMemberForm | None = None
) -> dict[str, Any]:
    user = request.user
    manage = p.may_manage(user, member.region_path) and member.state == "active"
    return {
        "member": member,
        "person": member.person,
        "age": member.person.age_on(timezone.localdate()),
        "seats": list(member.seats.select_related("organisation").order_by("-starts_on")),
        "attendance": _attendance(user, member),
        "registrations": list(
            selectors.registrations(user, selectors.RegistrationFilter(member=member.pk))
            .select_related("community", "grid")
            .order_by("-registered_at")
        ),
        "chief_of": list(member.chief_of.select_related("grid").order_by("-starts_on")),
        "may_manage": manage,
        "end_form": end_form or (EndMemberForm() if manage else None),
        "open": "end" if end_form is not None else "",
        "section": "members",
    }


@login_required
@require_GET
def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.get_member(request.user, pk)
    return _render(request, "web/party/member.html", _member_context(request, member))


def _managed(request: HttpRequest, pk: int) -> PartyMember:
    member = selectors.get_member(request.user, pk)
    if not p.may_manage(request.user, member.region_path):
        raise PermissionDenied(_("您的岗位只能查看党员信息，不能修改"))
    return member


@login_required
@require_POST
def member_end(request: HttpRequest, pk: int) -> HttpResponse:
    member = _managed(request, pk)
    form = EndMemberForm(request.POST)
    form.is_valid()
    ended, status = p.attempt(
        form,
        lambda: services.end_membership(
            actor=base.staff(request),
            member_id=member.pk,
            state=form.cleaned_data.get("state") or "",
            reason=form.cleaned_data.get("reason") or "",
        ),
    )
    if ended is not None:
        return p.done(request, _("已办理党员减少"), "party-member", member.pk)
    member = selectors.get_member(request.user, pk)
    return _render(request, "web/party/member.html", _member_context(request, member, form), status)


# -- new / edit ------------------------------------------------------------------------------


def _departments(user: Any) -> list[tuple[str, str]]:
    rows = restrict(Department.objects.filter(is_active=True), user).order_by(
        "region__path", "code"
    )
    return [(str(d.pk), d.name) for d in rows[: p.CHOICES_LIMIT]]


def _values(form: MemberForm) -> dict[str, Any]:
    data = form.cleaned_data
    values: dict[str, Any] = {name: data.get(name) or "" for name in MEMBER_FIELDS}
    for name in ("full_member_on", "mobile_since", "in_service_department"):
        values[name] = values[name] or None
    values["status"] = values["status"] or "formal"
    values["is_mobile"] = bool(data.get("is_mobile"))
    if "person" in form.fields:
        values["person"] = data.get("person") or None
    return values


@login_required
@require_http_methods(["GET", "POST"])
def member_new(request: HttpRequest) -> HttpResponse:
    """Add a member: search the register by name, pick the person, fill in the membership."""
    user = request.user
    base.require_write(user)
    person_id = request.POST.get("person") or request.GET.get("person") or ""
    person = registry.get_person(user, person_id) if person_id.isdigit() else None
    q = (request.GET.get("q") or "").strip()[:40]
    found = []
    if q and person is None:
        found = list(
            registry.people(user, PersonFilter(q=q).hashed())
            .select_related("region")
            .order_by("name", "id")[:PEOPLE_SHOWN]
        )
    initial: dict[str, Any] = {"status": "formal"}
    org_id = request.GET.get("organisation") or ""
    if org_id.isdigit():
        initial["organisation"] = org_id
    if person is not None:
        initial["person"] = str(person.pk)
    form = MemberForm(
        request.POST or None,
        organisations=p.org_choices(user, manage=True),
        departments=_departments(user),
        initial=initial,
    )
    status = 200
    if request.method == "POST":
        form.is_valid()
        member, status = p.attempt(
            form,
            lambda: services.add_member(actor=base.staff(request), values=_values(form)),
        )
        if member is not None:
            return p.done(
                request,
                _("已登记党员 %(name)s") % {"name": member.person.name},
                "party-member",
                member.pk,
            )
    return _render(
        request,
        "web/party/member_form.html",
        {
            "form": form,
            "member": None,
            "person": person,
            "q": q,
            "found": found,
            "section": "members",
        },
        status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a membership; another organisation transfers the member (组织关系转接)."""
    member = _managed(request, pk)
    user = request.user
    initial: dict[str, Any] = {
        "organisation": str(member.organisation_id),
        "joined_on": member.joined_on.isoformat(),
        "status": member.status,
        "full_member_on": member.full_member_on.isoformat() if member.full_member_on else "",
        "in_service_unit": member.in_service_unit,
        "in_service_department": str(member.in_service_department_id or ""),
        "is_mobile": member.is_mobile,
        "mobile_location": member.mobile_location,
        "mobile_since": member.mobile_since.isoformat() if member.mobile_since else "",
        "version": member.version,
    }
    organisations = p.org_choices(user, manage=True)
    if str(member.organisation_id) not in {k for k, _v in organisations}:
        organisations.insert(0, (str(member.organisation_id), p.org_label(member.organisation)))
    form = MemberForm(
        request.POST or None,
        organisations=organisations,
        departments=_departments(user),
        editing=True,
        initial=initial,
    )
    status = 200
    if request.method == "POST":
        form.is_valid()
        values = _values(form)
        changed = p.changed(values, initial)
        result, status = p.attempt(
            form,
            lambda: services.update_member(
                actor=base.staff(request),
                member_id=member.pk,
                values=changed,
                expected_version=form.cleaned_data.get("version"),
            ),
        )
        if result is not None:
            return p.done(request, _("已保存"), "party-member", member.pk)
    return _render(
        request,
        "web/party/member_form.html",
        {"form": form, "member": member, "person": member.person, "section": "members"},
        status,
    )
