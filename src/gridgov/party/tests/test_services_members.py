"""Members, seats and grid chiefs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from gridgov.accounts.models import Post
from gridgov.party import choices as c
from gridgov.party import services
from gridgov.party.errors import PartyConflict
from gridgov.party.models import GridChiefAppointment, PartyMember, Seat
from gridgov.party.tests.factories import GRID_A, GRID_B, make_member, make_tree
from gridgov.regions.models import Region
from gridgov.registry.models import RegistryChange
from gridgov.registry.services import create_person
from gridgov.registry.tests.fixtures import building_of, make_id, person_values
from gridgov.testing import staff

pytestmark = pytest.mark.django_db
OTHER_VILLAGE = "220283002001"


def person(people, **overrides):
    return create_person(actor=people.grid_worker, values=person_values(**overrides))


def counts():
    return (
        PartyMember.objects.count(),
        Seat.objects.count(),
        RegistryChange.objects.count(),
        GridChiefAppointment.objects.count(),
        Post.objects.count(),
    )


def test_add_member_sets_the_party_flag_and_logs_it(people):
    tree = make_tree()
    someone = person(people)
    assert not someone.is_party_member
    member = services.add_member(
        actor=people.village_op,
        values={
            "person": str(someone.pk),
            "organisation": tree.branch_a.pk,
            "joined_on": "2010-07-01",
            "full_member_on": "2011-07-01",
            "in_service_unit": "市城管局",
        },
    )
    assert member.region_path == GRID_A and member.status == c.MemberStatus.FORMAL
    assert member.is_in_service and member.state == c.MemberState.ACTIVE
    someone.refresh_from_db()
    assert someone.is_party_member
    change = RegistryChange.objects.filter(model="person", object_id=someone.pk).latest("at")
    assert change.reason == "党员登记" and change.after == {"is_party_member": True}
    # A person can be a member only once.
    with pytest.raises(ValidationError) as info:
        services.add_member(
            actor=people.village_op,
            values={
                "person": someone.pk,
                "organisation": tree.branch_b.pk,
                "joined_on": "2010-07-01",
            },
        )
    assert "person" in info.value.message_dict


def test_add_member_bad_input_writes_nothing(people):
    tree = make_tree()
    young = person(people, id_number=make_id(dt.date(2000, 3, 1)))
    before = counts()
    with pytest.raises(ValidationError) as info:
        services.add_member(
            actor=people.village_op,
            values={
                "person": young.pk,
                "organisation": tree.branch_a.pk,
                "joined_on": "2017-01-01",  # 16 years old then
                "status": "probationary",
                "full_member_on": "2018-01-01",  # a probationary member has none
                "is_mobile": True,  # without a location
            },
        )
    errors = info.value.message_dict
    assert {"joined_on", "full_member_on", "mobile_location"} <= set(errors)
    with pytest.raises(ValidationError) as info:
        services.add_member(
            actor=people.village_op,
            values={"person": young.pk, "joined_on": (timezone.localdate() + dt.timedelta(1))},
        )
    assert {"organisation", "joined_on"} <= set(info.value.message_dict)
    with pytest.raises(ValidationError) as info:
        services.add_member(
            actor=people.village_op,
            values={
                "person": young.pk,
                "organisation": tree.branch_a.pk,
                "joined_on": "2020-01-01",
                "full_member_on": "2019-01-01",
                "status": "正式党员",
            },
        )
    assert "full_member_on" in info.value.message_dict
    assert counts() == before
    young.refresh_from_db()
    assert not young.is_party_member


def test_add_member_role_and_jurisdiction(people):
    tree = make_tree()
    someone = person(people)
    values = {"person": someone.pk, "organisation": tree.branch_a.pk, "joined_on": "2010-01-01"}
    with pytest.raises(PermissionDenied):
        services.add_member(actor=people.leader, values=values)
    with pytest.raises(PermissionDenied):
        services.add_member(actor=people.grid_worker, values=values)
    other = staff("village_operator", region=Region.objects.get(path=OTHER_VILLAGE))
    with pytest.raises(ValidationError) as info:
        services.add_member(actor=other, values=values)
    assert {"person", "organisation"} <= set(info.value.message_dict)
    assert not PartyMember.objects.filter(person=someone).exists()


def test_update_member_transfers_and_checks_version(people):
    tree = make_tree()
    member = make_member(tree.branch_a, seat="deputy")
    updated = services.update_member(
        actor=people.village_op,
        member_id=member.pk,
        values={
            "organisation": str(tree.branch_b.pk),
            "is_mobile": "true",
            "mobile_location": "广东省深圳市",
            "mobile_since": "2024-03-01",
        },
        expected_version=1,
    )
    assert updated.organisation == tree.branch_b and updated.region_path == GRID_B
    assert updated.is_mobile and updated.mobile_location == "广东省深圳市"
    assert updated.version == 2
    # The seat in the old branch ended with the transfer.
    assert not Seat.objects.filter(member=member, ends_on__isnull=True).exists()
    with pytest.raises(PartyConflict):
        services.update_member(
            actor=people.village_op, member_id=member.pk, values={}, expected_version=1
        )
    with pytest.raises(PermissionDenied):
        services.update_member(actor=people.leader, member_id=member.pk, values={})
    other = staff("village_operator", region=Region.objects.get(path=OTHER_VILLAGE))
    with pytest.raises(Http404):
        services.update_member(actor=other, member_id=member.pk, values={})
    with pytest.raises(ValidationError) as info:
        services.update_member(
            actor=people.village_op, member_id=member.pk, values={"joined_on": "无"}
        )
    assert "joined_on" in info.value.message_dict
    member.refresh_from_db()
    assert member.version == 2


def test_end_membership_clears_flag_and_seats(people):
    tree = make_tree()
    member = make_member(tree.branch_a, seat="secretary")
    with pytest.raises(ValidationError) as info:
        services.end_membership(
            actor=people.village_op, member_id=member.pk, state="active", reason=""
        )
    assert {"state", "reason"} <= set(info.value.message_dict)
    ended = services.end_membership(
        actor=people.village_op, member_id=member.pk, state="transferred", reason="转往长春市"
    )
    assert ended.state == c.MemberState.TRANSFERRED and ended.version == 2
    assert Seat.objects.get(member=member).ends_on == timezone.localdate()
    member.person.refresh_from_db()
    assert not member.person.is_party_member
    change = RegistryChange.objects.filter(model="person", object_id=member.person_id).latest("at")
    assert change.after == {"is_party_member": False} and "已转出" in change.reason
    with pytest.raises(PartyConflict):
        services.end_membership(
            actor=people.village_op, member_id=member.pk, state="deceased", reason="再次"
        )


def test_seats_one_secretary_and_group_leader_only_in_groups(people):
    tree = make_tree()
    first = make_member(tree.branch_a)
    second = make_member(tree.group_a)  # a member of a group under the branch
    seat = services.set_seat(
        actor=people.village_op,
        organisation_id=tree.branch_a.pk,
        member_id=first.pk,
        title="secretary",
        starts_on="2022-01-01",
    )
    assert seat.region_path == GRID_A and seat.ends_on is None
    replaced = services.set_seat(
        actor=people.village_op,
        organisation_id=tree.branch_a.pk,
        member_id=second.pk,
        title="书记",
    )
    seat.refresh_from_db()
    assert seat.ends_on == replaced.starts_on == timezone.localdate()
    with pytest.raises(PartyConflict):
        services.set_seat(
            actor=people.village_op,
            organisation_id=tree.branch_a.pk,
            member_id=second.pk,
            title="secretary",
        )
    before = counts()
    with pytest.raises(ValidationError) as info:
        services.set_seat(
            actor=people.village_op,
            organisation_id=tree.branch_a.pk,
            member_id=first.pk,
            title="group_leader",
        )
    assert "title" in info.value.message_dict
    outsider = make_member(tree.branch_b)
    with pytest.raises(ValidationError) as info:
        services.set_seat(
            actor=people.village_op,
            organisation_id=tree.group_a.pk,
            member_id=outsider.pk,
            title="group_leader",
            starts_on="2999-01-01",
        )
    assert {"member", "starts_on"} <= set(info.value.message_dict)
    assert counts()[:2] == (before[0] + 1, before[1])
    with pytest.raises(PermissionDenied):
        services.set_seat(
            actor=people.leader,
            organisation_id=tree.branch_a.pk,
            member_id=first.pk,
            title="deputy",
        )
    # Ending a seat: once.
    services.end_seat(actor=people.village_op, seat_id=replaced.pk)
    with pytest.raises(PartyConflict):
        services.end_seat(actor=people.village_op, seat_id=replaced.pk)
    deputy = services.set_seat(
        actor=people.village_op,
        organisation_id=tree.branch_a.pk,
        member_id=first.pk,
        title="deputy",
        starts_on="2022-01-01",
    )
    with pytest.raises(ValidationError) as info:
        services.end_seat(actor=people.village_op, seat_id=deputy.pk, ends_on="2021-01-01")
    assert "ends_on" in info.value.message_dict
    deputy.refresh_from_db()
    assert deputy.ends_on is None


def test_grid_chief_defaults_to_the_branch_secretary(people):
    tree = make_tree()
    secretary_user = staff("grid_worker", region=Region.objects.get(path=GRID_A))
    secretary = make_member(tree.branch_a, user=secretary_user, seat="secretary")
    appointment = services.appoint_grid_chief(actor=people.village_op, grid=GRID_A)
    assert appointment.member == secretary and appointment.is_default
    assert appointment.region_path == GRID_A and appointment.ends_on is None
    post = appointment.post
    assert post.role == "grid_chief" and post.region.path == GRID_A and post.title == "网格长"
    assert post.user == secretary_user
    assert Post.objects.current().filter(pk=post.pk).exists()
    # Again the same person: a conflict.
    with pytest.raises(PartyConflict):
        services.appoint_grid_chief(actor=people.village_op, grid=GRID_A)
    # An override needs a reason.
    other_user = staff("grid_worker", region=Region.objects.get(path=GRID_A))
    other = make_member(tree.branch_a, user=other_user)
    before = counts()
    with pytest.raises(ValidationError) as info:
        services.appoint_grid_chief(actor=people.village_op, grid=GRID_A, member_id=other.pk)
    assert "reason" in info.value.message_dict
    assert counts() == before
    override = services.appoint_grid_chief(
        actor=people.village_op, grid=GRID_A, member_id=str(other.pk), reason="书记长期外出学习"
    )
    assert not override.is_default and override.reason == "书记长期外出学习"
    appointment.refresh_from_db()
    assert appointment.ends_on == timezone.localdate()
    assert not Post.objects.current().filter(pk=post.pk).exists()
    assert override.post.user == other_user
    assert GridChiefAppointment.objects.filter(grid__path=GRID_A, ends_on__isnull=True).count() == 1


def test_grid_chief_refusals(people):
    tree = make_tree()
    # Grid B's branch has no secretary yet.
    with pytest.raises(ValidationError) as info:
        services.appoint_grid_chief(actor=people.village_op, grid=GRID_B)
    assert "member" in info.value.message_dict
    # A grid without a branch.
    bare = "220283001001003"
    with pytest.raises(ValidationError) as info:
        services.appoint_grid_chief(actor=people.village_op, grid=bare)
    assert "member" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        services.appoint_grid_chief(actor=people.village_op, grid=building_of(GRID_A).path)
    assert "grid" in info.value.message_dict
    with pytest.raises(PermissionDenied):
        services.appoint_grid_chief(actor=people.leader, grid=GRID_A)
    with pytest.raises(PermissionDenied):
        services.appoint_grid_chief(actor=people.grid_worker, grid=GRID_A)
    other = staff("village_operator", region=Region.objects.get(path=OTHER_VILLAGE))
    with pytest.raises(Http404):
        services.appoint_grid_chief(actor=other, grid=GRID_A)
    # A member without a staff account: appointed, no post.
    make_member(tree.branch_b, seat="secretary")
    appointment = services.appoint_grid_chief(actor=people.grid_chief, grid=GRID_B)
    assert appointment.post is None and appointment.is_default
