"""Committees and mediators (调委会与调解员): the committees of the area with their
specialities and caseload (open mediations, closed this month), creating a committee, a
committee's page with its mediators (phones masked) and adding a mediator, and a mediator's page
with their mediations."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from gridgov.mediation import access, selectors, services
from gridgov.mediation import choices as c
from gridgov.mediation.models import Committee, Mediation, Mediator
from gridgov.web import mediation_room as m
from gridgov.web import ops as o
from gridgov.web import registry as base
from gridgov.web.mediation_room_forms import CommitteeForm, MediatorForm, set_choices
from gridgov.web.mediation_room_legal import account

KIND_LABELS = dict(c.DisputeKind.choices)


def labels(values: list[str]) -> list[str]:
    return [str(KIND_LABELS.get(v, v)) for v in values]


def _caseload(committees: list[Committee], field: str) -> dict[int, tuple[int, int]]:
    """(open mediations, closed this month) by committee or mediator pk."""
    first = timezone.localdate().replace(day=1)
    rows = (
        Mediation.objects.filter(**{f"{field}__in": committees})
        .values(field)
        .annotate(
            open=Count("pk", filter=Q(state=c.MediationState.OPEN)),
            closed=Count("pk", filter=Q(closed_on__gte=first)),
        )
    )
    return {row[field]: (row["open"], row["closed"]) for row in rows}


def _committees_context(request: HttpRequest, form: CommitteeForm | None = None) -> dict[str, Any]:
    user = request.user
    path = o.filter_region(request)
    rows = selectors.committees(user).annotate(
        mediator_count=Count("mediators", filter=Q(mediators__active=True))
    )
    if path:
        rows = rows.filter(region_path__startswith=path)
    page = base.paginate(request, rows.order_by("region_path", "name"))
    listed = list(page.object_list)
    load = _caseload(listed, "committee")
    context: dict[str, Any] = {
        "rows": [(x, labels(x.specialities), load.get(x.pk, (0, 0))) for x in listed],
        "page": page,
        "total": page.paginator.count,
        "query": base.query_without_page(request),
        "open": form is not None,
        "regions": o.region_choices(user),
        "region_path": path,
        "section": "committees",
    }
    places = m.centre_choices(user, access.ORGANISE)
    if places:
        committee_form = form or CommitteeForm(initial={"kind": c.CommitteeKind.PEOPLE})
        set_choices(committee_form, "region", places)
        context["form"] = committee_form
        context["action"] = reverse("mediation-committees")
        context["wide"] = ("specialities",)
    return context


@login_required
@require_http_methods(["GET", "POST"])
def committees(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "GET":
        return m.page(request, "web/mediation/committees.html", _committees_context(request))
    places = m.centre_choices(user, access.ORGANISE)
    if not places:
        raise PermissionDenied(_("您的岗位不能办理此项"))
    form = CommitteeForm(request.POST)
    set_choices(form, "region", places)

    def call() -> Committee:
        data = form.cleaned_data
        region = m.picked_region(user, data["region"])
        if region is None:
            raise ValidationError({"region": _("请选择所在区划")})
        return services.create_committee(
            actor=m.staff(request),
            region=region,
            name=data["name"],
            kind=data["kind"],
            specialities=data.get("specialities") or [],
            address=data.get("address") or "",
        )

    committee, status = m.attempt(form, call)
    if committee is not None:
        return m.done(
            request,
            _("已成立调解委员会 %(name)s") % {"name": committee.name},
            reverse("mediation-committee", args=[committee.pk]),
        )
    return m.form_error(
        request,
        form,
        reverse("mediation-committees"),
        status,
        lambda: m.page(
            request, "web/mediation/committees.html", _committees_context(request, form)
        ),
        wide=("specialities",),
    )


def _committee_context(
    request: HttpRequest, committee: Committee, form: MediatorForm | None = None
) -> dict[str, Any]:
    user = request.user
    mediators = list(committee.mediators.select_related("user").order_by("-active", "name"))
    first = timezone.localdate().replace(day=1)
    load = {
        row["mediator"]: (row["open"], row["closed"])
        for row in Mediation.objects.filter(mediator__in=mediators)
        .values("mediator")
        .annotate(
            open=Count("pk", filter=Q(state=c.MediationState.OPEN)),
            closed=Count("pk", filter=Q(closed_on__gte=first)),
        )
    }
    context: dict[str, Any] = {
        "committee": committee,
        "specialities": labels(committee.specialities),
        "mediators": [(x, labels(x.specialities), load.get(x.pk, (0, 0))) for x in mediators],
        "section": "committees",
    }
    if committee.active and m.may_organise(user, committee.region_path):
        mediator_form = form or MediatorForm(initial={"kind": c.MediatorKind.PART_TIME})
        context["form"] = mediator_form
        context["action"] = reverse("mediation-committee", args=[committee.pk])
        context["wide"] = ("specialities",)
    return context


def get_committee(user: Any, pk: int) -> Committee:
    found: Committee | None = selectors.committees(user).filter(pk=pk).first()
    if found is None:
        raise m.not_found()
    return found


@login_required
@require_http_methods(["GET", "POST"])
def committee_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A committee with its mediators; operators add a mediator."""
    user = request.user
    committee = get_committee(user, pk)
    if request.method == "GET":
        return m.page(
            request, "web/mediation/committee.html", _committee_context(request, committee)
        )
    if not m.may_organise(user, committee.region_path):
        raise PermissionDenied(_("您的岗位不能办理此项"))
    form = MediatorForm(request.POST)

    def call() -> Mediator:
        data = form.cleaned_data
        login = (data.get("username") or "").strip()
        linked = account(login, committee.region) if login else None
        if login and linked is None:
            raise ValidationError({"username": _("没有这个账号，或该账号不在本调委会区域内任职")})
        return services.add_mediator(
            actor=m.staff(request),
            committee=committee,
            name=data["name"],
            kind=data["kind"],
            phone=data.get("phone") or "",
            user=linked,
            specialities=data.get("specialities") or [],
            certified_on=data.get("certified_on"),
        )

    mediator, status = m.attempt(form, call)
    back = reverse("mediation-committee", args=[committee.pk])
    if mediator is not None:
        return m.done(request, _("已添加调解员 %(name)s") % {"name": mediator.name}, back)
    return m.form_error(
        request,
        form,
        back,
        status,
        lambda: m.page(
            request, "web/mediation/committee.html", _committee_context(request, committee, form)
        ),
        wide=("specialities",),
    )


@login_required
@require_GET
def mediator_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A mediator's mediations (the mediator rota): the open ones with their next sessions, then
    the closed ones."""
    user = request.user
    mediator: Mediator | None = selectors.mediators(user).filter(pk=pk).first()
    if mediator is None:
        mediator = (
            Mediator.objects.filter(pk=pk, user=m.staff(request))
            .select_related("committee")
            .first()
        )
    if mediator is None:
        raise m.not_found()
    rows = (
        Mediation.objects.filter(Q(mediator=mediator) | Q(co_mediators=mediator))
        .select_related("dispute__case", "committee", "mediator")
        .prefetch_related("sessions")
        .distinct()
        .order_by("-accepted_on", "-pk")
    )
    listed = list(rows[:200])
    return m.page(
        request,
        "web/mediation/mediator.html",
        {
            "mediator": mediator,
            "specialities": labels(mediator.specialities),
            "open_rows": [x for x in listed if x.state == c.MediationState.OPEN],
            "closed_rows": [x for x in listed if x.state != c.MediationState.OPEN],
            "section": "committees",
        },
    )
