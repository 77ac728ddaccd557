from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from gridgov.accounts.models import ApiToken, OneTimeCode, Resident
from gridgov.accounts.tokens import authenticate_token, issue_token
from gridgov.cases.models import Notification
from gridgov.core.sms import MemoryBackend
from gridgov.testing import api_error, bearer

pytestmark = pytest.mark.django_db
PASSWORD = "Gridgov@2026"


@pytest.fixture(autouse=True)
def _fresh(settings):
    cache.clear()
    MemoryBackend.outbox.clear()
    settings.GRIDGOV_SMS_BACKEND = "gridgov.core.sms.MemoryBackend"
    yield
    cache.clear()


def post(client, url, data, **headers):
    return client.post(url, data, content_type="application/json", **headers)


def test_token_login_me_and_revoke(client):
    response = post(
        client,
        "/api/v1/auth/token",
        {"username": "township_op", "password": PASSWORD, "name": "手机端"},
    )
    assert response.status_code == 201
    token = response.json()["token"]
    assert token.startswith("ggt_")
    stored = ApiToken.objects.get(name="手机端")
    assert token not in (stored.secret_hash, stored.prefix)  # only a hash is kept
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    me = client.get("/api/v1/me", **headers).json()
    assert me["kind"] == "staff" and me["posts"][0]["region"] == "220283001"
    assert client.delete("/api/v1/auth/token", **headers).status_code == 204
    response = client.get("/api/v1/me", **headers)
    assert response.status_code == 401 and api_error(response)["code"] == "unauthenticated"


def test_bad_login_and_bad_input(client):
    response = post(client, "/api/v1/auth/token", {"username": "township_op", "password": "x"})
    assert response.status_code == 400
    assert api_error(response)["fields"]["password"] == ["登录名或密码不正确"]
    response = post(client, "/api/v1/auth/token", {"username": "township_op"})
    assert response.status_code == 422 and "password" in api_error(response)["fields"]
    response = client.post("/api/v1/auth/token", "not json", content_type="application/json")
    assert response.status_code in (400, 422)
    assert not ApiToken.objects.exists()


def test_login_is_rate_limited_per_account_and_per_address(client, settings):
    settings.GRIDGOV_RATE_LOGIN_ACCOUNT = (3, 60)
    for _ in range(3):
        post(client, "/api/v1/auth/token", {"username": "leader", "password": "wrong"})
    response = post(client, "/api/v1/auth/token", {"username": "leader", "password": PASSWORD})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert api_error(response)["code"] == "rate_limited"
    # Another account from the same address is still fine …
    assert (
        post(
            client, "/api/v1/auth/token", {"username": "county_op", "password": PASSWORD}
        ).status_code
        == 201
    )
    # … until the address limit.
    settings.GRIDGOV_RATE_LOGIN_IP = (5, 60)
    for _ in range(3):
        post(client, "/api/v1/auth/token", {"username": "county_op", "password": PASSWORD})
    response = post(client, "/api/v1/auth/token", {"username": "county_op", "password": PASSWORD})
    assert response.status_code == 429


def test_expired_and_unknown_tokens_are_refused(client, people=None):
    from gridgov.accounts.models import User

    issued = issue_token(name="t", user=User.objects.get(username="leader"))
    ApiToken.objects.filter(pk=issued.token.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert authenticate_token(issued.secret) is None
    for value in (issued.secret, "ggt_nonsense", issued.secret[:-1] + "x"):
        response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {value}")
        assert response.status_code == 401
    assert client.get("/api/v1/me").status_code == 401


def test_resident_logs_in_with_a_one_time_code(client):
    response = post(client, "/api/v1/auth/resident/code", {"phone": "138 0000 1111"})
    assert response.status_code == 202
    phone, text = MemoryBackend.outbox[-1]
    code = text.split("是 ")[1][:6]
    assert phone == "13800001111" and code.isdigit()
    assert not OneTimeCode.objects.filter(code_hash__contains=code).exists()
    wrong = post(
        client,
        "/api/v1/auth/resident/token",
        {"phone": phone, "code": "000000" if code != "000000" else "111111"},
    )
    assert wrong.status_code == 400 and api_error(wrong)["fields"]["code"] == ["验证码不正确"]
    response = post(client, "/api/v1/auth/resident/token", {"phone": phone, "code": code})
    assert response.status_code == 201
    resident = Resident.objects.get()
    assert resident.phone_masked == "138****1111" and "13800001111" not in resident.phone_hash
    headers = {"HTTP_AUTHORIZATION": f"Bearer {response.json()['token']}"}
    assert client.get("/api/v1/me", **headers).json()["kind"] == "resident"
    # A code works once.
    again = post(client, "/api/v1/auth/resident/token", {"phone": phone, "code": code})
    assert again.status_code == 400
    # Residents cannot use staff endpoints.
    response = client.get("/api/v1/me/queue", **headers)
    assert response.status_code == 403 and api_error(response)["code"] == "forbidden"


def test_resident_account_is_found_by_the_registers_phone_hash(client):
    """A resident account is keyed by the register's lookup hash of the phone, so the party's
    online branch finds the member; an account made under the old hash moves at its next
    login and keeps its id."""
    from gridgov.accounts.tokens import keyed_hash
    from gridgov.core.protection import lookup_hash

    old = Resident.objects.create(
        phone_hash=keyed_hash("13900003333", "phone"), phone_masked="139****3333"
    )
    post(client, "/api/v1/auth/resident/code", {"phone": "13900003333"})
    code = MemoryBackend.outbox[-1][1].split("是 ")[1][:6]
    response = post(client, "/api/v1/auth/resident/token", {"phone": "13900003333", "code": code})
    assert response.status_code == 201
    resident = Resident.objects.get()
    assert resident.pk == old.pk
    assert resident.phone_hash == lookup_hash("13900003333", "phone")


def test_one_time_code_attempts_and_expiry(client, settings):
    settings.GRIDGOV_OTP_ATTEMPTS = 2
    post(client, "/api/v1/auth/resident/code", {"phone": "13900002222"})
    code = MemoryBackend.outbox[-1][1].split("是 ")[1][:6]
    bad = "999999" if code != "999999" else "888888"
    for _ in range(2):
        post(client, "/api/v1/auth/resident/token", {"phone": "13900002222", "code": bad})
    response = post(client, "/api/v1/auth/resident/token", {"phone": "13900002222", "code": code})
    assert response.status_code == 400 and "失效" in api_error(response)["fields"]["code"][0]
    post(client, "/api/v1/auth/resident/code", {"phone": "13900002222"})
    OneTimeCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    code = MemoryBackend.outbox[-1][1].split("是 ")[1][:6]
    response = post(client, "/api/v1/auth/resident/token", {"phone": "13900002222", "code": code})
    assert response.status_code == 400


def test_code_requests_are_rate_limited_and_phones_checked(client):
    response = post(client, "/api/v1/auth/resident/code", {"phone": "12345"})
    assert response.status_code == 400 and "手机号" in api_error(response)["fields"]["phone"][0]
    for _ in range(3):
        assert (
            post(client, "/api/v1/auth/resident/code", {"phone": "13700003333"}).status_code == 202
        )
    assert post(client, "/api/v1/auth/resident/code", {"phone": "13700003333"}).status_code == 429
    assert len(MemoryBackend.outbox) == 3


def test_departments_are_scoped(client):
    body = client.get("/api/v1/departments", **bearer("township_op")).json()
    assert len(body) == 44 and {"城管局", "公安局"} <= {d["short_name"] for d in body}
    handler = client.get("/api/v1/departments", **bearer("dept_handler")).json()
    assert {d["short_name"] for d in handler} >= {"城管局"}


def test_notifications(client):
    from gridgov.accounts.models import User

    user = User.objects.get(username="village_op")
    mine = Notification.objects.create(recipient=user, kind="new_work", message="新案件")
    other = Notification.objects.create(
        recipient=User.objects.get(username="leader"), kind="new_work", message="别人的"
    )
    headers = bearer("village_op")
    body = client.get("/api/v1/me/notifications?unread=true", **headers).json()
    assert [n["id"] for n in body] == [mine.pk]
    assert client.post(f"/api/v1/me/notifications/{mine.pk}/read", **headers).status_code == 204
    assert client.get("/api/v1/me/notifications?unread=true", **headers).json() == []
    response = client.post(f"/api/v1/me/notifications/{other.pk}/read", **headers)
    assert response.status_code == 404 and api_error(response)["code"] == "not_found"


def test_errors_follow_the_request_language(client):
    response = client.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert "token" in api_error(response)["message"].lower()
    response = client.get("/api/v1/me")
    assert "令牌" in api_error(response)["message"]
