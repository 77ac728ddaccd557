"""Disputes, mediation, screening, petitions and legal service in the JSON API
(/api/v1/mediation/…).

Thin: reads go through ``mediation.selectors`` (the one jurisdiction function; a mediator with an
account also reaches the mediations they lead or join), writes through ``mediation.services``
(field-level Chinese messages, 404 outside the jurisdiction, 403 where the caller's post may not
do it, ``MediationConflict`` → 409). Parties, petitioners, mediators, lawyers and requesters
leave with masked ID numbers and phones only; free text passes ``redact``. Lists page by keyset
(``cursor`` / ``next``, at most 200 rows a page)."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import P, PathEx, Query, Router, Status

from gridgov.accounts.models import User
from gridgov.cases.models import Case
from gridgov.core.apischemas import MAX_ID, Keyset
from gridgov.core.apiutil import choice_label, display_name, free_text, place, staff, user_name
from gridgov.core.jurisdiction import restrict
from gridgov.mediation import access, casework, selectors, services
from gridgov.mediation import choices as c
from gridgov.mediation.errors import MediationConflict
from gridgov.mediation.models import (
    Agreement,
    Campaign,
    Committee,
    Confirmation,
    Consultation,
    Dispute,
    Lawyer,
    LegalDuty,
    Mediation,
    Mediator,
    MediatorDuty,
    Party,
    Petition,
)
from gridgov.mediation.schemas import (
    LegalAnswerIn,
    LegalConsultationIn,
    LegalConsultationList,
    LegalConsultationOut,
    LegalConsultationQuery,
    LegalDutyIn,
    LegalDutyList,
    LegalDutyOut,
    LegalDutyQuery,
    LegalLawyerIn,
    LegalLawyerList,
    LegalLawyerOut,
    LegalLawyerQuery,
    LegalOnDutyQuery,
    MediationCloseIn,
    MediationCommitteeIn,
    MediationCommitteeList,
    MediationCommitteeOut,
    MediationCommitteeQuery,
    MediationConfirmIn,
    MediationDecisionIn,
    MediationDisputeDetailOut,
    MediationDisputeIn,
    MediationDisputeList,
    MediationDisputeQuery,
    MediationFollowUpIn,
    MediationList,
    MediationMediatorIn,
    MediationMediatorList,
    MediationMediatorOut,
    MediationMediatorQuery,
    MediationOut,
    MediationQuery,
    MediationSessionIn,
    MediationStartIn,
    MediatorDutyIn,
    MediatorDutyList,
    MediatorDutyOnDutyQuery,
    MediatorDutyOut,
    MediatorDutyQuery,
    PetitionAcknowledgeIn,
    PetitionDueOut,
    PetitionExtendIn,
    PetitionIn,
    PetitionList,
    PetitionOut,
    PetitionQuery,
    PetitionRateIn,
    PetitionRepeaterOut,
    PetitionRepeatIn,
    PetitionReplyIn,
    PetitionReviewIn,
    PetitionTopicOut,
    ScreeningCampaignIn,
    ScreeningCampaignList,
    ScreeningCampaignOut,
    ScreeningCampaignQuery,
    ScreeningReportIn,
    ScreeningViewOut,
)
from gridgov.ops.api import DayKeyset
from gridgov.regions import selectors as region_selectors
from gridgov.regions.models import Region, subtree_q

MEDIATION = "矛盾纠纷调解"
SCREENING = "矛盾纠纷排查"
PETITIONS = "信访"
LEGAL = "法律服务"

router = Router(tags=[MEDIATION])

Id = PathEx[int, P(ge=1, le=MAX_ID, description="记录编号")]

BY_PLACE = Keyset((("region_path", "str"), ("name", "str"), ("id", "int")))
NEWEST = Keyset((("-created_at", "datetime"), ("-id", "int")))
CAMPAIGNS_ORDER = DayKeyset((("-starts_on", "date"), ("-id", "int")))
PETITIONS_ORDER = DayKeyset((("-received_on", "date"), ("-id", "int")))
MEDIATIONS_ORDER = DayKeyset((("-accepted_on", "date"), ("-id", "int")))
DUTIES_ORDER = DayKeyset((("day", "date"), ("region_path", "str"), ("id", "int")))

STEP_LABELS = {"acknowledge": "受理告知", "reply": "答复", "review": "复查答复"}
SCREENING_LABELS = {"nil": "零报告", "found": "有纠纷", "missing": "未报", "pending": "待报"}


# -- shaping ---------------------------------------------------------------------------------


def _user_ref(user: Any) -> dict[str, Any] | None:
    return {"id": user.pk, "name": display_name(user)} if user is not None else None


def _kinds(values: list[str]) -> list[str]:
    return [choice_label(c.DisputeKind, v) for v in values]


def case_ref(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "number": case.number,
        "title": free_text(case.title),
        "status": case.status,
        "status_label": case.get_status_display(),
        "item_code": case.item.code,
        "item_name": case.item.name,
        "region": place(case.region),
    }


def committee_out(committee: Committee) -> dict[str, Any]:
    return {
        "id": committee.pk,
        "name": committee.name,
        "kind": committee.kind,
        "kind_label": choice_label(c.CommitteeKind, committee.kind),
        "region": place(committee.region),
        "specialities": list(committee.specialities),
        "specialities_labels": _kinds(committee.specialities),
        "address": committee.address,
        "active": committee.active,
    }


def mediator_out(mediator: Mediator) -> dict[str, Any]:
    return {
        "id": mediator.pk,
        "name": mediator.name,
        "committee": {"id": mediator.committee.pk, "name": mediator.committee.name},
        "kind": mediator.kind,
        "kind_label": choice_label(c.MediatorKind, mediator.kind),
        "user": _user_ref(mediator.user),
        "specialities": list(mediator.specialities),
        "specialities_labels": _kinds(mediator.specialities),
        "phone_masked": mediator.phone_masked,
        "certified_on": mediator.certified_on,
        "active": mediator.active,
    }


def party_out(party: Party) -> dict[str, Any]:
    return {
        "id": party.pk,
        "role": party.role,
        "role_label": choice_label(c.PartyRole, party.role),
        "name": party.name,
        "person": party.person_id,
        "organisation": party.organisation_id,
        "id_masked": party.id_masked,
        "phone_masked": party.phone_masked,
        "gender": party.gender,
        "birth_year": party.birth_year,
        "address": free_text(party.address),
        "agent": party.agent,
    }


def mediation_summary(mediation: Mediation) -> dict[str, Any]:
    return {
        "id": mediation.pk,
        "state": mediation.state,
        "state_label": choice_label(c.MediationState, mediation.state),
        "committee": {"id": mediation.committee.pk, "name": mediation.committee.name},
        "mediator": {"id": mediation.mediator.pk, "name": mediation.mediator.name},
        "accepted_on": mediation.accepted_on,
        "closed_on": mediation.closed_on,
    }


def _confirmation_out(confirmation: Confirmation) -> dict[str, Any]:
    return {
        "id": confirmation.pk,
        "applied_on": confirmation.applied_on,
        "court": confirmation.court,
        "result": confirmation.result,
        "result_label": choice_label(c.ConfirmationResult, confirmation.result),
        "decided_on": confirmation.decided_on,
        "ruling_no": confirmation.ruling_no,
    }


def _agreement_out(agreement: Agreement) -> dict[str, Any]:
    confirmation = Confirmation.objects.filter(agreement=agreement).first()
    return {
        "id": agreement.pk,
        "number": agreement.number,
        "facts": free_text(agreement.facts),
        "terms": [free_text(str(t)) for t in agreement.terms],
        "perform_by": agreement.perform_by,
        "perform_note": free_text(agreement.perform_note),
        "signatures": [
            {
                "label": str(s.get("label") or ""),
                "name": str(s.get("name") or ""),
                "signed": bool(s.get("signed")),
            }
            for s in agreement.signatures
        ],
        "signed_on": agreement.signed_on,
        "confirm_by": services.confirmation_deadline(agreement),
        "confirmation": _confirmation_out(confirmation) if confirmation else None,
    }


def mediation_out(mediation: Mediation) -> dict[str, Any]:
    agreement = Agreement.objects.filter(mediation=mediation).first()
    return {
        **mediation_summary(mediation),
        "dispute": mediation.dispute_id,
        "case": case_ref(mediation.dispute.case),
        "co_mediators": [{"id": m.pk, "name": m.name} for m in mediation.co_mediators.all()],
        "outcome_note": free_text(mediation.outcome_note),
        "referred_to": mediation.referred_to,
        "sessions": [
            {
                "id": s.pk,
                "starts_at": s.starts_at,
                "ends_at": s.ends_at,
                "online": s.online,
                "place": free_text(s.place),
                "participants": free_text(s.participants),
                "minutes": free_text(s.minutes),
                "next_step": free_text(s.next_step),
                "created_by": user_name(s.created_by),
            }
            for s in mediation.sessions.select_related("created_by").order_by("starts_at", "pk")
        ],
        "agreement": _agreement_out(agreement) if agreement else None,
        "follow_ups": [
            {
                "id": f.pk,
                "visited_on": f.visited_on,
                "honoured": f.honoured,
                "honoured_label": choice_label(c.Honoured, f.honoured),
                "note": free_text(f.note),
                "by": user_name(f.by),
            }
            for f in mediation.follow_ups.select_related("by").order_by("visited_on", "pk")
        ],
        "version": mediation.version,
    }


def dispute_out(dispute: Dispute) -> dict[str, Any]:
    mediations = list(dispute.mediations.all())
    latest = mediations[0] if mediations else None
    return {
        "id": dispute.pk,
        "case": case_ref(dispute.case),
        "kind": dispute.kind,
        "kind_label": choice_label(c.DisputeKind, dispute.kind),
        "amount_yuan": None if dispute.amount_yuan is None else f"{dispute.amount_yuan:.2f}",
        "people_involved": dispute.people_involved,
        "risk": dispute.risk,
        "risk_label": choice_label(c.Risk, dispute.risk),
        "violence_risk": dispute.violence_risk,
        "mass_risk": dispute.mass_risk,
        "parties": [party_out(p) for p in dispute.parties.all()],
        "mediation": mediation_summary(latest) if latest else None,
        "created_at": dispute.created_at,
        "version": dispute.version,
    }


def campaign_out(campaign: Campaign) -> dict[str, Any]:
    return {
        "id": campaign.pk,
        "title": campaign.title,
        "region": place(campaign.region),
        "starts_on": campaign.starts_on,
        "ends_on": campaign.ends_on,
        "due_on": campaign.due_on,
        "created_at": campaign.created_at,
    }


def petition_out(petition: Petition) -> dict[str, Any]:
    return {
        "id": petition.pk,
        "case": case_ref(petition.case),
        "form": petition.form,
        "form_label": choice_label(c.PetitionForm, petition.form),
        "people_count": petition.people_count,
        "is_group": petition.is_group,
        "skips_level": petition.skips_level,
        "repeat_of": petition.repeat_of_id,
        "state": petition.state,
        "state_label": choice_label(c.PetitionState, petition.state),
        "received_on": petition.received_on,
        "acknowledge_by": petition.acknowledge_by,
        "acknowledged_on": petition.acknowledged_on,
        "reply_by": petition.reply_by,
        "extension_reason": free_text(petition.extension_reason),
        "replied_on": petition.replied_on,
        "reply_text": free_text(petition.reply_text),
        "satisfaction": petition.satisfaction,
        "satisfaction_label": choice_label(c.Satisfaction, petition.satisfaction)
        if petition.satisfaction
        else "",
        "review_requested_on": petition.review_requested_on,
        "review_by": petition.review_by,
        "reviewed_on": petition.reviewed_on,
        "review_text": free_text(petition.review_text),
        "petitioners": [
            {
                "id": p.pk,
                "name": p.name,
                "person": p.person_id,
                "id_masked": p.id_masked,
                "phone_masked": p.phone_masked,
                "address": free_text(p.address),
            }
            for p in petition.petitioners.all()
        ],
        "created_at": petition.created_at,
    }


def lawyer_out(lawyer: Lawyer) -> dict[str, Any]:
    return {
        "id": lawyer.pk,
        "name": lawyer.name,
        "firm": lawyer.firm,
        "licence_no": lawyer.licence_no,
        "phone_masked": lawyer.phone_masked,
        "region": place(lawyer.region),
        "user": _user_ref(lawyer.user),
        "active": lawyer.active,
    }


def _lawyer_ref(lawyer: Lawyer | None) -> dict[str, Any] | None:
    if lawyer is None:
        return None
    return {"id": lawyer.pk, "name": lawyer.name, "firm": lawyer.firm}


def duty_out(duty: LegalDuty) -> dict[str, Any]:
    return {
        "id": duty.pk,
        "lawyer": _lawyer_ref(duty.lawyer),
        "region": place(duty.region),
        "day": duty.day,
        "slot": duty.slot,
        "slot_label": choice_label(c.DutySlot, duty.slot),
    }


def mediator_duty_out(duty: MediatorDuty) -> dict[str, Any]:
    committee = duty.mediator.committee
    return {
        "id": duty.pk,
        "mediator": {"id": duty.mediator.pk, "name": duty.mediator.name},
        "committee": {"id": committee.pk, "name": committee.name},
        "region": place(duty.region),
        "day": duty.day,
        "slot": duty.slot,
        "slot_label": choice_label(c.DutySlot, duty.slot),
    }


def consultation_out(consultation: Consultation) -> dict[str, Any]:
    return {
        "id": consultation.pk,
        "region": place(consultation.region),
        "channel": consultation.channel,
        "channel_label": choice_label(c.ConsultChannel, consultation.channel),
        "requester_name": consultation.requester_name,
        "phone_masked": consultation.phone_masked,
        "person": consultation.person_id,
        "topic": consultation.topic,
        "topic_label": choice_label(c.LegalTopic, consultation.topic),
        "question": free_text(consultation.question),
        "lawyer": _lawyer_ref(consultation.lawyer),
        "answer": free_text(consultation.answer),
        "answered_at": consultation.answered_at,
        "referral": consultation.referral,
        "referral_label": choice_label(c.Referral, consultation.referral)
        if consultation.referral
        else "",
        "dispute": consultation.dispute_id,
        "created_at": consultation.created_at,
    }


# -- helpers ---------------------------------------------------------------------------------


def _first(queryset: QuerySet[Any], pk: int) -> Any:
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise Http404(_("记录不存在或不在您的辖区内"))
    return found


def _region(user: User, path: str) -> Region:
    """A region named in a request body: 404 when the caller cannot see it."""
    return region_selectors.get_region(user, path)


def _in_region(queryset: QuerySet[Any], path: str, field: str = "region_path") -> QuerySet[Any]:
    return queryset.filter(subtree_q(path, field)) if path else queryset


def _aware(moment: dt.datetime | None, field: str) -> dt.datetime | None:
    """A time as given; one without a zone is read in the local zone (Asia/Shanghai)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.get_current_timezone())
    low = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    high = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
    if not low <= moment <= high:
        raise ValidationError({field: [_("时间不正确")]})
    return moment


def _date(value: dt.date | None, field: str) -> dt.date | None:
    """A date within reason (the year 2000 to 2100), else a field error."""
    if value is not None and not dt.date(2000, 1, 1) <= value <= dt.date(2100, 12, 31):
        raise ValidationError({field: [_("日期不正确")]})
    return value


def _account(pk: int | None, field: str) -> User | None:
    if pk is None:
        return None
    found = User.objects.filter(pk=pk, is_active=True).first()
    if found is None:
        raise ValidationError({field: [_("工作账号不存在或已停用")]})
    return found


def _person(user: User, pk: int | None, field: str) -> Any:
    if pk is None:
        return None
    from gridgov.registry.models import Person

    found = restrict(Person.objects.all(), user, "view").filter(pk=pk).first()
    if found is None:
        raise ValidationError({field: [_("实有人口不存在或不在您的辖区内")]})
    return found


def _organisation(user: User, pk: int | None, field: str) -> Any:
    if pk is None:
        return None
    from gridgov.registry.models import Organisation

    found = restrict(Organisation.objects.all(), user, "view").filter(pk=pk).first()
    if found is None:
        raise ValidationError({field: [_("单位不存在或不在您的辖区内")]})
    return found


def _case(user: User, pk: int) -> Case:
    queryset = restrict(Case.objects.select_related("item__board", "region"), user, "view")
    found: Case = _first(queryset, pk)
    return found


def _mediation(user: User, pk: int) -> Mediation:
    """A mediation the caller sees, or one they lead or join as a mediator with an account."""
    found = selectors.mediations(user).filter(pk=pk).first()
    if found is None:
        found = Mediation.objects.filter(pk=pk).first()
        if found is None or not access.leads_or_joins(user, found):
            raise Http404(_("记录不存在或不在您的辖区内"))
    assert isinstance(found, Mediation)
    return found


def _mediation_detail(user: User, pk: int) -> dict[str, Any]:
    return mediation_out(_mediation(user, pk))


def _dispute_detail(user: User, pk: int) -> dict[str, Any]:
    dispute = _first(selectors.disputes(user), pk)
    return {
        **dispute_out(dispute),
        "mediations": [mediation_out(m) for m in dispute.mediations.all()],
    }


def _petition(user: User, pk: int) -> Petition:
    found: Petition = _first(selectors.petitions(user).select_related("case__region"), pk)
    return found


def _petition_detail(user: User, pk: int) -> dict[str, Any]:
    return petition_out(_petition(user, pk))


def _petition_rows(user: User) -> QuerySet[Any]:
    return selectors.petitions(user).select_related("case__region").prefetch_related("petitioners")


# -- committees and mediators ----------------------------------------------------------------


@router.get(
    "/mediation/committees", response=MediationCommitteeList, summary="调解委员会（游标分页）"
)
def list_committees(
    request: HttpRequest, filters: Query[MediationCommitteeQuery]
) -> dict[str, Any]:
    user = staff(request)
    rows = _in_region(selectors.committees(user), filters.region)
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.active is not None:
        rows = rows.filter(active=filters.active)
    page, cursor = BY_PLACE.page(rows, filters.cursor, filters.limit)
    return {"items": [committee_out(k) for k in page], "next": cursor}


@router.post(
    "/mediation/committees", response={201: MediationCommitteeOut}, summary="设立调解委员会"
)
def create_committee(request: HttpRequest, data: MediationCommitteeIn) -> Status[dict[str, Any]]:
    user = staff(request)
    committee = services.create_committee(
        actor=user,
        region=_region(user, data.region),
        name=data.name,
        kind=data.kind,
        specialities=list(data.specialities),
        address=data.address,
    )
    return Status(201, committee_out(_first(selectors.committees(user), committee.pk)))


@router.get("/mediation/mediators", response=MediationMediatorList, summary="调解员（游标分页）")
def list_mediators(request: HttpRequest, filters: Query[MediationMediatorQuery]) -> dict[str, Any]:
    user = staff(request)
    rows = _in_region(selectors.mediators(user), filters.region)
    if filters.committee is not None:
        rows = rows.filter(committee_id=filters.committee)
    if filters.active is not None:
        rows = rows.filter(active=filters.active)
    if filters.q:
        rows = rows.filter(name__contains=filters.q)
    page, cursor = BY_PLACE.page(rows, filters.cursor, filters.limit)
    return {"items": [mediator_out(m) for m in page], "next": cursor}


@router.post(
    "/mediation/committees/{committee_id}/mediators",
    response={201: MediationMediatorOut},
    summary="增加调解员",
)
def add_mediator(
    request: HttpRequest, committee_id: Id, data: MediationMediatorIn
) -> Status[dict[str, Any]]:
    user = staff(request)
    committee = _first(selectors.committees(user), committee_id)
    mediator = services.add_mediator(
        actor=user,
        committee=committee,
        name=data.name,
        kind=data.kind,
        phone=data.phone,
        user=_account(data.user, "user"),
        specialities=list(data.specialities),
        certified_on=_date(data.certified_on, "certified_on"),
    )
    return Status(201, mediator_out(_first(selectors.mediators(user), mediator.pk)))


# -- disputes --------------------------------------------------------------------------------


@router.get("/mediation/disputes", response=MediationDisputeList, summary="矛盾纠纷（新的在前）")
def list_disputes(request: HttpRequest, filters: Query[MediationDisputeQuery]) -> dict[str, Any]:
    user = staff(request)
    rows = _in_region(selectors.disputes(user), filters.region)
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.risk:
        rows = rows.filter(risk=filters.risk)
    if filters.mediation == "none":
        rows = rows.filter(mediations__isnull=True)
    elif filters.mediation:
        rows = rows.filter(
            pk__in=Mediation.objects.filter(state=filters.mediation).values("dispute_id")
        )
    if filters.q:
        rows = rows.filter(Q(case__number__contains=filters.q) | Q(case__title__contains=filters.q))
    page, cursor = NEWEST.page(rows, filters.cursor, filters.limit)
    return {"items": [dispute_out(d) for d in page], "next": cursor}


@router.post(
    "/mediation/disputes",
    response={201: MediationDisputeDetailOut},
    summary="将矛盾纠纷板块的案件登记为纠纷（含当事人）",
)
def register_dispute(request: HttpRequest, data: MediationDisputeIn) -> Status[dict[str, Any]]:
    user = staff(request)
    case = _case(user, data.case)
    parties = []
    for index, party in enumerate(data.parties):
        values = party.dict()
        values["person"] = _person(user, party.person, f"parties.{index}.person")
        values["organisation"] = _organisation(
            user, party.organisation, f"parties.{index}.organisation"
        )
        parties.append(values)
    dispute = services.register_dispute(
        actor=user,
        case=case,
        kind=data.kind,
        amount_yuan=data.amount_yuan,
        people_involved=data.people_involved,
        risk=data.risk,
        violence_risk=data.violence_risk,
        mass_risk=data.mass_risk,
        parties=parties,
    )
    return Status(201, _dispute_detail(user, dispute.pk))


@router.get(
    "/mediation/disputes/{dispute_id}",
    response=MediationDisputeDetailOut,
    summary="纠纷详情（当事人证件号码、电话脱敏；含各次调解）",
)
def dispute_detail(request: HttpRequest, dispute_id: Id) -> dict[str, Any]:
    user = staff(request)
    return _dispute_detail(user, dispute_id)


# -- mediations ------------------------------------------------------------------------------


@router.get("/mediation/mediations", response=MediationList, summary="调解（受理新的在前）")
def list_mediations(request: HttpRequest, filters: Query[MediationQuery]) -> dict[str, Any]:
    user = staff(request)
    if filters.mine:
        rows = Mediation.objects.filter(
            Q(mediator__user=user)
            | Q(
                pk__in=Mediation.co_mediators.through.objects.filter(mediator__user=user).values(
                    "mediation_id"
                )
            )
        ).select_related("committee", "mediator")
    else:
        rows = selectors.mediations(user)
    rows = _in_region(rows, filters.region)
    if filters.state:
        rows = rows.filter(state=filters.state)
    if filters.committee is not None:
        rows = rows.filter(committee_id=filters.committee)
    page, cursor = MEDIATIONS_ORDER.page(rows, filters.cursor, filters.limit)
    return {"items": [mediation_summary(m) for m in page], "next": cursor}


@router.post(
    "/mediation/disputes/{dispute_id}/mediations",
    response={201: MediationOut},
    summary="受理调解（调解委员会与主持调解员）",
)
def start_mediation(
    request: HttpRequest, dispute_id: Id, data: MediationStartIn
) -> Status[dict[str, Any]]:
    user = staff(request)
    dispute = _first(selectors.disputes(user), dispute_id)
    committees = Committee.objects.all()
    committee = committees.filter(pk=data.committee).first()
    if committee is None:
        raise ValidationError({"committee": [_("调解委员会不存在")]})
    mediators = {
        m.pk: m for m in Mediator.objects.filter(pk__in=[data.mediator, *data.co_mediators])
    }
    if data.mediator not in mediators:
        raise ValidationError({"mediator": [_("调解员不存在")]})
    if any(pk not in mediators for pk in data.co_mediators):
        raise ValidationError({"co_mediators": [_("调解员不存在")]})
    mediation = services.start_mediation(
        actor=user,
        dispute=dispute,
        committee=committee,
        mediator=mediators[data.mediator],
        co_mediators=[mediators[pk] for pk in data.co_mediators],
        accepted_on=_date(data.accepted_on, "accepted_on") or timezone.localdate(),
        handler=_handler(dispute, data.handler),
    )
    return Status(201, _mediation_detail(user, mediation.pk))


def _handler(dispute: Dispute, pk: int | None) -> User | None:
    """The chosen 办理人 among those the case may be dispatched to (else a field error)."""
    if pk is None:
        return None
    found = next((u for u in casework.handlers(dispute.case) if u.pk == pk), None)
    if found is None:
        raise ValidationError({"handler": [_("办理人只能是纠纷所在网格的网格员或网格长")]})
    return found


@router.get(
    "/mediation/mediations/{mediation_id}",
    response=MediationOut,
    summary="调解详情（调解会、协议书、司法确认、回访）",
)
def mediation_detail(request: HttpRequest, mediation_id: Id) -> dict[str, Any]:
    user = staff(request)
    return _mediation_detail(user, mediation_id)


@router.post(
    "/mediation/mediations/{mediation_id}/sessions",
    response={201: MediationOut},
    summary="记录调解会",
)
def record_session(
    request: HttpRequest, mediation_id: Id, data: MediationSessionIn
) -> Status[dict[str, Any]]:
    user = staff(request)
    services.record_session(
        actor=user,
        mediation=_mediation(user, mediation_id),
        starts_at=_aware(data.starts_at, "starts_at"),  # type: ignore[arg-type]
        ends_at=_aware(data.ends_at, "ends_at"),
        online=data.online,
        place=data.place,
        participants=data.participants,
        minutes=data.minutes,
        next_step=data.next_step,
    )
    return Status(201, _mediation_detail(user, mediation_id))


@router.post(
    "/mediation/mediations/{mediation_id}/close",
    response=MediationOut,
    summary="调解结果（达成协议、部分达成须附协议书）",
)
def close_mediation(
    request: HttpRequest, mediation_id: Id, data: MediationCloseIn
) -> dict[str, Any]:
    user = staff(request)
    agreement = None
    if data.agreement is not None:
        agreement = data.agreement.dict()
        _date(agreement["signed_on"], "agreement.signed_on")
        _date(agreement["perform_by"], "agreement.perform_by")
    services.close_mediation(
        actor=user,
        mediation=_mediation(user, mediation_id),
        state=data.state,
        note=data.note,
        referred_to=data.referred_to,
        agreement=agreement,
        closed_on=_date(data.closed_on, "closed_on"),
    )
    return _mediation_detail(user, mediation_id)


def _agreement(user: User, mediation_id: int) -> Agreement:
    mediation = _mediation(user, mediation_id)
    agreement = Agreement.objects.filter(mediation=mediation).first()
    if agreement is None:
        raise MediationConflict(_("该调解没有调解协议书"))
    return agreement


@router.get(
    "/mediation/mediations/{mediation_id}/agreement.pdf",
    response={200: None},
    summary="人民调解协议书（PDF）",
    openapi_extra={
        "responses": {
            "200": {
                "description": "PDF",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def agreement_pdf(request: HttpRequest, mediation_id: Id) -> HttpResponse:
    from gridgov.mediation.documents import agreement_pdf as render

    user = staff(request)
    agreement = _agreement(user, mediation_id)
    response = HttpResponse(render(agreement), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="agreement-{agreement.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@router.post(
    "/mediation/mediations/{mediation_id}/confirmation",
    response={201: MediationOut},
    summary="申请司法确认（协议生效 30 日内）",
)
def apply_confirmation(
    request: HttpRequest, mediation_id: Id, data: MediationConfirmIn
) -> Status[dict[str, Any]]:
    user = staff(request)
    services.apply_confirmation(
        actor=user,
        agreement=_agreement(user, mediation_id),
        applied_on=_date(data.applied_on, "applied_on"),  # type: ignore[arg-type]
        court=data.court,
    )
    return Status(201, _mediation_detail(user, mediation_id))


@router.post(
    "/mediation/mediations/{mediation_id}/confirmation/decision",
    response=MediationOut,
    summary="登记司法确认结果",
)
def decide_confirmation(
    request: HttpRequest, mediation_id: Id, data: MediationDecisionIn
) -> dict[str, Any]:
    user = staff(request)
    confirmation = Confirmation.objects.filter(agreement=_agreement(user, mediation_id)).first()
    if confirmation is None:
        raise MediationConflict(_("该协议尚未申请司法确认"))
    services.decide_confirmation(
        actor=user,
        confirmation=confirmation,
        result=data.result,
        decided_on=_date(data.decided_on, "decided_on"),  # type: ignore[arg-type]
        ruling_no=data.ruling_no,
    )
    return _mediation_detail(user, mediation_id)


@router.post(
    "/mediation/mediations/{mediation_id}/follow-ups",
    response={201: MediationOut},
    summary="回访协议履行情况",
)
def record_follow_up(
    request: HttpRequest, mediation_id: Id, data: MediationFollowUpIn
) -> Status[dict[str, Any]]:
    user = staff(request)
    services.record_follow_up(
        actor=user,
        mediation=_mediation(user, mediation_id),
        visited_on=_date(data.visited_on, "visited_on"),  # type: ignore[arg-type]
        honoured=data.honoured,
        note=data.note,
    )
    return Status(201, _mediation_detail(user, mediation_id))


# -- screening -------------------------------------------------------------------------------


@router.get(
    "/mediation/campaigns",
    response=ScreeningCampaignList,
    summary="矛盾纠纷排查（新的在前）",
    tags=[SCREENING],
)
def list_campaigns(request: HttpRequest, filters: Query[ScreeningCampaignQuery]) -> dict[str, Any]:
    user = staff(request)
    rows = _in_region(selectors.campaigns(user), filters.region)
    page, cursor = CAMPAIGNS_ORDER.page(rows, filters.cursor, filters.limit)
    return {"items": [campaign_out(k) for k in page], "next": cursor}


@router.post(
    "/mediation/campaigns",
    response={201: ScreeningCampaignOut},
    summary="发起矛盾纠纷排查",
    tags=[SCREENING],
)
def create_campaign(request: HttpRequest, data: ScreeningCampaignIn) -> Status[dict[str, Any]]:
    user = staff(request)
    campaign = services.create_campaign(
        actor=user,
        region=_region(user, data.region),
        title=data.title,
        starts_on=_date(data.starts_on, "starts_on"),  # type: ignore[arg-type]
        ends_on=_date(data.ends_on, "ends_on"),  # type: ignore[arg-type]
        due_on=_date(data.due_on, "due_on"),
    )
    return Status(201, campaign_out(_first(selectors.campaigns(user), campaign.pk)))


def _screening_view(user: User, campaign: Campaign) -> dict[str, Any]:
    rows = selectors.screening(user, campaign)
    summary = selectors.screening_summary(rows)
    return {
        "campaign": campaign_out(campaign),
        "summary": summary,
        "rows": [
            {
                "grid": place(row.grid),
                "state": row.state,
                "state_label": _(SCREENING_LABELS[row.state]),
                "report": None
                if row.report is None
                else {
                    "id": row.report.pk,
                    "nil": row.report.nil,
                    "note": free_text(row.report.note),
                    "reported_at": row.report.reported_at,
                    "late": timezone.localdate(row.report.reported_at) > campaign.due_on,
                    "reported_by": user_name(row.report.reported_by),
                    "disputes": sorted(d.pk for d in row.report.disputes.all()),
                },
                "disputes": row.disputes,
            }
            for row in rows
        ],
    }


@router.get(
    "/mediation/campaigns/{campaign_id}/screening",
    response=ScreeningViewOut,
    summary="各网格排查情况（零报告、有纠纷、未报、待报）",
    tags=[SCREENING],
)
def campaign_screening(request: HttpRequest, campaign_id: Id) -> dict[str, Any]:
    user = staff(request)
    return _screening_view(user, _first(selectors.campaigns(user), campaign_id))


@router.post(
    "/mediation/campaigns/{campaign_id}/reports",
    response={201: ScreeningViewOut},
    summary="网格上报排查结果（零报告或发现的纠纷）",
    tags=[SCREENING],
)
def report_screening(
    request: HttpRequest, campaign_id: Id, data: ScreeningReportIn
) -> Status[dict[str, Any]]:
    user = staff(request)
    campaign = _first(selectors.campaigns(user), campaign_id)
    found = {d.pk: d for d in selectors.disputes(user).filter(pk__in=data.disputes)}
    if any(pk not in found for pk in data.disputes):
        raise ValidationError({"disputes": [_("纠纷不存在或不在您的辖区内")]})
    services.report_screening(
        actor=user,
        campaign=campaign,
        grid=_region(user, data.grid),
        nil=data.nil,
        disputes=[found[pk] for pk in data.disputes],
        note=data.note,
    )
    return Status(201, _screening_view(user, campaign))


# -- petitions -------------------------------------------------------------------------------


@router.get(
    "/mediation/petitions/deadlines",
    response=list[PetitionDueOut],
    summary="信访事项办理时限（红：超期，黄：3 日内到期）",
    tags=[PETITIONS],
)
def petition_deadlines(request: HttpRequest) -> list[dict[str, Any]]:
    user = staff(request)
    return [
        {
            "petition": row.petition_id,
            "case_number": row.case_number,
            "step": row.step,
            "step_label": _(STEP_LABELS[row.step]),
            "due": row.due,
            "days_left": row.days_left,
            "light": row.light,
        }
        for row in selectors.petition_deadlines(user)
    ]


@router.get(
    "/mediation/petitions/repeat-petitioners",
    response=list[PetitionRepeaterOut],
    summary="重复信访人（近 365 日 2 件以上）",
    tags=[PETITIONS],
)
def repeat_petitioners(request: HttpRequest) -> list[dict[str, Any]]:
    user = staff(request)
    return [
        {
            "name": row.name,
            "id_masked": row.id_masked,
            "phone_masked": row.phone_masked,
            "petitions": row.petitions,
            "last_received": row.last_received,
            "items": list(row.items),
            "petition_ids": list(row.petition_ids),
        }
        for row in selectors.repeat_petitioners(user)
    ]


@router.get(
    "/mediation/petitions/hot-topics",
    response=list[PetitionTopicOut],
    summary="信访热点事项（近 30 日）",
    tags=[PETITIONS],
)
def hot_topics(request: HttpRequest) -> list[dict[str, Any]]:
    user = staff(request)
    return [
        {
            "item_code": t.item_code,
            "item_name": t.item_name,
            "petitions": t.petitions,
            "people": t.people,
            "group_petitions": t.group_petitions,
            "previous": t.previous,
        }
        for t in selectors.hot_topics(user)
    ]


@router.get(
    "/mediation/petitions",
    response=PetitionList,
    summary="信访事项（收到新的在前）",
    tags=[PETITIONS],
)
def list_petitions(request: HttpRequest, filters: Query[PetitionQuery]) -> dict[str, Any]:
    from gridgov.mediation.choices import GROUP_PETITION_PEOPLE

    user = staff(request)
    rows = _in_region(_petition_rows(user), filters.region)
    if filters.state:
        rows = rows.filter(state=filters.state)
    if filters.form:
        rows = rows.filter(form=filters.form)
    if filters.group is True:
        rows = rows.filter(people_count__gte=GROUP_PETITION_PEOPLE)
    elif filters.group is False:
        rows = rows.filter(people_count__lt=GROUP_PETITION_PEOPLE)
    if filters.repeat is not None:
        rows = rows.filter(repeat_of__isnull=not filters.repeat)
    if filters.q:
        rows = rows.filter(Q(case__number__contains=filters.q) | Q(case__title__contains=filters.q))
    page, cursor = PETITIONS_ORDER.page(rows, filters.cursor, filters.limit)
    return {"items": [petition_out(p) for p in page], "next": cursor}


@router.post(
    "/mediation/petitions",
    response={201: PetitionOut},
    summary="将信访诉求板块的案件登记为信访事项（含信访人）",
    tags=[PETITIONS],
)
def register_petition(request: HttpRequest, data: PetitionIn) -> Status[dict[str, Any]]:
    user = staff(request)
    case = _case(user, data.case)
    petitioners = []
    for index, entry in enumerate(data.petitioners):
        values = entry.dict()
        values["person"] = _person(user, entry.person, f"petitioners.{index}.person")
        petitioners.append(values)
    petition = services.register_petition(
        actor=user,
        case=case,
        form=data.form,
        petitioners=petitioners,
        people_count=data.people_count,
        skips_level=data.skips_level,
        received_on=_date(data.received_on, "received_on"),
    )
    return Status(201, _petition_detail(user, petition.pk))


@router.get(
    "/mediation/petitions/{petition_id}",
    response=PetitionOut,
    summary="信访事项详情（信访人证件号码、电话脱敏）",
    tags=[PETITIONS],
)
def petition_detail(request: HttpRequest, petition_id: Id) -> dict[str, Any]:
    user = staff(request)
    return _petition_detail(user, petition_id)


@router.get(
    "/mediation/petitions/{petition_id}/possible-repeats",
    response=list[PetitionOut],
    summary="疑似重复信访（同一信访人同一事项，12 个月内）",
    tags=[PETITIONS],
)
def possible_repeats(request: HttpRequest, petition_id: Id) -> list[dict[str, Any]]:
    user = staff(request)
    petition = _petition(user, petition_id)
    ids = [p.pk for p in services.possible_repeats(petition)]
    rows = _petition_rows(user).filter(pk__in=ids).order_by("-received_on", "-pk")
    return [petition_out(p) for p in rows]


def _petition_step(user: User, petition_id: int, step: Any, **values: Any) -> dict[str, Any]:
    step(actor=user, petition=_petition(user, petition_id), **values)
    return _petition_detail(user, petition_id)


@router.post(
    "/mediation/petitions/{petition_id}/repeat-of",
    response=PetitionOut,
    summary="确认为重复信访（须在疑似重复信访中）",
    tags=[PETITIONS],
)
def link_repeat(request: HttpRequest, petition_id: Id, data: PetitionRepeatIn) -> dict[str, Any]:
    user = staff(request)
    petition = _petition(user, petition_id)
    earlier = selectors.petitions(user).filter(pk=data.earlier).first()
    if earlier is None:
        raise ValidationError({"earlier": [_("信访事项不存在或不在您的辖区内")]})
    services.link_repeat(actor=user, petition=petition, earlier=earlier)
    return _petition_detail(user, petition_id)


@router.post(
    "/mediation/petitions/{petition_id}/acknowledge",
    response=PetitionOut,
    summary="受理告知（受理或不予受理）",
    tags=[PETITIONS],
)
def acknowledge(
    request: HttpRequest, petition_id: Id, data: PetitionAcknowledgeIn
) -> dict[str, Any]:
    user = staff(request)
    return _petition_step(
        user,
        petition_id,
        services.acknowledge,
        accepted=data.accepted,
        on=_date(data.on, "on"),
        note=data.note,
        lead=data.lead.dict() if data.lead is not None else None,
    )


@router.post(
    "/mediation/petitions/{petition_id}/extend",
    response=PetitionOut,
    summary="延期办理（一次，30 日）",
    tags=[PETITIONS],
)
def extend(request: HttpRequest, petition_id: Id, data: PetitionExtendIn) -> dict[str, Any]:
    user = staff(request)
    return _petition_step(user, petition_id, services.extend, reason=data.reason)


@router.post(
    "/mediation/petitions/{petition_id}/reply",
    response=PetitionOut,
    summary="答复信访人",
    tags=[PETITIONS],
)
def reply(request: HttpRequest, petition_id: Id, data: PetitionReplyIn) -> dict[str, Any]:
    user = staff(request)
    return _petition_step(
        user, petition_id, services.reply, on=_date(data.on, "on"), text=data.text
    )


@router.post(
    "/mediation/petitions/{petition_id}/rating",
    response=PetitionOut,
    summary="登记信访人满意度",
    tags=[PETITIONS],
)
def rate(request: HttpRequest, petition_id: Id, data: PetitionRateIn) -> dict[str, Any]:
    user = staff(request)
    return _petition_step(user, petition_id, services.rate, satisfaction=data.satisfaction)


@router.post(
    "/mediation/petitions/{petition_id}/review",
    response=PetitionOut,
    summary="申请复查（答复后 30 日内）",
    tags=[PETITIONS],
)
def request_review(request: HttpRequest, petition_id: Id, data: PetitionReviewIn) -> dict[str, Any]:
    user = staff(request)
    return _petition_step(user, petition_id, services.request_review, on=_date(data.on, "on"))


@router.post(
    "/mediation/petitions/{petition_id}/review/answer",
    response=PetitionOut,
    summary="复查答复",
    tags=[PETITIONS],
)
def answer_review(request: HttpRequest, petition_id: Id, data: PetitionReplyIn) -> dict[str, Any]:
    user = staff(request)
    return _petition_step(
        user, petition_id, services.answer_review, on=_date(data.on, "on"), text=data.text
    )


# -- legal service ---------------------------------------------------------------------------


@router.get("/mediation/lawyers", response=LegalLawyerList, summary="值班律师", tags=[LEGAL])
def list_lawyers(request: HttpRequest, filters: Query[LegalLawyerQuery]) -> dict[str, Any]:
    user = staff(request)
    rows = _in_region(selectors.lawyers(user).select_related("user"), filters.region)
    if filters.active is not None:
        rows = rows.filter(active=filters.active)
    if filters.q:
        rows = rows.filter(Q(name__contains=filters.q) | Q(firm__contains=filters.q))
    page, cursor = BY_PLACE.page(rows, filters.cursor, filters.limit)
    return {"items": [lawyer_out(k) for k in page], "next": cursor}


@router.post("/mediation/lawyers", response={201: LegalLawyerOut}, summary="登记律师", tags=[LEGAL])
def add_lawyer(request: HttpRequest, data: LegalLawyerIn) -> Status[dict[str, Any]]:
    user = staff(request)
    lawyer = services.add_lawyer(
        actor=user,
        region=_region(user, data.region),
        name=data.name,
        firm=data.firm,
        licence_no=data.licence_no,
        phone=data.phone,
        user=_account(data.user, "user"),
    )
    return Status(
        201, lawyer_out(_first(selectors.lawyers(user).select_related("user"), lawyer.pk))
    )


@router.get("/mediation/duties", response=LegalDutyList, summary="律师值班表", tags=[LEGAL])
def list_duties(request: HttpRequest, filters: Query[LegalDutyQuery]) -> dict[str, Any]:
    user = staff(request)
    rows = selectors.duties(
        user,
        region=filters.region or None,
        since=_date(filters.since, "since"),
        until=_date(filters.until, "until"),
    )
    page, cursor = DUTIES_ORDER.page(rows, filters.cursor, filters.limit)
    return {"items": [duty_out(d) for d in page], "next": cursor}


@router.post(
    "/mediation/duties", response={201: LegalDutyOut}, summary="安排律师值班", tags=[LEGAL]
)
def set_duty(request: HttpRequest, data: LegalDutyIn) -> Status[dict[str, Any]]:
    user = staff(request)
    lawyer = selectors.lawyers(user).filter(pk=data.lawyer).first()
    if lawyer is None:
        raise ValidationError({"lawyer": [_("律师不存在或不在您的辖区内")]})
    duty = services.set_duty(
        actor=user,
        lawyer=lawyer,
        region=_region(user, data.region),
        day=_date(data.day, "day"),  # type: ignore[arg-type]
        slot=data.slot,
    )
    return Status(201, duty_out(_first(selectors.duties(user), duty.pk)))


@router.get(
    "/mediation/on-duty",
    response=list[LegalLawyerOut],
    summary="此刻在某中心值班的律师（上午以 12 点为界）",
    tags=[LEGAL],
)
def on_duty(request: HttpRequest, filters: Query[LegalOnDutyQuery]) -> list[dict[str, Any]]:
    user = staff(request)
    region = _region(user, filters.region)
    at = _aware(filters.at, "at") or timezone.now()
    return [lawyer_out(k) for k in services.on_duty(region, at)]


@router.get(
    "/mediation/mediator-duties",
    response=MediatorDutyList,
    summary="调解员值班表",
    tags=[MEDIATION],
)
def list_mediator_duties(request: HttpRequest, filters: Query[MediatorDutyQuery]) -> dict[str, Any]:
    user = staff(request)
    rows = selectors.mediator_duties(
        user,
        region=filters.region or None,
        since=_date(filters.since, "since"),
        until=_date(filters.until, "until"),
    )
    page, cursor = DUTIES_ORDER.page(rows, filters.cursor, filters.limit)
    return {"items": [mediator_duty_out(d) for d in page], "next": cursor}


@router.post(
    "/mediation/mediator-duties",
    response={201: MediatorDutyOut},
    summary="安排调解员值班",
    tags=[MEDIATION],
)
def set_mediator_duty(request: HttpRequest, data: MediatorDutyIn) -> Status[dict[str, Any]]:
    user = staff(request)
    mediator = selectors.mediators(user).filter(pk=data.mediator).first()
    if mediator is None:
        raise ValidationError({"mediator": [_("调解员不存在或不在您的辖区内")]})
    duty = services.set_mediator_duty(
        actor=user,
        mediator=mediator,
        region=_region(user, data.region),
        day=_date(data.day, "day"),  # type: ignore[arg-type]
        slot=data.slot,
    )
    return Status(201, mediator_duty_out(_first(selectors.mediator_duties(user), duty.pk)))


@router.delete(
    "/mediation/mediator-duties/{duty_id}",
    response={204: None},
    summary="取消调解员值班",
    tags=[MEDIATION],
)
def remove_mediator_duty(request: HttpRequest, duty_id: Id) -> Status[None]:
    user = staff(request)
    duty = _first(selectors.mediator_duties(user), duty_id)
    services.remove_mediator_duty(actor=user, duty=duty)
    return Status(204, None)


@router.get(
    "/mediation/mediators-on-duty",
    response=list[MediationMediatorOut],
    summary="此刻在某中心调解室值班的调解员（上午以 12 点为界）",
    tags=[MEDIATION],
)
def mediators_on_duty(
    request: HttpRequest, filters: Query[MediatorDutyOnDutyQuery]
) -> list[dict[str, Any]]:
    user = staff(request)
    region = _region(user, filters.region)
    at = _aware(filters.at, "at") or timezone.now()
    return [mediator_out(x) for x in services.mediators_on_duty(region, at)]


@router.get(
    "/mediation/consultations",
    response=LegalConsultationList,
    summary="法律咨询（新的在前）",
    tags=[LEGAL],
)
def list_consultations(
    request: HttpRequest, filters: Query[LegalConsultationQuery]
) -> dict[str, Any]:
    user = staff(request)
    rows = _in_region(selectors.consultations(user), filters.region)
    if filters.topic:
        rows = rows.filter(topic=filters.topic)
    if filters.channel:
        rows = rows.filter(channel=filters.channel)
    if filters.answered is not None:
        rows = rows.filter(answered_at__isnull=not filters.answered)
    page, cursor = NEWEST.page(rows, filters.cursor, filters.limit)
    return {"items": [consultation_out(k) for k in page], "next": cursor}


@router.post(
    "/mediation/consultations",
    response={201: LegalConsultationOut},
    summary="登记法律咨询（分给此刻值班的律师）",
    tags=[LEGAL],
)
def register_consultation(
    request: HttpRequest, data: LegalConsultationIn
) -> Status[dict[str, Any]]:
    user = staff(request)
    consultation = services.register_consultation(
        actor=user,
        region=_region(user, data.region),
        channel=data.channel,
        topic=data.topic,
        question=data.question,
        requester_name=data.requester_name,
        phone=data.phone,
        person=_person(user, data.person, "person"),
    )
    return Status(201, consultation_out(_first(selectors.consultations(user), consultation.pk)))


@router.post(
    "/mediation/consultations/{consultation_id}/answer",
    response=LegalConsultationOut,
    summary="解答法律咨询（转人民调解时即登记纠纷）",
    tags=[LEGAL],
)
def answer_consultation(
    request: HttpRequest, consultation_id: Id, data: LegalAnswerIn
) -> dict[str, Any]:
    user = staff(request)
    consultation = _first(selectors.consultations(user), consultation_id)
    grid = None
    if data.dispute_grid:
        grid = Region.objects.filter(path=data.dispute_grid).first()
        if grid is None:
            raise ValidationError({"dispute_grid": [_("请选择纠纷所在网格")]})
    services.answer_consultation(
        actor=user,
        consultation=consultation,
        answer=data.answer,
        referral=data.referral,
        dispute_item=data.dispute_item,
        dispute_grid=grid,
    )
    return consultation_out(_first(selectors.consultations(user), consultation_id))
