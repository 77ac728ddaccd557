"""The case moving with its mediation and its petition (docs/mediation.md, "Case moving").

A dispute is a 矛盾纠纷 case and a petition a 信访诉求 case; the mediation services call these
functions inside their own transaction, after checking their input, so that the record and the
case change together or not at all. Every step is one ``cases.services.act`` by the user who
does the mediation or petition step (one case event each): the transition table and the
permission model stay the only way a case moves, and nothing is done in anyone else's name.

- Starting a mediation: a case waiting at its centre is accepted (受理) and dispatched (派遣)
  to the lead: the lead mediator's account when it can be dispatched to (a grid worker or
  grid chief under the case's centre, or a party member sunk there), else the user who starts
  the mediation (when they can be dispatched to), else the centre of the committee's area when
  it lies below the case's centre. When the lead is the acting user, they sign for it (签收)
  at once; otherwise the lead signs in the workbench, or when they record the outcome. A case
  already being handled keeps its lead.
- Closing a mediation: the case's lead signs if still needed and hands it in (办结, ``HANDLE``)
  with the result text; verification then closes it as any case.
- A petition acknowledged as accepted: the case is accepted and dispatched (by default to the
  centre just below the owning one on the way to the case's place: 属地办理); not accepted:
  the case is rejected (不予受理) with the reason, when it is still waiting to be accepted.
- A petition's reply: the case's lead signs if needed and hands it in with the reply.

Errors of the case engine come back as the mediation services' errors (404, 403, conflict,
field errors on ``case``), with the case's number in the message.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from gridgov.cases import services as case_services
from gridgov.cases.errors import CaseConflict, CaseForbidden, CaseNotFound
from gridgov.cases.models import Case
from gridgov.cases.workflow import Action, Actor, Status
from gridgov.mediation import choices as c
from gridgov.mediation.errors import MediationConflict
from gridgov.mediation.models import Mediation, Petition
from gridgov.regions import codes
from gridgov.regions.models import Region

WAITING = (Status.SUBMITTED, Status.ACCEPTED)  # at the centre, not yet with a handler
BEING_HANDLED = (Status.DISPATCHED, Status.IN_PROGRESS)


@contextmanager
def _as_mediation_errors(case: Case, *, fields: bool = True) -> Iterator[None]:
    """The case engine's errors as the mediation services raise them, naming the case (bad
    input as errors of the field ``case`` unless ``fields`` is false)."""
    try:
        yield
    except CaseNotFound as exc:
        raise Http404(exc.message) from exc
    except CaseForbidden as exc:
        raise PermissionDenied(
            _("案件 %(n)s：%(m)s") % {"n": case.number, "m": exc.message}
        ) from exc
    except CaseConflict as exc:
        raise MediationConflict(
            _("案件 %(n)s：%(m)s") % {"n": case.number, "m": exc.message}
        ) from exc
    except ValidationError as exc:
        if not fields:
            raise
        raise ValidationError(
            {"case": [_("案件 %(n)s：%(m)s") % {"n": case.number, "m": m} for m in exc.messages]}
        ) from exc


def _fresh(case: Case) -> Case:
    return Case.objects.select_related("centre", "lead_centre", "master").get(pk=case.pk)


def _act(actor: Any, case: Case, action: Action, **payload: Any) -> Case:
    with _as_mediation_errors(case):
        case_services.act(case=case, user=actor, action=action, payload=payload)
    return _fresh(case)


def _is_lead(actor: Any, case: Case) -> bool:
    state = case_services.state_of(case)
    return Actor.LEAD in case_services.kinds_of(actor, case, state)


def records_outcome(user: Any, case: Case) -> bool:
    """Whether ``user`` may record the mediation's outcome now: the case is being handled and
    they lead it (handing the case in is the lead's step)."""
    return case.status in BEING_HANDLED and _is_lead(user, case)


def lead_label(case: Case) -> str:
    """Who leads the case, as the pages name them."""
    if case.lead_user is not None:
        return str(case.lead_user.full_name or case.lead_user.username)
    if case.lead_department is not None:
        return str(case.lead_department.name)
    if case.lead_centre is not None:
        return str(case.lead_centre.name)
    return ""


def _state_error(case: Case, doing: str) -> MediationConflict:
    return MediationConflict(
        _("案件 %(n)s 当前状态为“%(s)s”，不能%(d)s")
        % {"n": case.number, "s": case.get_status_display(), "d": doing}
    )


def _dispatch_first(actor: Any, case: Case, leads: list[Mapping[str, str]]) -> Case:
    """Dispatch to the first of ``leads`` the case engine accepts as a handling unit; an actor
    who may not dispatch is refused at once."""
    for lead in leads:
        try:
            with _as_mediation_errors(case, fields=False):
                case_services.act(
                    case=case, user=actor, action=Action.DISPATCH, payload={"lead": dict(lead)}
                )
        except ValidationError as exc:
            if "lead" in getattr(exc, "error_dict", {}):
                continue  # not a unit this case can be dispatched to: try the next
            raise
        return _fresh(case)
    raise MediationConflict(
        _(
            "案件 %(n)s 找不到可以派遣的办理人：调解员没有本中心辖区内网格员（网格长）账号，"
            "经办人也不能作为办理人。请选择办理人（纠纷所在网格的网格员或网格长），"
            "或先在案件中派遣办理人，再开始调解。"
        )
        % {"n": case.number}
    )


def _centre_below(case: Case, towards: str) -> str | None:
    """The centre just below the case's centre on the way to ``towards`` (a region path), when
    it is a village or township centre that exists."""
    centre = case.centre.path
    if not towards.startswith(centre) or towards == centre:
        return None
    for path in [*codes.ancestor_paths(towards), towards]:
        below = path.startswith(centre) and path != centre
        if below and Region.objects.filter(path=path, level__in=["township", "village"]).exists():
            return path
    return None


def _sign_if_lead(actor: Any, case: Case) -> Case:
    if case.status == Status.DISPATCHED and _is_lead(actor, case):
        case = _act(actor, case, Action.SIGN)
    return case


# -- mediation -------------------------------------------------------------------------------


def handlers(case: Case) -> list[Any]:
    """The grid workers and grid chiefs a case may be dispatched to for a mediator without
    an account (办理人): a current post over the case's place, under the case's centre."""
    from gridgov.accounts.models import Post, User
    from gridgov.accounts.roles import Role

    paths = [*codes.ancestor_paths(case.region_path), case.region_path]
    ids = (
        Post.objects.current()
        .filter(
            role__in=[Role.GRID_WORKER, Role.GRID_CHIEF],
            region__path__in=[p for p in paths if p.startswith(case.centre.path)],
            user__is_active=True,
        )
        .values_list("user_id", flat=True)
    )
    return list(User.objects.filter(pk__in=ids).order_by("full_name", "username"))


def mediation_started(*, actor: Any, mediation: Mediation, handler: Any = None) -> Case:
    """The dispute's case taken up for the mediation (accepted, dispatched, signed for)."""
    case = _fresh(mediation.dispute.case)
    if case.status in BEING_HANDLED:
        return _sign_if_lead(actor, case)
    if case.status not in WAITING:
        raise _state_error(case, _("开始调解"))
    if case.status == Status.SUBMITTED:
        case = _act(actor, case, Action.ACCEPT)
    leads: list[Mapping[str, str]] = []
    account = mediation.mediator.user_id
    if account is not None:
        leads.append({"kind": "user", "ref": str(account)})
    elif handler is not None:  # chosen for a mediator without an account
        leads.append({"kind": "user", "ref": str(handler.pk)})
    if getattr(actor, "pk", None) is not None and actor.pk != account:
        leads.append({"kind": "user", "ref": str(actor.pk)})
    below = _centre_below(case, mediation.committee.region_path)
    if below is not None:
        leads.append({"kind": "centre", "ref": below})
    case = _dispatch_first(actor, case, leads)
    return _sign_if_lead(actor, case)


def mediation_result(mediation: Mediation) -> str:
    """The result text the case is handed in with."""
    state = mediation.state
    note = mediation.outcome_note.strip()
    if state in c.AGREEMENT_STATES:
        agreement = getattr(mediation, "agreement", None)
        number = agreement.number if agreement is not None else ""
        head = _("达成调解协议") if state == c.MediationState.AGREED else _("部分达成调解协议")
        text = f"{head}（{number}）" if number else head
    elif state == c.MediationState.FAILED:
        text = _("调解不成，已告知当事人诉讼途径")
    elif state == c.MediationState.COURT:
        text = _("调解不成，已转%(to)s（诉讼）") % {"to": mediation.referred_to}
    elif state == c.MediationState.ARBITRATION:
        text = _("调解不成，已转%(to)s（仲裁）") % {"to": mediation.referred_to}
    else:
        text = _("申请人撤回调解申请，调解终止")
    body = f"{text}。{note}" if note else f"{text}。"
    return f"{mediation.committee.name}：{body}"


def mediation_closed(*, actor: Any, mediation: Mediation) -> Case:
    """The dispute's case handed in (办结) with the mediation's result."""
    case = _fresh(mediation.dispute.case)
    if case.status not in BEING_HANDLED:
        raise _state_error(case, _("办结（结束调解）"))
    case = _sign_if_lead(actor, case)
    if case.status != Status.IN_PROGRESS:
        raise PermissionDenied(
            _("案件 %(n)s 已派给调解员（主办人）签收办理，请由主办人结束调解") % {"n": case.number}
        )
    return _act(actor, case, Action.HANDLE, result=mediation_result(mediation))


# -- petitions -------------------------------------------------------------------------------


def default_petition_lead(case: Case) -> dict[str, str] | None:
    """属地办理: the centre just below the owning one, towards the petition's place."""
    below = _centre_below(case, case.region_path)
    return {"kind": "centre", "ref": below} if below else None


def petition_acknowledged(
    *, actor: Any, petition: Petition, accepted: bool, note: str, lead: Mapping[str, Any] | None
) -> Case:
    """Accepted: the case accepted and dispatched (unless already being handled); not
    accepted: the case rejected (不予受理) with the reason."""
    case = _fresh(petition.case)
    if not accepted:
        if case.status != Status.SUBMITTED:
            raise _state_error(case, _("不予受理"))
        return _act(actor, case, Action.REJECT, reason=note)
    if case.status in BEING_HANDLED:
        if lead is not None:
            raise ValidationError({"lead": [_("案件已派遣办理，不能再指定办理单位")]})
        return _sign_if_lead(actor, case)
    if case.status not in WAITING:
        raise _state_error(case, _("受理"))
    chosen = dict(lead) if lead is not None else default_petition_lead(case)
    if chosen is None:
        raise ValidationError({"lead": [_("请选择承办单位")]})
    if case.status == Status.SUBMITTED:
        case = _act(actor, case, Action.ACCEPT)
    try:
        with _as_mediation_errors(case, fields=False):
            case_services.act(
                case=case, user=actor, action=Action.DISPATCH, payload={"lead": chosen}
            )
    except ValidationError as exc:
        raise ValidationError({"lead": exc.messages}) from exc
    return _sign_if_lead(actor, _fresh(case))


def petition_replied(*, actor: Any, petition: Petition) -> Case:
    """The case handed in (办结) with the reply."""
    case = _fresh(petition.case)
    if case.status not in BEING_HANDLED:
        raise _state_error(case, _("办结（答复）"))
    case = _sign_if_lead(actor, case)
    if case.status != Status.IN_PROGRESS:
        raise PermissionDenied(
            _("案件 %(n)s 由承办单位办理，只有承办单位可以答复") % {"n": case.number}
        )
    text = _("答复意见（%(day)s）：%(text)s") % {
        "day": petition.replied_on,
        "text": petition.reply_text,
    }
    return _act(actor, case, Action.HANDLE, result=text)
