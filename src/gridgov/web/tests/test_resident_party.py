"""The online party branch (网上党支部, /r/party/): a resident whose phone is a member's register
phone sees their branch and its meetings and signs in within the window (remotely for an online
meeting); anyone else gets a polite message; nothing of other members but the secretary's
name is shown."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from gridgov.core.sms import MemoryBackend
from gridgov.party import choices as c
from gridgov.party.models import Attendance, Meeting, PartyOrganisation
from gridgov.party.tests.factories import make_member, make_tree

pytestmark = pytest.mark.django_db

MEMBER_PHONE = "13900000011"
OTHER_PHONE = "13900000099"
H = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def _fresh_cache_and_sms(settings):
    cache.clear()
    MemoryBackend.outbox.clear()
    settings.GRIDGOV_SMS_BACKEND = "gridgov.core.sms.MemoryBackend"
    yield
    cache.clear()


def log_in(client: Client, phone: str) -> None:
    """The resident portal's own phone login (a code by SMS)."""
    response = client.post(reverse("resident-login"), {"step": "phone", "phone": phone})
    assert response.status_code == 200
    code = MemoryBackend.outbox[-1][1].split("是 ")[1][:6]
    response = client.post(
        reverse("resident-login"),
        {"step": "code", "phone": phone, "code": code, "next": reverse("resident-party")},
    )
    assert response.status_code == 302 and response["Location"] == reverse("resident-party")


def meeting(org: PartyOrganisation, starts_at: dt.datetime, **fields) -> Meeting:
    values = {
        "kind": c.MeetingKind.GENERAL_MEETING,
        "title": "学习贯彻党的二十届三中全会精神",
        "place": "社区党群服务中心三楼会议室",
        "agenda": "一、传达学习\n二、交流发言",
        "materials": "《决定》全文",
    }
    values.update(fields)
    return Meeting.objects.create(
        organisation=org, region_path=org.region_path, starts_at=starts_at, **values
    )


@pytest.fixture
def branch():
    """Grid A's branch with its secretary, another member and the resident member (mobile),
    an online meeting starting in ten minutes, one next week, a held one with minutes, and a
    meeting of grid B's branch."""
    tree = make_tree()
    make_member(tree.branch_a, name="赵书记", phone="13900000001", seat="secretary")
    make_member(tree.branch_a, name="钱党员", phone="13900000002")
    member = make_member(
        tree.branch_a,
        name="孙流动",
        phone=MEMBER_PHONE,
        member_fields={"is_mobile": True, "mobile_location": "大连市"},
    )
    now = timezone.now()
    soon = meeting(
        tree.branch_a,
        now + dt.timedelta(minutes=10),
        ends_at=now + 2 * H,
        is_online=True,
        online_link="https://meeting.example.cn/j/886",
        title="主题党日：重温入党誓词",
        kind=c.MeetingKind.THEME_DAY,
    )
    later = meeting(tree.branch_a, now + 7 * 24 * H, title="支部委员会：发展党员讨论")
    held = meeting(
        tree.branch_a,
        now - 10 * 24 * H,
        ends_at=now - 10 * 24 * H + 2 * H,
        state=c.MeetingState.HELD,
        minutes="到会 12 人，会议通过了年度工作计划。",
        title="党课：基层治理",
        kind=c.MeetingKind.PARTY_LECTURE,
    )
    other = meeting(tree.branch_b, now + 30 * 60 * dt.timedelta(seconds=1), title="第二网格会议")
    return {
        "tree": tree,
        "member": member,
        "soon": soon,
        "later": later,
        "held": held,
        "other": other,
    }


def test_logging_in_is_required(client, branch):
    response = client.get(reverse("resident-party"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('resident-login')}?next={reverse('resident-party')}"


def test_a_member_sees_the_branch_and_its_meetings(client, branch):
    log_in(client, MEMBER_PHONE)
    response = client.get(reverse("resident-party"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "第一网格党支部" in page and "赵书记" in page and "孙流动" in page
    upcoming = [row["meeting"] for row in response.context["upcoming"]]
    assert upcoming == [branch["soon"], branch["later"]]
    assert [row["meeting"] for row in response.context["recent"]] == [branch["held"]]
    assert [row["can_sign"] for row in response.context["upcoming"]] == [True, False]
    # No one else of the branch, nothing of grid B's branch, no phone of anybody.
    assert "钱党员" not in page and "第二网格会议" not in page
    assert "13900000001" not in page and "139****0001" not in page

    detail = client.get(reverse("resident-party-meeting", args=[branch["soon"].pk]))
    page = detail.content.decode()
    assert "https://meeting.example.cn/j/886" in page and "传达学习" in page
    assert 'id="party-sign-remote"' in page
    held = client.get(reverse("resident-party-meeting", args=[branch["held"].pk]))
    assert "会议通过了年度工作计划" in held.content.decode()
    # Another branch's meeting does not exist for this member.
    other = client.get(reverse("resident-party-meeting", args=[branch["other"].pk]))
    assert other.status_code == 404


def test_a_member_signs_in_remotely(client, branch):
    log_in(client, MEMBER_PHONE)
    url = reverse("resident-party-sign-in", args=[branch["soon"].pk])
    response = client.post(url, {"remote": "1"})
    assert response.status_code == 302
    assert response["Location"] == reverse("resident-party-meeting", args=[branch["soon"].pk])
    row = Attendance.objects.get(meeting=branch["soon"])
    assert row.member == branch["member"] and row.kind == c.AttendanceKind.REMOTE
    assert row.signed_at is not None
    page = client.get(response["Location"]).content.decode()
    assert "远程签到成功" in page and 'id="party-signed"' in page
    assert 'id="party-sign-remote"' not in page
    # Once is enough.
    again = client.post(url)
    assert again.status_code == 409 and "您已签到" in again.content.decode()
    assert Attendance.objects.filter(meeting=branch["soon"]).count() == 1


def test_signing_in_outside_the_window_is_refused(client, branch):
    log_in(client, MEMBER_PHONE)
    response = client.post(reverse("resident-party-sign-in", args=[branch["later"].pk]))
    assert response.status_code == 409
    page = response.content.decode()
    assert '<p class="error" role="alert">不在签到时间内' in page
    assert not Attendance.objects.filter(meeting=branch["later"]).exists()
    # Remote sign-in of a meeting that is not online is refused too.
    soon = branch["soon"]
    Meeting.objects.filter(pk=soon.pk).update(is_online=False, online_link="")
    response = client.post(reverse("resident-party-sign-in", args=[soon.pk]), {"remote": "1"})
    assert response.status_code == 400
    assert "该会议不能远程参加" in response.content.decode()
    assert not Attendance.objects.filter(meeting=soon).exists()


def test_a_resident_who_is_not_a_member_gets_a_polite_message(client, branch):
    log_in(client, OTHER_PHONE)
    response = client.get(reverse("resident-party"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "网上党支部仅供党员使用" in page and 'id="party-none"' in page
    assert "第一网格党支部" not in page and "赵书记" not in page
    url = reverse("resident-party-meeting", args=[branch["soon"].pk])
    assert client.get(url).status_code == 404
    sign = reverse("resident-party-sign-in", args=[branch["soon"].pk])
    assert client.post(sign).status_code == 404
    assert not Attendance.objects.exists()
