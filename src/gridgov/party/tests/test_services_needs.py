"""Needs and claims: publish, claim, withdraw, report, confirm, cancel."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from gridgov.accounts.models import Department
from gridgov.party import choices as c
from gridgov.party import services
from gridgov.party.errors import PartyConflict
from gridgov.party.models import Claim, Need, ServiceRecord
from gridgov.party.tests.factories import COMMUNITY, GRID_A, GRID_B, make_member, make_tree
from gridgov.testing import staff

pytestmark = pytest.mark.django_db
OTHER_VILLAGE = "220283002001"


def sunk(people, tree, *, community=COMMUNITY, grid=GRID_A):
    user = staff("department_handler", department=Department.objects.get(short_name="城管局"))
    member = make_member(tree.branch_a, user=user, member_fields={"in_service_unit": "市城管局"})
    registration = services.register_service(
        actor=user, kind="member", community=community, member_id=member.pk
    )
    if grid:
        services.assign_registration(
            actor=people.county_op, registration_id=registration.pk, grid=grid
        )
    registration.refresh_from_db()
    return registration


def wish(people, actor=None, **overrides):
    values = {"kind": "wish", "title": "为独居老人修水龙头", "region": GRID_A, "slots": 1}
    values.update(overrides)
    return services.publish_need(actor=actor or people.grid_worker, values=values)


def test_publish_by_the_grid_worker_in_their_grid(people):
    need = wish(people, beneficiary="张大娘", due_on=timezone.localdate())
    assert need.state == c.NeedState.OPEN and need.region_path == GRID_A
    assert need.published_by == people.grid_worker and need.slots == 1
    before = Need.objects.count()
    with pytest.raises(ValidationError) as info:
        wish(people, region=GRID_B)
    assert "region" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        services.publish_need(
            actor=people.village_op,
            values={
                "kind": "gift",
                "title": "",
                "region": "220283001",
                "slots": 51,
                "due_on": timezone.localdate() - dt.timedelta(days=1),
            },
        )
    assert {"kind", "title", "region", "slots", "due_on"} <= set(info.value.message_dict)
    with pytest.raises(ValidationError) as info:
        services.publish_need(
            actor=people.village_op,
            values={"kind": "project", "title": "x", "region": COMMUNITY, "slots": 0},
        )
    assert "slots" in info.value.message_dict
    with pytest.raises(PermissionDenied):
        services.publish_need(
            actor=people.leader, values={"kind": "wish", "title": "x", "region": GRID_A}
        )
    with pytest.raises(PermissionDenied):
        services.publish_need(
            actor=people.dept_handler, values={"kind": "wish", "title": "x", "region": GRID_A}
        )
    assert Need.objects.count() == before


def test_the_whole_loop_claim_report_confirm(people):
    tree = make_tree()
    registration = sunk(people, tree)
    member_user = registration.member.user
    need = wish(people)
    claim = services.claim_need(actor=member_user, need_id=need.pk, registration_id=registration.pk)
    assert claim.state == c.ClaimState.CLAIMED and claim.region_path == GRID_A
    need.refresh_from_db()
    assert need.state == c.NeedState.CLAIMED  # the one slot is taken
    # Confirming before it is reported is a conflict; reporting needs a result and hours.
    with pytest.raises(PartyConflict):
        services.confirm_claim(actor=people.village_op, claim_id=claim.pk)
    with pytest.raises(ValidationError) as info:
        services.report_claim(actor=member_user, claim_id=claim.pk, result="", hours="30")
    assert {"result", "hours"} <= set(info.value.message_dict)
    reported = services.report_claim(
        actor=member_user, claim_id=claim.pk, result="已更换水龙头", hours="1.5"
    )
    assert reported.state == c.ClaimState.REPORTED and reported.hours == Decimal("1.5")
    with pytest.raises(PartyConflict):
        services.report_claim(actor=member_user, claim_id=claim.pk, result="again", hours=1)
    # The member cannot confirm their own claim; a grid worker cannot either.
    with pytest.raises(PermissionDenied):
        services.confirm_claim(actor=people.grid_worker, claim_id=claim.pk)
    with pytest.raises(Http404):
        services.confirm_claim(actor=member_user, claim_id=claim.pk)
    before = ServiceRecord.objects.count()
    confirmed = services.confirm_claim(actor=people.village_op, claim_id=claim.pk)
    assert confirmed.state == c.ClaimState.CONFIRMED and confirmed.confirmed_by == people.village_op
    record = ServiceRecord.objects.get(claim=claim)
    assert ServiceRecord.objects.count() == before + 1
    assert record.hours == Decimal("1.5") and record.content == need.title
    registration.refresh_from_db()
    assert registration.hours == Decimal("1.5")
    need.refresh_from_db()
    assert need.state == c.NeedState.DONE and need.done_at is not None
    with pytest.raises(PartyConflict):
        services.cancel_need(actor=people.village_op, need_id=need.pk, reason="重复")


def test_slots_withdraw_reopens(people):
    tree = make_tree()
    first = sunk(people, tree)
    second = sunk(people, tree, grid=None)  # registered, not yet assigned: still live
    third = sunk(people, tree, grid=GRID_B)
    need = wish(people, people.village_op, slots=2, kind="project", region=COMMUNITY)
    services.claim_need(actor=first.member.user, need_id=need.pk, registration_id=first.pk)
    need.refresh_from_db()
    assert need.state == c.NeedState.OPEN
    with pytest.raises(PartyConflict):
        services.claim_need(actor=first.member.user, need_id=need.pk, registration_id=first.pk)
    taken = services.claim_need(
        actor=second.member.user, need_id=str(need.pk), registration_id=str(second.pk)
    )
    need.refresh_from_db()
    assert need.state == c.NeedState.CLAIMED
    with pytest.raises(PartyConflict):
        services.claim_need(actor=third.member.user, need_id=need.pk, registration_id=third.pk)
    with pytest.raises(ValidationError) as info:
        services.withdraw_claim(actor=second.member.user, claim_id=taken.pk, reason="")
    assert "reason" in info.value.message_dict
    withdrawn = services.withdraw_claim(
        actor=second.member.user, claim_id=taken.pk, reason="临时出差"
    )
    assert withdrawn.state == c.ClaimState.WITHDRAWN
    need.refresh_from_db()
    assert need.state == c.NeedState.OPEN
    with pytest.raises(PartyConflict):
        services.withdraw_claim(actor=second.member.user, claim_id=taken.pk, reason="再次")
    services.claim_need(actor=third.member.user, need_id=need.pk, registration_id=third.pk)
    need.refresh_from_db()
    assert need.state == c.NeedState.CLAIMED


def test_claim_needs_a_live_registration_of_the_community(people):
    tree = make_tree()
    elsewhere = sunk(people, tree, community=OTHER_VILLAGE, grid=None)
    here = sunk(people, tree)
    need = wish(people)
    before = Claim.objects.count()
    with pytest.raises(Http404):  # the need is neither visible nor in their community
        services.claim_need(
            actor=elsewhere.member.user, need_id=need.pk, registration_id=elsewhere.pk
        )
    with pytest.raises(ValidationError) as info:  # a manager above both: a field error
        services.claim_need(actor=people.county_op, need_id=need.pk, registration_id=elsewhere.pk)
    assert "registration" in info.value.message_dict
    # Someone else's registration: not theirs to claim with.
    with pytest.raises(Http404):
        services.claim_need(actor=elsewhere.member.user, need_id=need.pk, registration_id=here.pk)
    with pytest.raises(PermissionDenied):  # sees it, may not act for it
        services.claim_need(actor=people.leader, need_id=need.pk, registration_id=here.pk)
    services.end_registration(actor=here.member.user, registration_id=here.pk, reason="调走")
    with pytest.raises(ValidationError):
        services.claim_need(actor=here.member.user, need_id=need.pk, registration_id=here.pk)
    assert Claim.objects.count() == before


def test_cancel_need_withdraws_live_claims(people):
    tree = make_tree()
    registration = sunk(people, tree)
    need = wish(people)
    claim = services.claim_need(
        actor=registration.member.user, need_id=need.pk, registration_id=registration.pk
    )
    with pytest.raises(PermissionDenied):
        services.cancel_need(actor=people.leader, need_id=need.pk, reason="x")
    with pytest.raises(Http404):
        services.cancel_need(actor=people.grid_worker_of(GRID_B), need_id=need.pk, reason="x")
    with pytest.raises(ValidationError):
        services.cancel_need(actor=people.grid_worker, need_id=need.pk, reason=" ")
    cancelled = services.cancel_need(actor=people.grid_worker, need_id=need.pk, reason="已解决")
    assert cancelled.state == c.NeedState.CANCELLED
    claim.refresh_from_db()
    assert claim.state == c.ClaimState.WITHDRAWN
    with pytest.raises(PartyConflict):
        services.cancel_need(actor=people.grid_worker, need_id=need.pk, reason="再次")
    with pytest.raises(PartyConflict):
        services.claim_need(
            actor=registration.member.user, need_id=need.pk, registration_id=registration.pk
        )
