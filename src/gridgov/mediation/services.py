"""The rules of disputes and their mediation (docs/mediation.md, "Rules"): committees and
mediators, registering a dispute with its parties, mediations and their sessions, the outcome
with the numbered agreement, the court's confirmation and the follow-up visits.

Every function is keyword-only and atomic; bad input raises ``ValidationError`` with Chinese
messages per field and changes nothing; a record in the wrong state raises
``MediationConflict``; outside the jurisdiction 404, without the right 403.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.cases.models import Case
from gridgov.core import audit
from gridgov.core.jurisdiction import restrict
from gridgov.mediation import access, casework
from gridgov.mediation import choices as c
from gridgov.mediation.errors import MediationConflict
from gridgov.mediation.models import (
    Agreement,
    AgreementCounter,
    Campaign,
    Committee,
    Confirmation,
    Consultation,
    Dispute,
    FollowUp,
    Lawyer,
    LegalDuty,
    Mediation,
    Mediator,
    MediatorDuty,
    Party,
    Petition,
    Petitioner,
    ScreeningReport,
    Session,
)
from gridgov.regions.models import Region
from gridgov.registry.validators import check_id_number
from gridgov.registry.values import Errors, phone_fields, protect_id

BOARD = "JF"  # 矛盾纠纷
PETITION_BOARD = "XF"  # 信访诉求
# 《信访工作条例》(2022): days are calendar days
ACKNOWLEDGE_DAYS = 15  # 受理告知
REPLY_DAYS = 60  # 办理答复, from acceptance
EXTENSION_DAYS = 30  # one extension, with the reason
REVIEW_REQUEST_DAYS = 30  # 申请复查, from the reply
REVIEW_DAYS = 30  # 复查答复
REPEAT_WINDOW_DAYS = 365
CONFIRM_WITHIN_DAYS = 30  # 《人民调解法》第三十三条
MAX_TERMS = 30
TEXT_LIMIT = 4000


# -- shared ----------------------------------------------------------------------------------


def _not_found() -> Http404:
    return Http404(_("记录不存在或不在您的辖区内"))


def _visible(model: type[models.Model], pk: Any, actor: Any) -> bool:
    return restrict(model._default_manager.filter(pk=pk), actor, "view").exists()


def _need(actor: Any, action: str, path: str) -> None:
    if not access.may(actor, action, path):
        raise PermissionDenied(_("您的岗位不能办理此项"))


def _today() -> dt.date:
    return timezone.localdate()


def _log(actor: Any, action: str, obj: models.Model, **changes: Any) -> None:
    audit.record(
        actor=actor,
        action=f"mediation.{action}",
        obj=obj,
        changes={
            k: str(v) if not isinstance(v, int | bool | None) else v for k, v in changes.items()
        },
    )


def _text(errors: Errors, field: str, value: Any, limit: int, *, required: bool = False) -> str:
    text = str(value or "").strip()
    if required and not text:
        errors.add(field, _("此项必填"))
    elif len(text) > limit:
        errors.add(field, _("不能超过 %(n)s 个字") % {"n": limit})
    return text


def _choice(errors: Errors, field: str, value: Any, options: type[models.TextChoices]) -> str:
    if value not in options.values:
        errors.add(field, _("请从列表中选择"))
        return ""
    return str(value)


def _date(
    errors: Errors, field: str, value: Any, *, not_after_today: bool = True
) -> dt.date | None:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        errors.add(field, _("请填写日期"))
        return None
    if not_after_today and value > _today():
        errors.add(field, _("不能晚于今天"))
    return value


def _id_fields(errors: Errors, raw: Any, field: str) -> dict[str, str]:
    """A new party's resident ID number, checked and protected as the registers protect it
    (nothing for an empty field)."""
    number = str(raw or "").strip()
    if not number:
        return {}
    try:
        found = protect_id(check_id_number(number).number)
    except ValidationError as exc:
        errors.catch(field, exc)
        return {}
    return {"id_cipher": found.cipher, "id_masked": found.masked, "id_hash": found.hash}


def _mediation_actor(actor: Any, mediation: Mediation) -> None:
    """The mediation's own mediators work it; others need to see it and the right to mediate."""
    if access.leads_or_joins(actor, mediation):
        return
    if not _visible(Mediation, mediation.pk, actor):
        raise _not_found()
    if not access.may(actor, access.MEDIATE, mediation.region_path):
        raise PermissionDenied(_("您的岗位不能办理此项"))


def _lock(model: type[models.Model], pk: Any) -> Any:
    found = model._default_manager.select_for_update().filter(pk=pk).first()
    if found is None:
        raise _not_found()
    return found


# -- committees and mediators ----------------------------------------------------------------


@transaction.atomic
def create_committee(
    *,
    actor: Any,
    region: Region,
    name: str,
    kind: str = c.CommitteeKind.PEOPLE,
    specialities: Sequence[str] = (),
    address: str = "",
) -> Committee:
    """A mediation committee serving ``region`` (its subtree)."""
    if not _visible(Region, region.pk, actor):
        raise _not_found()
    _need(actor, access.ORGANISE, region.path)
    errors = Errors()
    title = _text(errors, "name", name, 80, required=True)
    kind = _choice(errors, "kind", kind, c.CommitteeKind)
    chosen = _specialities(errors, specialities)
    place = _text(errors, "address", address, 120)
    if region.level not in ("county", "township", "village"):
        errors.add("region", _("调解委员会应设在县（市）、乡镇（街道）或村（社区）"))
    if title and Committee.objects.filter(region=region, name=title).exists():
        errors.add("name", _("本区划已有同名的调解委员会"))
    errors.raise_if_any()
    committee = Committee.objects.create(
        region=region,
        region_path=region.path,
        name=title,
        kind=kind,
        specialities=chosen,
        address=place,
    )
    _log(actor, "create_committee", committee, name=title, region=region.path)
    return committee


def _specialities(errors: Errors, values: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(values))
    if any(v not in c.DisputeKind.values for v in chosen):
        errors.add("specialities", _("擅长领域应为纠纷类型"))
        return []
    return chosen


@transaction.atomic
def add_mediator(
    *,
    actor: Any,
    committee: Committee,
    name: str,
    kind: str = c.MediatorKind.PART_TIME,
    phone: str = "",
    user: Any = None,
    specialities: Sequence[str] = (),
    certified_on: dt.date | None = None,
) -> Mediator:
    """A mediator of ``committee``; an account (optional) lets them work their mediations."""
    if not _visible(Committee, committee.pk, actor):
        raise _not_found()
    _need(actor, access.ORGANISE, committee.region_path)
    errors = Errors()
    title = _text(errors, "name", name, 50, required=True)
    kind = _choice(errors, "kind", kind, c.MediatorKind)
    chosen = _specialities(errors, specialities)
    if certified_on is not None:
        _date(errors, "certified_on", certified_on)
    if not committee.active:
        errors.add("committee", _("该调解委员会已撤销"))
    protected = phone_fields(errors, phone)
    errors.raise_if_any()
    mediator = Mediator.objects.create(
        committee=committee,
        region_path=committee.region_path,
        name=title,
        kind=kind,
        user=user,
        specialities=chosen,
        certified_on=certified_on,
        **protected,
    )
    _log(actor, "add_mediator", mediator, name=title, committee=committee.pk)
    return mediator


# -- disputes and parties --------------------------------------------------------------------


@transaction.atomic
def register_dispute(
    *,
    actor: Any,
    case: Case,
    kind: str = "",
    amount_yuan: Any = None,
    people_involved: int = 2,
    risk: str = c.Risk.LOW,
    violence_risk: bool = False,
    mass_risk: bool = False,
    parties: Sequence[Mapping[str, Any]] = (),
) -> Dispute:
    """The dispute record of a 矛盾纠纷 case, with its parties (at least one 申请人). The kind
    defaults to the one of the case's item."""
    if not _visible(Case, case.pk, actor):
        raise _not_found()
    path = case.region.path
    _need(actor, access.MEDIATE, path)
    errors = Errors()
    if case.item.board.code != BOARD:
        errors.add("case", _("只有矛盾纠纷板块的案件才能登记为纠纷"))
    if Dispute.objects.filter(case=case).exists():
        raise MediationConflict(_("该案件已登记为纠纷"))
    kind = kind or c.KIND_OF_ITEM.get(case.item.code, c.DisputeKind.OTHER)
    kind = _choice(errors, "kind", kind, c.DisputeKind)
    amount = _amount(errors, amount_yuan)
    if not isinstance(people_involved, int) or not 1 <= people_involved <= 100_000:
        errors.add("people_involved", _("涉及人数应在 1–100000 之间"))
    risk = _choice(errors, "risk", risk, c.Risk)
    cleaned = [_party(errors, f"parties.{i}", values) for i, values in enumerate(parties)]
    if not any(p.get("role") == c.PartyRole.APPLICANT for p in cleaned):
        errors.add("parties", _("至少登记一名申请人"))
    errors.raise_if_any()
    dispute = Dispute.objects.create(
        case=case,
        region_path=path,
        kind=kind,
        amount_yuan=amount,
        people_involved=people_involved,
        risk=risk,
        violence_risk=bool(violence_risk),
        mass_risk=bool(mass_risk),
        created_by=actor,
    )
    for position, values in enumerate(cleaned):
        Party.objects.create(dispute=dispute, region_path=path, position=position, **values)
    _log(actor, "register_dispute", dispute, case=case.number, kind=kind, parties=len(cleaned))
    return dispute


def _amount(errors: Errors, value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors.add("amount_yuan", _("请填写金额（元）"))
        return None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
        errors.add("amount_yuan", _("金额应在 0 到 1 万亿元之间"))
        return None
    return amount.quantize(Decimal("0.01"))


def _party(errors: Errors, field: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """A party: a register person, a register organisation, or a new one (name required; ID
    number and phone protected as the registers protect them)."""
    from gridgov.registry.models import Organisation, Person

    out: dict[str, Any] = {}
    role = values.get("role")
    if role not in c.PartyRole.values:
        errors.add(f"{field}.role", _("请选择当事人身份"))
    out["role"] = role
    person, org = values.get("person"), values.get("organisation")
    if person is not None and org is not None:
        errors.add(field, _("当事人只能是一个人或一个单位"))
        return out
    if person is not None:
        if not isinstance(person, Person):
            errors.add(f"{field}.person", _("实有人口记录无效"))
            return out
        out.update(
            person=person,
            name=person.name,
            id_masked=person.id_masked,
            phone_masked=person.phone_masked,
            gender=person.gender,
            birth_year=person.birth_date.year if person.birth_date else None,
        )
    elif org is not None:
        if not isinstance(org, Organisation):
            errors.add(f"{field}.organisation", _("单位记录无效"))
            return out
        out.update(organisation=org, name=org.name)
    else:
        out["name"] = _text(errors, f"{field}.name", values.get("name"), 80, required=True)
        out.update(_id_fields(errors, values.get("id_number"), f"{field}.id_number"))
        out.update(phone_fields(errors, values.get("phone"), f"{field}.phone"))
        out["gender"] = _text(errors, f"{field}.gender", values.get("gender"), 8)
        year = values.get("birth_year")
        if year not in (None, "") and (not isinstance(year, int) or not 1900 <= year <= 2030):
            errors.add(f"{field}.birth_year", _("出生年份无效"))
        else:
            out["birth_year"] = year or None
        out["address"] = _text(errors, f"{field}.address", values.get("address"), 120)
    out["agent"] = _text(errors, f"{field}.agent", values.get("agent"), 80)
    return out


# -- mediation -------------------------------------------------------------------------------


@transaction.atomic
def start_mediation(
    *,
    actor: Any,
    dispute: Dispute,
    committee: Committee,
    mediator: Mediator,
    accepted_on: dt.date,
    co_mediators: Sequence[Mediator] = (),
    handler: Any = None,
) -> Mediation:
    """A committee takes the dispute with a lead mediator (one open mediation a dispute).
    ``handler`` (办理人): for a mediator without an account, the grid worker or grid chief the
    case is dispatched to (one of ``casework.handlers(case)``); they record the outcome."""
    if not _visible(Dispute, dispute.pk, actor):
        raise _not_found()
    _need(actor, access.MEDIATE, dispute.region_path)
    errors = Errors()
    if not committee.active:
        errors.add("committee", _("该调解委员会已撤销"))
    elif not dispute.region_path.startswith(committee.region_path):
        errors.add("committee", _("纠纷不在该调解委员会的调解范围内"))
    if mediator.committee_id != committee.pk or not mediator.active:
        errors.add("mediator", _("请选择该调解委员会在任的调解员"))
    others = [m for m in co_mediators if m.pk != mediator.pk]
    if any(m.committee_id != committee.pk or not m.active for m in others):
        errors.add("co_mediators", _("参与调解员应是该调解委员会在任的调解员"))
    if handler is not None and (
        mediator.user_id is not None
        or handler.pk not in {u.pk for u in casework.handlers(dispute.case)}
    ):
        errors.add(
            "handler",
            _("调解员有账号时由调解员办理；办理人只能是纠纷所在网格的网格员或网格长")
            if mediator.user_id is not None
            else _("办理人只能是纠纷所在网格的网格员或网格长"),
        )
    day = _date(errors, "accepted_on", accepted_on)
    received = timezone.localdate(dispute.case.created_at)
    if day is not None and day < received:
        errors.add("accepted_on", _("受理日期不能早于案件登记日期（%(day)s）") % {"day": received})
    errors.raise_if_any()
    assert day is not None
    if Mediation.objects.filter(dispute=dispute, state=c.MediationState.OPEN).exists():
        raise MediationConflict(_("该纠纷正在调解中"))
    try:
        with transaction.atomic():
            mediation = Mediation.objects.create(
                dispute=dispute,
                region_path=dispute.region_path,
                committee=committee,
                mediator=mediator,
                accepted_on=day,
                created_by=actor,
            )
    except IntegrityError as exc:  # a second request at the same moment
        raise MediationConflict(_("该纠纷正在调解中")) from exc
    mediation.co_mediators.set(others)
    casework.mediation_started(actor=actor, mediation=mediation, handler=handler)
    _log(actor, "start_mediation", mediation, mediator=mediator.name, committee=committee.name)
    return mediation


@transaction.atomic
def record_session(
    *,
    actor: Any,
    mediation: Mediation,
    starts_at: dt.datetime,
    place: str,
    participants: str,
    ends_at: dt.datetime | None = None,
    online: bool = False,
    minutes: str = "",
    next_step: str = "",
) -> Session:
    """A sitting of an open mediation, in a room or online."""
    _mediation_actor(actor, mediation)
    mediation = _lock(Mediation, mediation.pk)
    if mediation.state != c.MediationState.OPEN:
        raise MediationConflict(_("调解已结束，不能再记录调解会"))
    errors = Errors()
    if not isinstance(starts_at, dt.datetime) or timezone.is_naive(starts_at):
        errors.add("starts_at", _("请填写开始时间"))
    elif ends_at is not None and (not isinstance(ends_at, dt.datetime) or ends_at <= starts_at):
        errors.add("ends_at", _("结束时间应晚于开始时间"))
    elif timezone.localdate(starts_at) < mediation.accepted_on:
        errors.add("starts_at", _("不能早于受理日期"))
    where = _text(errors, "place", place, 120, required=True)
    who = _text(errors, "participants", participants, 1000, required=True)
    notes = _text(errors, "minutes", minutes, TEXT_LIMIT)
    then = _text(errors, "next_step", next_step, 200)
    errors.raise_if_any()
    session = Session.objects.create(
        mediation=mediation,
        region_path=mediation.region_path,
        starts_at=starts_at,
        ends_at=ends_at,
        online=bool(online),
        place=where,
        participants=who,
        minutes=notes,
        next_step=then,
        created_by=actor,
    )
    _log(actor, "record_session", session, mediation=mediation.pk, online=bool(online))
    return session


@transaction.atomic
def close_mediation(
    *,
    actor: Any,
    mediation: Mediation,
    state: str,
    note: str = "",
    referred_to: str = "",
    agreement: Mapping[str, Any] | None = None,
    closed_on: dt.date | None = None,
) -> Mediation:
    """The outcome: 达成协议 / 部分达成 (with the agreement), 调解不成 (reason), 转诉讼 / 转仲裁
    (to whom) or 撤回."""
    _mediation_actor(actor, mediation)
    mediation = _lock(Mediation, mediation.pk)
    if mediation.state != c.MediationState.OPEN:
        raise MediationConflict(_("调解已结束"))
    errors = Errors()
    if state not in c.CLOSED_STATES:
        errors.add("state", _("请选择调解结果"))
    text = _text(errors, "note", note, TEXT_LIMIT, required=state == c.MediationState.FAILED)
    to = _text(
        errors,
        "referred_to",
        referred_to,
        80,
        required=state in (c.MediationState.COURT, c.MediationState.ARBITRATION),
    )
    day = _date(errors, "closed_on", closed_on or _today())
    if day is not None and day < mediation.accepted_on:
        errors.add("closed_on", _("不能早于受理日期"))
    terms: dict[str, Any] = {}
    if state in c.AGREEMENT_STATES:
        terms = _agreement(errors, agreement or {}, mediation)
    elif agreement:
        errors.add("agreement", _("只有达成协议时才填写协议书"))
    errors.raise_if_any()
    assert day is not None
    if terms:
        day = terms["signed_on"]
        _number(mediation, terms)
    mediation.state = state
    mediation.outcome_note = text
    mediation.referred_to = to
    mediation.closed_on = day
    mediation.version += 1
    mediation.save(update_fields=["state", "outcome_note", "referred_to", "closed_on", "version"])
    casework.mediation_closed(actor=actor, mediation=mediation)
    _log(actor, "close_mediation", mediation, state=state, closed_on=day)
    return mediation


def _agreement(errors: Errors, values: Mapping[str, Any], mediation: Mediation) -> dict[str, Any]:
    out: dict[str, Any] = {}
    out["facts"] = _text(errors, "agreement.facts", values.get("facts"), TEXT_LIMIT, required=True)
    raw = values.get("terms") or []
    terms = [str(t).strip() for t in raw if str(t).strip()] if isinstance(raw, list) else []
    if not terms:
        errors.add("agreement.terms", _("至少写明一项协议内容"))
    elif len(terms) > MAX_TERMS or any(len(t) > 1000 for t in terms):
        errors.add("agreement.terms", _("协议内容至多 30 项，每项不超过 1000 字"))
    out["terms"] = terms
    signed = _date(errors, "agreement.signed_on", values.get("signed_on"))
    if signed is not None and signed < mediation.accepted_on:
        errors.add("agreement.signed_on", _("签订日期不能早于受理日期"))
    out["signed_on"] = signed
    perform_by = values.get("perform_by")
    if perform_by is not None and (
        not isinstance(perform_by, dt.date) or (signed is not None and perform_by < signed)
    ):
        errors.add("agreement.perform_by", _("履行期限不能早于签订日期"))
    out["perform_by"] = perform_by
    out["perform_note"] = _text(errors, "agreement.perform_note", values.get("perform_note"), 200)
    signatures = values.get("signatures") or []
    if not isinstance(signatures, list) or not all(
        isinstance(s, Mapping) and str(s.get("name") or "").strip() for s in signatures
    ):
        errors.add("agreement.signatures", _("签字情况无效"))
        signatures = []
    out["signatures"] = [
        {
            "label": str(s.get("label") or ""),
            "name": str(s["name"]),
            "signed": bool(s.get("signed")),
        }
        for s in signatures
    ]
    return out


def _number(mediation: Mediation, terms: Mapping[str, Any]) -> Agreement:
    """The agreement with the committee's next 调字第 N 号 of the year."""
    committee = mediation.committee
    year = terms["signed_on"].year
    counter, _created = AgreementCounter.objects.select_for_update().get_or_create(
        committee=committee, year=year
    )
    counter.last += 1
    counter.save(update_fields=["last"])
    number = f"{committee.name}（{year}）调字第 {counter.last} 号"
    return Agreement.objects.create(
        mediation=mediation,
        region_path=mediation.region_path,
        year=year,
        serial=counter.last,
        number=number,
        **terms,
    )


# -- after the agreement ---------------------------------------------------------------------


def confirmation_deadline(agreement: Agreement) -> dt.date:
    """The last day to apply for 司法确认: 30 days after the agreement takes effect."""
    return agreement.signed_on + dt.timedelta(days=CONFIRM_WITHIN_DAYS)


@transaction.atomic
def apply_confirmation(
    *, actor: Any, agreement: Agreement, applied_on: dt.date, court: str
) -> Confirmation:
    """The parties apply to the court to confirm the agreement (within 30 days)."""
    _mediation_actor(actor, agreement.mediation)
    if Confirmation.objects.filter(agreement=agreement).exists():
        raise MediationConflict(_("该协议已申请司法确认"))
    errors = Errors()
    day = _date(errors, "applied_on", applied_on)
    last = confirmation_deadline(agreement)
    if day is not None and day < agreement.signed_on:
        errors.add("applied_on", _("不能早于协议签订日期"))
    elif day is not None and day > last:
        errors.add(
            "applied_on",
            _("应在协议生效之日起 30 日内申请（最迟 %(day)s）") % {"day": last},
        )
    name = _text(errors, "court", court, 80, required=True)
    errors.raise_if_any()
    assert day is not None
    confirmation = Confirmation.objects.create(
        agreement=agreement, region_path=agreement.region_path, applied_on=day, court=name
    )
    _log(actor, "apply_confirmation", confirmation, applied_on=day, court=name)
    return confirmation


@transaction.atomic
def decide_confirmation(
    *,
    actor: Any,
    confirmation: Confirmation,
    result: str,
    decided_on: dt.date,
    ruling_no: str = "",
) -> Confirmation:
    """The court's ruling (recorded once)."""
    _mediation_actor(actor, confirmation.agreement.mediation)
    confirmation = _lock(Confirmation, confirmation.pk)
    if confirmation.result != c.ConfirmationResult.PENDING:
        raise MediationConflict(_("司法确认结果已登记"))
    errors = Errors()
    if result == c.ConfirmationResult.PENDING or result not in c.ConfirmationResult.values:
        errors.add("result", _("请选择司法确认结果"))
    day = _date(errors, "decided_on", decided_on)
    if day is not None and day < confirmation.applied_on:
        errors.add("decided_on", _("不能早于申请日期"))
    number = _text(
        errors, "ruling_no", ruling_no, 80, required=result == c.ConfirmationResult.CONFIRMED
    )
    errors.raise_if_any()
    confirmation.result = result
    confirmation.decided_on = day
    confirmation.ruling_no = number
    confirmation.save(update_fields=["result", "decided_on", "ruling_no"])
    _log(actor, "decide_confirmation", confirmation, result=result, decided_on=day)
    return confirmation


@transaction.atomic
def record_follow_up(
    *, actor: Any, mediation: Mediation, visited_on: dt.date, honoured: str, note: str = ""
) -> FollowUp:
    """回访: whether an agreement is being honoured."""
    _mediation_actor(actor, mediation)
    agreement = Agreement.objects.filter(mediation=mediation).first()
    if agreement is None:
        raise MediationConflict(_("没有调解协议，无需回访履行情况"))
    errors = Errors()
    day = _date(errors, "visited_on", visited_on)
    if day is not None and day < agreement.signed_on:
        errors.add("visited_on", _("不能早于协议签订日期"))
    honoured = _choice(errors, "honoured", honoured, c.Honoured)
    text = _text(errors, "note", note, 500, required=honoured == c.Honoured.NOT)
    errors.raise_if_any()
    assert day is not None
    visit = FollowUp.objects.create(
        mediation=mediation,
        region_path=mediation.region_path,
        visited_on=day,
        honoured=honoured,
        note=text,
        by=actor,
    )
    _log(actor, "record_follow_up", visit, honoured=honoured)
    return visit


# -- screening (矛盾纠纷排查) ------------------------------------------------------------------


@transaction.atomic
def create_campaign(
    *,
    actor: Any,
    region: Region,
    title: str,
    starts_on: dt.date,
    ends_on: dt.date,
    due_on: dt.date | None = None,
) -> Campaign:
    """A screening period for every grid under ``region``; reports are due on ``due_on``
    (the last day of the period when not given)."""
    if not _visible(Region, region.pk, actor):
        raise _not_found()
    _need(actor, access.ORGANISE, region.path)
    errors = Errors()
    name = _text(errors, "title", title, 80, required=True)
    if region.level not in ("county", "township", "village"):
        errors.add("region", _("排查由县（市）、乡镇（街道）或村（社区）组织"))
    first = _date(errors, "starts_on", starts_on, not_after_today=False)
    last = _date(errors, "ends_on", ends_on, not_after_today=False)
    due = _date(errors, "due_on", due_on or ends_on, not_after_today=False)
    if first is not None and last is not None and last < first:
        errors.add("ends_on", _("结束日期不能早于开始日期"))
    if last is not None and due is not None and due < last:
        errors.add("due_on", _("上报截止日期不能早于结束日期"))
    errors.raise_if_any()
    assert first is not None and last is not None and due is not None
    campaign = Campaign.objects.create(
        region=region,
        region_path=region.path,
        title=name,
        starts_on=first,
        ends_on=last,
        due_on=due,
        created_by=actor,
    )
    _log(actor, "create_campaign", campaign, title=name, region=region.path)
    return campaign


@transaction.atomic
def report_screening(
    *,
    actor: Any,
    campaign: Campaign,
    grid: Region,
    nil: bool,
    disputes: Sequence[Dispute] = (),
    note: str = "",
    now: dt.datetime | None = None,
) -> ScreeningReport:
    """A grid's report: 零报告 (nothing found) or the disputes found in the grid. Once per
    grid and campaign; after the due date it is kept and marked late."""
    if not _visible(Region, grid.pk, actor):
        raise _not_found()
    _need(actor, access.MEDIATE, grid.path)
    at = now or timezone.now()
    errors = Errors()
    if grid.level != "grid" or not grid.path.startswith(campaign.region_path):
        errors.add("grid", _("请选择本次排查范围内的网格"))
    if timezone.localdate(at) < campaign.starts_on:
        errors.add("nil", _("排查尚未开始"))
    found = list(dict.fromkeys(disputes))
    if nil and found:
        errors.add("disputes", _("零报告不能同时登记纠纷"))
    if not nil and not found:
        errors.add("disputes", _("请登记排查发现的纠纷，没有发现请选择零报告"))
    if any(not d.region_path.startswith(grid.path) for d in found):
        errors.add("disputes", _("只能登记本网格的纠纷"))
    text = _text(errors, "note", note, 500)
    errors.raise_if_any()
    if ScreeningReport.objects.filter(campaign=campaign, grid=grid).exists():
        raise MediationConflict(_("本网格已上报本次排查"))
    report = ScreeningReport.objects.create(
        campaign=campaign,
        grid=grid,
        region_path=grid.path,
        nil=bool(nil),
        note=text,
        reported_by=actor,
        reported_at=at,
    )
    report.disputes.set(found)
    _log(actor, "report_screening", report, nil=bool(nil), disputes=len(found))
    return report


# -- petitions (信访) ------------------------------------------------------------------------


def _days(day: dt.date, n: int) -> dt.date:
    return day + dt.timedelta(days=n)


def _petitioner(errors: Errors, field: str, values: Mapping[str, Any]) -> dict[str, Any]:
    from gridgov.registry.models import Person

    person = values.get("person")
    if person is not None:
        if not isinstance(person, Person):
            errors.add(f"{field}.person", _("实有人口记录无效"))
            return {}
        return {
            "person": person,
            "name": person.name,
            "id_masked": person.id_masked,
            "id_hash": person.id_hash,
            "phone_masked": person.phone_masked,
            "phone_hash": person.phone_hash,
        }
    out: dict[str, Any] = {
        "name": _text(errors, f"{field}.name", values.get("name"), 50, required=True)
    }
    out.update(_id_fields(errors, values.get("id_number"), f"{field}.id_number"))
    out.update(phone_fields(errors, values.get("phone"), f"{field}.phone"))
    out["address"] = _text(errors, f"{field}.address", values.get("address"), 120)
    return out


@transaction.atomic
def register_petition(
    *,
    actor: Any,
    case: Case,
    form: str,
    petitioners: Sequence[Mapping[str, Any]],
    people_count: int | None = None,
    skips_level: bool = False,
    received_on: dt.date | None = None,
) -> Petition:
    """The petition record of a 信访诉求 case with its petitioners; the acknowledgment is due
    15 days after it was received. ``people_count`` defaults to the petitioners listed; five
    or more make a group petition (集体访)."""
    if not _visible(Case, case.pk, actor):
        raise _not_found()
    path = case.region.path
    _need(actor, access.MEDIATE, path)
    errors = Errors()
    if case.item.board.code != PETITION_BOARD:
        errors.add("case", _("只有信访诉求板块的案件才能登记为信访事项"))
    if Petition.objects.filter(case=case).exists():
        raise MediationConflict(_("该案件已登记为信访事项"))
    form = _choice(errors, "form", form, c.PetitionForm)
    cleaned = [_petitioner(errors, f"petitioners.{i}", v) for i, v in enumerate(petitioners)]
    if not cleaned:
        errors.add("petitioners", _("至少登记一名信访人"))
    count = len(cleaned) if people_count is None else people_count
    if not isinstance(count, int) or count < max(len(cleaned), 1) or count > 100_000:
        errors.add("people_count", _("信访人数不能少于登记的信访人"))
    day = _date(errors, "received_on", received_on or timezone.localdate(case.created_at))
    errors.raise_if_any()
    assert day is not None
    petition = Petition.objects.create(
        case=case,
        region_path=path,
        form=form,
        people_count=count,
        skips_level=bool(skips_level),
        received_on=day,
        acknowledge_by=_days(day, ACKNOWLEDGE_DAYS),
        created_by=actor,
    )
    for values in cleaned:
        Petitioner.objects.create(petition=petition, region_path=path, **values)
    _log(actor, "register_petition", petition, case=case.number, people=count)
    return petition


def _petition_actor(actor: Any, petition: Petition) -> Petition:
    if not _visible(Petition, petition.pk, actor):
        raise _not_found()
    _need(actor, access.MEDIATE, petition.region_path)
    locked: Petition = _lock(Petition, petition.pk)
    return locked


def possible_repeats(petition: Petition) -> list[Petition]:
    """Earlier petitions (within a year) of the same matter (case item) from one of the same
    petitioners (the same register person, ID number or phone): proposed as repeats."""
    mine = list(petition.petitioners.all())
    people = {p.person_id for p in mine if p.person_id}
    ids = {p.id_hash for p in mine if p.id_hash}
    phones = {p.phone_hash for p in mine if p.phone_hash}
    same_person = (
        models.Q(petitioners__person_id__in=people)
        | models.Q(petitioners__id_hash__in=ids)
        | models.Q(petitioners__phone_hash__in=phones)
    )
    since = petition.received_on - dt.timedelta(days=REPEAT_WINDOW_DAYS)
    return list(
        Petition.objects.filter(
            same_person,
            case__item_id=petition.case.item_id,
            received_on__gte=since,
            received_on__lte=petition.received_on,
        )
        .exclude(pk=petition.pk)
        .distinct()
        .order_by("-received_on", "-pk")
    )


@transaction.atomic
def link_repeat(*, actor: Any, petition: Petition, earlier: Petition) -> Petition:
    """Mark ``petition`` a repeat of ``earlier`` (one of its proposed repeats)."""
    petition = _petition_actor(actor, petition)
    if earlier.pk not in {p.pk for p in possible_repeats(petition)}:
        raise ValidationError({"repeat_of": [_("该信访事项不是同一信访人同一事项的前次信访")]})
    petition.repeat_of = earlier
    petition.save(update_fields=["repeat_of"])
    _log(actor, "link_repeat", petition, earlier=earlier.pk)
    return petition


@transaction.atomic
def acknowledge(
    *,
    actor: Any,
    petition: Petition,
    accepted: bool,
    on: dt.date,
    note: str = "",
    lead: Mapping[str, Any] | None = None,
) -> Petition:
    """受理告知: accepted (the reply is due 60 days later) or not accepted (with the reason).
    The case moves with it (``casework``): accepted and dispatched to ``lead`` (a handling unit
    as the case engine takes it; by default the centre below, 属地), or rejected."""
    petition = _petition_actor(actor, petition)
    if petition.state != c.PetitionState.RECEIVED:
        raise MediationConflict(_("已告知是否受理"))
    errors = Errors()
    day = _date(errors, "on", on)
    if day is not None and day < petition.received_on:
        errors.add("on", _("不能早于收到日期"))
    text = _text(errors, "note", note, 500, required=not accepted)
    errors.raise_if_any()
    assert day is not None
    petition.acknowledged_on = day
    if accepted:
        petition.state = c.PetitionState.ACCEPTED
        petition.reply_by = _days(day, REPLY_DAYS)
    else:
        petition.state = c.PetitionState.NOT_ACCEPTED
        petition.reply_text = text
    petition.save()
    casework.petition_acknowledged(
        actor=actor, petition=petition, accepted=bool(accepted), note=text, lead=lead
    )
    _log(actor, "acknowledge", petition, accepted=bool(accepted), on=day)
    return petition


@transaction.atomic
def extend(*, actor: Any, petition: Petition, reason: str) -> Petition:
    """One extension of 30 days, with the reason, before the reply is due."""
    petition = _petition_actor(actor, petition)
    if petition.state != c.PetitionState.ACCEPTED or petition.reply_by is None:
        raise MediationConflict(_("只有办理中的信访事项才能延期，且只能延期一次"))
    errors = Errors()
    why = _text(errors, "reason", reason, 200, required=True)
    if _today() > petition.reply_by:
        errors.add("reason", _("已超过答复期限，不能再延期"))
    errors.raise_if_any()
    petition.state = c.PetitionState.EXTENDED
    petition.extension_reason = why
    petition.reply_by = _days(petition.reply_by, EXTENSION_DAYS)
    petition.save()
    _log(actor, "extend", petition, reply_by=petition.reply_by)
    return petition


@transaction.atomic
def reply(*, actor: Any, petition: Petition, on: dt.date, text: str) -> Petition:
    """The written reply (答复意见书); a review may be requested within 30 days of it."""
    petition = _petition_actor(actor, petition)
    if petition.state not in (c.PetitionState.ACCEPTED, c.PetitionState.EXTENDED):
        raise MediationConflict(_("该信访事项不在办理中"))
    errors = Errors()
    day = _date(errors, "on", on)
    if day is not None and petition.acknowledged_on and day < petition.acknowledged_on:
        errors.add("on", _("不能早于受理告知日期"))
    body = _text(errors, "text", text, TEXT_LIMIT, required=True)
    errors.raise_if_any()
    petition.state = c.PetitionState.REPLIED
    petition.replied_on = day
    petition.reply_text = body
    petition.save()
    casework.petition_replied(actor=actor, petition=petition)
    _log(actor, "reply", petition, on=day)
    return petition


@transaction.atomic
def rate(*, actor: Any, petition: Petition, satisfaction: str) -> Petition:
    petition = _petition_actor(actor, petition)
    if petition.state not in (c.PetitionState.REPLIED, c.PetitionState.REVIEWED):
        raise MediationConflict(_("答复后才能评价"))
    errors = Errors()
    petition.satisfaction = _choice(errors, "satisfaction", satisfaction, c.Satisfaction)
    errors.raise_if_any()
    petition.save(update_fields=["satisfaction"])
    return petition


@transaction.atomic
def request_review(*, actor: Any, petition: Petition, on: dt.date) -> Petition:
    """复查: requested within 30 days of the reply, answered within 30 days."""
    petition = _petition_actor(actor, petition)
    if petition.state != c.PetitionState.REPLIED or petition.replied_on is None:
        raise MediationConflict(_("答复后才能申请复查，且只能申请一次"))
    errors = Errors()
    day = _date(errors, "on", on)
    last = _days(petition.replied_on, REVIEW_REQUEST_DAYS)
    if day is not None and day < petition.replied_on:
        errors.add("on", _("不能早于答复日期"))
    elif day is not None and day > last:
        errors.add("on", _("应在收到答复之日起 30 日内申请复查（最迟 %(day)s）") % {"day": last})
    errors.raise_if_any()
    assert day is not None
    petition.state = c.PetitionState.REVIEW
    petition.review_requested_on = day
    petition.review_by = _days(day, REVIEW_DAYS)
    petition.save()
    _log(actor, "request_review", petition, on=day)
    return petition


@transaction.atomic
def answer_review(*, actor: Any, petition: Petition, on: dt.date, text: str) -> Petition:
    petition = _petition_actor(actor, petition)
    if petition.state != c.PetitionState.REVIEW or petition.review_requested_on is None:
        raise MediationConflict(_("没有待答复的复查申请"))
    errors = Errors()
    day = _date(errors, "on", on)
    if day is not None and day < petition.review_requested_on:
        errors.add("on", _("不能早于申请复查日期"))
    body = _text(errors, "text", text, TEXT_LIMIT, required=True)
    errors.raise_if_any()
    petition.state = c.PetitionState.REVIEWED
    petition.reviewed_on = day
    petition.review_text = body
    petition.save()
    _log(actor, "answer_review", petition, on=day)
    return petition


# -- legal service (法律服务室) --------------------------------------------------------------


@transaction.atomic
def add_lawyer(
    *,
    actor: Any,
    region: Region,
    name: str,
    firm: str,
    licence_no: str,
    phone: str = "",
    user: Any = None,
) -> Lawyer:
    """A lawyer serving the centres under ``region``."""
    if not _visible(Region, region.pk, actor):
        raise _not_found()
    _need(actor, access.ORGANISE, region.path)
    errors = Errors()
    title = _text(errors, "name", name, 50, required=True)
    office = _text(errors, "firm", firm, 80, required=True)
    licence = _text(errors, "licence_no", licence_no, 32, required=True)
    if licence and not (licence.isdigit() and len(licence) == 17):
        errors.add("licence_no", _("律师执业证号应为 17 位数字"))
    protected = phone_fields(errors, phone)
    errors.raise_if_any()
    lawyer = Lawyer.objects.create(
        region=region,
        region_path=region.path,
        name=title,
        firm=office,
        licence_no=licence,
        user=user,
        **protected,
    )
    _log(actor, "add_lawyer", lawyer, name=title, firm=office)
    return lawyer


_CENTRE_LEVELS = ("county", "township", "village")


def _rota_checks(errors: Errors, region: Region, day: Any, slot: Any) -> tuple[dt.date, str]:
    """The centre's level, the day and the slot of a duty on a rota (field errors in
    ``errors``)."""
    if region.level not in _CENTRE_LEVELS:
        errors.add("region", _("值班中心应为县（市）、乡镇（街道）或村（社区）的中心"))
    when = _date(errors, "day", day, not_after_today=False)
    slot = _choice(errors, "slot", slot, c.DutySlot)
    errors.raise_if_any()
    assert when is not None
    return when, slot


def _slot_taken(taken: models.QuerySet[Any], slot: str) -> bool:
    """Whether ``slot`` overlaps one of the duties ``taken`` (the same person's that day):
    a full day overlaps everything, a half day the same half and a full day."""
    if slot == c.DutySlot.FULL_DAY:
        return taken.exists()
    return taken.filter(slot__in=[slot, c.DutySlot.FULL_DAY]).exists()


def _slots_at(at: dt.datetime) -> tuple[dt.date, list[str]]:
    """The local day of ``at`` and the slots covering it (the morning is before noon)."""
    local = timezone.localtime(at)
    half = c.DutySlot.MORNING if local.hour < 12 else c.DutySlot.AFTERNOON
    return local.date(), [half, c.DutySlot.FULL_DAY]


@transaction.atomic
def set_duty(*, actor: Any, lawyer: Lawyer, region: Region, day: dt.date, slot: str) -> LegalDuty:
    """Put a lawyer on the rota of a centre (the centre inside the lawyer's area)."""
    if not _visible(Region, region.pk, actor):
        raise _not_found()
    _need(actor, access.ORGANISE, region.path)
    errors = Errors()
    if not lawyer.active:
        errors.add("lawyer", _("该律师已不在岗"))
    if not region.path.startswith(lawyer.region_path):
        errors.add("region", _("值班中心不在该律师的服务区域内"))
    when, slot = _rota_checks(errors, region, day, slot)
    if _slot_taken(LegalDuty.objects.filter(lawyer=lawyer, day=when), slot):
        raise MediationConflict(_("该律师这一时段已有值班"))
    duty = LegalDuty.objects.create(
        lawyer=lawyer, region=region, region_path=region.path, day=when, slot=slot
    )
    _log(actor, "set_duty", duty, lawyer=lawyer.name, day=when, slot=slot)
    return duty


def on_duty(region: Region, at: dt.datetime) -> list[Lawyer]:
    """The lawyers on duty at the centre of ``region`` at ``at`` (morning before noon)."""
    day, slots = _slots_at(at)
    duties = LegalDuty.objects.filter(
        region=region, day=day, slot__in=slots, lawyer__active=True
    ).select_related("lawyer")
    return [duty.lawyer for duty in duties.order_by("lawyer__name", "pk")]


@transaction.atomic
def set_mediator_duty(
    *, actor: Any, mediator: Mediator, region: Region, day: dt.date, slot: str
) -> MediatorDuty:
    """Put a mediator on the rota of a centre's mediation room (the centre inside the area of
    the mediator's committee)."""
    if not _visible(Region, region.pk, actor):
        raise _not_found()
    _need(actor, access.ORGANISE, region.path)
    errors = Errors()
    if not mediator.active:
        errors.add("mediator", _("该调解员已不在任"))
    if not region.path.startswith(mediator.region_path):
        errors.add("region", _("值班中心不在该调解员所在调解委员会的区域内"))
    when, slot = _rota_checks(errors, region, day, slot)
    if _slot_taken(MediatorDuty.objects.filter(mediator=mediator, day=when), slot):
        raise MediationConflict(_("该调解员这一时段已有值班"))
    duty = MediatorDuty.objects.create(
        mediator=mediator, region=region, region_path=region.path, day=when, slot=slot
    )
    _log(actor, "set_mediator_duty", duty, mediator=mediator.name, day=when, slot=slot)
    return duty


@transaction.atomic
def remove_mediator_duty(*, actor: Any, duty: MediatorDuty) -> None:
    """Take a mediator off the rota (an operator of the centre)."""
    if not _visible(MediatorDuty, duty.pk, actor):
        raise _not_found()
    _need(actor, access.ORGANISE, duty.region_path)
    _log(
        actor,
        "remove_mediator_duty",
        duty,
        mediator=duty.mediator.name,
        day=duty.day,
        slot=duty.slot,
    )
    duty.delete()


def mediators_on_duty(region: Region, at: dt.datetime) -> list[Mediator]:
    """The mediators on duty in the mediation room of the centre of ``region`` at ``at``
    (morning before noon), active ones of active committees."""
    day, slots = _slots_at(at)
    duties = MediatorDuty.objects.filter(
        region=region,
        day=day,
        slot__in=slots,
        mediator__active=True,
        mediator__committee__active=True,
    ).select_related("mediator", "mediator__committee")
    return [duty.mediator for duty in duties.order_by("mediator__name", "pk")]


@transaction.atomic
def register_consultation(
    *,
    actor: Any,
    region: Region,
    channel: str,
    topic: str,
    question: str,
    requester_name: str,
    phone: str = "",
    person: Any = None,
    at: dt.datetime | None = None,
) -> Consultation:
    """A legal question at a centre; it goes to the lawyer on duty there and then (if any)."""
    if not _visible(Region, region.pk, actor):
        raise _not_found()
    _need(actor, access.MEDIATE, region.path)
    when = at or timezone.now()
    errors = Errors()
    channel = _choice(errors, "channel", channel, c.ConsultChannel)
    topic = _choice(errors, "topic", topic, c.LegalTopic)
    text = _text(errors, "question", question, TEXT_LIMIT, required=True)
    name = _text(errors, "requester_name", requester_name, 50, required=True)
    protected = phone_fields(errors, phone)
    errors.raise_if_any()
    lawyers = on_duty(region, when)
    consultation = Consultation.objects.create(
        region=region,
        region_path=region.path,
        channel=channel,
        topic=topic,
        question=text,
        requester_name=name,
        person=person,
        lawyer=lawyers[0] if lawyers else None,
        created_by=actor,
        created_at=when,
        **protected,
    )
    _log(actor, "register_consultation", consultation, topic=topic, channel=channel)
    return consultation


@transaction.atomic
def answer_consultation(
    *,
    actor: Any,
    consultation: Consultation,
    answer: str,
    referral: str = c.Referral.NONE,
    dispute_item: str = "",
    dispute_grid: Region | None = None,
    at: dt.datetime | None = None,
) -> Consultation:
    """The lawyer's answer and where the matter goes next. A referral to mediation opens the
    dispute (a 矛盾纠纷 case of ``dispute_item`` in ``dispute_grid``, the requester as the
    applicant)."""
    from gridgov.cases.choices import Channel
    from gridgov.cases.models import Item
    from gridgov.cases.services import submit_case

    if not _visible(Consultation, consultation.pk, actor):
        raise _not_found()
    is_lawyer = consultation.lawyer is not None and consultation.lawyer.user_id == actor.pk
    if not (is_lawyer or access.may(actor, access.MEDIATE, consultation.region_path)):
        raise PermissionDenied(_("您的岗位不能办理此项"))
    consultation = _lock(Consultation, consultation.pk)
    if consultation.answered_at is not None:
        raise MediationConflict(_("该咨询已解答"))
    when = at or timezone.now()
    errors = Errors()
    text = _text(errors, "answer", answer, TEXT_LIMIT, required=True)
    referral = _choice(errors, "referral", referral, c.Referral)
    item = None
    if referral == c.Referral.MEDIATION:
        item = Item.objects.filter(code=dispute_item, board__code=BOARD, is_active=True).first()
        if item is None:
            errors.add("dispute_item", _("请选择矛盾纠纷事项"))
        if (
            dispute_grid is None
            or dispute_grid.level != "grid"
            or not _visible(Region, dispute_grid.pk, actor)
        ):
            errors.add("dispute_grid", _("请选择纠纷所在网格"))
    errors.raise_if_any()
    dispute = None
    if item is not None and dispute_grid is not None:
        case = submit_case(
            channel=Channel.WALK_IN,
            title=_("法律咨询转调解：%(topic)s") % {"topic": consultation.get_topic_display()},
            description=consultation.question,
            item=item,
            user=actor,
            region_path=dispute_grid.path,
            reporter_name=consultation.requester_name,
            at=when,
        )
        dispute = register_dispute(
            actor=actor,
            case=case,
            parties=[
                {
                    "role": c.PartyRole.APPLICANT,
                    "person": consultation.person,
                }
                if consultation.person is not None
                else {"role": c.PartyRole.APPLICANT, "name": consultation.requester_name}
            ],
        )
        if consultation.phone_hash:
            dispute.parties.filter(person__isnull=True).update(
                phone_cipher=consultation.phone_cipher,
                phone_masked=consultation.phone_masked,
                phone_hash=consultation.phone_hash,
            )
    consultation.answer = text
    consultation.answered_at = when
    consultation.referral = referral
    consultation.dispute = dispute
    if consultation.lawyer is None and is_lawyer is False:
        mine = Lawyer.objects.filter(user_id=actor.pk, active=True).first()
        consultation.lawyer = mine
    consultation.save()
    _log(actor, "answer_consultation", consultation, referral=referral)
    return consultation


# -- reception (接待登记) ----------------------------------------------------------------------


@transaction.atomic
def receive_dispute(
    *,
    actor: Any,
    grid: Region,
    item: str,
    title: str,
    description: str,
    parties: Sequence[Mapping[str, Any]],
    kind: str = "",
    amount_yuan: Any = None,
    people_involved: int = 2,
    risk: str = c.Risk.LOW,
    violence_risk: bool = False,
    mass_risk: bool = False,
    at: dt.datetime | None = None,
) -> Dispute:
    """A walk-in dispute at the reception window: its 矛盾纠纷 case (channel 来访, in
    ``grid``, the first applicant as the reporter) and the dispute record with its parties, in
    one transaction; the errors of both come back together and nothing is kept on error."""
    from gridgov.cases.choices import Channel
    from gridgov.cases.models import Item
    from gridgov.cases.services import submit_case

    errors = Errors()
    if grid.level != "grid" or not _visible(Region, grid.pk, actor):
        errors.add("grid", _("请选择纠纷所在网格"))
    elif not access.may(actor, access.MEDIATE, grid.path):
        raise PermissionDenied(_("您的岗位不能办理此项"))
    found = Item.objects.filter(code=item, board__code=BOARD, is_active=True).first()
    if found is None:
        errors.add("item", _("请选择矛盾纠纷事项"))
    if kind:
        _choice(errors, "kind", kind, c.DisputeKind)
    _amount(errors, amount_yuan)
    _choice(errors, "risk", risk, c.Risk)
    cleaned = [_party(errors, f"parties.{i}", values) for i, values in enumerate(parties)]
    if not any(p.get("role") == c.PartyRole.APPLICANT for p in cleaned):
        errors.add("parties", _("至少登记一名申请人"))
    reporter = next((p for p in cleaned if p.get("role") == c.PartyRole.APPLICANT), {})
    case = None
    if found is not None and "grid" not in errors.by_field:
        try:
            with transaction.atomic():
                case = submit_case(
                    channel=Channel.WALK_IN,
                    title=str(title or ""),
                    description=str(description or ""),
                    item=found,
                    user=actor,
                    region_path=grid.path,
                    reporter_name=str(reporter.get("name") or ""),
                    at=at,
                )
        except ValidationError as exc:
            errors.absorb(exc)
    errors.raise_if_any()
    assert case is not None
    return register_dispute(
        actor=actor,
        case=case,
        kind=kind,
        amount_yuan=amount_yuan,
        people_involved=people_involved,
        risk=risk,
        violence_risk=violence_risk,
        mass_risk=mass_risk,
        parties=parties,
    )


@transaction.atomic
def remove_duty(*, actor: Any, duty: LegalDuty) -> None:
    """Take a lawyer off the rota (an operator of the centre)."""
    if not _visible(LegalDuty, duty.pk, actor):
        raise _not_found()
    _need(actor, access.ORGANISE, duty.region_path)
    _log(actor, "remove_duty", duty, lawyer=duty.lawyer.name, day=duty.day, slot=duty.slot)
    duty.delete()


# -- petition reception (信访接待登记) --------------------------------------------------------

# The case's channel for each form of petition.
CHANNEL_OF_FORM: dict[str, str] = {
    c.PetitionForm.LETTER: "petition",  # 来信来访（信访）
    c.PetitionForm.VISIT: "walk_in",  # 来访
    c.PetitionForm.ONLINE: "app",  # 群众端（网上信访）
    c.PetitionForm.HOTLINE: "hotline",  # 12345 热线转办
}


@transaction.atomic
def receive_petition(
    *,
    actor: Any,
    form: str,
    item: Any,
    region: Region | None,
    title: str,
    description: str,
    petitioners: Sequence[Mapping[str, Any]],
    people_count: int | None = None,
    skips_level: bool = False,
    received_on: dt.date | None = None,
    address: str = "",
) -> Petition:
    """信访接待登记: the 信访诉求 case (channel by the petition's form) and its petition with the
    petitioners, in one transaction; bad input anywhere stores neither."""
    from gridgov.cases.models import Item
    from gridgov.cases.services import submit_case

    if region is not None and not _visible(Region, region.pk, actor):
        raise _not_found()
    if region is not None:
        _need(actor, access.MEDIATE, region.path)
    errors = Errors()
    if region is None:
        errors.add("region", _("请选择信访事项发生地"))
    form = _choice(errors, "form", form, c.PetitionForm)
    if not isinstance(item, Item) or item.board.code != PETITION_BOARD:
        errors.add("item", _("请选择信访诉求板块的事项"))
    for i, values in enumerate(petitioners):
        _petitioner(errors, f"petitioners.{i}", values)
    if not petitioners:
        errors.add("petitioners", _("至少登记一名信访人"))
    first = petitioners[0] if petitioners else {}
    person = first.get("person")
    case = None
    if not errors.by_field and region is not None:
        try:
            case = submit_case(
                channel=CHANNEL_OF_FORM[form],
                title=str(title or ""),
                description=str(description or ""),
                item=item,
                user=actor,
                region_path=region.path,
                address=str(address or ""),
                reporter_name=str(person.name if person else first.get("name") or "")[:50],
                reporter_phone="" if person else str(first.get("phone") or ""),
            )
        except ValidationError as exc:
            errors.absorb(exc)
    else:
        if not str(title or "").strip():
            errors.add("title", _("请填写标题"))
        if not str(description or "").strip():
            errors.add("description", _("请填写问题描述"))
    errors.raise_if_any()
    assert case is not None
    return register_petition(
        actor=actor,
        case=case,
        form=form,
        petitioners=petitioners,
        people_count=people_count,
        skips_level=skips_level,
        received_on=received_on,
    )


# -- the resident portal: online consultation and mediation request --------------------------


def consultation_centres() -> list[Region]:
    """The centres a resident may ask online: the county's and each township's."""
    return list(
        Region.objects.filter(level__in=("county", "township"), is_active=True).order_by("path")
    )


@transaction.atomic
def request_consultation_online(
    *,
    resident: Any,
    region: Region | None,
    topic: str,
    question: str,
    requester_name: str,
    at: dt.datetime | None = None,
) -> Consultation:
    """A logged-in resident's online legal question (网上咨询) to a county or township centre:
    it goes to the lawyer on duty there and then, else waits. The resident's account phone
    (hash and masked form) marks it theirs."""
    when = at or timezone.now()
    errors = Errors()
    if region is None or region.level not in ("county", "township") or not region.is_active:
        errors.add("region", _("请选择咨询的中心"))
    topic = _choice(errors, "topic", topic, c.LegalTopic)
    text = _text(errors, "question", question, 2000, required=True)
    name = _text(errors, "requester_name", requester_name, 50, required=True)
    errors.raise_if_any()
    assert region is not None
    lawyers = on_duty(region, when)
    consultation = Consultation.objects.create(
        region=region,
        region_path=region.path,
        channel=c.ConsultChannel.ONLINE,
        topic=topic,
        question=text,
        requester_name=name,
        phone_hash=resident.phone_hash,
        phone_masked=resident.phone_masked,
        lawyer=lawyers[0] if lawyers else None,
        created_by=None,
        created_at=when,
    )
    _log(None, "request_consultation_online", consultation, topic=topic, region=region.path)
    return consultation


@transaction.atomic
def request_mediation_online(
    *,
    resident: Any,
    item: Any,
    description: str,
    requester_name: str,
    phone: str = "",
    amount_yuan: Any = None,
    other_name: str = "",
    other_phone: str = "",
    lng: float | None = None,
    lat: float | None = None,
    address: str = "",
    root_path: str = "",
    at: dt.datetime | None = None,
) -> Dispute:
    """A logged-in resident asks for mediation online: the 矛盾纠纷 case (channel portal, the
    place as a point or else an address at ``root_path``) and its dispute with the resident as
    the applicant (their phone protected: the one given, else the account's) and the other
    side, if named, as the respondent — in one transaction."""
    from gridgov.cases.choices import Channel
    from gridgov.cases.models import Item
    from gridgov.cases.services import submit_case

    when = at or timezone.now()
    errors = Errors()
    if not isinstance(item, Item) or item.board.code != BOARD or not item.is_active:
        errors.add("item", _("请选择纠纷类型"))
    text = _text(errors, "description", description, 2000, required=True)
    name = _text(errors, "requester_name", requester_name, 50, required=True)
    mine = phone_fields(errors, phone, "phone")
    amount = _amount(errors, amount_yuan)
    other = _text(errors, "other_name", other_name, 80)
    theirs = phone_fields(errors, other_phone, "other_phone")
    if theirs["phone_hash"] and not other:
        errors.add("other_name", _("填写了对方电话，请同时填写对方姓名或称呼"))
    place = _text(errors, "address", address, 200)
    point = lng is not None and lat is not None
    if not point and not place:
        errors.add("location", _("请在地图上点选位置，或填写详细地址"))
    errors.raise_if_any()
    first = str(text).splitlines()[0][:30]
    case = submit_case(
        channel=Channel.RESIDENT_APP,
        user=None,
        title=f"{item.name}：{first}"[:100],
        description=text,
        item=item,
        lng=lng if point else None,
        lat=lat if point else None,
        region_path=None if point else root_path,
        address=place,
        reporter_name=name,
        reporter_phone=phone.strip() if mine["phone_hash"] else "",
        resident=resident,
        at=when,
    )
    if not mine["phone_hash"]:
        mine = {
            "phone_cipher": "",
            "phone_masked": resident.phone_masked,
            "phone_hash": resident.phone_hash,
        }
    dispute = Dispute.objects.create(
        case=case,
        region_path=case.region_path,
        kind=c.KIND_OF_ITEM.get(item.code, c.DisputeKind.OTHER),
        amount_yuan=amount,
        people_involved=2,
        created_by=None,  # asked online: the case records the resident
    )
    Party.objects.create(
        dispute=dispute,
        region_path=dispute.region_path,
        position=0,
        role=c.PartyRole.APPLICANT,
        name=name,
        **mine,
    )
    if other:
        Party.objects.create(
            dispute=dispute,
            region_path=dispute.region_path,
            position=1,
            role=c.PartyRole.RESPONDENT,
            name=other,
            **theirs,
        )
    _log(None, "request_mediation_online", dispute, case=case.number)
    return dispute
