"""The rules of disputes and mediation: committees and mediators in the organiser's area, a
dispute of the 矛盾纠纷 board with its parties, one open mediation, sessions, the outcomes
(agreement numbered per committee and year, failure, referral, withdrawal), 司法确认 within 30
days, follow-up visits; bad input changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from gridgov.accounts.roles import Role
from gridgov.cases.models import Item
from gridgov.cases.services import act
from gridgov.cases.tests.fixtures import GRID_A, GRID_B, TZ
from gridgov.mediation import choices as c
from gridgov.mediation import services
from gridgov.mediation.errors import MediationConflict
from gridgov.mediation.models import Agreement, Dispute, Mediation, Mediator, Party, Session
from gridgov.mediation.tests.fixtures import (
    AGREEMENT,
    DAY,
    OTHER_VILLAGE,
    PHONE,
    VILLAGE,
    region,
    start,
)
from gridgov.testing import staff

pytestmark = pytest.mark.django_db

# -- committees and mediators ----------------------------------------------------------------


def test_committees_belong_to_the_organisers_area(people, room):
    committee, lead, _second = room
    assert committee.region_path == VILLAGE and lead.region_path == VILLAGE
    assert lead.phone_masked == "139****5566" and PHONE not in lead.phone_cipher
    with pytest.raises(Http404):  # another township's village is not even visible
        services.create_committee(
            actor=people.village_op, region=region(OTHER_VILLAGE), name="别村调委会"
        )
    with pytest.raises(PermissionDenied):  # a grid worker does not organise committees
        services.create_committee(actor=people.grid_worker, region=region(GRID_A), name="x")
    with pytest.raises(ValidationError) as info:
        services.create_committee(
            actor=people.village_op, region=region(GRID_A), name="育才社区人民调解委员会"
        )
    assert set(info.value.message_dict) == {"region"}
    with pytest.raises(ValidationError) as info:
        services.create_committee(
            actor=people.village_op, region=region(VILLAGE), name="育才社区人民调解委员会"
        )
    assert set(info.value.message_dict) == {"name"}
    with pytest.raises(ValidationError) as info:
        services.add_mediator(
            actor=people.village_op, committee=committee, name="", phone="12345", kind="boss"
        )
    assert set(info.value.message_dict) == {"name", "phone", "kind"}
    assert Mediator.objects.count() == 2


# -- disputes --------------------------------------------------------------------------------


def test_a_dispute_with_its_parties_protected(dispute):
    assert dispute.kind == c.DisputeKind.FAMILY  # from the item JF-002
    assert str(dispute.amount_yuan) == "150000.00"
    applicant, respondent = dispute.parties.all()
    assert applicant.role == "applicant" and applicant.phone_masked == "135****1001"
    assert applicant.id_masked and applicant.id_hash and "*" in applicant.id_masked
    assert respondent.id_masked == "" and respondent.address == "育才社区 3 号楼"


def test_registering_checks_the_case_the_parties_and_stores_nothing_on_error(report, people, item):
    case = report(item_=Item.objects.get(code="JF-001"))
    with pytest.raises(ValidationError) as info:
        services.register_dispute(
            actor=people.village_op,
            case=case,
            amount_yuan="-3",
            risk="extreme",
            parties=[{"role": "respondent", "name": "某", "id_number": "220283198005170000"}],
        )
    assert set(info.value.message_dict) == {
        "amount_yuan",
        "risk",
        "parties",
        "parties.0.id_number",
    }
    assert not Dispute.objects.exists() and not Party.objects.exists()
    other_board = report()  # the default item is not a dispute
    with pytest.raises(ValidationError) as info:
        services.register_dispute(
            actor=people.village_op,
            case=other_board,
            parties=[{"role": "applicant", "name": "甲"}],
        )
    assert set(info.value.message_dict) == {"case"}
    first = services.register_dispute(
        actor=people.grid_worker, case=case, parties=[{"role": "applicant", "name": "甲"}]
    )
    assert first.kind == c.DisputeKind.NEIGHBOUR
    with pytest.raises(MediationConflict):
        services.register_dispute(
            actor=people.village_op, case=case, parties=[{"role": "applicant", "name": "甲"}]
        )
    elsewhere = staff(Role.GRID_WORKER, region=region(GRID_B))
    another = report(item_=Item.objects.get(code="JF-001"))
    with pytest.raises(Http404):  # a grid worker of grid B does not see grid A's case
        services.register_dispute(
            actor=elsewhere, case=another, parties=[{"role": "applicant", "name": "甲"}]
        )


# -- mediation -------------------------------------------------------------------------------


def test_one_open_mediation_from_a_committee_of_the_area(dispute, room, people):
    _committee, _lead, second = room
    other = services.create_committee(
        actor=people.county_op, region=region(OTHER_VILLAGE), name="别村人民调解委员会"
    )
    outsider = services.add_mediator(actor=people.county_op, committee=other, name="赵调解")
    with pytest.raises(ValidationError) as info:
        start(dispute, room, people, committee=other, mediator=outsider, co_mediators=[])
    assert set(info.value.message_dict) == {"committee"}
    with pytest.raises(ValidationError) as info:
        start(dispute, room, people, mediator=outsider)
    assert set(info.value.message_dict) == {"mediator"}
    with pytest.raises(ValidationError) as info:
        start(dispute, room, people, co_mediators=[outsider])
    assert set(info.value.message_dict) == {"co_mediators"}
    with pytest.raises(ValidationError) as info:
        start(dispute, room, people, accepted_on=DAY - dt.timedelta(days=1))
    assert set(info.value.message_dict) == {"accepted_on"}  # before the case came in
    assert not Mediation.objects.exists()
    mediation = start(dispute, room, people)
    assert list(mediation.co_mediators.all()) == [second]
    with pytest.raises(MediationConflict):
        start(dispute, room, people)


def test_sessions_by_the_mediator_only_while_open(dispute, room, people):
    _committee, lead, _second = room
    mediation = start(dispute, room, people)
    at = dt.datetime(2026, 11, 5, 9, 30, tzinfo=TZ)
    session = services.record_session(
        actor=lead.user,  # the mediator's own account
        mediation=mediation,
        starts_at=at,
        ends_at=at + dt.timedelta(hours=2),
        place="社区调解室",
        participants="张桂兰、张建国、王调解、李调解",
        minutes="双方陈述了各自意见。",
    )
    assert session.region_path == GRID_A
    online = services.record_session(
        actor=people.village_op,
        mediation=mediation,
        starts_at=at + dt.timedelta(days=1),
        online=True,
        place="线上调解室 1",
        participants="张桂兰（线上）、张建国",
    )
    assert online.online
    with pytest.raises(ValidationError) as info:
        services.record_session(
            actor=people.village_op,
            mediation=mediation,
            starts_at=at,
            ends_at=at - dt.timedelta(hours=1),
            place="",
            participants="",
        )
    assert set(info.value.message_dict) == {"ends_at", "place", "participants"}
    elsewhere = staff(Role.GRID_WORKER, region=region(GRID_B))
    with pytest.raises(Http404):
        services.record_session(
            actor=elsewhere, mediation=mediation, starts_at=at, place="x", participants="y"
        )
    services.close_mediation(
        actor=room[1].user, mediation=mediation, state="withdrawn", closed_on=DAY
    )
    with pytest.raises(MediationConflict):
        services.record_session(
            actor=people.village_op, mediation=mediation, starts_at=at, place="x", participants="y"
        )
    assert Session.objects.count() == 2


def test_an_agreement_is_numbered_per_committee_and_year(dispute, room, people, report):
    mediation = start(dispute, room, people)
    closed = services.close_mediation(
        actor=room[1].user, mediation=mediation, state="agreed", agreement=AGREEMENT
    )
    agreement = Agreement.objects.get(mediation=closed)
    assert closed.state == "agreed" and closed.closed_on == AGREEMENT["signed_on"]
    assert agreement.number == "育才社区人民调解委员会（2026）调字第 1 号"
    assert agreement.terms == AGREEMENT["terms"]
    case = report(item_=Item.objects.get(code="JF-001"))
    second = services.register_dispute(
        actor=people.village_op, case=case, parties=[{"role": "applicant", "name": "甲"}]
    )
    partial = services.close_mediation(
        actor=room[1].user,
        mediation=start(second, room, people),
        state="partial",
        agreement={**AGREEMENT, "terms": ["楼道杂物由双方各自清理"]},
    )
    assert partial.agreement.number.endswith("调字第 2 号")
    with pytest.raises(MediationConflict):
        services.close_mediation(actor=room[1].user, mediation=closed, state="failed")


@pytest.mark.parametrize(
    ("state", "values", "fields"),
    [
        ("agreed", {}, {"agreement.facts", "agreement.terms", "agreement.signed_on"}),
        ("agreed", {"terms": [" ", ""], "facts": "x", "signed_on": DAY}, {"agreement.terms"}),
        (
            "agreed",
            {**AGREEMENT, "perform_by": DAY},
            {"agreement.perform_by"},
        ),
        ("failed", None, {"note"}),
        ("court", None, {"referred_to"}),
        ("open", None, {"state"}),
    ],
)
def test_outcomes_need_their_details(dispute, room, people, state, values, fields):
    mediation = start(dispute, room, people)
    with pytest.raises(ValidationError) as info:
        services.close_mediation(
            actor=room[1].user, mediation=mediation, state=state, agreement=values
        )
    assert set(info.value.message_dict) == fields
    mediation.refresh_from_db()
    assert mediation.state == "open" and not Agreement.objects.exists()


def test_failure_and_referral(dispute, room, people, report):
    failed = services.close_mediation(
        actor=room[1].user,
        mediation=start(dispute, room, people),
        state="failed",
        note="被申请人不同意补偿方案，已告知当事人可向人民法院起诉。",
    )
    assert failed.state == "failed" and failed.closed_on is not None
    # the centre sends the handed-in case back for another attempt (核查不通过: 返工)
    act(
        case=dispute.case,
        user=people.village_op,
        action="verify_fail",
        payload={"reason": "再次组织调解"},
    )
    referred = services.close_mediation(
        actor=room[1].user,
        mediation=start(dispute, room, people),  # a second attempt after the failed one
        state="court",
        referred_to="舒兰市人民法院",
    )
    assert referred.referred_to == "舒兰市人民法院"
    assert Mediation.objects.filter(dispute=dispute).count() == 2


def test_judicial_confirmation_within_thirty_days_and_decided_once(dispute, room, people):
    signed = DAY + dt.timedelta(days=1)  # 3 November: the 30 days ended on 3 December
    mediation = services.close_mediation(
        actor=room[1].user,
        mediation=start(dispute, room, people),
        state="agreed",
        agreement={**AGREEMENT, "signed_on": signed},
    )
    agreement = mediation.agreement
    last = services.confirmation_deadline(agreement)
    assert last == dt.date(2026, 12, 3)
    with pytest.raises(ValidationError) as info:
        services.apply_confirmation(
            actor=people.village_op,
            agreement=agreement,
            applied_on=last + dt.timedelta(days=1),
            court="",
        )
    assert set(info.value.message_dict) == {"applied_on", "court"}
    applied = services.apply_confirmation(
        actor=people.village_op, agreement=agreement, applied_on=last, court="舒兰市人民法院"
    )
    with pytest.raises(MediationConflict):
        services.apply_confirmation(
            actor=people.village_op, agreement=agreement, applied_on=last, court="舒兰市人民法院"
        )
    with pytest.raises(ValidationError) as info:
        services.decide_confirmation(
            actor=people.village_op, confirmation=applied, result="confirmed", decided_on=last
        )
    assert set(info.value.message_dict) == {"ruling_no"}
    decided = services.decide_confirmation(
        actor=people.village_op,
        confirmation=applied,
        result="confirmed",
        decided_on=last,
        ruling_no="（2026）吉0283民特12号",
    )
    assert decided.result == "confirmed"
    with pytest.raises(MediationConflict):
        services.decide_confirmation(
            actor=people.village_op, confirmation=applied, result="rejected", decided_on=last
        )


def test_follow_up_needs_an_agreement(dispute, room, people):
    mediation = start(dispute, room, people)
    with pytest.raises(MediationConflict):
        services.record_follow_up(
            actor=people.village_op, mediation=mediation, visited_on=DAY, honoured="full"
        )
    services.close_mediation(
        actor=room[1].user, mediation=mediation, state="agreed", agreement=AGREEMENT
    )
    with pytest.raises(ValidationError) as info:
        services.record_follow_up(
            actor=people.village_op, mediation=mediation, visited_on=DAY, honoured="not"
        )
    assert set(info.value.message_dict) == {"visited_on", "note"}
    visit = services.record_follow_up(
        actor=people.village_op,
        mediation=mediation,
        visited_on=AGREEMENT["signed_on"] + dt.timedelta(days=10),
        honoured="partial",
        note="已支付三万元，余款约定月底付清",
    )
    assert visit.honoured == "partial" and visit.by == people.village_op


def test_the_agreement_pdf_shows_the_records_with_masked_values_only(dispute, room, people):
    import pypdfium2  # type: ignore[import-untyped]

    from gridgov.mediation.documents import agreement_pdf

    mediation = services.close_mediation(
        actor=room[1].user,
        mediation=start(dispute, room, people),
        state="agreed",
        agreement=AGREEMENT,
    )
    applicant = dispute.parties.get(role="applicant")
    pdf = agreement_pdf(mediation.agreement)
    document = pypdfium2.PdfDocument(pdf)
    text = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    squeezed = "".join(text.split())
    for expected in (
        "人民调解协议书",
        "育才社区人民调解委员会（2026）调字第1号",
        "申请人：张桂兰",
        "被申请人：张建国",
        applicant.id_masked,
        "135****1001",
        "住房归张桂兰所有",
        "王调解",
    ):
        assert expected.replace(" ", "") in squeezed, expected
    assert "13504321001" not in squeezed
