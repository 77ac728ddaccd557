"""The mediation room (调解室): the disputes list with its filters, the dispute's page (case,
parties masked, risk, amount, its mediations with sessions, agreement, judicial confirmation
and follow-up visits) and its forms: start a mediation, record a session, close it (with the
agreement editor for an agreement), apply for and record the court's confirmation, record a
follow-up visit; and the agreement's PDF."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gridgov.mediation import access, casework, documents, selectors, services
from gridgov.mediation import choices as c
from gridgov.mediation.models import (
    Agreement,
    Committee,
    Confirmation,
    Dispute,
    Mediation,
    Mediator,
)
from gridgov.web import mediation_room as m
from gridgov.web import ops as o
from gridgov.web import registry as base
from gridgov.web.mediation_room_forms import (
    CloseForm,
    ConfirmationForm,
    DecisionForm,
    DisputeFilterForm,
    FollowUpForm,
    SessionForm,
    StartForm,
    set_choices,
)

# -- list ------------------------------------------------------------------------------------


def _filter_choices(user: Any) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    committees = [
        (str(pk), name)
        for pk, name in selectors.committees(user)
        .order_by("region_path", "name")[:500]
        .values_list("pk", "name")
    ]
    mediators = [
        (str(x.pk), f"{x.name}（{x.committee.name}）")
        for x in selectors.mediators(user).filter(active=True).order_by("name")[:1000]
    ]
    return committees, mediators


@login_required
@require_GET
def disputes_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    path = o.filter_region(request)
    committees, mediators = _filter_choices(user)
    form = DisputeFilterForm(request.GET or None, committees=committees, mediators=mediators)
    rows = selectors.workable_disputes(user)
    if path:
        rows = rows.filter(region_path__startswith=path)
    data = form.cleaned_data if form.is_valid() else {}
    rows = rows.filter(m.dispute_state_q(data.get("state") or ""))
    if data.get("kind"):
        rows = rows.filter(kind=data["kind"])
    risk = data.get("risk") or ""
    if risk == "flagged":
        rows = rows.filter(m.FLAGGED)
    elif risk:
        rows = rows.filter(risk=risk)
    if data.get("committee"):
        rows = rows.filter(mediations__committee_id=data["committee"])
    if data.get("mediator"):
        rows = rows.filter(
            Q(mediations__mediator_id=data["mediator"])
            | Q(mediations__co_mediators__id=data["mediator"])
        )
    if data.get("mine"):
        rows = rows.filter(pk__in=selectors.my_mediations(user).values("dispute_id"))
    if request.GET.get("today"):
        rows = rows.filter(created_at__date=timezone.localdate())
    if request.GET.get("follow_up"):
        waiting = Mediation.objects.filter(m.awaiting_follow_up()).values("dispute_id")
        rows = rows.filter(pk__in=waiting)
    if request.GET.get("sitting_today"):
        rows = rows.filter(mediations__sessions__starts_at__date=timezone.localdate())
    rows = m.risk_first(rows.distinct())
    listed = base.paginate(request, rows)
    return m.page(
        request,
        "web/mediation/disputes.html",
        {
            "form": form,
            "page": listed,
            "rows": [(d, m.dispute_state(d)) for d in listed.object_list],
            "total": listed.paginator.count,
            "query": base.query_without_page(request),
            "section": "disputes",
        },
    )


# -- the dispute's page ----------------------------------------------------------------------


def get_dispute(user: Any, pk: int) -> Dispute:
    found: Dispute | None = selectors.workable_disputes(user).filter(pk=pk).first()
    if found is None:
        raise m.not_found()
    return found


def get_mediation(user: Any, pk: int) -> Mediation:
    found: Mediation | None = (
        Mediation.objects.filter(pk=pk, dispute__in=selectors.workable_disputes(user).values("pk"))
        .select_related("dispute", "committee", "mediator")
        .first()
    )
    if found is None:
        raise m.not_found()
    return found


def _prefixes(path: str) -> list[str]:
    return [path[:n] for n in range(2, len(path) + 1)]


def _committees_for(dispute: Dispute) -> list[Committee]:
    return list(
        Committee.objects.filter(active=True, region_path__in=_prefixes(dispute.region_path))
        .select_related("region")
        .order_by("-region_path", "name")
    )


def _mediators_for(committees: list[Committee]) -> list[Mediator]:
    return list(
        Mediator.objects.filter(committee__in=committees, active=True)
        .select_related("committee")
        .order_by("committee__name", "name")
    )


def _party_signatures(dispute: Dispute) -> list[tuple[str, str, str]]:
    return [(str(p.pk), str(p.get_role_display()), p.name) for p in dispute.parties.all()]


def _start_form(dispute: Dispute, data: Any = None) -> StartForm:
    committees = _committees_for(dispute)
    mediators = [(str(x.pk), m.mediator_label(x)) for x in _mediators_for(committees)]
    form = StartForm(data, mediators=mediators, initial={"accepted_on": timezone.localdate()})
    set_choices(form, "committee", [(str(x.pk), x.name) for x in committees])
    set_choices(form, "mediator", mediators)
    set_choices(
        form,
        "handler",
        [(str(u.pk), u.full_name or u.username) for u in casework.handlers(dispute.case)],
    )
    return form


def _context(
    request: HttpRequest, dispute: Dispute, forms: dict[str, Any] | None = None, open_: str = ""
) -> dict[str, Any]:
    user = request.user
    forms = forms or {}
    today = timezone.localdate()
    mediations = list(
        Mediation.objects.filter(dispute=dispute)
        .select_related("committee", "mediator", "agreement", "agreement__confirmation")
        .prefetch_related("co_mediators", "sessions", "follow_ups")
        .order_by("-accepted_on", "-pk")
    )
    current = next((x for x in mediations if x.state == c.MediationState.OPEN), None)
    latest = mediations[0] if mediations else None
    agreement = _agreement_of(latest) if latest is not None else None
    organiser = m.may_mediate(user, dispute.region_path)
    works = organiser or any(access.leads_or_joins(user, x) for x in mediations)
    context: dict[str, Any] = {
        "dispute": dispute,
        "case": dispute.case,
        "parties": list(dispute.parties.all()),
        "mediations": [(x, _agreement_of(x)) for x in mediations],
        "current": current,
        "agreement": agreement,
        "state": m.dispute_state(dispute) if mediations else ("waiting", _("待调解")),
        "may_act": works,
        "open": open_,
        "section": "disputes",
        "consultations": list(dispute.consultations.all()),
    }
    if organiser and current is None and (latest is None or latest.state not in c.AGREEMENT_STATES):
        context["start_form"] = forms.get("start") or _start_form(dispute)
        context["start_url"] = reverse("mediation-start", args=[dispute.pk])
    if works and current is not None:
        context["session_form"] = forms.get("session") or SessionForm(
            initial={"starts_at": timezone.localtime().replace(second=0, microsecond=0)}
        )
        context["session_url"] = reverse("mediation-session", args=[current.pk])
        if casework.records_outcome(user, dispute.case) or "close" in forms:
            context["close_form"] = forms.get("close") or CloseForm(
                parties=_party_signatures(dispute),
                initial={"closed_on": today, "signed_on": today},
            )
            context["close_url"] = reverse("mediation-close", args=[current.pk])
        else:
            context["outcome_by"] = casework.lead_label(dispute.case)
    if works and agreement is not None and latest is not None:
        confirmation = getattr(agreement, "confirmation", None)
        context["confirmation"] = confirmation
        context["confirm_by"] = services.confirmation_deadline(agreement)
        if confirmation is None and latest.state == c.MediationState.AGREED:
            context["confirm_form"] = forms.get("confirm") or ConfirmationForm(
                initial={"applied_on": today}
            )
            context["confirm_url"] = reverse("mediation-confirm", args=[agreement.pk])
        elif confirmation is not None and confirmation.result == c.ConfirmationResult.PENDING:
            context["decide_form"] = forms.get("decide") or DecisionForm(
                initial={"decided_on": today}
            )
            context["decide_url"] = reverse("mediation-decide", args=[confirmation.pk])
        context["follow_form"] = forms.get("follow") or FollowUpForm(initial={"visited_on": today})
        context["follow_url"] = reverse("mediation-follow-up", args=[latest.pk])
    return context


def _agreement_of(mediation: Mediation) -> Agreement | None:
    try:
        return mediation.agreement
    except Agreement.DoesNotExist:
        return None


@login_required
@require_GET
def dispute_detail(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = get_dispute(request.user, pk)
    return m.page(request, "web/mediation/dispute.html", _context(request, dispute))


def _after(
    request: HttpRequest,
    dispute: Dispute,
    name: str,
    form: Any,
    status: int,
    action: str,
    message: str,
    ok: bool,
) -> HttpResponse:
    back = reverse("mediation-dispute", args=[dispute.pk])
    if ok:
        return m.done(request, message, back)
    return m.form_error(
        request,
        form,
        action,
        status,
        lambda: m.page(
            request,
            "web/mediation/dispute.html",
            _context(request, dispute, {name: form}, open_=name),
        ),
    )


@login_required
@require_POST
def mediation_start(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = get_dispute(request.user, pk)
    form = _start_form(dispute, request.POST)

    def call() -> Mediation:
        data = form.cleaned_data
        committees = {str(x.pk): x for x in _committees_for(dispute)}
        mediators = {str(x.pk): x for x in _mediators_for(list(committees.values()))}
        committee = committees.get(data["committee"])
        lead = mediators.get(data["mediator"])
        handlers = {str(u.pk): u for u in casework.handlers(dispute.case)}
        errors = {}
        if committee is None:
            errors["committee"] = _("请选择调解委员会")
        if lead is None:
            errors["mediator"] = _("请选择主持调解员")
        if errors:
            raise ValidationError(errors)
        assert committee is not None and lead is not None
        return services.start_mediation(
            actor=m.staff(request),
            dispute=dispute,
            committee=committee,
            mediator=lead,
            accepted_on=data["accepted_on"],
            co_mediators=[mediators[x] for x in data.get("co_mediators") or [] if x in mediators],
            handler=handlers.get(data.get("handler") or ""),
        )

    found, status = m.attempt(form, call)
    return _after(
        request,
        dispute,
        "start",
        form,
        status,
        reverse("mediation-start", args=[dispute.pk]),
        _("已受理调解"),
        found is not None,
    )


@login_required
@require_POST
def session_new(request: HttpRequest, pk: int) -> HttpResponse:
    mediation = get_mediation(request.user, pk)
    form = SessionForm(request.POST)

    def call() -> Any:
        data = form.cleaned_data
        return services.record_session(
            actor=m.staff(request),
            mediation=mediation,
            starts_at=data["starts_at"],
            ends_at=data.get("ends_at"),
            online=data["online"],
            place=data["place"],
            participants=data["participants"],
            minutes=data.get("minutes") or "",
            next_step=data.get("next_step") or "",
        )

    found, status = m.attempt(form, call)
    return _after(
        request,
        mediation.dispute,
        "session",
        form,
        status,
        reverse("mediation-session", args=[mediation.pk]),
        _("已记录调解会"),
        found is not None,
    )


@login_required
@require_POST
def mediation_close(request: HttpRequest, pk: int) -> HttpResponse:
    mediation = get_mediation(request.user, pk)
    form = CloseForm(request.POST, parties=_party_signatures(mediation.dispute))

    def call() -> Mediation:
        data = form.cleaned_data
        return services.close_mediation(
            actor=m.staff(request),
            mediation=mediation,
            state=data["state"],
            note=data.get("note") or "",
            referred_to=data.get("referred_to") or "",
            agreement=form.agreement(),
            closed_on=data.get("closed_on"),
        )

    found, status = m.attempt(form, call, CloseForm.ALIASES)
    return _after(
        request,
        mediation.dispute,
        "close",
        form,
        status,
        reverse("mediation-close", args=[mediation.pk]),
        _("已登记调解结果"),
        found is not None,
    )


def _get_agreement(user: Any, pk: int) -> Agreement:
    found: Agreement | None = (
        Agreement.objects.filter(
            pk=pk, mediation__dispute__in=selectors.workable_disputes(user).values("pk")
        )
        .select_related("mediation__dispute", "mediation__committee", "mediation__mediator")
        .first()
    )
    if found is None:
        raise m.not_found()
    return found


@login_required
@require_POST
def confirmation_apply(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _get_agreement(request.user, pk)
    form = ConfirmationForm(request.POST)

    def call() -> Confirmation:
        data = form.cleaned_data
        return services.apply_confirmation(
            actor=m.staff(request),
            agreement=agreement,
            applied_on=data["applied_on"],
            court=data["court"],
        )

    found, status = m.attempt(form, call)
    return _after(
        request,
        agreement.mediation.dispute,
        "confirm",
        form,
        status,
        reverse("mediation-confirm", args=[agreement.pk]),
        _("已登记司法确认申请"),
        found is not None,
    )


@login_required
@require_POST
def confirmation_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    confirmation: Confirmation | None = (
        Confirmation.objects.filter(
            pk=pk,
            agreement__mediation__dispute__in=selectors.workable_disputes(user).values("pk"),
        )
        .select_related("agreement__mediation__dispute")
        .first()
    )
    if confirmation is None:
        raise m.not_found()
    form = DecisionForm(request.POST)

    def call() -> Confirmation:
        data = form.cleaned_data
        return services.decide_confirmation(
            actor=m.staff(request),
            confirmation=confirmation,
            result=data["result"],
            decided_on=data["decided_on"],
            ruling_no=data.get("ruling_no") or "",
        )

    found, status = m.attempt(form, call)
    return _after(
        request,
        confirmation.agreement.mediation.dispute,
        "decide",
        form,
        status,
        reverse("mediation-decide", args=[confirmation.pk]),
        _("已登记司法确认结果"),
        found is not None,
    )


@login_required
@require_POST
def follow_up_new(request: HttpRequest, pk: int) -> HttpResponse:
    mediation = get_mediation(request.user, pk)
    form = FollowUpForm(request.POST)

    def call() -> Any:
        data = form.cleaned_data
        return services.record_follow_up(
            actor=m.staff(request),
            mediation=mediation,
            visited_on=data["visited_on"],
            honoured=data["honoured"],
            note=data.get("note") or "",
        )

    found, status = m.attempt(form, call)
    return _after(
        request,
        mediation.dispute,
        "follow",
        form,
        status,
        reverse("mediation-follow-up", args=[mediation.pk]),
        _("已记录回访"),
        found is not None,
    )


@login_required
@require_GET
def agreement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The 人民调解协议书 (only masked ID numbers and phones on it)."""
    agreement = _get_agreement(request.user, pk)
    content = documents.agreement_pdf(agreement)
    response = base.download(content, f"agreement-{agreement.pk}.pdf", "application/pdf")
    return base.no_store(response)
