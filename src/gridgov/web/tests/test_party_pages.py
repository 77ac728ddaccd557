"""The workbench pages of party building (/work/party/…): every page renders for the roles that
see it (a leader without the action buttons), 404 outside the jurisdiction, forms with bad input
show the service's Chinese message on the field and write nothing, and each main form changes
the database."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from gridgov.party import choices as c
from gridgov.party.models import (
    Attendance,
    Claim,
    GridChiefAppointment,
    Meeting,
    Need,
    PartyMember,
    PartyOrganisation,
    Seat,
    ServiceRecord,
    ServiceRegistration,
    StarRating,
)
from gridgov.party.tests.factories import (
    COMMUNITY,
    GRID_A,
    GRID_B,
    Tree,
    make_member,
    make_tree,
)

pytestmark = pytest.mark.django_db
User = get_user_model()


def as_user(client: Any, username: str) -> Any:
    client.force_login(User.objects.get(username=username))
    return client


def body(response: Any) -> str:
    return response.content.decode()


@pytest.fixture
def tree(db: Any) -> Tree:
    return make_tree()


@pytest.fixture
def secretary(tree: Tree) -> PartyMember:
    return make_member(tree.branch_a, seat=c.SeatTitle.SECRETARY, name="张书记")


@pytest.fixture
def member_a(tree: Tree) -> PartyMember:
    return make_member(tree.branch_a, name="李党员", phone="13904321234")


def _meeting(org: PartyOrganisation, **fields: Any) -> Meeting:
    values: dict[str, Any] = {
        "organisation": org,
        "region_path": org.region_path,
        "kind": c.MeetingKind.THEME_DAY,
        "title": "主题党日：学习二十大精神",
        "starts_at": timezone.now() - dt.timedelta(hours=1),
        "place": "社区党群服务中心",
    }
    values.update(fields)
    return Meeting.objects.create(**values)


# -- pages and roles -------------------------------------------------------------------------


def test_pages_render_for_village_operator(client: Any, tree: Tree, secretary: PartyMember) -> None:
    as_user(client, "village_op")
    meeting = _meeting(tree.branch_a)
    home = client.get("/work/party/")
    assert home.status_code == 200
    assert "党组织覆盖率" in body(home) and "登记党员" in body(home)
    orgs = client.get("/work/party/orgs/")
    assert orgs.status_code == 200 and tree.community.name in body(orgs)
    assert "成立党组织" in body(orgs)
    listed = client.get("/work/party/orgs/?view=list&kind=branch")
    assert tree.branch_a.name in body(listed) and "<td>党委</td>" not in body(listed)
    org = client.get(f"/work/party/orgs/{tree.branch_a.pk}/")
    page = body(org)
    assert org.status_code == 200
    assert "张书记" in page and "任命班子成员" in page and "<summary>任命网格长" in page
    assert "星级评定（上级评定）" in page  # the village rates a grid branch
    own = body(client.get(f"/work/party/orgs/{tree.community.pk}/"))
    assert "星级评定（上级评定）" not in own  # …but not its own organisation
    members = client.get("/work/party/members/")
    assert members.status_code == 200 and "张书记" in body(members)
    detail = client.get(f"/work/party/members/{secretary.pk}/")
    assert detail.status_code == 200 and "no-store" in detail["Cache-Control"]
    assert f"/work/registry/people/{secretary.person_id}/" in body(detail)
    assert client.get(f"/work/party/chiefs/?grid={GRID_A}").status_code == 200
    for url in (
        "/work/party/chiefs/",
        "/work/party/sinking/",
        "/work/party/needs/",
        "/work/party/meetings/",
        "/work/party/meetings/participation/",
        "/work/party/orgs/new/",
        "/work/party/members/new/",
        "/work/party/sinking/new/",
        "/work/party/needs/new/",
        "/work/party/meetings/new/",
        f"/work/party/orgs/{tree.branch_a.pk}/edit/",
        f"/work/party/members/{secretary.pk}/edit/",
        f"/work/party/meetings/{meeting.pk}/edit/",
    ):
        assert client.get(url).status_code == 200, url
    shown = client.get(f"/work/party/meetings/{meeting.pk}/")
    assert shown.status_code == 200 and f'name="att-{secretary.pk}"' in body(shown)


def test_leader_looks_without_action_buttons(
    client: Any, tree: Tree, secretary: PartyMember
) -> None:
    as_user(client, "leader")
    meeting = _meeting(tree.branch_a)
    assert "登记党员" not in body(client.get("/work/party/"))
    assert "成立党组织" not in body(client.get("/work/party/orgs/"))
    org = body(client.get(f"/work/party/orgs/{tree.branch_a.pk}/"))
    assert tree.branch_a.name in org
    assert "任命班子成员" not in org and "撤销党组织" not in org and "启用接单" not in org
    assert "<summary>任命网格长" not in org and "星级评定（上级评定）" not in org
    member = body(client.get(f"/work/party/members/{secretary.pk}/"))
    assert "张书记" in member and "修改 / 转接" not in member and "党员减少" not in member
    sheet = body(client.get(f"/work/party/meetings/{meeting.pk}/"))
    assert "张书记" in sheet and 'type="radio"' not in sheet
    # and the forms answer 403
    assert client.get(f"/work/party/orgs/{tree.branch_a.pk}/edit/").status_code == 403
    assert client.get("/work/party/orgs/new/").status_code == 403
    response = client.post(f"/work/party/orgs/{tree.branch_a.pk}/dissolve/", {"reason": "合并"})
    assert response.status_code == 403
    assert PartyOrganisation.objects.get(pk=tree.branch_a.pk).is_active


def test_grid_worker_sees_own_grid_only(client: Any, tree: Tree, secretary: PartyMember) -> None:
    other = make_member(tree.branch_b, name="王网格B")
    as_user(client, "grid_worker")
    assert client.get(f"/work/party/orgs/{tree.branch_a.pk}/").status_code == 200
    assert client.get(f"/work/party/orgs/{tree.community.pk}/").status_code == 404
    assert client.get(f"/work/party/orgs/{tree.branch_b.pk}/").status_code == 404
    assert client.get(f"/work/party/members/{secretary.pk}/").status_code == 200
    assert client.get(f"/work/party/members/{other.pk}/").status_code == 404
    assert client.get(f"/work/party/chiefs/?grid={GRID_B}").status_code == 404
    listed = body(client.get("/work/party/members/"))
    assert "张书记" in listed and "王网格B" not in listed
    tree_page = body(client.get("/work/party/orgs/"))
    assert tree.branch_a.name in tree_page and tree.community.name not in tree_page
    # a grid worker looks at the organisation, publishes needs, but manages nothing
    org = body(client.get(f"/work/party/orgs/{tree.branch_a.pk}/"))
    assert "任命班子成员" not in org
    assert "发布需求" in body(client.get("/work/party/needs/"))


def test_tree_children_load_on_demand(client: Any, tree: Tree) -> None:
    as_user(client, "village_op")
    page = body(client.get("/work/party/orgs/"))
    # one top organisation: shown opened one level, deeper levels are loaded on demand
    assert tree.community.name in page and tree.branch_a.name in page
    assert f'hx-get="/work/party/orgs/{tree.branch_a.pk}/children/"' in page
    assert tree.group_a.name not in page
    part = client.get(f"/work/party/orgs/{tree.branch_a.pk}/children/", HTTP_HX_REQUEST="true")
    assert part.status_code == 200
    assert tree.group_a.name in body(part) and "<html" not in body(part)
    empty = client.get(f"/work/party/orgs/{tree.branch_b.pk}/children/")
    assert "没有下级组织" in body(empty)


# -- organisations ---------------------------------------------------------------------------


def test_new_organisation_bad_input_shows_the_message_and_writes_nothing(
    client: Any, tree: Tree
) -> None:
    as_user(client, "village_op")
    before = PartyOrganisation.objects.count()
    response = client.post(
        "/work/party/orgs/new/",
        {"name": "", "kind": "committee", "parent": tree.branch_a.pk, "region": GRID_A},
    )
    assert response.status_code == 200
    page = body(response)
    assert "field-error" in page and "has-error" in page
    assert PartyOrganisation.objects.count() == before


def test_new_edit_and_dissolve_organisation(client: Any, tree: Tree) -> None:
    as_user(client, "village_op")
    building = tree.group_a.region_path
    response = client.post(
        "/work/party/orgs/new/",
        {
            "name": "第二楼栋党小组",
            "kind": "group",
            "category": "regional",
            "parent": tree.branch_a.pk,
            "region": building,
        },
    )
    org = PartyOrganisation.objects.get(name="第二楼栋党小组")
    assert response.status_code == 302 and response["Location"] == f"/work/party/orgs/{org.pk}/"
    assert org.parent == tree.branch_a and org.region_path == building
    response = client.post(
        f"/work/party/orgs/{org.pk}/edit/",
        {
            "name": "滨河楼栋党小组",
            "kind": "group",
            "category": "regional",
            "parent": tree.branch_a.pk,
            "region": building,
            "phone": "0432-6888001",
            "version": org.version,
        },
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.name == "滨河楼栋党小组" and org.phone == "0432-6888001"
    response = client.post(f"/work/party/orgs/{org.pk}/dissolve/", {"reason": "楼栋拆迁"})
    assert response.status_code == 302
    org.refresh_from_db()
    assert not org.is_active


def test_dissolve_needs_a_reason_and_an_empty_organisation(
    client: Any, tree: Tree, member_a: PartyMember
) -> None:
    as_user(client, "village_op")
    url = f"/work/party/orgs/{tree.branch_a.pk}/dissolve/"
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200 and "请说明撤销原因" in body(response)
    response = client.post(url, {"reason": "合并到第二网格"})
    assert response.status_code == 409 and "还有下级党组织" in body(response)
    assert PartyOrganisation.objects.get(pk=tree.branch_a.pk).is_active


def test_seats_set_and_end(client: Any, tree: Tree, member_a: PartyMember) -> None:
    as_user(client, "village_op")
    url = f"/work/party/orgs/{tree.branch_a.pk}/seats/"
    bad = client.post(url, {"member": member_a.pk, "title": ""})
    assert bad.status_code == 200 and "field-error" in body(bad)
    assert not Seat.objects.filter(member=member_a).exists()
    response = client.post(url, {"member": member_a.pk, "title": "publicity"})
    assert response.status_code == 302
    seat = Seat.objects.get(member=member_a, title="publicity", ends_on__isnull=True)
    response = client.post(f"/work/party/seats/{seat.pk}/end/", {})
    assert response.status_code == 302
    seat.refresh_from_db()
    assert seat.ends_on == timezone.localdate()


def test_takes_cases_toggle(client: Any, tree: Tree, secretary: PartyMember) -> None:
    as_user(client, "village_op")
    url = f"/work/party/orgs/{tree.branch_a.pk}/cases/"
    assert client.post(url, {"on": "1"}).status_code == 302
    tree.branch_a.refresh_from_db()
    assert tree.branch_a.department is not None and tree.branch_a.department.is_active
    assert client.post(url, {"on": "0"}).status_code == 302
    tree.branch_a.refresh_from_db()
    assert tree.branch_a.department is None or not tree.branch_a.department.is_active


def test_rate_organisation(client: Any, tree: Tree) -> None:
    from gridgov.party.models import StarCriterion

    as_user(client, "village_op")
    criteria = list(StarCriterion.objects.filter(is_active=True))
    assert criteria
    page = body(client.get(f"/work/party/orgs/{tree.branch_a.pk}/"))
    assert f"满分 {criteria[0].max_points}" in page
    url = f"/work/party/orgs/{tree.branch_a.pk}/rate/"
    year = timezone.localdate().year
    too_much = {f"score_{k.code}": k.max_points for k in criteria}
    too_much[f"score_{criteria[0].code}"] = criteria[0].max_points + 1
    bad = client.post(url, {"year": year, **too_much})
    assert bad.status_code == 200 and "field-error" in body(bad)
    assert not StarRating.objects.filter(organisation=tree.branch_a).exists()
    full = {f"score_{k.code}": k.max_points for k in criteria}
    response = client.post(url, {"year": year, "note": "好", **full})
    assert response.status_code == 302
    tree.branch_a.refresh_from_db()
    assert tree.branch_a.stars == 5
    assert StarRating.objects.get(organisation=tree.branch_a).stars == 5
    # the village cannot rate itself
    assert client.post(f"/work/party/orgs/{tree.community.pk}/rate/", full).status_code == 403


# -- members ---------------------------------------------------------------------------------


def test_add_member_picks_a_register_person(client: Any, tree: Tree, registered: Any) -> None:
    as_user(client, "village_op")
    search = body(client.get(f"/work/party/members/new/?q={registered.name}"))
    assert f"person={registered.pk}" in search
    url = f"/work/party/members/new/?person={registered.pk}"
    assert registered.name in body(client.get(url))
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    bad = client.post(
        url,
        {
            "person": registered.pk,
            "organisation": tree.branch_a.pk,
            "joined_on": future,
            "status": "formal",
        },
    )
    assert bad.status_code == 200 and "field-error" in body(bad)
    assert not PartyMember.objects.filter(person=registered).exists()
    response = client.post(
        url,
        {
            "person": registered.pk,
            "organisation": tree.branch_a.pk,
            "joined_on": "2010-07-01",
            "full_member_on": "2011-07-01",
            "status": "formal",
            "in_service_unit": "舒兰市教育局",
        },
    )
    member = PartyMember.objects.get(person=registered)
    assert (
        response.status_code == 302 and response["Location"] == f"/work/party/members/{member.pk}/"
    )
    assert member.organisation == tree.branch_a and member.in_service_unit == "舒兰市教育局"
    registered.refresh_from_db()
    assert registered.is_party_member


def test_member_page_masks_the_phone(client: Any, member_a: PartyMember) -> None:
    as_user(client, "village_op")
    page = body(client.get(f"/work/party/members/{member_a.pk}/"))
    assert "13904321234" not in page and member_a.person.phone_masked in page
    listed = body(client.get("/work/party/members/?q=李"))
    assert "13904321234" not in listed and "李党员" in listed


def test_transfer_and_end_member(client: Any, tree: Tree, member_a: PartyMember) -> None:
    as_user(client, "village_op")
    response = client.post(
        f"/work/party/members/{member_a.pk}/edit/",
        {
            "organisation": tree.branch_b.pk,
            "joined_on": member_a.joined_on.isoformat(),
            "full_member_on": member_a.full_member_on.isoformat(),
            "status": "formal",
            "version": member_a.version,
        },
    )
    assert response.status_code == 302
    member_a.refresh_from_db()
    assert member_a.organisation == tree.branch_b
    bad = client.post(f"/work/party/members/{member_a.pk}/end/", {"state": "", "reason": ""})
    assert bad.status_code == 200 and "field-error" in body(bad)
    member_a.refresh_from_db()
    assert member_a.state == "active"
    response = client.post(
        f"/work/party/members/{member_a.pk}/end/", {"state": "transferred", "reason": "迁往长春"}
    )
    assert response.status_code == 302
    member_a.refresh_from_db()
    assert member_a.state == "transferred"


# -- grid chiefs -----------------------------------------------------------------------------


def test_appoint_grid_chief_default_and_override(
    client: Any, tree: Tree, secretary: PartyMember, member_a: PartyMember
) -> None:
    as_user(client, "village_op")
    url = f"/work/party/chiefs/?grid={GRID_A}"
    response = client.post(url, {"grid": GRID_A, "member": ""})
    assert response.status_code == 302
    chief = GridChiefAppointment.objects.get(grid__path=GRID_A, ends_on__isnull=True)
    assert chief.member == secretary and chief.is_default
    bad = client.post(url, {"grid": GRID_A, "member": member_a.pk, "reason": ""})
    assert bad.status_code == 200 and "field-error" in body(bad)
    assert GridChiefAppointment.objects.get(grid__path=GRID_A, ends_on__isnull=True) == chief
    response = client.post(
        f"/work/party/orgs/{tree.branch_a.pk}/chief/",
        {"member": member_a.pk, "reason": "书记年事已高"},
    )
    assert response.status_code == 302
    now = GridChiefAppointment.objects.get(grid__path=GRID_A, ends_on__isnull=True)
    assert now.member == member_a and not now.is_default
    page = body(client.get(url))
    assert "书记年事已高" in page and "张书记" in page


# -- 双报到 and needs ------------------------------------------------------------------------


def test_sinking_register_assign_hours_end(client: Any, tree: Tree) -> None:
    cadre = make_member(
        tree.branch_a, name="赵在职", member_fields={"in_service_unit": "舒兰市财政局"}
    )
    as_user(client, "village_op")
    bad = client.post("/work/party/sinking/new/", {"kind": "member", "community": COMMUNITY})
    assert bad.status_code == 200 and "field-error" in body(bad)
    assert not ServiceRegistration.objects.exists()
    response = client.post(
        "/work/party/sinking/new/",
        {"kind": "member", "member": cadre.pk, "community": COMMUNITY, "skills": "法律咨询"},
    )
    reg = ServiceRegistration.objects.get(member=cadre)
    assert response.status_code == 302 and reg.state == "registered"
    assert "赵在职" in body(client.get("/work/party/sinking/?state=registered"))
    response = client.post(f"/work/party/sinking/{reg.pk}/assign/", {"grid": GRID_A})
    assert response.status_code == 302
    reg.refresh_from_db()
    assert reg.state == "assigned" and reg.grid is not None and reg.grid.path == GRID_A
    day = timezone.localdate().isoformat()
    bad = client.post(
        f"/work/party/sinking/{reg.pk}/hours/", {"day": day, "hours": "30", "content": "巡查"}
    )
    assert bad.status_code == 200 and "field-error" in body(bad)
    assert not ServiceRecord.objects.filter(registration=reg).exists()
    response = client.post(
        f"/work/party/sinking/{reg.pk}/hours/", {"day": day, "hours": "2.5", "content": "巡查"}
    )
    assert response.status_code == 302
    reg.refresh_from_db()
    assert float(reg.hours) == 2.5
    page = body(client.get("/work/party/sinking/"))
    assert "按网格" in page and "2.5" in page
    response = client.post(f"/work/party/sinking/{reg.pk}/end/", {"reason": "调离"})
    assert response.status_code == 302
    reg.refresh_from_db()
    assert reg.state == "ended"


def test_need_publish_claim_report_confirm(client: Any, tree: Tree) -> None:
    from gridgov.party import services

    village_op = User.objects.get(username="village_op")
    cadre = make_member(
        tree.branch_a, name="钱在职", member_fields={"in_service_unit": "舒兰市卫健局"}
    )
    reg = services.register_service(
        actor=village_op, kind="member", community=COMMUNITY, member_id=cadre.pk
    )
    as_user(client, "village_op")
    bad = client.post(
        "/work/party/needs/new/",
        {"kind": "wish", "title": "", "region": GRID_A, "slots": "1"},
    )
    assert bad.status_code == 200 and "field-error" in body(bad)
    assert not Need.objects.exists()
    response = client.post(
        "/work/party/needs/new/",
        {
            "kind": "wish",
            "title": "为独居老人修理水龙头",
            "region": GRID_A,
            "slots": "1",
            "beneficiary": "王大娘",
        },
    )
    need = Need.objects.get()
    assert response.status_code == 302 and need.state == "open"
    page = body(client.get(f"/work/party/needs/{need.pk}/"))
    assert "钱在职" in page  # the registration to claim for
    response = client.post(f"/work/party/needs/{need.pk}/claim/", {"registration": reg.pk})
    assert response.status_code == 302
    claim = Claim.objects.get(need=need)
    need.refresh_from_db()
    assert need.state == "claimed"
    bad = client.post(f"/work/party/claims/{claim.pk}/report/", {"result": "", "hours": ""})
    assert bad.status_code == 200 and "field-error" in body(bad)
    response = client.post(
        f"/work/party/claims/{claim.pk}/report/", {"result": "已修好", "hours": "1.5"}
    )
    assert response.status_code == 302
    response = client.post(f"/work/party/claims/{claim.pk}/confirm/")
    assert response.status_code == 302
    need.refresh_from_db()
    claim.refresh_from_db()
    assert claim.state == "confirmed" and need.state == "done"


def test_cancel_need(client: Any, tree: Tree) -> None:
    from gridgov.party import services

    need = services.publish_need(
        actor=User.objects.get(username="grid_worker"),
        values={"kind": "project", "title": "楼道清理", "region": GRID_A, "slots": 2},
    )
    as_user(client, "village_op")
    bad = client.post(f"/work/party/needs/{need.pk}/cancel/", {"reason": ""})
    assert bad.status_code == 200 and "field-error" in body(bad)
    response = client.post(f"/work/party/needs/{need.pk}/cancel/", {"reason": "已由物业完成"})
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.state == "cancelled"


# -- organisational life ---------------------------------------------------------------------


def test_schedule_meeting(client: Any, tree: Tree, secretary: PartyMember) -> None:
    as_user(client, "village_op")
    bad = client.post(
        "/work/party/meetings/new/",
        {"organisation": tree.branch_a.pk, "kind": "group_meeting", "title": "小组会"},
    )
    assert bad.status_code == 200 and "field-error" in body(bad)
    assert not Meeting.objects.exists()
    starts = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        "/work/party/meetings/new/",
        {
            "organisation": tree.branch_a.pk,
            "kind": "general_meeting",
            "title": "支部党员大会",
            "starts_at": starts,
            "place": "网格党群服务站",
            "is_online": "on",
            "agenda": "1. 学习；2. 讨论",
        },
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and meeting.is_online and meeting.state == "planned"
    response = client.post(f"/work/party/meetings/{meeting.pk}/cancel/", {"reason": "改期"})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.state == "cancelled"


def test_attendance_sheet_records_and_marks_held(
    client: Any, tree: Tree, secretary: PartyMember, member_a: PartyMember
) -> None:
    meeting = _meeting(tree.branch_a)
    as_user(client, "village_op")
    response = client.post(
        f"/work/party/meetings/{meeting.pk}/attendance/",
        {f"att-{secretary.pk}": "present", f"att-{member_a.pk}": "leave", "minutes": "会议记录"},
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.state == "held" and meeting.minutes == "会议记录"
    kinds = dict(Attendance.objects.filter(meeting=meeting).values_list("member_id", "kind"))
    assert kinds[secretary.pk] == "present" and kinds[member_a.pk] == "leave"
    month = timezone.localdate().strftime("%Y-%m")
    figures = body(
        client.get(f"/work/party/meetings/participation/?region={COMMUNITY}&month={month}")
    )
    assert tree.branch_a.name in figures and "50%" in figures
