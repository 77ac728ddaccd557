"""The legal service room: lawyers on a duty rota at the centres, consultations going to the
lawyer on duty, the answer, and a referral to mediation that opens the dispute with the
requester as the applicant."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from gridgov.accounts.roles import Role
from gridgov.cases.tests.fixtures import GRID_A, TZ
from gridgov.mediation import services
from gridgov.mediation.errors import MediationConflict
from gridgov.mediation.models import Consultation, Dispute, MediatorDuty
from gridgov.regions.models import Region
from gridgov.testing import staff

pytestmark = pytest.mark.django_db
VILLAGE = GRID_A[:12]
TOWNSHIP = GRID_A[:9]
OTHER_VILLAGE = "220283002001"
MONDAY = dt.date(2026, 11, 2)
LICENCE = "12202201810123456"


def region(path: str) -> Region:
    return Region.objects.get(path=path)


def at(hour: int) -> dt.datetime:
    return dt.datetime(2026, 11, 2, hour, 0, tzinfo=TZ)


@pytest.fixture
def lawyer(people):
    account = staff(Role.VILLAGE_OPERATOR, region=region(VILLAGE), username="lawyer-li")
    found = services.add_lawyer(
        actor=people.county_op,
        region=region(TOWNSHIP),
        name="李律师",
        firm="吉林某某律师事务所",
        licence_no=LICENCE,
        phone="13804320001",
        user=account,
    )
    services.set_duty(
        actor=people.village_op, lawyer=found, region=region(VILLAGE), day=MONDAY, slot="am"
    )
    return found


def test_the_rota_says_who_is_on_duty(lawyer, people):
    assert lawyer.phone_masked == "138****0001"
    assert services.on_duty(region(VILLAGE), at(9)) == [lawyer]
    assert services.on_duty(region(VILLAGE), at(14)) == []  # the morning only
    assert services.on_duty(region(TOWNSHIP), at(9)) == []  # another centre
    with pytest.raises(MediationConflict):  # a full day overlaps the morning
        services.set_duty(
            actor=people.village_op, lawyer=lawyer, region=region(VILLAGE), day=MONDAY, slot="day"
        )
    services.set_duty(
        actor=people.village_op, lawyer=lawyer, region=region(VILLAGE), day=MONDAY, slot="pm"
    )
    assert services.on_duty(region(VILLAGE), at(14)) == [lawyer]
    with pytest.raises(ValidationError) as info:
        services.set_duty(
            actor=people.county_op,
            lawyer=lawyer,
            region=region(OTHER_VILLAGE),
            day=MONDAY,
            slot="night",
        )
    assert set(info.value.message_dict) == {"region", "slot"}
    with pytest.raises(ValidationError) as info:
        services.add_lawyer(
            actor=people.county_op,
            region=region(TOWNSHIP),
            name="",
            firm="",
            licence_no="123",
        )
    assert set(info.value.message_dict) == {"name", "firm", "licence_no"}
    with pytest.raises(PermissionDenied):
        services.add_lawyer(
            actor=people.grid_worker,
            region=region(GRID_A),
            name="x",
            firm="y",
            licence_no=LICENCE,
        )


def test_a_consultation_goes_to_the_lawyer_on_duty(lawyer, people):
    morning = services.register_consultation(
        actor=people.village_op,
        region=region(VILLAGE),
        channel="walk_in",
        topic="inheritance",
        question="父母去世后留下的房子，兄妹如何分？",
        requester_name="王女士",
        phone="13504329999",
        at=at(9),
    )
    assert morning.lawyer == lawyer and morning.phone_masked == "135****9999"
    afternoon = services.register_consultation(
        actor=people.village_op,
        region=region(VILLAGE),
        channel="phone",
        topic="labour",
        question="公司拖欠工资怎么办？",
        requester_name="赵先生",
        at=at(15),
    )
    assert afternoon.lawyer is None  # nobody on duty: it waits unassigned
    with pytest.raises(ValidationError) as info:
        services.register_consultation(
            actor=people.village_op,
            region=region(VILLAGE),
            channel="fax",
            topic="tax",
            question="",
            requester_name="",
            phone="1",
        )
    assert set(info.value.message_dict) == {
        "channel",
        "topic",
        "question",
        "requester_name",
        "phone",
    }
    assert Consultation.objects.count() == 2


def test_the_lawyer_answers_and_refers_to_mediation(lawyer, people):
    consultation = services.register_consultation(
        actor=people.village_op,
        region=region(VILLAGE),
        channel="walk_in",
        topic="inheritance",
        question="父母去世后留下的房子，兄妹如何分？",
        requester_name="王女士",
        phone="13504329999",
        at=at(9),
    )
    with pytest.raises(ValidationError) as info:
        services.answer_consultation(
            actor=lawyer.user, consultation=consultation, answer="", referral="mediation"
        )
    assert set(info.value.message_dict) == {"answer", "dispute_item", "dispute_grid"}
    assert not Dispute.objects.exists()
    answered = services.answer_consultation(
        actor=lawyer.user,  # the lawyer's own account
        consultation=consultation,
        answer="法定继承人按份继承；建议先行家庭调解。",
        referral="mediation",
        dispute_item="JF-002",
        dispute_grid=region(GRID_A),
        at=at(10),
    )
    dispute = answered.dispute
    assert dispute is not None and dispute.case.item.code == "JF-002"
    assert dispute.case.region.path == GRID_A
    applicant = dispute.parties.get()
    assert applicant.role == "applicant" and applicant.name == "王女士"
    assert applicant.phone_masked == "135****9999"
    with pytest.raises(MediationConflict):
        services.answer_consultation(
            actor=lawyer.user, consultation=consultation, answer="再次解答"
        )


def test_a_plain_answer(lawyer, people):
    consultation = services.register_consultation(
        actor=people.village_op,
        region=region(VILLAGE),
        channel="online",
        topic="labour",
        question="试用期可以不签合同吗？",
        requester_name="小张",
        at=at(9),
    )
    answered = services.answer_consultation(
        actor=people.village_op,
        consultation=consultation,
        answer="用人单位应自用工之日起一个月内订立书面劳动合同。",
        referral="none",
    )
    assert answered.referral == "none" and answered.dispute is None
    assert answered.answered_at is not None


# -- the mediator rota (调解员值班表) ---------------------------------------------------------


def test_the_mediator_rota_says_who_is_in_the_mediation_room(room, people):
    _committee, lead, second = room
    services.set_mediator_duty(
        actor=people.village_op, mediator=lead, region=region(VILLAGE), day=MONDAY, slot="am"
    )
    services.set_mediator_duty(
        actor=people.village_op, mediator=second, region=region(VILLAGE), day=MONDAY, slot="day"
    )
    assert services.mediators_on_duty(region(VILLAGE), at(9)) == [second, lead]  # by name
    assert services.mediators_on_duty(region(VILLAGE), at(14)) == [second]  # the morning only
    assert services.mediators_on_duty(region(TOWNSHIP), at(9)) == []  # another centre
    with pytest.raises(MediationConflict):  # a full day overlaps the morning
        services.set_mediator_duty(
            actor=people.village_op, mediator=lead, region=region(VILLAGE), day=MONDAY, slot="day"
        )
    with pytest.raises(MediationConflict):  # the same half
        services.set_mediator_duty(
            actor=people.village_op, mediator=second, region=region(VILLAGE), day=MONDAY, slot="pm"
        )
    services.set_mediator_duty(
        actor=people.village_op, mediator=lead, region=region(VILLAGE), day=MONDAY, slot="pm"
    )
    assert services.mediators_on_duty(region(VILLAGE), at(14)) == [second, lead]
    second.active = False
    second.save()
    assert services.mediators_on_duty(region(VILLAGE), at(14)) == [lead]
    assert MediatorDuty.objects.count() == 3


def test_the_mediator_rota_refuses_bad_input_and_changes_nothing(room, people):
    _committee, lead, second = room
    with pytest.raises(ValidationError) as info:  # the township centre is above the committee
        services.set_mediator_duty(
            actor=people.county_op, mediator=lead, region=region(TOWNSHIP), day=MONDAY, slot="x"
        )
    assert set(info.value.message_dict) == {"region", "slot"}
    with pytest.raises(ValidationError) as info:  # another village; a grid is no centre
        services.set_mediator_duty(
            actor=people.county_op,
            mediator=lead,
            region=region(OTHER_VILLAGE),
            day=MONDAY,
            slot="am",
        )
    assert set(info.value.message_dict) == {"region"}
    with pytest.raises(ValidationError) as info:
        services.set_mediator_duty(
            actor=people.village_op, mediator=lead, region=region(GRID_A), day="today", slot="am"
        )
    assert set(info.value.message_dict) == {"region", "day"}
    second.active = False
    second.save()
    with pytest.raises(ValidationError) as info:
        services.set_mediator_duty(
            actor=people.village_op, mediator=second, region=region(VILLAGE), day=MONDAY, slot="am"
        )
    assert set(info.value.message_dict) == {"mediator"}
    with pytest.raises(PermissionDenied):  # a leader sees but does not organise the rota
        services.set_mediator_duty(
            actor=people.leader, mediator=lead, region=region(VILLAGE), day=MONDAY, slot="am"
        )
    with pytest.raises(Http404):  # a centre outside the operator's area
        services.set_mediator_duty(
            actor=people.village_op,
            mediator=lead,
            region=region(OTHER_VILLAGE),
            day=MONDAY,
            slot="am",
        )
    assert not MediatorDuty.objects.exists()


def test_removing_a_mediator_duty(room, people):
    _committee, lead, _second = room
    duty = services.set_mediator_duty(
        actor=people.village_op, mediator=lead, region=region(VILLAGE), day=MONDAY, slot="am"
    )
    with pytest.raises(PermissionDenied):
        services.remove_mediator_duty(actor=people.leader, duty=duty)
    outsider = staff(Role.VILLAGE_OPERATOR, region=region(OTHER_VILLAGE), username="op-other")
    with pytest.raises(Http404):
        services.remove_mediator_duty(actor=outsider, duty=duty)
    assert MediatorDuty.objects.filter(pk=duty.pk).exists()
    services.remove_mediator_duty(actor=people.village_op, duty=duty)
    assert not MediatorDuty.objects.exists()
    assert services.mediators_on_duty(region(VILLAGE), at(9)) == []
