"""Shared fixtures of the mediation tests: a village committee with two mediators (one with an
account), a registered family dispute, and a signed agreement's values."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from gridgov.accounts.roles import Role
from gridgov.cases.models import Item
from gridgov.cases.tests.fixtures import GRID_A
from gridgov.mediation import choices as c
from gridgov.mediation import services
from gridgov.regions.models import Region
from gridgov.registry.tests.fixtures import make_id
from gridgov.testing import staff

VILLAGE = GRID_A[:12]
OTHER_VILLAGE = "220283002001"
DAY = dt.date(2026, 11, 2)
PHONE = "13904325566"


def region(path: str) -> Region:
    return Region.objects.get(path=path)


@pytest.fixture
def room(people):
    """The village committee with two mediators (one with an account)."""
    committee = services.create_committee(
        actor=people.village_op,
        region=region(VILLAGE),
        name="育才社区人民调解委员会",
        specialities=[c.DisputeKind.FAMILY, c.DisputeKind.INHERITANCE],
    )
    account = staff(Role.GRID_WORKER, region=region(GRID_A), username="mediator-wang")
    lead = services.add_mediator(
        actor=people.village_op, committee=committee, name="王调解", phone=PHONE, user=account
    )
    second = services.add_mediator(actor=people.village_op, committee=committee, name="李调解")
    return committee, lead, second


@pytest.fixture
def dispute(report, people):
    case = report(item_=Item.objects.get(code="JF-002"), title="兄妹继承房产纠纷")
    return services.register_dispute(
        actor=people.village_op,
        case=case,
        amount_yuan="150000",
        parties=[
            {"role": "applicant", "name": "张桂兰", "id_number": make_id(), "phone": "13504321001"},
            {"role": "respondent", "name": "张建国", "address": "育才社区 3 号楼"},
        ],
    )


def start(dispute, room, people, **kwargs):
    committee, lead, second = room
    values = {
        "committee": committee,
        "mediator": lead,
        "accepted_on": DAY,
        "co_mediators": [second],
    }
    values.update(kwargs)
    return services.start_mediation(actor=people.village_op, dispute=dispute, **values)


AGREEMENT: dict[str, Any] = {
    "facts": "父母遗留住房一套，兄妹对继承份额有争议。",
    "terms": ["住房归张桂兰所有", "张桂兰于 2026 年 12 月 31 日前补偿张建国人民币五万元"],
    "signed_on": DAY + dt.timedelta(days=7),
    "perform_by": dt.date(2026, 12, 31),
    "signatures": [
        {"label": "申请人", "name": "张桂兰", "signed": True},
        {"label": "被申请人", "name": "张建国", "signed": True},
    ],
}
