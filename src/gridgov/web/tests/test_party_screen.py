"""The big screen's party layer (党建图层): off by default (the screen is unchanged), a toggle on
the map, and its data endpoint through the party map's reader and the screen's jurisdiction."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from gridgov.party.tests.factories import GRID_A, GRID_B, TOWNSHIP, make_member, make_tree

pytestmark = pytest.mark.django_db
User = get_user_model()
COUNTY = "220283"


@pytest.fixture
def tree():
    tree = make_tree()
    make_member(tree.branch_a, name="赵书记", phone="13900000001", seat="secretary")
    make_member(tree.branch_b, name="孙党员", phone="13900000003")
    type(tree.group_a).objects.filter(pk=tree.group_a.pk).update(stars=5)
    return tree


def as_user(client, username):
    client.force_login(User.objects.get(username=username))
    return client


def test_the_screen_offers_the_layer_switched_off(client, tree):
    response = as_user(client, "leader").get(reverse("screen-region", args=[COUNTY]))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-layer="party"' in page and 'aria-pressed="false"' in page
    assert '<div class="party-summary" id="party-summary" hidden></div>' in page
    config = response.context["config"]
    assert config["partyUrl"] == reverse("screen-party", args=[COUNTY])
    assert config["labels"]["party"]["kinds"]["branch"] == "党支部"
    # The existing map controls are all still there.
    assert 'data-mode="open" class="on"' in page and 'data-mode="share"' in page


def test_the_layer_has_the_points_and_a_summary(client, tree):
    as_user(client, "leader")
    data = client.get(reverse("screen-party", args=[COUNTY])).json()
    # A county screen shows the top three levels, as the party map first does.
    names = {f["properties"]["name"] for f in data["features"]}
    assert names == {tree.county.name, tree.township.name, tree.community.name}
    summary = data["summary"]
    assert summary["organisations"] == 6 and summary["members"] == 2
    assert summary["stars"] == {"0": 5, "1": 0, "2": 0, "3": 0, "4": 0, "5": 1}
    assert summary["grids"] > 2 and summary["covered"] == 2
    data = client.get(reverse("screen-party", args=[TOWNSHIP])).json()
    branch = next(f for f in data["features"] if f["properties"]["name"] == "第一网格党支部")
    assert branch["properties"]["secretary"] == "赵书记" and branch["properties"]["members"] == 1


def test_the_layer_follows_the_screen_region_and_jurisdiction(client, tree):
    as_user(client, "grid_worker")
    data = client.get(reverse("screen-party", args=[GRID_A])).json()
    assert {f["properties"]["name"] for f in data["features"]} == {"第一网格党支部", "楼栋党小组"}
    assert client.get(reverse("screen-party", args=[GRID_B])).status_code == 404
    assert client.get(reverse("screen-party", args=[TOWNSHIP])).status_code == 404


def test_anonymous_gets_no_layer(client, tree):
    response = client.get(reverse("screen-party", args=[COUNTY]))
    assert response.status_code == 302 and "/login/" in response["Location"]
