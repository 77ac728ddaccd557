from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from gridgov.accounts.models import Department, Post, User
from gridgov.accounts.roles import ROLES, Role
from gridgov.accounts.rules import check_post
from gridgov.accounts.services import (
    assign_post,
    create_department,
    create_staff_user,
    create_system_admin,
    end_post,
)
from gridgov.core.models import AuditEntry
from gridgov.regions.models import Region
from gridgov.testing import PASSWORD, region

pytestmark = pytest.mark.django_db

LEVEL_PATHS = {
    "county": "220283",
    "township": "220283001",
    "village": "220283001001",
    "grid": "220283001001001",
}


@settings(max_examples=60, deadline=None)
@given(
    role=st.sampled_from(list(Role)),
    level=st.sampled_from([*LEVEL_PATHS, None]),
    with_department=st.booleans(),
)
def test_post_rule_follows_the_role_table(role, level, with_department):
    rule = ROLES[role]
    place = Region.objects.get(path=LEVEL_PATHS[level]) if level else None
    department = Department.objects.first() if with_department else None
    allowed = (
        (place is None or place.level in rule.levels or (not rule.levels and department))
        and (place is not None or not rule.levels)
        and not (rule.department == "required" and department is None)
        and not (rule.department == "forbidden" and department is not None)
        and (place is not None or department is not None)
    )
    if allowed:
        check_post(role=role, region=place, department=department)
    else:
        with pytest.raises(ValidationError) as info:
            check_post(role=role, region=place, department=department)
        assert set(info.value.message_dict) <= {"role", "region", "department"}
        assert all(msg for msgs in info.value.message_dict.values() for msg in msgs)


def test_wrong_level_gets_a_chinese_field_message():
    with pytest.raises(ValidationError) as info:
        check_post(role=Role.GRID_WORKER, region=region("220283001"), department=None)
    message = info.value.message_dict["region"][0]
    assert "网格员" in message and "网格" in message and "北城街道" in message


def test_assign_and_end_post_are_audited():
    user = create_staff_user(username="zhangsan", full_name="张三", password=PASSWORD, actor=None)
    post = assign_post(
        user=user, role=Role.VILLAGE_OPERATOR, region=region("220283001001"), actor=None
    )
    assert AuditEntry.objects.filter(action="assign_post", object_id=str(post.pk)).exists()
    with pytest.raises(ValidationError) as info:
        assign_post(
            user=user, role=Role.VILLAGE_OPERATOR, region=region("220283001001"), actor=None
        )
    assert "role" in info.value.message_dict
    end_post(post=post, actor=None)
    assert AuditEntry.objects.filter(action="end_post", object_id=str(post.pk)).exists()


def test_bad_post_changes_nothing():
    user = create_staff_user(username="lisi", full_name="李四", password=PASSWORD, actor=None)
    before = (Post.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ValidationError):
        assign_post(user=user, role=Role.GRID_WORKER, region=region("220283"), actor=None)
    assert (Post.objects.count(), AuditEntry.objects.count()) == before


def test_user_validation_messages():
    with pytest.raises(ValidationError) as info:
        create_staff_user(username="admin", full_name="", password=PASSWORD, actor=None)
    assert "已被使用" in info.value.message_dict["username"][0]
    with pytest.raises(ValidationError) as info:
        create_staff_user(username="weak", full_name="", password="123", actor=None)
    assert info.value.message_dict["password"]
    assert not User.objects.filter(username="weak").exists()


def test_department_validation():
    county = region("220283")
    with pytest.raises(ValidationError) as info:
        create_department(code="220283-01", name="", region=region("220283001001"), actor=None)
    assert set(info.value.message_dict) == {"code", "name", "region"}
    department = create_department(code="X1", name="舒兰市测试局", region=county, actor=None)
    assert department.region == county
    with pytest.raises(ValidationError) as info:
        create_department(code="X2", name="舒兰市测试局", region=county, actor=None)
    assert "name" in info.value.message_dict


def test_system_admin_is_superuser_and_staff():
    admin = create_system_admin(username="root2", full_name="管理员", password=PASSWORD)
    assert admin.is_superuser and admin.is_staff and admin.check_password(PASSWORD)
