from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse

from gridgov.regions.models import Region

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.mark.parametrize(
    "name",
    [
        "admin:regions_region_changelist",
        "admin:regions_grid_changelist",
        "admin:accounts_department_changelist",
        "admin:accounts_user_changelist",
        "admin:accounts_post_changelist",
        "admin:core_auditentry_changelist",
    ],
)
def test_admin_lists_load_in_chinese(client, name):
    client.force_login(User.objects.get(username="admin"))
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert "gridgov 网格化服务管理平台" in response.content.decode()


def test_admin_region_and_user_pages(client):
    client.force_login(User.objects.get(username="admin"))
    grid = client.get(reverse("admin:regions_grid_changelist") + "?q=育才社区")
    assert "育才社区第1网格" in grid.content.decode()
    user = User.objects.get(username="grid_worker")
    page = client.get(reverse("admin:accounts_user_change", args=[user.pk]))
    assert page.status_code == 200 and "网格员" in page.content.decode()


def test_staff_operator_sees_only_their_territory_in_admin(client):
    operator = User.objects.get(username="township_op")
    operator.is_staff = True
    operator.save()
    operator.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_region", "view_grid", "view_post", "change_region"]
        )
    )
    client.force_login(operator)
    body = client.get(reverse("admin:regions_region_changelist") + "?level=township").content
    text = body.decode()
    assert "北城街道" in text and "法特镇" not in text
    other_township = Region.objects.get(path="220283100")
    outside = client.get(reverse("admin:regions_region_change", args=[other_township.pk]))
    assert outside.status_code in (302, 404)
