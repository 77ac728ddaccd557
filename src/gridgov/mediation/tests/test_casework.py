"""The case moving with the mediation and the petition (``mediation.casework``): every step is
one case event by the user who took it, in the same transaction as the record; a case that
cannot move refuses the record's change, and nothing changes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gridgov.cases.models import Case, CaseEvent, Item
from gridgov.cases.services import act
from gridgov.cases.tests.fixtures import GRID_B, TOWNSHIP, VILLAGE
from gridgov.mediation import casework, services
from gridgov.mediation.errors import MediationConflict
from gridgov.mediation.models import Agreement, Mediation, Petition
from gridgov.mediation.tests.fixtures import AGREEMENT, DAY, start

pytestmark = pytest.mark.django_db
D = dt.date


def steps(case: Case) -> list[tuple[str, str]]:
    """The case's events after its submission: (action, username)."""
    events = CaseEvent.objects.filter(case_id=case.pk).exclude(action="submit").order_by("seq")
    return [(e.action, e.actor.username if e.actor else "") for e in events]


def snapshot(case: Case) -> tuple[str, int, int]:
    case.refresh_from_db()
    return case.status, case.version, CaseEvent.objects.filter(case_id=case.pk).count()


# -- mediation -------------------------------------------------------------------------------


def test_agreement_hands_in_the_case_and_verification_closes_it(dispute, room, people):
    _committee, lead, _second = room
    case = dispute.case
    mediation = start(dispute, room, people)
    case.refresh_from_db()
    # accepted and dispatched by the centre to the mediator's account, who has yet to sign
    assert case.status == "dispatched" and case.lead_user_id == lead.user_id
    assert steps(case) == [("accept", "village_op"), ("dispatch", "village_op")]
    closed = services.close_mediation(
        actor=lead.user, mediation=mediation, state="agreed", agreement=AGREEMENT
    )
    number = Agreement.objects.get(mediation=closed).number
    case.refresh_from_db()
    assert case.status == "handled"
    assert steps(case)[2:] == [("sign", "mediator-wang"), ("handle", "mediator-wang")]
    handed_in = CaseEvent.objects.filter(case_id=case.pk, action="handle").get()
    assert handed_in.payload["result"].startswith(
        f"育才社区人民调解委员会：达成调解协议（{number}）"
    )
    act(case=case, user=people.village_op, action="verify_pass")
    case.refresh_from_db()
    assert case.status == "closed" and case.closed_at is not None


@pytest.mark.parametrize(
    ("state", "values", "result"),
    [
        (
            "failed",
            {"note": "被申请人不同意补偿方案"},
            "调解不成，已告知当事人诉讼途径。被申请人不同意补偿方案",
        ),
        ("court", {"referred_to": "舒兰市人民法院"}, "调解不成，已转舒兰市人民法院（诉讼）。"),
        ("arbitration", {"referred_to": "舒兰市劳动人事争议仲裁委员会"}, "已转舒兰市劳动人事"),
        ("withdrawn", {}, "申请人撤回调解申请，调解终止。"),
    ],
)
def test_other_outcomes_hand_in_the_case_with_their_result(
    dispute, room, people, state, values, result
):
    _committee, lead, _second = room
    mediation = start(dispute, room, people)
    services.close_mediation(actor=lead.user, mediation=mediation, state=state, **values)
    case = Case.objects.get(pk=dispute.case_id)
    assert case.status == "handled"
    handed_in = CaseEvent.objects.get(case_id=case.pk, action="handle")
    assert result in handed_in.payload["result"] and handed_in.actor == lead.user


def test_only_the_lead_closes_and_a_refusal_changes_nothing(dispute, room, people):
    mediation = start(dispute, room, people)
    case = dispute.case
    before = snapshot(case)
    with pytest.raises(PermissionDenied, match="主办人"):
        services.close_mediation(
            actor=people.village_op, mediation=mediation, state="agreed", agreement=AGREEMENT
        )
    mediation.refresh_from_db()
    assert mediation.state == "open" and mediation.closed_on is None
    assert not Agreement.objects.exists()
    assert snapshot(case) == before


def test_a_mediation_cannot_start_on_a_finished_case(dispute, room, people):
    case = dispute.case
    act(case=case, user=people.village_op, action="reject", payload={"reason": "重复上报"})
    before = snapshot(case)
    with pytest.raises(MediationConflict, match="不予受理"):
        start(dispute, room, people)
    assert not Mediation.objects.exists()
    assert snapshot(case) == before


def test_without_anyone_to_dispatch_to_nothing_starts(dispute, room, people):
    """The second mediator has no account and the village centre cannot dispatch to its own
    operator: the mediation is refused, the case stays waiting."""
    _committee, _lead, second = room
    before = snapshot(dispute.case)
    with pytest.raises(MediationConflict, match="找不到可以派遣的办理人"):
        start(dispute, room, people, mediator=second, co_mediators=[])
    assert not Mediation.objects.exists()
    assert snapshot(dispute.case) == before == ("submitted", 1, 1)


def test_a_mediator_without_an_account_works_through_the_chosen_handler(dispute, room, people):
    """办理人: the case goes to the grid worker chosen for a mediator without an account, who
    then records the outcome; a handler from elsewhere, or one beside a mediator with an
    account, is a field error and nothing changes."""
    _committee, lead, second = room
    case = dispute.case
    assert people.grid_worker.pk in {u.pk for u in casework.handlers(case)}
    other_grid = people.grid_worker_of(GRID_B)
    assert other_grid.pk not in {u.pk for u in casework.handlers(case)}
    before = snapshot(case)
    for handler, mediator in ((other_grid, second), (people.county_op, second)):
        with pytest.raises(ValidationError) as info:
            start(dispute, room, people, mediator=mediator, co_mediators=[], handler=handler)
        assert set(info.value.message_dict) == {"handler"}
    with pytest.raises(ValidationError) as info:  # the mediator's own account leads
        start(dispute, room, people, mediator=lead, handler=people.grid_worker)
    assert set(info.value.message_dict) == {"handler"}
    assert not Mediation.objects.exists() and snapshot(case) == before
    mediation = start(
        dispute, room, people, mediator=second, co_mediators=[], handler=people.grid_worker
    )
    case.refresh_from_db()
    assert case.status == "dispatched" and case.lead_user_id == people.grid_worker.pk
    with pytest.raises(PermissionDenied):
        services.close_mediation(actor=people.village_op, mediation=mediation, state="withdrawn")
    services.close_mediation(actor=people.grid_worker, mediation=mediation, state="withdrawn")
    case.refresh_from_db()
    assert case.status == "handled"
    worker = people.grid_worker.username
    assert steps(case)[-2:] == [("sign", worker), ("handle", worker)]


def test_a_township_case_goes_to_the_village_centre_of_the_committee(report, room, people):
    """A mediator without an account, a township case: the township centre dispatches it to
    the village centre of the committee, whose operator signs and hands it in on closing."""
    _committee, _lead, second = room
    case = report(item_=Item.objects.get(code="JF-003"), title="承包地边界纠纷")
    assert case.centre.path == TOWNSHIP
    dispute = services.register_dispute(
        actor=people.township_op, case=case, parties=[{"role": "applicant", "name": "甲"}]
    )
    mediation = services.start_mediation(
        actor=people.township_op,
        dispute=dispute,
        committee=room[0],
        mediator=second,
        accepted_on=DAY,
    )
    case.refresh_from_db()
    assert case.status == "dispatched" and case.lead_centre.path == VILLAGE
    services.close_mediation(actor=people.village_op, mediation=mediation, state="withdrawn")
    assert steps(case) == [
        ("accept", "township_op"),
        ("dispatch", "township_op"),
        ("sign", "village_op"),
        ("handle", "village_op"),
    ]


def test_a_second_attempt_after_rework(dispute, room, people):
    """A failed mediation hands the case in; the centre's verification fails it (返工), and the
    next mediation goes on with the same lead without another dispatch."""
    _committee, lead, _second = room
    first = start(dispute, room, people)
    services.close_mediation(actor=lead.user, mediation=first, state="failed", note="分歧较大")
    case = dispute.case
    with pytest.raises(MediationConflict, match="待核查"):
        start(dispute, room, people)  # handed in: not until the centre sends it back
    act(case=case, user=people.village_op, action="verify_fail", payload={"reason": "再调解"})
    second = start(dispute, room, people)
    services.close_mediation(
        actor=lead.user,
        mediation=second,
        state="agreed",
        agreement={**AGREEMENT, "signed_on": DAY + dt.timedelta(days=9)},
    )
    assert [a for a, _u in steps(case)] == [
        "accept",
        "dispatch",
        "sign",
        "handle",
        "verify_fail",
        "handle",
    ]


def test_judicial_confirmation_does_not_move_the_case(dispute, room, people):
    _committee, lead, _second = room
    mediation = services.close_mediation(
        actor=lead.user,
        mediation=start(dispute, room, people),
        state="agreed",
        agreement={**AGREEMENT, "signed_on": DAY + dt.timedelta(days=1)},
    )
    before = snapshot(dispute.case)
    last = services.confirmation_deadline(mediation.agreement)
    with pytest.raises(ValidationError) as info:
        services.apply_confirmation(
            actor=lead.user,
            agreement=mediation.agreement,
            applied_on=last + dt.timedelta(days=1),
            court="舒兰市人民法院",
        )
    assert set(info.value.message_dict) == {"applied_on"}
    services.apply_confirmation(
        actor=lead.user, agreement=mediation.agreement, applied_on=last, court="舒兰市人民法院"
    )
    assert snapshot(dispute.case) == before


# -- petitions -------------------------------------------------------------------------------


@pytest.fixture
def petition(report, people):
    case = report(item_=Item.objects.get(code="XF-004"), title="讨要工程款")
    return services.register_petition(
        actor=people.village_op, case=case, form="visit", petitioners=[{"name": "刘长福"}]
    )


def test_an_accepted_petition_is_dispatched_and_its_reply_hands_the_case_in(petition, people):
    case = petition.case
    services.acknowledge(
        actor=people.county_op, petition=petition, accepted=True, on=D(2026, 11, 3)
    )
    case.refresh_from_db()
    assert case.status == "dispatched" and case.lead_centre.path == TOWNSHIP  # 属地
    services.reply(
        actor=people.township_op, petition=petition, on=D(2026, 11, 20), text="已督促支付工程款。"
    )
    case.refresh_from_db()
    assert case.status == "handled"
    assert steps(case) == [
        ("accept", "county_op"),
        ("dispatch", "county_op"),
        ("sign", "township_op"),
        ("handle", "township_op"),
    ]
    handed_in = CaseEvent.objects.get(case_id=case.pk, action="handle")
    assert "已督促支付工程款。" in handed_in.payload["result"]
    act(case=case, user=people.county_op, action="verify_pass")
    case.refresh_from_db()
    assert case.status == "closed"


def test_not_accepted_rejects_the_case(petition, people):
    services.acknowledge(
        actor=people.county_op,
        petition=petition,
        accepted=False,
        on=D(2026, 11, 3),
        note="属于诉讼程序，已告知向人民法院起诉",
    )
    case = Case.objects.get(pk=petition.case_id)
    assert case.status == "rejected"
    event = CaseEvent.objects.get(case_id=case.pk, action="reject")
    assert event.payload["reason"] == "属于诉讼程序，已告知向人民法院起诉"


def test_petition_steps_that_cannot_move_the_case_change_nothing(petition, people):
    case = petition.case
    before = snapshot(case)
    with pytest.raises(PermissionDenied):  # a village operator does not run the county centre
        services.acknowledge(
            actor=people.village_op, petition=petition, accepted=True, on=D(2026, 11, 3)
        )
    with pytest.raises(ValidationError) as info:  # not a unit the county may dispatch to
        services.acknowledge(
            actor=people.county_op,
            petition=petition,
            accepted=True,
            on=D(2026, 11, 3),
            lead={"kind": "centre", "ref": "999999"},
        )
    assert set(info.value.message_dict) == {"lead"}
    assert snapshot(case) == before
    assert Petition.objects.get(pk=petition.pk).state == "received"
    services.acknowledge(
        actor=people.county_op, petition=petition, accepted=True, on=D(2026, 11, 3)
    )
    with pytest.raises(PermissionDenied):  # the county centre is not the lead
        services.reply(actor=people.county_op, petition=petition, on=D(2026, 11, 9), text="答复")
    assert Petition.objects.get(pk=petition.pk).state == "accepted"
    assert Case.objects.get(pk=case.pk).status == "dispatched"


def test_a_case_accepted_in_the_workbench_cannot_be_refused_by_the_petition(petition, people):
    case = petition.case
    act(case=case, user=people.county_op, action="accept")
    before = snapshot(case)
    with pytest.raises(MediationConflict, match="不予受理"):
        services.acknowledge(
            actor=people.county_op, petition=petition, accepted=False, on=D(2026, 11, 3), note="x"
        )
    assert snapshot(case) == before
    assert Petition.objects.get(pk=petition.pk).state == "received"
