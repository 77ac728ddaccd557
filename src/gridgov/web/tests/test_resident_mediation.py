"""The resident portal's legal help (/r/legal/, /r/mediation/): an online legal question goes to
the lawyer on duty at the chosen centre and its answer shows in "my consultations"; an online
mediation request creates the 矛盾纠纷 case and its dispute with the resident as the applicant;
each resident sees only their own, the other party only masked; bad input saves nothing."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from gridgov.accounts.models import Resident
from gridgov.accounts.tokens import resident_phone_hash
from gridgov.cases.models import Case
from gridgov.cases.tests.fixtures import GRID_A, point_in
from gridgov.core.privacy import mask_phone
from gridgov.core.protection import decrypt
from gridgov.mediation import choices as c
from gridgov.mediation import services
from gridgov.mediation.models import Consultation, Dispute
from gridgov.mediation.tests.fixtures import start
from gridgov.regions.models import Region
from gridgov.web.resident_mediation import home_centre

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
OTHER_PHONE = "13700002222"
COUNTY = GRID_A[:6]
TOWNSHIP = GRID_A[:9]
OTHER_TOWNSHIP = "220283002"
LICENCE = "12202201810123456"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def log_in(client: Client, phone: str = PHONE) -> Resident:
    """A resident account logged in on ``client`` (what the code login leaves in the session)."""
    resident, _made = Resident.objects.get_or_create(
        phone_hash=resident_phone_hash(phone), defaults={"phone_masked": mask_phone(phone)}
    )
    session = client.session
    session["resident_id"] = resident.pk
    session.save()
    return resident


def region(path: str) -> Region:
    return Region.objects.get(path=path)


@pytest.fixture
def lawyer(people):
    """A lawyer on duty all day today at the township centre."""
    found = services.add_lawyer(
        actor=people.county_op,
        region=region(COUNTY),
        name="李律师",
        firm="吉林某某律师事务所",
        licence_no=LICENCE,
        phone="13804320001",
    )
    services.set_duty(
        actor=people.county_op,
        lawyer=found,
        region=region(TOWNSHIP),
        day=timezone.localdate(),
        slot=c.DutySlot.FULL_DAY,
    )
    return found


def ask(client: Client, **changes: str):
    data = {
        "region": TOWNSHIP,
        "topic": c.LegalTopic.LABOUR,
        "question": "在工地干了三个月，老板一直拖欠工资，该怎么办？",
        "name": "王先生",
    }
    data.update(changes)
    return client.post(reverse("resident-legal"), data)


def request_form(**changes: str) -> dict[str, str]:
    lng, lat = point_in(GRID_A)
    data = {
        "item": "JF-001",
        "description": "楼上邻居装修噪音扰民，多次协商未果。",
        "amount": "",
        "other_name": "张建国",
        "other_phone": OTHER_PHONE,
        "lng": f"{lng:.6f}",
        "lat": f"{lat:.6f}",
        "address": "",
        "name": "王秀英",
        "phone": "",
    }
    data.update(changes)
    return data


def test_pages_need_the_phone_login(client):
    for name in ("resident-legal", "resident-legal-mine", "resident-mediation"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("resident-login"))
    home = client.get(reverse("resident-home")).content.decode()
    assert reverse("resident-legal") in home and reverse("resident-mediation") in home


# -- legal consultation ----------------------------------------------------------------------


def test_a_question_goes_to_the_lawyer_on_duty_and_the_answer_shows(client, lawyer, people):
    resident = log_in(client)
    page = client.get(reverse("resident-legal"))
    assert page.status_code == 200 and "劳动争议" in page.content.decode()
    response = ask(client)
    assert response.status_code == 302 and response["Location"] == reverse("resident-legal-mine")
    consultation = Consultation.objects.get()
    assert consultation.channel == c.ConsultChannel.ONLINE
    assert consultation.region.path == TOWNSHIP and consultation.lawyer == lawyer
    assert consultation.phone_hash == resident.phone_hash
    assert consultation.requester_name == "王先生"
    mine = client.get(reverse("resident-legal-mine")).content.decode()
    assert "拖欠工资" in mine and "已解答" not in mine
    services.answer_consultation(
        actor=people.township_op,
        consultation=consultation,
        answer="可先向劳动保障监察大队投诉，或申请劳动仲裁。",
    )
    mine = client.get(reverse("resident-legal-mine")).content.decode()
    assert "已解答" in mine and "申请劳动仲裁" in mine
    assert "李律师" not in mine  # no staff names


def test_without_a_lawyer_on_duty_the_question_waits(client):
    log_in(client)
    assert ask(client, region=OTHER_TOWNSHIP).status_code == 302
    consultation = Consultation.objects.get()
    assert consultation.lawyer is None and consultation.region.path == OTHER_TOWNSHIP
    assert "等待值班律师解答" in client.get(reverse("resident-legal-mine")).content.decode()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"topic": ""}, "topic", "请从列表中选择"),
        ({"question": "  "}, "question", "此项必填"),
        ({"question": "问" * 2001}, "question", "不能超过 2000 个字"),
        ({"region": GRID_A}, "region", "请选择咨询的中心"),  # a grid is not a centre
        ({"name": ""}, "name", "此项必填"),
    ],
)
def test_a_bad_question_saves_nothing(client, changes, field, message):
    log_in(client)
    response = ask(client, **changes)
    assert response.status_code == 400
    assert message in response.context["errors"][field]
    assert not Consultation.objects.exists()


def test_a_resident_sees_only_their_own_consultations(client):
    log_in(client)
    ask(client, question="离婚后孩子抚养费怎么算？")
    other = Client()
    log_in(other, phone="13600003333")
    mine = other.get(reverse("resident-legal-mine")).content.decode()
    assert "抚养费" not in mine and "您还没有在线咨询过" in mine
    assert "抚养费" in client.get(reverse("resident-legal-mine")).content.decode()


def test_the_default_centre_is_the_residents_township(client, people):
    resident = log_in(client)
    centres = services.consultation_centres()
    assert home_centre(resident, centres) == COUNTY  # nothing known yet
    client.post(reverse("resident-mediation"), request_form())
    assert home_centre(resident, centres) == TOWNSHIP  # where their request is
    page = client.get(reverse("resident-legal"))
    assert page.context["values"]["region"] == TOWNSHIP


def test_consultations_are_rate_limited(client, settings):
    settings.GRIDGOV_RATE_RESIDENT_LEGAL_ACCOUNT = (1, 600)
    log_in(client)
    assert ask(client).status_code == 302
    response = ask(client, question="第二个问题")
    assert response.status_code == 429
    assert Consultation.objects.count() == 1


# -- mediation request -----------------------------------------------------------------------


def test_a_mediation_request_creates_the_case_and_the_dispute(client):
    resident = log_in(client)
    page = client.get(reverse("resident-mediation"))
    assert page.status_code == 200 and "邻里纠纷" in page.content.decode()
    response = client.post(reverse("resident-mediation"), request_form(amount="3000"))
    assert response.status_code == 302
    assert response["Location"] == reverse("resident-mediation-mine")
    dispute = Dispute.objects.select_related("case").get()
    case = dispute.case
    assert case.channel == "app" and case.resident == resident
    assert case.item.code == "JF-001" and case.region.path == GRID_A
    assert dispute.kind == c.DisputeKind.NEIGHBOUR and str(dispute.amount_yuan) == "3000.00"
    assert dispute.created_by is None  # asked online: the case records the resident
    applicant, respondent = dispute.parties.order_by("position")
    assert applicant.role == c.PartyRole.APPLICANT and applicant.name == "王秀英"
    assert applicant.phone_hash == resident.phone_hash  # the account's phone
    assert applicant.phone_masked == mask_phone(PHONE)
    assert respondent.role == c.PartyRole.RESPONDENT and respondent.name == "张建国"
    assert decrypt(respondent.phone_cipher) == OTHER_PHONE


def test_a_given_phone_is_kept_protected_and_an_address_goes_to_the_county(client):
    log_in(client)
    response = client.post(
        reverse("resident-mediation"),
        request_form(lng="", lat="", address="北城街道滨河小区3号楼", phone="13800001111"),
    )
    assert response.status_code == 302
    dispute = Dispute.objects.select_related("case").get()
    assert dispute.case.region.path == COUNTY
    applicant = dispute.parties.get(role=c.PartyRole.APPLICANT)
    assert decrypt(applicant.phone_cipher) == "13800001111"
    assert applicant.phone_masked == "138****1111"


def test_my_requests_show_the_state_and_the_other_party_masked(client, people, room):
    log_in(client)
    client.post(reverse("resident-mediation"), request_form())
    mine = client.get(reverse("resident-mediation-mine")).content.decode()
    assert "已登记，等待调解委员会受理" in mine
    assert "张**" in mine and "张建国" not in mine
    assert mask_phone(OTHER_PHONE) in mine and OTHER_PHONE not in mine
    dispute = Dispute.objects.get()
    start(dispute, room, people, accepted_on=timezone.localdate())
    mine = client.get(reverse("resident-mediation-mine")).content.decode()
    assert "调解中" in mine and room[0].name in mine
    assert "王调解" not in mine  # no mediator names


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"item": ""}, "item", "请选择纠纷类型"),
        ({"item": "MS-008"}, "item", "请选择纠纷类型"),  # not a dispute
        ({"description": ""}, "description", "此项必填"),
        ({"amount": "-5"}, "amount", "金额应在 0 到 1 万亿元之间"),
        ({"amount": "很多"}, "amount", "请填写金额（元）"),
        ({"other_phone": "123"}, "other_phone", None),
        ({"other_name": ""}, "other_name", "填写了对方电话，请同时填写对方姓名或称呼"),
        ({"lng": "", "lat": "", "address": ""}, "location", "请在地图上点选位置，或填写详细地址"),
        ({"lng": "10.0", "lat": "10.0"}, "location", None),  # outside the county
        ({"name": ""}, "requester_name", "此项必填"),
    ],
)
def test_a_bad_request_saves_nothing(client, changes, field, message):
    log_in(client)
    cases = Case.objects.count()
    response = client.post(reverse("resident-mediation"), request_form(**changes))
    assert response.status_code == 400
    errors = response.context["errors"]
    assert errors.get(field), errors
    if message is not None:
        assert message in errors[field]
    assert Case.objects.count() == cases and not Dispute.objects.exists()


def test_a_resident_sees_only_their_own_requests(client):
    log_in(client)
    client.post(reverse("resident-mediation"), request_form(description="宅基地边界争议"))
    other = Client()
    log_in(other, phone="13600003333")
    theirs = other.get(reverse("resident-mediation-mine")).content.decode()
    assert "您还没有申请过调解" in theirs
    number = Dispute.objects.get().case.number
    assert number not in theirs
    assert other.get(reverse("resident-case", args=[number])).status_code == 404
    assert number in client.get(reverse("resident-mediation-mine")).content.decode()


def test_mediation_requests_are_rate_limited(client, settings):
    settings.GRIDGOV_RATE_RESIDENT_MEDIATION_ACCOUNT = (1, 600)
    log_in(client)
    assert client.post(reverse("resident-mediation"), request_form()).status_code == 302
    response = client.post(reverse("resident-mediation"), request_form())
    assert response.status_code == 429
    assert Dispute.objects.count() == 1
