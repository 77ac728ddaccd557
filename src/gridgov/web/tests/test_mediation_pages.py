"""The workbench pages of the reception, mediation room, legal service room and committees
(/work/mediation/…): every page renders for the roles that see it, 404 outside the
jurisdiction and 403 for a role that may not act, the forms change the records through the
services, bad input shows Chinese messages on the fields and stores nothing, and no clear
phone or ID number appears in a page."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from gridgov.accounts.models import User
from gridgov.accounts.roles import Role
from gridgov.cases.models import Case, Item
from gridgov.mediation import choices as c
from gridgov.mediation import services
from gridgov.mediation.models import (
    Agreement,
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
    Session,
)
from gridgov.mediation.tests.fixtures import AGREEMENT, DAY, OTHER_VILLAGE, PHONE, VILLAGE, start
from gridgov.regions.models import Region
from gridgov.registry.tests.fixtures import make_id
from gridgov.testing import staff

pytestmark = pytest.mark.django_db

GRID_A = "220283001001001"
LAWYER_PHONE = "13688885555"
VISITOR_PHONE = "13712344321"


def region(path: str) -> Region:
    return Region.objects.get(path=path)


def as_user(client: Any, user: User | str) -> Any:
    if isinstance(user, str):
        user = User.objects.get(username=user)
    client.force_login(user)
    return client


def body(response: Any) -> str:
    return str(response.content.decode())


def field_errors(response: Any) -> dict[str, list[str]]:
    """The field errors of a page's form, by field id (``id_name``)."""
    found: dict[str, list[str]] = {}
    for block in re.findall(
        r'<div class="field has-error[^"]*">(.*?)</div>\s*</div>', body(response), re.S
    ):
        label = re.search(r'<label for="([^"]+)"', block)
        for message in re.findall(r'<div class="field-error" role="alert">([^<]*)', block):
            found.setdefault(label.group(1) if label else "", []).append(message)
    return found


def errors_text(response: Any) -> str:
    return " ".join(
        re.findall(r'<div class="field-error" role="alert">([^<]*)</div>', body(response))
    )


@pytest.fixture
def lawyer(people):
    """A lawyer of the village centre, on duty there all day today."""
    found = services.add_lawyer(
        actor=people.village_op,
        region=region(VILLAGE),
        name="赵律师",
        firm="吉林舒兰律师事务所",
        licence_no="12202201910123456",
        phone=LAWYER_PHONE,
    )
    services.set_duty(
        actor=people.village_op,
        lawyer=found,
        region=region(VILLAGE),
        day=timezone.localdate(),
        slot=c.DutySlot.FULL_DAY,
    )
    return found


@pytest.fixture
def question(people, lawyer):
    return services.register_consultation(
        actor=people.village_op,
        region=region(VILLAGE),
        channel=c.ConsultChannel.WALK_IN,
        topic=c.LegalTopic.INHERITANCE,
        question="父母去世后房子怎么分？",
        requester_name="张桂兰",
        phone=VISITOR_PHONE,
    )


def no_clear_numbers(text: str) -> None:
    for clear in (PHONE, LAWYER_PHONE, VISITOR_PHONE, "13504321001"):
        assert clear not in text


# -- pages render ----------------------------------------------------------------------------


def test_every_page_renders_for_the_village_operator(client, people, room, dispute, question):
    committee, lead, _second = room
    mediation = start(dispute, room, people)
    services.record_session(
        actor=people.village_op,
        mediation=mediation,
        starts_at=timezone.now(),
        place="育才社区调解室",
        participants="张桂兰、张建国",
    )
    as_user(client, "village_op")
    pages = {
        reverse("mediation-home"): ["今日来访", "当前值班律师", "赵律师", "今日调解会"],
        reverse("mediation-reception"): ["法律咨询", "咨询问题", "信访事项", "赵律师"],
        reverse("mediation-reception") + "?matter=dispute": ["申请人姓名", "纠纷事项"],
        reverse("mediation-disputes"): [dispute.case.number, "调解中"],
        reverse("mediation-dispute", args=[dispute.pk]): ["张桂兰", "育才社区调解室", "记录调解会"],
        reverse("mediation-consultations"): ["张桂兰", "待解答"],
        reverse("mediation-consultation", args=[question.pk]): ["父母去世后房子怎么分", "提交解答"],
        reverse("mediation-rota"): ["赵律师", "排班"],
        reverse("mediation-lawyers"): ["赵律师", "添加值班律师"],
        reverse("mediation-committees"): [committee.name, "成立调解委员会"],
        reverse("mediation-committee", args=[committee.pk]): ["王调解", "添加调解员"],
        reverse("mediation-mediator", args=[lead.pk]): [dispute.case.number, "正在调解"],
    }
    for url, expected in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
        text = body(response)
        for needle in expected:
            assert needle in text, (url, needle)
        no_clear_numbers(text)
    assert "139****5566" in body(client.get(reverse("mediation-committee", args=[committee.pk])))


def test_top_nav_links_the_section(client, people):
    text = body(as_user(client, "grid_worker").get(reverse("work-home")))
    assert 'href="/work/mediation/"' in text and "矛盾调解" in text


def test_a_leader_sees_without_forms_and_may_not_act(client, people, room, dispute):
    as_user(client, "leader")
    page = client.get(reverse("mediation-dispute", args=[dispute.pk]))
    assert page.status_code == 200
    assert 'id="act-start"' not in body(page)
    committee, lead, _second = room
    response = client.post(
        reverse("mediation-start", args=[dispute.pk]),
        {"committee": committee.pk, "mediator": lead.pk, "accepted_on": DAY.isoformat()},
    )
    assert response.status_code == 403
    assert not Mediation.objects.exists()


def test_outside_the_area_is_not_found(client, people, room, dispute, question):
    committee, lead, _second = room
    mediation = start(dispute, room, people)
    outsider = staff(Role.VILLAGE_OPERATOR, region=region(OTHER_VILLAGE))
    as_user(client, outsider)
    for url in (
        reverse("mediation-dispute", args=[dispute.pk]),
        reverse("mediation-consultation", args=[question.pk]),
        reverse("mediation-committee", args=[committee.pk]),
        reverse("mediation-mediator", args=[lead.pk]),
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(
        reverse("mediation-session", args=[mediation.pk]),
        {"starts_at": "2026-11-03T09:00", "place": "某处", "participants": "某人"},
    )
    assert response.status_code == 404
    assert not Session.objects.exists()
    listed = body(client.get(reverse("mediation-disputes")))
    assert dispute.case.number not in listed
    assert client.get(reverse("mediation-home") + f"?region={VILLAGE}").status_code == 404


def test_a_mediator_with_an_account_works_their_own_mediation(client, people, room, dispute):
    mediation = start(dispute, room, people)
    as_user(client, "mediator-wang")
    home = body(client.get(reverse("mediation-home")))
    assert "我正在调解的纠纷" in home and dispute.case.number in home
    response = client.post(
        reverse("mediation-session", args=[mediation.pk]),
        {
            "starts_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "place": "育才社区调解室",
            "participants": "张桂兰、张建国",
            "minutes": "双方陈述意见",
        },
    )
    assert response.status_code == 302
    assert Session.objects.get().minutes == "双方陈述意见"


# -- reception -------------------------------------------------------------------------------


def test_reception_registers_a_legal_question_for_the_lawyer_on_duty(client, people, lawyer):
    as_user(client, "village_op")
    response = client.post(
        reverse("mediation-reception") + "?matter=legal",
        {
            "region": VILLAGE,
            "channel": "walk_in",
            "requester_name": "李秀英",
            "phone": VISITOR_PHONE,
            "topic": "labour",
            "question": "工厂拖欠三个月工资怎么办？",
        },
    )
    consultation = Consultation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("mediation-consultation", args=[consultation.pk])
    assert consultation.lawyer == lawyer and consultation.phone_masked.startswith("137")
    page = body(client.get(response["Location"]))
    assert "赵律师" in page and "137****4321" in page
    no_clear_numbers(page)


def test_reception_bad_legal_question_saves_nothing(client, people, lawyer):
    as_user(client, "village_op")
    response = client.post(
        reverse("mediation-reception") + "?matter=legal",
        {
            "region": VILLAGE,
            "channel": "walk_in",
            "requester_name": "李秀英",
            "phone": "12",
            "topic": "nonsense",
        },
    )
    assert response.status_code == 200 and "id_question" in field_errors(response)
    response = client.post(
        reverse("mediation-reception") + "?matter=legal",
        {
            "region": VILLAGE,
            "channel": "walk_in",
            "requester_name": "李秀英",
            "phone": "12",
            "topic": "nonsense",
            "question": "工资怎么办？",
        },
    )
    assert response.status_code == 200
    assert {"id_phone", "id_topic"} <= set(field_errors(response))
    assert not Consultation.objects.exists()


def test_reception_registers_a_dispute_with_its_case_and_parties(client, people):
    as_user(client, "village_op")
    cases = Case.objects.count()
    response = client.post(
        reverse("mediation-reception") + "?matter=dispute",
        {
            "grid": GRID_A,
            "item": "JF-001",
            "title": "邻居占用公共通道",
            "description": "邻居在楼道堆放杂物，多次沟通无果。",
            "risk": "high",
            "violence_risk": "on",
            "amount_yuan": "3000",
            "people_involved": "2",
            "applicant_name": "陈明",
            "applicant_id_number": make_id(),
            "applicant_phone": "13912340001",
            "respondent_name": "刘强",
        },
    )
    dispute = Dispute.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("mediation-dispute", args=[dispute.pk])
    assert Case.objects.count() == cases + 1
    assert dispute.case.channel == "walk_in" and dispute.case.region.path == GRID_A
    assert dispute.kind == c.DisputeKind.NEIGHBOUR and dispute.violence_risk
    assert [p.name for p in dispute.parties.all()] == ["陈明", "刘强"]
    page = body(client.get(response["Location"]))
    assert "139****0001" in page and "13912340001" not in page and "受理调解" in page


def test_reception_bad_dispute_saves_no_case(client, people):
    as_user(client, "village_op")
    cases = Case.objects.count()
    response = client.post(
        reverse("mediation-reception") + "?matter=dispute",
        {
            "grid": GRID_A,
            "item": "JF-001",
            "title": "邻居占用公共通道",
            "description": "邻居在楼道堆放杂物。",
            "risk": "low",
            "amount_yuan": "很多",
            "applicant_name": "陈明",
            "applicant_id_number": "220283199001011234",
        },
    )
    assert response.status_code == 200
    errors = field_errors(response)
    assert "id_applicant_id_number" in errors and "id_amount_yuan" in errors
    assert Case.objects.count() == cases
    assert not Dispute.objects.exists()


def test_a_grid_worker_registers_a_dispute_only_in_their_grid(client, people):
    as_user(client, "grid_worker")
    page = body(client.get(reverse("mediation-reception") + "?matter=dispute"))
    assert GRID_A in page and "220283001001002" not in page
    response = client.post(
        reverse("mediation-reception") + "?matter=dispute",
        {
            "grid": "220283001001002",
            "item": "JF-001",
            "title": "邻里纠纷",
            "description": "邻里纠纷。",
            "risk": "low",
            "applicant_name": "陈明",
        },
    )
    assert response.status_code == 200 and "id_grid" in field_errors(response)
    assert not Dispute.objects.exists()


# -- legal service room ----------------------------------------------------------------------


def test_answer_and_refer_to_mediation_opens_the_dispute(client, people, question):
    as_user(client, "village_op")
    url = reverse("mediation-consultation", args=[question.pk])
    bad = client.post(url, {"answer": "可以申请人民调解。", "referral": "mediation"})
    assert bad.status_code == 200
    assert {"id_dispute_item", "id_dispute_grid"} <= set(field_errors(bad))
    question.refresh_from_db()
    assert question.answered_at is None and not Dispute.objects.exists()
    response = client.post(
        url,
        {
            "answer": "可以申请人民调解。",
            "referral": "mediation",
            "dispute_item": "JF-002",
            "dispute_grid": GRID_A,
        },
    )
    dispute = Dispute.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("mediation-dispute", args=[dispute.pk])
    question.refresh_from_db()
    assert question.dispute == dispute and question.referral == "mediation"
    assert dispute.parties.get().phone_masked == question.phone_masked
    answered = body(client.get(url))
    assert "可以申请人民调解" in answered and "提交解答" not in answered


def test_lawyer_with_an_account_answers_their_consultation(client, people, lawyer, question):
    account = staff(Role.VILLAGE_OPERATOR, region=region(VILLAGE), username="lawyer-zhao")
    Lawyer.objects.filter(pk=lawyer.pk).update(user=account)
    as_user(client, account)
    response = client.post(
        reverse("mediation-consultation", args=[question.pk]),
        {"answer": "按法定继承分配。", "referral": "none"},
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.answer == "按法定继承分配。" and question.lawyer == lawyer


def test_rota_adds_and_removes_a_duty(client, people, lawyer):
    as_user(client, "village_op")
    day = timezone.localdate() + dt.timedelta(days=1)
    url = reverse("mediation-rota") + f"?region={VILLAGE}&month={day:%Y-%m}"
    bad = client.post(url, {"lawyer": lawyer.pk, "region": VILLAGE, "slot": "am"})
    assert bad.status_code == 200 and "id_day" in field_errors(bad)
    assert LegalDuty.objects.count() == 1
    response = client.post(
        url, {"lawyer": lawyer.pk, "region": VILLAGE, "day": day.isoformat(), "slot": "am"}
    )
    assert response.status_code == 302
    duty = LegalDuty.objects.get(day=day)
    assert duty.slot == "am"
    clash = client.post(
        url, {"lawyer": lawyer.pk, "region": VILLAGE, "day": day.isoformat(), "slot": "day"}
    )
    assert clash.status_code == 409 and "该律师这一时段已有值班" in body(clash)
    assert LegalDuty.objects.count() == 2
    removed = client.post(reverse("mediation-duty-remove", args=[duty.pk]), {"region": VILLAGE})
    assert removed.status_code == 302
    assert not LegalDuty.objects.filter(pk=duty.pk).exists()


def test_a_grid_worker_may_not_change_the_rota(client, people, lawyer):
    duty = LegalDuty.objects.get()
    as_user(client, "grid_worker")
    assert client.post(reverse("mediation-duty-remove", args=[duty.pk])).status_code in (403, 404)
    assert LegalDuty.objects.filter(pk=duty.pk).exists()
    assert client.post(reverse("mediation-lawyers"), {"name": "某律师"}).status_code == 403


def test_mediator_rota_shows_who_is_on_duty_and_adds_and_removes(client, people, room):
    _committee, lead, second = room
    services.set_mediator_duty(
        actor=people.village_op,
        mediator=second,
        region=region(VILLAGE),
        day=timezone.localdate(),
        slot=c.DutySlot.FULL_DAY,
    )
    as_user(client, "village_op")
    for url, expected in {
        reverse("mediation-home") + f"?region={VILLAGE}": ["当前值班调解员", "李调解"],
        reverse("mediation-reception") + "?matter=dispute": ["当前值班调解员", "李调解"],
        reverse("mediation-mediator-rota") + f"?region={VILLAGE}": ["调解员值班表", "李调解"],
        reverse("mediation-rota"): ["rota-mediators"],
        reverse("mediation-committees"): ["调解员值班表"],
        reverse("mediation-mediator", args=[lead.pk]): ["调解员值班表"],
    }.items():
        response = client.get(url)
        assert response.status_code == 200, url
        for needle in expected:
            assert needle in body(response), (url, needle)
    day = timezone.localdate() + dt.timedelta(days=1)
    url = reverse("mediation-mediator-rota") + f"?region={VILLAGE}&month={day:%Y-%m}"
    bad = client.post(url, {"mediator": lead.pk, "region": VILLAGE, "slot": "am"})
    assert bad.status_code == 200 and "id_day" in field_errors(bad)
    outside = client.post(
        url, {"mediator": lead.pk, "region": GRID_A, "day": day.isoformat(), "slot": "am"}
    )
    assert outside.status_code == 200 and "id_region" in field_errors(outside)
    assert MediatorDuty.objects.count() == 1
    response = client.post(
        url, {"mediator": lead.pk, "region": VILLAGE, "day": day.isoformat(), "slot": "am"}
    )
    assert response.status_code == 302
    duty = MediatorDuty.objects.get(day=day)
    assert duty.mediator == lead and duty.slot == "am"
    assert "王调解" in body(client.get(url))
    clash = client.post(
        url, {"mediator": lead.pk, "region": VILLAGE, "day": day.isoformat(), "slot": "day"}
    )
    assert clash.status_code == 409 and "该调解员这一时段已有值班" in body(clash)
    assert MediatorDuty.objects.count() == 2
    removed = client.post(
        reverse("mediation-mediator-duty-remove", args=[duty.pk]), {"region": VILLAGE}
    )
    assert removed.status_code == 302 and "rota/mediators/" in removed["Location"]
    assert not MediatorDuty.objects.filter(pk=duty.pk).exists()


def test_a_grid_worker_may_not_change_the_mediator_rota(client, people, room):
    _committee, lead, _second = room
    duty = services.set_mediator_duty(
        actor=people.village_op,
        mediator=lead,
        region=region(VILLAGE),
        day=timezone.localdate(),
        slot=c.DutySlot.MORNING,
    )
    for who in ("grid_worker", "leader"):
        as_user(client, who)
        remove = reverse("mediation-mediator-duty-remove", args=[duty.pk])
        assert client.post(remove).status_code in (403, 404)
        page = client.get(reverse("mediation-mediator-rota"))
        assert page.status_code == 200 and "id_mediator" not in body(page)
        added = client.post(
            reverse("mediation-mediator-rota") + f"?region={VILLAGE}",
            {"mediator": lead.pk, "region": VILLAGE, "day": "2026-11-03", "slot": "am"},
        )
        assert added.status_code in (200, 403, 404)
    assert list(MediatorDuty.objects.all()) == [duty]


def test_lawyers_add_and_bad_licence(client, people):
    as_user(client, "township_op")
    url = reverse("mediation-lawyers")
    values = {
        "region": GRID_A[:9],
        "name": "孙律师",
        "firm": "舒兰法律援助中心",
        "licence_no": "123",
        "phone": "13566667777",
    }
    bad = client.post(url, values)
    assert bad.status_code == 200 and "id_licence_no" in field_errors(bad)
    assert not Lawyer.objects.exists()
    values["licence_no"] = "12202201910654321"
    assert client.post(url, values).status_code == 302
    page = body(client.get(url))
    assert "孙律师" in page and "135****7777" in page and "13566667777" not in page


# -- mediation room --------------------------------------------------------------------------


def test_start_record_close_with_agreement_then_confirm_and_follow_up(
    client, people, room, dispute
):
    committee, lead, second = room
    as_user(client, "village_op")
    url = reverse("mediation-dispute", args=[dispute.pk])
    bad = client.post(
        reverse("mediation-start", args=[dispute.pk]),
        {"committee": committee.pk, "accepted_on": DAY.isoformat()},
    )
    assert bad.status_code == 200 and "id_mediator" in field_errors(bad)
    assert not Mediation.objects.exists()
    response = client.post(
        reverse("mediation-start", args=[dispute.pk]),
        {
            "committee": committee.pk,
            "mediator": lead.pk,
            "co_mediators": [second.pk],
            "accepted_on": DAY.isoformat(),
        },
    )
    assert response.status_code == 302 and response["Location"] == url
    mediation = Mediation.objects.get()
    assert mediation.mediator == lead and list(mediation.co_mediators.all()) == [second]

    session_url = reverse("mediation-session", args=[mediation.pk])
    early = client.post(
        session_url,
        {"starts_at": "2026-10-01T09:00", "place": "调解室", "participants": "双方"},
    )
    assert early.status_code == 200 and "id_starts_at" in field_errors(early)
    assert not Session.objects.exists()
    assert (
        client.post(
            session_url,
            {
                "starts_at": "2026-11-05T09:00",
                "ends_at": "2026-11-05T11:00",
                "place": "育才社区调解室",
                "participants": "张桂兰、张建国",
                "minutes": "双方同意协商",
                "next_step": "下周签订协议",
            },
        ).status_code
        == 302
    )
    assert Session.objects.get().next_step == "下周签订协议"

    # the case was dispatched to the lead mediator's account: they hand in the outcome
    close_url = reverse("mediation-close", args=[mediation.pk])
    refused = client.post(close_url, {"state": "failed", "note": "分歧太大"})
    assert refused.status_code == 403 and "主办人" in body(refused)
    as_user(client, "mediator-wang")
    parties = list(dispute.parties.all())
    signatures = {f"sign_{p.pk}": "on" for p in parties}
    empty = client.post(close_url, {"state": "agreed", "signed_on": "2026-11-09", **signatures})
    assert empty.status_code == 200
    assert {"id_facts", "id_terms"} <= set(field_errors(empty))
    mediation.refresh_from_db()
    assert mediation.state == "open" and not Agreement.objects.exists()
    response = client.post(
        close_url,
        {
            "state": "agreed",
            "facts": AGREEMENT["facts"],
            "terms": "\n".join(AGREEMENT["terms"]) + "\n\n",
            "signed_on": "2026-11-09",
            "perform_by": "2026-12-31",
            **signatures,
        },
    )
    assert response.status_code == 302
    agreement = Agreement.objects.get()
    assert agreement.terms == AGREEMENT["terms"]
    assert [s["signed"] for s in agreement.signatures] == [True, True]
    page = body(client.get(url))
    assert agreement.number in page and "申请司法确认" in page and "记录回访" in page

    as_user(client, "village_op")
    pdf = client.get(reverse("mediation-agreement-pdf", args=[agreement.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")

    confirm_url = reverse("mediation-confirm", args=[agreement.pk])
    late = client.post(confirm_url, {"applied_on": "2026-12-20", "court": "舒兰市人民法院"})
    assert late.status_code == 200 and "30 日内" in errors_text(late)
    assert not Confirmation.objects.exists()
    assert (
        client.post(
            confirm_url, {"applied_on": "2026-11-20", "court": "舒兰市人民法院"}
        ).status_code
        == 302
    )
    confirmation = Confirmation.objects.get()
    decide_url = reverse("mediation-decide", args=[confirmation.pk])
    no_ruling = client.post(decide_url, {"result": "confirmed", "decided_on": "2026-11-25"})
    assert no_ruling.status_code == 200 and "id_ruling_no" in field_errors(no_ruling)
    assert (
        client.post(
            decide_url,
            {
                "result": "confirmed",
                "decided_on": "2026-11-25",
                "ruling_no": "（2026）吉0283民特1号",
            },
        ).status_code
        == 302
    )
    confirmation.refresh_from_db()
    assert confirmation.result == "confirmed"

    follow_url = reverse("mediation-follow-up", args=[mediation.pk])
    unexplained = client.post(follow_url, {"visited_on": "2026-12-01", "honoured": "not"})
    assert unexplained.status_code == 200 and "id_note" in field_errors(unexplained)
    assert not FollowUp.objects.exists()
    assert (
        client.post(
            follow_url, {"visited_on": "2026-12-01", "honoured": "full", "note": "已履行"}
        ).status_code
        == 302
    )
    assert FollowUp.objects.get().honoured == "full"


def test_close_as_failed_needs_the_reason(client, people, room, dispute):
    mediation = start(dispute, room, people)
    as_user(client, "mediator-wang")  # the lead, to whom the case was dispatched
    url = reverse("mediation-close", args=[mediation.pk])
    bad = client.post(url, {"state": "failed", "closed_on": DAY.isoformat()})
    assert bad.status_code == 200 and "id_note" in field_errors(bad)
    mediation.refresh_from_db()
    assert mediation.state == "open"
    assert (
        client.post(
            url, {"state": "failed", "closed_on": DAY.isoformat(), "note": "双方分歧太大"}
        ).status_code
        == 302
    )
    mediation.refresh_from_db()
    assert mediation.state == "failed"
    closed = client.post(url, {"state": "failed", "note": "再次"})
    assert closed.status_code == 409


def test_disputes_list_filters(client, people, room, dispute, report):
    other_case = report(item_=Item.objects.get(code="JF-001"), title="楼道堆放杂物")
    other = services.register_dispute(
        actor=people.village_op,
        case=other_case,
        risk=c.Risk.HIGH,
        mass_risk=True,
        parties=[{"role": "applicant", "name": "陈明"}],
    )
    start(dispute, room, people)
    as_user(client, "village_op")
    url = reverse("mediation-disputes")

    def numbers(query: str) -> set[str]:
        text = body(client.get(url + query))
        return {n for n in (dispute.case.number, other.case.number) if n in text}

    assert numbers("") == {dispute.case.number, other.case.number}
    assert numbers("?state=open") == {dispute.case.number}
    assert numbers("?state=waiting") == {other.case.number}
    assert numbers("?risk=flagged") == {other.case.number}
    assert numbers("?kind=family") == {dispute.case.number}
    assert numbers(f"?committee={room[0].pk}") == {dispute.case.number}
    assert numbers(f"?mediator={room[2].pk}") == {dispute.case.number}
    text = body(client.get(url))
    assert text.index(other.case.number) < text.index(dispute.case.number)  # flagged first


# -- committees and mediators ----------------------------------------------------------------


def test_create_committee_and_add_a_mediator(client, people):
    as_user(client, "township_op")
    url = reverse("mediation-committees")
    bad = client.post(url, {"region": GRID_A[:9], "kind": "people"})
    assert bad.status_code == 200 and "id_name" in field_errors(bad)
    assert not Committee.objects.exists()
    response = client.post(
        url,
        {
            "region": GRID_A[:9],
            "name": "北城街道人民调解委员会",
            "kind": "people",
            "specialities": ["family", "neighbour"],
        },
    )
    committee = Committee.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("mediation-committee", args=[committee.pk])
    assert committee.specialities == ["family", "neighbour"]
    listed = body(client.get(url))
    assert "北城街道人民调解委员会" in listed and "婚姻家庭纠纷" in listed

    detail = reverse("mediation-committee", args=[committee.pk])
    bad_phone = client.post(detail, {"name": "周调解", "kind": "full_time", "phone": "123"})
    assert bad_phone.status_code == 200 and "id_phone" in field_errors(bad_phone)
    unknown = client.post(detail, {"name": "周调解", "kind": "full_time", "username": "nobody"})
    assert "id_username" in field_errors(unknown)
    assert not Mediator.objects.exists()
    response = client.post(
        detail,
        {"name": "周调解", "kind": "full_time", "phone": "13911112222", "username": "grid_worker"},
    )
    assert response.status_code == 302
    mediator = Mediator.objects.get()
    assert mediator.user == people.grid_worker and mediator.phone_masked == "139****2222"
    page = body(client.get(detail))
    assert "周调解" in page and "139****2222" in page and "13911112222" not in page


def test_grid_worker_may_not_create_committees(client, people):
    as_user(client, "grid_worker")
    page = body(client.get(reverse("mediation-committees")))
    assert "成立调解委员会" not in page
    response = client.post(
        reverse("mediation-committees"), {"region": VILLAGE, "name": "某调委会", "kind": "people"}
    )
    assert response.status_code == 403
    assert not Committee.objects.exists()


def test_the_outcome_form_is_the_case_leads_only(client, people, room, dispute):
    """Handing the case in is the lead's step: an operator who started the mediation sees who
    records the outcome instead of a form that would be refused."""
    start(dispute, room, people)  # dispatched to the lead mediator's account
    url = reverse("mediation-dispute", args=[dispute.pk])
    as_user(client, "village_op")
    page = body(client.get(url))
    assert 'id="act-session"' in page and 'id="act-close"' not in page
    assert 'id="outcome-by"' in page
    as_user(client, "mediator-wang")
    page = body(client.get(url))
    assert 'id="act-close"' in page and 'id="outcome-by"' not in page


def test_starting_with_a_handler_for_a_mediator_without_an_account(client, people, room, dispute):
    _committee, _lead, second = room
    as_user(client, "village_op")
    page = body(client.get(reverse("mediation-dispute", args=[dispute.pk])))
    assert 'name="handler"' in page and f'value="{people.grid_worker.pk}"' in page
    url = reverse("mediation-start", args=[dispute.pk])
    values = {"committee": room[0].pk, "mediator": second.pk, "accepted_on": DAY.isoformat()}
    refused = client.post(url, values)  # nobody the village centre can dispatch to
    assert refused.status_code == 409 and "请选择办理人" in body(refused)
    assert not Mediation.objects.exists()
    done = client.post(url, {**values, "handler": people.grid_worker.pk})
    assert done.status_code == 302
    dispute.case.refresh_from_db()
    assert dispute.case.lead_user_id == people.grid_worker.pk
    page = body(client.get(reverse("mediation-dispute", args=[dispute.pk])))
    assert 'id="outcome-by"' in page  # the handler records the outcome, not the operator
