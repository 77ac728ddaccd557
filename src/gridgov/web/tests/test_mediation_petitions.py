"""The petition reception pages (/work/mediation/petitions/…): the list with its filters and
lights, the register form (case + petition in one go, nothing stored on bad input), the
proposed repeats and their confirmation, each statutory step's form, the reply document, the
centre's hot keywords (jieba), and the roles: a leader looks but may not act (403), a grid
worker of another township gets 404; ID numbers and phones only ever masked."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from gridgov.accounts.roles import Role
from gridgov.cases.models import Case, Item
from gridgov.cases.tests.fixtures import GRID_A
from gridgov.mediation import selectors, services
from gridgov.mediation.models import Petition
from gridgov.regions.models import Region
from gridgov.registry.tests.fixtures import make_id
from gridgov.testing import staff

pytestmark = pytest.mark.django_db

OTHER_GRID = "220283002001001"
PHONE = "13904321188"


def body(response: Any) -> str:
    return str(response.content.decode())


def field_errors(response: Any) -> dict[str, list[str]]:
    """The messages under each field of the page's forms (by the field's name)."""
    found: dict[str, list[str]] = {}
    for chunk in re.split(r'<div class="field(?=[" ])', body(response))[1:]:
        if not chunk.startswith(" has-error"):
            continue
        name = re.search(r'for="id_([a-z]+(?:_[a-z]+)*)', chunk)
        messages = re.findall(r'<div class="field-error" role="alert">([^<]*)</div>', chunk)
        found[name.group(1) if name else "?"] = messages
    return found


def petition(people, *, path=GRID_A, days_ago=0, item="XF-004", actor=None, **values):
    """A petition received ``days_ago`` days ago (through the page's service)."""
    fields = {
        "title": "拖欠农民工工资三个月",
        "description": "某建筑工地拖欠农民工工资三个月，多次讨要未果。",
        "petitioners": [{"name": "李春生", "id_number": make_id(), "phone": PHONE}],
    }
    fields.update(values)
    return services.receive_petition(
        actor=actor or (people.village_op if path.startswith(GRID_A[:9]) else people.admin),
        form="visit",
        item=Item.objects.get(code=item),
        region=Region.objects.get(path=path),
        received_on=timezone.localdate() - dt.timedelta(days=days_ago),
        **fields,
    )


def new_form(**values: str) -> dict[str, str]:
    data = {
        "form": "letter",
        "item": "XF-009",
        "region": GRID_A,
        "title": "惠农补贴未发放",
        "description": "2026 年耕地地力保护补贴至今未到账。",
        "received_on": timezone.localdate().isoformat(),
        "name": "赵秀芝",
        "id_number": make_id(),
        "phone": PHONE,
        "address": "育才社区 5 号楼",
        "others": "",
        "people_count": "",
    }
    data.update(values)
    return data


# -- list ------------------------------------------------------------------------------------


def test_list_shows_lights_and_filters(client, people):
    late = petition(people, days_ago=20, title="工资拖欠二十天未受理")
    fresh = petition(people, title="刚收到的工资诉求")
    group = petition(people, title="集体讨薪", people_count=6)
    client.force_login(people.county_op)
    page = client.get(reverse("mediation-petitions"))
    assert page.status_code == 200
    text = body(page)
    assert late.case.number in text and fresh.case.number in text
    row = re.search(rf'data-petition="{late.pk}">.*?</tr>', text, re.S).group(0)
    assert 'class="due red"' in row and "受理告知" in row
    row = re.search(rf'data-petition="{fresh.pk}">.*?</tr>', text, re.S).group(0)
    assert 'class="due green"' in row
    overdue = body(client.get(reverse("mediation-petitions"), {"overdue": "on"}))
    assert late.case.number in overdue and fresh.case.number not in overdue
    groups = body(client.get(reverse("mediation-petitions"), {"group": "on"}))
    assert group.case.number in groups and late.case.number not in groups
    assert "no-store" in page["Cache-Control"]


def test_list_is_scoped_and_a_leader_has_no_register_button(client, people):
    mine = petition(people)
    outside = petition(people, path=OTHER_GRID, title="外乡镇信访")
    worker = staff(Role.GRID_WORKER, region=Region.objects.get(path=OTHER_GRID))
    client.force_login(worker)
    text = body(client.get(reverse("mediation-petitions")))
    assert outside.case.number in text and mine.case.number not in text
    assert client.get(reverse("mediation-petition", args=[mine.pk])).status_code == 404
    client.force_login(people.leader)
    text = body(client.get(reverse("mediation-petitions")))
    assert mine.case.number in text
    assert reverse("mediation-petition-new") not in text


# -- register --------------------------------------------------------------------------------


def test_register_creates_case_and_petition(client, people):
    client.force_login(people.village_op)
    assert client.get(reverse("mediation-petition-new")).status_code == 200
    number = make_id()
    response = client.post(
        reverse("mediation-petition-new"),
        new_form(id_number=number, others="钱大勇 13904325511\n孙小梅", people_count="3"),
    )
    assert response.status_code == 302
    found = Petition.objects.get(case__title="惠农补贴未发放")
    assert response["Location"] == reverse("mediation-petition", args=[found.pk])
    assert found.case.item.code == "XF-009" and found.case.channel == "petition"  # 来信
    assert found.people_count == 3 and found.form == "letter"
    assert [p.name for p in found.petitioners.order_by("pk")] == ["赵秀芝", "钱大勇", "孙小梅"]
    page = body(client.get(response["Location"]))
    assert "赵秀芝" in page and number not in page and PHONE not in page
    assert found.petitioners.order_by("pk").first().id_masked in page


def test_register_bad_input_stores_nothing(client, people):
    client.force_login(people.village_op)
    cases, petitions = Case.objects.count(), Petition.objects.count()
    response = client.post(
        reverse("mediation-petition-new"),
        new_form(name="", id_number="220283198001011234", item="JF-002", people_count="1"),
    )
    assert response.status_code == 200
    errors = field_errors(response)
    assert errors.get("name") and errors.get("id_number") and errors.get("item")
    assert all(re.search(r"[\u4e00-\u9fff]", m) for ms in errors.values() for m in ms)
    response = client.post(
        reverse("mediation-petition-new"),
        new_form(people_count="1", others="钱大勇"),
    )
    assert field_errors(response).get("people_count")
    assert (Case.objects.count(), Petition.objects.count()) == (cases, petitions)


def test_register_needs_a_post_that_receives(client, people):
    client.force_login(people.leader)
    assert client.get(reverse("mediation-petition-new")).status_code == 403
    cases = Case.objects.count()
    assert client.post(reverse("mediation-petition-new"), new_form()).status_code == 403
    assert Case.objects.count() == cases


# -- repeats ---------------------------------------------------------------------------------


def test_proposed_repeat_is_linked_on_confirmation(client, people):
    number = make_id()
    person = [{"name": "周建军", "id_number": number}]
    earlier = petition(people, days_ago=40, petitioners=person)
    other_matter = petition(people, days_ago=30, petitioners=person, item="XF-009")
    later = petition(people, petitioners=person)
    client.force_login(people.village_op)
    url = reverse("mediation-petition", args=[later.pk])
    text = body(client.get(url))
    assert reverse("mediation-petition-link", args=[later.pk, earlier.pk]) in text
    assert reverse("mediation-petition-link", args=[later.pk, other_matter.pk]) not in text
    # not a proposed repeat: refused, nothing linked
    client.post(reverse("mediation-petition-link", args=[later.pk, other_matter.pk]))
    later.refresh_from_db()
    assert later.repeat_of_id is None
    response = client.post(reverse("mediation-petition-link", args=[later.pk, earlier.pk]))
    assert response.status_code == 302
    later.refresh_from_db()
    assert later.repeat_of_id == earlier.pk
    text = body(client.get(url))
    assert "重复访" in text and reverse("mediation-petition", args=[earlier.pk]) in text


# -- the steps -------------------------------------------------------------------------------


def act(client, p, action, **data):
    return client.post(reverse("mediation-petition-action", args=[p.pk, action]), data)


def test_steps_move_the_petition(client, people):
    """The county centre (the 信访诉求 items are the county's) acknowledges and the case goes
    to the township centre (属地办理), which replies."""
    p = petition(people, days_ago=5)
    today = timezone.localdate().isoformat()
    client.force_login(people.village_op)
    text = body(client.get(reverse("mediation-petition", args=[p.pk])))
    assert 'data-step-light="green"' in text and "act-acknowledge" not in text
    client.force_login(people.county_op)
    text = body(client.get(reverse("mediation-petition", args=[p.pk])))
    assert "act-acknowledge" in text and "act-reply" not in text
    assert act(client, p, "acknowledge", accepted="1", on=today).status_code == 302
    p.refresh_from_db()
    assert p.state == "accepted" and p.reply_by == timezone.localdate() + dt.timedelta(days=60)
    assert act(client, p, "extend", reason="需要现场核实工程款结算").status_code == 302
    p.refresh_from_db()
    assert p.state == "extended" and p.reply_by == timezone.localdate() + dt.timedelta(days=90)
    client.force_login(people.township_op)
    assert "act-reply" in body(client.get(reverse("mediation-petition", args=[p.pk])))
    assert act(client, p, "reply", on=today, text="已督促施工方结清工资。").status_code == 302
    p.case.refresh_from_db()
    assert p.case.status == "handled"
    p.refresh_from_db()
    assert p.state == "replied" and p.reply_text == "已督促施工方结清工资。"
    assert act(client, p, "rate", satisfaction="basic").status_code == 302
    assert act(client, p, "review", on=today).status_code == 302
    p.refresh_from_db()
    assert p.state == "review" and p.satisfaction == "basic"
    assert act(client, p, "review-answer", on=today, text="维持原答复意见。").status_code == 302
    p.refresh_from_db()
    assert p.state == "reviewed" and p.review_text == "维持原答复意见。"


def test_step_bad_input_and_conflict_change_nothing(client, people):
    p = petition(people)
    client.force_login(people.county_op)
    response = act(client, p, "acknowledge", accepted="0", on=timezone.localdate().isoformat())
    assert response.status_code == 200
    assert field_errors(response).get("note")  # not accepted needs the reason
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = act(client, p, "acknowledge", accepted="1", on=future)
    assert field_errors(response).get("on")
    p.refresh_from_db()
    assert p.state == "received" and p.acknowledged_on is None
    assert act(client, p, "reply", on=timezone.localdate().isoformat(), text="x").status_code == 409
    p.refresh_from_db()
    assert p.state == "received" and not p.reply_text
    assert act(client, p, "nothing").status_code == 404


def test_steps_need_the_right_role_and_jurisdiction(client, people):
    p = petition(people)
    today = timezone.localdate().isoformat()
    client.force_login(people.leader)
    page = body(client.get(reverse("mediation-petition", args=[p.pk])))
    assert "act-acknowledge" not in page
    assert act(client, p, "acknowledge", accepted="1", on=today).status_code == 403
    client.force_login(staff(Role.GRID_WORKER, region=Region.objects.get(path=OTHER_GRID)))
    assert act(client, p, "acknowledge", accepted="1", on=today).status_code == 404
    p.refresh_from_db()
    assert p.state == "received"


def test_reply_document(client, people):
    from gridgov.mediation import documents

    p = petition(people, days_ago=2)
    client.force_login(people.village_op)
    url = reverse("mediation-petition-reply-pdf", args=[p.pk])
    assert client.get(url).status_code == 404  # not replied yet
    today = timezone.localdate()
    services.acknowledge(actor=people.county_op, petition=p, accepted=True, on=today)
    services.reply(actor=people.township_op, petition=p, on=today, text="答复如下。")
    response = client.get(url)
    if hasattr(documents, "reply_pdf"):
        assert response.status_code == 200
        assert response.content.startswith(b"%PDF")
        assert url in body(client.get(reverse("mediation-petition", args=[p.pk])))
    else:
        assert response.status_code == 404


# -- the centre's views ----------------------------------------------------------------------


def test_hot_keywords_rank_the_word_of_most_petitions(people):
    today = timezone.localdate()
    for title in ("小区供暖温度不达标", "供暖时间推迟室温太低", "冬季供暖管道漏水"):
        petition(people, title=title, description="请相关部门尽快解决。")
    petition(people, title="物业停车收费", description="物业停车收费太高，停车位不够。")
    for _ in range(3):  # outside the village operator's jurisdiction: not counted
        petition(people, path=OTHER_GRID, title="停车收费停车难", description="停车停车停车")
    words = selectors.hot_keywords(
        people.village_op, since=today - dt.timedelta(days=1), until=today
    )
    assert words[0].word == "供暖" and words[0].petitions == 3
    parking = next(w for w in words if w.word == "停车")
    assert parking.petitions == 1 and parking.count == 2
    assert all(len(w.word) > 1 and w.word not in selectors.STOP_WORDS for w in words)
    later = selectors.hot_keywords(
        people.village_op, since=today + dt.timedelta(days=1), until=today + dt.timedelta(days=2)
    )
    assert later == []


def test_centre_page(client, people):
    number = make_id()
    for days in (3, 1):
        petition(
            people,
            days_ago=days,
            title="供暖不热",
            petitioners=[{"name": "吴桂芳", "id_number": number}],
        )
    client.force_login(people.township_op)
    today = timezone.localdate()
    response = client.get(
        reverse("mediation-petition-centre"),
        {"since": (today - dt.timedelta(days=7)).isoformat(), "until": today.isoformat()},
    )
    assert response.status_code == 200
    text = body(response)
    assert 'data-word="供暖"' in text and "吴桂芳" in text and number not in text
    assert number[:6] in text  # masked: the area code shows, the rest does not


def test_htmx_form_comes_back_alone_with_its_errors(client, people):
    p = petition(people)
    client.force_login(people.county_op)
    url = reverse("mediation-petition-action", args=[p.pk, "acknowledge"])
    response = client.post(url, {"accepted": "0", "on": ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    errors = field_errors(response)
    assert errors.get("on") and "<html" not in body(response)
    response = client.post(
        url,
        {"accepted": "1", "on": timezone.localdate().isoformat()},
        HTTP_HX_REQUEST="true",
    )
    assert response["HX-Redirect"] == reverse("mediation-petition", args=[p.pk])
