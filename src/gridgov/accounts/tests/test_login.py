from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from gridgov.accounts.roles import Role
from gridgov.testing import PASSWORD, region, staff

pytestmark = pytest.mark.django_db


def test_login_page_is_chinese_and_utf8(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    body = response.content.decode()
    assert '<meta charset="utf-8">' in body
    assert "工作人员登录" in body and 'lang="zh-hans"' in body


def test_login_and_logout(client):
    user = staff(Role.GRID_WORKER, region=region("220283001001001"), username="gw-login")
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert "网格员" in client.get(reverse("home")).content.decode()
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_wrong_password_message(client):
    staff(Role.GRID_WORKER, region=region("220283001001001"), username="gw-wrong")
    response = client.post(reverse("login"), {"username": "gw-wrong", "password": "nope"})
    assert response.status_code == 200
    assert "登录名或密码不正确" in response.content.decode()


def test_lockout_after_repeated_failures(client):
    staff(Role.GRID_WORKER, region=region("220283001001001"), username="gw-lock")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "gw-lock", "password": "wrong"})
    # Now even the right password is refused, with the lockout page.
    response = client.post(reverse("login"), {"username": "gw-lock", "password": PASSWORD})
    assert response.status_code == 429
    assert "已暂时锁定" in response.content.decode()
    # Another account from the same address is not locked.
    staff(Role.GRID_WORKER, region=region("220283001001002"), username="gw-other")
    response = client.post(reverse("login"), {"username": "gw-other", "password": PASSWORD})
    assert response.status_code == 302


def test_session_expires_when_idle(client, settings):
    import datetime as dt

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    user = staff(Role.GRID_WORKER, region=region("220283001001001"), username="gw-idle")
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 200
    # Every request pushes the expiry to "idle limit from now", and no further.
    assert settings.SESSION_SAVE_EVERY_REQUEST
    assert settings.SESSION_COOKIE_AGE <= 3600
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    expires = Session.objects.get(session_key=key).expire_date
    expected = timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert abs((expires - expected).total_seconds()) < 30
    # Idle past the limit: the session is gone and the user must log in again.
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    response = client.get(reverse("home"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
