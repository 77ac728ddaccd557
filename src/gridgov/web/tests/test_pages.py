from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

pytestmark = pytest.mark.django_db
User = get_user_model()


def login(client, username):
    client.force_login(User.objects.get(username=username))


def test_pages_need_login(client):
    for url in (
        reverse("home"),
        reverse("region-detail"),
        reverse("region-detail", args=["220283"]),
        reverse("region-children-geojson", args=["220283"]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and reverse("login") in response["Location"]


def test_home_shows_posts_and_territory(client):
    login(client, "township_op")
    body = client.get(reverse("home")).content.decode()
    assert "乡镇（街道）中心操作员" in body and "北城街道" in body
    assert "<b>5</b>" in body  # five communities in 北城街道


def test_region_page_lists_children_with_grid_counts(client):
    login(client, "county_op")
    response = client.get(reverse("region-detail", args=["220283"]))
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('href="/regions/220283') >= 20
    assert "北城街道" in body and "天德乡" in body
    # /regions/ sends a one-root user straight to it.
    assert client.get(reverse("region-detail"))["Location"] == "/regions/220283/"


def test_grid_page_shows_people_on_duty(client):
    login(client, "grid_worker")
    body = client.get(reverse("region-detail", args=["220283001001001"])).content.decode()
    assert "网格员" in body and "服务户数" in body


def test_outside_jurisdiction_is_404_not_403(client):
    login(client, "grid_worker")
    for path in ("220283001001002", "220283001001", "220283", "999999"):
        assert client.get(reverse("region-detail", args=[path])).status_code == 404
        assert client.get(reverse("region-children-geojson", args=[path])).status_code == 404


def test_children_geojson(client):
    login(client, "township_op")
    data = client.get(reverse("region-children-geojson", args=["220283001"])).json()
    assert data["type"] == "FeatureCollection"
    assert {f["properties"]["path"] for f in data["features"]} == {
        f"220283001{n:03d}" for n in range(1, 6)
    }
    # A grid's children are buildings (points); its own outline comes first.
    data = client.get(reverse("region-children-geojson", args=["220283001001001"])).json()
    paths = [f["properties"]["path"] for f in data["features"]]
    assert paths[0] == "220283001001001" and data["features"][0]["properties"]["self"]
    assert len(paths) >= 5 and all(
        p.startswith("220283001001001") and len(p) == 18 for p in paths[1:]
    )
    assert {f["geometry"]["type"] for f in data["features"][1:]} == {"Point"}


def test_department_handler_reaches_the_map_of_its_territory(client):
    login(client, "dept_handler")
    assert client.get(reverse("region-detail", args=["220283"])).status_code == 200


def test_user_without_post_sees_a_hint(client):
    User.objects.create_user(username="nopost", password="x-Very-long-2026")
    login(client, "nopost")
    assert "还没有岗位" in client.get(reverse("home")).content.decode()


def test_english_is_available(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert 'lang="en"' in body and "Staff login" in body and "工作人员登录" not in body
    login(client, "grid_worker")
    body = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "My posts" in body and "Grid worker" in body


def test_field_messages_are_translated(settings):
    from django.core.exceptions import ValidationError
    from django.utils import translation

    from gridgov.accounts.roles import Role
    from gridgov.accounts.rules import check_post
    from gridgov.regions.models import Region

    with translation.override("en"), pytest.raises(ValidationError) as info:
        check_post(
            role=Role.GRID_WORKER, region=Region.objects.get(path="220283001"), department=None
        )
    assert "Grid worker" in info.value.message_dict["region"][0]
