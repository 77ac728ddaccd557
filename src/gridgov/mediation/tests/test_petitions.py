"""信访: registered with the petitioners (protected), group petitions flagged, repeat petitions
proposed and linked, and the time limits of the 《信访工作条例》 (15 days to acknowledge, 60 to
reply, one 30-day extension, review within 30 days of the reply)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from gridgov.cases.models import Item
from gridgov.cases.tests.fixtures import T0
from gridgov.mediation import services
from gridgov.mediation.errors import MediationConflict
from gridgov.mediation.models import Petition, Petitioner
from gridgov.registry.tests.fixtures import make_id

pytestmark = pytest.mark.django_db
D = dt.date
PHONE = "13604325678"


@pytest.fixture
def petition_case(report):
    def make(code="XF-004", at=T0, title="讨要工程款"):
        return report(item_=Item.objects.get(code=code), at=at, title=title)

    return make


def register(people, case, **kwargs):
    values = {
        "form": "visit",
        "petitioners": [
            {"name": "刘长福", "id_number": make_id(D(1968, 3, 2)), "phone": PHONE},
            {"name": "刘长贵"},
        ],
    }
    values.update(kwargs)
    return services.register_petition(actor=people.village_op, case=case, **values)


def test_registering_a_petition(petition_case, people):
    petition = register(people, petition_case(), people_count=6, skips_level=True)
    assert petition.received_on == D(2026, 11, 2)
    assert petition.acknowledge_by == D(2026, 11, 17)  # 15 days
    assert petition.is_group and petition.skips_level
    first = petition.petitioners.get(name="刘长福")
    assert first.phone_masked == "136****5678" and "*" in first.id_masked
    assert PHONE not in first.phone_cipher
    assert not register(people, petition_case()).is_group  # two people


def test_bad_petitions_change_nothing(petition_case, report, people):
    with pytest.raises(ValidationError) as info:
        services.register_petition(
            actor=people.village_op,
            case=petition_case(),
            form="fax",
            petitioners=[{"name": "", "phone": "123"}],
            people_count=0,
        )
    assert set(info.value.message_dict) == {
        "form",
        "petitioners.0.name",
        "petitioners.0.phone",
        "people_count",
    }
    with pytest.raises(ValidationError) as info:
        register(people, report())  # not a 信访诉求 case
    assert set(info.value.message_dict) == {"case"}
    assert not Petition.objects.exists() and not Petitioner.objects.exists()


def test_repeat_petitions_are_proposed_and_linked(petition_case, people):
    first = register(people, petition_case())
    other_matter = register(people, petition_case(code="XF-001", title="征地补偿"))
    stranger = register(
        people, petition_case(), petitioners=[{"name": "王五", "phone": "13704320000"}]
    )
    again = register(
        people,
        petition_case(at=T0 + dt.timedelta(days=20)),
        petitioners=[{"name": "刘长福", "phone": PHONE}],  # the same phone, no ID this time
    )
    assert services.possible_repeats(again) == [first]
    with pytest.raises(ValidationError) as info:
        services.link_repeat(actor=people.village_op, petition=again, earlier=stranger)
    assert set(info.value.message_dict) == {"repeat_of"}
    linked = services.link_repeat(actor=people.village_op, petition=again, earlier=first)
    assert linked.repeat_of == first and list(first.repeats.all()) == [linked]
    assert services.possible_repeats(other_matter) == []


def test_time_limits_from_acknowledgment_to_review(petition_case, people):
    petition = register(people, petition_case())
    with pytest.raises(ValidationError) as info:
        services.acknowledge(
            actor=people.county_op, petition=petition, accepted=False, on=D(2026, 11, 1)
        )
    assert set(info.value.message_dict) == {"on", "note"}
    petition = services.acknowledge(
        actor=people.county_op, petition=petition, accepted=True, on=D(2026, 11, 10)
    )
    assert petition.state == "accepted" and petition.reply_by == D(2027, 1, 9)  # 60 days
    with pytest.raises(MediationConflict):
        services.acknowledge(
            actor=people.county_op, petition=petition, accepted=True, on=D(2026, 11, 10)
        )
    petition = services.extend(actor=people.village_op, petition=petition, reason="需要现场核实")
    assert petition.reply_by == D(2027, 2, 8)  # + 30
    with pytest.raises(MediationConflict):  # only once
        services.extend(actor=people.village_op, petition=petition, reason="再次延期")
    petition = services.reply(
        actor=people.township_op, petition=petition, on=D(2026, 12, 1), text="经核实，已督促支付。"
    )
    assert petition.state == "replied"
    petition = services.request_review(
        actor=people.village_op, petition=petition, on=D(2026, 12, 5)
    )
    assert petition.review_by == D(2027, 1, 4)
    petition = services.answer_review(
        actor=people.village_op, petition=petition, on=D(2026, 12, 6), text="维持原答复意见。"
    )
    assert petition.state == "reviewed"
    rated = services.rate(actor=people.village_op, petition=petition, satisfaction="basic")
    assert rated.satisfaction == "basic"


def test_a_review_is_requested_within_thirty_days(petition_case, people):
    petition = register(people, petition_case())
    services.acknowledge(
        actor=people.county_op, petition=petition, accepted=True, on=D(2026, 11, 3)
    )
    services.reply(actor=people.township_op, petition=petition, on=D(2026, 11, 4), text="已答复。")
    with pytest.raises(ValidationError) as info:
        services.request_review(actor=people.village_op, petition=petition, on=D(2026, 12, 5))
    assert set(info.value.message_dict) == {"on"}
    assert "2026-12-04" in info.value.message_dict["on"][0]
    petition.refresh_from_db()
    assert petition.state == "replied" and petition.review_requested_on is None


def test_not_accepted_needs_a_reason(petition_case, people):
    petition = services.acknowledge(
        actor=people.county_op,
        petition=register(people, petition_case()),
        accepted=False,
        on=D(2026, 11, 5),
        note="属于诉讼程序，已告知向人民法院起诉",
    )
    assert petition.state == "not_accepted" and petition.reply_by is None
    with pytest.raises(MediationConflict):
        services.reply(actor=people.township_op, petition=petition, on=D(2026, 11, 6), text="x")


def test_repeat_petitioners_and_hot_topics(petition_case, people):
    from gridgov.mediation import selectors

    same_id = make_id(D(1960, 1, 5))
    for days in (0, 10, 20):  # one person three times (by ID, then by phone)
        register(
            people,
            petition_case(at=T0 + dt.timedelta(days=days)),
            petitioners=[{"name": "孙大爷", "id_number": same_id, "phone": "13904321111"}]
            if days == 0
            else [{"name": "孙大爷", "id_number": same_id}],
        )
    register(
        people,
        petition_case(code="XF-001", title="征地补偿"),
        petitioners=[{"name": "周某", "phone": "13904322222"}],
        people_count=8,
    )
    register(people, petition_case(), petitioners=[{"name": "无号码"}])
    register(people, petition_case(), petitioners=[{"name": "无号码"}])  # no key: not a repeat
    rows = selectors.repeat_petitioners(people.village_op, until=D(2026, 11, 30))
    assert len(rows) == 1
    row = rows[0]
    assert row.name == "孙大爷" and row.petitions == 3 and row.last_received == D(2026, 11, 22)
    assert row.items == ("拖欠农民工工资",) and "*" in row.id_masked
    assert same_id not in repr(row)
    # a grid worker of another village sees none of them
    from gridgov.accounts.roles import Role
    from gridgov.regions.models import Region
    from gridgov.testing import staff

    elsewhere = Region.objects.filter(path__startswith="220283002", level="grid").first()
    assert elsewhere is not None
    outsider = staff(Role.VILLAGE_OPERATOR, region=elsewhere.parent)
    assert selectors.repeat_petitioners(outsider, until=D(2026, 11, 30)) == []
    assert selectors.hot_topics(outsider, until=D(2026, 11, 30)) == []

    topics = selectors.hot_topics(people.village_op, until=D(2026, 11, 30), days=30)
    assert [(t.item_code, t.petitions) for t in topics] == [("XF-004", 5), ("XF-001", 1)]
    land = topics[1]
    assert land.people == 8 and land.group_petitions == 1 and land.previous == 0
    december = selectors.hot_topics(people.village_op, until=D(2026, 12, 30), days=30)
    assert december == []  # nothing in December; November is only the period before


def test_deadlines_with_their_lights(petition_case, people):
    from gridgov.mediation import selectors

    waiting = register(people, petition_case())  # acknowledge by 17 November
    handled = register(people, petition_case())
    services.acknowledge(
        actor=people.county_op, petition=handled, accepted=True, on=D(2026, 11, 3)
    )  # reply by 2 January 2027
    done = register(people, petition_case())
    services.acknowledge(
        actor=people.county_op, petition=done, accepted=False, on=D(2026, 11, 3), note="不属于"
    )
    rows = selectors.petition_deadlines(people.village_op, today=D(2026, 11, 15))
    assert [(r.petition_id, r.step, r.due, r.days_left, r.light) for r in rows] == [
        (waiting.pk, "acknowledge", D(2026, 11, 17), 2, "yellow"),
        (handled.pk, "reply", D(2027, 1, 2), 48, "green"),
    ]
    later = selectors.petition_deadlines(people.village_op, today=D(2026, 11, 18))
    assert later[0].light == "red" and later[0].days_left == -1
