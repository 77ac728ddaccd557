"""The party back office: every list and page loads in Chinese, the records are read-only (the
append-only histories above all), criteria are configurable, and a staff operator sees only
their territory."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from gridgov.accounts.models import User
from gridgov.party import choices as c
from gridgov.party.models import (
    Attendance,
    Claim,
    GridChiefAppointment,
    Meeting,
    Need,
    PartyMember,
    PartyOrganisation,
    ServiceCentre,
    ServiceRecord,
    ServiceRegistration,
    StarCriterion,
    StarRating,
)
from gridgov.party.tests.factories import GRID_A, Tree, make_member, make_org, make_tree, region

pytestmark = pytest.mark.django_db

MODELS = (
    "partyorganisation",
    "partymember",
    "seat",
    "gridchiefappointment",
    "serviceregistration",
    "need",
    "claim",
    "servicerecord",
    "meeting",
    "attendance",
    "starcriterion",
    "starrating",
    "servicecentre",
)


@pytest.fixture
def data() -> dict[str, object]:
    """One of every record, in 育才社区 (the demo village operator's community)."""
    tree = make_tree()
    member = make_member(tree.branch_a, seat="secretary", name="王建国")
    other = make_member(
        tree.branch_a,
        name="李秀英",
        member_fields={"in_service_unit": "舒兰市民政局", "is_mobile": True},
    )
    grid = region(GRID_A)
    chief = GridChiefAppointment.objects.create(
        grid=grid, region_path=grid.path, member=member, starts_on=dt.date(2024, 1, 1)
    )
    now = timezone.now()
    registration = ServiceRegistration.objects.create(
        kind="member",
        member=other,
        community=tree.community.region,
        grid=grid,
        region_path=grid.path,
        state="assigned",
        registered_at=now - dt.timedelta(days=30),
        hours=Decimal("2.0"),
    )
    need = Need.objects.create(
        kind="wish",
        title="为独居老人更换老化电线",
        region=grid,
        region_path=grid.path,
        published_at=now - dt.timedelta(days=10),
        state="done",
    )
    claim = Claim.objects.create(
        need=need,
        registration=registration,
        region_path=grid.path,
        state="confirmed",
        claimed_at=now - dt.timedelta(days=9),
        hours=Decimal("2.0"),
    )
    record = ServiceRecord.objects.create(
        registration=registration,
        region_path=grid.path,
        day=dt.date.today() - dt.timedelta(days=5),
        hours=Decimal("2.0"),
        content="更换电线",
        claim=claim,
    )
    meeting = Meeting.objects.create(
        organisation=tree.branch_a,
        region_path=grid.path,
        kind="theme_day",
        title="12月主题党日",
        starts_at=now - dt.timedelta(days=3),
        state="held",
    )
    attendance = Attendance.objects.create(
        meeting=meeting, member=member, region_path=grid.path, kind="present", signed_at=now
    )
    rating = StarRating.objects.create(
        organisation=tree.branch_a,
        region_path=grid.path,
        year=2025,
        scores={"leadership": 18},
        total=Decimal("88.0"),
        max_total=100,
        stars=4,
        rated_at=now,
    )
    centre = ServiceCentre.objects.create(
        name="育才社区党群服务中心",
        level="village",
        region=tree.community.region,
        region_path=tree.community.region_path,
        organisation=tree.community,
    )
    return {
        "tree": tree,
        "partyorganisation": tree.branch_a,
        "partymember": member,
        "seat": member.seats.get(),
        "gridchiefappointment": chief,
        "serviceregistration": registration,
        "need": need,
        "claim": claim,
        "servicerecord": record,
        "meeting": meeting,
        "attendance": attendance,
        "starcriterion": StarCriterion.objects.get(code="leadership"),
        "starrating": rating,
        "servicecentre": centre,
    }


@pytest.mark.parametrize("model", MODELS)
def test_every_list_and_page_loads_in_chinese(client, data, model):
    client.force_login(User.objects.get(username="admin"))
    listing = client.get(reverse(f"admin:party_{model}_changelist"))
    assert listing.status_code == 200
    text = listing.content.decode()
    assert "党建引领" in text
    obj = data[model]
    page = client.get(reverse(f"admin:party_{model}_change", args=[obj.pk]))
    assert page.status_code == 200


def test_members_show_the_masked_id_only(client, data):
    client.force_login(User.objects.get(username="admin"))
    member = data["partymember"]
    assert isinstance(member, PartyMember)
    text = client.get(reverse("admin:party_partymember_changelist") + "?q=王建国").content.decode()
    assert "王建国" in text and member.person.id_masked in text and "李秀英" not in text
    assert "*" in member.person.id_masked
    in_service = client.get(reverse("admin:party_partymember_changelist") + "?in_service=yes")
    assert "李秀英" in in_service.content.decode() and "王建国" not in in_service.content.decode()


@pytest.mark.parametrize("model", ["servicerecord", "starrating", "partyorganisation", "meeting"])
def test_records_are_read_only(client, data, model):
    client.force_login(User.objects.get(username="admin"))
    obj = data[model]
    url = reverse(f"admin:party_{model}_change", args=[obj.pk])
    page = client.get(url).content.decode()
    assert 'name="_save"' not in page
    assert client.post(url, {}).status_code == 403
    delete = reverse(f"admin:party_{model}_delete", args=[obj.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.get(reverse(f"admin:party_{model}_add")).status_code == 403
    assert type(obj).objects.filter(pk=obj.pk).exists()


def test_criteria_are_configurable_and_used_ones_are_kept(client, data):
    client.force_login(User.objects.get(username="admin"))
    life = StarCriterion.objects.get(code="life")
    url = reverse("admin:party_starcriterion_change", args=[life.pk])
    response = client.post(
        url,
        {"code": "life", "name": "组织生活", "description": "", "max_points": 25, "order": 3},
    )
    assert response.status_code == 302
    life.refresh_from_db()
    assert life.max_points == 25 and not life.is_active
    used = StarCriterion.objects.get(code="leadership")  # scored by the rating in ``data``
    delete = reverse("admin:party_starcriterion_delete", args=[used.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    delete = reverse("admin:party_starcriterion_delete", args=[life.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not StarCriterion.objects.filter(code="life").exists()


def test_a_service_centre_follows_its_region(client, data):
    client.force_login(User.objects.get(username="admin"))
    centre = data["servicecentre"]
    assert isinstance(centre, ServiceCentre)
    grid = region(GRID_A)
    response = client.post(
        reverse("admin:party_servicecentre_change", args=[centre.pk]),
        {
            "name": "育才社区第1网格党群服务站",
            "level": "grid",
            "region": grid.pk,
            "organisation": "",
            "address": "",
            "lng": "",
            "lat": "",
            "phone": "0432-68221234",
            "opening_hours": "周一至周五",
            "area_m2": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    centre.refresh_from_db()
    assert centre.region_path == GRID_A and centre.level == "grid"


def test_staff_operator_sees_only_their_territory(client, data):
    tree = data["tree"]
    assert isinstance(tree, Tree)
    elsewhere = make_org("法特镇党委", c.OrgKind.COMMITTEE, "220283100", tree.county)
    operator = User.objects.get(username="village_op")
    operator.is_staff = True
    operator.save()
    operator.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="party", codename__startswith="view_")
    )
    client.force_login(operator)
    text = client.get(reverse("admin:party_partyorganisation_changelist")).content.decode()
    assert tree.branch_a.name in text and tree.community.name in text
    assert elsewhere.name not in text and tree.county.name not in text
    outside = client.get(reverse("admin:party_partyorganisation_change", args=[elsewhere.pk]))
    assert outside.status_code in (302, 404)
    assert PartyOrganisation.objects.filter(pk=elsewhere.pk).exists()
