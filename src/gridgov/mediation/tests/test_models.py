"""The dispute and mediation records: one open mediation per dispute, a party comes from one
source, agreement numbers are unique, and the back office lists every record read-only inside
the user's jurisdiction with masked values only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from gridgov.cases.models import Item
from gridgov.cases.tests.fixtures import GRID_A
from gridgov.mediation import choices as c
from gridgov.mediation.models import (
    Agreement,
    Committee,
    Dispute,
    Mediation,
    Mediator,
    Party,
)
from gridgov.regions.models import Region
from gridgov.registry.values import protect_phone

pytestmark = pytest.mark.django_db
PHONE = "13904325566"


@pytest.fixture
def world(report, people):
    case = report(item_=Item.objects.get(code="JF-002"), title="兄妹继承房产纠纷")
    village = Region.objects.get(path=GRID_A[:12])
    committee = Committee.objects.create(
        name="育才社区人民调解委员会", region=village, region_path=village.path
    )
    protected = protect_phone(PHONE)
    mediator = Mediator.objects.create(
        committee=committee,
        region_path=village.path,
        name="王调解",
        phone_cipher=protected.cipher,
        phone_masked=protected.masked,
        phone_hash=protected.hash,
    )
    dispute = Dispute.objects.create(
        case=case,
        region_path=case.region.path,
        kind=c.KIND_OF_ITEM["JF-002"],
        created_by=people.village_op,
    )
    return {"case": case, "committee": committee, "mediator": mediator, "dispute": dispute}


def mediation(world, people, state=c.MediationState.OPEN):
    return Mediation.objects.create(
        dispute=world["dispute"],
        region_path=world["dispute"].region_path,
        committee=world["committee"],
        mediator=world["mediator"],
        accepted_on=dt.date(2026, 11, 2),
        state=state,
        created_by=people.village_op,
    )


def test_one_open_mediation_per_dispute(world, people):
    mediation(world, people, state=c.MediationState.FAILED)
    mediation(world, people)
    with pytest.raises(IntegrityError), transaction.atomic():
        mediation(world, people)
    assert Mediation.objects.filter(dispute=world["dispute"]).count() == 2


def test_a_party_is_a_register_person_or_an_organisation_not_both(world, registered, people):
    from gridgov.registry import services as registry
    from gridgov.registry.tests.fixtures import make_credit_code

    person = registered
    org = registry.create_organisation(
        actor=people.grid_worker,
        values={
            "credit_code": make_credit_code(),
            "name": "舒兰市测试超市",
            "kind": "enterprise",
            "legal_rep": "赵明",
            "phone": "043168001234",
            "region": GRID_A,
        },
    )
    for source in ({"person": person}, {"organisation": org}):
        Party.objects.create(
            dispute=world["dispute"],
            region_path=world["dispute"].region_path,
            role=c.PartyRole.APPLICANT,
            name="一方",
            **source,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Party.objects.create(
            dispute=world["dispute"],
            region_path=world["dispute"].region_path,
            role=c.PartyRole.APPLICANT,
            person=person,
            organisation=org,
            name="两者",
        )


def test_agreement_numbers_are_unique(world, people):
    first = mediation(world, people, state=c.MediationState.AGREED)
    values = {
        "region_path": first.region_path,
        "year": 2026,
        "serial": 1,
        "number": "育才社区人民调解委员会（2026）调字第 1 号",
        "facts": "兄妹因父母遗留房屋继承发生争议",
        "terms": ["房屋归妹妹所有", "妹妹补偿哥哥人民币五万元"],
        "signed_on": dt.date(2026, 11, 9),
    }
    Agreement.objects.create(mediation=first, **values)
    second = mediation(world, people, state=c.MediationState.AGREED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Agreement.objects.create(mediation=second, **values)


def test_every_item_of_the_dispute_board_has_a_kind():
    codes = set(Item.objects.filter(board__code="JF").values_list("code", flat=True))
    assert codes and codes <= set(c.KIND_OF_ITEM)


ADMIN_MODELS = (
    "committee",
    "mediator",
    "dispute",
    "party",
    "mediation",
    "session",
    "agreement",
    "confirmation",
    "followup",
    "campaign",
    "screeningreport",
    "petition",
    "petitioner",
    "lawyer",
    "legalduty",
    "consultation",
)


def test_the_back_office_is_read_only_and_masks_the_phone(client, world, people):
    client.force_login(people.admin)
    for name in ADMIN_MODELS:
        url = reverse(f"admin:mediation_{name}_changelist")
        response = client.get(url)
        assert response.status_code == 200, name
        assert PHONE not in response.content.decode()
        assert client.get(reverse(f"admin:mediation_{name}_add")).status_code == 403, name
    page = client.get(
        reverse("admin:mediation_mediator_change", args=[world["mediator"].pk])
    ).content.decode()
    assert world["mediator"].phone_masked in page and PHONE not in page
