from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from gridgov.accounts.models import Department
from gridgov.cases.models import Case, CaseEvent
from gridgov.cases.services import act
from gridgov.cases.tests.fixtures import T0
from gridgov.cases.workflow import Action, Status

pytestmark = pytest.mark.django_db
User = get_user_model()
H = dt.timedelta(hours=1)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def as_user(client, username):
    client.force_login(User.objects.get(username=username))
    return client


def test_queues_show_each_role_its_work(client, report, people):
    case = report()
    page = as_user(client, "village_op").get("/work/").content.decode()
    assert case.number in page and "待受理" in page
    worker_page = as_user(client, "grid_worker").get("/work/?queue=accept").content.decode()
    assert case.number not in worker_page
    act(case=case, user=people.village_op, action=Action.ACCEPT)
    act(
        case=case,
        user=people.village_op,
        action=Action.DISPATCH,
        payload={"lead": {"kind": "user", "ref": str(people.grid_worker.pk)}},
    )
    page = as_user(client, "grid_worker").get("/work/?queue=sign").content.decode()
    assert case.number in page
    assert as_user(client, "grid_worker").get("/work/?queue=nonsense").status_code == 404


def test_case_page_actions_and_errors(client, report, people):
    case = report()
    c = as_user(client, "village_op")
    page = c.get(f"/work/cases/{case.number}/").content.decode()
    # The owning centre sees the contact masked, and may reveal it (with a reason).
    assert "受理" in page and "138****1234" in page and "13804321234" not in page
    response = c.post(f"/work/cases/{case.number}/reject/", {"reject-reason": ""})
    assert response.status_code == 400 and "必填" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED
    response = c.post(f"/work/cases/{case.number}/accept/", {"version": case.version})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED
    department = Department.objects.get(short_name="城管局")
    response = c.post(
        f"/work/cases/{case.number}/dispatch/", {"dispatch-lead": f"department:{department.pk}"}
    )
    assert response.status_code == 302
    # A stale form: someone acted since.
    response = c.post(
        f"/work/cases/{case.number}/dispatch/",
        {"dispatch-lead": f"department:{department.pk}", "version": 1},
    )
    assert response.status_code == 400 and "已被他人处理" in response.content.decode()
    # Others see the reporter masked.
    page = as_user(client, "leader").get(f"/work/cases/{case.number}/").content.decode()
    assert "13804321234" not in page and "138****1234" in page


def test_handle_with_photo_through_the_page(client, report, people):
    case = report()
    act(case=case, user=people.village_op, action=Action.ACCEPT)
    act(
        case=case,
        user=people.village_op,
        action=Action.DISPATCH,
        payload={"lead": {"kind": "user", "ref": str(people.grid_worker.pk)}},
    )
    act(case=case, user=people.grid_worker, action=Action.SIGN)
    c = as_user(client, "grid_worker")
    response = c.post(
        f"/work/cases/{case.number}/handle/",
        {"handle-result": "已修复", "handle-photos": SimpleUploadedFile("a.png", PNG, "image/png")},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.HANDLED and case.attachments.count() == 1
    page = c.get(f"/work/cases/{case.number}/").content.decode()
    assert "/photos/" in page


def test_outside_jurisdiction_is_404(client, report, people):
    case = report()
    other = people.grid_worker_of("220283001001002")
    client.force_login(other)
    assert client.get(f"/work/cases/{case.number}/").status_code == 404
    assert client.post(f"/work/cases/{case.number}/accept/").status_code == 404
    assert client.post(f"/work/cases/{case.number}/fly/").status_code == 404


def test_list_filters_sort_and_paging(client, report, people, township_item):
    for i in range(3):
        report(at=T0 + i * H, title=f"路灯{i}")
    report(item_=township_item, channel="hotline", title="占道")
    c = as_user(client, "county_op")
    page = c.get("/work/cases/?channel=hotline").content.decode()
    assert "占道" in page and "路灯0" not in page
    page = c.get("/work/cases/?item=T-001&sort=created").content.decode()
    assert page.index("路灯0") < page.index("路灯2")
    assert "共 3 件" in page
    assert c.get("/work/cases/?region=abc&created_from=bad").status_code == 200


def test_bulk_dispatch(client, report, people):
    cases = [report(at=T0 + i * H) for i in range(3)]
    for case in cases:
        act(case=case, user=people.village_op, action=Action.ACCEPT)
    department = Department.objects.get(short_name="城管局")
    c = as_user(client, "village_op")
    page = c.get("/work/?queue=dispatch").content.decode()
    assert "派遣所选案件" in page
    response = c.post(
        "/work/dispatch/",
        {"cases": [x.number for x in cases[:2]] + ["999"], "lead": f"department:{department.pk}"},
        follow=True,
    )
    body = response.content.decode()
    assert "已派遣 2 件" in body and "999" in body
    statuses = [Case.objects.get(pk=x.pk).status for x in cases]
    assert statuses == [Status.DISPATCHED, Status.DISPATCHED, Status.ACCEPTED]
    assert CaseEvent.objects.filter(case=cases[2], action="dispatch").count() == 0


def test_workbench_needs_login(client):
    assert client.get("/work/").status_code == 302


def test_reporter_phone_is_masked_and_revealed_with_a_reason(client, report, people):
    from gridgov.cases.models import CaseReporter
    from gridgov.registry.models import RevealRecord

    case = report()
    stored = CaseReporter.objects.get(case=case)
    assert "13804321234" not in stored.phone_cipher and stored.phone_masked == "138****1234"
    page = as_user(client, "village_op").get(f"/work/cases/{case.number}/").content.decode()
    assert "13804321234" not in page and "138****1234" in page and "查看完整号码" in page
    url = f"/work/cases/{case.number}/reporter-phone/"
    assert client.post(url, {"reason": " "}).status_code == 400
    assert not RevealRecord.objects.exists()
    response = client.post(url, {"reason": "电话回访"})
    assert response.status_code == 200 and "13804321234" in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    record = RevealRecord.objects.get()
    assert (record.actor, record.subject, record.reason) == (
        people.village_op,
        case.number,
        "电话回访",
    )
    # The leader reads the case but may not reveal; the grid worker is not the centre.
    assert as_user(client, "leader").post(url, {"reason": "看看"}).status_code == 403
    page = client.get(f"/work/cases/{case.number}/").content.decode()
    assert "查看完整号码" not in page
    assert RevealRecord.objects.count() == 1
